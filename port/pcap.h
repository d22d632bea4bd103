// Whole frames through net_pcap's tx_pcap.
//
// DPDK 22.11's net_pcap writes a tx_pcap record with pcap_dump from
// rte_pktmbuf_read(m, 0, caplen, temp_data), where temp_data is a
// 16,128-byte array on its stack (RTE_ETHER_MAX_JUMBO_FRAME_LEN): a
// contiguous mbuf is written whole from its own data, but a chained one
// longer than that is written cut to 16,128 bytes, with its length as
// the record's original length and nothing counted or said
// (drivers/net/pcap/pcap_ethdev.c, eth_pcap_tx_dumper).
//
// zc_pcaptx is a tx callback (rte_eth_add_tx_callback) on such a port's
// queues: before the driver sees a burst, it copies each chained frame
// over 16,128 bytes into one contiguous mbuf of its own pool (data room
// 65,535 bytes, no headroom), puts the copy in the burst's place and
// frees the chain. The driver writes the copy whole and frees it, so the
// pool is full again when the tx call returns. A frame it cannot copy (no
// mbuf free, or longer than 65,535 bytes, which no mbuf holds) goes on
// as it is, to be cut, and is counted.
#ifndef ZCNIC_PORT_PCAP_H
#define ZCNIC_PORT_PCAP_H

#include <stdint.h>
#include <rte_mbuf.h>

// ZC_PCAP_TX_CUT is the most net_pcap writes of a chained frame.
#define ZC_PCAP_TX_CUT 16128

struct zc_pcaptx;

// zc_pcaptx_new returns the state for a port's callbacks, copying into
// mbufs of pool (data room 65,535); NULL without memory.
struct zc_pcaptx *zc_pcaptx_new(struct rte_mempool *pool);

// zc_pcaptx_add registers the callback on tx queues 0..nq-1 of port,
// returning 0 or a negative errno (the queues added so far are removed
// again). The port must be configured.
int zc_pcaptx_add(struct zc_pcaptx *t, uint16_t port, uint16_t nq);

// zc_pcaptx_remove removes the callbacks and frees them: the port must
// be stopped, or no thread may be sending on it. It returns 0 or the
// first negative errno.
int zc_pcaptx_remove(struct zc_pcaptx *t);

// zc_pcaptx_cut is how many frames went on to be cut; zc_pcaptx_copied
// how many were copied whole.
uint64_t zc_pcaptx_cut(const struct zc_pcaptx *t);
uint64_t zc_pcaptx_copied(const struct zc_pcaptx *t);

// zc_pcaptx_free frees the state; its callbacks must be removed.
void zc_pcaptx_free(struct zc_pcaptx *t);

#endif
