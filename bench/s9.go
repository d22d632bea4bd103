package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// S9 is the busy-control-plane scenario: zcnic fwd io on a net_null
// pair while a goroutine of the same process allocates at a set rate
// (zcnic-stall, a bench-only program on the library), beside the C
// floor (a C loop pinned to the forwarding CPU, stamping as the loop
// does), alternating, for each rate. Its figures are the loop's gaps
// between turns against the floor's.
const S9 = "S9"

// S9Title is S9's title.
const S9Title = "zcnic fwd io on a net_null pair with a control-plane goroutine allocating (64 MB live), beside a C loop pinned to the same CPU"

// S9Case is one row of S9: an allocation rate and the Go settings it
// runs with.
type S9Case struct {
	Name  string  `json:"name"`
	Alloc float64 `json:"alloc_mbps"`
	// Env is more environment for both programs (GOGC, GOMEMLIMIT).
	Env []string `json:"env,omitempty"`
}

// S9Cases are S9's rows: the rates of the issue, then what the
// collector's settings buy at the highest.
var S9Cases = []S9Case{
	{Name: "0", Alloc: 0},
	{Name: "50", Alloc: 50},
	{Name: "200", Alloc: 200},
	{Name: "200-gogc400", Alloc: 200, Env: []string{"GOGC=400"}},
	{Name: "200-memlimit", Alloc: 200, Env: []string{"GOGC=off", "GOMEMLIMIT=512MiB"}},
}

const (
	// s9Rounds caps S9's rounds (each row runs both programs a round).
	s9Rounds = 3
	// s9Live is the control plane's live heap, MB.
	s9Live = 64
)

// S9RxDescs are the rx descriptor counts S9 prices its gaps at: what
// each would lose at 10 Mpps.
var S9RxDescs = []int{512, 1024, 2048, 4096}

// S9Report is one zcnic-stall run, as it prints it.
type S9Report struct {
	Program     string  `json:"program"`
	Seconds     float64 `json:"seconds"`
	AllocMBps   float64 `json:"alloc_mbps"`
	AllocatedMB float64 `json:"allocated_mb"`
	Stalls      struct {
		Gaps      uint64  `json:"gaps"`
		Over16us  uint64  `json:"over_16us"`
		Over64us  uint64  `json:"over_64us"`
		Over256us uint64  `json:"over_256us"`
		Over1ms   uint64  `json:"over_1ms"`
		P50us     float64 `json:"p50_us"`
		P99us     float64 `json:"p99_us"`
		P999us    float64 `json:"p99_9_us"`
		P9999us   float64 `json:"p99_99_us"`
		MaxUs     float64 `json:"max_us"`
	} `json:"stalls"`
	GCCycles   uint64  `json:"gc_cycles"`
	GCPauses   uint64  `json:"gc_pauses"`
	GCPauseUs  float64 `json:"gc_pause_total_us"`
	GCPauseMax float64 `json:"gc_pause_max_us"`
	Mpps       float64 `json:"mpps"`
	// Lost are the packets the gaps would cost at 10 Mpps, by rx
	// descriptors (S9RxDescs).
	Lost map[string]uint64 `json:"lost_at_10mpps"`
	// Parked and Preempted are the loop's thread's voluntary (the Go
	// runtime parked it) and involuntary (another task took its CPU)
	// context switches over the run.
	Parked    uint64 `json:"parked"`
	Preempted uint64 `json:"preempted"`
}

// S9Run is one program's run of one row in one round.
type S9Run struct {
	Round   int       `json:"round"`
	Program string    `json:"program"` // "zcnic" or "floor"
	Report  *S9Report `json:"report,omitempty"`
	Log     string    `json:"log,omitempty"`
	Error   string    `json:"error,omitempty"`
}

// S9Row is one case's runs and medians.
type S9Row struct {
	Case S9Case `json:"case"`
	// Medians over the rounds, per program ("zcnic", "floor"): gaps
	// over 64 us and 256 us, and the longest.
	Over64  map[string]float64 `json:"over_64us"`
	Over256 map[string]float64 `json:"over_256us"`
	MaxUs   map[string]float64 `json:"max_us"`
	// Parked and Preempted are the loop thread's context switches,
	// voluntary and involuntary (medians, per program).
	Parked    map[string]float64 `json:"parked"`
	Preempted map[string]float64 `json:"preempted"`
	// zcnic's GC cycles, pause time, rate and what its gaps would lose
	// at 10 Mpps, by rx descriptors (medians).
	GCCycles  float64            `json:"gc_cycles"`
	GCPauseUs float64            `json:"gc_pause_total_us"`
	Mpps      float64            `json:"mpps"`
	Lost      map[string]float64 `json:"lost_at_10mpps"`
	// LostFloor is the same for the floor's gaps: what the platform
	// itself would cost.
	LostFloor map[string]float64 `json:"floor_lost_at_10mpps"`
	// Ratio64 and Ratio256 are each round's zcnic count over the
	// floor's (+1 each, so that a round with none is 1).
	Ratio64  []float64 `json:"ratios_over_64us"`
	Ratio256 []float64 `json:"ratios_over_256us"`
	Runs     []S9Run   `json:"runs"`
}

// S9Result is S9's rows.
type S9Result struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Rounds  int     `json:"rounds"`
	Seconds float64 `json:"seconds"`
	Rows    []S9Row `json:"rows"`
}

// Summarize fills the row's medians and ratios from its runs.
func (r *S9Row) Summarize() {
	by := map[string][]*S9Report{}
	var c64, c256 roundValues
	for _, run := range r.Runs {
		if run.Error != "" || run.Report == nil {
			continue
		}
		by[run.Program] = append(by[run.Program], run.Report)
		// +1: a ratio of counts that may be 0.
		c64.add(run.Round, run.Program, float64(run.Report.Stalls.Over64us+1))
		c256.add(run.Round, run.Program, float64(run.Report.Stalls.Over256us+1))
	}
	med := func(reps []*S9Report, f func(*S9Report) float64) float64 {
		var v []float64
		for _, rp := range reps {
			v = append(v, f(rp))
		}
		if len(v) == 0 {
			return 0 // no run of that program worked (its failure is listed)
		}
		return Median(v)
	}
	r.Over64, r.Over256, r.MaxUs = map[string]float64{}, map[string]float64{}, map[string]float64{}
	r.Parked, r.Preempted = map[string]float64{}, map[string]float64{}
	for prog, reps := range by {
		r.Parked[prog] = med(reps, func(x *S9Report) float64 { return float64(x.Parked) })
		r.Preempted[prog] = med(reps, func(x *S9Report) float64 { return float64(x.Preempted) })
		r.Over64[prog] = med(reps, func(x *S9Report) float64 { return float64(x.Stalls.Over64us) })
		r.Over256[prog] = med(reps, func(x *S9Report) float64 { return float64(x.Stalls.Over256us) })
		r.MaxUs[prog] = med(reps, func(x *S9Report) float64 { return x.Stalls.MaxUs })
	}
	z := by["zcnic"]
	r.GCCycles = med(z, func(x *S9Report) float64 { return float64(x.GCCycles) })
	r.GCPauseUs = med(z, func(x *S9Report) float64 { return x.GCPauseUs })
	r.Mpps = med(z, func(x *S9Report) float64 { return x.Mpps })
	r.Lost, r.LostFloor = map[string]float64{}, map[string]float64{}
	for _, d := range S9RxDescs {
		k := strconv.Itoa(d)
		r.Lost[k] = med(z, func(x *S9Report) float64 { return float64(x.Lost[k]) })
		r.LostFloor[k] = med(by["floor"], func(x *S9Report) float64 { return float64(x.Lost[k]) })
	}
	r.Ratio64 = c64.ratios("zcnic", "floor")
	r.Ratio256 = c256.ratios("zcnic", "floor")
}

// spread is a list of ratios' median and range, "1.10 (0.95-1.30)".
func spread(v []float64) string {
	m, lo, hi := ratioSpread(v)
	return spreadText(m, lo, hi, 2)
}

// Markdown is S9's table.
func (s *S9Result) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "S9: %s; %d rounds of %.0f s each, the two programs alternating.\n\n", s.Title, s.Rounds, s.Seconds)
	b.WriteString("| control plane | floor gaps >= 64 us | zcnic gaps >= 64 us | zcnic/floor (min-max) | floor >= 256 us | zcnic >= 256 us | zcnic/floor (min-max) | floor max us | zcnic max us | GC cycles | GC pauses us | zcnic Mpps | lost at 10 Mpps, 512 rxd: floor / zcnic | 4096 rxd: floor / zcnic | loop thread parked: floor / zcnic | preempted: floor / zcnic |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range s.Rows {
		name := fmt.Sprintf("%g MB/s", r.Case.Alloc)
		if len(r.Case.Env) > 0 {
			name += " " + strings.Join(r.Case.Env, " ")
		}
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %s | %.0f | %.0f | %s | %.0f | %.0f | %.0f | %.0f | %.2f | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f |\n", name,
			r.Over64["floor"], r.Over64["zcnic"], spread(r.Ratio64), r.Over256["floor"], r.Over256["zcnic"], spread(r.Ratio256),
			r.MaxUs["floor"], r.MaxUs["zcnic"], r.GCCycles, r.GCPauseUs, r.Mpps, r.LostFloor["512"], r.Lost["512"], r.LostFloor["4096"], r.Lost["4096"],
			r.Parked["floor"], r.Parked["zcnic"], r.Preempted["floor"], r.Preempted["zcnic"])
	}
	b.WriteString("\nCounts are per run (medians over the rounds); a round's ratio is (zcnic's count + 1) over (the floor's + 1) of the same round. Losses are estimated from each program's gaps: a gap's time past the descriptors' worth at 10 Mpps (51.2 us for 512, 410 us for 4096), at 10 Mpps; the floor's are what the platform alone would lose. The loop thread's context switches (from /proc): parked, the Go runtime put it to sleep (a preemption of its goroutine, or its P lost); preempted, the kernel gave its CPU to another task.\n")
	return b.String()
}

func (s *S9Result) ratioParts() []string {
	var p []string
	for _, r := range s.Rows {
		if len(r.Case.Env) > 0 {
			continue
		}
		p = append(p, fmt.Sprintf("S9-%s=%s/%s", r.Case.Name, compact(r.Ratio64), compact(r.Ratio256)))
	}
	return p
}

func compact(v []float64) string { return strings.ReplaceAll(spread(v), " ", "") }

// s9 runs S9: for each round, each case, both programs, alternating.
func (b *runner) s9(ctx context.Context) (*S9Result, []string) {
	res := &S9Result{ID: S9, Title: S9Title, Rounds: min(b.cfg.Rounds, s9Rounds), Seconds: float64(b.cfg.S9Seconds)}
	for _, c := range S9Cases {
		res.Rows = append(res.Rows, S9Row{Case: c})
	}
	var failures []string
	for round := 1; round <= res.Rounds && ctx.Err() == nil; round++ {
		for i := range res.Rows {
			row := &res.Rows[i]
			progs := []string{"floor", "zcnic"}
			if round%2 == 0 {
				slices.Reverse(progs)
			}
			for _, prog := range progs {
				if ctx.Err() != nil {
					break
				}
				run := b.s9Run(ctx, row.Case, round, prog)
				row.Runs = append(row.Runs, run)
				if run.Error != "" {
					failures = append(failures, fmt.Sprintf("S9 %s round %d %s: %s", row.Case.Name, round, prog, run.Error))
					b.logf("S9 %-13s round %d/%d %-5s FAILED: %s", row.Case.Name, round, res.Rounds, prog, run.Error)
					continue
				}
				st := run.Report.Stalls
				b.logf("S9 %-13s round %d/%d %-5s gaps >= 64 us %d, >= 256 us %d, max %.0f us; %d GC cycles; %.2f Mpps",
					row.Case.Name, round, res.Rounds, prog, st.Over64us, st.Over256us, st.MaxUs, run.Report.GCCycles, run.Report.Mpps)
			}
		}
	}
	for i := range res.Rows {
		res.Rows[i].Summarize()
	}
	return res, failures
}

// S9Args is zcnic-stall's command line for one run.
func (c *Config) S9Args(cs S9Case, prog string) []string {
	a := []string{"--cpu", strconv.Itoa(c.FwdLcore), "--duration", (time.Duration(c.S9Seconds) * time.Second).String(),
		"--alloc", strconv.FormatFloat(cs.Alloc, 'f', -1, 64), "--live", strconv.Itoa(s9Live), "--rxd", strconv.Itoa(c.RxDesc)}
	for _, d := range S9RxDescs {
		a = append(a, "--price-rxd", strconv.Itoa(d))
	}
	if prog == "floor" {
		a = append(a, "--floor")
	}
	if c.NoHuge {
		a = append(a, "--no-huge")
	}
	return a
}

func (b *runner) s9Run(ctx context.Context, cs S9Case, round int, prog string) S9Run {
	run := S9Run{Round: round, Program: prog, Log: filepath.Join(b.logs, fmt.Sprintf("S9-%s-r%d-%s.log", cs.Name, round, prog))}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(b.cfg.S9Seconds)*time.Second+60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.cfg.Stall, b.cfg.S9Args(cs, prog)...)
	cmd.Env = append(os.Environ(), cs.Env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	logText := fmt.Sprintf("$ %s %s %s\n%s\n--- stderr\n%s", strings.Join(cs.Env, " "), b.cfg.Stall, strings.Join(cmd.Args[1:], " "), out.String(), errb.String())
	os.WriteFile(run.Log, []byte(logText), 0o644)
	if err != nil {
		run.Error = fmt.Sprintf("%v: %s", err, lastLine(errb.String()))
		return run
	}
	var rep S9Report
	if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &rep); err != nil {
		run.Error = fmt.Sprintf("reading its report: %v", err)
		return run
	}
	run.Report = &rep
	return run
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
