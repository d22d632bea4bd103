package bench

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// S5 is the flow-rules scenario: S5's trace (a pcap) replayed through
// 5tswap with 0, 100, 1,000 and 10,000 software rules, beside
// dpdk-test-acl classifying the same rules and trace.
const S5 = "S5"

// S5RuleCounts are S5's rows: rules per set.
var S5RuleCounts = []int{0, 100, 1000, 10000}

const (
	// s5Seed makes S5's rules and traces (the same every run).
	s5Seed = 2026
	// s5TraceLen is the packets in each trace. net_pcap with
	// infinite_rx holds the whole file in mbufs of the pool (8191).
	s5TraceLen = 2048
	// s5Rounds caps S5's rounds, to keep make bench about 2 minutes
	// longer.
	s5Rounds = 3
	// s5TestACLPackets is about how many packets dpdk-test-acl
	// classifies a run (the trace, --iter times).
	s5TestACLPackets = 4 << 20
	// s5Actions are every S5 rule's actions: count, so that the
	// summary's per-rule hits show what matched.
	s5Actions = "count"
	// zcnicDefaultVector is zcnic's --vector default (app.DefaultVector):
	// the packets a classification call takes.
	zcnicDefaultVector = 128
)

// S5Title is S5's title.
const S5Title = "net_pcap replay of a 5-tuple trace -> 5tswap (software rules) -> net_null, beside dpdk-test-acl"

// S5Files are one row's files.
type S5Files struct {
	Rules        int
	ZcnicRules   string // for zcnic fwd --rules ("" with no rules)
	TestACLRule  string // dpdk-test-acl --rulesf
	Pcap         string // the trace, for net_pcap
	TestACLTrace string // the same trace, dpdk-test-acl --tracef
	// Matched is the share of the trace's packets that match a rule
	// (the test's own matcher).
	Matched float64
}

// WriteS5Files writes S5's rule sets and traces into dir: for each
// count of S5RuleCounts, the first count rules of one generated set and
// a trace drawn from them; the 0-rule row replays the 10,000-rule
// trace.
func WriteS5Files(dir string) ([]S5Files, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	all := GenACLRules(slices.Max(S5RuleCounts), s5Seed)
	var out []S5Files
	for _, n := range S5RuleCounts {
		src := n
		if n == 0 {
			src = slices.Max(S5RuleCounts)
		}
		rules := all[:src]
		trace := GenACLTrace(rules, s5TraceLen, s5Seed+uint64(src))
		f := S5Files{Rules: n,
			TestACLRule:  filepath.Join(dir, fmt.Sprintf("rules-%d.acl", src)),
			Pcap:         filepath.Join(dir, fmt.Sprintf("trace-%d.pcap", src)),
			TestACLTrace: filepath.Join(dir, fmt.Sprintf("trace-%d.acl", src)),
		}
		if n > 0 {
			f.ZcnicRules = filepath.Join(dir, fmt.Sprintf("rules-%d.flow", n))
			// On the replaying port only (port 1 is the sink).
			if err := WriteRuleFiles(rules, 0, s5Actions, f.ZcnicRules, f.TestACLRule); err != nil {
				return nil, err
			}
			hit := 0
			for _, t := range trace {
				if FirstMatch(rules, t) >= 0 {
					hit++
				}
			}
			f.Matched = float64(hit) / float64(len(trace))
		}
		if err := WriteTrace(trace, f.Pcap, f.TestACLTrace); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// TestACLArgs is dpdk-test-acl's command line: EAL on lcore alone
// (the tool classifies on every lcore it has), rules and trace files,
// one category, step packets a classify call, iter passes over the
// trace; perPacket prints each packet's result (--verbose=2).
func TestACLArgs(rules, trace string, lcore, iter, step int, noHuge, perPacket bool) []string {
	a := []string{"-l", strconv.Itoa(lcore), "--no-pci"}
	if noHuge {
		a = append(a, "-m", "512", "--no-huge", "--no-shconf")
	} else {
		a = append(a, "--in-memory")
	}
	verbose := "0"
	if perPacket {
		verbose = "2"
	}
	return append(a, "--no-telemetry", "--log-level", "error", "--",
		"--rulesf="+rules, "--tracef="+trace, "--bldcat=1", "--runcat=1",
		"--tracestep="+strconv.Itoa(step), "--iter="+strconv.Itoa(iter), "--verbose="+verbose)
}

// S5Run is one program's run of one S5 row in one round.
type S5Run struct {
	Round   int    `json:"round"`
	Program string `json:"program"` // "zcnic" or "dpdk-test-acl"
	// Mpps is zcnic's forwarding rate (packets transmitted a second,
	// median of the measured samples).
	Mpps float64 `json:"mpps,omitempty"`
	// CyclesPerPacket is the TSC cycles of classification per packet:
	// zcnic's counters of its classification step, or dpdk-test-acl's
	// figure.
	CyclesPerPacket float64 `json:"cycles_per_packet,omitempty"`
	// NsPerPacket is CyclesPerPacket in ns.
	NsPerPacket float64 `json:"ns_per_packet,omitempty"`
	// TSCHz is the TSC frequency (zcnic reports it; dpdk-test-acl's
	// figures imply it).
	TSCHz float64 `json:"tsc_hz,omitempty"`
	// Classified and Hits are zcnic's packets classified and rule hits.
	Classified uint64 `json:"classified,omitempty"`
	Hits       uint64 `json:"hits,omitempty"`
	// StartSeconds is how long the program took from its start to its
	// first stats line (zcnic: EAL, ports and the rule set's build) or
	// to its end less the classification (dpdk-test-acl: EAL, reading
	// and building the rules, reading the trace).
	StartSeconds float64 `json:"start_seconds"`
	Log          string  `json:"log,omitempty"`
	Error        string  `json:"error,omitempty"`
	Note         string  `json:"note,omitempty"`
}

// S5Row is one rule count's runs and medians.
type S5Row struct {
	Rules int `json:"rules"`
	// Matched is the share of trace packets that match a rule, by the
	// bench's own matcher.
	Matched float64 `json:"matched_share"`
	// ZcnicMpps, ZcnicNs and TestACLNs are medians over the rounds.
	ZcnicMpps *float64 `json:"zcnic_mpps"`
	ZcnicNs   *float64 `json:"zcnic_classify_ns_per_packet"`
	TestACLNs *float64 `json:"test_acl_ns_per_packet"`
	// RoundRatios are each round's dpdk-test-acl cycles per packet
	// over zcnic's (above 1: zcnic classifies faster); Ratio is their
	// median.
	RoundRatios []float64 `json:"round_ratios"`
	Ratio       *float64  `json:"ratio"`
	RatioMin    *float64  `json:"ratio_min"`
	RatioMax    *float64  `json:"ratio_max"`
	Runs        []S5Run   `json:"runs"`
}

// S5Result is S5's rows.
type S5Result struct {
	ID       string  `json:"id"`
	Title    string  `json:"title"`
	Rounds   int     `json:"rounds"`
	TraceLen int     `json:"trace_packets"`
	Step     int     `json:"classify_step"`
	Rows     []S5Row `json:"rows"`
}

// Summarize fills the row's medians and ratios from its runs.
func (r *S5Row) Summarize() {
	var mpps, zns, tns []float64
	var rs roundValues
	for _, run := range r.Runs {
		if run.Error != "" {
			continue
		}
		if run.Program == "zcnic" {
			mpps = append(mpps, run.Mpps)
			if run.NsPerPacket > 0 {
				zns = append(zns, run.NsPerPacket)
			}
		} else {
			tns = append(tns, run.NsPerPacket)
		}
		if run.CyclesPerPacket > 0 {
			rs.add(run.Round, run.Program, run.CyclesPerPacket)
		}
	}
	r.RoundRatios = rs.ratios("dpdk-test-acl", "zcnic")
	r.ZcnicMpps, r.ZcnicNs, r.TestACLNs = ptr(Median(mpps)), ptr(Median(zns)), ptr(Median(tns))
	r.Ratio, r.RatioMin, r.RatioMax = ratioSpread(r.RoundRatios)
}

// Spread is the ratio with its spread over rounds, as ScenarioResult's.
func (r *S5Row) Spread(prec int) string {
	return spreadText(r.Ratio, r.RatioMin, r.RatioMax, prec)
}

// Markdown is S5's table.
func (s *S5Result) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s (%d rounds, alternating; %d-packet traces, %d packets a classify call, both on the forwarding lcore; zcnic's ns/pkt is its classification step: keys from the mbufs, rte_acl_classify, the actions)\n\n", s.ID, s.Title, s.Rounds, s.TraceLen, s.Step)
	b.WriteString("| rules | zcnic Mpps (median) | zcnic classify ns/pkt | dpdk-test-acl ns/pkt | dpdk-test-acl/zcnic per packet: median of round ratios (min-max), above 1: zcnic faster | trace packets matching a rule | zcnic rounds (Mpps) |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range s.Rows {
		var mpps []float64
		for _, run := range r.Runs {
			if run.Program == "zcnic" && run.Error == "" {
				mpps = append(mpps, run.Mpps)
			}
		}
		matched := "n/a" // no rules
		if r.Rules > 0 {
			matched = fmt.Sprintf("%.1f%%", 100*r.Matched)
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s |\n", r.Rules, fmtNum(r.ZcnicMpps, 2), fmtNum(r.ZcnicNs, 1), fmtNum(r.TestACLNs, 1),
			r.Spread(3), matched, fmtList(mpps, 2))
	}
	return b.String()
}

// ratioParts are S5's entries of the ratios line: "S5-100=1.2(1.1-1.3)".
func (s *S5Result) ratioParts() []string {
	var p []string
	for _, r := range s.Rows {
		if r.Rules > 0 {
			p = append(p, fmt.Sprintf("%s-%d=%s", s.ID, r.Rules, strings.ReplaceAll(r.Spread(2), " ", "")))
		}
	}
	return p
}

// ZcnicRuleStat is one rule's line of zcnic fwd --json's "rules".
type ZcnicRuleStat struct {
	Port      int    `json:"port"`
	Rule      string `json:"rule"`
	Placement string `json:"placement"`
	Reason    string `json:"reason,omitempty"`
	Hits      uint64 `json:"hits"`
	Bytes     uint64 `json:"bytes"`
}

// ZcnicClassify is one port's line of zcnic fwd --json's "classify":
// packets its software rules classified and the TSC cycles it took.
type ZcnicClassify struct {
	Port       int    `json:"port"`
	Classified uint64 `json:"classified"`
	Cycles     uint64 `json:"cycles"`
	TSCHz      uint64 `json:"tsc_hz"`
}

// s5 runs S5: for each round (up to s5Rounds), each row runs
// dpdk-test-acl and zcnic, the first alternating from round to round.
func (b *runner) s5(ctx context.Context) (*S5Result, []string) {
	step := b.cfg.Vector
	if step == 0 {
		step = zcnicDefaultVector
	}
	res := &S5Result{ID: S5, Title: S5Title, TraceLen: s5TraceLen, Step: step}
	dir := filepath.Join(b.cfg.Out, "s5")
	begin := time.Now()
	files, err := WriteS5Files(dir)
	if err != nil {
		return res, []string{"S5 files: " + err.Error()}
	}
	b.logf("S5 wrote rules and traces into %s (%.1f s)", dir, time.Since(begin).Seconds())
	for _, f := range files {
		res.Rows = append(res.Rows, S5Row{Rules: f.Rules, Matched: f.Matched})
	}
	var failures []string
	rounds := min(b.cfg.Rounds, s5Rounds)
	res.Rounds = rounds
	for round := 1; round <= rounds && ctx.Err() == nil; round++ {
		for i, f := range files {
			progs := []string{"dpdk-test-acl", "zcnic"}
			if round%2 == 0 {
				slices.Reverse(progs)
			}
			for _, prog := range progs {
				if ctx.Err() != nil || (prog == "dpdk-test-acl" && f.Rules == 0) {
					continue
				}
				r := S5Run{Round: round, Program: prog, Log: filepath.Join(b.logs, fmt.Sprintf("S5-%d-r%d-%s.log", f.Rules, round, prog))}
				if prog == "zcnic" {
					err = b.s5Zcnic(ctx, f, &r)
				} else {
					err = b.s5TestACL(ctx, f, step, &r)
				}
				if err != nil {
					r.Error = oneLine(err)
					failures = append(failures, fmt.Sprintf("S5 %d rules round %d %s: %s", f.Rules, round, prog, r.Error))
					b.logf("S5 %5d rules round %d/%d %-13s FAILED: %s", f.Rules, round, rounds, prog, r.Error)
				}
				res.Rows[i].Runs = append(res.Rows[i].Runs, r)
			}
			for j := range res.Rows[i].Runs {
				r := &res.Rows[i].Runs[j]
				if r.Round != round || r.Error != "" {
					continue
				}
				b.logf("S5 %5d rules round %d/%d %-13s %s", f.Rules, round, rounds, r.Program, r.line())
				if r.Note != "" {
					b.logf("S5 %5d rules round %d/%d %-13s note: %s", f.Rules, round, rounds, r.Program, r.Note)
				}
			}
		}
	}
	for i := range res.Rows {
		res.Rows[i].Summarize()
	}
	return res, failures
}

func (r *S5Run) line() string {
	var p []string
	if r.Program == "zcnic" {
		p = append(p, fmt.Sprintf("%8.3f Mpps", r.Mpps))
	}
	if r.CyclesPerPacket > 0 {
		p = append(p, fmt.Sprintf("%.1f cycles/pkt", r.CyclesPerPacket))
	}
	if r.NsPerPacket > 0 {
		p = append(p, fmt.Sprintf("%.1f ns/pkt", r.NsPerPacket))
	}
	p = append(p, fmt.Sprintf("started in %.1f s", r.StartSeconds))
	return strings.Join(p, ", ")
}

// s5Zcnic runs zcnic fwd on the row's trace, with its rules in
// software, and reads its rate, its classification counters and its
// rule hits.
func (b *runner) s5Zcnic(ctx context.Context, f S5Files, r *S5Run) error {
	sc := Scenario{ID: S5, Mode: "5tswap", VDevs: []string{"net_pcap0,rx_pcap=" + f.Pcap + ",infinite_rx=1", "net_null0,no-rx=1"}}
	if f.ZcnicRules != "" {
		sc.Flags = []string{"--rules", f.ZcnicRules, "--rule-placement", "software"}
	}
	z, err := b.zcnicFwd(ctx, sc, r.Log, 90*time.Second)
	r.StartSeconds = z.startSeconds
	if err != nil {
		return err
	}
	r.Mpps = z.mpps
	return s5Counters(z.summary, f, r)
}

// s5Counters reads a zcnic S5 run's summary: every rule in software,
// the hits, and the classification's cycles per packet; a share of
// matching packets away from the bench's own count is noted.
func s5Counters(s ZcnicSummary, f S5Files, r *S5Run) error {
	if f.Rules == 0 {
		if len(s.Rules) != 0 {
			return fmt.Errorf("zcnic's summary has %d rules, want none", len(s.Rules))
		}
		return nil
	}
	if len(s.Rules) != f.Rules {
		return fmt.Errorf("zcnic's summary has %d rules, want %d", len(s.Rules), f.Rules)
	}
	for _, rs := range s.Rules {
		if rs.Placement != "software" {
			return fmt.Errorf("zcnic placed rule %q in %s, want software", rs.Rule, rs.Placement)
		}
		r.Hits += rs.Hits
	}
	var cycles uint64
	for _, c := range s.Classify {
		r.Classified += c.Classified
		cycles += c.Cycles
		r.TSCHz = float64(c.TSCHz)
	}
	if r.Classified == 0 || cycles == 0 || r.TSCHz == 0 {
		return fmt.Errorf("zcnic's summary counts no classification cycles (or no TSC rate)")
	}
	r.CyclesPerPacket = float64(cycles) / float64(r.Classified)
	r.NsPerPacket = r.CyclesPerPacket / r.TSCHz * 1e9
	// Every rule counts: the hits over the packets classified is the
	// trace's share of matching packets (the replay repeats it).
	if got := float64(r.Hits) / float64(r.Classified); math.Abs(got-f.Matched) > 0.02 {
		r.Note = fmt.Sprintf("zcnic's rules matched %.1f%% of the packets, the bench's matcher %.1f%% of the trace", 100*got, 100*f.Matched)
	}
	return nil
}

// s5TestACL runs dpdk-test-acl on the row's rules and trace.
func (b *runner) s5TestACL(ctx context.Context, f S5Files, step int, r *S5Run) error {
	iter := max(1, s5TestACLPackets/s5TraceLen)
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	start := time.Now()
	p, err := startProc(ctx, r.Log, nil, b.cfg.TestACL, TestACLArgs(f.TestACLRule, f.TestACLTrace, b.cfg.FwdLcore, iter, step, b.cfg.NoHuge, false)...)
	if err != nil {
		return err
	}
	werr := p.wait()
	wall := time.Since(start).Seconds()
	stdout, stderr := p.output()
	if werr != nil {
		return fmt.Errorf("dpdk-test-acl: %v: %s", werr, tail(stderr+stdout, 3))
	}
	t, err := ParseTestACL(strings.NewReader(stdout))
	if err != nil {
		return err
	}
	r.CyclesPerPacket, r.NsPerPacket, r.TSCHz = t.CyclesPerPkt, t.NsPerPacket(), t.TSCHz()
	r.StartSeconds = wall - float64(t.Packets)/t.PktPerSec
	return nil
}
