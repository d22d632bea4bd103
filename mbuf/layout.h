/*
 * Where the Go side reads struct rte_mbuf's fields: each offset is taken
 * from the compiler (offsetof), once, and the Go constants (cgo.go) are
 * these enum values. The few sizes the Go loads assume are checked here.
 */
#ifndef ZC_MBUF_LAYOUT_H
#define ZC_MBUF_LAYOUT_H

#include <stddef.h>
#include <rte_mbuf.h>

enum zc_mbuf_off {
	ZC_OFF_BUF_ADDR = offsetof(struct rte_mbuf, buf_addr),
	ZC_OFF_DATA_OFF = offsetof(struct rte_mbuf, data_off),
	ZC_OFF_REFCNT = offsetof(struct rte_mbuf, refcnt),
	ZC_OFF_NB_SEGS = offsetof(struct rte_mbuf, nb_segs),
	ZC_OFF_PORT = offsetof(struct rte_mbuf, port),
	ZC_OFF_OL_FLAGS = offsetof(struct rte_mbuf, ol_flags),
	ZC_OFF_PACKET_TYPE = offsetof(struct rte_mbuf, packet_type),
	ZC_OFF_PKT_LEN = offsetof(struct rte_mbuf, pkt_len),
	ZC_OFF_DATA_LEN = offsetof(struct rte_mbuf, data_len),
	ZC_OFF_VLAN_TCI = offsetof(struct rte_mbuf, vlan_tci),
	ZC_OFF_HASH = offsetof(struct rte_mbuf, hash),
	ZC_OFF_FDIR_HI = offsetof(struct rte_mbuf, hash.fdir.hi),
	ZC_OFF_BUF_LEN = offsetof(struct rte_mbuf, buf_len),
	ZC_OFF_NEXT = offsetof(struct rte_mbuf, next),
	ZC_OFF_TX_OFFLOAD = offsetof(struct rte_mbuf, tx_offload),
};

/* Go loads pkt_len as 32 bits, data_len as 16, the RSS hash as 32. */
_Static_assert(sizeof(((struct rte_mbuf *)0)->pkt_len) == 4, "pkt_len size");
_Static_assert(sizeof(((struct rte_mbuf *)0)->data_len) == 2, "data_len size");
_Static_assert(sizeof(((struct rte_mbuf *)0)->hash.rss) == 4, "rss size");

#endif
