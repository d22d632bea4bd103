package app

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// zc_lat_add counts a packet in the bucket the stalls' code would, and
// Quantile reads the histogram back as Stalls does: upper edges, never
// above Max.
func TestLatencyHistogram(t *testing.T) {
	const hz = 2_000_000_000 // 2 cycles a ns
	var vs []uint64
	for i := 0; i < 990; i++ {
		vs = append(vs, 2000) // 1 us
	}
	for i := 0; i < 9; i++ {
		vs = append(vs, 20000) // 10 us
	}
	vs = append(vs, 2_000_000) // 1 ms
	l := cLatAdd(vs, hz)
	assert.Equal(t, uint64(1000), l.Packets)
	assert.Equal(t, time.Millisecond, l.Max)
	p50, p99, p999 := l.Quantile(0.5), l.Quantile(0.99), l.Quantile(0.999)
	assert.InDelta(t, float64(time.Microsecond), float64(p50), 0.125*float64(time.Microsecond), "p50 within a bucket")
	assert.GreaterOrEqual(t, p50, time.Microsecond, "an upper edge")
	assert.InDelta(t, float64(time.Microsecond), float64(p99), 0.125*float64(time.Microsecond), "990 of 1000 are 1 us")
	assert.InDelta(t, float64(10*time.Microsecond), float64(p999), 0.125*float64(10*time.Microsecond))
	assert.Equal(t, time.Millisecond, l.Quantile(1), "the top is Max")
	assert.Equal(t, l.Total/1000, l.Mean())
	assert.InDelta(t, float64(990*time.Microsecond+90*time.Microsecond+time.Millisecond), float64(l.Total), 1e3)
	cum := l.Cumulative([]time.Duration{2 * time.Microsecond, 20 * time.Microsecond, time.Hour})
	assert.Equal(t, []uint64{990, 999, 1000}, cum)

	var sum Latency
	sum.Add(l)
	sum.Add(l)
	assert.Equal(t, uint64(2000), sum.Packets)
	assert.Equal(t, p99, sum.Quantile(0.99), "the same shape twice has the same percentiles")
	assert.Zero(t, Latency{}.Quantile(0.5), "nothing timed")
	assert.Zero(t, Latency{}.Mean())
}

// With Config.Latency the loop times its packets: every forwarded packet
// is counted once (io sends each vector whole), the percentiles are in
// order, and without it nothing is timed.
func TestRunReportsLatency(t *testing.T) {
	for _, on := range []bool{true, false} {
		ctx, cancel := context.WithCancel(context.Background())
		cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}}, Latency: on}
		cfg.StatsInterval = 5 * time.Millisecond
		cfg.OnStats = func(s Snapshot) {
			if s.Ports[0].RxPackets > 100000 {
				cancel()
			}
		}
		res, err := Forward(ctx, cfg, FwdConfig{Mode: IO})
		cancel()
		require.NoError(t, err)
		checkBalanced(t, res)
		assert.Equal(t, on, res.LatencyOn)
		l := res.Latency()
		if !on {
			assert.Zero(t, l.Packets, "off: nothing timed")
			continue
		}
		var rx uint64
		for _, p := range res.Ports {
			rx += p.RxPackets
		}
		assert.Equal(t, rx, l.Packets, "every received packet timed once")
		assert.Greater(t, l.Quantile(0.5), time.Duration(0))
		assert.LessOrEqual(t, l.Quantile(0.5), l.Quantile(0.9))
		assert.LessOrEqual(t, l.Quantile(0.9), l.Quantile(0.99))
		assert.LessOrEqual(t, l.Quantile(0.99), l.Max)
		assert.Equal(t, res.Lcores[0].Latency.Packets, l.Packets)
	}
}
