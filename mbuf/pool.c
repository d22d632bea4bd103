#include "pool.h"

#include <string.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>

struct rte_mempool *zc_pool_create(const char *name, unsigned n, unsigned cache,
		uint16_t data_room, int socket, int *err, int *call) {
	struct rte_mempool *mp;
	int r;

	*err = 0;
	*call = ZC_POOL_CREATE;
	if (rte_eal_has_hugepages()) {
		mp = rte_pktmbuf_pool_create(name, n, cache, 0, data_room, socket);
		if (mp == NULL)
			*err = rte_errno;
		return mp;
	}

	// What rte_pktmbuf_pool_create does, with the objects packed.
	struct rte_pktmbuf_pool_private priv;
	memset(&priv, 0, sizeof(priv));
	priv.mbuf_data_room_size = data_room;
	*call = ZC_POOL_EMPTY;
	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + data_room, cache,
			sizeof(priv), socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL) {
		*err = rte_errno;
		return NULL;
	}
	*call = ZC_POOL_OPS;
	r = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (r == 0) {
		rte_pktmbuf_pool_init(mp, &priv);
		*call = ZC_POOL_POPULATE;
		r = rte_mempool_populate_default(mp);
	}
	if (r < 0) {
		*err = -r;
		rte_mempool_free(mp);
		return NULL;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
}
