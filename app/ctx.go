package app

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/port"
	"github.com/zcnic/zcnic/ring"
)

// Handler processes one received burst in place. For each packet i of
// pkts it gives one verdict through the Ctx: Send(i, port), Drop(i,
// reason) or Keep(i); a later verdict for the same i replaces an earlier
// one. A packet left without a verdict is dropped and counted as
// DropUnhandled, so a handler cannot leak an mbuf by forgetting it.
//
// pkts and the Data() of its mbufs are valid only during the call. The
// handler runs on the lcore's thread: it must not block, and should not
// allocate.
type Handler func(c *Ctx, pkts []*mbuf.Mbuf)

// verdict encoding: 0 none, 1..maxTx send to port v-1, vRing+r hand to
// ring r, vKeep keep, negative drop with reason -v-1.
const (
	vRing int16 = 0x100
	vKeep int16 = 0x7fff
)

// source is what a loop turn receives from: an rx queue, or a ring when
// ring >= 0.
type source struct {
	q    Queue
	ring int
}

// pipeRing is one of Config.Rings, shared by the loops it connects.
type pipeRing struct {
	r *ring.Ring
	// producers counts the loops that may still fill the ring: each
	// producer loop decrements it once it has stopped for good, so the
	// consumer knows when the ring cannot refill.
	producers atomic.Int32
}

// Ctx is a loop's state, handed to its Handler. It belongs to one lcore.
type Ctx struct {
	lcore   uint
	ports   []*port.Port
	pool    *mbuf.Pool
	srcs    []source   // polled round robin: rx queues, then rings
	nq      int        // how many of srcs are rx queues
	source  func(*Ctx) // Config.Source, or nil
	cur     source
	verdict [maxBurst]int16

	rings   []*pipeRing   // every ring of the run
	ringOut []*mbuf.Burst // per ring: packets for it; nil if this lcore does not fill it
	portIdx []int         // port id -> index in ports, -1 for none
	stray   PortCounters  // fates of ring packets from no known port

	rx   *mbuf.Burst
	tx   []*mbuf.Burst // per port, this lcore's tx queue
	drop *mbuf.Burst
	turn *cturn

	pendingBytes []uint64 // per port: bytes waiting in tx
	c            LcoreCounters
	turns        uint

	mu  sync.Mutex // guards pub
	pub LcoreCounters
}

// Lcore is the lcore the loop runs on.
func (c *Ctx) Lcore() uint { return c.lcore }

// RxQueue is the queue the current burst came from. For a burst from a
// ring it is Queue{-1, -1}: see FromRing and InputPort.
func (c *Ctx) RxQueue() Queue { return c.cur.q }

// FromRing is the ring (an index in Config.Rings) the current burst came
// from, or -1 if it came from an rx queue.
func (c *Ctx) FromRing() int { return c.cur.ring }

// InputPort is the index in Config.Ports of the port m was received on,
// or -1 if it came from none of them (an mbuf the handler made). Bursts
// from a ring mix ports; this tells them apart.
func (c *Ctx) InputPort(m *mbuf.Mbuf) int {
	if id := int(m.Port()); id < len(c.portIdx) {
		return c.portIdx[id]
	}
	return -1
}

// ToRing hands packet i to ring r (an index in Config.Rings): the ring's
// To lcore receives it in a later burst, and owns it from then on. If
// this lcore is not one of the ring's From lcores, or r is out of range,
// the packet is dropped as DropNoRoute; if the ring stays full, as
// DropTxFull.
func (c *Ctx) ToRing(i, r int) {
	if r < 0 || r >= len(c.ringOut) || c.ringOut[r] == nil {
		c.verdict[i] = -int16(DropNoRoute) - 1
		return
	}
	c.verdict[i] = vRing + int16(r)
}

// Port returns the port with index i in Config.Ports.
func (c *Ctx) Port(i int) *port.Port { return c.ports[i] }

// NumPorts is the number of ports.
func (c *Ctx) NumPorts() int { return len(c.ports) }

// Pool is the mbuf pool, for handlers that make packets.
func (c *Ctx) Pool() *mbuf.Pool { return c.pool }

// Send transmits packet i on port p (an index in Config.Ports). An
// out-of-range p, or any p on a NoTx loop, drops the packet as
// DropNoRoute.
func (c *Ctx) Send(i, p int) {
	if p < 0 || p >= len(c.tx) {
		c.verdict[i] = -int16(DropNoRoute) - 1
		return
	}
	c.verdict[i] = int16(p + 1)
}

// SendAll transmits every packet of the burst on port p.
func (c *Ctx) SendAll(n, p int) {
	for i := 0; i < n; i++ {
		c.Send(i, p)
	}
}

// Drop frees packet i, counted under reason.
func (c *Ctx) Drop(i int, reason DropReason) {
	if reason < 0 || reason >= NumDropReasons {
		reason = DropFiltered
	}
	c.verdict[i] = -int16(reason) - 1
}

// Keep hands packet i to the handler, which then owns it: it must later
// free it, or send it with Inject.
func (c *Ctx) Keep(i int) { c.verdict[i] = vKeep }

// Inject queues an mbuf the handler owns (kept, or allocated from Pool)
// for transmission on port p at the end of this turn. It returns false,
// and m stays the caller's, if p is out of range or its queue is full.
func (c *Ctx) Inject(m *mbuf.Mbuf, p int) bool {
	if p < 0 || p >= len(c.tx) || !c.tx[p].Push(m) {
		return false
	}
	c.pendingBytes[p] += uint64(m.PktLen())
	c.c.Injected++
	return true
}

// TxRoom is how many more packets Inject can queue on port p this turn
// (0 for an out-of-range p): a generator allocates no more than this.
func (c *Ctx) TxRoom(p int) int {
	if p < 0 || p >= len(c.tx) {
		return 0
	}
	return c.tx[p].Room()
}

// counters returns the counters of m's input port, for packets from a
// ring, whose fate is counted where it is decided.
func (c *Ctx) counters(m *mbuf.Mbuf) *PortCounters {
	if in := c.InputPort(m); in >= 0 {
		return &c.c.Ports[in]
	}
	return &c.stray
}

// dispatch applies the verdicts of a burst from input port in, or from
// a ring if in is -1 (then each packet is counted for its own port).
func (c *Ctx) dispatch(pkts []*mbuf.Mbuf, in int) {
	var pc *PortCounters
	if in >= 0 {
		pc = &c.c.Ports[in]
	}
	for i, m := range pkts {
		if in < 0 {
			pc = c.counters(m)
		}
		v := c.verdict[i]
		c.verdict[i] = 0
		switch {
		case v > 0 && v < vRing:
			p := int(v - 1)
			if c.tx[p].Push(m) {
				c.pendingBytes[p] += uint64(m.PktLen())
				pc.Forwarded++
				continue
			}
			v = -int16(DropTxFull) - 1
		case v >= vRing && v < vKeep:
			// Its fate is counted by the ring's consumer.
			if c.ringOut[v-vRing].Push(m) {
				continue
			}
			v = -int16(DropTxFull) - 1
		case v == vKeep:
			pc.Kept++
			continue
		case v == 0:
			v = -int16(DropUnhandled) - 1
		}
		c.drop.Push(m) // the drop burst has room for a whole burst
		c.c.Drops[-v-1]++
		pc.Dropped++
	}
}

// settle reads the turn's tx results back into the bursts and counters.
func (c *Ctx) settle() {
	for p, b := range c.tx {
		n := b.Len()
		if n == 0 {
			continue
		}
		s := c.turn.txSent(p)
		b.SetLen(n - s)
		if s == 0 {
			continue
		}
		left := uint64(0)
		for _, m := range b.Pkts() {
			left += uint64(m.PktLen())
		}
		pc := &c.c.Ports[p]
		pc.TxPackets += uint64(s)
		pc.TxBytes += c.pendingBytes[p] - left
		c.pendingBytes[p] = left
	}
	for r, b := range c.ringOut {
		if b == nil || b.Len() == 0 {
			continue
		}
		s := c.turn.ringSent(r)
		b.SetLen(b.Len() - s)
		c.c.RingOut += uint64(s)
	}
	c.drop.Clear() // freed by the turn
}

// prepare loads the turn with this turn's tx lengths and drops.
func (c *Ctx) prepare() {
	for p, b := range c.tx {
		c.turn.setTxLen(p, b.Len())
	}
	for r, b := range c.ringOut {
		if b != nil {
			c.turn.setRingLen(r, b.Len())
		}
	}
	c.turn.setDrop(c.drop.Array(), c.drop.Len())
}

// loop polls until stop is set, then drains its rings, flushes what is
// in flight, and tells the rings it fills that it is done.
func (c *Ctx) loop(stop *atomic.Bool, h Handler) error {
	defer c.doneProducing()
	si := 0
	for !stop.Load() {
		if c.source != nil {
			c.source(c)
		}
		if len(c.srcs) == 0 {
			c.txStep() // a Source's loop that polls nothing
		} else {
			c.step(c.srcs[si], h)
			if si++; si == len(c.srcs) {
				si = 0
			}
		}
		if c.turns++; c.turns&63 == 0 {
			c.publish()
		}
	}
	c.drain(h)
	c.flush()
	c.publish()
	return nil
}

// doneProducing tells the rings this loop fills that it will not fill
// them again. It runs last, also when the handler panicked.
func (c *Ctx) doneProducing() {
	for r, b := range c.ringOut {
		if b != nil {
			c.rings[r].producers.Add(-1)
		}
	}
}

// drainTimeout bounds how long a stopping loop keeps polling its rings.
// Rings form no cycle, so the drain ends once every upstream loop has
// stopped; the bound only matters if one of them is stuck.
const drainTimeout = 50 * time.Millisecond

// drain is the stop of a loop that polls rings: it polls no more rx
// queues, but keeps handling bursts from its rings until the loops that
// fill them have stopped and the rings are empty, so that packets
// already received go on to their output instead of being dropped.
func (c *Ctx) drain(h Handler) {
	rings := c.srcs[c.nq:]
	if len(rings) == 0 {
		return
	}
	deadline := time.Now().Add(drainTimeout)
	for {
		idle := true
		for _, s := range rings {
			// Read before the dequeue: a producer finishes its last
			// enqueue before it says it is done.
			upstreamDone := c.rings[s.ring].producers.Load() == 0
			if c.step(s, h) > 0 || !upstreamDone {
				idle = false
			}
		}
		if idle || time.Now().After(deadline) {
			return
		}
	}
}

// step is one turn: one crossing sends what the last turn queued, frees
// its drops and receives from s; then h gives the burst its verdicts.
// It returns how many packets it received.
func (c *Ctx) step(s source, h Handler) int {
	c.prepare()
	if s.ring >= 0 {
		c.turn.setRxRing(c.rx.Array(), c.rings[s.ring].r.Ptr(), c.rx.Cap())
	} else {
		c.turn.setRx(c.rx.Array(), c.ports[s.q.Port].ID(), uint16(s.q.Queue), c.rx.Cap())
	}
	runTurn(c.turn)
	c.settle()
	got := c.turn.received()
	if got == 0 {
		c.c.EmptyPolls++
		return 0
	}
	c.c.BusyPolls++
	c.rx.SetLen(got)
	pkts := c.rx.Pkts()
	in := -1
	if s.ring >= 0 {
		c.c.RingIn += uint64(got)
	} else {
		in = s.q.Port
		pc := &c.c.Ports[in]
		pc.RxPackets += uint64(got)
		for _, m := range pkts {
			pc.RxBytes += uint64(m.PktLen())
		}
	}
	c.cur = s
	h(c, pkts)
	c.dispatch(pkts, in)
	c.rx.Clear()
	return got
}

// pending is how many packets wait in this loop's tx queues and rings.
func (c *Ctx) pending() int {
	n := 0
	for _, b := range c.tx {
		n += b.Len()
	}
	for _, b := range c.ringOut {
		if b != nil {
			n += b.Len()
		}
	}
	return n
}

// txStep is the turn of a loop that polls no queue: the Source queued
// packets, one crossing sends them. A turn with nothing to send counts
// as an empty poll, one with something as a busy poll.
func (c *Ctx) txStep() {
	if c.pending() == 0 && c.drop.Len() == 0 {
		c.c.EmptyPolls++
		return
	}
	c.c.BusyPolls++
	c.prepare()
	c.turn.setRx(c.rx.Array(), 0, 0, 0)
	runTurn(c.turn)
	c.settle()
}

// flushTries and flushTime bound the final flush: it retries full
// queues and rings for at least that many turns and that long.
const (
	flushTries = 1000
	flushTime  = 10 * time.Millisecond
)

// flush transmits what is pending, retrying a while, then frees the rest
// as DropTxFull, so that no mbuf is left behind.
func (c *Ctx) flush() {
	start := time.Now()
	for try := 0; try < flushTries || time.Since(start) < flushTime; try++ {
		if c.pending() == 0 && c.drop.Len() == 0 {
			return
		}
		c.prepare()
		c.turn.setRx(c.rx.Array(), 0, 0, 0)
		runTurn(c.turn)
		c.settle()
	}
	for p, b := range c.tx {
		for _, m := range b.Pkts() {
			c.c.Drops[DropTxFull]++
			if in := c.InputPort(m); in >= 0 {
				c.c.Ports[in].Forwarded--
				c.c.Ports[in].Dropped++
			}
		}
		c.pendingBytes[p] = 0
		b.Free()
	}
	for _, b := range c.ringOut {
		if b != nil {
			c.dropAll(b.Pkts(), DropTxFull)
			b.Free()
		}
	}
}

// dropAll counts pkts, whose fate was not yet counted, as dropped for
// reason. The caller frees them.
func (c *Ctx) dropAll(pkts []*mbuf.Mbuf, reason DropReason) {
	for _, m := range pkts {
		c.c.Drops[reason]++
		c.counters(m).Dropped++
	}
}

func (c *Ctx) publish() {
	c.mu.Lock()
	copy(c.pub.Ports, c.c.Ports)
	ports := c.pub.Ports
	c.pub = c.c
	c.pub.Ports = ports
	c.mu.Unlock()
}

func (c *Ctx) snapshot() LcoreCounters {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pub.clone()
}
