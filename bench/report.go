package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Results is everything a benchmark run found; it is written as
// results.json.
type Results struct {
	Machine   Machine          `json:"machine"`
	Settings  Settings         `json:"settings"`
	Scenarios []ScenarioResult `json:"scenarios"`
	ZeroCopy  *ZeroCopy        `json:"zero_copy,omitempty"`
	// S5 is the flow-rules scenario, beside dpdk-test-acl.
	S5 *S5Result `json:"s5,omitempty"`
	// S8 is latency through the forwarder, beside testpmd and a bare
	// C join.
	S8 *S8Result `json:"s8,omitempty"`
	// S9 is the busy-control-plane scenario, beside the C floor.
	S9 *S9Result `json:"s9,omitempty"`
	// S10 is the scaling scenario, 1 and 2 forwarding lcores.
	S10 *S10Result `json:"s10,omitempty"`
	// WallSeconds is how long the whole run took.
	WallSeconds float64 `json:"wall_seconds"`
}

// Settings are what both programs were run with.
type Settings struct {
	Quick           bool     `json:"quick"`
	Rounds          int      `json:"rounds"`
	WarmupSeconds   int      `json:"warmup_seconds"`
	MeasureSeconds  int      `json:"measure_seconds"`
	IperfSeconds    int      `json:"iperf_seconds"`
	Lcores          string   `json:"lcores"`
	ForwardingLcore int      `json:"forwarding_lcore"`
	Burst           int      `json:"burst"`
	ZcnicVector     int      `json:"zcnic_vector"` // 0: zcnic's default
	ZcnicFlags      []string `json:"zcnic_flags,omitempty"`
	PoolSize        int      `json:"pool_size"`
	PoolCache       int      `json:"pool_cache"`
	RxDesc          int      `json:"rxd"`
	TxDesc          int      `json:"txd"`
	NoHuge          bool     `json:"no_huge"`
	EAL             []string `json:"eal"`
	Metric          string   `json:"metric"`
}

// RunResult is one run of one program in one round.
type RunResult struct {
	Round   int       `json:"round"`
	Program string    `json:"program"` // "testpmd" or "zcnic"
	Value   float64   `json:"value"`   // in the scenario's unit; NaN-free: 0 when Error
	Samples []float64 `json:"samples_pps,omitempty"`
	// GoRuntime is zcnic's report of its loops' allocations.
	GoRuntime *GoRuntime `json:"go_runtime,omitempty"`
	Log       string     `json:"log,omitempty"`
	Error     string     `json:"error,omitempty"`
	// Note is something that went wrong without spoiling the value.
	Note string `json:"note,omitempty"`
}

// ScenarioResult is one scenario's runs and medians.
type ScenarioResult struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Unit    string `json:"unit"`
	Testpmd Stat   `json:"testpmd"`
	Zcnic   Stat   `json:"zcnic"`
	// RoundRatios are each round's zcnic value over the testpmd value
	// of the same round (the two runs side by side), for the rounds
	// where both ran.
	RoundRatios []float64 `json:"round_ratios"`
	// Ratio is the median of RoundRatios, RatioMin and RatioMax their
	// spread; null when no round has both.
	Ratio    *float64    `json:"ratio"`
	RatioMin *float64    `json:"ratio_min"`
	RatioMax *float64    `json:"ratio_max"`
	Runs     []RunResult `json:"runs"`
}

// Stat is one program's values over the rounds, and their median.
type Stat struct {
	Rounds []float64 `json:"rounds"`
	Median *float64  `json:"median"`
}

// spread is the median and the rounds' range: "97.00 (95.00-99.00)",
// or "n/a".
func (s Stat) spread() string {
	if s.Median == nil || len(s.Rounds) == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f (%.2f-%.2f)", *s.Median, slices.Min(s.Rounds), slices.Max(s.Rounds))
}

func ptr(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

// Summarize fills the medians, the per-round ratios and their median
// and spread from the runs.
func (s *ScenarioResult) Summarize() {
	s.Testpmd, s.Zcnic = Stat{Rounds: []float64{}}, Stat{Rounds: []float64{}}
	var rs roundValues
	for _, r := range s.Runs {
		if r.Error != "" {
			continue
		}
		if r.Program == "zcnic" {
			s.Zcnic.Rounds = append(s.Zcnic.Rounds, r.Value)
		} else {
			s.Testpmd.Rounds = append(s.Testpmd.Rounds, r.Value)
		}
		rs.add(r.Round, r.Program, r.Value)
	}
	s.RoundRatios = rs.ratios("zcnic", "testpmd")
	t, z := Median(s.Testpmd.Rounds), Median(s.Zcnic.Rounds)
	s.Testpmd.Median, s.Zcnic.Median = ptr(t), ptr(z)
	s.Ratio, s.RatioMin, s.RatioMax = ratioSpread(s.RoundRatios)
}

// ratioSpread is the median of per-round ratios, with their least and
// greatest; nil for none.
func ratioSpread(q []float64) (median, least, most *float64) {
	if len(q) == 0 {
		return nil, nil, nil
	}
	return ptr(Median(q)), ptr(slices.Min(q)), ptr(slices.Max(q))
}

// spreadText is a ratio with its spread: "0.97 (0.91-1.02)", or "n/a".
func spreadText(ratio, least, most *float64, prec int) string {
	if ratio == nil {
		return "n/a"
	}
	return fmt.Sprintf("%s (%s-%s)", fmtNum(ratio, prec), fmtNum(least, prec), fmtNum(most, prec))
}

// Spread is the ratio with its spread over rounds: "0.97 (0.91-1.02)".
func (s *ScenarioResult) Spread(prec int) string {
	return spreadText(s.Ratio, s.RatioMin, s.RatioMax, prec)
}

// ZeroCopy is the proof of zero-copy discipline: a zcnic forwarding
// run with no stats lines, whose Go runtime counted no heap allocation
// and no GC cycle, and what the measured runs (stats lines every
// second) counted.
type ZeroCopy struct {
	Scenario string     `json:"scenario"`
	Mode     string     `json:"mode"`
	Seconds  int        `json:"seconds"`
	Run      *GoRuntime `json:"go_runtime,omitempty"`
	Error    string     `json:"error,omitempty"`
	// Of the measured zcnic runs (which print a JSON stats line a
	// second): how many reported, their heap allocations and GC cycles
	// summed, and the highest allocations per burst.
	MeasuredRuns           int     `json:"measured_runs"`
	MeasuredHeapAllocs     uint64  `json:"measured_heap_allocs"`
	MeasuredGCCycles       uint64  `json:"measured_gc_cycles"`
	MeasuredMaxAllocsBurst float64 `json:"measured_max_allocs_per_burst"`
	MeasuredSeconds        float64 `json:"measured_seconds"`
}

// Lines says what the zero-copy run found, in two lines.
func (z *ZeroCopy) Lines() []string {
	var l []string
	if z.Run != nil {
		g := z.Run
		threads := ""
		if g.NewThreads > 0 {
			threads = fmt.Sprintf("; the Go scheduler started %d OS threads meanwhile, whose m structs are heap objects", g.NewThreads)
		}
		l = append(l, fmt.Sprintf("zero-copy: allocs/burst=%.3f gc_cycles=%d (zcnic fwd %s %s, %d s, stats lines off: %d heap allocations, %d bytes over %.1f s, %d bursts%s)",
			g.AllocsPerBurst, g.GCCycles, z.Scenario, z.Mode, z.Seconds, g.HeapAllocs, g.HeapAllocBytes, g.WindowSeconds, g.Bursts, threads))
	} else {
		l = append(l, fmt.Sprintf("zero-copy: no result (zcnic fwd %s %s): %s", z.Scenario, z.Mode, z.Error))
	}
	if z.MeasuredRuns > 0 {
		l = append(l, fmt.Sprintf("measured zcnic runs (which print a JSON stats line a second, about 70 heap allocations a line): %d runs, %.0f s in all: %d heap allocations, gc_cycles=%d, allocs/burst at most %.6f",
			z.MeasuredRuns, z.MeasuredSeconds, z.MeasuredHeapAllocs, z.MeasuredGCCycles, z.MeasuredMaxAllocsBurst))
	}
	return l
}

// fmtNum formats a median or ratio, "n/a" when missing.
func fmtNum(v *float64, prec int) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.*f", prec, *v)
}

func fmtList(xs []float64, prec int) string {
	if len(xs) == 0 {
		return "-"
	}
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.*f", prec, x)
	}
	return strings.Join(s, ", ")
}

// Markdown is the results table, then the zero-copy lines and the
// machine, as Markdown.
func (r *Results) Markdown() string {
	var b strings.Builder
	if len(r.Scenarios) > 0 {
		b.WriteString("| scenario | testpmd: median (rounds' min-max) | zcnic: median (rounds' min-max) | unit | zcnic/testpmd: median of round ratios (min-max) | round ratios | testpmd rounds | zcnic rounds |\n")
		b.WriteString("|---|---:|---:|---|---:|---|---|---|\n")
	}
	for _, s := range r.Scenarios {
		fmt.Fprintf(&b, "| %s: %s | %s | %s | %s | %s | %s | %s | %s |\n", s.ID, s.Title,
			s.Testpmd.spread(), s.Zcnic.spread(), s.Unit, s.Spread(3),
			fmtList(s.RoundRatios, 2), fmtList(s.Testpmd.Rounds, 2), fmtList(s.Zcnic.Rounds, 2))
	}
	if c := LatencyCost(r.Scenarios); len(c) > 0 {
		fmt.Fprintf(&b, "\nS1L/S1, zcnic with --latency over without, round by round: %s (rounds: %s)\n", spread(c), fmtList(c, 3))
	}
	if r.S5 != nil {
		b.WriteString("\n" + r.S5.Markdown())
	}
	if r.S8 != nil {
		b.WriteString("\n" + r.S8.Markdown())
	}
	if r.S9 != nil {
		b.WriteString("\n" + r.S9.Markdown())
	}
	if r.S10 != nil {
		b.WriteString("\n" + r.S10.Markdown())
	}
	if r.ZeroCopy != nil {
		for _, l := range r.ZeroCopy.Lines() {
			b.WriteString("\n" + l + "\n")
		}
	}
	m, st := r.Machine, r.Settings
	fmt.Fprintf(&b, "\n%s; %d CPUs; Linux %s; DPDK %s; %s; load average %s at the start; %s.\n", m.CPU, m.CPUs, m.Kernel, m.DPDK, m.Go, m.LoadAvg, m.Date)
	fmt.Fprintf(&b, "\nBoth programs: EAL `%s`, forwarding lcore %d, burst %d, %d mbufs (cache %d), %d rx / %d tx descriptors; %d rounds, alternating; Mpps: %s.\n",
		strings.Join(st.EAL, " "), st.ForwardingLcore, st.Burst, st.PoolSize, st.PoolCache, st.RxDesc, st.TxDesc, st.Rounds, st.Metric)
	return b.String()
}

// LatencyCost is zcnic's S1L value over its S1 value, round by round:
// what --latency costs in packet rate (none without both scenarios).
func LatencyCost(scs []ScenarioResult) []float64 {
	var rv roundValues
	for _, s := range scs {
		if s.ID != "S1" && s.ID != "S1L" {
			continue
		}
		for _, r := range s.Runs {
			if r.Program == "zcnic" && r.Error == "" {
				rv.add(r.Round, s.ID, r.Value)
			}
		}
	}
	return rv.ratios("S1L", "S1")
}

// RatiosLine is the last line a run prints: each scenario's median of
// round ratios and their range, "ratios S1=0.97(0.91-1.02) S1b=... ".
func (r *Results) RatiosLine() string {
	parts := []string{"ratios"}
	for _, s := range r.Scenarios {
		parts = append(parts, s.ID+"="+strings.ReplaceAll(s.Spread(2), " ", ""))
	}
	if c := LatencyCost(r.Scenarios); len(c) > 0 {
		parts = append(parts, "S1L/S1="+compact(c))
	}
	if r.S5 != nil {
		parts = append(parts, r.S5.ratioParts()...)
	}
	if r.S8 != nil {
		parts = append(parts, r.S8.ratioParts()...)
	}
	if r.S9 != nil {
		parts = append(parts, r.S9.ratioParts()...)
	}
	if r.S10 != nil {
		parts = append(parts, r.S10.ratioParts()...)
	}
	return strings.Join(parts, " ")
}

// WriteFiles writes results.json and results.md into dir.
func (r *Results) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(j, '\n'), 0o644); err != nil {
		return err
	}
	md := "# zcnic vs dpdk-testpmd\n\n" + r.Markdown() + "\n" + r.RatiosLine() + "\n"
	return os.WriteFile(filepath.Join(dir, "results.md"), []byte(md), 0o644)
}

// roundValues are the programs' figures of each round, in the order the
// rounds came.
type roundValues struct {
	by     map[int]map[string]float64
	rounds []int
}

func (rv *roundValues) add(round int, program string, v float64) {
	if rv.by == nil {
		rv.by = map[int]map[string]float64{}
	}
	if rv.by[round] == nil {
		rv.by[round] = map[string]float64{}
		rv.rounds = append(rv.rounds, round)
	}
	rv.by[round][program] = v
}

// ratios is num's figure over den's, round by round, for the rounds that
// have both.
func (rv *roundValues) ratios(num, den string) []float64 {
	q := []float64{}
	for _, n := range rv.rounds {
		a, aok := rv.by[n][num]
		b, bok := rv.by[n][den]
		if r := Ratio(a, b); aok && bok && !math.IsNaN(r) {
			q = append(q, r)
		}
	}
	return q
}
