// The beginning of DPDK 22.11's private struct rte_eth_dev and struct
// rte_eth_dev_data (lib/ethdev/ethdev_driver.h, not installed by
// Debian's libdpdk-dev), for memif.c and afxdp.c, which reach a
// driver's queues through them. Only the fields up to the queue counts
// are described; callers check what they read before trusting it.
#ifndef ZCNIC_PORT_ETHDEV_PRIVATE_H
#define ZCNIC_PORT_ETHDEV_PRIVATE_H

#include <stdint.h>
#include <stddef.h>

// sizeof(struct rte_eth_dev) in 22.11: the stride of rte_eth_devices.
#define ZC_ETH_DEV_SIZE 16512

struct zc_eth_dev_data {
	char name[64]; // RTE_ETH_NAME_MAX_LEN
	void **rx_queues;
	void **tx_queues;
	uint16_t nb_rx_queues;
	uint16_t nb_tx_queues;
};

struct zc_eth_dev_head {
	void *burst_fns[6]; // rx/tx burst, tx prepare, rx_queue_count, descriptor status
	struct zc_eth_dev_data *data;
	void *process_private;
};

extern char rte_eth_devices[]; // struct rte_eth_dev[RTE_MAX_ETHPORTS]

static inline struct zc_eth_dev_head *zc_eth_dev(uint16_t port) {
	return (struct zc_eth_dev_head *)(rte_eth_devices + (size_t)port * ZC_ETH_DEV_SIZE);
}

#endif
