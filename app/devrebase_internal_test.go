package app

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/port"
)

func TestDevCountersRebasedAcrossResets(t *testing.T) {
	var d devRebase
	read := func(rx, rxb uint64) DevCounters {
		return DevCounters{Read: true, RxPackets: rx, RxBytes: rxb, TxPackets: rx, TxBytes: rxb}
	}
	got := d.next(read(100, 6400))
	assert.Equal(t, uint64(100), got.RxPackets)
	assert.Zero(t, got.Resets)
	got = d.next(read(250, 16000))
	assert.Equal(t, uint64(250), got.RxPackets)
	// The driver reset its counters (a memif peer left): 30 since then.
	got = d.next(read(30, 1920))
	assert.Equal(t, uint64(280), got.RxPackets, "rebased: never backwards, never wrapped")
	assert.Equal(t, uint64(17920), got.RxBytes)
	assert.Equal(t, 1, got.Resets)
	assert.True(t, got.Bytes)
	got = d.next(read(40, 2560))
	assert.Equal(t, uint64(290), got.RxPackets)
	got = d.next(read(0, 0)) // zeros: held, not yet a reset
	assert.Equal(t, uint64(290), got.RxPackets)
	assert.Equal(t, 1, got.Resets)
	got = d.next(DevCounters{}) // the driver did not answer
	assert.False(t, got.Read)
	got = d.next(read(10, 640)) // resumes below: the zeros were a reset
	assert.Equal(t, uint64(300), got.RxPackets, "an unanswered reading changes nothing")
	assert.Equal(t, 2, got.Resets)

	// net_memif without a peer reads zeros, then its old totals once a
	// peer is back: a gap, not a reset, so nothing is counted twice.
	var m devRebase
	m.next(read(1000, 64000))
	for range 3 {
		got = m.next(read(0, 0))
		assert.Equal(t, uint64(1000), got.RxPackets, "held through the gap")
		assert.True(t, got.Bytes)
	}
	got = m.next(read(1500, 96000))
	assert.Equal(t, uint64(1500), got.RxPackets, "the old totals and what came since, once")
	assert.Zero(t, got.Resets)

	var n devRebase // a driver that counts no bytes (net_null)
	got = n.next(DevCounters{Read: true, RxPackets: 5})
	assert.False(t, got.Bytes)
}

// A driver that resets its counters mid-run (here by ResetStats from
// OnStats; net_memif does it when its peer leaves): the run's device
// counters keep growing and say there was a reset.
func TestRunRebasesDeviceCounters(t *testing.T) {
	var ports []*port.Port
	var before uint64
	reset := false
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := Config{
		Ports:         []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}},
		StatsInterval: 100 * time.Millisecond,
		OnReady:       func(p []*port.Port) error { ports = p; return nil },
	}
	n := 0
	cfg.OnStats = func(s Snapshot) {
		n++
		switch {
		case n == 3 && !reset:
			before = s.Devices[0].RxPackets
			require.NoError(t, ports[0].ResetStats())
			reset = true
		case n == 3:
		case n >= 6:
			cancel()
		}
		if reset {
			assert.GreaterOrEqual(t, s.Devices[0].RxPackets, before, "never backwards")
		}
	}
	res, err := Forward(ctx, cfg, FwdConfig{Mode: IO})
	require.NoError(t, err)
	d := res.Devices[0]
	assert.Equal(t, 1, d.Resets, "the reset is said")
	assert.Greater(t, d.RxPackets, before, "counted on after the reset")
	assert.LessOrEqual(t, d.RxPackets, res.Ports[0].RxPackets, "at most what the loop received (the packets between the last reading and the reset are not the device's any more)")
	assert.Zero(t, res.Devices[1].Resets)
	assert.Equal(t, res.Ports[1].RxPackets, res.Devices[1].RxPackets, "the port that was not reset counts exactly")
}
