package bench

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The forwarder's memif ports are the servers of two sockets in the
// run's directory, the pinger's their clients, in the same order; the
// pinger runs on the main lcore, the forwarders (and the baseline's
// join) on the forwarding lcore, and zcnic with --latency.
func TestS8Args(t *testing.T) {
	c := DefaultConfig(false)
	fwd, ping := S8Vdevs("/run/x")
	require.Len(t, fwd, 2)
	require.Len(t, ping, 2)
	for i := range fwd {
		assert.Contains(t, fwd[i], "role=server")
		assert.Contains(t, ping[i], "role=client")
		assert.Equal(t, strings.Replace(fwd[i], "role=server", "role=client", 1), ping[i], "port %d: the same socket and id", i)
	}
	assert.Contains(t, fwd[0], "socket=/run/x/"+s8SockA)
	assert.Contains(t, fwd[1], "socket=/run/x/"+s8SockB)

	a := strings.Join(c.S8PingArgs(ping, 123456, 5), " ")
	assert.Contains(t, a, "--cpu 0 --rate 123456 --duration 5s --burst 32")
	assert.Contains(t, a, "--vdev "+ping[0]+" --vdev "+ping[1])
	assert.NotContains(t, a, "--join")
	j := strings.Join(c.S8JoinArgs(fwd), " ")
	assert.Contains(t, j, "--join --cpu 1 --duration 0")
	assert.Contains(t, j, "--vdev "+fwd[0]+" --vdev "+fwd[1])

	sc := s8Scenario(fwd)
	z := strings.Join(c.ZcnicArgs(sc, 0, 0), " ")
	assert.Contains(t, z, "fwd --mode io --lcores 0,1")
	assert.Contains(t, z, "--latency")
	assert.Contains(t, z, "--vdev "+fwd[0]+" --vdev "+fwd[1])
	tp := strings.Join(c.TestpmdArgs(sc), " ")
	assert.Contains(t, tp, "--forward-mode=io --nb-cores=1 --burst=32")
	assert.Contains(t, tp, "--vdev "+fwd[0]+" --vdev "+fwd[1])

	c.NoHuge = true
	assert.Contains(t, c.S8PingArgs(ping, 1, 1), "--no-huge")
	assert.Contains(t, c.S8JoinArgs(fwd), "--no-huge")
}

func TestS8RatesAndMax(t *testing.T) {
	assert.Equal(t, 0.0, S8Max(map[string]float64{S8Testpmd: 1e6}), "both forwarders' maxima are needed")
	assert.Equal(t, 8e5, S8Max(map[string]float64{S8Testpmd: 1e6, S8Zcnic: 8e5}), "the lower")
	assert.Equal(t, []float64{80000, 400000, 720000}, S8Rates(8e5))
}

func TestTSCFlags(t *testing.T) {
	assert.Equal(t, "constant_tsc yes, nonstop_tsc yes", TSCFlags("processor\t: 0\nflags\t\t: fpu tsc constant_tsc nonstop_tsc rdtscp\n"))
	assert.Equal(t, "constant_tsc yes, nonstop_tsc NO", TSCFlags("flags : constant_tsc\n"))
	assert.Contains(t, TSCFlags("nothing"), "no flags line")
}

// zcnic's summary gives S8 its own latency and where it lost packets:
// imissed summed over the ports, tx_full drops, the loops' stalls.
func TestParseS8Zcnic(t *testing.T) {
	js := `{"command":"fwd","ports":[{"dev":{"rx_missed":3}},{"dev":{"rx_missed":4}}],"drops":{"tx_full":5},
	"lcores":[{"stalls":{"over_64us":6,"over_256us":2,"max_us":300.5}}],
	"latency":{"packets":100,"mean_us":1,"p50_us":0.5,"p90_us":0.9,"p99_us":2,"p99_9_us":3,"max_us":40},"leaked_mbufs":0}`
	z, err := ParseS8Zcnic(js)
	require.NoError(t, err)
	assert.Equal(t, uint64(7), z.RxMissed)
	assert.Equal(t, uint64(5), z.TxFull)
	assert.Equal(t, uint64(6), z.StallsOver64)
	assert.Equal(t, uint64(2), z.StallsOver256)
	assert.Equal(t, 300.5, z.StallMaxUs)
	require.NotNil(t, z.Latency)
	assert.Equal(t, 2.0, z.Latency.P99us)
	_, err = ParseS8Zcnic(`{"error":"boom"}`)
	assert.ErrorContains(t, err, "boom")
}

// Rows are medians over the rounds (counts summed), and the p99 ratio is
// zcnic's over testpmd's round by round, for each load.
func TestS8Summarize(t *testing.T) {
	s := &S8Result{Rounds: 2, MaxPps: map[string]float64{S8Testpmd: 1e6, S8Zcnic: 9e5}, Max: 9e5}
	ping := func(p50, p99 float64, sent, recv, refused uint64) *S8Ping {
		return &S8Ping{P50us: p50, P90us: p50 + 1, P99us: p99, P999us: p99 + 1, MaxUs: p99 + 10, Sent: sent, Received: recv, Lost: sent - recv, TxFull: refused}
	}
	for _, load := range S8Loads {
		for round := 1; round <= 2; round++ {
			f := float64(round)
			s.Runs = append(s.Runs,
				S8Run{Round: round, Program: S8Testpmd, Load: load, RatePps: load * 9e5, Ping: ping(5, 10*f, 100, 99, 1)},
				S8Run{Round: round, Program: S8Zcnic, Load: load, RatePps: load * 9e5, Ping: ping(6, 12*f, 100, 100, 0),
					Zcnic: &S8ZcnicRun{Latency: &ZcnicLatency{P50us: 0.2 * f, P99us: 1 * f, MaxUs: 10}, RxMissed: 1, TxFull: 2, StallsOver64: 3, StallMaxUs: 50 * f}},
				S8Run{Round: round, Program: S8Baseline, Load: load, RatePps: load * 9e5, Ping: ping(4, 8, 100, 100, 0)})
		}
	}
	s.Runs = append(s.Runs, S8Run{Round: 3, Program: S8Zcnic, Load: 0.5, Error: "failed"}) // ignored
	s.Summarize()
	require.Len(t, s.Rows, len(S8Loads)*len(S8Programs))
	for i := range S8Loads {
		assert.Equal(t, []float64{1.2, 1.2}, s.P99Ratios[i], "12/10 and 24/20")
	}
	tp, z := s.row(S8Testpmd, 0.5), s.row(S8Zcnic, 0.5)
	require.NotNil(t, tp)
	require.NotNil(t, z)
	assert.Equal(t, 2, tp.Rounds)
	assert.Equal(t, 15.0, tp.P99, "the median of 10 and 20")
	assert.Equal(t, 10.0, tp.P99Min)
	assert.Equal(t, 20.0, tp.P99Max)
	assert.Equal(t, uint64(200), tp.Sent)
	assert.Equal(t, uint64(2), tp.Lost)
	assert.Equal(t, uint64(2), tp.Refused)
	assert.Nil(t, tp.Zcnic)
	require.NotNil(t, z.Zcnic)
	assert.InDelta(t, 1.5, z.Zcnic.P99, 1e-9)
	assert.Equal(t, uint64(2), z.Zcnic.RxMissed, "summed over the rounds")
	assert.Equal(t, uint64(4), z.Zcnic.TxFull)
	assert.Equal(t, 100.0, z.Zcnic.StallMaxUs, "the longest")
	md := s.Markdown()
	assert.Contains(t, md, "S8 p99 zcnic/testpmd at 50%: 1.20 (1.20-1.20)")
	assert.Contains(t, md, "| zcnic | 50% | 0.450 | 6.00 | 7.00 | 18.00 (12.00-24.00) |")
	assert.Contains(t, md, "| 0.30 / 1.50 / 10 | 2 / 4 / 6 (100) |")
	assert.Contains(t, md, "S8 at 50%: zcnic's share by the pinger (zcnic row less the baseline) p50 2.00 us, p99 10.00 us; zcnic --latency p50 0.30 us, p99 1.50 us")
	assert.Contains(t, strings.Join(s.ratioParts(), " "), "S8-p99-50%=1.20(1.20-1.20)")
}

// LatencyCost is zcnic's S1L over its S1, round by round.
func TestLatencyCost(t *testing.T) {
	scs := []ScenarioResult{
		{ID: "S1", Runs: []RunResult{{Round: 1, Program: "zcnic", Value: 100}, {Round: 1, Program: "testpmd", Value: 90}, {Round: 2, Program: "zcnic", Value: 80}}},
		{ID: "S1L", Runs: []RunResult{{Round: 1, Program: "zcnic", Value: 95}, {Round: 2, Program: "zcnic", Value: 80}, {Round: 3, Program: "zcnic", Value: 1}}},
	}
	assert.Equal(t, []float64{0.95, 1}, LatencyCost(scs))
	assert.Empty(t, LatencyCost(scs[:1]))
}
