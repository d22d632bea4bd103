package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal"
)

// BenchmarkTurn turns a runner's loop by hand on a worker lcore, two
// net_null ports, each mode: one op is a turn, polling both ports. It measures
// the runner's per-packet cost without the stop flag and publishing, for
// profiles (-cpuprofile). io-latency is io with Config.Latency: beside
// io, what timing every vector costs a turn. The side-by-side comparison
// with testpmd is `make bench`.
func BenchmarkTurn(b *testing.B) {
	workers := eal.Workers()
	if len(workers) == 0 {
		b.Skip("needs a worker lcore")
	}
	for _, tc := range []struct {
		mode    Mode
		latency bool
	}{{IO, false}, {IO, true}, {MacSwap, false}, {FiveTupleSwap, false}} {
		mode := tc.mode
		name := mode.String()
		if tc.latency {
			name += "-latency"
		}
		b.Run(name, func(b *testing.B) {
			cfg := Config{
				Ports:   []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}},
				Lcores:  []LcoreConfig{{Lcore: workers[0], Rx: []Queue{{0, 0}, {1, 0}}}},
				Latency: tc.latency,
			}
			require.NoError(b, cfg.normalize())
			fw, err := NewForwarder(len(cfg.Ports), FwdConfig{Mode: mode})
			h := fw.Handler
			require.NoError(b, err)
			r := &runner{cfg: cfg}
			require.NoError(b, r.setup())
			c := r.ctxs[0]
			var elapsed time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			err = eal.Run(workers[0], func() error {
				start := time.Now()
				for i := 0; i < b.N; i++ {
					c.step(h)
				}
				elapsed = time.Since(start)
				c.flush()
				return nil
			})
			b.StopTimer()
			require.NoError(b, err)
			cc := c.counters()
			rx := cc.Ports[0].RxPackets + cc.Ports[1].RxPackets
			b.ReportMetric(float64(rx)/elapsed.Seconds()/1e6, "Mpps")
			require.NoError(b, r.teardown())
			require.Zero(b, r.leaked)
		})
	}
}
