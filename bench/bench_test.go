package bench

import (
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMedian(t *testing.T) {
	assert.True(t, math.IsNaN(Median(nil)))
	assert.Equal(t, 3.0, Median([]float64{3}))
	assert.Equal(t, 2.5, Median([]float64{4, 1, 2, 3}))
	xs := []float64{5, 1, 3}
	assert.Equal(t, 3.0, Median(xs))
	assert.Equal(t, []float64{5, 1, 3}, xs, "the input is not reordered")
}

func TestSteadyMedian(t *testing.T) {
	s := []float64{0, 10, 50, 52, 51, 90}
	v, ok := SteadyMedian(s, 2, 3)
	require.True(t, ok)
	assert.Equal(t, 51.0, v, "the warm-up and samples past the window are left out")
	_, ok = SteadyMedian(s, 2, 5)
	assert.False(t, ok, "too few samples")
	_, ok = SteadyMedian(s, 0, 0)
	assert.False(t, ok)
}

func TestRatio(t *testing.T) {
	assert.Equal(t, 0.5, Ratio(1, 2))
	assert.True(t, math.IsNaN(Ratio(1, 0)))
	assert.True(t, math.IsNaN(Ratio(math.NaN(), 2)))
}

// testdata/testpmd-io.txt is real output of dpdk-testpmd --stats-period
// 1 on a net_null pair (io): five blocks, the first one 0.
func TestParseTestpmd(t *testing.T) {
	out, err := os.ReadFile("testdata/testpmd-io.txt")
	require.NoError(t, err)
	s := ParseTestpmd(string(out), 2)
	assert.Equal(t, []float64{0, 40435093 + 40435509, 44515273 + 44515118, 45068677 + 45068397, 35585450 + 35585508}, s)

	// Fed a line at a time, a sample completes on each block's last port.
	p := NewTestpmdStats(2)
	var done []int
	for i, l := range strings.Split(string(out), "\n") {
		if p.Line(l) {
			done = append(done, i)
		}
	}
	assert.Len(t, done, 5)
	assert.Equal(t, s, p.Samples)

	// Tx-pps lines outside a stats block (there are none in testpmd's
	// output, but a log could hold one) are not samples; nor is a block
	// cut short.
	p = NewTestpmdStats(2)
	assert.False(t, p.Line("  Tx-pps:  5  Tx-bps: 0"))
	p.Line("\x1b[2J\x1b[1;1HPort statistics ====================================")
	assert.False(t, p.Line("  Tx-pps:  7  Tx-bps: 0"))
	p.Line("Port statistics ====")
	assert.False(t, p.Line("  Tx-pps:  1  Tx-bps: 0"))
	assert.True(t, p.Line("  Tx-pps:  2  Tx-bps: 0"))
	assert.Equal(t, []float64{3}, p.Samples)
}

func TestParseZcnicStats(t *testing.T) {
	stderr := `EAL: some log line
{"elapsed_seconds":1.0,"interval_seconds":1.0,"ports":[{"port":0,"tx_packets":100,"tx_pps":100,"rx_pps":120},{"port":1,"tx_packets":120,"tx_pps":120,"rx_pps":100}],"dropped":0}
zcnic: WARNING: something
{"elapsed_seconds":2.0,"interval_seconds":1.0,"ports":[{"port":0,"tx_pps":1e6},{"port":1,"tx_pps":2.5e6}],"dropped":3}
{"elapsed_seconds": broken
`
	assert.Equal(t, []float64{220, 3.5e6}, ParseZcnicStats(stderr))
	l, ok := ParseZcnicStatsLine(`{"elapsed_seconds":2.0,"interval_seconds":0.5,"ports":[{"port":0,"tx_pps":7}],"dropped":3}`)
	require.True(t, ok)
	assert.Equal(t, 0.5, l.IntervalSeconds)
	assert.Equal(t, uint64(3), l.Dropped)
	_, ok = ParseZcnicStatsLine(`{"command":"fwd"}`)
	assert.False(t, ok, "the summary is not a stats line")
}

func TestParseZcnicSummary(t *testing.T) {
	s, err := ParseZcnicSummary(`{"command":"fwd","mode":"macswap","elapsed_seconds":10.0,"ports":[{"port":0,"device":"net_null0","rx_packets":5,"tx_packets":5}],
		"pool_size":8191,"leaked_mbufs":0,"go_runtime":{"window_seconds":9.8,"heap_allocs":0,"heap_alloc_bytes":0,"gc_cycles":0,"new_threads":0,"bursts":123,"allocs_per_burst":0}}`)
	require.NoError(t, err)
	assert.Equal(t, 8191, s.PoolSize)
	require.NotNil(t, s.GoRuntime)
	assert.Equal(t, uint64(123), s.GoRuntime.Bursts)

	_, err = ParseZcnicSummary(`{"command":"fwd","error":"app: lcore 1: boom"}`)
	assert.ErrorContains(t, err, "zcnic reported: app: lcore 1: boom")
	_, err = ParseZcnicSummary(`{"command":"fwd","leaked_mbufs":3}`)
	assert.ErrorContains(t, err, "leaked 3 mbufs")
	_, err = ParseZcnicSummary(`zcnic fwd (io): 1.00 s`)
	assert.Error(t, err)
}

// testdata/iperf3-client.json is a real `iperf3 -c ... -t 3 -O 1 -J`
// report from S4.
func TestParseIperf3(t *testing.T) {
	data, err := os.ReadFile("testdata/iperf3-client.json")
	require.NoError(t, err)
	g, err := ParseIperf3(data)
	require.NoError(t, err)
	assert.InDelta(t, 1.698, g, 0.001)

	_, err = ParseIperf3([]byte(`{"start":{},"intervals":[],"end":{},"error":"unable to connect to server: Connection refused"}`))
	assert.ErrorContains(t, err, "iperf3: unable to connect to server")
	_, err = ParseIperf3([]byte(`{"end":{}}`))
	assert.ErrorContains(t, err, "no end.sum_received")
	_, err = ParseIperf3([]byte(`{"end":{"sum_received":{"seconds":3,"bytes":0,"bits_per_second":0}}}`))
	assert.ErrorContains(t, err, "got nothing")
	_, err = ParseIperf3(nil)
	assert.Error(t, err)
}

func TestMachineParsing(t *testing.T) {
	assert.Equal(t, "Intel(R) Xeon(R) Processor", CPUModel("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t: sse\n"))
	assert.Equal(t, "unknown CPU", CPUModel(""))
	assert.Equal(t, "Debian GNU/Linux 12 (bookworm)", OSName("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"))
}

func scenario(t *testing.T, id string) Scenario {
	for _, s := range Scenarios("in.pcap") {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no scenario %s", id)
	return Scenario{}
}

// S1b runs both programs at burst 128; the others at the run's burst.
func TestScenarioBurst(t *testing.T) {
	c := DefaultConfig(false)
	sc := scenario(t, "S1b")
	assert.Contains(t, strings.Join(c.TestpmdArgs(sc), " "), "--burst=128 ")
	assert.Contains(t, strings.Join(c.ZcnicArgs(sc, 0, 0), " "), "--burst 128 ")
	sc = scenario(t, "S1")
	assert.Contains(t, strings.Join(c.TestpmdArgs(sc), " "), "--burst=32 ")
	assert.Contains(t, strings.Join(c.ZcnicArgs(sc, 0, 0), " "), "--burst 32 ")
	assert.Equal(t, []string{"S1", "S1L", "S1b", "S2", "S3", "S4", "S6a", "S6b", "S7a", "S7b", "S7c", "S5", "S8", "S9", "S10"}, ScenarioIDs())
}

// A pair scenario runs each program twice, on the same devices: the
// receiver polls on the forwarding lcore, the sender on the main one,
// each testpmd with its own file prefix; a zero-copy memif sender (and
// virtio-user) gets --single-file-segments in testpmd, which zcnic adds
// by itself.
func TestPairArgs(t *testing.T) {
	c := DefaultConfig(false)
	sc := scenario(t, "S7a")
	require.NotNil(t, sc.Pair)
	rx, tx := c.pairArgs("testpmd", sc.Pair, "RX", "TX")
	assert.Equal(t, "-l 0,1 --main-lcore 0 --no-pci --file-prefix zbench-rx --in-memory --no-telemetry --log-level error --vdev RX -- "+
		"--forward-mode=rxonly --nb-cores=1 --burst=32 --mbcache=256 --total-num-mbufs=8191 --rxd=512 --txd=512 --stats-period 1 --auto-start",
		strings.Join(rx, " "))
	assert.Equal(t, "-l 0,1 --main-lcore 1 --no-pci --file-prefix zbench-tx --in-memory --single-file-segments --no-telemetry --log-level error --vdev TX -- "+
		"--forward-mode=txonly --nb-cores=1 --burst=32 --mbcache=256 --total-num-mbufs=8191 --rxd=512 --txd=512 --stats-period 1 --auto-start --txpkts=64",
		strings.Join(tx, " "))
	rx, tx = c.pairArgs("zcnic", sc.Pair, "RX", "TX")
	assert.Equal(t, "rxonly --lcores 0,1 --stats-interval 1s --stats-format json --vdev RX --burst 32 --pool-size 8191 --pool-cache 256 --rxd 512 --txd 512 --json --log-level error",
		strings.Join(rx, " "))
	assert.Equal(t, "gen --lcores 0 --size 64 --stats-interval 0 --vdev TX --burst 32 --pool-size 8191 --pool-cache 256 --rxd 512 --txd 512 --json --log-level error",
		strings.Join(tx, " "))
	for _, id := range []string{"S6a", "S6b", "S7a", "S7b", "S7c"} {
		sc := scenario(t, id)
		require.NotNil(t, sc.Pair, id)
		assert.Equal(t, pairRounds, sc.MaxRounds, id)
	}
	assert.True(t, scenario(t, "S7c").Pair.SingleFileSegments)
	assert.False(t, scenario(t, "S7b").Pair.SingleFileSegments)
}

// A receiver's rate is testpmd's Rx-pps.
func TestTestpmdRxStats(t *testing.T) {
	st := NewTestpmdRxStats(1)
	for _, l := range []string{"  ######################## NIC statistics for port 0  ########################",
		"Port statistics ====================================", "  Rx-pps:     17574054          Rx-bps:   8997915840",
		"  Tx-pps:            0          Tx-bps:            0"} {
		st.Line(l)
	}
	assert.Equal(t, []float64{17574054}, st.Samples)
}

// Both programs get the same EAL settings, lcores, burst, pool and
// descriptors.
func TestArgsMatch(t *testing.T) {
	c := DefaultConfig(false)
	sc := scenario(t, "S3")
	tp := strings.Join(c.TestpmdArgs(sc), " ")
	assert.Equal(t, "-l 0,1 --main-lcore 0 --no-pci --in-memory --no-telemetry --log-level error "+
		"--vdev net_pcap0,rx_pcap=in.pcap,infinite_rx=1 --vdev net_null0,no-rx=1 -- "+
		"--forward-mode=5tswap --nb-cores=1 --burst=32 --mbcache=256 --total-num-mbufs=8191 --rxd=512 --txd=512 --stats-period 1 --auto-start", tp)
	zc := strings.Join(c.ZcnicArgs(sc, 10500*time.Millisecond, time.Second), " ")
	assert.Equal(t, "fwd --mode 5tswap --lcores 0,1 --burst 32 --pool-size 8191 --pool-cache 256 --rxd 512 --txd 512 "+
		"--stats-interval 1s --stats-format json --json --log-level error --duration 10.5s "+
		"--vdev net_pcap0,rx_pcap=in.pcap,infinite_rx=1 --vdev net_null0,no-rx=1", zc)

	c.NoHuge = true
	assert.Contains(t, strings.Join(c.TestpmdArgs(sc), " "), "-m 512 --no-huge --no-shconf --no-telemetry")
	assert.NotContains(t, strings.Join(c.TestpmdArgs(sc), " "), "--in-memory")
	zc = strings.Join(c.ZcnicArgs(sc, 0, 0), " ")
	assert.Contains(t, zc, "--no-huge")
	assert.Contains(t, zc, "--stats-interval 0s")
	assert.NotContains(t, zc, "--duration")
}

func TestConfigCheck(t *testing.T) {
	c := DefaultConfig(true)
	assert.NoError(t, c.check())
	assert.Equal(t, 3, c.Rounds)
	for _, tc := range []struct {
		edit func(*Config)
		msg  string
	}{
		{func(c *Config) { c.Rounds = 0 }, "rounds"},
		{func(c *Config) { c.Measure = 0 }, "measure"},
		{func(c *Config) { c.FwdLcore = 0 }, "main lcore must be lower"},
		{func(c *Config) { c.Only = []string{"S99"} }, `unknown scenario "S99"`},
		{func(c *Config) { c.S8Seconds = 0 }, "S8's run time"},
		{func(c *Config) { c.S9Seconds = 0 }, "S9's run time"},
	} {
		c := DefaultConfig(true)
		tc.edit(&c)
		assert.ErrorContains(t, c.check(), tc.msg)
	}
}

func sampleResults() *Results {
	c := DefaultConfig(true)
	r := &Results{
		Machine:  Machine{CPU: "Test CPU", CPUs: 2, Kernel: "6.1.0", DPDK: "22.11.4", Go: "go1.26.8", LoadAvg: "0.10 0.20 0.30", Date: "2026-01-02T03:04:05Z"},
		Settings: c.Settings(),
	}
	add := func(id, title, unit string, tp, zc []float64, failZ bool) {
		s := ScenarioResult{ID: id, Title: title, Unit: unit}
		for i := range tp {
			s.Runs = append(s.Runs, RunResult{Round: i + 1, Program: "testpmd", Value: tp[i]})
			z := RunResult{Round: i + 1, Program: "zcnic", Value: zc[i], GoRuntime: &GoRuntime{WindowSeconds: 4.8, HeapAllocs: 300, GCCycles: 0, Bursts: 1e6, AllocsPerBurst: 0.0003}}
			if failZ {
				z = RunResult{Round: i + 1, Program: "zcnic", Error: "boom"}
			}
			s.Runs = append(s.Runs, z)
		}
		s.Summarize()
		r.Scenarios = append(r.Scenarios, s)
	}
	add("S1", "net_null pair, io", UnitMpps, []float64{100, 110, 90}, []float64{95, 99, 97}, false)
	add("S2", "net_null pair, macswap", UnitMpps, []float64{60, 62}, []float64{58, 61}, false)
	add("S3", "pcap", UnitMpps, []float64{40}, []float64{0}, true)
	add("S4", "taps", UnitGbps, []float64{2, 2.2}, []float64{1.9, 2.1}, false)
	r.ZeroCopy = &ZeroCopy{Scenario: "S2", Mode: "macswap", Seconds: 10, Run: &GoRuntime{WindowSeconds: 9.8, Bursts: 12345678}}
	return r
}

func TestSummarizeAndReport(t *testing.T) {
	r := sampleResults()
	s1 := r.Scenarios[0]
	require.NotNil(t, s1.Testpmd.Median)
	assert.Equal(t, 100.0, *s1.Testpmd.Median)
	assert.Equal(t, 97.0, *s1.Zcnic.Median)
	// The ratio is the median of the rounds' ratios, not the ratio of
	// the medians (0.97 here).
	assert.Equal(t, []float64{0.95, 0.9, 97.0 / 90}, s1.RoundRatios)
	assert.InDelta(t, 0.95, *s1.Ratio, 1e-9)
	assert.InDelta(t, 0.9, *s1.RatioMin, 1e-9)
	assert.InDelta(t, 97.0/90, *s1.RatioMax, 1e-9)
	assert.InDelta(t, (58.0/60+61.0/62)/2, *r.Scenarios[1].Ratio, 1e-9, "even rounds: mean of the middle two")
	s3 := r.Scenarios[2]
	assert.Nil(t, s3.Zcnic.Median, "failed runs are not values")
	assert.Nil(t, s3.Ratio)
	assert.Nil(t, s3.RatioMin)
	assert.Equal(t, []float64{}, s3.Zcnic.Rounds)
	assert.Equal(t, []float64{}, s3.RoundRatios)

	assert.Equal(t, "ratios S1=0.95(0.90-1.08) S2=0.98(0.97-0.98) S3=n/a S4=0.95(0.95-0.95)", r.RatiosLine())
	md := r.Markdown()
	assert.Contains(t, md, "| scenario | testpmd: median (rounds' min-max) | zcnic: median (rounds' min-max) | unit | zcnic/testpmd: median of round ratios (min-max) | round ratios | testpmd rounds | zcnic rounds |\n")
	assert.Contains(t, md, "| S1: net_null pair, io | 100.00 (90.00-110.00) | 97.00 (95.00-99.00) | Mpps | 0.950 (0.900-1.078) | 0.95, 0.90, 1.08 | 100.00, 110.00, 90.00 | 95.00, 99.00, 97.00 |\n")
	assert.Contains(t, md, "| S3: pcap | 40.00 (40.00-40.00) | n/a | Mpps | n/a | - | 40.00 | - |\n")
	assert.Contains(t, md, "| S4: taps | 2.10 (2.00-2.20) | 2.00 (1.90-2.10) | Gbit/s | 0.952 (0.950-0.955) |")
	assert.Contains(t, md, "zero-copy: allocs/burst=0.000 gc_cycles=0 (zcnic fwd S2 macswap, 10 s, stats lines off: 0 heap allocations, 0 bytes over 9.8 s, 12345678 bursts)")
	assert.Contains(t, md, "Test CPU; 2 CPUs; Linux 6.1.0; DPDK 22.11.4; go1.26.8; load average 0.10 0.20 0.30 at the start")
	assert.Contains(t, md, "EAL `-l 0,1 --main-lcore 0 --no-pci --in-memory --no-telemetry --log-level error`, forwarding lcore 1, burst 32, 8191 mbufs (cache 256)")

	r.ZeroCopy.Run.NewThreads = 1
	assert.Contains(t, r.ZeroCopy.Lines()[0], "the Go scheduler started 1 OS threads meanwhile")
	r.ZeroCopy = &ZeroCopy{Scenario: "S2", Mode: "macswap", Error: "zcnic: exit status 1", MeasuredRuns: 2, MeasuredHeapAllocs: 600, MeasuredSeconds: 9.6, MeasuredMaxAllocsBurst: 0.0003}
	l := r.ZeroCopy.Lines()
	require.Len(t, l, 2)
	assert.Equal(t, "zero-copy: no result (zcnic fwd S2 macswap): zcnic: exit status 1", l[0])
	assert.Contains(t, l[1], "2 runs, 10 s in all: 600 heap allocations, gc_cycles=0, allocs/burst at most 0.000300")
}

func TestWriteFilesAndChart(t *testing.T) {
	r := sampleResults()
	dir := t.TempDir()
	require.NoError(t, r.WriteFiles(dir))
	var back Results
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &back), "results.json is JSON (no NaN)")
	require.Len(t, back.Scenarios, 4)
	assert.Nil(t, back.Scenarios[2].Ratio)
	assert.InDelta(t, 0.95, *back.Scenarios[0].Ratio, 1e-9)
	assert.Equal(t, "boom", back.Scenarios[2].Runs[1].Error)
	md, err := os.ReadFile(filepath.Join(dir, "results.md"))
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(string(md), "\nratios S1=0.95(0.90-1.08) S2=0.98(0.97-0.98) S3=n/a S4=0.95(0.95-0.95)\n"))

	path := filepath.Join(dir, "chart.png")
	require.NoError(t, DrawChart(r, path))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Greater(t, img.Bounds().Dx(), 1000)
	assert.Greater(t, img.Bounds().Dy(), 400)

	// No scenario measured at all still draws.
	require.NoError(t, DrawChart(&Results{}, filepath.Join(dir, "empty.png")))
}

func TestParsePerfReportAndClassify(t *testing.T) {
	rep := `
# a comment
    40.00%          160  librte_net_null.so.23.0  [.] 0x0000000000004467
    20.00%           80  librte_mempool_ring.so.23.0  [.] common_ring_mc_dequeue
    15.00%           60  zcnic                    [.] github.com/zcnic/zcnic/app.NewForwarder.func4
     5.00%           20  ld-linux-x86-64.so.2     [.] __tls_get_addr
     8.00%           32  zcnic                    [.] zc_turn
     4.00%           16  zcnic                    [.] runtime.cgocall
     3.00%           12  libc.so.6                [.] __memmove_avx512_unaligned_erms
     5.00%           20  [kernel.kallsyms]        [k] finish_task_switch.isra.0
`
	rows, n := ParsePerfReport(rep)
	require.Len(t, rows, 8)
	assert.Equal(t, 400, n)
	assert.Equal(t, "finish_task_switch.isra.0", rows[7].Symbol)
	var p Profile
	p.classify(rows, "zcnic", "zcnic")
	assert.InDelta(t, 60, p.PMD, 1e-9)
	assert.InDelta(t, 27, p.Loop, 1e-9)
	assert.InDelta(t, 5, p.TLS, 1e-9)
	assert.InDelta(t, 8, p.Other, 1e-9)
	assert.InDelta(t, 15, p.Parts["Go loop and handler"], 1e-9)
	assert.InDelta(t, 8, p.Parts["C turn"], 1e-9)
	assert.InDelta(t, 4, p.Parts["cgo crossing and Go runtime"], 1e-9)
	assert.Equal(t, "0x0000000000004467", p.Top[0].Symbol)

	var q Profile
	q.classify([]SymbolShare{{Symbol: "pkt_burst_io_forward", DSO: "dpdk-testpmd", Share: 10}, {Symbol: "x", DSO: "zcnic", Share: 5}}, "testpmd", "dpdk-testpmd")
	assert.InDelta(t, 10, q.Loop, 1e-9)
	assert.InDelta(t, 5, q.Other, 1e-9)
	assert.Empty(t, q.Parts)
	md := ProfileMarkdown([]Profile{p, {Scenario: "S2", Program: "testpmd", Error: "boom"}})
	assert.Contains(t, md, "| 0 | 60.0% | 27.0% | 5.0% | 8.0% | Go loop and handler 15.0%, C turn 8.0%, cgo crossing and Go runtime 4.0% |")
	assert.Contains(t, md, "| S2 | testpmd | - | - | - | - | - | failed: boom |")
}
