package app

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/eal/ealtest"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt"
	"github.com/zcnic/zcnic/pkt/testpkts"
)

// pipelineLcores returns the two lcores of a pipeline test: rx on the
// main lcore, the worker on the first worker lcore.
func pipelineLcores(t *testing.T) (rx, work uint) {
	t.Helper()
	w := eal.Workers()
	if len(w) == 0 {
		t.Skip("needs a worker lcore (2 CPUs)")
	}
	return eal.MainLcore(), w[0]
}

// checkRings asserts that every packet handed to a ring came out of it.
func checkRings(t *testing.T, res Result) (in uint64) {
	t.Helper()
	var out uint64
	for _, l := range res.Lcores {
		in += l.RingIn
		out += l.RingOut
	}
	assert.Equal(t, out, in, "every packet handed to a ring was received from it")
	return in
}

// A pcap goes through a two-stage pipeline: the rx lcore spreads its
// bursts by flow over two rings, the worker lcore polls both, swaps MACs
// and transmits. Every packet comes out once, swapped, and every flow
// keeps its order.
func TestPipelinePcap(t *testing.T) {
	rxl, wl := pipelineLcores(t)
	in, err := testpkts.Mixed()
	require.NoError(t, err)
	ports, outPath := pcapPair(t, in)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := Config{
		Ports:  ports,
		Lcores: []LcoreConfig{{Lcore: rxl, Rx: []Queue{{0, 0}, {1, 0}}, NoTx: true}, {Lcore: wl}},
		Rings:  []RingConfig{{From: []uint{rxl}, To: wl, Size: 64}, {From: []uint{rxl}, To: wl}},
	}
	untilTx(&cfg, uint64(len(in)), cancel)
	var onWorker, fromRing [2]int // packets, by ring
	fw, err := NewForwarder(len(cfg.Ports), FwdConfig{Mode: MacSwap, Peers: []int{1, 0}})
	work := fw.Handler
	require.NoError(t, err)
	res, err := Run(ctx, cfg, Spread([]int{0, 1}, func(c *Ctx, pkts []*mbuf.Mbuf) {
		// Spread calls this for ring bursts only.
		if c.Lcore() == wl {
			onWorker[c.FromRing()] += len(pkts)
		}
		for _, m := range pkts {
			if c.InputPort(m) >= 0 {
				fromRing[c.FromRing()]++
			}
		}
		work(c, pkts)
	}))
	require.NoError(t, err)
	require.NotErrorIs(t, ctx.Err(), context.DeadlineExceeded, "the run timed out")
	checkBalanced(t, res)
	assert.Equal(t, uint64(len(in)), checkRings(t, res))
	assert.Positive(t, onWorker[0], "flows went to ring 0")
	assert.Positive(t, onWorker[1], "flows went to ring 1")
	assert.Equal(t, onWorker, fromRing, "InputPort knows every packet's port")

	out, err := testpkts.ReadPcap(outPath)
	require.NoError(t, err)
	require.Len(t, out, len(in))
	// Each input, swapped, comes out exactly once; within a flow (one
	// ring) in order.
	want := make([][]byte, len(in))
	for i, b := range in {
		want[i] = slices.Clone(b)
		require.NoError(t, pkt.SwapMACs(want[i]))
	}
	sorted := func(s [][]byte) [][]byte {
		s = slices.Clone(s)
		slices.SortFunc(s, bytes.Compare)
		return s
	}
	assert.Equal(t, sorted(want), sorted(out), "every packet once, MACs swapped")
	pool := ealtest.Pool(t, 63, 0)
	byFlow := func(s [][]byte) map[uint32][][]byte {
		m := map[uint32][][]byte{}
		for _, b := range s {
			h := flowHashBytes(t, pool, b)
			m[h] = append(m[h], b)
		}
		return m
	}
	assert.Equal(t, byFlow(want), byFlow(out), "each flow keeps its order")
}

// flowHashBytes is FlowHash of a frame, through an mbuf of pool.
func flowHashBytes(t *testing.T, pool *mbuf.Pool, b []byte) uint32 {
	t.Helper()
	m := pool.Alloc()
	require.NotNil(t, m)
	defer m.Free()
	d, err := m.Append(len(b))
	require.NoError(t, err)
	copy(d, b)
	return FlowHash(m)
}

// Cancelled under full traffic, a pipeline stops promptly: the rx loop
// stops receiving, the worker drains the rings, and the counters add
// up, with every mbuf back in the pool.
func TestPipelineCancelUnderTraffic(t *testing.T) {
	rxl, wl := pipelineLcores(t)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{
		Ports:  []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}},
		Lcores: []LcoreConfig{{Lcore: rxl, Rx: []Queue{{0, 0}, {1, 0}}}, {Lcore: wl}},
		Rings:  []RingConfig{{From: []uint{rxl}, To: wl}},
	}
	var cancelled time.Time
	cfg.StatsInterval = 20 * time.Millisecond
	cfg.OnStats = func(s Snapshot) {
		if s.Lcores[1].RingIn > 100000 && cancelled.IsZero() {
			cancelled = time.Now()
			cancel()
		}
	}
	fw, err := NewForwarder(len(cfg.Ports), FwdConfig{Mode: MacSwap})
	work := fw.Handler
	require.NoError(t, err)
	res, err := Run(ctx, cfg, Spread([]int{0}, work))
	stopped := time.Now()
	require.NoError(t, err)
	require.False(t, cancelled.IsZero(), "traffic flowed through the ring")
	assert.Less(t, stopped.Sub(cancelled), time.Second, "Run returns promptly after cancel")
	checkBalanced(t, res)
	assert.Greater(t, checkRings(t, res), uint64(100000))
	assert.Zero(t, res.Lcores[0].Ports[0].Forwarded, "the rx lcore forwards nothing itself")
	assert.Positive(t, res.Lcores[1].Ports[0].Forwarded, "the worker forwards port 0's packets")
}

// A worker that panics ends the run with the panic as the error; what
// was in the ring, and what the rx loop could not hand over, is freed.
func TestPipelineWorkerPanic(t *testing.T) {
	rxl, wl := pipelineLcores(t)
	cfg := Config{
		Ports:  []PortConfig{{Device: dev("net_null")}},
		Lcores: []LcoreConfig{{Lcore: rxl, Rx: []Queue{{0, 0}}}, {Lcore: wl}},
		Rings:  []RingConfig{{From: []uint{rxl}, To: wl, Size: 256}},
	}
	n := 0
	res, err := Run(context.Background(), cfg, Spread([]int{0}, func(c *Ctx, pkts []*mbuf.Mbuf) {
		if n += len(pkts); n > 5000 {
			panic("worker bug")
		}
		c.SendAll(len(pkts), 0)
	}))
	var pe *eal.PanicError
	require.True(t, errors.As(err, &pe), "got %v", err)
	assert.Equal(t, "worker bug", pe.Value)
	assert.Zero(t, res.Leaked, "every mbuf is back in the pool")
}

// A loop can only fill the rings it is a producer of.
func TestToRingNotAProducer(t *testing.T) {
	rxl, wl := pipelineLcores(t)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{
		Ports:  []PortConfig{{Device: dev("net_null")}},
		Lcores: []LcoreConfig{{Lcore: rxl, Rx: []Queue{{0, 0}}}, {Lcore: wl}},
		Rings:  []RingConfig{{From: []uint{rxl}, To: wl}},
	}
	cfg.StatsInterval = 5 * time.Millisecond
	cfg.OnStats = func(s Snapshot) {
		if s.Lcores[1].RingIn > 10000 {
			cancel()
		}
	}
	res, err := Run(ctx, cfg, func(c *Ctx, pkts []*mbuf.Mbuf) {
		for i := range pkts {
			c.ToRing(i, 0) // fine on the rx lcore; no route on the worker
		}
	})
	require.NoError(t, err)
	checkBalanced(t, res)
	checkRings(t, res)
	assert.Equal(t, res.Lcores[1].RingIn, res.Lcores[1].Drops[DropNoRoute])
}

func TestPipelineBadConfig(t *testing.T) {
	nulls := []PortConfig{{Device: "net_null0"}}
	two := []LcoreConfig{{Lcore: 0, Rx: []Queue{{0, 0}}}, {Lcore: 1}}
	for name, c := range map[string]struct {
		cfg  Config
		want string
	}{
		"no lcores":      {Config{Ports: nulls, Rings: []RingConfig{{From: []uint{0}, To: 1}}}, "Rings need Lcores"},
		"unknown To":     {Config{Ports: nulls, Lcores: two, Rings: []RingConfig{{From: []uint{0}, To: 5}}}, "To lcore 5 is not one of Lcores"},
		"unknown From":   {Config{Ports: nulls, Lcores: two, Rings: []RingConfig{{From: []uint{7}, To: 1}}}, "From lcore 7 is not one of Lcores"},
		"no From":        {Config{Ports: nulls, Lcores: two, Rings: []RingConfig{{To: 1}}}, "no From lcore"},
		"self":           {Config{Ports: nulls, Lcores: two, Rings: []RingConfig{{From: []uint{1}, To: 1}}}, "both fills and polls"},
		"cycle":          {Config{Ports: nulls, Lcores: two, Rings: []RingConfig{{From: []uint{0}, To: 1}, {From: []uint{1}, To: 0}}}, "cycle"},
		"size":           {Config{Ports: nulls, Lcores: two, Rings: []RingConfig{{From: []uint{0}, To: 1, Size: -3}}}, "Size -3"},
		"worker no ring": {Config{Ports: nulls, Lcores: two}, "lcore 1 polls no queue and no ring"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Run(context.Background(), c.cfg, RxOnly)
			require.ErrorIs(t, err, ErrConfig)
			assert.ErrorContains(t, err, c.want)
		})
	}
}

// A pipeline turn, on either side of the ring, allocates nothing.
func TestPipelineStepAllocatesNothing(t *testing.T) {
	cfg := Config{
		Ports:  []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}},
		Lcores: []LcoreConfig{{Lcore: 0, Rx: []Queue{{0, 0}, {1, 0}}}, {Lcore: 1}},
		Rings:  []RingConfig{{From: []uint{0}, To: 1}, {From: []uint{0}, To: 1}},
	}
	require.NoError(t, cfg.normalize())
	fw, err := NewForwarder(len(cfg.Ports), FwdConfig{Mode: FiveTupleSwap})
	work := fw.Handler
	require.NoError(t, err)
	h := Spread([]int{0, 1}, work)
	r := &runner{cfg: cfg}
	require.NoError(t, r.setup())
	rx, w := r.ctxs[0], r.ctxs[1]
	allocs := testing.AllocsPerRun(1000, func() {
		rx.step(h)
		w.step(h)
	})
	rx.flush()
	rx.doneProducing()
	w.drain(h)
	w.flush()
	assert.Zero(t, allocs, "a pipeline turn allocates nothing")
	assert.Positive(t, w.counters().RingIn)
	require.NoError(t, r.teardown())
	assert.Zero(t, r.leaked)
}

func TestFlowHash(t *testing.T) {
	frames, err := testpkts.Mixed()
	require.NoError(t, err)
	pool := ealtest.Pool(t, 63, 0)
	distinct := map[uint32]bool{}
	for i, b := range frames {
		var p pkt.Parsed
		if pkt.Parse(b, &p) != nil || p.L4Len == 0 {
			continue
		}
		h := flowHashBytes(t, pool, b)
		distinct[h] = true
		rev := slices.Clone(b)
		require.NoError(t, pkt.SwapFiveTuple(rev, &p))
		assert.Equal(t, h, flowHashBytes(t, pool, rev), "frame %d: both directions of a flow hash alike", i)
	}
	assert.Greater(t, len(distinct), 10, "flows spread")
	assert.Zero(t, flowHashBytes(t, pool, []byte{1, 2, 3}), "not IP: 0")

	m := pool.Alloc()
	defer m.Free()
	_, err = m.Append(60)
	require.NoError(t, err)
	m.SetRSSHash(0xabcd)
	m.SetOlFlags(mbuf.RxRSSHash)
	assert.Equal(t, uint32(0xabcd), FlowHash(m), "the NIC's hash when there is one")
}

// A pipeline whose worker is slower than its rx stage pushes back: the
// rx stage stops polling its queue while the ring is full, instead of
// dropping what it received, so a pcap replay loses nothing.
func TestPipelineBackPressure(t *testing.T) {
	rxl, wl := pipelineLcores(t)
	mixed, err := testpkts.Mixed()
	require.NoError(t, err)
	var in [][]byte
	for len(in) < 20000 {
		in = append(in, mixed...)
	}
	ports, outPath := pcapPair(t, in)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := Config{
		Ports:  ports,
		Lcores: []LcoreConfig{{Lcore: rxl, Rx: []Queue{{0, 0}}, NoTx: true}, {Lcore: wl}},
		Rings:  []RingConfig{{From: []uint{rxl}, To: wl, Size: 64}},
	}
	untilTx(&cfg, uint64(len(in)), cancel)
	fw, err := NewForwarder(len(cfg.Ports), FwdConfig{Mode: IO, Peers: []int{1, 0}})
	work := fw.Handler
	require.NoError(t, err)
	res, err := Run(ctx, cfg, Spread([]int{0}, func(c *Ctx, pkts []*mbuf.Mbuf) {
		// A slow worker: about 2 µs a packet.
		for end := time.Now().Add(time.Duration(len(pkts)) * 2 * time.Microsecond); time.Now().Before(end); {
		}
		work(c, pkts)
	}))
	require.NoError(t, err)
	require.NotErrorIs(t, ctx.Err(), context.DeadlineExceeded, "the run timed out")
	checkBalanced(t, res)
	assert.Equal(t, uint64(len(in)), checkRings(t, res))
	assert.Zero(t, res.Drops()[DropTxFull], "nothing dropped at the ring")
	assert.Equal(t, uint64(len(in)), res.Ports[0].Forwarded)
	var held uint64
	for _, l := range res.Lcores {
		held += l.Held
	}
	assert.Positive(t, held, "the rx stage waited for the ring")
	out, err := testpkts.ReadPcap(outPath)
	require.NoError(t, err)
	assert.Len(t, out, len(in))
}
