package ring

/*
#cgo pkg-config: libdpdk
#include <stdint.h>
#include <stdlib.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

static struct rte_ring *zc_ring_create(const char *name, unsigned count, int socket,
		unsigned flags, int *err) {
	struct rte_ring *r = rte_ring_create(name, count, socket, flags);
	*err = rte_errno;
	return r;
}

static struct rte_ring *zc_ring_lookup(const char *name, int *err) {
	struct rte_ring *r = rte_ring_lookup(name);
	*err = rte_errno;
	return r;
}

// The burst arrays are C memory (mbuf.Burst); they come as integers so
// that cgo has no pointer to check.
// The ring goes the same way: its struct holds pointers, which would make
// cgo check it on every call.
static unsigned zc_ring_enqueue(uintptr_t r, uintptr_t arr, unsigned n) {
	return rte_ring_enqueue_burst((struct rte_ring *)r, (void * const *)arr, n, NULL);
}

static unsigned zc_ring_dequeue(uintptr_t r, uintptr_t arr, unsigned n) {
	return rte_ring_dequeue_burst((struct rte_ring *)r, (void **)arr, n, NULL);
}

static unsigned zc_ring_count(const struct rte_ring *r) { return rte_ring_count(r); }

// Dequeue everything and free it as mbufs; returns how many.
static unsigned zc_ring_drain(struct rte_ring *r) {
	void *objs[64];
	unsigned n, total = 0;
	while ((n = rte_ring_dequeue_burst(r, objs, 64, NULL)) > 0) {
		rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
		total += n;
	}
	return total;
}
*/
import "C"

import (
	"unsafe"
)

type cring = C.struct_rte_ring

// Flag values, as in rte_ring_core.h.
const (
	flagSP    = C.RING_F_SP_ENQ
	flagSC    = C.RING_F_SC_DEQ
	flagExact = C.RING_F_EXACT_SZ
)

// maxName is the longest ring name: DPDK names the ring's memzone with a
// prefix, and the ring struct keeps the name in RTE_RING_NAMESIZE bytes.
const maxName = C.RTE_RING_NAMESIZE - 1

// maxCount is the largest ring size DPDK takes (RTE_RING_SZ_MASK).
const maxCount = C.RTE_RING_SZ_MASK

// socketAny is SOCKET_ID_ANY.
const socketAny = C.SOCKET_ID_ANY

func cCreate(name string, count, socket int, flags uint) (*cring, int) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var errno C.int
	r := C.zc_ring_create(cs, C.uint(count), C.int(socket), C.uint(flags), &errno)
	return r, int(errno)
}

func cLookup(name string) (*cring, int) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var errno C.int
	r := C.zc_ring_lookup(cs, &errno)
	return r, int(errno)
}

func cFree(r *cring)         { C.rte_ring_free(r) }
func cName(r *cring) string  { return C.GoString(&r.name[0]) }
func cCapacity(r *cring) int { return int(r.capacity) }
func cSize(r *cring) int     { return int(r.size) }
func cFlags(r *cring) uint   { return uint(r.flags) }
func cCount(r *cring) int    { return int(C.zc_ring_count(r)) }
func cDrain(r *cring) int    { return int(C.zc_ring_drain(r)) }
func cEnqueue(r *cring, arr unsafe.Pointer, n int) int {
	return int(C.zc_ring_enqueue(C.uintptr_t(uintptr(unsafe.Pointer(r))), C.uintptr_t(uintptr(arr)), C.uint(n)))
}
func cDequeue(r *cring, arr unsafe.Pointer, n int) int {
	return int(C.zc_ring_dequeue(C.uintptr_t(uintptr(unsafe.Pointer(r))), C.uintptr_t(uintptr(arr)), C.uint(n)))
}
