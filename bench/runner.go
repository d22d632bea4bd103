package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config is what a benchmark run does.
type Config struct {
	Zcnic   string // the zcnic binary
	Testpmd string // dpdk-testpmd
	TestACL string // dpdk-test-acl (S5)
	Stall   string // zcnic-stall (S9)
	Ping    string // zcnic-ping (S8)
	Out     string // results directory (logs of every run go to Out/logs)
	Pcap    string // S3's input
	// Only names the scenarios to run (S1..S7, S5); empty: all.
	Only []string
	// Rounds of each scenario; each round runs both programs, the first
	// one alternating from round to round.
	Rounds int
	// Warmup seconds are dropped at the start of each packet-rate run,
	// then the median of Measure one-second samples is the run's value.
	Warmup, Measure int
	// IperfSeconds is how long iperf3 measures in S4 (after 1 s omitted).
	IperfSeconds int
	// ZeroCopySeconds is the length of the zero-copy proof run (0: none).
	ZeroCopySeconds int
	// S9Seconds is the length of each S9 run.
	S9Seconds int
	// S8Seconds is the sending time of each S8 run.
	S8Seconds int
	// MainLcore and FwdLcore: EAL runs on both, the forwarding loop on
	// FwdLcore, in both programs.
	MainLcore, FwdLcore int
	Burst               int
	// Vector is zcnic's --vector (0: its default); testpmd has none.
	Vector int
	// ZcnicFlags are more flags for zcnic fwd (like --count-bytes), to
	// see what one setting costs.
	ZcnicFlags          []string
	PoolSize, PoolCache int
	RxDesc, TxDesc      int
	// NoHuge runs both EALs without hugepages (when none can be had).
	NoHuge bool
	Quick  bool
	// Log gets a line per run.
	Log io.Writer
}

// DefaultConfig is the full run; quick is the short one.
func DefaultConfig(quick bool) Config {
	c := Config{
		Zcnic: "bin/zcnic", Testpmd: "dpdk-testpmd", TestACL: "dpdk-test-acl", Stall: "bin/zcnic-stall", Ping: "bin/zcnic-ping", Out: "out/bench", Pcap: "bench/testdata/mixed.pcap",
		Rounds: 7, Warmup: 1, Measure: 3, IperfSeconds: 4, ZeroCopySeconds: 10, S9Seconds: 10, S8Seconds: 5,
		MainLcore: 0, FwdLcore: 1, Burst: 32, PoolSize: 8191, PoolCache: 256, RxDesc: 512, TxDesc: 512,
		Log: os.Stderr,
	}
	if quick {
		c.Quick, c.Rounds, c.Measure, c.IperfSeconds, c.S9Seconds, c.S8Seconds = true, 3, 2, 2, 3, 2
	}
	return c
}

// burst is sc's burst size: its own, or the run's.
func (c *Config) burst(sc Scenario) int {
	if sc.Burst > 0 {
		return sc.Burst
	}
	return c.Burst
}

func (c *Config) lcores() string { return fmt.Sprintf("%d,%d", c.MainLcore, c.FwdLcore) }

// ealCommon is the EAL arguments both programs get, but the devices.
// zcnic builds the same from its flags (--lcores, --no-huge).
func (c *Config) ealCommon() []string { return c.ealFor(Scenario{}) }

// ealFor is ealCommon for sc: its own --lcores map, if it has one.
func (c *Config) ealFor(sc Scenario) []string {
	a := []string{"-l", c.lcores(), "--main-lcore", strconv.Itoa(c.MainLcore), "--no-pci"}
	if sc.Lcores != "" {
		a = []string{"--lcores", sc.Lcores, "--no-pci"}
	}
	if c.NoHuge {
		a = append(a, "-m", "512", "--no-huge", "--no-shconf")
	} else {
		a = append(a, "--in-memory")
	}
	return append(a, "--no-telemetry", "--log-level", "error")
}

// TestpmdArgs is dpdk-testpmd's command line for sc.
func (c *Config) TestpmdArgs(sc Scenario) []string {
	a := c.ealFor(sc)
	for _, v := range sc.VDevs {
		a = append(a, "--vdev", v)
	}
	a = append(a, "--", "--forward-mode="+sc.Mode)
	if sc.Queues > 0 {
		n := strconv.Itoa(sc.Queues)
		a = append(a, "--nb-cores="+n, "--rxq="+n, "--txq="+n)
	} else {
		a = append(a, "--nb-cores=1")
	}
	return append(a, "--burst="+strconv.Itoa(c.burst(sc)),
		"--mbcache="+strconv.Itoa(c.PoolCache), "--total-num-mbufs="+strconv.Itoa(c.PoolSize),
		"--rxd="+strconv.Itoa(c.RxDesc), "--txd="+strconv.Itoa(c.TxDesc),
		"--stats-period", "1", "--auto-start")
}

// ZcnicArgs is `zcnic fwd`'s command line for sc: stats lines every
// statsInterval (JSON), running for duration (0: until SIGINT).
func (c *Config) ZcnicArgs(sc Scenario, duration, statsInterval time.Duration) []string {
	lcores := c.lcores()
	if sc.Lcores != "" {
		lcores = sc.Lcores
	}
	a := []string{"fwd", "--mode", sc.Mode, "--lcores", lcores}
	if sc.Queues > 0 {
		n := strconv.Itoa(sc.Queues)
		a = append(a, "--rxq", n, "--txq", n, "--nb-cores", n)
	}
	a = append(a, "--burst", strconv.Itoa(c.burst(sc)),
		"--pool-size", strconv.Itoa(c.PoolSize), "--pool-cache", strconv.Itoa(c.PoolCache),
		"--rxd", strconv.Itoa(c.RxDesc), "--txd", strconv.Itoa(c.TxDesc),
		"--stats-interval", statsInterval.String(), "--stats-format", "json", "--json", "--log-level", "error")
	if c.Vector > 0 {
		a = append(a, "--vector", strconv.Itoa(c.Vector))
	}
	a = append(a, c.ZcnicFlags...)
	a = append(a, sc.Flags...)
	if duration > 0 {
		a = append(a, "--duration", duration.String())
	}
	if c.NoHuge {
		a = append(a, "--no-huge")
	}
	for _, v := range sc.VDevs {
		a = append(a, "--vdev", v)
	}
	return a
}

// Settings are the run's settings as reported.
func (c *Config) Settings() Settings {
	return Settings{
		Quick: c.Quick, Rounds: c.Rounds, WarmupSeconds: c.Warmup, MeasureSeconds: c.Measure, IperfSeconds: c.IperfSeconds,
		Lcores: c.lcores(), ForwardingLcore: c.FwdLcore, Burst: c.Burst, ZcnicVector: c.Vector, ZcnicFlags: c.ZcnicFlags, PoolSize: c.PoolSize, PoolCache: c.PoolCache,
		RxDesc: c.RxDesc, TxDesc: c.TxDesc, NoHuge: c.NoHuge, EAL: c.ealCommon(),
		Metric: fmt.Sprintf("packets transmitted per second summed over the ports, per-second samples, first %d s dropped, median of the next %d s; a round's ratio is zcnic's run over the testpmd run beside it, and the figure is the median of the rounds' ratios; S6 and S7 (two processes each: a receiver polling on the forwarding lcore, a sender on the main lcore) count packets received per second by the receiver, in at most %d rounds; S5 (zcnic beside dpdk-test-acl) runs at most %d rounds; S9 (zcnic-stall beside the C floor) at most %d rounds of %d s a run; S10 (1 and 2 forwarding lcores, EAL --lcores %s and %s) runs every round, each count both programs, its own table", c.Warmup, c.Measure, pairRounds, s5Rounds, s9Rounds, c.S9Seconds, c.S10Lcores(1), c.S10Lcores(2)),
	}
}

func (c *Config) check() error {
	switch {
	case c.Rounds < 1:
		return errors.New("rounds must be at least 1")
	case c.Warmup < 0 || c.Measure < 1:
		return errors.New("warm-up must be 0 or more seconds and the measure at least 1")
	case c.IperfSeconds < 1:
		return errors.New("the iperf3 time must be at least 1 s")
	case c.S9Seconds < 1:
		return errors.New("S9's run time must be at least 1 s")
	case c.S8Seconds < 1:
		return errors.New("S8's run time must be at least 1 s")
	case c.MainLcore >= c.FwdLcore:
		return errors.New("the main lcore must be lower than the forwarding lcore (zcnic's main lcore is its lowest)")
	}
	for _, o := range c.Only {
		if !slices.ContainsFunc(ScenarioIDs(), func(id string) bool { return strings.EqualFold(id, o) }) {
			return fmt.Errorf("unknown scenario %q (%s)", o, strings.Join(ScenarioIDs(), ", "))
		}
	}
	return nil
}

// wants says whether the run includes scenario id.
func (c *Config) wants(id string) bool {
	return len(c.Only) == 0 || slices.ContainsFunc(c.Only, func(o string) bool { return strings.EqualFold(o, id) })
}

// runner is one benchmark run's state.
type runner struct {
	cfg  Config
	logs string
}

func (b *runner) logf(format string, args ...any) {
	if b.cfg.Log != nil {
		fmt.Fprintf(b.cfg.Log, "bench: "+format+"\n", args...)
	}
}

// Run runs the benchmark and writes its results (results.json,
// results.md, chart.png) into cfg.Out. A run that failed is reported in
// its Run's Error, and Run returns an error listing the failures, with
// the results of the rest.
func Run(ctx context.Context, cfg Config) (*Results, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	begin := time.Now()
	b := &runner{cfg: cfg, logs: filepath.Join(cfg.Out, "logs")}
	if err := os.MkdirAll(b.logs, 0o755); err != nil {
		return nil, err
	}
	if _, err := os.Stat(cfg.Pcap); err != nil {
		return nil, fmt.Errorf("S3's pcap: %w", err)
	}
	res := &Results{Machine: DescribeMachine(ctx, cfg.Zcnic, cfg.Testpmd), Settings: cfg.Settings()}
	var scs []Scenario
	for _, s := range Scenarios(cfg.Pcap) {
		if len(cfg.Only) == 0 || slices.ContainsFunc(cfg.Only, func(o string) bool { return strings.EqualFold(o, s.ID) }) {
			scs = append(scs, s)
			res.Scenarios = append(res.Scenarios, ScenarioResult{ID: s.ID, Title: s.Title, Unit: s.Unit})
		}
	}
	var failures []string
	for round := 1; round <= cfg.Rounds && ctx.Err() == nil; round++ {
		for i, sc := range scs {
			if sc.MaxRounds > 0 && round > sc.MaxRounds {
				continue
			}
			rounds := cfg.Rounds
			if sc.MaxRounds > 0 {
				rounds = min(rounds, sc.MaxRounds)
			}
			progs := []string{"testpmd", "zcnic"}
			if round%2 == 0 {
				slices.Reverse(progs)
			}
			for _, prog := range progs {
				if ctx.Err() != nil {
					break
				}
				r := b.runOne(ctx, sc, round, prog)
				res.Scenarios[i].Runs = append(res.Scenarios[i].Runs, r)
				if r.Error != "" {
					failures = append(failures, fmt.Sprintf("%s round %d %s: %s", sc.ID, round, prog, r.Error))
					b.logf("%s round %d/%d %-7s FAILED: %s", sc.ID, round, rounds, prog, r.Error)
				} else {
					b.logf("%s round %d/%d %-7s %8.3f %s", sc.ID, round, rounds, prog, r.Value, sc.Unit)
					if r.Note != "" {
						b.logf("%s round %d/%d %-7s note: %s", sc.ID, round, rounds, prog, r.Note)
					}
				}
			}
		}
	}
	for i := range res.Scenarios {
		res.Scenarios[i].Summarize()
	}
	if cfg.wants(S5) && ctx.Err() == nil {
		var f []string
		res.S5, f = b.s5(ctx)
		failures = append(failures, f...)
	}
	if cfg.wants(S8) && ctx.Err() == nil {
		var f []string
		res.S8, f = b.s8(ctx)
		failures = append(failures, f...)
	}
	if cfg.wants(S9) && ctx.Err() == nil {
		var f []string
		res.S9, f = b.s9(ctx)
		failures = append(failures, f...)
	}
	if cfg.wants(S10) && ctx.Err() == nil {
		var f []string
		res.S10, f = b.s10(ctx)
		failures = append(failures, f...)
	}
	if cfg.ZeroCopySeconds > 0 && ctx.Err() == nil {
		res.ZeroCopy = b.zeroCopy(ctx, res.Scenarios)
		if res.ZeroCopy.Error != "" {
			failures = append(failures, "zero-copy run: "+res.ZeroCopy.Error)
		}
	}
	if ctx.Err() != nil {
		failures = append(failures, "interrupted: "+ctx.Err().Error())
	}
	res.WallSeconds = time.Since(begin).Seconds()
	if err := res.WriteFiles(cfg.Out); err != nil {
		return res, err
	}
	if err := DrawChart(res, filepath.Join(cfg.Out, "chart.png")); err != nil {
		return res, fmt.Errorf("chart: %w", err)
	}
	if len(failures) > 0 {
		return res, fmt.Errorf("%d failures:\n  %s", len(failures), strings.Join(failures, "\n  "))
	}
	return res, nil
}

func (b *runner) runOne(ctx context.Context, sc Scenario, round int, prog string) RunResult {
	r := RunResult{Round: round, Program: prog, Log: filepath.Join(b.logs, fmt.Sprintf("%s-r%d-%s.log", sc.ID, round, prog))}
	var err error
	switch {
	case sc.Pair != nil:
		err = b.pairRun(ctx, sc, prog, &r)
	case sc.Namespaces:
		err = b.tapRun(ctx, sc, &r)
	case prog == "testpmd":
		err = b.testpmdRate(ctx, sc, &r)
	default:
		err = b.zcnicRate(ctx, sc, &r)
	}
	if err != nil {
		r.Error, r.Value = oneLine(err), 0
	}
	return r
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// testpmdRate runs testpmd until it has printed Warmup+Measure stats
// blocks after its first (which is always 0), then stops it with SIGINT.
func (b *runner) testpmdRate(ctx context.Context, sc Scenario, r *RunResult) error {
	need := b.cfg.Warmup + b.cfg.Measure + 1
	st := NewTestpmdStats(len(sc.VDevs))
	enough := make(chan struct{})
	var once sync.Once
	ctx, cancel := context.WithTimeout(ctx, time.Duration(need+60)*time.Second)
	defer cancel()
	p, err := startProc(ctx, r.Log, func(isErr bool, line string) {
		if !isErr && st.Line(line) && len(st.Samples) >= need {
			once.Do(func() { close(enough) })
		}
	}, b.cfg.Testpmd, b.cfg.TestpmdArgs(sc)...)
	if err != nil {
		return err
	}
	select {
	case <-enough:
		p.interrupt()
	case <-p.done:
	}
	werr := p.wait()
	_, stderr := p.output()
	samples := slices.Clone(st.Samples)
	if len(samples) > 0 {
		samples = samples[1:] // testpmd's first block has no previous one: 0 pps
	}
	r.Samples = samples
	v, ok := SteadyMedian(samples, b.cfg.Warmup, b.cfg.Measure)
	if !ok {
		if werr != nil {
			return fmt.Errorf("dpdk-testpmd: %v: %s", werr, tail(stderr, 3))
		}
		return fmt.Errorf("dpdk-testpmd printed %d stats blocks, want %d (see %s)", len(st.Samples), need, r.Log)
	}
	r.Value = v / 1e6
	return nil
}

// zcnicRate runs zcnic fwd for Warmup+Measure seconds and one and a
// half more (a spare line, should a tick be late), with a JSON stats
// line a second.
func (b *runner) zcnicRate(ctx context.Context, sc Scenario, r *RunResult) error {
	z, err := b.zcnicFwd(ctx, sc, r.Log, 60*time.Second)
	r.Samples = z.samples
	if err != nil {
		return err
	}
	r.GoRuntime = z.summary.GoRuntime
	r.Value = z.mpps
	return nil
}

// zcnicFwdRun is what one zcnic fwd run of a scenario gave.
type zcnicFwdRun struct {
	samples      []float64 // packets transmitted per second, a sample a second
	mpps         float64   // their steady median (SteadyMedian), in Mpps
	summary      ZcnicSummary
	startSeconds float64 // from the start of the process to its first forwarding second
}

// zcnicFwd runs zcnic fwd on sc for Warmup+Measure seconds and one and a
// half more, with a JSON stats line a second, its output logged to log;
// slack is how much longer it may take (start-up, teardown) before it
// is stopped. The samples are returned also when it failed.
func (b *runner) zcnicFwd(ctx context.Context, sc Scenario, log string, slack time.Duration) (zcnicFwdRun, error) {
	var z zcnicFwdRun
	need := b.cfg.Warmup + b.cfg.Measure
	d := time.Duration(need)*time.Second + 1500*time.Millisecond
	ctx, cancel := context.WithTimeout(ctx, d+slack)
	defer cancel()
	var once sync.Once
	start := time.Now()
	p, err := startProc(ctx, log, func(isErr bool, line string) {
		if l, ok := ParseZcnicStatsLine(line); ok && isErr {
			once.Do(func() { z.startSeconds = time.Since(start).Seconds() - l.ElapsedSeconds })
			z.samples = append(z.samples, l.TxPps())
		}
	}, b.cfg.Zcnic, b.cfg.ZcnicArgs(sc, d, time.Second)...)
	if err != nil {
		return z, err
	}
	werr := p.wait()
	stdout, stderr := p.output()
	if werr != nil {
		return z, fmt.Errorf("zcnic: %v: %s", werr, tail(stderr, 3))
	}
	if z.summary, err = ParseZcnicSummary(stdout); err != nil {
		return z, err
	}
	v, ok := SteadyMedian(z.samples, b.cfg.Warmup, b.cfg.Measure)
	if !ok {
		return z, fmt.Errorf("zcnic printed %d stats lines, want %d (see %s)", len(z.samples), need, log)
	}
	z.mpps = v / 1e6
	return z, nil
}

// zeroCopy runs zcnic fwd on S2's devices (macswap: the handler reads
// and writes every packet) with no stats lines, and reports its Go
// runtime window; with what the measured zcnic runs reported.
func (b *runner) zeroCopy(ctx context.Context, scs []ScenarioResult) *ZeroCopy {
	sc := scenarioByID(Scenarios(b.cfg.Pcap), "S2")
	z := &ZeroCopy{Scenario: sc.ID, Mode: sc.Mode, Seconds: b.cfg.ZeroCopySeconds}
	for _, s := range scs {
		for _, r := range s.Runs {
			if g := r.GoRuntime; g != nil {
				z.MeasuredRuns++
				z.MeasuredHeapAllocs += g.HeapAllocs
				z.MeasuredGCCycles += g.GCCycles
				z.MeasuredSeconds += g.WindowSeconds
				z.MeasuredMaxAllocsBurst = max(z.MeasuredMaxAllocsBurst, g.AllocsPerBurst)
			}
		}
	}
	d := time.Duration(b.cfg.ZeroCopySeconds) * time.Second
	ctx, cancel := context.WithTimeout(ctx, d+60*time.Second)
	defer cancel()
	log := filepath.Join(b.logs, "zero-copy-zcnic.log")
	p, err := startProc(ctx, log, nil, b.cfg.Zcnic, b.cfg.ZcnicArgs(sc, d, 0)...)
	if err != nil {
		z.Error = err.Error()
		return z
	}
	werr := p.wait()
	stdout, stderr := p.output()
	if werr != nil {
		z.Error = fmt.Sprintf("zcnic: %v: %s", werr, tail(stderr, 3))
		return z
	}
	s, err := ParseZcnicSummary(stdout)
	switch {
	case err != nil:
		z.Error = err.Error()
	case s.GoRuntime == nil:
		z.Error = "zcnic's summary has no go_runtime"
	default:
		z.Run = s.GoRuntime
		b.logf("%s", z.Lines()[0])
	}
	return z
}

// Namespaces of S4.
const (
	NSA, NSB = "zcnic-bench-a", "zcnic-bench-b"
)

func ipCmd(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// cleanNamespaces removes S4's namespaces and taps, if a run left any.
func cleanNamespaces() {
	for _, ns := range []string{NSA, NSB} {
		exec.Command("ip", "netns", "del", ns).Run()
	}
	for _, t := range []string{TapA, TapB} {
		if _, err := os.Stat("/sys/class/net/" + t); err == nil {
			exec.Command("ip", "link", "del", t).Run()
		}
	}
}

// tapRun is S4 for one program: the forwarder's two tap ports join two
// namespaces; iperf3 sends TCP from A to B through it.
func (b *runner) tapRun(ctx context.Context, sc Scenario, r *RunResult) error {
	if os.Geteuid() != 0 {
		return errors.New("needs root (network namespaces)")
	}
	for _, tool := range []string{"ip", "iperf3", "ping"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("needs %s (make setup installs it)", tool)
		}
	}
	cleanNamespaces()
	defer cleanNamespaces()
	for _, ns := range []string{NSA, NSB} {
		if err := ipCmd(ctx, "netns", "add", ns); err != nil {
			return err
		}
	}
	limit := time.Duration(b.cfg.IperfSeconds+90) * time.Second
	fctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	// Start the forwarder; it is ready once it prints its first stats.
	ready := make(chan struct{})
	var once sync.Once
	isReady := func() { once.Do(func() { close(ready) }) }
	var p *proc
	var err error
	if r.Program == "testpmd" {
		st := NewTestpmdStats(len(sc.VDevs))
		p, err = startProc(fctx, r.Log, func(isErr bool, line string) {
			if !isErr && st.Line(line) {
				isReady()
			}
		}, b.cfg.Testpmd, b.cfg.TestpmdArgs(sc)...)
	} else {
		p, err = startProc(fctx, r.Log, func(isErr bool, line string) {
			if _, ok := ParseZcnicStatsLine(line); ok && isErr {
				isReady()
			}
		}, b.cfg.Zcnic, b.cfg.ZcnicArgs(sc, 0, time.Second)...)
	}
	if err != nil {
		return err
	}
	stop := p.stop
	defer stop()
	select {
	case <-ready:
	case <-p.done:
		_, stderr := p.output()
		return fmt.Errorf("%s exited before forwarding: %v: %s", r.Program, p.err, tail(stderr, 3))
	case <-time.After(30 * time.Second):
		return fmt.Errorf("%s did not start forwarding within 30 s", r.Program)
	}

	gbps, err := b.iperfThrough(ctx, r.Log)
	if err != nil {
		return err
	}
	if err := stop(); err != nil && r.Program == "zcnic" {
		_, stderr := p.output()
		return fmt.Errorf("zcnic: %v: %s", err, tail(stderr, 3))
	}
	if r.Program == "zcnic" {
		stdout, _ := p.output()
		s, err := ParseZcnicSummary(stdout)
		if err != nil {
			return err
		}
		r.GoRuntime = s.GoRuntime
	}
	r.Value = gbps
	return nil
}

// iperfThrough moves the taps into the namespaces, checks with ping
// that A reaches B, and runs iperf3 from A to B; logs go next to log.
func (b *runner) iperfThrough(ctx context.Context, log string) (float64, error) {
	macs := map[string]string{}
	for _, t := range []string{TapA, TapB} {
		m, err := os.ReadFile("/sys/class/net/" + t + "/address")
		if err != nil {
			return 0, fmt.Errorf("tap %s: %w", t, err)
		}
		macs[t] = strings.TrimSpace(string(m))
	}
	for _, x := range []struct{ ns, tap, addr, peer, peerTap string }{
		{NSA, TapA, AddrA, AddrB, TapB}, {NSB, TapB, AddrB, AddrA, TapA},
	} {
		for _, args := range [][]string{
			{"link", "set", x.tap, "netns", x.ns},
			{"-n", x.ns, "addr", "add", x.addr + "/24", "dev", x.tap},
			{"-n", x.ns, "link", "set", x.tap, "up"},
			{"-n", x.ns, "link", "set", "lo", "up"},
			// Static neighbours: no ARP round trip decides the first second.
			{"-n", x.ns, "neigh", "replace", x.peer, "lladdr", macs[x.peerTap], "dev", x.tap, "nud", "permanent"},
		} {
			if err := ipCmd(ctx, args...); err != nil {
				return 0, err
			}
		}
	}
	var perr error
	for try := 0; try < 10; try++ {
		out, err := exec.CommandContext(ctx, "ip", "netns", "exec", NSA, "ping", "-c", "1", "-W", "1", AddrB).CombinedOutput()
		if perr = err; err == nil {
			break
		}
		perr = fmt.Errorf("ping %s from %s: %v: %s", AddrB, NSA, err, tail(string(out), 2))
	}
	if perr != nil {
		return 0, perr
	}
	base := strings.TrimSuffix(log, ".log")
	srv, err := startProc(ctx, base+"-iperf3-server.log", nil, "ip", "netns", "exec", NSB, "iperf3", "-s", "-1", "-B", AddrB)
	if err != nil {
		return 0, err
	}
	defer func() {
		srv.interrupt()
		srv.wait()
	}()
	t := b.cfg.IperfSeconds
	var out []byte
	for try := 0; try < 10; try++ {
		time.Sleep(200 * time.Millisecond) // the server binds
		cctx, cancel := context.WithTimeout(ctx, time.Duration(t+30)*time.Second)
		out, err = exec.CommandContext(cctx, "ip", "netns", "exec", NSA, "iperf3", "-c", AddrB, "-t", strconv.Itoa(t), "-O", "1", "-J").Output()
		cancel()
		if err == nil || !strings.Contains(string(out), "unable to connect") {
			break
		}
	}
	os.WriteFile(base+"-iperf3-client.json", out, 0o644)
	gbps, perr := ParseIperf3(out)
	if perr != nil {
		if err != nil {
			return 0, fmt.Errorf("%w (%v)", perr, err)
		}
		return 0, perr
	}
	if math.IsNaN(gbps) || gbps <= 0 {
		return 0, errors.New("iperf3 measured nothing")
	}
	return gbps, nil
}
