#include "pcap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#ifndef RTE_ETHDEV_RXTX_CALLBACKS
#error "zcnic needs DPDK built with RTE_ETHDEV_RXTX_CALLBACKS (Debian's and the default build have it)"
#endif

struct zc_pcaptx {
	struct rte_mempool *pool;
	uint16_t port, nq;
	const struct rte_eth_rxtx_callback *cb[RTE_MAX_QUEUES_PER_PORT];
	uint64_t cut, copied; // atomics: queues of a port may run on many lcores
};

static uint16_t zc_pcaptx_cb(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
		uint16_t n, void *arg) {
	struct zc_pcaptx *t = arg;
	uint64_t cut = 0, copied = 0;
	(void)port;
	(void)queue;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *c;
		uint32_t len = rte_pktmbuf_pkt_len(m);
		if (likely(len <= ZC_PCAP_TX_CUT || rte_pktmbuf_is_contiguous(m)))
			continue;
		if (len > UINT16_MAX || (c = rte_pktmbuf_alloc(t->pool)) == NULL) {
			cut++;
			continue;
		}
		c->data_off = 0; // the whole 65,535-byte room for data
		if (rte_pktmbuf_read(m, 0, len, rte_pktmbuf_mtod(c, void *)) == NULL) {
			rte_pktmbuf_free(c); // a chain shorter than its pkt_len
			cut++;
			continue;
		}
		c->data_len = (uint16_t)len;
		c->pkt_len = len;
		c->port = m->port;
		c->packet_type = m->packet_type;
		c->vlan_tci = m->vlan_tci;
		c->vlan_tci_outer = m->vlan_tci_outer;
		c->hash = m->hash;
		pkts[i] = c;
		rte_pktmbuf_free(m);
		copied++;
	}
	if (unlikely(cut))
		__atomic_fetch_add(&t->cut, cut, __ATOMIC_RELAXED);
	if (unlikely(copied))
		__atomic_fetch_add(&t->copied, copied, __ATOMIC_RELAXED);
	return n;
}

struct zc_pcaptx *zc_pcaptx_new(struct rte_mempool *pool) {
	struct zc_pcaptx *t = calloc(1, sizeof(*t));
	if (t != NULL)
		t->pool = pool;
	return t;
}

int zc_pcaptx_add(struct zc_pcaptx *t, uint16_t port, uint16_t nq) {
	if (t->nq != 0)
		return -EBUSY;
	if (nq > RTE_MAX_QUEUES_PER_PORT)
		return -EINVAL;
	t->port = port;
	for (uint16_t q = 0; q < nq; q++) {
		t->cb[q] = rte_eth_add_tx_callback(port, q, zc_pcaptx_cb, t);
		if (t->cb[q] == NULL) {
			int err = rte_errno ? -rte_errno : -EINVAL;
			t->nq = q;
			zc_pcaptx_remove(t);
			return err;
		}
	}
	t->nq = nq;
	return 0;
}

int zc_pcaptx_remove(struct zc_pcaptx *t) {
	int first = 0;
	for (uint16_t q = 0; q < t->nq; q++) {
		if (t->cb[q] == NULL)
			continue;
		int r = rte_eth_remove_tx_callback(t->port, q, t->cb[q]);
		if (r == 0) {
			// Unlinked, not freed, by ethdev: with the port stopped
			// (or no thread sending) nothing runs it any more, so it
			// may be freed at once (rte_eth_remove_tx_callback's doc).
			rte_free((void *)(uintptr_t)t->cb[q]);
		} else if (first == 0) {
			first = r;
		}
		t->cb[q] = NULL;
	}
	t->nq = 0;
	return first;
}

uint64_t zc_pcaptx_cut(const struct zc_pcaptx *t) {
	return __atomic_load_n(&t->cut, __ATOMIC_RELAXED);
}

uint64_t zc_pcaptx_copied(const struct zc_pcaptx *t) {
	return __atomic_load_n(&t->copied, __ATOMIC_RELAXED);
}

void zc_pcaptx_free(struct zc_pcaptx *t) {
	free(t);
}
