package port_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/port"
)

// BenchmarkNullIOForward forwards between two net_null ports both ways,
// like dpdk-testpmd --forward-mode=io, on a worker lcore: each iteration
// is one turn per direction, each turn one TxRx crossing (send what the
// last turn received, receive the next burst). It reports Mpps received.
func BenchmarkNullIOForward(b *testing.B) {
	workers := eal.Workers()
	if len(workers) == 0 {
		b.Skip("needs a worker lcore")
	}
	pool := newPool(b, 8191)
	a := attach(b, uniq("net_null"), pool)
	c := attach(b, uniq("net_null"), pool)
	ab, ba := newBurst(b, 32), newBurst(b, 32)

	var rxTotal int
	var elapsed time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	err := eal.Run(workers[0], func() error {
		start := time.Now()
		for i := 0; i < b.N; i++ {
			_, got, err := port.TxRx(c, 0, ab, a, 0, ab)
			if err != nil {
				return err
			}
			rxTotal += got
			_, got, err = port.TxRx(a, 0, ba, c, 0, ba)
			if err != nil {
				return err
			}
			rxTotal += got
		}
		elapsed = time.Since(start)
		return nil
	})
	b.StopTimer()
	require.NoError(b, err)
	ab.Free()
	ba.Free()
	b.ReportMetric(float64(rxTotal)/elapsed.Seconds()/1e6, "Mpps")
	b.ReportMetric(float64(rxTotal)/float64(b.N), "pkts/op")
}
