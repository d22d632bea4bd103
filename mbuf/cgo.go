package mbuf

/*
#cgo pkg-config: libdpdk
#include <stddef.h>
#include <string.h>
#include <stdint.h>
#include <stdlib.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

// The Go side reads these fields with plain loads at these offsets; if a
// DPDK build lays struct rte_mbuf out differently, this fails to compile.
_Static_assert(offsetof(struct rte_mbuf, buf_addr) == 0, "buf_addr");
_Static_assert(offsetof(struct rte_mbuf, data_off) == 16, "data_off");
_Static_assert(offsetof(struct rte_mbuf, refcnt) == 18, "refcnt");
_Static_assert(offsetof(struct rte_mbuf, nb_segs) == 20, "nb_segs");
_Static_assert(offsetof(struct rte_mbuf, port) == 22, "port");
_Static_assert(offsetof(struct rte_mbuf, ol_flags) == 24, "ol_flags");
_Static_assert(offsetof(struct rte_mbuf, packet_type) == 32, "packet_type");
_Static_assert(offsetof(struct rte_mbuf, pkt_len) == 36, "pkt_len");
_Static_assert(offsetof(struct rte_mbuf, data_len) == 40, "data_len");
_Static_assert(offsetof(struct rte_mbuf, vlan_tci) == 42, "vlan_tci");
_Static_assert(offsetof(struct rte_mbuf, hash) == 44, "hash");
_Static_assert(offsetof(struct rte_mbuf, buf_len) == 54, "buf_len");
_Static_assert(offsetof(struct rte_mbuf, pool) == 56, "pool");
_Static_assert(offsetof(struct rte_mbuf, next) == 64, "next");
_Static_assert(offsetof(struct rte_mbuf, tx_offload) == 72, "tx_offload");
_Static_assert(sizeof(((struct rte_mbuf *)0)->pkt_len) == 4, "pkt_len size");
_Static_assert(sizeof(((struct rte_mbuf *)0)->data_len) == 2, "data_len size");
_Static_assert(sizeof(((struct rte_mbuf *)0)->hash.rss) == 4, "rss size");
_Static_assert(offsetof(struct rte_mbuf, hash.fdir.hi) == 48, "hash.fdir.hi");

static struct rte_mempool *zc_pool_create(const char *name, unsigned n, unsigned cache,
		uint16_t data_room, int socket, int *err) {
	struct rte_mempool *mp = rte_pktmbuf_pool_create(name, n, cache, 0, data_room, socket);
	*err = rte_errno;
	return mp;
}

static struct rte_mempool *zc_pool_lookup(const char *name, int *err) {
	struct rte_mempool *mp = rte_mempool_lookup(name);
	*err = rte_errno;
	return mp;
}

static struct rte_mbuf *zc_alloc(struct rte_mempool *mp) { return rte_pktmbuf_alloc(mp); }
// Burst arrays are C memory passed as uintptr_t, so cgo runs no pointer
// check on these per-burst calls.
static int zc_alloc_bulk(struct rte_mempool *mp, uintptr_t m, unsigned n) {
	return rte_pktmbuf_alloc_bulk(mp, (struct rte_mbuf **)m, n);
}
static void zc_free(struct rte_mbuf *m) { rte_pktmbuf_free(m); }
static void zc_free_bulk(uintptr_t m, unsigned n) { rte_pktmbuf_free_bulk((struct rte_mbuf **)m, n); }
static void zc_reset(struct rte_mbuf *m) { rte_pktmbuf_reset(m); }
static uint16_t zc_data_room(struct rte_mempool *mp) { return rte_pktmbuf_data_room_size(mp); }

// For tests: how the compiler packs the tx_offload bit-fields.
static uint64_t zc_pack_tx_offload(uint64_t l2, uint64_t l3, uint64_t l4) {
	struct rte_mbuf m;
	memset(&m, 0, sizeof(m));
	m.l2_len = l2; m.l3_len = l3; m.l4_len = l4;
	return m.tx_offload;
}
*/
import "C"

import (
	"unsafe"
)

// Offsets into struct rte_mbuf, checked by _Static_assert above.
const (
	offBufAddr  = 0
	offDataOff  = 16
	offRefcnt   = 18
	offNbSegs   = 20
	offPort     = 22
	offOlFlags  = 24
	offPtype    = 32
	offPktLen   = 36
	offDataLen  = 40
	offVlanTCI  = 42
	offHash     = 44
	offFdirHi   = 48
	offBufLen   = 54
	offNext     = 64
	offTxOffld  = 72
	mbufHeadrm  = C.RTE_PKTMBUF_HEADROOM
	defaultRoom = C.RTE_MBUF_DEFAULT_BUF_SIZE
)

type cmbuf = C.struct_rte_mbuf

func cm(m *Mbuf) *cmbuf { return (*cmbuf)(unsafe.Pointer(m)) }

func packTxOffload(l2, l3, l4 uint64) uint64 {
	return uint64(C.zc_pack_tx_offload(C.uint64_t(l2), C.uint64_t(l3), C.uint64_t(l4)))
}

func cReset(m *Mbuf) { C.zc_reset(cm(m)) }
func cFree(m *Mbuf)  { C.zc_free(cm(m)) }

// Offload flags (ol_flags), as in rte_mbuf_core.h.
const (
	RxVLAN        uint64 = C.RTE_MBUF_F_RX_VLAN
	RxRSSHash     uint64 = C.RTE_MBUF_F_RX_RSS_HASH
	RxFdir        uint64 = C.RTE_MBUF_F_RX_FDIR
	RxFdirID      uint64 = C.RTE_MBUF_F_RX_FDIR_ID
	RxIPCksumBad  uint64 = C.RTE_MBUF_F_RX_IP_CKSUM_BAD
	RxIPCksumGood uint64 = C.RTE_MBUF_F_RX_IP_CKSUM_GOOD
	RxL4CksumBad  uint64 = C.RTE_MBUF_F_RX_L4_CKSUM_BAD
	RxL4CksumGood uint64 = C.RTE_MBUF_F_RX_L4_CKSUM_GOOD
	TxIPv4        uint64 = C.RTE_MBUF_F_TX_IPV4
	TxIPv6        uint64 = C.RTE_MBUF_F_TX_IPV6
	TxIPCksum     uint64 = C.RTE_MBUF_F_TX_IP_CKSUM
	TxTCPCksum    uint64 = C.RTE_MBUF_F_TX_TCP_CKSUM
	TxUDPCksum    uint64 = C.RTE_MBUF_F_TX_UDP_CKSUM
	TxL4Mask      uint64 = C.RTE_MBUF_F_TX_L4_MASK
)

// MaxCache is the largest per-lcore cache a pool can have
// (RTE_MEMPOOL_CACHE_MAX_SIZE).
const MaxCache = C.RTE_MEMPOOL_CACHE_MAX_SIZE

// maxPoolName is the longest pool name DPDK accepts (the memzone it makes
// is named with a prefix).
const maxPoolName = C.RTE_MEMPOOL_NAMESIZE - 1 - len(C.RTE_MEMPOOL_MZ_PREFIX)

type cpool = C.struct_rte_mempool

func cPoolCreate(name string, n, cache, room, socket int) (*cpool, int) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var errno C.int
	mp := C.zc_pool_create(cs, C.uint(n), C.uint(cache), C.uint16_t(room), C.int(socket), &errno)
	return mp, int(errno)
}

func cPoolLookup(name string) (*cpool, int) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var errno C.int
	mp := C.zc_pool_lookup(cs, &errno)
	return mp, int(errno)
}

func cPoolFree(mp *cpool)         { C.rte_mempool_free(mp) }
func cPoolAvail(mp *cpool) int    { return int(C.rte_mempool_avail_count(mp)) }
func cPoolInUse(mp *cpool) int    { return int(C.rte_mempool_in_use_count(mp)) }
func cPoolSize(mp *cpool) int     { return int(mp.size) }
func cPoolName(mp *cpool) string  { return C.GoString(&mp.name[0]) }
func cPoolDataRoom(mp *cpool) int { return int(C.zc_data_room(mp)) }
func cPoolSocket(mp *cpool) int   { return int(mp.socket_id) }
func cPoolCache(mp *cpool) int    { return int(mp.cache_size) }
func cAlloc(mp *cpool) *Mbuf      { return (*Mbuf)(unsafe.Pointer(C.zc_alloc(mp))) }
func cAllocBulk(mp *cpool, arr unsafe.Pointer, n int) int {
	return int(C.zc_alloc_bulk(mp, C.uintptr_t(uintptr(arr)), C.uint(n)))
}
func cFreeBulk(arr unsafe.Pointer, n int) { C.zc_free_bulk(C.uintptr_t(uintptr(arr)), C.uint(n)) }
func cCalloc(n, size int) unsafe.Pointer  { return C.calloc(C.size_t(n), C.size_t(size)) }
func cFreeMem(p unsafe.Pointer)           { C.free(p) }

// SocketAny lets DPDK place a pool on any NUMA socket (SOCKET_ID_ANY).
const SocketAny = C.SOCKET_ID_ANY
