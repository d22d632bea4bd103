package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/flow"
	"github.com/zcnic/zcnic/internal/pcapfile"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/port"
	"github.com/zcnic/zcnic/ring"
)

// Result is what a run did.
type Result struct {
	Snapshot
	// Leaked is how many mbufs were not back in the pool at the end:
	// kept by a handler and never freed, or held by a driver. It
	// should be 0.
	Leaked int
	// Idle says the run ended at the end of its input
	// (Config.StopWhenIdle), not because its context was done.
	Idle bool
	// Loops are the loops as they ran, in Config.Lcores order: which
	// queues each polled and which tx queue it had.
	Loops []Loop
	// Queues are the ports' queues as they ran, indexed like Ports:
	// counts, the RSS hash functions the driver took, and the driver's
	// packets per queue at the end of the run.
	Queues []PortQueues
}

// Loop is one loop of a run: its lcore, the rx queues it polled, and
// the tx queue it transmitted on, the same number on every port (-1
// for a loop with NoTx).
type Loop struct {
	Lcore   uint
	Rx      []Queue
	TxQueue int
}

// PortQueues is one port's queue set-up in a run, and its driver's
// per-queue counters at the end.
type PortQueues struct {
	RxQueues, TxQueues int
	// RSSHash is what the driver reports it hashes on (port.RSSIP, ...
	// bits; port.RSSNames names them): 0 with one rx queue, or where
	// the driver offers no RSS (it may spread packets its own way, as
	// net_af_packet's kernel fanout does).
	RSSHash uint64
	// RxPackets and TxPackets are the driver's packets per queue
	// (port.QueueStats); nil if it could not be read.
	RxPackets, TxPackets []uint64
}

// runner is one Run's state.
type runner struct {
	cfg    Config
	pool   *mbuf.Pool
	ports  []*port.Port
	ctxs   []*Ctx
	rings  []*pipeRing
	start  time.Time
	pauses *pauseWatch // the Go runtime's pauses since start
	leaked int
	// bindings are the ports' flow rules on their ports, by port index
	// (nil where a port has none).
	bindings []*flow.Binding
	// dev rebases each port's driver counters across resets.
	devMu sync.Mutex
	dev   []devRebase
	dbg   *debugRun // Config.Debug's checks, or nil
}

// Run sets up the EAL (if it is not running), the mbuf pool and the
// ports, runs h on every configured lcore until ctx is done, then stops:
// the loops end within a turn, flush what is in flight, the ports are
// stopped and closed, and the pool is checked to be full and freed.
//
// Run returns the final counters, and an error if set-up failed, a loop
// failed (a panic in h comes back as an *eal.PanicError) or mbufs leaked.
func Run(ctx context.Context, cfg Config, h Handler) (Result, error) {
	if h == nil {
		return Result{}, cfgErr("nil handler")
	}
	slot, err := acquireRun(&cfg)
	if err != nil {
		return Result{}, err
	}
	if err := cfg.prologue(nil); err != nil {
		slot.release(nil)
		return Result{}, err
	}
	r := &runner{cfg: cfg}
	if err := r.setup(); err != nil {
		r.teardown()
		slot.release(nil)
		return Result{}, err
	}
	return r.run(ctx, h, slot)
}

func (r *runner) setup() error {
	cfg := &r.cfg
	enabled := map[uint]bool{}
	for _, l := range eal.Lcores() {
		enabled[l.ID] = true
	}
	for _, l := range cfg.Lcores {
		if !enabled[l.Lcore] {
			return cfgErr("lcore %d is not enabled in the EAL (lcores: %v)", l.Lcore, eal.Lcores())
		}
	}

	// Open or attach ports first: their limits size the pool.
	rxDesc := make([]int, len(cfg.Ports))
	txDesc := make([]int, len(cfg.Ports))
	for i, pc := range cfg.Ports {
		p, err := port.Open(pc.Device)
		if err != nil {
			if p, err = port.Attach(pc.Device); err != nil {
				return fmt.Errorf("app: port %d (%s): %w", i, pc.Device, err)
			}
		}
		r.ports = append(r.ports, p)
		rxDesc[i], txDesc[i] = orDefault(pc.RxDesc, 512), orDefault(pc.TxDesc, 512)
	}
	count := cfg.poolSize(rxDesc, txDesc)
	if cfg.PoolSize == 0 {
		count = growPool(count, r.replayHeld())
	}
	pool, err := mbuf.NewPool(mbuf.PoolConfig{
		Name:     fmt.Sprintf("%s_%d", cfg.Name, poolSeq.Add(1)),
		Count:    count,
		Cache:    cfg.PoolCache,
		DataRoom: cfg.DataRoom,
		Socket:   mbuf.SocketAny,
	})
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	r.pool = pool

	for i := range r.ports {
		if err := r.configurePort(i, rxDesc[i], txDesc[i]); err != nil {
			// The devargs beside it: a driver that takes a bad value
			// without a word (net_null's size=x) fails only here.
			dev := cfg.Ports[i].Device
			if a := r.ports[i].DevArgs(); a != "" {
				dev = r.ports[i].Name() + "," + a
			}
			return fmt.Errorf("app: port %d (%s): %w", i, dev, err)
		}
	}

	if cfg.Debug {
		r.dbg = newDebugRun()
	}
	seq := poolSeq.Add(1)
	for i, rc := range cfg.Rings {
		flags := ring.SingleConsumer | ring.ExactSize
		if len(rc.From) == 1 {
			flags |= ring.SingleProducer
		}
		rg, err := ring.New(fmt.Sprintf("%s_%d_r%d", cfg.Name, seq, i), rc.Size, ring.SocketAny, flags)
		if err != nil {
			return fmt.Errorf("app: Rings[%d]: %w", i, err)
		}
		pr := &pipeRing{r: rg}
		pr.producers.Store(int32(len(rc.From)))
		r.rings = append(r.rings, pr)
	}
	txq := 0
	for _, l := range cfg.Lcores {
		c, err := r.newCtx(l, txq)
		if !l.NoTx {
			txq++
		}
		if err != nil {
			return err
		}
		r.ctxs = append(r.ctxs, c)
	}
	for i, p := range r.ports {
		if err := p.Start(); err != nil {
			return fmt.Errorf("app: port %d: %w", i, err)
		}
	}
	if err := r.bindRules(); err != nil {
		return err
	}
	if cfg.OnReady != nil {
		if err := cfg.OnReady(r.ports); err != nil {
			return fmt.Errorf("app: OnReady: %w", err)
		}
	}
	return nil
}

// configurePort configures port i of the run (queues, descriptors, the
// pool, PortConfig's settings) before it starts: the one place where a
// port is set up from its PortConfig.
func (r *runner) configurePort(i, rxDesc, txDesc int) error {
	cfg, pc := &r.cfg, r.cfg.Ports[i]
	rss := pc.RSSHash
	if cfg.rxQueues(i) == 1 {
		rss = 0
	}
	return r.ports[i].Configure(port.Config{
		RxQueues: cfg.rxQueues(i), TxQueues: max(cfg.txLoops(), 1),
		RxDesc: rxDesc, TxDesc: txDesc, Pool: r.pool,
		MTU: pc.MTU, Promiscuous: pc.Promiscuous, RSSHash: rss, TxOffloads: pc.TxOffloads,
	})
}

var poolSeq atomic.Int64

// bindRules puts each port's flow rules on the port, and gives every
// loop that polls the port its slot: its rx sources of that port run
// the software rules on each vector.
func (r *runner) bindRules() error {
	r.bindings = make([]*flow.Binding, len(r.ports))
	for i, pc := range r.cfg.Ports {
		if pc.Rules == nil {
			continue
		}
		var loops []*Ctx
		for _, c := range r.ctxs {
			for _, s := range c.srcs[:c.nq] {
				if s.q.Port == i {
					loops = append(loops, c)
					break
				}
			}
		}
		b, err := pc.Rules.Bind(r.ports[i].ID(), r.cfg.rxQueues(i), len(loops), r.cfg.Vector)
		if err != nil {
			return fmt.Errorf("app: port %d: %w", i, err)
		}
		r.bindings[i] = b
		for slot, c := range loops {
			c.rules = append(c.rules, loopRules{b: b, slot: slot})
			for _, s := range c.srcs[:c.nq] {
				if s.q.Port == i {
					s.s.setRules(flow.ClassifyFunc(), b.Loop(slot))
				}
			}
		}
	}
	return nil
}

// replayHeld is how many mbufs the ports keep for themselves outside
// their descriptors: a net_pcap port with infinite_rx=1 loads every
// packet of its rx_pcap files (one per rx queue) into mbufs at setup.
// A file that cannot be read counts 0 here; Configure says why.
func (r *runner) replayHeld() int {
	n := 0
	for i, p := range r.ports {
		if in, err := p.Info(); err != nil || in.Driver != "net_pcap" {
			continue
		}
		a := pcapfile.ParseNetPcapArgs(p.DevArgs())
		if !a.InfiniteRx {
			continue
		}
		for q := 0; q < r.cfg.rxQueues(i) && q < len(a.RxPcap); q++ {
			if in, err := pcapfile.Scan(a.RxPcap[q]); err == nil {
				n += in.Records
			}
		}
	}
	return n
}

// growPool adds extra mbufs to an automatic pool size, keeping it
// 2^k-1.
func growPool(size, extra int) int {
	if extra == 0 {
		return size
	}
	n := size + extra
	size = 1
	for size-1 < n {
		size <<= 1
	}
	return size - 1
}

func orDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

func (r *runner) newCtx(l LcoreConfig, txq int) (*Ctx, error) {
	c := &Ctx{lcore: l.Lcore, ports: r.ports, pool: r.pool, source: r.cfg.Source, rings: r.rings, cur: &noSource}
	nsrc := len(l.Rx) + len(r.cfg.ringsTo(l.Lcore))
	if nsrc > maxSrc {
		return nil, cfgErr("lcore %d polls %d queues and rings: at most %d", l.Lcore, nsrc, maxSrc)
	}
	t := newTurn(&c.mem, r.cfg.Burst, r.cfg.Vector, r.cfg.CountBytes)
	c.turn = t
	t.setLatency(r.cfg.Latency)
	for i, p := range r.ports {
		t.setPortIndex(p.ID(), i)
	}
	// A tx queue takes a few bursts of every source before it counts
	// packets as tx_full.
	txCap := min(max(4*r.cfg.Vector, 2*nsrc*r.cfg.Vector), mbuf.MaxBurst)
	if !l.NoTx {
		for i, p := range r.ports {
			c.txv = append(c.txv, t.addTx(&c.mem, i, p.ID(), uint16(txq), p.BurstLock(), txCap))
		}
	}
	c.fills = make([]bool, len(r.rings))
	for i, rc := range r.cfg.Rings {
		if slices.Contains(rc.From, l.Lcore) {
			c.fills[i] = true
			t.addRing(&c.mem, i, r.rings[i].r.Ptr(), txCap)
		}
	}
	t.setNRings(len(r.rings))
	add := func(src source, in int, id, queue uint16, lock, ring unsafe.Pointer) {
		src.s, src.pkts, src.v = t.addSrc(&c.mem, in, id, queue, lock, ring)
		c.srcs = append(c.srcs, src)
	}
	for _, q := range l.Rx {
		add(source{q: q, ring: -1}, q.Port, r.ports[q.Port].ID(), uint16(q.Queue), r.ports[q.Port].BurstLock(), nil)
	}
	c.nq = len(c.srcs)
	for _, ri := range r.cfg.ringsTo(l.Lcore) {
		add(source{q: Queue{-1, -1}, ring: ri}, -1, 0, 0, nil, r.rings[ri].r.Ptr())
	}
	t.setDrop(&c.mem)
	c.pub = c.counters()
	if r.dbg != nil {
		r.dbg.newCtx(c, r.cfg.Vector)
	}
	return c, nil
}

// run runs the loops until ctx is done (or the run ends otherwise),
// tears the run down and releases slot; or, if a loop does not stop
// within StopTimeout, abandons the run and leaves both to a late
// teardown once the stuck loops return.
func (r *runner) run(ctx context.Context, h Handler, slot *runSlot) (Result, error) {
	var stop atomic.Bool
	results := make(chan loopDone, len(r.ctxs))
	r.start = time.Now()
	r.pauses = newPauseWatch()
	if r.dbg != nil {
		r.dbg.install()
	}
	tel := r.publishTelemetry()
	running := map[uint]bool{}
	var launchErr error
	for _, c := range r.ctxs {
		c := c
		fn := func() error { return c.loop(&stop, h) }
		if c.lcore == eal.MainLcore() {
			go func() { results <- loopDone{c.lcore, eal.RunOnMain(fn)} }()
		} else {
			job, err := eal.Launch(c.lcore, fn)
			if err != nil {
				launchErr = fmt.Errorf("app: %w", err)
				break
			}
			go func() { results <- loopDone{c.lcore, job.Wait()} }()
		}
		running[c.lcore] = true
	}

	var tick <-chan time.Time
	if r.cfg.OnStats != nil && r.cfg.StatsInterval > 0 && launchErr == nil {
		t := time.NewTicker(r.cfg.StatsInterval)
		defer t.Stop()
		tick = t.C
	}
	var errs []error
	// stopAll ends every loop; the first call starts the StopTimeout.
	var deadline <-chan time.Time
	stopAll := func() {
		stop.Store(true)
		if deadline == nil && r.cfg.StopTimeout > 0 {
			deadline = time.After(r.cfg.StopTimeout)
		}
	}
	if launchErr != nil {
		errs = append(errs, launchErr)
		stopAll()
	}
	var misuse <-chan struct{}
	if r.dbg != nil {
		misuse = r.dbg.failed
	}
	idle, idleTick := r.newIdleWatch()
	var ended bool
	for len(running) > 0 {
		select {
		case <-ctx.Done():
			stopAll()
			ctx = context.Background() // stop once; then wait for the loops
		case <-misuse:
			stopAll()
			misuse = nil
		case <-idleTick:
			if !ended && idle.ended(r.rxPackets()) {
				ended = true
				stopAll()
			}
		case <-tick:
			r.cfg.OnStats(r.snapshot())
		case d := <-results:
			delete(running, d.lcore)
			if d.err != nil {
				errs = append(errs, fmt.Errorf("app: lcore %d: %w", d.lcore, d.err))
			}
			stopAll() // one loop ended: end them all
		case <-deadline:
			return r.abandon(running, results, tel, slot, idle, ended, errs)
		}
	}
	if r.dbg != nil {
		r.dbg.uninstall()
		errs = append(r.dbg.errors(), errs...)
	}
	r.drainRings()
	res := Result{Snapshot: r.snapshot()}
	res.Loops, res.Queues = r.layout()
	clearTelemetry(tel) // before teardown frees the counters
	if err := r.teardown(); err != nil {
		errs = append(errs, err)
	}
	slot.release(nil)
	res.Leaked = r.leaked
	res.Idle = ended
	if idle != nil {
		idle.stop()
	}
	if res.Leaked > 0 {
		errs = append(errs, leakError(res.Leaked, res.Snapshot))
	}
	return res, errors.Join(errs...)
}

// loopDone is a loop's end: its lcore and its error.
type loopDone struct {
	lcore uint
	err   error
}

// abandon is the end of a run whose loops on the lcores of stuck did not
// stop in time (see StopTimeoutError): it returns the counters so far and
// the error at once, and leaves the teardown, which would pull the ports
// and the loops' memory from under a stuck loop that wakes up, to a
// goroutine that waits for those loops to return. The run slot stays
// held until then.
func (r *runner) abandon(stuck map[uint]bool, results <-chan loopDone, tel uint64, slot *runSlot, idle *idleWatch, ended bool, errs []error) (Result, error) {
	var lcores []uint
	for l := range stuck {
		lcores = append(lcores, l)
	}
	slices.Sort(lcores)
	slot.abandon(lcores)
	if idle != nil {
		idle.stop()
	}
	res := Result{Snapshot: r.snapshot(), Idle: ended}
	res.Loops = r.layoutLoops()
	if r.dbg != nil {
		errs = append(r.dbg.errors(), errs...)
	}
	errs = append(errs, &StopTimeoutError{Lcores: lcores, Timeout: r.cfg.StopTimeout})
	go func() {
		for range lcores {
			<-results
		}
		if r.dbg != nil {
			r.dbg.uninstall()
		}
		r.drainRings()
		clearTelemetry(tel)
		err := r.teardown()
		if err == nil && r.leaked > 0 {
			err = fmt.Errorf("app: abandoned run: %d mbufs were not returned to the pool", r.leaked)
		}
		slot.release(err)
	}()
	return res, errors.Join(errs...)
}

// layout describes the loops and the ports' queues as they ran; the
// ports are still started.
func (r *runner) layout() ([]Loop, []PortQueues) {
	loops := r.layoutLoops()
	qs := make([]PortQueues, len(r.ports))
	for i, p := range r.ports {
		q := PortQueues{RxQueues: r.cfg.rxQueues(i), TxQueues: max(r.cfg.txLoops(), 1)}
		if q.RxQueues > 1 {
			q.RSSHash, _ = p.RSSHash() // unreadable reads as none
		}
		if st, err := p.QueueStats(); err == nil {
			q.RxPackets, q.TxPackets = st.RxPackets, st.TxPackets
		}
		qs[i] = q
	}
	return loops, qs
}

// layoutLoops describes the loops as they ran.
func (r *runner) layoutLoops() []Loop {
	var loops []Loop
	txq := 0
	for _, l := range r.cfg.Lcores {
		lp := Loop{Lcore: l.Lcore, Rx: slices.Clone(l.Rx), TxQueue: -1}
		if !l.NoTx {
			lp.TxQueue = txq
			txq++
		}
		loops = append(loops, lp)
	}
	return loops
}

// leakError says how many mbufs did not come back and who may hold them:
// the handler, if it kept packets, and otherwise a driver, since the
// loops' own bursts are freed and every port closed by then.
func leakError(leaked int, s Snapshot) error {
	var kept uint64
	for _, p := range s.Ports {
		kept += p.Kept
	}
	if kept == 0 {
		return fmt.Errorf("app: %d mbufs were not returned to the pool: the handler kept no packet, so a driver holds them (its ports were closed and did not give them back)", leaked)
	}
	return fmt.Errorf("app: %d mbufs were not returned to the pool: the handler kept %d packets and never freed or sent some of them (or a driver holds them)", leaked, kept)
}

func (r *runner) snapshot() Snapshot {
	s := Snapshot{Elapsed: time.Since(r.start), Ports: make([]PortCounters, len(r.ports)), LoopBytes: r.cfg.CountBytes, LatencyOn: r.cfg.Latency, GoPauses: r.pauses.since()}
	for _, c := range r.ctxs {
		l := c.snapshot()
		s.Lcores = append(s.Lcores, l)
		for i := range l.Ports {
			s.Ports[i].add(l.Ports[i])
		}
	}
	if r.pool != nil {
		s.PoolSize = r.pool.Count()
		s.PoolInUse = r.pool.InUse()
	}
	for i, pc := range r.cfg.Ports {
		if pc.Rules == nil || r.bindings == nil {
			continue
		}
		if s.Rules == nil {
			s.Rules = make([][]flow.RuleStats, len(r.ports))
			s.Classify = make([]flow.ClassifyStats, len(r.ports))
		}
		s.Rules[i] = pc.Rules.Stats()
		s.Classify[i] = pc.Rules.Classify()
	}
	s.Devices = make([]DevCounters, len(r.ports))
	r.devMu.Lock()
	if len(r.dev) != len(r.ports) {
		r.dev = make([]devRebase, len(r.ports))
	}
	for i, p := range r.ports {
		s.Devices[i] = r.dev[i].next(devCounters(p))
	}
	r.devMu.Unlock()
	return s
}

// devRebase keeps a port's driver counters growing across the driver's
// resets: a reading in which a counter went backwards is a reset (a
// counter never decreases otherwise), so what was counted before it
// becomes the base the new readings add to.
//
// A reading of all zeros is not taken for a reset at once: net_memif
// reads 0 while it has no peer (it sums over the rings of the
// connection, and there are none), then its old totals again once a
// peer connects. Such a reading is held: the counters stay where they
// were until a reading either comes back at or above them (the zeros
// were a gap, nothing is rebased) or resumes below them (a reset: they
// become the base).
type devRebase struct {
	last, base DevCounters
	resets     int
	held       bool // the last reading was all zeros after counts: last is the one before
}

// next takes a raw reading and returns it rebased.
func (d *devRebase) next(cur DevCounters) DevCounters {
	if !cur.Read {
		return cur
	}
	l := d.last
	if l.Read && l.above(cur) {
		switch {
		case cur.zero():
			d.held = true
			out := d.base.plus(l)
			out.Read, out.Resets, out.TxCut = true, d.resets, cur.TxCut
			out.Bytes = l.bytesCounted()
			return out
		default:
			d.base = d.base.plus(l)
			d.resets++
		}
	}
	d.held = false
	d.last = cur
	out := d.base.plus(cur)
	out.Read, out.Resets, out.TxCut = true, d.resets, cur.TxCut
	out.Bytes = out.bytesCounted()
	return out
}

// above says whether a counter of d is above its count in cur (cur went
// backwards).
func (d DevCounters) above(cur DevCounters) bool {
	return cur.RxPackets < d.RxPackets || cur.TxPackets < d.TxPackets || cur.RxBytes < d.RxBytes ||
		cur.TxBytes < d.TxBytes || cur.RxMissed < d.RxMissed || cur.RxErrors < d.RxErrors ||
		cur.TxErrors < d.TxErrors || cur.RxNoMbuf < d.RxNoMbuf
}

// zero says whether every counter of d reads 0.
func (d DevCounters) zero() bool {
	return d.RxPackets == 0 && d.TxPackets == 0 && d.RxBytes == 0 && d.TxBytes == 0 &&
		d.RxMissed == 0 && d.RxErrors == 0 && d.TxErrors == 0 && d.RxNoMbuf == 0
}

// bytesCounted: the driver counts bytes (some packets and no bytes says
// it does not).
func (d DevCounters) bytesCounted() bool {
	return !(d.RxPackets > 0 && d.RxBytes == 0 || d.TxPackets > 0 && d.TxBytes == 0)
}

func (d DevCounters) plus(o DevCounters) DevCounters {
	d.RxPackets += o.RxPackets
	d.TxPackets += o.TxPackets
	d.RxBytes += o.RxBytes
	d.TxBytes += o.TxBytes
	d.RxMissed += o.RxMissed
	d.RxErrors += o.RxErrors
	d.TxErrors += o.TxErrors
	d.RxNoMbuf += o.RxNoMbuf
	return d
}

// devCounters reads a port's driver counters (rte_eth_stats_get); a
// port whose driver does not answer reads as not Read.
func devCounters(p *port.Port) DevCounters {
	st, err := p.Stats()
	if err != nil {
		return DevCounters{}
	}
	return DevCounters{
		Read:      true,
		Bytes:     !(st.RxPackets > 0 && st.RxBytes == 0 || st.TxPackets > 0 && st.TxBytes == 0),
		RxPackets: st.RxPackets, TxPackets: st.TxPackets,
		RxBytes: st.RxBytes, TxBytes: st.TxBytes,
		RxMissed: st.RxMissed, RxErrors: st.RxErrors, TxErrors: st.TxErrors, RxNoMbuf: st.RxNoMbuf,
		TxCut: p.TxCut(),
	}
}

// drainRings frees what the loops left in the rings (a consumer that
// failed, or a drain that timed out), counted as dropped by the ring's
// consumer. The loops have ended.
func (r *runner) drainRings() {
	if len(r.rings) == 0 {
		return
	}
	b, err := mbuf.NewBurst(64)
	if err != nil {
		// Without a burst the rings are still freed by teardown (Drain),
		// just not counted.
		return
	}
	defer b.Close()
	for i, pr := range r.rings {
		var c *Ctx
		for _, x := range r.ctxs {
			if x.lcore == r.cfg.Rings[i].To {
				c = x
			}
		}
		for pr.r.Dequeue(b) > 0 {
			c.turn.countRingLeft(b.Pkts())
			b.Free()
		}
		c.publish()
	}
}

// teardown undoes setup, whatever stage it reached: it frees the loops'
// bursts, stops and closes the ports (which returns the mbufs in their
// descriptors), then checks that the pool is full before freeing it.
func (r *runner) teardown() error {
	var errs []error
	for _, c := range r.ctxs {
		c.release()
	}
	// The loops have ended: the rules leave their ports (the NIC's are
	// destroyed while the ports are open), their counts stay in the
	// tables.
	for i, b := range r.bindings {
		if b == nil {
			continue
		}
		if err := b.Close(); err != nil {
			errs = append(errs, fmt.Errorf("app: port %d: %w", i, err))
		}
	}
	r.bindings = nil
	for _, pr := range r.rings {
		pr.r.Drain()
		if err := pr.r.Free(); err != nil {
			errs = append(errs, fmt.Errorf("app: %w", err))
		}
	}
	r.rings = nil
	for i, p := range r.ports {
		if err := p.Close(); err != nil {
			errs = append(errs, fmt.Errorf("app: port %d: %w", i, err))
		}
	}
	if r.pool != nil {
		r.leaked = r.pool.InUse()
		if r.leaked == 0 {
			if err := r.pool.Free(); err != nil {
				errs = append(errs, fmt.Errorf("app: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}
