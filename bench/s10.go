package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// S10 is the scaling scenario: io forwarding on a net_null pair with 1
// and then 2 forwarding lcores, each polling its own rx queue of both
// ports and transmitting on its own tx queue, testpmd (--nb-cores
// --rxq --txq) beside zcnic fwd (the same flags). Its figures are each
// program's Mpps at each count, each program's 2/1 ratio, and
// zcnic/testpmd at each count.
const S10 = "S10"

// S10Title is S10's title.
const S10Title = "net_null pair, io, 1 and 2 forwarding lcores (a queue of each port per lcore)"

// S10Counts are S10's forwarding lcore counts, in order: the scaling
// ratio is the last one's rate over the first one's.
var S10Counts = []int{1, 2}

// s10SharedNote says where S10's workers run; %d are the CPUs.
const s10SharedNote = "Worker lcore k polls rx queue k-1 of both ports and transmits on tx queue k-1 (testpmd --nb-cores=N --rxq=N --txq=N, zcnic fwd --nb-cores N --rxq N --txq N). " +
	"The main lcore 0 runs on CPU %d and worker 1 on CPU %d; with 2 workers, worker 2 shares CPU %d with the main lcore (on this 2-CPU machine there is no third CPU), the same for both programs, " +
	"so the 2/1 ratios are what a second worker on a shared CPU gives here, not what a second free core would give."

// S10Lcores is EAL's --lcores map for n forwarding lcores: lcore 0 (the
// main lcore) on the main lcore's CPU, then the workers on the
// forwarding lcore's CPU and the main lcore's in turn: "0@0,1@1" and
// "0@0,1@1,2@0" with the default lcores.
func (c *Config) S10Lcores(n int) string {
	m := []string{fmt.Sprintf("0@%d", c.MainLcore)}
	for k := 1; k <= n; k++ {
		cpu := c.FwdLcore
		if k%2 == 0 {
			cpu = c.MainLcore
		}
		m = append(m, fmt.Sprintf("%d@%d", k, cpu))
	}
	return strings.Join(m, ",")
}

// S10Scenario is S10 at n forwarding lcores, as a scenario both
// programs' command lines are built from (TestpmdArgs, ZcnicArgs).
func (c *Config) S10Scenario(n int) Scenario {
	return Scenario{ID: fmt.Sprintf("%s-%d", S10, n), Title: fmt.Sprintf("net_null pair, io, %d forwarding lcores", n), Unit: UnitMpps,
		VDevs: []string{"net_null0", "net_null1"}, Mode: "io", Lcores: c.S10Lcores(n), Queues: n}
}

// S10Layout is which queues S10's workers should poll at n lcores, as
// ParseTestpmdLayout writes testpmd's: worker k receives on queue k-1
// of each port and sends it on queue k-1 of the other one.
func S10Layout(n int) string {
	var l []string
	for k := 1; k <= n; k++ {
		l = append(l, fmt.Sprintf("lcore %d: 0/%d->1/%d 1/%d->0/%d", k, k-1, k-1, k-1, k-1))
	}
	return strings.Join(l, "; ")
}

var (
	testpmdCoreRe   = regexp.MustCompile(`^Logical Core (\d+) \(socket \d+\) forwards packets on \d+ streams:`)
	testpmdStreamRe = regexp.MustCompile(`^\s+RX P=(\d+)/Q=(\d+) \(socket \d+\) -> TX P=(\d+)/Q=(\d+)`)
)

// ParseTestpmdLayout is the forwarding configuration testpmd prints as
// it starts ("Logical Core 1 (socket 0) forwards packets on 2 streams:"
// and a "RX P=0/Q=0 (socket 0) -> TX P=1/Q=0" line per stream), written
// as "lcore 1: 0/0->1/0 1/0->0/0; lcore 2: ..." (rx port/queue -> tx
// port/queue); "" if it printed none.
func ParseTestpmdLayout(out string) string {
	var cores []string
	in := false
	for _, line := range strings.Split(out, "\n") {
		if m := testpmdCoreRe.FindStringSubmatch(line); m != nil {
			cores, in = append(cores, "lcore "+m[1]+":"), true
			continue
		}
		m := testpmdStreamRe.FindStringSubmatch(line)
		if !in || m == nil {
			in = false
			continue
		}
		cores[len(cores)-1] += fmt.Sprintf(" %s/%s->%s/%s", m[1], m[2], m[3], m[4])
	}
	return strings.Join(cores, "; ")
}

// checkZcnicLoops checks that a zcnic S10 run forwarded on n loops, on
// lcores 1 to n, each of which polled, and on every port.
func checkZcnicLoops(s ZcnicSummary, n int) error {
	var polled []string
	for _, l := range s.Lcores {
		if l.BusyPolls > 0 {
			polled = append(polled, strconv.Itoa(int(l.Lcore)))
		}
	}
	var want []string
	for k := 1; k <= n; k++ {
		want = append(want, strconv.Itoa(k))
	}
	if !slices.Equal(polled, want) {
		return fmt.Errorf("zcnic's loops that received: lcores [%s], want [%s]", strings.Join(polled, " "), strings.Join(want, " "))
	}
	for _, p := range s.Ports {
		if p.TxPackets == 0 {
			return fmt.Errorf("zcnic sent nothing on port %d", p.Port)
		}
	}
	return nil
}

// S10Count is S10 at one forwarding lcore count: both programs' runs,
// their medians and zcnic/testpmd per round (Result's Summarize).
type S10Count struct {
	Lcores int    `json:"forwarding_lcores"`
	EAL    string `json:"eal_lcores"` // EAL's --lcores map
	Queues int    `json:"queues_per_port"`
	// Result holds the runs, medians and round ratios.
	Result ScenarioResult `json:"result"`
}

// S10Scaling is one program's rate at the last count over its rate at
// the first, round by round, with the median and spread.
type S10Scaling struct {
	RoundRatios []float64 `json:"round_ratios"`
	Ratio       *float64  `json:"ratio"`
	RatioMin    *float64  `json:"ratio_min"`
	RatioMax    *float64  `json:"ratio_max"`
}

// S10Result is S10's counts and both programs' scaling.
type S10Result struct {
	ID     string     `json:"id"`
	Title  string     `json:"title"`
	Rounds int        `json:"rounds"`
	Counts []S10Count `json:"counts"`
	// Scaling is per program ("testpmd", "zcnic").
	Scaling map[string]S10Scaling `json:"scaling"`
	// MainCPU and FwdCPU are the CPUs of the main lcore and of worker
	// 1; worker 2 shares MainCPU.
	MainCPU int `json:"main_cpu"`
	FwdCPU  int `json:"fwd_cpu"`
}

// Summarize fills each count's medians and ratios, and each program's
// scaling, from the runs.
func (s *S10Result) Summarize() {
	scale := map[string]*roundValues{"testpmd": {}, "zcnic": {}}
	for i := range s.Counts {
		c := &s.Counts[i]
		c.Result.Summarize()
		for _, r := range c.Result.Runs {
			if r.Error == "" && scale[r.Program] != nil {
				scale[r.Program].add(r.Round, strconv.Itoa(c.Lcores), r.Value)
			}
		}
	}
	s.Scaling = map[string]S10Scaling{}
	if len(s.Counts) < 2 {
		return
	}
	first, last := strconv.Itoa(s.Counts[0].Lcores), strconv.Itoa(s.Counts[len(s.Counts)-1].Lcores)
	for prog, rv := range scale {
		q := rv.ratios(last, first)
		var sc S10Scaling
		sc.RoundRatios = q
		sc.Ratio, sc.RatioMin, sc.RatioMax = ratioSpread(q)
		s.Scaling[prog] = sc
	}
}

func (s *S10Result) scaleText(prog string, prec int) string {
	sc := s.Scaling[prog]
	return spreadText(sc.Ratio, sc.RatioMin, sc.RatioMax, prec)
}

// scaleName is "2/1" for counts 1 and 2.
func (s *S10Result) scaleName() string {
	if len(s.Counts) < 2 {
		return "n/a"
	}
	return fmt.Sprintf("%d/%d", s.Counts[len(s.Counts)-1].Lcores, s.Counts[0].Lcores)
}

// Markdown is S10's table and its note.
func (s *S10Result) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "S10: %s; %d rounds, the programs alternating and the counts too.\n\n", s.Title, s.Rounds)
	b.WriteString("| forwarding lcores | EAL --lcores | rx and tx queues per port | testpmd Mpps: median (rounds' min-max) | zcnic Mpps: median (rounds' min-max) | zcnic/testpmd: median of round ratios (min-max) | round ratios | testpmd rounds | zcnic rounds |\n")
	b.WriteString("|---:|---|---:|---:|---:|---:|---|---|---|\n")
	for _, c := range s.Counts {
		r := c.Result
		fmt.Fprintf(&b, "| %d | `%s` | %d | %s | %s | %s | %s | %s | %s |\n", c.Lcores, c.EAL, c.Queues,
			r.Testpmd.spread(), r.Zcnic.spread(), r.Spread(3), fmtList(r.RoundRatios, 2), fmtList(r.Testpmd.Rounds, 2), fmtList(r.Zcnic.Rounds, 2))
	}
	fmt.Fprintf(&b, "| %s: median of round ratios (min-max) | | | %s | %s | | %s / %s | | |\n", s.scaleName(),
		s.scaleText("testpmd", 2), s.scaleText("zcnic", 2), fmtList(s.Scaling["testpmd"].RoundRatios, 2), fmtList(s.Scaling["zcnic"].RoundRatios, 2))
	b.WriteString("\n" + fmt.Sprintf(s10SharedNote, s.MainCPU, s.FwdCPU, s.MainCPU))
	fmt.Fprintf(&b, " A program's %s is its rate at %s lcores over its rate at %s in the same round (round ratios: testpmd's / zcnic's).\n", s.scaleName(),
		strings.Split(s.scaleName(), "/")[0], strings.Split(s.scaleName(), "/")[1])
	return b.String()
}

// ratioParts are S10's entries of the ratios line: "S10-1=0.95(0.90-1.00)
// S10-2=... S10-testpmd-2/1=1.40(1.30-1.50) S10-zcnic-2/1=...".
func (s *S10Result) ratioParts() []string {
	var p []string
	for _, c := range s.Counts {
		p = append(p, fmt.Sprintf("%s-%d=%s", S10, c.Lcores, strings.ReplaceAll(c.Result.Spread(2), " ", "")))
	}
	for _, prog := range []string{"testpmd", "zcnic"} {
		p = append(p, fmt.Sprintf("%s-%s-%s=%s", S10, prog, s.scaleName(), strings.ReplaceAll(s.scaleText(prog, 2), " ", "")))
	}
	return p
}

// s10Order is the lcore counts and the programs of a round, in the
// order they run: both reversed every other round, so that neither a
// count nor a program always runs first.
func s10Order(round int) (counts []int, progs []string) {
	counts, progs = slices.Clone(S10Counts), []string{"testpmd", "zcnic"}
	if round%2 == 0 {
		slices.Reverse(counts)
		slices.Reverse(progs)
	}
	return counts, progs
}

// s10 runs S10: for each round, each count, both programs.
func (b *runner) s10(ctx context.Context) (*S10Result, []string) {
	res := &S10Result{ID: S10, Title: S10Title, Rounds: b.cfg.Rounds, MainCPU: b.cfg.MainLcore, FwdCPU: b.cfg.FwdLcore}
	idx := map[int]int{}
	for i, n := range S10Counts {
		sc := b.cfg.S10Scenario(n)
		idx[n] = i
		res.Counts = append(res.Counts, S10Count{Lcores: n, EAL: sc.Lcores, Queues: sc.Queues,
			Result: ScenarioResult{ID: sc.ID, Title: sc.Title, Unit: sc.Unit}})
	}
	var failures []string
	for round := 1; round <= res.Rounds && ctx.Err() == nil; round++ {
		counts, progs := s10Order(round)
		for _, n := range counts {
			for _, prog := range progs {
				if ctx.Err() != nil {
					break
				}
				r := b.s10Run(ctx, n, round, prog)
				c := &res.Counts[idx[n]]
				c.Result.Runs = append(c.Result.Runs, r)
				if r.Error != "" {
					failures = append(failures, fmt.Sprintf("S10 %d lcores round %d %s: %s", n, round, prog, r.Error))
					b.logf("S10 %d lcores round %d/%d %-7s FAILED: %s", n, round, res.Rounds, prog, r.Error)
				} else {
					b.logf("S10 %d lcores round %d/%d %-7s %8.3f %s", n, round, res.Rounds, prog, r.Value, UnitMpps)
				}
			}
		}
	}
	res.Summarize()
	return res, failures
}

// s10Run is one program's run at n lcores; it also checks that the
// program forwarded on the layout asked for (testpmd's forwarding
// configuration, zcnic's loops).
func (b *runner) s10Run(ctx context.Context, n, round int, prog string) RunResult {
	sc := b.cfg.S10Scenario(n)
	r := RunResult{Round: round, Program: prog, Log: filepath.Join(b.logs, fmt.Sprintf("%s-r%d-%s.log", sc.ID, round, prog))}
	var err error
	if prog == "testpmd" {
		if err = b.testpmdRate(ctx, sc, &r); err == nil {
			out, rerr := os.ReadFile(r.Log)
			if got, want := ParseTestpmdLayout(string(out)), S10Layout(n); rerr != nil {
				err = rerr
			} else if got != want {
				err = fmt.Errorf("dpdk-testpmd forwarded on %q, want %q", got, want)
			}
		}
	} else {
		var z zcnicFwdRun
		z, err = b.zcnicFwd(ctx, sc, r.Log, 60*time.Second)
		r.Samples = z.samples
		if err == nil {
			r.GoRuntime, r.Value = z.summary.GoRuntime, z.mpps
			err = checkZcnicLoops(z.summary, n)
		}
	}
	if err != nil {
		r.Error, r.Value = oneLine(err), 0
	}
	return r
}
