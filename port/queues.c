#include "queues.h"

#include <string.h>
#include <rte_ethdev.h>

int zc_queue_stats(uint16_t port, uint16_t nrx, uint16_t ntx, uint64_t *rx, uint64_t *tx) {
	struct rte_eth_stats st;
	int r = rte_eth_stats_get(port, &st);
	if (r != 0)
		return r;
	for (uint16_t q = 0; q < nrx && q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++)
		rx[q] = st.q_ipackets[q];
	for (uint16_t q = 0; q < ntx && q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++)
		tx[q] = st.q_opackets[q];
	return 0;
}

int zc_rss_hf(uint16_t port, uint64_t *hf) {
	struct rte_eth_rss_conf conf;
	memset(&conf, 0, sizeof(conf)); // rss_key NULL: the key is not wanted
	int r = rte_eth_dev_rss_hash_conf_get(port, &conf);
	if (r == 0)
		*hf = conf.rss_hf;
	return r;
}
