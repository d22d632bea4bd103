package app

import (
	"sync/atomic"
	"syscall"
	"time"

	"github.com/zcnic/zcnic/flow"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/ring"
)

// The loop: what one lcore runs. Each turn is one crossing into C
// (turn.c), then the handler for every source that gave packets; the
// handler's side of the loop is in ctx.go.

// source is what a loop polls: an rx queue, or a ring when ring >= 0.
type source struct {
	q    Queue
	ring int
	s    *csrc        // its state in the turn
	pkts []*mbuf.Mbuf // views of its C arrays
	v    []int16
}

// loopRules is a port's flow rules as one loop runs them: the binding
// and the loop's slot in it.
type loopRules struct {
	b    *flow.Binding
	slot int
}

// pipeRing is one of Config.Rings, shared by the loops it connects.
type pipeRing struct {
	r *ring.Ring
	// producers counts the loops that may still fill the ring: each
	// producer loop decrements it once it has stopped for good, so the
	// consumer knows when the ring cannot refill.
	producers atomic.Int32
}

// loop polls until stop is set, then drains its rings, flushes what is
// in flight, and tells the rings it fills that it is done.
func (c *Ctx) loop(stop *atomic.Bool, h Handler) error {
	if c.dbg != nil {
		c.dbg.tid.Store(int64(syscall.Gettid())) // the thread the checks expect
		c.v = c.dbg.shadow
	}
	defer c.doneProducing()
	for _, r := range c.rules {
		r.b.Online(r.slot)
	}
	offline := func() {
		for _, r := range c.rules {
			r.b.Offline(r.slot)
		}
	}
	defer func() {
		if offline != nil {
			offline() // a handler panicked
		}
		if v := recover(); v != nil {
			c.settle()
			panic(v) // on to eal's recover, which makes it a PanicError
		}
	}()
	for !stop.Load() {
		if c.source != nil {
			c.source(c)
		}
		c.step(h)
		if c.turns++; c.turns&63 == 0 {
			c.publish()
		}
	}
	// No rx queue is polled from here on: the rules' sets may be
	// swapped without waiting for this loop.
	offline()
	offline = nil
	c.drain(h)
	c.flush()
	c.publish()
	return nil
}

// step is one turn: one crossing carries out the last turn's verdicts,
// transmits, frees the drops and polls every active source; then h gives
// each received burst its verdicts. It returns how many packets it
// received.
func (c *Ctx) step(h Handler) int {
	if len(c.srcs) == 0 {
		// A Source's loop that polls nothing: a turn with nothing to
		// send is an empty poll, and needs no crossing.
		busy := c.turn.pending() > 0
		c.turn.countPoll(busy)
		if busy {
			runTurn(c.turn)
		} else {
			c.turn.resetStallClock() // idle on purpose: no stall
		}
		return 0
	}
	runTurn(c.turn)
	got := 0
	for i := range c.srcs {
		s := &c.srcs[i]
		n := s.s.received()
		if n == 0 {
			continue
		}
		got += n
		c.cur, c.v = s, s.v[:n]
		if c.dbg != nil {
			c.v = c.dbg.begin(c, s, n) // the verdicts go to its shadow
		}
		h(c, s.pkts[:n])
		if c.dbg != nil {
			c.dbg.end(c)
		}
	}
	c.cur, c.v = &noSource, nil
	if c.dbg != nil {
		c.v = c.dbg.shadow // a stray verdict lands there, and is caught
	}
	return got
}

// doneProducing tells the rings this loop fills that it will not fill
// them again. It runs last, also when the handler panicked.
func (c *Ctx) doneProducing() {
	for r, f := range c.fills {
		if f {
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
	for i := range c.srcs[:c.nq] {
		c.srcs[i].s.setActive(false)
	}
	rings := c.srcs[c.nq:]
	if len(rings) == 0 {
		return
	}
	deadline := time.Now().Add(drainTimeout)
	for {
		// Read before the dequeue: a producer finishes its last
		// enqueue before it says it is done.
		upstreamDone := true
		for _, s := range rings {
			if c.rings[s.ring].producers.Load() != 0 {
				upstreamDone = false
			}
		}
		if c.step(h) == 0 && upstreamDone || time.Now().After(deadline) {
			return
		}
	}
}

// flushTries and flushTime bound the final flush: it retries full
// queues and rings for at least that many turns and that long.
const (
	flushTries = 1000
	flushTime  = 10 * time.Millisecond
)

// flush carries out the last verdicts and transmits what is pending,
// retrying a while, then frees the rest as DropTxFull, so that no mbuf
// is left behind.
func (c *Ctx) flush() {
	for i := range c.srcs {
		c.srcs[i].s.setActive(false)
	}
	start := time.Now()
	for try := 0; try < flushTries || time.Since(start) < flushTime; try++ {
		if c.turn.pending() == 0 {
			return
		}
		runTurn(c.turn)
	}
	dropPending(c.turn)
}

// settle is the end of a loop whose handler panicked: the burst in hand
// loses the verdicts it was given (they may be half done) and, with
// every packet of the turn left without one, is dropped as
// DropUnhandled; what was queued is flushed as at any stop; and the
// counters are published, so that the Result adds up, that burst
// included.
func (c *Ctx) settle() {
	if c.cur != &noSource {
		clear(c.cur.v)
		c.cur.s.setAll(0)
		if c.dbg != nil {
			c.dbg.abort() // what the handler freed is not freed again
		}
	}
	c.cur, c.v = &noSource, nil
	c.flush()
	c.publish()
}

// release frees every mbuf the loop still holds, uncounted (a loop that
// failed), and the loop's C memory.
func (c *Ctx) release() {
	if c.turn != nil {
		releaseTurn(c.turn)
		c.turn = nil
	}
	c.mem.free()
}

// counters reads the loop's counters (on the loop's thread, or when it
// has ended).
func (c *Ctx) counters() LcoreCounters {
	l := LcoreCounters{Lcore: c.lcore, Ports: make([]PortCounters, len(c.ports))}
	c.readInto(&l)
	c.turn.readStalls(&l.Stalls)
	c.turn.readLatency(&l.Latency)
	return l
}

func (c *Ctx) readInto(l *LcoreCounters) {
	c.turn.read(l)
	l.Injected = c.injected
}

// publish makes the counters visible to snapshot, without allocating.
func (c *Ctx) publish() {
	c.mu.Lock()
	c.readInto(&c.pub)
	c.mu.Unlock()
}

func (c *Ctx) snapshot() LcoreCounters {
	c.mu.Lock()
	l := c.pub.clone()
	c.mu.Unlock()
	// The stalls are read from the turn itself, as they are: publish
	// (on the loop's path) does not copy them, nor the latency.
	c.turn.readStalls(&l.Stalls)
	c.turn.readLatency(&l.Latency)
	return l
}
