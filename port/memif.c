#include "memif.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <rte_ethdev.h>
#include <rte_version.h>

#include "ethdev_private.h"

// The parts of DPDK 22.11's private structures that zc_memif_held reads
// (lib/ethdev/ethdev_driver.h, drivers/net/memif/rte_eth_memif.h and
// memif.h at v22.11). Only pointers are followed after checks in
// zc_memif_held.

struct zc_memif_region {
	void *addr;
	uint64_t region_size;
	int fd;
	uint32_t pkt_buffer_offset;
};

struct zc_memif_process_private {
	struct zc_memif_region *regions[256];
	uint16_t regions_num;
};

struct zc_memif_queue {
	struct rte_mempool *mempool;
	void *pmd;
	int type;         // memif_ring_type_t
	uint16_t region;  // memif_region_index_t
	uint16_t in_port;
	uint32_t ring_offset;
	uint16_t last_head;
	uint16_t last_tail;
	struct rte_mbuf **buffers;
	uint64_t n_pkts;
	uint64_t n_bytes;
	void *intr_handle;
	uint8_t log2_ring_size;
};

#define ZC_MEMIF_COOKIE 0x3E31F20
#define ZC_MEMIF_MAX_LOG2_RING_SIZE 14

struct zc_memif_ring {
	uint32_t cookie;
	uint16_t flags;
	uint16_t head;
} __attribute__((aligned(RTE_CACHE_LINE_SIZE)));

// queue_held appends to out the mbufs a zero-copy queue holds: the ring
// slots from the driver's last_tail to the ring's head. The driver
// writes head (its refill on rx, its transmit on tx) and the peer tail.
static int queue_held(uint16_t port, struct zc_memif_process_private *pp,
		struct zc_memif_queue *mq, struct rte_mbuf **out) {
	if (mq == NULL || mq->buffers == NULL)
		return 0; // copy mode, or never connected
	if (mq->in_port != port || mq->log2_ring_size > ZC_MEMIF_MAX_LOG2_RING_SIZE ||
			mq->region >= pp->regions_num || pp->regions[mq->region] == NULL ||
			pp->regions[mq->region]->addr == NULL)
		return -ENOTSUP;
	struct zc_memif_ring *ring = (struct zc_memif_ring *)
		((uint8_t *)pp->regions[mq->region]->addr + mq->ring_offset);
	if (ring->cookie != ZC_MEMIF_COOKIE)
		return -ENOTSUP;
	uint16_t mask = (1 << mq->log2_ring_size) - 1;
	uint16_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
	uint16_t n = head - mq->last_tail;
	if (n > mask + 1)
		return -ENOTSUP;
	for (uint16_t i = 0; i < n; i++)
		out[i] = mq->buffers[(uint16_t)(mq->last_tail + i) & mask];
	// The port stops next (no lcore polls it), and a restart starts the
	// rings over, so the driver never looks at these slots again.
	return n;
}

int zc_memif_held(uint16_t port, struct rte_mbuf ***out) {
	struct rte_eth_dev_info info;
	*out = NULL;
	if (rte_eth_dev_info_get(port, &info) != 0 || strcmp(info.driver_name, "net_memif") != 0)
		return 0;
	if (strncmp(rte_version(), "DPDK 22.11.", 11) != 0 || zc_eth_dev_layout_ok() == 0)
		return -ENOTSUP;
	struct zc_eth_dev_head *dev = zc_eth_dev(port);
	struct zc_eth_dev_data *data = dev->data;
	// The public fast-path table points at the same queue arrays while
	// the port runs: proof that dev and data are what we think.
	if (data == NULL || dev->process_private == NULL ||
			data->rx_queues != rte_eth_fp_ops[port].rxq.data ||
			data->tx_queues != rte_eth_fp_ops[port].txq.data ||
			strcmp(data->name, rte_dev_name(info.device)) != 0)
		return -ENOTSUP;
	struct zc_memif_process_private *pp = dev->process_private;
	if (pp->regions_num == 0)
		return 0; // not connected: nothing was handed out
	size_t cap = (size_t)(data->nb_rx_queues + data->nb_tx_queues) << ZC_MEMIF_MAX_LOG2_RING_SIZE;
	struct rte_mbuf **held = malloc(cap * sizeof(*held));
	if (held == NULL)
		return -ENOMEM;
	int n = 0;
	for (int dir = 0; dir < 2; dir++) {
		void **qs = dir == 0 ? data->rx_queues : data->tx_queues;
		int nq = dir == 0 ? data->nb_rx_queues : data->nb_tx_queues;
		for (int q = 0; q < nq; q++) {
			int k = queue_held(port, pp, qs[q], held + n);
			if (k < 0) {
				free(held);
				return k;
			}
			n += k;
		}
	}
	if (n == 0) {
		free(held);
		return 0;
	}
	*out = held;
	return n;
}

void zc_free_segs(struct rte_mbuf **m, int n) {
	for (int i = 0; i < n; i++)
		rte_pktmbuf_free_seg(m[i]);
}
