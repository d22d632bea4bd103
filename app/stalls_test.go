package app

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every loop times its turns: the Result has each loop's gaps, which
// add up to about the time it ran, and the Go runtime's pauses of the
// run beside them (a collection forced during the run is counted: two
// stop-the-world pauses a cycle).
func TestRunReportsStallsAndGoPauses(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}}}
	const turns = 20000
	var gcDone bool
	cfg.StatsInterval = 5 * time.Millisecond
	cfg.OnStats = func(s Snapshot) {
		if !gcDone {
			runtime.GC() // one whole cycle while the loop runs
			gcDone = true
			return
		}
		if s.Stalls().Gaps >= turns {
			cancel()
		}
	}
	res, err := Forward(ctx, cfg, FwdConfig{Mode: IO})
	require.NoError(t, err)
	checkBalanced(t, res)
	require.NotEmpty(t, res.Lcores)
	for _, l := range res.Lcores {
		st := l.Stalls
		assert.Greater(t, st.Gaps, uint64(turns/2), "lcore %d timed its turns", l.Lcore)
		assert.LessOrEqual(t, st.Gaps, l.BusyPolls+l.EmptyPolls, "a gap a turn at most")
		assert.Greater(t, st.Total, time.Duration(0))
		assert.LessOrEqual(t, st.Total, res.Elapsed, "the gaps lie within the run")
		assert.LessOrEqual(t, st.Quantile(0.5), st.Quantile(0.99))
		assert.LessOrEqual(t, st.Quantile(0.99), st.Max)
		assert.GreaterOrEqual(t, st.Over16us, st.Over64us)
		assert.GreaterOrEqual(t, st.Over64us, st.Over256us)
		assert.GreaterOrEqual(t, st.Over256us, st.Over1ms)
		cum := st.Cumulative([]time.Duration{time.Microsecond, time.Hour})
		assert.Equal(t, st.Gaps, cum[1], "every gap is under an hour")
	}
	assert.Equal(t, res.Lcores[0].Stalls.Gaps, res.Stalls().Gaps)
	g := res.GoPauses
	assert.GreaterOrEqual(t, g.GCCycles, uint64(1), "the forced collection")
	assert.GreaterOrEqual(t, g.GC, 2*g.GCCycles, "two stop-the-world pauses a cycle")
	assert.Greater(t, g.GCTotal, time.Duration(0))
	assert.GreaterOrEqual(t, g.GCMax, g.GCTotal/time.Duration(g.GC), "the longest is at least the mean")
}

// MeasureFloor times a C loop as a loop's turns are timed.
func TestMeasureFloor(t *testing.T) {
	cpu := 0
	if w := LoopLcores(); len(w) > 0 {
		cpu = int(w[0]) // the lcore's CPU is the lcore id here (EAL's default -l)
	}
	st, err := MeasureFloor(cpu, 50*time.Millisecond, 0)
	require.NoError(t, err)
	// Bounds that hold however the machine schedules the thread: the
	// passes cover the duration, overshooting it by at most the last
	// gap, and each pass spins at least 1 us of it.
	assert.NotZero(t, st.Gaps)
	assert.GreaterOrEqual(t, st.Total, 50*time.Millisecond-time.Microsecond, "the passes cover the duration")
	assert.LessOrEqual(t, st.Total, 50*time.Millisecond+st.Max+time.Microsecond, "and end with the pass that crosses it")
	assert.LessOrEqual(t, time.Duration(st.Gaps)*time.Microsecond, st.Total+time.Microsecond, "each pass spins 1 us")
	assert.GreaterOrEqual(t, st.Quantile(0.5), 900*time.Nanosecond, "a pass spins 1 us")

	_, err = MeasureFloor(cpu, 0, 0)
	assert.Error(t, err)
	_, err = MeasureFloor(-1, time.Millisecond, 0)
	assert.Error(t, err)
}
