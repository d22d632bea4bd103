package app

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt"
	"github.com/zcnic/zcnic/port"
)

// GenConfig configures a transmit-only generator of UDP/IPv4 frames.
type GenConfig struct {
	// Template describes the frames: MACs, addresses, UDP destination
	// port, TTL and FrameSize (see pkt.Template). Generate prepares it.
	Template pkt.Template
	// Ports are the indexes in Config.Ports to transmit on, each loop
	// filling them in turn; nil means every port.
	Ports []int
	// Count is the number of frames to send in all; 0 means no limit.
	// The run ends by itself once they are all sent.
	Count uint64
	// Duration ends the run this long after the loops start; 0 means
	// run until Count is reached or the context is done.
	Duration time.Duration
	// Rate limits the frames per second, over every port and loop
	// together; 0 means as fast as the ports take them. The limiter is
	// a token bucket on the monotonic clock holding at most 100 ms of
	// frames (and at least a burst): a loop that loses its CPU for a
	// moment makes the frames up, so the average rate holds.
	Rate uint64
	// SrcPort is the first UDP source port (0 means 1024); SrcPorts is
	// how many consecutive source ports the frames cycle over (0 means
	// 1), giving that many flows, for RSS to spread over rx queues.
	SrcPort  uint16
	SrcPorts int
}

// genLcore is one loop's generator state. Only its lcore touches it
// while the run goes on.
type genLcore struct {
	alloc     *mbuf.Burst
	remaining uint64 // frames still to send; with no Count, ^0
	next      int    // index in generator.ports of the port the next frame goes to
	room      []int  // per generator port: what its tx queue takes this turn
	quota     []int  // per generator port: frames it gets this turn
	flow      int    // index of the next source port
	done      bool
	bucket    tokenBucket
}

// generator is the Source of a Generate run.
type generator struct {
	tmpl     *pkt.Template
	ports    []int
	burst    int
	srcPort  uint16
	srcPorts int
	lcores   []*genLcore // indexed by lcore id
	live     int         // loops with frames still to send
	finished atomic.Int32
	cancel   context.CancelFunc
}

// tokenBucket limits a rate, in packets per second, without allocating.
// Credit is kept in packet-nanoseconds: one packet costs 1e9 units, and
// every elapsed nanosecond adds rate units.
type tokenBucket struct {
	rate   uint64 // packets per second; 0 means no limit
	depth  uint64 // most credit held, in units
	credit uint64
	base   time.Time // monotonic origin, set on the first take
	last   int64     // ns since base at the last take
}

const unitsPerPacket = uint64(time.Second)

func newTokenBucket(rate uint64, burst int) tokenBucket {
	depth := max(rate/10, uint64(burst)) // 100 ms of frames, at least a burst
	return tokenBucket{rate: rate, depth: depth * unitsPerPacket}
}

// take returns how many packets (at most n) may go now; the caller
// spends what it sent.
func (b *tokenBucket) take(n int) int {
	if b.rate == 0 {
		return n
	}
	if b.base.IsZero() {
		b.base = time.Now()
		return 0
	}
	return b.takeAt(n, int64(time.Since(b.base)))
}

// takeAt is take at now nanoseconds after the bucket's first take: the
// clock given, so that tests can drive it.
func (b *tokenBucket) takeAt(n int, now int64) int {
	dt := now - b.last
	b.last = now
	if dt > int64(time.Second) {
		dt = int64(time.Second) // past the depth anyway; avoids overflow
	}
	if dt > 0 {
		b.credit = min(b.credit+uint64(dt)*b.rate, b.depth)
	}
	return int(min(uint64(n), b.credit/unitsPerPacket))
}

func (b *tokenBucket) spend(n int) {
	if b.rate != 0 {
		b.credit -= uint64(n) * unitsPerPacket
	}
}

// Generate runs a transmit-only generator: on every configured loop it
// allocates frames from the pool in bursts, builds them in place from
// gc.Template (cycling over gc.SrcPorts source ports) and queues them
// for transmission with Ctx.Inject, at most gc.Rate frames a second, until
// gc.Count frames are sent, gc.Duration has passed or ctx is done.
//
// Unless cfg.Lcores says otherwise, one loop runs on the first worker
// lcore (the main lcore if there is none) and polls no rx queue. Loops
// that cfg.Lcores gives rx queues count and drop what they receive.
//
// The frames sent are the ports' TxPackets (and LoopTxBytes: a generator
// always counts bytes) in the Result; with a Count
// and ports that take every frame, their sum is exactly Count.
func Generate(ctx context.Context, cfg Config, gc GenConfig) (Result, error) {
	if cfg.Burst == 0 {
		cfg.Burst = defaultBurst
	}
	// A generator's frames are counted in bytes too: it builds every
	// one of them anyway, and rates in Gbit/s are what users ask of it.
	cfg.CountBytes = true
	g, err := newGenerator(&cfg, gc)
	if err != nil {
		return Result{}, err
	}
	defer g.close()
	cfg.Source = g.source
	if err := cfg.prologue([]int{}); err != nil { // its loop polls nothing
		return Result{}, err
	}
	if err := g.setup(cfg.Lcores, gc.Count, gc.Rate); err != nil {
		return Result{}, err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g.cancel = cancel
	if gc.Duration > 0 {
		cfg.OnReady = startTimer(cfg.OnReady, gc.Duration, cancel)
	}
	return Run(ctx, cfg, RxOnly)
}

// startTimer wraps an OnReady hook to cancel the run d after the loops
// start (rather than counting the set-up time).
func startTimer(prev func([]*port.Port) error, d time.Duration, cancel context.CancelFunc) func([]*port.Port) error {
	return func(ports []*port.Port) error {
		if prev != nil {
			if err := prev(ports); err != nil {
				return err
			}
		}
		time.AfterFunc(d, cancel)
		return nil
	}
}

// newGenerator checks gc against cfg (which it may give a larger
// DataRoom for big frames) and prepares the template.
func newGenerator(cfg *Config, gc GenConfig) (*generator, error) {
	if len(cfg.Ports) == 0 {
		return nil, cfgErr("no ports")
	}
	tmpl := gc.Template // a copy: Prepare writes to it
	if err := tmpl.Prepare(); err != nil {
		return nil, cfgErr("frame size %d: must be 42 to 65549 bytes (%v)", gc.Template.FrameSize, err)
	}
	room := cfg.DataRoom
	if room == 0 {
		room = mbuf.DefaultDataRoom
	}
	if need := tmpl.Len() + mbuf.Headroom; need > room {
		if cfg.DataRoom != 0 && cfg.DataRoom != mbuf.DefaultDataRoom {
			return nil, cfgErr("frame size %d does not fit DataRoom %d (it needs %d with the %d-byte headroom)", tmpl.Len(), cfg.DataRoom, need, mbuf.Headroom)
		}
		if need > 0xffff {
			return nil, cfgErr("frame size %d: an mbuf holds at most %d bytes", tmpl.Len(), 0xffff-mbuf.Headroom)
		}
		cfg.DataRoom = need
	}
	ports := gc.Ports
	if ports == nil {
		for i := range cfg.Ports {
			ports = append(ports, i)
		}
	}
	if len(ports) == 0 {
		return nil, cfgErr("GenConfig.Ports is empty")
	}
	for _, p := range ports {
		if p < 0 || p >= len(cfg.Ports) {
			return nil, cfgErr("generator port %d: there are %d ports (0 to %d)", p, len(cfg.Ports), len(cfg.Ports)-1)
		}
	}
	if gc.SrcPorts < 0 || gc.SrcPorts > 65536 {
		return nil, cfgErr("SrcPorts %d: must be 0 to 65536", gc.SrcPorts)
	}
	g := &generator{
		tmpl:     &tmpl,
		ports:    ports,
		burst:    cfg.Burst,
		srcPort:  gc.SrcPort,
		srcPorts: max(gc.SrcPorts, 1),
		lcores:   make([]*genLcore, eal.MaxLcore),
	}
	if g.srcPort == 0 {
		g.srcPort = 1024
	}
	return g, nil
}

// setup gives every loop its state: an allocation burst, and its share
// of count and of rate.
func (g *generator) setup(lcores []LcoreConfig, count, rate uint64) error {
	n := uint64(len(lcores))
	if rate > 0 && rate < n {
		return cfgErr("rate %d frames/s is too low to share over %d lcores", rate, n)
	}
	for i, l := range lcores {
		if l.Lcore >= eal.MaxLcore {
			return cfgErr("lcore %d is out of range", l.Lcore)
		}
		b, err := mbuf.NewBurst(g.burst)
		if err != nil {
			return fmt.Errorf("app: %w", err)
		}
		s := &genLcore{alloc: b, remaining: ^uint64(0), room: make([]int, len(g.ports)), quota: make([]int, len(g.ports))}
		g.lcores[l.Lcore] = s
		if count > 0 {
			s.remaining = count / n
			if uint64(i) < count%n {
				s.remaining++
			}
		}
		r := rate / n
		if uint64(i) < rate%n {
			r++
		}
		s.bucket = newTokenBucket(r, g.burst)
		if s.remaining == 0 { // fewer frames than loops
			s.done = true
			continue
		}
		g.live++
	}
	return nil
}

func (g *generator) close() {
	for _, s := range g.lcores {
		if s != nil {
			s.alloc.Close()
		}
	}
}

// source is the per-turn Source: fill each generator port's tx queue
// with up to a burst of new frames.
func (g *generator) source(c *Ctx) {
	s := g.lcores[c.lcore]
	if s == nil || s.done {
		return
	}
	// The frames of a turn are dealt over the ports one by one, round
	// robin, carrying on where the last turn stopped: however few frames
	// the rate allows a turn, no port is favoured, and every port's count
	// stays within a frame of the others' (tx queues that stay full aside).
	np := len(g.ports)
	want := 0
	for k, p := range g.ports {
		s.room[k] = min(g.burst, c.TxRoom(p))
		want += s.room[k]
	}
	if s.remaining < uint64(want) {
		want = int(s.remaining)
	}
	total := s.bucket.take(want)
	for k := range s.quota {
		s.quota[k] = 0
	}
	for dealt, k, idle := 0, s.next, 0; dealt < total && idle < np; k = (k + 1) % np {
		if s.quota[k] == s.room[k] {
			idle++
			continue
		}
		idle = 0
		s.quota[k]++
		dealt++
		s.next = (k + 1) % np
	}
	for k, p := range g.ports {
		n := s.quota[k]
		if n == 0 {
			continue
		}
		// The error of a failed bulk alloc is only built on that rare
		// path (a pool run dry); the port is skipped and retried next turn.
		if s.alloc.Alloc(c.pool, n) != nil {
			continue
		}
		sent := 0
		for _, m := range s.alloc.Pkts() {
			b, err := m.Append(g.tmpl.Len())
			if err == nil {
				_, err = g.tmpl.Build(b, g.srcPort+uint16(s.flow))
			}
			if err != nil || !c.Inject(m, p) {
				break
			}
			if s.flow++; s.flow == g.srcPorts {
				s.flow = 0
			}
			sent++
		}
		if sent < n {
			s.alloc.Consume(sent)
			s.alloc.Free() // cannot happen with the room checked; never leak
		}
		s.alloc.Clear()
		s.bucket.spend(sent)
		s.remaining -= uint64(sent)
		if s.remaining == 0 {
			s.done = true
			if int(g.finished.Add(1)) == g.live {
				g.cancel() // every loop is done: the flush sends what is queued
			}
			return
		}
	}
}
