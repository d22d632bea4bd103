package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteS5Files(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s5") // made if missing
	files, err := WriteS5Files(dir)
	require.NoError(t, err)
	require.Len(t, files, len(S5RuleCounts))
	for i, f := range files {
		assert.Equal(t, S5RuleCounts[i], f.Rules)
		for _, p := range []string{f.TestACLRule, f.Pcap, f.TestACLTrace} {
			assert.FileExists(t, p)
		}
		if f.Rules == 0 {
			assert.Empty(t, f.ZcnicRules, "no rules file for 0 rules")
			assert.Zero(t, f.Matched)
			continue
		}
		for _, p := range []string{f.ZcnicRules, f.TestACLRule} {
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			assert.Equal(t, f.Rules, strings.Count(string(b), "\n"), "%s: a rule a line", p)
			if p == f.ZcnicRules {
				assert.Equal(t, f.Rules, strings.Count(string(b), "flow create 0 pattern eth / ipv4"), "on port 0 only")
			}
		}
		assert.InDelta(t, 0.9, f.Matched, 0.06, "%d rules: share of the trace that matches", f.Rules)
	}
	assert.Equal(t, files[len(files)-1].Pcap, files[0].Pcap, "0 rules replays the largest set's trace")
	assert.Equal(t, filepath.Join(dir, "rules-100.flow"), files[1].ZcnicRules)
}

func TestS5Summarize(t *testing.T) {
	r := S5Row{Rules: 100, Matched: 0.9, Runs: []S5Run{
		{Round: 1, Program: "dpdk-test-acl", CyclesPerPacket: 60, NsPerPacket: 20},
		{Round: 1, Program: "zcnic", Mpps: 30, CyclesPerPacket: 30, NsPerPacket: 10},
		{Round: 2, Program: "zcnic", Mpps: 32, CyclesPerPacket: 40, NsPerPacket: 13},
		{Round: 2, Program: "dpdk-test-acl", CyclesPerPacket: 60, NsPerPacket: 20},
		{Round: 3, Program: "zcnic", Error: "boom"},
		{Round: 3, Program: "dpdk-test-acl", CyclesPerPacket: 90, NsPerPacket: 30},
	}}
	r.Summarize()
	assert.Equal(t, []float64{2, 1.5}, r.RoundRatios, "test-acl over zcnic, rounds where both ran")
	assert.Equal(t, 1.75, *r.Ratio)
	assert.Equal(t, 1.5, *r.RatioMin)
	assert.Equal(t, 2.0, *r.RatioMax)
	assert.Equal(t, 31.0, *r.ZcnicMpps)
	assert.Equal(t, 11.5, *r.ZcnicNs)
	assert.Equal(t, 20.0, *r.TestACLNs)

	zero := S5Row{Runs: []S5Run{{Round: 1, Program: "zcnic", Mpps: 40}}}
	zero.Summarize()
	assert.Nil(t, zero.Ratio, "no rules: no classification to compare")
	assert.Nil(t, zero.ZcnicNs)
	assert.Equal(t, 40.0, *zero.ZcnicMpps)

	res := &Results{S5: &S5Result{ID: S5, Title: S5Title, Rounds: 3, TraceLen: 2048, Step: 128, Rows: []S5Row{zero, r}}}
	md := res.Markdown()
	assert.Contains(t, md, "(3 rounds, alternating; 2048-packet traces, 128 packets a classify call")
	assert.Contains(t, md, "| 100 | 31.00 | 11.5 | 20.0 | 1.750 (1.500-2.000) | 90.0% | 30.00, 32.00 |")
	assert.Contains(t, md, "| 0 | 40.00 | n/a | n/a | n/a | n/a | 40.00 |")
	assert.Equal(t, "ratios S5-100=1.75(1.50-2.00)", res.RatiosLine())
}

func TestZcnicArgsScenarioFlags(t *testing.T) {
	c := DefaultConfig(false)
	sc := Scenario{ID: S5, Mode: "5tswap", VDevs: []string{"net_null0"}, Flags: []string{"--rules", "r.flow"}}
	a := strings.Join(c.ZcnicArgs(sc, 0, 0), " ")
	assert.Contains(t, a, " --rules r.flow ")
	assert.True(t, strings.HasSuffix(a, "--vdev net_null0"))
	assert.Equal(t, []string{"-l", "1", "--no-pci", "--in-memory", "--no-telemetry", "--log-level", "error", "--",
		"--rulesf=r", "--tracef=t", "--bldcat=1", "--runcat=1", "--tracestep=128", "--iter=5", "--verbose=0"},
		TestACLArgs("r", "t", 1, 5, 128, false, false))
}

func TestS5Counters(t *testing.T) {
	out := `{"command":"fwd","ports":[],"leaked_mbufs":0,
	"rules":[{"port":0,"index":0,"rule":"pattern eth / ipv4 / end actions count / end","placement":"software","hits":850,"bytes":1000},
	         {"port":0,"index":1,"rule":"pattern eth / ipv6 / end actions count / end","placement":"software","hits":50,"bytes":10}],
	"classify":[{"port":0,"classified":1000,"cycles":60000,"tsc_hz":3000000000}]}`
	s, err := ParseZcnicSummary(out)
	require.NoError(t, err)
	f := S5Files{Rules: 2, Matched: 0.9}
	var r S5Run
	require.NoError(t, s5Counters(s, f, &r))
	assert.Equal(t, uint64(900), r.Hits)
	assert.Equal(t, uint64(1000), r.Classified)
	assert.Equal(t, 60.0, r.CyclesPerPacket)
	assert.InDelta(t, 20.0, r.NsPerPacket, 1e-9)
	assert.Empty(t, r.Note, "90% matched, as the bench counted")

	f.Matched = 0.5
	r = S5Run{}
	require.NoError(t, s5Counters(s, f, &r))
	assert.Contains(t, r.Note, "matched 90.0% of the packets, the bench's matcher 50.0%")

	r = S5Run{}
	assert.ErrorContains(t, s5Counters(s, S5Files{Rules: 3}, &r), "2 rules, want 3")
	s.Rules[1].Placement = "hardware"
	assert.ErrorContains(t, s5Counters(s, f, &r), "in hardware, want software")
	s.Rules[1].Placement = "software"
	s.Classify = nil
	assert.ErrorContains(t, s5Counters(s, f, &r), "no classification cycles")
	assert.ErrorContains(t, s5Counters(s, S5Files{}, &r), "want none")
	assert.NoError(t, s5Counters(ZcnicSummary{}, S5Files{}, &r))
}
