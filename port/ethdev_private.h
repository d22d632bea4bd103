// The beginning of DPDK 22.11's private struct rte_eth_dev and struct
// rte_eth_dev_data (lib/ethdev/ethdev_driver.h, not installed by
// Debian's libdpdk-dev), for memif.c and afxdp.c, which reach a
// driver's queues and private data through them. Only the fields up to
// dev_private are described; callers check what they read before
// trusting it.
//
// The layout depends on the architecture only through the pointer size,
// the build's RTE_CACHE_LINE_SIZE (64 on x86-64, 128 in Debian's generic
// arm64 build) and RTE_MAX_QUEUES_PER_PORT. zc_eth_dev below is the
// whole of 22.11's struct rte_eth_dev built from those public values, so
// its size (the stride of rte_eth_devices) follows the build; the
// _Static_asserts then pin the offsets we read to what was checked
// against DPDK's own headers, so a build whose layout differs fails to
// compile here instead of reading the wrong memory at run time.
#ifndef ZCNIC_PORT_ETHDEV_PRIVATE_H
#define ZCNIC_PORT_ETHDEV_PRIVATE_H

#include <stdint.h>
#include <stddef.h>
#include <rte_config.h>
#include <rte_common.h>
#include <rte_version.h>
#include <rte_ethdev.h>

_Static_assert(RTE_VERSION >= RTE_VERSION_NUM(22, 11, 0, 0) && RTE_VERSION < RTE_VERSION_NUM(22, 12, 0, 0),
	"port/ethdev_private.h describes DPDK 22.11's struct rte_eth_dev: "
	"compare lib/ethdev/ethdev_driver.h of this DPDK and update it");
// The mirrors in this file, memif.c and afxdp.c assume LP64 with natural
// alignment (x86-64 SysV and AArch64 LP64 agree on it).
_Static_assert(sizeof(void *) == 8 && _Alignof(uint64_t) == 8 && sizeof(int) == 4,
	"port/ethdev_private.h: the DPDK private-struct mirrors assume an LP64 ABI (x86-64, arm64)");
_Static_assert(RTE_CACHE_LINE_SIZE == 64 || RTE_CACHE_LINE_SIZE == 128,
	"port/ethdev_private.h: checked for RTE_CACHE_LINE_SIZE 64 (x86-64) and 128 (arm64) only");

struct zc_eth_dev_data {
	char name[RTE_ETH_NAME_MAX_LEN];
	void **rx_queues;
	void **tx_queues;
	uint16_t nb_rx_queues;
	uint16_t nb_tx_queues;
	struct rte_eth_dev_sriov sriov; // public (rte_ethdev.h): 6 bytes
	void *dev_private;              // the driver's struct pmd_internals
};

_Static_assert(RTE_ETH_NAME_MAX_LEN == 64, "rte_eth_dev_data.name is not 64 bytes: check port/ethdev_private.h");
_Static_assert(offsetof(struct zc_eth_dev_data, rx_queues) == 64 &&
	offsetof(struct zc_eth_dev_data, tx_queues) == 72 &&
	offsetof(struct zc_eth_dev_data, nb_rx_queues) == 80 &&
	offsetof(struct zc_eth_dev_data, nb_tx_queues) == 82 &&
	offsetof(struct zc_eth_dev_data, dev_private) == 96,
	"struct rte_eth_dev_data (DPDK 22.11): queue arrays or dev_private not where port/ethdev_private.h reads them");

struct zc_eth_dev_head {
	void *burst_fns[6]; // rx/tx burst, tx prepare, rx_queue_count, descriptor status
	struct zc_eth_dev_data *data;
	void *process_private;
};

// 22.11's struct rte_eth_dev, field for field (types reduced to what
// gives the same size and alignment).
struct zc_eth_dev {
	eth_rx_burst_t rx_pkt_burst;
	eth_tx_burst_t tx_pkt_burst;
	eth_tx_prep_t tx_pkt_prepare;
	eth_rx_queue_count_t rx_queue_count;
	eth_rx_descriptor_status_t rx_descriptor_status;
	eth_tx_descriptor_status_t tx_descriptor_status;
	void *data;
	void *process_private;
	const void *dev_ops;
	void *device;
	void *intr_handle;
	struct rte_eth_dev_cb_list link_intr_cbs;
	void *post_rx_burst_cbs[RTE_MAX_QUEUES_PER_PORT];
	void *pre_tx_burst_cbs[RTE_MAX_QUEUES_PER_PORT];
	enum rte_eth_dev_state state;
	void *security_ctx;
} __rte_cache_aligned;

// sizeof(struct rte_eth_dev): the stride of rte_eth_devices.
#define ZC_ETH_DEV_SIZE sizeof(struct zc_eth_dev)

_Static_assert(offsetof(struct zc_eth_dev, data) == offsetof(struct zc_eth_dev_head, data) &&
	offsetof(struct zc_eth_dev, process_private) == offsetof(struct zc_eth_dev_head, process_private) &&
	offsetof(struct zc_eth_dev_head, data) == 48,
	"struct rte_eth_dev (DPDK 22.11): data/process_private not where port/ethdev_private.h reads them");
// 16504 bytes of fields, rounded up to the cache line: 16512 with 64-
// and with 128-byte lines (checked on x86-64 against the library's
// rte_eth_devices symbol size, RTE_MAX_ETHPORTS * 16512).
_Static_assert(RTE_MAX_QUEUES_PER_PORT != 1024 || sizeof(struct zc_eth_dev) == 16512,
	"struct rte_eth_dev (DPDK 22.11) is not 16512 bytes with 1024 queues a port: check port/ethdev_private.h");

extern char rte_eth_devices[]; // struct rte_eth_dev[RTE_MAX_ETHPORTS]

// zc_eth_dev_layout_ok (ethdev_private.c) compares the stride with the
// size of the loaded library's rte_eth_devices: 1 agree, 0 differ, -1
// unknown.
int zc_eth_dev_layout_ok(void);

static inline struct zc_eth_dev_head *zc_eth_dev(uint16_t port) {
	return (struct zc_eth_dev_head *)(rte_eth_devices + (size_t)port * ZC_ETH_DEV_SIZE);
}

#endif
