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

#include "layout.h"
#include "pool.h"

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

*/
import "C"

import (
	"unsafe"
)

// Offsets into struct rte_mbuf, from the compiler (layout.h).
const (
	offBufAddr  = C.ZC_OFF_BUF_ADDR
	offDataOff  = C.ZC_OFF_DATA_OFF
	offRefcnt   = C.ZC_OFF_REFCNT
	offNbSegs   = C.ZC_OFF_NB_SEGS
	offPort     = C.ZC_OFF_PORT
	offOlFlags  = C.ZC_OFF_OL_FLAGS
	offPtype    = C.ZC_OFF_PACKET_TYPE
	offPktLen   = C.ZC_OFF_PKT_LEN
	offDataLen  = C.ZC_OFF_DATA_LEN
	offVlanTCI  = C.ZC_OFF_VLAN_TCI
	offHash     = C.ZC_OFF_HASH
	offFdirHi   = C.ZC_OFF_FDIR_HI
	offBufLen   = C.ZC_OFF_BUF_LEN
	offNext     = C.ZC_OFF_NEXT
	offTxOffld  = C.ZC_OFF_TX_OFFLOAD
	mbufHeadrm  = C.RTE_PKTMBUF_HEADROOM
	defaultRoom = C.RTE_MBUF_DEFAULT_BUF_SIZE
)

type cmbuf = C.struct_rte_mbuf

func cm(m *Mbuf) *cmbuf { return (*cmbuf)(unsafe.Pointer(m)) }

func cReset(m *Mbuf) { C.zc_reset(cm(m)) }
func cFree(m *Mbuf)  { C.zc_free(cm(m)) }

// Offload flags (ol_flags), as in rte_mbuf_core.h.
const (
	RxVLAN        uint64 = 0x1               // RTE_MBUF_F_RX_VLAN
	RxRSSHash     uint64 = 0x2               // RTE_MBUF_F_RX_RSS_HASH
	RxFdir        uint64 = 0x4               // RTE_MBUF_F_RX_FDIR
	RxFdirID      uint64 = 0x2000            // RTE_MBUF_F_RX_FDIR_ID
	RxIPCksumBad  uint64 = 0x10              // RTE_MBUF_F_RX_IP_CKSUM_BAD
	RxIPCksumGood uint64 = 0x80              // RTE_MBUF_F_RX_IP_CKSUM_GOOD
	RxL4CksumBad  uint64 = 0x8               // RTE_MBUF_F_RX_L4_CKSUM_BAD
	RxL4CksumGood uint64 = 0x100             // RTE_MBUF_F_RX_L4_CKSUM_GOOD
	TxIPv4        uint64 = 0x80000000000000  // RTE_MBUF_F_TX_IPV4
	TxIPv6        uint64 = 0x100000000000000 // RTE_MBUF_F_TX_IPV6
	TxIPCksum     uint64 = 0x40000000000000  // RTE_MBUF_F_TX_IP_CKSUM
	TxTCPCksum    uint64 = 0x10000000000000  // RTE_MBUF_F_TX_TCP_CKSUM
	TxUDPCksum    uint64 = 0x30000000000000  // RTE_MBUF_F_TX_UDP_CKSUM
	TxL4Mask      uint64 = 0x30000000000000  // RTE_MBUF_F_TX_L4_MASK
)

// MaxCache is the largest per-lcore cache a pool can have
// (RTE_MEMPOOL_CACHE_MAX_SIZE).
const MaxCache = 512 // RTE_MEMPOOL_CACHE_MAX_SIZE
// maxPoolName is the longest pool name DPDK accepts (the memzone it makes
// is named with a prefix).
const maxPoolName = C.RTE_MEMPOOL_NAMESIZE - 1 - len(C.RTE_MEMPOOL_MZ_PREFIX)

type cpool = C.struct_rte_mempool

// poolCalls names zc_pool_create's calls (enum zc_pool_call).
var poolCalls = [...]string{"rte_pktmbuf_pool_create", "rte_mempool_create_empty", "rte_mempool_set_ops_byname", "rte_mempool_populate_default"}

// cPoolCreate returns the pool, or nil with rte_errno and the DPDK call
// that failed.
func cPoolCreate(name string, n, cache, room, socket int) (*cpool, int, string) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var errno, call C.int
	mp := C.zc_pool_create(cs, C.uint(n), C.uint(cache), C.uint16_t(room), C.int(socket), &errno, &call)
	return mp, int(errno), poolCalls[int(call)%len(poolCalls)]
}

func cPoolLookup(name string) (*cpool, int) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var errno C.int
	mp := C.zc_pool_lookup(cs, &errno)
	return mp, int(errno)
}

func cHasHugepages() bool { return C.rte_eal_has_hugepages() != 0 }

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
const SocketAny = -1 // SOCKET_ID_ANY

// The constants above are DPDK's (the C macros named beside them): each
// line fails to compile if this DPDK build's value differs.
var (
	_ = [1]struct{}{}[RxVLAN-C.RTE_MBUF_F_RX_VLAN]
	_ = [1]struct{}{}[RxRSSHash-C.RTE_MBUF_F_RX_RSS_HASH]
	_ = [1]struct{}{}[RxFdir-C.RTE_MBUF_F_RX_FDIR]
	_ = [1]struct{}{}[RxFdirID-C.RTE_MBUF_F_RX_FDIR_ID]
	_ = [1]struct{}{}[RxIPCksumBad-C.RTE_MBUF_F_RX_IP_CKSUM_BAD]
	_ = [1]struct{}{}[RxIPCksumGood-C.RTE_MBUF_F_RX_IP_CKSUM_GOOD]
	_ = [1]struct{}{}[RxL4CksumBad-C.RTE_MBUF_F_RX_L4_CKSUM_BAD]
	_ = [1]struct{}{}[RxL4CksumGood-C.RTE_MBUF_F_RX_L4_CKSUM_GOOD]
	_ = [1]struct{}{}[TxIPv4-C.RTE_MBUF_F_TX_IPV4]
	_ = [1]struct{}{}[TxIPv6-C.RTE_MBUF_F_TX_IPV6]
	_ = [1]struct{}{}[TxIPCksum-C.RTE_MBUF_F_TX_IP_CKSUM]
	_ = [1]struct{}{}[TxTCPCksum-C.RTE_MBUF_F_TX_TCP_CKSUM]
	_ = [1]struct{}{}[TxUDPCksum-C.RTE_MBUF_F_TX_UDP_CKSUM]
	_ = [1]struct{}{}[TxL4Mask-C.RTE_MBUF_F_TX_L4_MASK]
	_ = [1]struct{}{}[MaxCache-C.RTE_MEMPOOL_CACHE_MAX_SIZE]
	_ = [1]struct{}{}[SocketAny-C.SOCKET_ID_ANY]
)
