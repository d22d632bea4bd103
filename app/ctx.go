package app

import (
	"sync"

	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/port"
)

// Handler processes, in place, the packets one source (an rx queue or a
// ring) gave in a turn: up to Config.Vector of them, gathered from rx
// bursts of Config.Burst; "the burst" below means these. For each packet i of
// pkts it gives one verdict through the Ctx: Send(i, port), Drop(i,
// reason), Keep(i) or ToRing(i, ring); a later verdict for the same i
// replaces an earlier one. SendAll, DropAll and SendRest give verdicts
// to a whole burst at once, without a per-packet cost. A packet left
// without a verdict is dropped and counted as DropUnhandled, so a
// handler cannot leak an mbuf by forgetting it.
//
// The verdicts are carried out by the loop's next turn, in C: the
// handler's per-packet work is its own, nothing else.
//
// pkts and the Data() of its mbufs are valid only during the call. The
// handler runs on the lcore's thread: it must not block, and should not
// allocate.
type Handler func(c *Ctx, pkts []*mbuf.Mbuf)

func dropVerdict(r DropReason) int16 { return -int16(r) - 1 }

// Ctx is a loop's state, handed to its Handler. It belongs to one lcore.
type Ctx struct {
	lcore  uint
	ports  []*port.Port
	pool   *mbuf.Pool
	srcs   []source   // rx queues, then rings
	nq     int        // how many of srcs are rx queues
	source func(*Ctx) // Config.Source, or nil

	// The burst being handled.
	cur *source
	v   []int16 // its verdicts (C memory), len = the burst's

	turn  *cturn
	mem   cmem           // C memory the turn points to
	txv   [][]*mbuf.Mbuf // per port: views of the tx arrays, for Inject
	rings []*pipeRing    // every ring of the run
	fills []bool         // per ring: this lcore fills it

	injected uint64
	turns    uint

	rules []loopRules // the software flow rules of ports this loop polls

	dbg *ctxDebug // Config.Debug's checks, or nil

	mu  sync.Mutex // guards pub
	pub LcoreCounters
}

// noSource is c.cur outside a handler call.
var noSource = source{q: Queue{-1, -1}, ring: -1}

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
	return c.turn.portIndex(m.Port())
}

// Port returns the port with index i in Config.Ports.
func (c *Ctx) Port(i int) *port.Port { return c.ports[i] }

// NumPorts is the number of ports.
func (c *Ctx) NumPorts() int { return len(c.ports) }

// Pool is the mbuf pool, for handlers that make packets.
func (c *Ctx) Pool() *mbuf.Pool { return c.pool }

// sendVerdict is the verdict for sending on port p: DropNoRoute for a p
// out of range, or on a NoTx loop.
func (c *Ctx) sendVerdict(p int) int16 {
	if p < 0 || p >= len(c.txv) {
		return dropVerdict(DropNoRoute)
	}
	return int16(p + 1)
}

// verdicts is the current burst's verdict array, n (len(pkts)) long: the
// built-in handlers write verdicts straight into it, so that their loops
// carry no bound check.
func (c *Ctx) verdicts(n int) []int16 { return c.v[:n] }

// Send transmits packet i on port p (an index in Config.Ports). An
// out-of-range p, or any p on a NoTx loop, drops the packet as
// DropNoRoute. An i outside the burst panics, like a slice index.
func (c *Ctx) Send(i, p int) { c.v[i] = c.sendVerdict(p) }

// SendAll transmits the first n packets of the burst on port p,
// replacing their verdicts. For the whole burst (n == len(pkts)) it
// costs the same for 1 packet or 512.
func (c *Ctx) SendAll(n, p int) {
	v := c.sendVerdict(p)
	if n == len(c.v) {
		clear(c.v)
		c.cur.s.setAll(v)
		return
	}
	for i := 0; i < n; i++ {
		c.v[i] = v
	}
}

// SendRest transmits on port p every packet of the burst that has no
// verdict of its own (given before or after the call): the fast way to
// forward a burst while dropping a few.
func (c *Ctx) SendRest(p int) { c.cur.s.setAll(c.sendVerdict(p)) }

// Drop frees packet i, counted under reason (a built-in one, or one
// from NewDropReason). A value that is no reason (negative, or from
// NumDropReasons on) counts as DropUnhandled: the packet got no valid
// verdict.
func (c *Ctx) Drop(i int, reason DropReason) {
	if reason < 0 || reason >= NumDropReasons {
		reason = DropUnhandled
	}
	c.v[i] = dropVerdict(reason)
}

// DropAll frees every packet of the burst, counted under reason (as
// Drop), replacing their verdicts.
func (c *Ctx) DropAll(reason DropReason) {
	if reason < 0 || reason >= NumDropReasons {
		reason = DropUnhandled
	}
	clear(c.v)
	c.cur.s.setAll(dropVerdict(reason))
}

// Keep hands packet i to the handler, which then owns it: it must later
// free it, or send it with Inject.
func (c *Ctx) Keep(i int) { c.v[i] = vKeep }

// ToRing hands packet i to ring r (an index in Config.Rings): the ring's
// To lcore receives it in a later burst, and owns it from then on. If
// this lcore is not one of the ring's From lcores, or r is out of range,
// the packet is dropped as DropNoRoute; if the ring stays full, as
// DropTxFull.
func (c *Ctx) ToRing(i, r int) {
	if r < 0 || r >= len(c.fills) || !c.fills[r] {
		c.v[i] = dropVerdict(DropNoRoute)
		return
	}
	c.v[i] = vRing + int16(r)
}

// Inject queues an mbuf the handler owns (kept, or allocated from Pool)
// for transmission on port p at the end of this turn. It returns false,
// and m stays the caller's, if p is out of range or its queue is full.
func (c *Ctx) Inject(m *mbuf.Mbuf, p int) bool {
	if c.dbg != nil && !c.check("Ctx.Inject", m) {
		return false
	}
	if p < 0 || p >= len(c.txv) || !c.turn.txPush(p, c.txv[p], m) {
		return false
	}
	c.injected++
	return true
}

// TxRoom is how many more packets Inject can queue on port p this turn
// (0 for an out-of-range p): a generator allocates no more than this.
func (c *Ctx) TxRoom(p int) int {
	if c.dbg != nil && !c.check("Ctx.TxRoom", nil) {
		return 0
	}
	if p < 0 || p >= len(c.txv) {
		return 0
	}
	return c.turn.txCap(p) - c.turn.txLen(p)
}
