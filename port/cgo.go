package port

/*
#cgo pkg-config: libdpdk
#include <stdlib.h>
#include <string.h>
#include <rte_errno.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_devargs.h>
#include <rte_build_config.h>
#include <rte_spinlock.h>
#include "memif.h" // zc_free_segs
#include "queues.h"

// Burst arrays (and the port's burst lock, Port.BurstLock) arrive as
// uintptr_t: they are C memory, and a pointer-typed argument would make
// cgo run its pointer check on every call.
static inline uint16_t zc_rx_locked(uint16_t port, uint16_t q, uintptr_t lock, struct rte_mbuf **pkts, uint16_t n) {
	if (lock == 0)
		return rte_eth_rx_burst(port, q, pkts, n);
	rte_spinlock_lock((rte_spinlock_t *)lock);
	n = rte_eth_rx_burst(port, q, pkts, n);
	rte_spinlock_unlock((rte_spinlock_t *)lock);
	return n;
}

static uint16_t zc_rx(uint16_t port, uint16_t q, uintptr_t lock, uintptr_t pkts, uint16_t n) {
	return zc_rx_locked(port, q, lock, (struct rte_mbuf **)pkts, n);
}

// Transmit n; the unsent stay in pkts, moved to the front.
static uint16_t zc_tx_arr(uint16_t port, uint16_t q, uintptr_t lock, struct rte_mbuf **pkts, uint16_t n) {
	uint16_t sent;
	if (lock == 0) {
		sent = rte_eth_tx_burst(port, q, pkts, n);
	} else {
		rte_spinlock_lock((rte_spinlock_t *)lock);
		sent = rte_eth_tx_burst(port, q, pkts, n);
		rte_spinlock_unlock((rte_spinlock_t *)lock);
	}
	if (sent > 0 && sent < n)
		memmove(pkts, pkts + sent, (n - sent) * sizeof(*pkts));
	return sent;
}

static uint16_t zc_tx(uint16_t port, uint16_t q, uintptr_t lock, uintptr_t pkts, uint16_t n) {
	return zc_tx_arr(port, q, lock, (struct rte_mbuf **)pkts, n);
}

// Transmit tx[0:ntx] (the unsent move to the front), then receive into
// rx after its first rxlen (or after the unsent, when rx is tx), up to
// rxcap: one crossing for a forwarding loop's turn. Returns sent<<16|got.
static uint32_t zc_txrx(uint16_t txp, uint16_t txq, uintptr_t txlock, uintptr_t txa, uint16_t ntx,
		uint16_t rxp, uint16_t rxq, uintptr_t rxlock, uintptr_t rxa, uint16_t rxlen, uint16_t rxcap) {
	struct rte_mbuf **tx = (struct rte_mbuf **)txa, **rx = (struct rte_mbuf **)rxa;
	uint16_t sent = 0, got;
	if (ntx > 0)
		sent = zc_tx_arr(txp, txq, txlock, tx, ntx);
	if (rx == tx)
		rxlen = ntx - sent;
	got = zc_rx_locked(rxp, rxq, rxlock, rx + rxlen, rxcap - rxlen);
	return (uint32_t)sent << 16 | got;
}

static int zc_configure(uint16_t port, uint16_t nrx, uint16_t ntx, uint64_t rxoff,
		uint64_t txoff, uint64_t rss_hf) {
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.offloads = rxoff;
	conf.txmode.offloads = txoff;
	if (rss_hf != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
	}
	return rte_eth_dev_configure(port, nrx, ntx, &conf);
}

// The basic counters, returned by value: a Go pointer to a struct
// rte_eth_stats (about 700 bytes) would put one on the heap per call.
struct zc_stats {
	int r;
	uint64_t ipackets, opackets, ibytes, obytes, imissed, ierrors, oerrors, rx_nombuf;
};

static struct zc_stats zc_stats_get(uint16_t port) {
	struct rte_eth_stats st;
	struct zc_stats z;
	memset(&z, 0, sizeof(z));
	z.r = rte_eth_stats_get(port, &st);
	if (z.r == 0) {
		z.ipackets = st.ipackets; z.opackets = st.opackets;
		z.ibytes = st.ibytes; z.obytes = st.obytes;
		z.imissed = st.imissed; z.ierrors = st.ierrors;
		z.oerrors = st.oerrors; z.rx_nombuf = st.rx_nombuf;
	}
	return z;
}

static int zc_port_by_name(const char *name, uint16_t *id) {
	return rte_eth_dev_get_port_by_name(name, id);
}

static uint16_t zc_next_port(uint16_t id) {
	return rte_eth_find_next_owned_by(id, RTE_ETH_DEV_NO_OWNER);
}

static void zc_link(uint16_t port, int *ret, uint32_t *speed, int *duplex, int *autoneg, int *up) {
	struct rte_eth_link l;
	memset(&l, 0, sizeof(l));
	*ret = rte_eth_link_get_nowait(port, &l);
	*speed = l.link_speed;
	*duplex = l.link_duplex;
	*autoneg = l.link_autoneg;
	*up = l.link_status;
}

static int zc_detach(uint16_t port) {
	struct rte_eth_dev_info info;
	int r = rte_eth_dev_info_get(port, &info);
	if (r != 0)
		return r;
	r = rte_eth_dev_close(port);
	if (r != 0)
		return r;
	return rte_dev_remove(info.device);
}

// The arguments the port's device was created with, or NULL.
static const char *zc_devargs(uint16_t port) {
	struct rte_eth_dev_info info;
	const struct rte_devargs *da;
	if (rte_eth_dev_info_get(port, &info) != 0 || info.device == NULL)
		return NULL;
	da = rte_dev_devargs(info.device);
	return da != NULL ? da->args : NULL;
}
*/
import "C"

import (
	"net"
	"unsafe"

	"github.com/zcnic/zcnic/mbuf"
)

// MaxPorts is the number of ports DPDK was built for (RTE_MAX_ETHPORTS).
const MaxPorts = 32 // RTE_MAX_ETHPORTS
func cRx(port, q uint16, lock uintptr, b *mbuf.Burst) int {
	n := C.zc_rx(C.uint16_t(port), C.uint16_t(q), C.uintptr_t(lock), C.uintptr_t(uintptr(b.Tail())), C.uint16_t(b.Room()))
	b.Grow(int(n))
	return int(n)
}

func cTx(port, q uint16, lock uintptr, b *mbuf.Burst) int {
	n := b.Len()
	sent := int(C.zc_tx(C.uint16_t(port), C.uint16_t(q), C.uintptr_t(lock), C.uintptr_t(uintptr(b.Array())), C.uint16_t(n)))
	b.SetLen(n - sent)
	return sent
}

func cTxRx(txp, txq uint16, txlock uintptr, tx *mbuf.Burst, rxp, rxq uint16, rxlock uintptr, rx *mbuf.Burst) (int, int) {
	ntx := tx.Len()
	r := C.zc_txrx(C.uint16_t(txp), C.uint16_t(txq), C.uintptr_t(txlock), C.uintptr_t(uintptr(tx.Array())), C.uint16_t(ntx),
		C.uint16_t(rxp), C.uint16_t(rxq), C.uintptr_t(rxlock), C.uintptr_t(uintptr(rx.Array())), C.uint16_t(rx.Len()), C.uint16_t(rx.Cap()))
	sent, got := int(r>>16), int(r&0xffff)
	if rx == tx {
		tx.SetLen(ntx - sent + got)
	} else {
		tx.SetLen(ntx - sent)
		rx.Grow(got)
	}
	return sent, got
}

func cPortByName(name string) (uint16, int) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var id C.uint16_t
	r := C.zc_port_by_name(cs, &id)
	return uint16(id), int(r)
}

func cProbe(devargs string) int {
	cs := C.CString(devargs)
	defer C.free(unsafe.Pointer(cs))
	return int(C.rte_dev_probe(cs))
}

func cValidPort(id uint16) bool  { return C.rte_eth_dev_is_valid_port(C.uint16_t(id)) != 0 }
func cNextPort(id uint16) uint16 { return uint16(C.zc_next_port(C.uint16_t(id))) }

func cName(id uint16) string {
	var buf [C.RTE_ETH_NAME_MAX_LEN]C.char
	if C.rte_eth_dev_get_name_by_port(C.uint16_t(id), &buf[0]) != 0 {
		return ""
	}
	return C.GoString(&buf[0])
}

func cDevArgs(id uint16) string {
	a := C.zc_devargs(C.uint16_t(id))
	if a == nil {
		return ""
	}
	return C.GoString(a)
}

func cSocket(id uint16) int { return int(C.rte_eth_dev_socket_id(C.uint16_t(id))) }

func cInfo(id uint16, in *Info) int {
	var di C.struct_rte_eth_dev_info
	if r := C.rte_eth_dev_info_get(C.uint16_t(id), &di); r != 0 {
		return int(r)
	}
	in.Driver = C.GoString(di.driver_name)
	in.IfIndex = int(di.if_index)
	in.MinMTU, in.MaxMTU = int(di.min_mtu), int(di.max_mtu)
	in.MaxRxQueues, in.MaxTxQueues = int(di.max_rx_queues), int(di.max_tx_queues)
	in.RxDesc = DescLimits{Min: int(di.rx_desc_lim.nb_min), Max: int(di.rx_desc_lim.nb_max), Align: int(di.rx_desc_lim.nb_align)}
	in.TxDesc = DescLimits{Min: int(di.tx_desc_lim.nb_min), Max: int(di.tx_desc_lim.nb_max), Align: int(di.tx_desc_lim.nb_align)}
	in.RxOffloadCapa, in.TxOffloadCapa = uint64(di.rx_offload_capa), uint64(di.tx_offload_capa)
	in.RSSCapa = uint64(di.flow_type_rss_offloads)
	in.RxQueues, in.TxQueues = int(di.nb_rx_queues), int(di.nb_tx_queues)
	in.MaxRxPktLen = int(di.max_rx_pktlen)
	var mac C.struct_rte_ether_addr
	if C.rte_eth_macaddr_get(C.uint16_t(id), &mac) == 0 {
		in.MAC = net.HardwareAddr(C.GoBytes(unsafe.Pointer(&mac.addr_bytes[0]), 6))
	}
	return 0
}

func cConfigure(id uint16, nrx, ntx int, rxoff, txoff, rss uint64) int {
	return int(C.zc_configure(C.uint16_t(id), C.uint16_t(nrx), C.uint16_t(ntx), C.uint64_t(rxoff), C.uint64_t(txoff), C.uint64_t(rss)))
}

func cAdjustDesc(id uint16, rx, tx int) (int, int, int) {
	r, t := C.uint16_t(rx), C.uint16_t(tx)
	ret := C.rte_eth_dev_adjust_nb_rx_tx_desc(C.uint16_t(id), &r, &t)
	return int(r), int(t), int(ret)
}

func cRxQueueSetup(id uint16, q, desc, socket int, pool *mbuf.Pool) int {
	return int(C.rte_eth_rx_queue_setup(C.uint16_t(id), C.uint16_t(q), C.uint16_t(desc), C.uint(socket), nil, (*C.struct_rte_mempool)(pool.Ptr())))
}

func cTxQueueSetup(id uint16, q, desc, socket int) int {
	return int(C.rte_eth_tx_queue_setup(C.uint16_t(id), C.uint16_t(q), C.uint16_t(desc), C.uint(socket), nil))
}

func cSetMTU(id uint16, mtu int) int {
	return int(C.rte_eth_dev_set_mtu(C.uint16_t(id), C.uint16_t(mtu)))
}
func cPromisc(id uint16, on bool) int {
	if on {
		return int(C.rte_eth_promiscuous_enable(C.uint16_t(id)))
	}
	return int(C.rte_eth_promiscuous_disable(C.uint16_t(id)))
}
func cPromiscOn(id uint16) bool { return C.rte_eth_promiscuous_get(C.uint16_t(id)) == 1 }
func cStart(id uint16) int      { return int(C.rte_eth_dev_start(C.uint16_t(id))) }
func cStop(id uint16) int       { return int(C.rte_eth_dev_stop(C.uint16_t(id))) }

// cFreeHeld frees the n mbuf segments of a cMemifHeld or cAfxdpHeld
// array, then the array.
func cFreeHeld(arr unsafe.Pointer, n int) {
	C.zc_free_segs((**C.struct_rte_mbuf)(arr), C.int(n))
	C.free(arr)
}

func cClose(id uint16) int  { return int(C.rte_eth_dev_close(C.uint16_t(id))) }
func cDetach(id uint16) int { return int(C.zc_detach(C.uint16_t(id))) }

func cLink(id uint16) (Link, int) {
	var ret, duplex, autoneg, up C.int
	var speed C.uint32_t
	C.zc_link(C.uint16_t(id), &ret, &speed, &duplex, &autoneg, &up)
	return Link{Up: up != 0, SpeedMbps: uint32(speed), FullDuplex: duplex != 0, Autoneg: autoneg != 0}, int(ret)
}

func cStats(id uint16, s *Stats) int {
	st := C.zc_stats_get(C.uint16_t(id))
	if st.r != 0 {
		return int(st.r)
	}
	*s = Stats{
		RxPackets: uint64(st.ipackets), TxPackets: uint64(st.opackets),
		RxBytes: uint64(st.ibytes), TxBytes: uint64(st.obytes),
		RxMissed: uint64(st.imissed), RxErrors: uint64(st.ierrors),
		TxErrors: uint64(st.oerrors), RxNoMbuf: uint64(st.rx_nombuf),
	}
	return 0
}

func cQueueStats(id uint16, rx, tx []uint64) int {
	var rp, tp *C.uint64_t
	if len(rx) > 0 {
		rp = (*C.uint64_t)(unsafe.Pointer(&rx[0]))
	}
	if len(tx) > 0 {
		tp = (*C.uint64_t)(unsafe.Pointer(&tx[0]))
	}
	return int(C.zc_queue_stats(C.uint16_t(id), C.uint16_t(len(rx)), C.uint16_t(len(tx)), rp, tp))
}

func cRSSHash(id uint16) (uint64, int) {
	var hf C.uint64_t
	r := C.zc_rss_hf(C.uint16_t(id), &hf)
	return uint64(hf), int(r)
}

// MaxQueueStats is how many queues of each direction a port's basic
// counters cover (RTE_ETHDEV_QUEUE_STAT_CNTRS).
const MaxQueueStats = C.RTE_ETHDEV_QUEUE_STAT_CNTRS

func cStatsReset(id uint16) int { return int(C.rte_eth_stats_reset(C.uint16_t(id))) }
func cXStatsReset(id uint16) int {
	return int(C.rte_eth_xstats_reset(C.uint16_t(id)))
}

func cXStats(id uint16) (map[string]uint64, int) {
	n := C.rte_eth_xstats_get_names(C.uint16_t(id), nil, 0)
	if n < 0 {
		return nil, int(n)
	}
	if n == 0 {
		return map[string]uint64{}, 0
	}
	names := (*C.struct_rte_eth_xstat_name)(C.calloc(C.size_t(n), C.sizeof_struct_rte_eth_xstat_name))
	vals := (*C.struct_rte_eth_xstat)(C.calloc(C.size_t(n), C.sizeof_struct_rte_eth_xstat))
	defer C.free(unsafe.Pointer(names))
	defer C.free(unsafe.Pointer(vals))
	if r := C.rte_eth_xstats_get_names(C.uint16_t(id), names, C.uint(n)); r < 0 {
		return nil, int(r)
	}
	got := C.rte_eth_xstats_get(C.uint16_t(id), vals, C.uint(n))
	if got < 0 {
		return nil, int(got)
	}
	ns := unsafe.Slice(names, n)
	vs := unsafe.Slice(vals, n)
	out := make(map[string]uint64, int(got))
	for i := 0; i < int(got) && i < int(n); i++ {
		out[C.GoString(&ns[vs[i].id].name[0])] = uint64(vs[i].value)
	}
	return out, 0
}

func cRxOffloadName(bit uint64) string {
	return C.GoString(C.rte_eth_dev_rx_offload_name(C.uint64_t(bit)))
}
func cTxOffloadName(bit uint64) string {
	return C.GoString(C.rte_eth_dev_tx_offload_name(C.uint64_t(bit)))
}

// Rx and tx offload flags (RTE_ETH_RX_OFFLOAD_*, RTE_ETH_TX_OFFLOAD_*)
// for Config.RxOffloads and Config.TxOffloads.
const (
	RxOffloadVLANStrip    uint64 = 0x1     // RTE_ETH_RX_OFFLOAD_VLAN_STRIP
	RxOffloadIPv4Cksum    uint64 = 0x2     // RTE_ETH_RX_OFFLOAD_IPV4_CKSUM
	RxOffloadUDPCksum     uint64 = 0x4     // RTE_ETH_RX_OFFLOAD_UDP_CKSUM
	RxOffloadTCPCksum     uint64 = 0x8     // RTE_ETH_RX_OFFLOAD_TCP_CKSUM
	RxOffloadScatter      uint64 = 0x2000  // RTE_ETH_RX_OFFLOAD_SCATTER
	RxOffloadRSSHash      uint64 = 0x80000 // RTE_ETH_RX_OFFLOAD_RSS_HASH
	TxOffloadVLANInsert   uint64 = 0x1     // RTE_ETH_TX_OFFLOAD_VLAN_INSERT
	TxOffloadIPv4Cksum    uint64 = 0x2     // RTE_ETH_TX_OFFLOAD_IPV4_CKSUM
	TxOffloadUDPCksum     uint64 = 0x4     // RTE_ETH_TX_OFFLOAD_UDP_CKSUM
	TxOffloadTCPCksum     uint64 = 0x8     // RTE_ETH_TX_OFFLOAD_TCP_CKSUM
	TxOffloadMultiSegs    uint64 = 0x8000  // RTE_ETH_TX_OFFLOAD_MULTI_SEGS
	TxOffloadMbufFastFree uint64 = 0x10000 // RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE
)

// RSS hash functions (RTE_ETH_RSS_*) for Config.RSSHash.
const (
	RSSIPv4 uint64 = 0x4     // RTE_ETH_RSS_IPV4
	RSSIPv6 uint64 = 0x100   // RTE_ETH_RSS_IPV6
	RSSIP   uint64 = 0xa38c  // RTE_ETH_RSS_IP
	RSSUDP  uint64 = 0x20820 // RTE_ETH_RSS_UDP
	RSSTCP  uint64 = 0x10410 // RTE_ETH_RSS_TCP
)

func cFreeMem(p unsafe.Pointer) { C.free(p) }

// cHasHugepages reports whether EAL runs on hugepages.
// pmdPath is where EAL loads the PMD plugins from (RTE_EAL_PMD_PATH).
const pmdPath = C.RTE_EAL_PMD_PATH

func cHasHugepages() bool { return C.rte_eal_has_hugepages() != 0 }

// The constants above are DPDK's (the C macros named beside them): each
// line fails to compile if this DPDK build's value differs.
var (
	_ = [1]struct{}{}[MaxPorts-C.RTE_MAX_ETHPORTS]
	_ = [1]struct{}{}[RxOffloadVLANStrip-C.RTE_ETH_RX_OFFLOAD_VLAN_STRIP]
	_ = [1]struct{}{}[RxOffloadIPv4Cksum-C.RTE_ETH_RX_OFFLOAD_IPV4_CKSUM]
	_ = [1]struct{}{}[RxOffloadUDPCksum-C.RTE_ETH_RX_OFFLOAD_UDP_CKSUM]
	_ = [1]struct{}{}[RxOffloadTCPCksum-C.RTE_ETH_RX_OFFLOAD_TCP_CKSUM]
	_ = [1]struct{}{}[RxOffloadScatter-C.RTE_ETH_RX_OFFLOAD_SCATTER]
	_ = [1]struct{}{}[RxOffloadRSSHash-C.RTE_ETH_RX_OFFLOAD_RSS_HASH]
	_ = [1]struct{}{}[TxOffloadVLANInsert-C.RTE_ETH_TX_OFFLOAD_VLAN_INSERT]
	_ = [1]struct{}{}[TxOffloadIPv4Cksum-C.RTE_ETH_TX_OFFLOAD_IPV4_CKSUM]
	_ = [1]struct{}{}[TxOffloadUDPCksum-C.RTE_ETH_TX_OFFLOAD_UDP_CKSUM]
	_ = [1]struct{}{}[TxOffloadTCPCksum-C.RTE_ETH_TX_OFFLOAD_TCP_CKSUM]
	_ = [1]struct{}{}[TxOffloadMultiSegs-C.RTE_ETH_TX_OFFLOAD_MULTI_SEGS]
	_ = [1]struct{}{}[TxOffloadMbufFastFree-C.RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE]
	_ = [1]struct{}{}[RSSIPv4-C.RTE_ETH_RSS_IPV4]
	_ = [1]struct{}{}[RSSIPv6-C.RTE_ETH_RSS_IPV6]
	_ = [1]struct{}{}[RSSIP-C.RTE_ETH_RSS_IP]
	_ = [1]struct{}{}[RSSUDP-C.RTE_ETH_RSS_UDP]
	_ = [1]struct{}{}[RSSTCP-C.RTE_ETH_RSS_TCP]
)
