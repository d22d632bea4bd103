// zcnic's server of DPDK 22.11's pdump protocol: see pdump.h.
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_bpf.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_pcapng.h>
#include <rte_ring.h>
#include <rte_version.h>

#include "pdump.h"

// One capture of one queue in one direction: what the callback copies
// to, and the server's bookkeeping.
//
// The lcore polling the queue runs the callback; the server (DPDK's
// rte_mp thread, or the thread in zc_pdump_uninit or closing a port)
// changes the slot. They meet on two words, use and ring:
//
//   lcore (capture):   use += 1 (odd)   [seq_cst]
//                      r = ring         [seq_cst]
//                      if r: copy into r, r's pool, ...
//                      use += 1 (even)  [release]
//
//   server (detach):   ring = NULL      [seq_cst]
//                      remove the callback from ethdev's list
//                      seen = use       [seq_cst]
//                      if seen is odd: wait until use != seen [acquire]
//                      ... then reply, and the client frees ring and pool
//
// The store of ring and the load of use by the server, the increment
// of use and the load of ring by the lcore, are all seq_cst, so they
// fall in one total order (the store-then-load pattern of Dekker's
// algorithm, which acquire/release alone does not order). Either the
// lcore's increment comes before the server's load of use, and the
// server sees it odd (or, later, the even value of the exit) and waits
// for the exit, whose release store its acquire load reads: everything
// the lcore did with the ring happens before the reply. Or the server's
// load comes first, and then its store of NULL came before the lcore's
// load of ring, which reads NULL: the lcore touches nothing of the
// client's. That covers an lcore that had read the callback from
// ethdev's list before the removal but had not entered it yet, which a
// counter alone (DPDK 25.11's fix) does not.
//
// mp, filter, snaplen and ver are written only while ring is NULL and no
// lcore is inside with a ring (after a detach), and published by the
// seq_cst (so also release) store of ring; the lcore reads them after
// its load of ring. use is even whenever no lcore is inside: DPDK polls
// a queue from one thread at a time, so the lcore's increments never
// interleave.
//
// The slots stay where they are for the life of the process: ethdev
// never frees a removed callback, and a late lcore may still call one
// with its slot after the detach (and find ring NULL).
struct zc_pdump_slot {
	uint32_t use;
	struct rte_ring *ring;
	struct rte_mempool *mp;
	struct rte_bpf *filter;
	uint32_t snaplen;
	uint16_t ver;
	// Server-only, under zc_pdump.lock:
	const struct rte_eth_rxtx_callback *cb;    // installed in ethdev's list
	const struct rte_eth_rxtx_callback *stale; // left in the list by a port's release
	char peer[sizeof(((struct sockaddr_un *)0)->sun_path)]; // the client's socket
} __rte_cache_aligned;

static struct zc_pdump_slot rx_slots[RTE_MAX_ETHPORTS][RTE_MAX_QUEUES_PER_PORT];
static struct zc_pdump_slot tx_slots[RTE_MAX_ETHPORTS][RTE_MAX_QUEUES_PER_PORT];

static struct {
	pthread_mutex_t lock; // serialises requests, port releases and uninit
	int serving;          // between init and uninit
	int logtype;
	struct zc_pdump_stats *stats; // the memzone's, while serving
} zc_pdump = {.lock = PTHREAD_MUTEX_INITIALIZER, .logtype = RTE_LOGTYPE_USER1};

#define ZC_PDUMP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, zc_pdump.logtype, "zcnic pdump: " fmt "\n", ##__VA_ARGS__)

// Packets a pass through the copy loop, for arrays on the stack.
#define ZC_PDUMP_CHUNK 32

static void capture_chunk(struct zc_pdump_slot *s, struct rte_ring *ring,
		uint16_t port, uint16_t queue, enum rte_pcapng_direction dir,
		struct rte_mbuf **pkts, unsigned n, uint64_t ts, struct rte_pdump_stats *st) {
	struct rte_mbuf *dup[ZC_PDUMP_CHUNK];
	uint64_t rc[ZC_PDUMP_CHUNK];
	unsigned d = 0;
	// Same convention as a socket filter: 0 means no match.
	if (s->filter != NULL)
		rte_bpf_exec_burst(s->filter, (void **)pkts, rc, n);
	for (unsigned i = 0; i < n; i++) {
		if (s->filter != NULL && rc[i] == 0) {
			__atomic_fetch_add(&st->filtered, 1, __ATOMIC_RELAXED);
			continue;
		}
		struct rte_mbuf *p = s->ver == ZC_PDUMP_V2
			? rte_pcapng_copy(port, queue, pkts[i], s->mp, s->snaplen, ts, dir)
			: rte_pktmbuf_copy(pkts[i], s->mp, 0, s->snaplen);
		if (unlikely(p == NULL))
			__atomic_fetch_add(&st->nombuf, 1, __ATOMIC_RELAXED);
		else
			dup[d++] = p;
	}
	__atomic_fetch_add(&st->accepted, d, __ATOMIC_RELAXED);
	unsigned q = rte_ring_enqueue_burst(ring, (void **)dup, d, NULL);
	if (unlikely(q < d)) {
		__atomic_fetch_add(&st->ringfull, d - q, __ATOMIC_RELAXED);
		rte_pktmbuf_free_bulk(dup + q, d - q);
	}
}

static void capture(struct zc_pdump_slot *s, uint16_t port, uint16_t queue,
		enum rte_pcapng_direction dir, struct rte_mbuf **pkts, uint16_t n) {
	__atomic_fetch_add(&s->use, 1, __ATOMIC_SEQ_CST); // odd: inside
	struct rte_ring *ring = __atomic_load_n(&s->ring, __ATOMIC_SEQ_CST);
	if (ring != NULL) {
		// A ring means serving: the memzone is there.
		struct rte_pdump_stats *st = dir == RTE_PCAPNG_DIRECTION_IN
			? &zc_pdump.stats->rx[port][queue] : &zc_pdump.stats->tx[port][queue];
		uint64_t ts = rte_get_tsc_cycles();
		for (unsigned off = 0; off < n; off += ZC_PDUMP_CHUNK) {
			unsigned k = n - off < ZC_PDUMP_CHUNK ? n - off : ZC_PDUMP_CHUNK;
			capture_chunk(s, ring, port, queue, dir, pkts + off, k, ts, st);
		}
	}
	__atomic_fetch_add(&s->use, 1, __ATOMIC_RELEASE); // even: out
}

static uint16_t zc_pdump_rx(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
		uint16_t n, uint16_t max __rte_unused, void *arg) {
	if (n > 0)
		capture(arg, port, queue, RTE_PCAPNG_DIRECTION_IN, pkts, n);
	return n;
}

static uint16_t zc_pdump_tx(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
		uint16_t n, void *arg) {
	if (n > 0)
		capture(arg, port, queue, RTE_PCAPNG_DIRECTION_OUT, pkts, n);
	return n;
}

// quiesce makes s inert and returns once no lcore can still use what it
// pointed to (see struct zc_pdump_slot). remove unlinks the callback
// between the two halves. Under the lock.
static void quiesce_begin(struct zc_pdump_slot *s) {
	__atomic_store_n(&s->ring, NULL, __ATOMIC_SEQ_CST);
}

static void quiesce_end(struct zc_pdump_slot *s, uint16_t port, uint16_t queue, int dir) {
	uint32_t seen = __atomic_load_n(&s->use, __ATOMIC_SEQ_CST);
	if ((seen & 1) == 0)
		return;
	uint64_t warn = rte_get_tsc_cycles() + rte_get_tsc_hz();
	for (unsigned i = 0; __atomic_load_n(&s->use, __ATOMIC_ACQUIRE) == seen; i++) {
		// The lcore is copying at most one burst: this is short, unless
		// the lcore's thread is not running at all.
		if (i < 1000) {
			rte_pause();
			continue;
		}
		sched_yield();
		if (warn != 0 && rte_get_tsc_cycles() > warn) {
			ZC_PDUMP_LOG(WARNING, "port %u %s queue %u: an lcore has been inside the capture callback for 1 s; still waiting for it",
				port, dir == 0 ? "rx" : "tx", queue);
			warn = 0;
		}
	}
}

static int remove_cb(uint16_t port, uint16_t queue, int dir, const struct rte_eth_rxtx_callback *cb) {
	return dir == 0 ? rte_eth_remove_rx_callback(port, queue, cb)
		: rte_eth_remove_tx_callback(port, queue, cb);
}

static void clear_slot(struct zc_pdump_slot *s) {
	if (s->filter != NULL)
		rte_bpf_destroy(s->filter);
	s->filter = NULL;
	s->mp = NULL;
	s->peer[0] = 0;
}

// detach ends the capture of one slot: inert, out of ethdev's list,
// waited for. Under the lock.
static void detach(uint16_t port, uint16_t queue, int dir) {
	struct zc_pdump_slot *s = dir == 0 ? &rx_slots[port][queue] : &tx_slots[port][queue];
	if (s->cb == NULL)
		return;
	quiesce_begin(s);
	int r = remove_cb(port, queue, dir, s->cb);
	if (r < 0) {
		// The port is being released or its queues are gone: the
		// callback stays in ethdev's list, inert; a later capture of a
		// port with this id removes it first.
		s->stale = s->cb;
	}
	s->cb = NULL;
	quiesce_end(s, port, queue, dir);
	clear_slot(s);
}

// peer_gone reports whether the client at socket path peer has exited:
// nothing is bound there any more (a killed process leaves the file, a
// cleaned-up one removes it). A path that cannot be checked counts as
// alive.
static int peer_gone(const char *peer) {
	if (peer[0] == 0)
		return 0;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", peer);
	int r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	close(fd);
	return r < 0 && (e == ECONNREFUSED || e == ENOENT);
}

static int enable_slot(const struct zc_pdump_request *req, uint16_t port, uint16_t queue, int dir, const char *peer) {
	struct zc_pdump_slot *s = dir == 0 ? &rx_slots[port][queue] : &tx_slots[port][queue];
	if (s->stale != NULL) {
		// Left by the release of an earlier port with this id; the list
		// is the new port's now, and may still hold it.
		remove_cb(port, queue, dir, s->stale);
		s->stale = NULL;
	}
	s->filter = NULL;
	if (req->prm != NULL) {
		s->filter = rte_bpf_load(req->prm);
		if (s->filter == NULL) {
			int e = rte_errno ? rte_errno : EINVAL;
			ZC_PDUMP_LOG(ERR, "port %u queue %u: cannot load the BPF filter: %s", port, queue, rte_strerror(e));
			return -e;
		}
	}
	s->mp = req->mp;
	s->snaplen = req->snaplen;
	s->ver = req->ver;
	snprintf(s->peer, sizeof(s->peer), "%s", peer);
	struct rte_pdump_stats *st = dir == 0 ? &zc_pdump.stats->rx[port][queue] : &zc_pdump.stats->tx[port][queue];
	memset(st, 0, sizeof(*st));
	__atomic_store_n(&s->ring, req->ring, __ATOMIC_SEQ_CST);
	s->cb = dir == 0 ? rte_eth_add_first_rx_callback(port, queue, zc_pdump_rx, s)
		: rte_eth_add_tx_callback(port, queue, zc_pdump_tx, s);
	if (s->cb == NULL) {
		int e = rte_errno ? rte_errno : EINVAL;
		quiesce_begin(s);
		quiesce_end(s, port, queue, dir);
		clear_slot(s);
		ZC_PDUMP_LOG(ERR, "port %u queue %u: cannot add the %s callback: %s", port, queue, dir == 0 ? "rx" : "tx", rte_strerror(e));
		return -e;
	}
	return 0;
}

// serve handles one request under the lock; it returns 0 or -errno.
static int serve(const struct zc_pdump_request *req, const char *peer) {
	if (req->ver != ZC_PDUMP_V1 && req->ver != ZC_PDUMP_V2) {
		ZC_PDUMP_LOG(ERR, "client version %u is not 1 or 2 (the client is not DPDK 22.11's?)", req->ver);
		return -EINVAL;
	}
	if (req->op != ZC_PDUMP_ENABLE && req->op != ZC_PDUMP_DISABLE) {
		ZC_PDUMP_LOG(ERR, "unknown operation %u", req->op);
		return -EINVAL;
	}
	if ((req->flags & RTE_PDUMP_FLAG_RXTX) == 0 || (req->flags & ~(uint32_t)RTE_PDUMP_FLAG_RXTX) != 0) {
		ZC_PDUMP_LOG(ERR, "flags %#x are not rx, tx or both", req->flags);
		return -EINVAL;
	}
	char dev[RTE_DEV_NAME_MAX_LEN];
	memcpy(dev, req->device, sizeof(dev));
	dev[sizeof(dev) - 1] = 0;
	uint16_t port;
	if (rte_eth_dev_get_port_by_name(dev, &port) != 0) {
		ZC_PDUMP_LOG(ERR, "no port %s", dev);
		return -EINVAL;
	}
	struct rte_eth_dev_info info;
	int r = rte_eth_dev_info_get(port, &info);
	if (r != 0) {
		ZC_PDUMP_LOG(ERR, "port %u: rte_eth_dev_info_get: %s", port, rte_strerror(-r));
		return r < 0 ? r : -r;
	}
	// The queues asked for, per direction, as [first, end).
	uint16_t first[2] = {0, 0}, end[2] = {0, 0};
	uint16_t nq[2] = {info.nb_rx_queues, info.nb_tx_queues};
	for (int dir = 0; dir < 2; dir++) {
		if ((req->flags & (dir == 0 ? RTE_PDUMP_FLAG_RX : RTE_PDUMP_FLAG_TX)) == 0)
			continue;
		if (nq[dir] > RTE_MAX_QUEUES_PER_PORT)
			nq[dir] = RTE_MAX_QUEUES_PER_PORT;
		if (req->queue == RTE_PDUMP_ALL_QUEUES) {
			first[dir] = 0;
			end[dir] = nq[dir];
			if (nq[dir] == 0) {
				ZC_PDUMP_LOG(ERR, "port %u has no %s queues", port, dir == 0 ? "rx" : "tx");
				return -EINVAL;
			}
		} else if (req->queue >= nq[dir]) {
			ZC_PDUMP_LOG(ERR, "port %u has %u %s queues: no queue %u", port, nq[dir], dir == 0 ? "rx" : "tx", req->queue);
			return -EINVAL;
		} else {
			first[dir] = req->queue;
			end[dir] = req->queue + 1;
		}
	}

	if (req->op == ZC_PDUMP_DISABLE) {
		// Every queue asked for that has a capture loses it; a queue
		// without one is an error, as in 22.11, but does not keep the
		// others.
		int missing = 0;
		for (int dir = 0; dir < 2; dir++)
			for (uint16_t q = first[dir]; q < end[dir]; q++) {
				struct zc_pdump_slot *s = dir == 0 ? &rx_slots[port][q] : &tx_slots[port][q];
				if (s->cb == NULL)
					missing = 1;
				detach(port, q, dir);
			}
		if (missing)
			ZC_PDUMP_LOG(ERR, "port %u: a queue asked for had no capture", port);
		return missing ? -EINVAL : 0;
	}

	if (req->ring == NULL || req->mp == NULL) {
		ZC_PDUMP_LOG(ERR, "no ring or mempool");
		return -EINVAL;
	}
	if (req->prm != NULL && req->prm->prog_arg.type != RTE_BPF_ARG_PTR_MBUF) {
		ZC_PDUMP_LOG(ERR, "BPF program type %u is not RTE_BPF_ARG_PTR_MBUF", req->prm->prog_arg.type);
		return -EINVAL;
	}
	// A queue already captured is refused (EEXIST, as 22.11), unless
	// its client has exited without disabling: then it is taken over.
	for (int dir = 0; dir < 2; dir++)
		for (uint16_t q = first[dir]; q < end[dir]; q++) {
			struct zc_pdump_slot *s = dir == 0 ? &rx_slots[port][q] : &tx_slots[port][q];
			if (s->cb == NULL)
				continue;
			if (!peer_gone(s->peer)) {
				ZC_PDUMP_LOG(ERR, "port %u %s queue %u is captured already", port, dir == 0 ? "rx" : "tx", q);
				return -EEXIST;
			}
		}
	for (int dir = 0; dir < 2; dir++)
		for (uint16_t q = first[dir]; q < end[dir]; q++) {
			struct zc_pdump_slot *s = dir == 0 ? &rx_slots[port][q] : &tx_slots[port][q];
			if (s->cb != NULL) {
				ZC_PDUMP_LOG(NOTICE, "port %u %s queue %u: its client %s exited without ending its capture: taken over",
					port, dir == 0 ? "rx" : "tx", q, s->peer);
				detach(port, q, dir);
			}
		}
	// Enable all, or none: a failure undoes what this request enabled.
	for (int dir = 0; dir < 2; dir++)
		for (uint16_t q = first[dir]; q < end[dir]; q++) {
			r = enable_slot(req, port, q, dir, peer);
			if (r == 0)
				continue;
			for (int d = 0; d <= dir; d++)
				for (uint16_t u = first[d]; u < (d == dir ? q : end[d]); u++)
					detach(port, u, d);
			return r;
		}
	return 0;
}

int zc_pdump_handle(const void *param, int len, const char *peer) {
	if (len != (int)sizeof(struct zc_pdump_request)) {
		ZC_PDUMP_LOG(ERR, "a request of %d bytes, not %zu (the client is not DPDK 22.11's?)", len, sizeof(struct zc_pdump_request));
		return -EINVAL;
	}
	struct zc_pdump_request req;
	memcpy(&req, param, sizeof(req));
	pthread_mutex_lock(&zc_pdump.lock);
	int r = zc_pdump.serving ? serve(&req, peer != NULL ? peer : "") : -ENODEV;
	pthread_mutex_unlock(&zc_pdump.lock);
	return r;
}

// The rte_mp action, on DPDK's multi-process thread.
static int zc_pdump_action(const struct rte_mp_msg *msg, const void *peer) {
	struct rte_mp_msg resp_msg;
	memset(&resp_msg, 0, sizeof(resp_msg));
	struct zc_pdump_response *resp = (struct zc_pdump_response *)resp_msg.param;
	if (msg->len_param == (int)sizeof(struct zc_pdump_request)) {
		const struct zc_pdump_request *req = (const void *)msg->param;
		resp->ver = req->ver;
		resp->res_op = req->op;
	}
	resp->err_value = zc_pdump_handle(msg->param, msg->len_param, peer);
	snprintf(resp_msg.name, sizeof(resp_msg.name), "%s", ZC_PDUMP_MP);
	resp_msg.len_param = sizeof(*resp);
	if (rte_mp_reply(&resp_msg, peer) < 0) {
		ZC_PDUMP_LOG(ERR, "cannot reply to %s: %s", (const char *)peer, rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

// A port being released (rte_eth_dev_close, or EAL's bus cleanup):
// its captures end before its queues go.
static int zc_pdump_on_destroy(uint16_t port, enum rte_eth_event_type ev __rte_unused,
		void *arg __rte_unused, void *ret __rte_unused) {
	if (port >= RTE_MAX_ETHPORTS)
		return 0;
	pthread_mutex_lock(&zc_pdump.lock);
	for (int dir = 0; dir < 2; dir++)
		for (uint16_t q = 0; q < RTE_MAX_QUEUES_PER_PORT; q++)
			detach(port, q, dir);
	pthread_mutex_unlock(&zc_pdump.lock);
	return 0;
}

int zc_pdump_init(int *err, const char **call) {
	*err = 0;
	*call = "";
	if (strncmp(rte_version(), "DPDK 22.11.", 11) != 0) {
		*call = "pdump server";
		*err = ENOTSUP;
		return -1;
	}
	int lt = rte_log_register_type_and_pick_level("zcnic.pdump", RTE_LOG_NOTICE);
	if (lt >= 0)
		zc_pdump.logtype = lt;
	pthread_mutex_lock(&zc_pdump.lock);
	if (zc_pdump.serving) {
		pthread_mutex_unlock(&zc_pdump.lock);
		*call = "pdump server";
		*err = EALREADY;
		return -1;
	}
	const struct rte_memzone *mz = rte_memzone_reserve(ZC_PDUMP_STATS_MZ, sizeof(struct zc_pdump_stats), rte_socket_id(), 0);
	if (mz == NULL) {
		*err = rte_errno;
		*call = "rte_memzone_reserve";
		pthread_mutex_unlock(&zc_pdump.lock);
		return -1;
	}
	zc_pdump.stats = mz->addr;
	zc_pdump.stats->mz = mz;
	int r = rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_DESTROY, zc_pdump_on_destroy, NULL);
	if (r != 0) {
		*err = -r;
		*call = "rte_eth_dev_callback_register";
		goto fail;
	}
	zc_pdump.serving = 1;
	pthread_mutex_unlock(&zc_pdump.lock);
	// Without shared files EAL has no IPC (ENOTSUP): nothing can attach,
	// which 22.11 accepts too.
	if (rte_mp_action_register(ZC_PDUMP_MP, zc_pdump_action) != 0 && rte_errno != ENOTSUP) {
		*err = rte_errno;
		*call = "rte_mp_action_register";
		pthread_mutex_lock(&zc_pdump.lock);
		zc_pdump.serving = 0;
		rte_eth_dev_callback_unregister(RTE_ETH_ALL, RTE_ETH_EVENT_DESTROY, zc_pdump_on_destroy, NULL);
		goto fail;
	}
	return 0;
fail:
	rte_memzone_free(mz);
	zc_pdump.stats = NULL;
	pthread_mutex_unlock(&zc_pdump.lock);
	return -1;
}

int zc_pdump_uninit(int *err, const char **call) {
	*err = 0;
	*call = "";
	// A request already under way finishes first (it holds the lock);
	// one that DPDK's thread looked up before the unregister finds
	// serving 0 and is refused.
	rte_mp_action_unregister(ZC_PDUMP_MP);
	pthread_mutex_lock(&zc_pdump.lock);
	if (!zc_pdump.serving) {
		pthread_mutex_unlock(&zc_pdump.lock);
		return 0;
	}
	zc_pdump.serving = 0;
	// Clients that never disabled (killed, or still capturing) lose
	// their callbacks before the ports and the memzone go.
	for (uint16_t port = 0; port < RTE_MAX_ETHPORTS; port++)
		for (int dir = 0; dir < 2; dir++)
			for (uint16_t q = 0; q < RTE_MAX_QUEUES_PER_PORT; q++)
				detach(port, q, dir);
	int r = rte_eth_dev_callback_unregister(RTE_ETH_ALL, RTE_ETH_EVENT_DESTROY, zc_pdump_on_destroy, NULL);
	if (r != 0 && *err == 0) {
		*err = -r;
		*call = "rte_eth_dev_callback_unregister";
	}
	r = rte_memzone_free(zc_pdump.stats->mz);
	zc_pdump.stats = NULL;
	if (r != 0 && *err == 0) {
		*err = -r;
		*call = "rte_memzone_free";
	}
	pthread_mutex_unlock(&zc_pdump.lock);
	return *err == 0 ? 0 : -1;
}

int zc_pdump_installed(void) {
	int n = 0;
	pthread_mutex_lock(&zc_pdump.lock);
	for (uint16_t port = 0; port < RTE_MAX_ETHPORTS; port++)
		for (uint16_t q = 0; q < RTE_MAX_QUEUES_PER_PORT; q++)
			n += (rx_slots[port][q].cb != NULL) + (tx_slots[port][q].cb != NULL);
	pthread_mutex_unlock(&zc_pdump.lock);
	return n;
}

int zc_pdump_stats_of(uint16_t port, uint16_t queue, int dir, struct rte_pdump_stats *out) {
	if (port >= RTE_MAX_ETHPORTS || queue >= RTE_MAX_QUEUES_PER_PORT)
		return -EINVAL;
	pthread_mutex_lock(&zc_pdump.lock);
	int r = -ENODEV;
	if (zc_pdump.stats != NULL) {
		const struct rte_pdump_stats *st = dir == 0 ? &zc_pdump.stats->rx[port][queue] : &zc_pdump.stats->tx[port][queue];
		out->accepted = __atomic_load_n(&st->accepted, __ATOMIC_RELAXED);
		out->filtered = __atomic_load_n(&st->filtered, __ATOMIC_RELAXED);
		out->nombuf = __atomic_load_n(&st->nombuf, __ATOMIC_RELAXED);
		out->ringfull = __atomic_load_n(&st->ringfull, __ATOMIC_RELAXED);
		r = 0;
	}
	pthread_mutex_unlock(&zc_pdump.lock);
	return r;
}
