package bench

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal/ealtest"
)

func s9Report(t *testing.T, js string) *S9Report {
	t.Helper()
	var r S9Report
	require.NoError(t, json.Unmarshal([]byte(js), &r))
	return &r
}

func TestS9Summarize(t *testing.T) {
	row := S9Row{Case: S9Case{Name: "50", Alloc: 50}}
	z := func(o64, o256 int) string {
		return `{"program":"zcnic","stalls":{"over_64us":` + itoa(o64) + `,"over_256us":` + itoa(o256) + `,"max_us":900},"gc_cycles":8,"gc_pause_total_us":1600,"mpps":50,"lost_at_10mpps":{"512":1000,"4096":0}}`
	}
	f := func(o64, o256 int) string {
		return `{"program":"floor","stalls":{"over_64us":` + itoa(o64) + `,"over_256us":` + itoa(o256) + `,"max_us":800}}`
	}
	row.Runs = []S9Run{
		{Round: 1, Program: "floor", Report: s9Report(t, f(99, 9))},
		{Round: 1, Program: "zcnic", Report: s9Report(t, z(149, 9))},
		{Round: 2, Program: "zcnic", Report: s9Report(t, z(199, 19))},
		{Round: 2, Program: "floor", Report: s9Report(t, f(199, 9))},
		{Round: 3, Program: "floor", Error: "exit status 1"},
		{Round: 3, Program: "zcnic", Report: s9Report(t, z(1, 1))},
	}
	row.Summarize()
	assert.Equal(t, []float64{1.5, 1}, row.Ratio64, "(zcnic+1)/(floor+1) of the rounds with both")
	assert.Equal(t, []float64{1, 2}, row.Ratio256)
	assert.Equal(t, 149.0, row.Over64["zcnic"])
	assert.Equal(t, 149.0, row.Over64["floor"])
	assert.Equal(t, 8.0, row.GCCycles)
	assert.Equal(t, 1000.0, row.Lost["512"])
	res := S9Result{ID: S9, Title: S9Title, Rounds: 3, Seconds: 10, Rows: []S9Row{row}}
	md := res.Markdown()
	assert.Contains(t, md, "| 50 MB/s | 149 | 149 | 1.25 (1.00-1.50) | 9 | 9 | 1.50 (1.00-2.00) | 800 | 900 | 8 | 1600 | 50.00 | 0 / 1000 | 0 / 0 | 0 / 0 | 0 / 0 |")
	assert.Equal(t, []string{"S9-50=1.25(1.00-1.50)/1.50(1.00-2.00)"}, res.ratioParts())
	_, err := json.Marshal(res)
	require.NoError(t, err, "results.json takes it")
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestS9Args(t *testing.T) {
	c := DefaultConfig(false)
	a := strings.Join(c.S9Args(S9Case{Name: "200", Alloc: 200}, "floor"), " ")
	assert.Equal(t, "--cpu 1 --duration 10s --alloc 200 --live 64 --rxd 512 --price-rxd 512 --price-rxd 1024 --price-rxd 2048 --price-rxd 4096 --floor", a)
	assert.Contains(t, ScenarioIDs(), S9)
}

// zcnic-stall itself: both programs report, and the report reads back.
func TestStallProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs zcnic-stall")
	}
	bin := filepath.Join(t.TempDir(), "zcnic-stall")
	build := exec.Command("go", "build", "-o", bin, "./cmd/zcnic-stall")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, args := range [][]string{
		{"--floor", "--duration", "300ms"},
		{"--duration", "500ms", "--alloc", "20", "--live", "8", "--price-rxd", "512", "--price-rxd", "4096"},
	} {
		cmd := exec.Command(bin, args...)
		if ealtest.Config().NoHuge {
			cmd.Args = append(cmd.Args, "--no-huge")
		}
		out, err := cmd.Output()
		require.NoError(t, err, "%v: %s", args, out)
		r := s9Report(t, string(out))
		assert.Positive(t, r.Stalls.Gaps, "%v: turns timed", args)
		if r.Program == "zcnic" {
			assert.Positive(t, r.Mpps)
			assert.InDelta(t, 10, r.AllocatedMB, 6, "about 20 MB/s for half a second")
			assert.Contains(t, r.Lost, "4096")
		} else {
			assert.Equal(t, "floor", r.Program)
		}
	}
	cmd := exec.Command(bin, "--cpu", "0")
	assert.Error(t, cmd.Run(), "a bad command line")
	assert.Equal(t, 2, cmd.ProcessState.ExitCode())
}
