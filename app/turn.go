package app

/*
#cgo pkg-config: libdpdk
#include <stdlib.h>
#include "turn.h"
*/
import "C"

import (
	"unsafe"

	"github.com/zcnic/zcnic/mbuf"
)

// Limits of one lcore's loop: ports it can send to, rings in a run, and
// sources (rx queues and rings) it can poll.
const (
	maxTx    = C.ZC_MAX_TX
	maxRings = C.ZC_MAX_RINGS
	maxSrc   = C.ZC_MAX_SRC
)

type (
	cturn C.struct_zc_turn
	csrc  C.struct_zc_src
)

// cmem is C memory the turn points to, freed with it.
type cmem []unsafe.Pointer

func (m *cmem) alloc(n, size int) unsafe.Pointer {
	p := C.calloc(C.size_t(n), C.size_t(size))
	*m = append(*m, p)
	return p
}

func (m *cmem) free() {
	for _, p := range *m {
		C.free(p)
	}
	*m = nil
}

// newTurn allocates a zeroed turn; mem keeps what else it points to.
// Each source gives up to vector packets a turn, in rx calls of burst.
func newTurn(mem *cmem, burst, vector int, countBytes bool) *cturn {
	t := (*cturn)(mem.alloc(1, C.sizeof_struct_zc_turn))
	t.burst = C.uint16_t(burst)
	t.vector = C.uint16_t(vector)
	t.count_bytes = C.uint8_t(b2i(countBytes))
	for i := range t.portidx {
		t.portidx[i] = -1
	}
	t.setStallLimits()
	return t
}

// runTurn is the loop's one crossing a turn. The turn goes as an integer:
// a pointer argument would make cgo check it on every call.
func runTurn(t *cturn)     { C.zc_turn(C.uintptr_t(uintptr(unsafe.Pointer(t)))) }
func releaseTurn(t *cturn) { C.zc_release((*C.struct_zc_turn)(t)) }
func dropPending(t *cturn) { C.zc_drop_pending((*C.struct_zc_turn)(t)) }

// mbufs is a Go view of a C array of n mbuf pointers.
func mbufs(p **C.struct_rte_mbuf, n int) []*mbuf.Mbuf {
	return unsafe.Slice((**mbuf.Mbuf)(unsafe.Pointer(p)), n)
}

// mbufArray allocates a C array of n mbuf pointers.
func (m *cmem) mbufArray(n int) **C.struct_rte_mbuf {
	return (**C.struct_rte_mbuf)(m.alloc(n, int(unsafe.Sizeof(uintptr(0)))))
}

// addTx makes tx queue i (port index i) with room for cap packets and
// returns a Go view of its array, for Inject. lock is the port's burst
// lock (port.Port.BurstLock), or nil.
func (t *cturn) addTx(mem *cmem, i int, port, queue uint16, lock unsafe.Pointer, cap int) []*mbuf.Mbuf {
	q := &t.tx[i]
	q.arr = mem.mbufArray(cap)
	q.lock = (*C.rte_spinlock_t)(lock)
	q.port, q.queue, q.cap = C.uint16_t(port), C.uint16_t(queue), C.uint16_t(cap)
	t.ntx = C.uint16_t(i + 1)
	return mbufs(q.arr, cap)
}

// addRing makes ring output r, filled by this lcore, of cap packets.
func (t *cturn) addRing(mem *cmem, r int, ring unsafe.Pointer, cap int) {
	q := &t.rq[r]
	q.arr = mem.mbufArray(cap)
	q.ring = (*C.struct_rte_ring)(ring)
	q.cap = C.uint16_t(cap)
}

func (t *cturn) setNRings(n int) { t.nrq = C.uint16_t(n) }

// addSrc adds a source polling port (id, queue), whose index in
// Config.Ports is in and whose burst lock (port.Port.BurstLock) is lock,
// or ring if not nil. It returns the source and Go views of its packet
// and verdict arrays, of the turn's vector.
func (t *cturn) addSrc(mem *cmem, in int, id, queue uint16, lock, ring unsafe.Pointer) (*csrc, []*mbuf.Mbuf, []int16) {
	s := (*csrc)(&t.src[t.nsrc])
	t.nsrc++
	n := int(t.vector)
	s.rx = mem.mbufArray(n)
	// The verdicts: a whole number of 8-byte words (apply_verdicts
	// reads them so).
	s.v = (*C.int16_t)(mem.alloc((n+3)&^3, 2))
	s.ring = (*C.struct_rte_ring)(ring)
	s.lock = (*C.rte_spinlock_t)(lock)
	s.port, s.queue, s.in = C.uint16_t(id), C.uint16_t(queue), C.int16_t(in)
	s.active = 1
	return s, mbufs(s.rx, n), unsafe.Slice((*int16)(unsafe.Pointer(s.v)), n)
}

// setDrop gives the turn its drop array, room for every source's vector.
func (t *cturn) setDrop(mem *cmem) {
	t.drop = mem.mbufArray(max(int(t.nsrc), 1) * int(t.vector))
}

func (t *cturn) setPortIndex(id uint16, i int) { t.portidx[id] = C.int16_t(i) }

// portIndex is the index in Config.Ports of port id, or -1 (as port_of
// in turn.c).
func (t *cturn) portIndex(id uint16) int {
	if int(id) < len(t.portidx) {
		return int(t.portidx[id])
	}
	return -1
}

// countPoll counts a turn of a loop that polls nothing (a generator's).
func (t *cturn) countPoll(busy bool) {
	if busy {
		t.c.busy++
	} else {
		t.c.empty++
	}
}

// setRules makes fn (a zc_classify_fn) with arg run on every vector
// the source receives, before the handler.
func (s *csrc) setRules(fn, arg unsafe.Pointer) {
	s.classify = C.zc_classify_fn(fn)
	s.rules = arg
}

func (s *csrc) received() int     { return int(s.got) }
func (s *csrc) setActive(on bool) { s.active = C.uint8_t(b2i(on)) }
func (s *csrc) setAll(v int16)    { s.vall = C.int16_t(v) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// txLen and txCap are tx queue i's packets and room.
func (t *cturn) txLen(i int) int { return int(t.tx[i].n) }
func (t *cturn) txCap(i int) int { return int(t.tx[i].cap) }
func (t *cturn) txPush(i int, view []*mbuf.Mbuf, m *mbuf.Mbuf) bool {
	q := &t.tx[i]
	if q.n >= q.cap {
		return false
	}
	view[q.n] = m
	q.n++
	return true
}

// pending is how many packets wait: in tx queues, rings, sources without
// applied verdicts, and drops.
func (t *cturn) pending() int {
	n := int(t.ndrop)
	for i := 0; i < int(t.ntx); i++ {
		n += int(t.tx[i].n)
	}
	for i := 0; i < int(t.nrq); i++ {
		n += int(t.rq[i].n)
	}
	for i := 0; i < int(t.nsrc); i++ {
		n += int(t.src[i].got)
	}
	return n
}

// read copies the turn's counters into l (whose Ports has one entry per
// port).
func (t *cturn) read(l *LcoreCounters) {
	for i := range l.Ports {
		c := &t.c.pc[i]
		l.Ports[i] = PortCounters{
			RxPackets: uint64(c.rx_pkts), LoopRxBytes: uint64(c.rx_bytes),
			TxPackets: uint64(c.tx_pkts), LoopTxBytes: uint64(c.tx_bytes),
			Forwarded: uint64(c.fwd), Dropped: uint64(c.dropped), Kept: uint64(c.kept),
		}
	}
	for i := range l.Drops {
		l.Drops[i] = uint64(t.c.drops[i])
	}
	l.BusyPolls, l.EmptyPolls = uint64(t.c.busy), uint64(t.c.empty)
	l.RingIn, l.RingOut = uint64(t.c.ring_in), uint64(t.c.ring_out)
	l.Held = uint64(t.c.held)
}

// countRingLeft counts pkts, taken from one of this loop's rings by the
// runner after the loop ended, as received from the ring and dropped
// (tx_full), so that ring in == ring out still holds.
func (t *cturn) countRingLeft(pkts []*mbuf.Mbuf) {
	t.c.ring_in += C.uint64_t(len(pkts))
	t.countDrops(pkts, DropTxFull)
}

// countDrops counts pkts, about to be freed by Go, as dropped for reason.
func (t *cturn) countDrops(pkts []*mbuf.Mbuf, reason DropReason) {
	for _, m := range pkts {
		t.c.drops[reason]++
		p := &t.c.stray
		if i := t.portIndex(m.Port()); i >= 0 {
			p = &t.c.pc[i]
		}
		p.dropped++
	}
}

// Verdicts, from turn.h (see Handler for their meaning).
const (
	vRing int16 = C.ZC_V_RING
	vKeep int16 = C.ZC_V_KEEP
)
