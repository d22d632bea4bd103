// Per-queue counters and the RSS configuration a port took, for reports
// (not for the data path: each call copies a whole rte_eth_stats).
#ifndef ZCNIC_PORT_QUEUES_H
#define ZCNIC_PORT_QUEUES_H

#include <stdint.h>

// zc_queue_stats copies the device's per-queue packet counters
// (q_ipackets, q_opackets) of the first nrx rx and ntx tx queues, at
// most RTE_ETHDEV_QUEUE_STAT_CNTRS each, into rx and tx. Returns
// rte_eth_stats_get's result.
int zc_queue_stats(uint16_t port, uint16_t nrx, uint16_t ntx, uint64_t *rx, uint64_t *tx);

// zc_rss_hf reads the RSS hash functions the port is using
// (rte_eth_dev_rss_hash_conf_get) into *hf. Returns its result.
int zc_rss_hf(uint16_t port, uint64_t *hf);

#endif
