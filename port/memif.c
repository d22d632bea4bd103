#include "memif.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_spinlock.h>
#include <rte_version.h>

#include "ethdev_private.h"

// The parts of DPDK 22.11's private structures that zc_memif_held and
// zc_memif_burst_lock read (lib/ethdev/ethdev_driver.h,
// drivers/net/memif/rte_eth_memif.h and memif.h at v22.11; unchanged in
// the 22.11.x releases through 22.11.11). Only pointers are followed
// after checks in zc_memif_check.

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

// struct pmd_internals (dev->data->dev_private), up to the lock. Every
// field before cc_lock has the same size and alignment on every LP64
// ABI, and none depends on the cache line: the offsets below hold on
// x86-64 and on arm64 (128-byte lines) alike.
struct zc_memif_pmd {
	uint32_t id;           // memif_interface_id_t
	int role;              // enum memif_role_t: 0 server, 1 client
	uint32_t flags;        // ETH_MEMIF_FLAG_*
	char *socket_filename;
	char secret[24];       // ETH_MEMIF_SECRET_SIZE
	void *cc;              // struct memif_control_channel *
	rte_spinlock_t cc_lock;
};

#define ZC_MEMIF_FLAG_CONNECTED (1 << 1)
#define ZC_MEMIF_FLAGS_KNOWN 0x1f // CONNECTING .. SOCKET_ABSTRACT

_Static_assert(sizeof(rte_spinlock_t) == 4, "rte_spinlock_t is not one int: check port/memif.c");
_Static_assert(offsetof(struct zc_memif_pmd, flags) == 8 &&
	offsetof(struct zc_memif_pmd, socket_filename) == 16 &&
	offsetof(struct zc_memif_pmd, cc) == 48 &&
	offsetof(struct zc_memif_pmd, cc_lock) == 56,
	"struct pmd_internals (net_memif, DPDK 22.11): flags, socket_filename, cc or cc_lock not where port/memif.c reads them");
_Static_assert(offsetof(struct zc_memif_queue, type) == 16 &&
	offsetof(struct zc_memif_queue, in_port) == 22 &&
	offsetof(struct zc_memif_queue, buffers) == 32,
	"struct memif_queue (DPDK 22.11): fields not where port/memif.c reads them");

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

// devarg is the value of key in a device's arguments ("k=v,k2=v2"),
// copied into buf (at most n-1 bytes), or NULL.
static const char *devarg(const char *args, const char *key, char *buf, size_t n) {
	size_t kl = strlen(key);
	for (const char *a = args; a != NULL && *a != '\0'; a = strchr(a, ',') != NULL ? strchr(a, ',') + 1 : NULL) {
		if (strncmp(a, key, kl) == 0 && a[kl] == '=') {
			const char *v = a + kl + 1;
			size_t l = strcspn(v, ",");
			if (l >= n)
				l = n - 1;
			memcpy(buf, v, l);
			buf[l] = '\0';
			return buf;
		}
	}
	return NULL;
}

// zc_memif_check finds port's device structures and checks them: 0 and
// *devp for a net_memif port whose structures are 22.11's, 1 for another
// driver's port, -ENOTSUP when they are not what this file describes.
// The checks cross the mirrored struct pmd_internals with what is known
// otherwise: its role with each queue's ring type (rx_queue_setup gives
// a server's rx queue C2S rings, a client's S2C), its socket_filename
// with the device's socket= argument, its flags and lock with their
// possible values. (The queues' own pmd field is never set by 22.11.)
static int zc_memif_check(uint16_t port, struct zc_eth_dev_head **devp) {
	struct rte_eth_dev_info info;
	if (rte_eth_dev_info_get(port, &info) != 0 || strcmp(info.driver_name, "net_memif") != 0)
		return 1;
	if (strncmp(rte_version(), "DPDK 22.11.", 11) != 0 || zc_eth_dev_layout_ok() == 0)
		return -ENOTSUP;
	struct zc_eth_dev_head *dev = zc_eth_dev(port);
	struct zc_eth_dev_data *data = dev->data;
	if (data == NULL || dev->process_private == NULL || data->dev_private == NULL ||
			strcmp(data->name, rte_dev_name(info.device)) != 0 ||
			data->nb_rx_queues != info.nb_rx_queues || data->nb_tx_queues != info.nb_tx_queues)
		return -ENOTSUP;
	struct zc_memif_pmd *pmd = data->dev_private;
	if ((pmd->role != 0 && pmd->role != 1) || (pmd->flags & ~ZC_MEMIF_FLAGS_KNOWN) != 0 ||
			(pmd->cc_lock.locked != 0 && pmd->cc_lock.locked != 1) || pmd->socket_filename == NULL)
		return -ENOTSUP;
	for (int dir = 0; dir < 2; dir++) {
		void **qs = dir == 0 ? data->rx_queues : data->tx_queues;
		int nq = dir == 0 ? data->nb_rx_queues : data->nb_tx_queues;
		// memif_ring_type_t: C2S 0, S2C 1; role: server 0, client 1.
		int type = dir == 0 ? pmd->role : 1 - pmd->role;
		for (int q = 0; q < nq; q++) {
			struct zc_memif_queue *mq = qs != NULL ? qs[q] : NULL;
			if (mq != NULL && (mq->in_port != port || mq->type != type))
				return -ENOTSUP;
		}
	}
	// The socket's name, cut to sun_path as the driver keeps it.
	char sock[108];
	const struct rte_devargs *da = rte_dev_devargs(info.device);
	const char *want = devarg(da != NULL ? da->args : NULL, "socket", sock, sizeof(sock));
	if (strncmp(pmd->socket_filename, want != NULL ? want : "/run/memif.sock", sizeof(sock) - 1) != 0)
		return -ENOTSUP;
	*devp = dev;
	return 0;
}

int zc_memif_burst_lock(uint16_t port, rte_spinlock_t **lock) {
	struct zc_eth_dev_head *dev;
	*lock = NULL;
	int r = zc_memif_check(port, &dev);
	if (r != 0)
		return r > 0 ? 0 : r;
	*lock = &((struct zc_memif_pmd *)dev->data->dev_private)->cc_lock;
	return 0;
}

// memif_held_locked is zc_memif_held with the rings known to be mapped.
static int memif_held_locked(uint16_t port, struct zc_eth_dev_head *dev, struct rte_mbuf ***out) {
	struct zc_eth_dev_data *data = dev->data;
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

int zc_memif_held(uint16_t port, struct rte_mbuf ***out) {
	struct zc_eth_dev_head *dev;
	*out = NULL;
	int r = zc_memif_check(port, &dev);
	if (r != 0)
		return r > 0 ? 0 : r;
	struct zc_eth_dev_data *data = dev->data;
	// The public fast-path table points at the same queue arrays while
	// the port runs: proof that dev and data are what we think.
	if (data->rx_queues != rte_eth_fp_ops[port].rxq.data ||
			data->tx_queues != rte_eth_fp_ops[port].txq.data)
		return -ENOTSUP;
	// The peer may go at this moment, and the interrupt thread unmap the
	// rings (memif_disconnect): under the driver's cc_lock, with the port
	// still connected, they stay mapped until we are done (see memif.h).
	struct zc_memif_pmd *pmd = data->dev_private;
	rte_spinlock_lock(&pmd->cc_lock);
	if ((__atomic_load_n(&pmd->flags, __ATOMIC_RELAXED) & ZC_MEMIF_FLAG_CONNECTED) == 0) {
		rte_spinlock_unlock(&pmd->cc_lock);
		return 0; // disconnected: the rings are gone (see memif.h)
	}
	r = memif_held_locked(port, dev, out);
	rte_spinlock_unlock(&pmd->cc_lock);
	return r;
}

void zc_free_segs(struct rte_mbuf **m, int n) {
	for (int i = 0; i < n; i++)
		rte_pktmbuf_free_seg(m[i]);
}
