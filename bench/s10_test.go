package bench

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Both programs get the same lcore map, queues and forwarding lcores,
// at each count.
func TestS10Args(t *testing.T) {
	c := DefaultConfig(false)
	assert.Equal(t, "0@0,1@1", c.S10Lcores(1))
	assert.Equal(t, "0@0,1@1,2@0", c.S10Lcores(2), "the second worker shares the main lcore's CPU")
	for _, x := range []struct {
		n           int
		tp, zc, eal string
	}{
		{1,
			"--lcores 0@0,1@1 --no-pci --in-memory --no-telemetry --log-level error --vdev net_null0 --vdev net_null1 -- " +
				"--forward-mode=io --nb-cores=1 --rxq=1 --txq=1 --burst=32 --mbcache=256 --total-num-mbufs=8191 --rxd=512 --txd=512 --stats-period 1 --auto-start",
			"fwd --mode io --lcores 0@0,1@1 --rxq 1 --txq 1 --nb-cores 1 --burst 32 --pool-size 8191 --pool-cache 256 --rxd 512 --txd 512 " +
				"--stats-interval 1s --stats-format json --json --log-level error --duration 5.5s --vdev net_null0 --vdev net_null1",
			"0@0,1@1"},
		{2,
			"--lcores 0@0,1@1,2@0 --no-pci --in-memory --no-telemetry --log-level error --vdev net_null0 --vdev net_null1 -- " +
				"--forward-mode=io --nb-cores=2 --rxq=2 --txq=2 --burst=32 --mbcache=256 --total-num-mbufs=8191 --rxd=512 --txd=512 --stats-period 1 --auto-start",
			"fwd --mode io --lcores 0@0,1@1,2@0 --rxq 2 --txq 2 --nb-cores 2 --burst 32 --pool-size 8191 --pool-cache 256 --rxd 512 --txd 512 " +
				"--stats-interval 1s --stats-format json --json --log-level error --duration 5.5s --vdev net_null0 --vdev net_null1",
			"0@0,1@1,2@0"},
	} {
		sc := c.S10Scenario(x.n)
		assert.Equal(t, x.eal, sc.Lcores)
		assert.Equal(t, x.tp, strings.Join(c.TestpmdArgs(sc), " "), "%d lcores", x.n)
		assert.Equal(t, x.zc, strings.Join(c.ZcnicArgs(sc, 5500e6, 1e9), " "), "%d lcores", x.n)
	}

	// Without hugepages, still one runtime directory per process; with
	// other lcores, the same pattern on their CPUs.
	c.NoHuge, c.MainLcore, c.FwdLcore = true, 2, 3
	sc := c.S10Scenario(2)
	tp := strings.Join(c.TestpmdArgs(sc), " ")
	assert.True(t, strings.HasPrefix(tp, "--lcores 0@2,1@3,2@2 --no-pci -m 512 --no-huge --no-shconf "), tp)
	assert.Contains(t, strings.Join(c.ZcnicArgs(sc, 0, 0), " "), "--lcores 0@2,1@3,2@2 --rxq 2 --txq 2 --nb-cores 2 ")

	// The other scenarios keep their one lcore and their flags.
	c = DefaultConfig(false)
	s1 := strings.Join(c.TestpmdArgs(scenario(t, "S1")), " ")
	assert.Contains(t, s1, "-l 0,1 --main-lcore 0 ")
	assert.Contains(t, s1, "--nb-cores=1 --burst")
	assert.NotContains(t, s1, "--rxq")
	assert.NotContains(t, strings.Join(c.ZcnicArgs(scenario(t, "S1"), 0, 0), " "), "--rxq")
}

// The layouts are what testpmd printed (testdata: real output of the
// command lines above, with 1 and 2 forwarding lcores).
func TestParseTestpmdLayout(t *testing.T) {
	assert.Equal(t, "lcore 1: 0/0->1/0 1/0->0/0", S10Layout(1))
	assert.Equal(t, "lcore 1: 0/0->1/0 1/0->0/0; lcore 2: 0/1->1/1 1/1->0/1", S10Layout(2))
	for file, n := range map[string]int{"testdata/testpmd-io.txt": 1, "testdata/testpmd-io-2cores.txt": 2} {
		out, err := os.ReadFile(file)
		require.NoError(t, err)
		assert.Equal(t, S10Layout(n), ParseTestpmdLayout(string(out)), file)
	}
	// One core on every queue is not S10's layout.
	one := "Logical Core 1 (socket 0) forwards packets on 4 streams:\n" +
		"  RX P=0/Q=0 (socket 0) -> TX P=1/Q=0 (socket 0) peer=02:00:00:00:00:01\n" +
		"  RX P=1/Q=0 (socket 0) -> TX P=0/Q=0 (socket 0) peer=02:00:00:00:00:00\n" +
		"  RX P=0/Q=1 (socket 0) -> TX P=1/Q=1 (socket 0) peer=02:00:00:00:00:01\n" +
		"  RX P=1/Q=1 (socket 0) -> TX P=0/Q=1 (socket 0) peer=02:00:00:00:00:00\n\n" +
		"  RX P=0/Q=2 (socket 0) -> TX P=1/Q=2 (socket 0) after a blank line: not a stream of core 1\n"
	assert.Equal(t, "lcore 1: 0/0->1/0 1/0->0/0 0/1->1/1 1/1->0/1", ParseTestpmdLayout(one))
	assert.NotEqual(t, S10Layout(2), ParseTestpmdLayout(one))
	assert.Equal(t, "", ParseTestpmdLayout("EAL: nothing forwarded"))
}

func TestCheckZcnicLoops(t *testing.T) {
	sum := func(js string) ZcnicSummary {
		var s ZcnicSummary
		require.NoError(t, json.Unmarshal([]byte(js), &s))
		return s
	}
	ports := `"ports":[{"port":0,"tx_packets":10},{"port":1,"tx_packets":12}]`
	two := sum(`{"lcores":[{"lcore":1,"busy_polls":5},{"lcore":2,"busy_polls":7}],` + ports + `}`)
	assert.NoError(t, checkZcnicLoops(two, 2))
	assert.ErrorContains(t, checkZcnicLoops(two, 1), "lcores [1 2], want [1]")
	idle := sum(`{"lcores":[{"lcore":1,"busy_polls":5},{"lcore":2,"busy_polls":0}],` + ports + `}`)
	assert.ErrorContains(t, checkZcnicLoops(idle, 2), "lcores [1], want [1 2]", "a loop that never received does not count")
	silent := sum(`{"lcores":[{"lcore":1,"busy_polls":5}],"ports":[{"port":0,"tx_packets":10},{"port":1,"tx_packets":0}]}`)
	assert.ErrorContains(t, checkZcnicLoops(silent, 1), "port 1")
}

func TestS10Order(t *testing.T) {
	c, p := s10Order(1)
	assert.Equal(t, []int{1, 2}, c)
	assert.Equal(t, []string{"testpmd", "zcnic"}, p)
	c, p = s10Order(2)
	assert.Equal(t, []int{2, 1}, c)
	assert.Equal(t, []string{"zcnic", "testpmd"}, p)
	assert.Equal(t, []int{1, 2}, S10Counts, "not reordered in place")
}

func TestS10Summarize(t *testing.T) {
	c := DefaultConfig(false)
	res := &S10Result{ID: S10, Title: S10Title, Rounds: 3, MainCPU: 0, FwdCPU: 1}
	run := func(round int, prog string, v float64) RunResult {
		return RunResult{Round: round, Program: prog, Value: v}
	}
	for _, n := range S10Counts {
		sc := c.S10Scenario(n)
		res.Counts = append(res.Counts, S10Count{Lcores: n, EAL: sc.Lcores, Queues: n, Result: ScenarioResult{ID: sc.ID, Title: sc.Title, Unit: sc.Unit}})
	}
	// testpmd 40, 50, 44 at 1 lcore; 60, 50, 66 at 2: 2/1 = 1.5, 1, 1.5.
	// zcnic 20, 25, 22 at 1; 40, fails, 22 at 2: 2/1 = 2, -, 1.
	res.Counts[0].Result.Runs = []RunResult{run(1, "testpmd", 40), run(1, "zcnic", 20), run(2, "zcnic", 25), run(2, "testpmd", 50), run(3, "testpmd", 44), run(3, "zcnic", 22)}
	res.Counts[1].Result.Runs = []RunResult{run(1, "testpmd", 60), run(1, "zcnic", 40), {Round: 2, Program: "zcnic", Error: "unknown flag --rxq"}, run(2, "testpmd", 50), run(3, "testpmd", 66), run(3, "zcnic", 22)}
	res.Summarize()

	one, two := res.Counts[0].Result, res.Counts[1].Result
	assert.Equal(t, 44.0, *one.Testpmd.Median)
	assert.Equal(t, 22.0, *one.Zcnic.Median)
	assert.Equal(t, []float64{0.5, 0.5, 0.5}, one.RoundRatios, "zcnic/testpmd, round by round")
	assert.Equal(t, []float64{40, 22}, two.Zcnic.Rounds, "the failed run is left out")
	assert.InDeltaSlice(t, []float64{40.0 / 60, 22.0 / 66}, two.RoundRatios, 1e-12)
	assert.Equal(t, []float64{1.5, 1, 1.5}, res.Scaling["testpmd"].RoundRatios)
	assert.Equal(t, 1.5, *res.Scaling["testpmd"].Ratio)
	assert.Equal(t, 1.0, *res.Scaling["testpmd"].RatioMin)
	assert.Equal(t, []float64{2, 1}, res.Scaling["zcnic"].RoundRatios, "round 2 has no zcnic run at 2 lcores")
	assert.Equal(t, 1.5, *res.Scaling["zcnic"].Ratio, "the median of two")

	md := res.Markdown()
	assert.Contains(t, md, "| forwarding lcores | EAL --lcores | rx and tx queues per port | testpmd Mpps")
	assert.Contains(t, md, "| 1 | `0@0,1@1` | 1 | 44.00 (40.00-50.00) | 22.00 (20.00-25.00) | 0.500 (0.500-0.500) | 0.50, 0.50, 0.50 | 40.00, 50.00, 44.00 | 20.00, 25.00, 22.00 |\n")
	assert.Contains(t, md, "| 2 | `0@0,1@1,2@0` | 2 | 60.00 (50.00-66.00) | 31.00 (22.00-40.00) | 0.500 (0.333-0.667) | 0.67, 0.33 | 60.00, 50.00, 66.00 | 40.00, 22.00 |\n")
	assert.Contains(t, md, "| 2/1: median of round ratios (min-max) | | | 1.50 (1.00-1.50) | 1.50 (1.00-2.00) | | 1.50, 1.00, 1.50 / 2.00, 1.00 | | |\n")
	assert.Contains(t, md, "worker 2 shares CPU 0 with the main lcore")
	assert.Contains(t, md, "the same for both programs")
	assert.Equal(t, []string{"S10-1=0.50(0.50-0.50)", "S10-2=0.50(0.33-0.67)", "S10-testpmd-2/1=1.50(1.00-1.50)", "S10-zcnic-2/1=1.50(1.00-2.00)"}, res.ratioParts())

	// In the run's results: the report and the ratios line carry it.
	r := &Results{S10: res}
	assert.Contains(t, r.Markdown(), "S10: "+S10Title+"; 3 rounds")
	assert.True(t, strings.HasSuffix(r.RatiosLine(), " S10-zcnic-2/1=1.50(1.00-2.00)"), r.RatiosLine())
	_, err := json.Marshal(r)
	require.NoError(t, err, "results.json takes it")

	// No run at all: n/a, not a panic.
	empty := &S10Result{Counts: []S10Count{{Lcores: 1}, {Lcores: 2}}}
	empty.Summarize()
	assert.Contains(t, empty.Markdown(), "| 2/1: median of round ratios (min-max) | | | n/a | n/a |")
}
