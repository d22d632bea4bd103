// Creating a pktmbuf pool, with or without hugepages.
#ifndef ZCNIC_MBUF_POOL_H
#define ZCNIC_MBUF_POOL_H

#include <stdint.h>
#include <rte_mempool.h>

// The DPDK call zc_pool_create failed in (*call).
enum zc_pool_call {
	ZC_POOL_CREATE = 0,   // rte_pktmbuf_pool_create
	ZC_POOL_EMPTY = 1,    // rte_mempool_create_empty
	ZC_POOL_OPS = 2,      // rte_mempool_set_ops_byname
	ZC_POOL_POPULATE = 3, // rte_mempool_populate_default
};

// zc_pool_create makes a pool of n mbufs with data_room bytes each
// (headroom included). On hugepages it is rte_pktmbuf_pool_create.
// Without them (EAL --no-huge) memory comes in 4 KiB pages, and a pool
// whose objects must each be IOVA-contiguous puts at most one 2 KiB mbuf
// in a page, wasting 40% of it: 131071 mbufs need 512 MiB, where they
// fit in 310 MiB. Nothing there DMAs by physical address (virtual
// devices only), so the pool is made with RTE_MEMPOOL_F_NO_IOVA_CONTIG,
// its objects packed. On failure it returns NULL, with rte_errno in *err
// and the failed call in *call.
struct rte_mempool *zc_pool_create(const char *name, unsigned n, unsigned cache,
		uint16_t data_room, int socket, int *err, int *call);

#endif
