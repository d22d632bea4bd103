// zcnic's server of DPDK 22.11's packet-capture protocol (lib/pdump),
// which dpdk-dumpcap and dpdk-pdump speak to a primary process.
//
// DPDK's own server (rte_pdump_init) removes its rx/tx callbacks and
// replies at once; the client then frees its ring and mempool, whose
// hugepages are unmapped in every process, while an lcore may still be
// copying a burst into them (fixed upstream only in DPDK 25.11). This
// server speaks the same protocol and waits, before it replies, until
// no lcore is inside a removed callback.
//
// The request and response are private to DPDK's lib/pdump/rte_pdump.c
// (struct pdump_request, struct pdump_response); the structs below
// describe 22.11's layout, and the _Static_asserts pin it to what was
// read from that file, for LP64 (x86-64 and arm64 alike). zc_pdump_init
// refuses a loaded library that is not 22.11.
#ifndef ZCNIC_PDUMP_H
#define ZCNIC_PDUMP_H

#include <stddef.h>
#include <stdint.h>
#include <rte_config.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_memzone.h>
#include <rte_pdump.h>

// The rte_mp action's name and the statistics memzone's, as 22.11's.
#define ZC_PDUMP_MP "mp_pdump"
#define ZC_PDUMP_STATS_MZ "rte_pdump_stats"

// pdump_request.op
enum { ZC_PDUMP_DISABLE = 1, ZC_PDUMP_ENABLE = 2 };
// pdump_request.ver: V1 copies mbufs (dpdk-pdump), V2 wraps them as
// pcapng blocks with a snap length and a BPF filter (dpdk-dumpcap).
enum { ZC_PDUMP_V1 = 1, ZC_PDUMP_V2 = 2 };

// 22.11's struct pdump_request.
struct zc_pdump_request {
	uint16_t ver;
	uint16_t op;
	uint32_t flags; // RTE_PDUMP_FLAG_RX | RTE_PDUMP_FLAG_TX
	char device[RTE_DEV_NAME_MAX_LEN];
	uint16_t queue; // or RTE_PDUMP_ALL_QUEUES
	struct rte_ring *ring;
	struct rte_mempool *mp;
	const struct rte_bpf_prm *prm; // in the client's shared memory, or NULL
	uint32_t snaplen;
};

// 22.11's struct pdump_response.
struct zc_pdump_response {
	uint16_t ver;
	uint16_t res_op;
	int32_t err_value; // 0 or -errno
};

// 22.11's statistics memzone, which rte_pdump_stats() in the client reads.
struct zc_pdump_stats {
	struct rte_pdump_stats rx[RTE_MAX_ETHPORTS][RTE_MAX_QUEUES_PER_PORT];
	struct rte_pdump_stats tx[RTE_MAX_ETHPORTS][RTE_MAX_QUEUES_PER_PORT];
	const struct rte_memzone *mz;
};

_Static_assert(sizeof(void *) == 8 && _Alignof(uint64_t) == 8,
	"pdump/pdump.h: the mirror of DPDK 22.11's pdump_request assumes LP64 (x86-64, arm64)");
_Static_assert(RTE_DEV_NAME_MAX_LEN == 64,
	"pdump/pdump.h: pdump_request.device is RTE_DEV_NAME_MAX_LEN (64 in 22.11) bytes");
_Static_assert(offsetof(struct zc_pdump_request, ver) == 0 &&
	offsetof(struct zc_pdump_request, op) == 2 &&
	offsetof(struct zc_pdump_request, flags) == 4 &&
	offsetof(struct zc_pdump_request, device) == 8 &&
	offsetof(struct zc_pdump_request, queue) == 72 &&
	offsetof(struct zc_pdump_request, ring) == 80 &&
	offsetof(struct zc_pdump_request, mp) == 88 &&
	offsetof(struct zc_pdump_request, prm) == 96 &&
	offsetof(struct zc_pdump_request, snaplen) == 104 &&
	sizeof(struct zc_pdump_request) == 112,
	"struct pdump_request (DPDK 22.11 lib/pdump/rte_pdump.c): pdump/pdump.h does not match it");
_Static_assert(offsetof(struct zc_pdump_response, res_op) == 2 &&
	offsetof(struct zc_pdump_response, err_value) == 4 &&
	sizeof(struct zc_pdump_response) == 8,
	"struct pdump_response (DPDK 22.11 lib/pdump/rte_pdump.c): pdump/pdump.h does not match it");
_Static_assert(sizeof(struct zc_pdump_request) <= RTE_MP_MAX_PARAM_LEN,
	"pdump_request does not fit an rte_mp message");
_Static_assert(sizeof(struct rte_pdump_stats) == 64 &&
	offsetof(struct zc_pdump_stats, tx) == sizeof(struct rte_pdump_stats) * RTE_MAX_ETHPORTS * RTE_MAX_QUEUES_PER_PORT &&
	offsetof(struct zc_pdump_stats, mz) == 2 * sizeof(struct rte_pdump_stats) * RTE_MAX_ETHPORTS * RTE_MAX_QUEUES_PER_PORT,
	"the pdump statistics memzone (DPDK 22.11) is laid out otherwise");

// zc_pdump_init reserves the statistics memzone and registers the
// "mp_pdump" action and a port-release handler. On failure it returns
// -1 with *err the errno and *call the DPDK function that failed.
int zc_pdump_init(int *err, const char **call);

// zc_pdump_uninit stops serving: it unregisters the action, removes
// every callback (waiting for the lcores to leave them) and frees the
// memzone. Same error convention as zc_pdump_init.
int zc_pdump_uninit(int *err, const char **call);

// zc_pdump_handle serves one request as the action does, without the
// reply: it returns the response's err_value. peer is the client's
// socket path (its liveness decides whether a queue it holds can be
// taken over). For the action and the tests.
int zc_pdump_handle(const void *param, int len, const char *peer);

// zc_pdump_installed counts the callbacks installed now (for tests).
int zc_pdump_installed(void);

// zc_pdump_stats_of returns the statistics of one queue (for tests):
// dir 0 rx, 1 tx.
int zc_pdump_stats_of(uint16_t port, uint16_t queue, int dir, struct rte_pdump_stats *out);

#endif
