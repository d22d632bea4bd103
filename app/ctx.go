package app

import (
	"sync"
	"sync/atomic"

	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/port"
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

// verdict encoding: 0 none, 1..maxTx send to port v-1, vKeep keep,
// negative drop with reason -v-1.
const vKeep int16 = 0x7fff

// Ctx is a loop's state, handed to its Handler. It belongs to one lcore.
type Ctx struct {
	lcore   uint
	ports   []*port.Port
	pool    *mbuf.Pool
	rxqs    []Queue
	source  func(*Ctx) // Config.Source, or nil
	cur     Queue
	verdict [maxBurst]int16

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

// RxQueue is the queue the current burst came from.
func (c *Ctx) RxQueue() Queue { return c.cur }

// Port returns the port with index i in Config.Ports.
func (c *Ctx) Port(i int) *port.Port { return c.ports[i] }

// NumPorts is the number of ports.
func (c *Ctx) NumPorts() int { return len(c.ports) }

// Pool is the mbuf pool, for handlers that make packets.
func (c *Ctx) Pool() *mbuf.Pool { return c.pool }

// Send transmits packet i on port p (an index in Config.Ports). An
// out-of-range p drops the packet as DropNoRoute.
func (c *Ctx) Send(i, p int) {
	if p < 0 || p >= len(c.ports) {
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
	if p < 0 || p >= len(c.ports) || !c.tx[p].Push(m) {
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

// dispatch applies the verdicts of a burst from input port in.
func (c *Ctx) dispatch(pkts []*mbuf.Mbuf, in int) {
	pc := &c.c.Ports[in]
	for i, m := range pkts {
		v := c.verdict[i]
		c.verdict[i] = 0
		switch {
		case v > 0 && v != vKeep:
			p := int(v - 1)
			if c.tx[p].Push(m) {
				c.pendingBytes[p] += uint64(m.PktLen())
				pc.Forwarded++
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
	c.drop.Clear() // freed by the turn
}

// prepare loads the turn with this turn's tx lengths and drops.
func (c *Ctx) prepare() {
	for p, b := range c.tx {
		c.turn.setTxLen(p, b.Len())
	}
	c.turn.setDrop(c.drop.Array(), c.drop.Len())
}

// loop polls until stop is set, then flushes what is in flight.
func (c *Ctx) loop(stop *atomic.Bool, h Handler) error {
	qi := 0
	for !stop.Load() {
		if len(c.rxqs) == 0 {
			c.txStep() // a Source's loop that polls nothing
		} else {
			c.step(c.rxqs[qi], h)
			if qi++; qi == len(c.rxqs) {
				qi = 0
			}
		}
		if c.turns++; c.turns&63 == 0 {
			c.publish()
		}
	}
	c.flush()
	c.publish()
	return nil
}

// step is one turn: one crossing sends what the last turn queued, frees
// its drops and receives from q; then h gives the burst its verdicts.
func (c *Ctx) step(q Queue, h Handler) {
	if c.source != nil {
		c.source(c)
	}
	c.prepare()
	c.turn.setRx(c.rx.Array(), c.ports[q.Port].ID(), uint16(q.Queue), c.rx.Cap())
	runTurn(c.turn)
	c.settle()
	got := c.turn.received()
	if got == 0 {
		c.c.EmptyPolls++
		return
	}
	c.c.BusyPolls++
	c.rx.SetLen(got)
	pkts := c.rx.Pkts()
	pc := &c.c.Ports[q.Port]
	pc.RxPackets += uint64(got)
	for _, m := range pkts {
		pc.RxBytes += uint64(m.PktLen())
	}
	c.cur = q
	h(c, pkts)
	c.dispatch(pkts, q.Port)
	c.rx.Clear()
}

// txStep is the turn of a loop that polls no queue: the Source queues
// packets, one crossing sends them. A turn with nothing to send counts
// as an empty poll, one with something as a busy poll.
func (c *Ctx) txStep() {
	c.source(c)
	pending := 0
	for _, b := range c.tx {
		pending += b.Len()
	}
	if pending == 0 && c.drop.Len() == 0 {
		c.c.EmptyPolls++
		return
	}
	c.c.BusyPolls++
	c.prepare()
	c.turn.setRx(c.rx.Array(), 0, 0, 0)
	runTurn(c.turn)
	c.settle()
}

// flushTries bounds how many turns the final flush retries a full queue.
const flushTries = 1000

// flush transmits what is pending, retrying a while, then frees the rest
// as DropTxFull, so that no mbuf is left behind.
func (c *Ctx) flush() {
	for try := 0; try < flushTries; try++ {
		pending := 0
		for _, b := range c.tx {
			pending += b.Len()
		}
		if pending == 0 && c.drop.Len() == 0 {
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
			if in := c.inputIndex(m.Port()); in >= 0 {
				c.c.Ports[in].Forwarded--
				c.c.Ports[in].Dropped++
			}
		}
		c.pendingBytes[p] = 0
		b.Free()
	}
}

// inputIndex maps a port id to its index in Config.Ports, or -1.
func (c *Ctx) inputIndex(id uint16) int {
	for i, p := range c.ports {
		if p.ID() == id {
			return i
		}
	}
	return -1
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
