#include "afxdp.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <rte_ethdev.h>
#include <rte_version.h>

#include "ethdev_private.h"

// libxdp's ring (xdp/xsk.h, DEFINE_XSK_RING), a stable ABI.
struct zc_xsk_ring {
	uint32_t cached_prod;
	uint32_t cached_cons;
	uint32_t mask;
	uint32_t size;
	uint32_t *producer;
	uint32_t *consumer;
	void *ring;
	uint32_t *flags;
};

struct zc_xdp_desc { // linux/if_xdp.h
	uint64_t addr;
	uint32_t len;
	uint32_t options;
};

#define ZC_XSK_ADDR_MASK ((1ULL << 48) - 1) // XSK_UNALIGNED_BUF_ADDR_MASK

// drivers/net/af_xdp/rte_eth_af_xdp.c at v22.11.
struct zc_xsk_umem_info {
	void *umem;
	void *buf_ring;
	const void *mz;
	struct rte_mempool *mb_pool;
	void *buffer;
	uint8_t refcnt;
	uint32_t max_xsks;
};

struct zc_pkt_tx_queue;

struct zc_pkt_rx_queue {
	struct zc_xsk_ring rx;
	struct zc_xsk_umem_info *umem;
	void *xsk;
	struct rte_mempool *mb_pool;
	uint16_t port;
	uint64_t stats[3];
	struct zc_xsk_ring fq;
	struct zc_xsk_ring cq;
	struct zc_pkt_tx_queue *pair;
	struct pollfd fds[1];
	int xsk_queue_idx;
	int busy_budget;
};

struct zc_pkt_tx_queue {
	struct zc_xsk_ring tx;
	struct zc_xsk_umem_info *umem;
	uint64_t stats[3];
	struct zc_pkt_rx_queue *pair;
	int xsk_queue_idx;
};

static int ring_ok(const struct zc_xsk_ring *r) {
	return r->ring != NULL && r->producer != NULL && r->consumer != NULL &&
		r->size != 0 && (r->size & (r->size - 1)) == 0 && r->mask == r->size - 1;
}

// An address in the UMEM (the offset in its upper bits masked off) is
// the mbuf header_size after it, as the driver computes it.
static struct rte_mbuf *to_mbuf(const struct zc_xsk_umem_info *u, uint64_t addr) {
	return (struct rte_mbuf *)((char *)u->buffer + (addr & ZC_XSK_ADDR_MASK) + u->mb_pool->header_size);
}

static uint32_t load(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

// queue_held appends what one queue pair's four rings hold to out.
static int queue_held(uint16_t port, struct zc_pkt_rx_queue *rxq, struct rte_mbuf **out, size_t cap) {
	if (rxq == NULL || rxq->umem == NULL)
		return 0; // never set up
	struct zc_pkt_tx_queue *txq = rxq->pair;
	struct zc_xsk_umem_info *u = rxq->umem;
	if (rxq->port != port || txq == NULL || txq->pair != rxq || txq->umem != u ||
			u->mb_pool == NULL || u->mb_pool != rxq->mb_pool || u->buffer == NULL ||
			!ring_ok(&rxq->rx) || !ring_ok(&rxq->fq) || !ring_ok(&rxq->cq) || !ring_ok(&txq->tx))
		return -ENOTSUP;
	size_t n = 0;
	uint32_t i, end;
	// Frames the kernel wrote that the port has not received: from what
	// the driver consumed to what the kernel produced.
	end = load(rxq->rx.producer);
	for (i = rxq->rx.cached_cons; i != end && n < cap; i++)
		out[n++] = to_mbuf(u, ((struct zc_xdp_desc *)rxq->rx.ring)[i & rxq->rx.mask].addr);
	// Empty buffers the kernel has not taken: from its consumer to the
	// driver's producer.
	end = load(rxq->fq.producer);
	for (i = load(rxq->fq.consumer); i != end && n < cap; i++)
		out[n++] = to_mbuf(u, ((uint64_t *)rxq->fq.ring)[i & rxq->fq.mask]);
	// Sent buffers the kernel has given back and the driver not yet
	// freed, then those it has not sent yet.
	end = load(rxq->cq.producer);
	for (i = rxq->cq.cached_cons; i != end && n < cap; i++)
		out[n++] = to_mbuf(u, ((uint64_t *)rxq->cq.ring)[i & rxq->cq.mask]);
	end = load(txq->tx.producer);
	for (i = load(txq->tx.consumer); i != end && n < cap; i++)
		out[n++] = to_mbuf(u, ((struct zc_xdp_desc *)txq->tx.ring)[i & txq->tx.mask].addr);
	// Every one must be an mbuf of the port's pool.
	for (size_t k = 0; k < n; k++)
		if (out[k]->pool != u->mb_pool)
			return -ENOTSUP;
	return (int)n;
}

int zc_afxdp_held(uint16_t port, struct rte_mbuf ***out) {
	struct rte_eth_dev_info info;
	*out = NULL;
	if (rte_eth_dev_info_get(port, &info) != 0 || strcmp(info.driver_name, "net_af_xdp") != 0)
		return 0;
	if (strncmp(rte_version(), "DPDK 22.11.", 11) != 0 || zc_eth_dev_layout_ok() == 0)
		return -ENOTSUP;
	struct zc_eth_dev_data *data = zc_eth_dev(port)->data;
	if (data == NULL || strcmp(data->name, rte_dev_name(info.device)) != 0)
		return -ENOTSUP;
	size_t cap = 0;
	for (int q = 0; q < data->nb_rx_queues; q++) {
		struct zc_pkt_rx_queue *rxq = data->rx_queues[q];
		if (rxq != NULL && rxq->pair != NULL)
			cap += rxq->rx.size + rxq->fq.size + rxq->cq.size + rxq->pair->tx.size;
	}
	if (cap == 0)
		return 0;
	struct rte_mbuf **held = malloc(cap * sizeof(*held));
	if (held == NULL)
		return -ENOMEM;
	size_t n = 0;
	for (int q = 0; q < data->nb_rx_queues; q++) {
		int k = queue_held(port, data->rx_queues[q], held + n, cap - n);
		if (k < 0) {
			free(held);
			return k;
		}
		n += k;
	}
	if (n == 0) {
		free(held);
		return 0;
	}
	*out = held;
	return (int)n;
}
