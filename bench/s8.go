package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// S8 is latency through the forwarder: zcnic-ping (a bench-only program
// on the library, its loop in C) sends 64-byte frames carrying a
// sequence number and the TSC, open loop at a fixed rate, on lcore 0 of
// its own process, to the forwarder over one memif pair, and receives
// them back over a second one; the forwarder (dpdk-testpmd io, zcnic fwd
// --mode io --latency, or the baseline: zcnic-ping --join, a bare C loop
// moving each burst from one port to the other) polls both on the
// forwarding lcore. The rates are shares of the path's maximum,
// measured first with each forwarder (the lower of the two).
const S8 = "S8"

// S8Title is S8's title.
const S8Title = "latency through the forwarder: 64-byte frames over two memif pairs (copy mode), pinger on lcore 0, forwarder io on lcore 1, open loop"

// S8Loads are S8's rates, as shares of the path's measured maximum.
var S8Loads = []float64{0.1, 0.5, 0.9}

// S8 programs: the two forwarders and the baseline.
const (
	S8Testpmd  = "testpmd"
	S8Zcnic    = "zcnic"
	S8Baseline = "baseline"
)

// S8Programs are S8's forwarders, in the order of a round's runs.
var S8Programs = []string{S8Testpmd, S8Zcnic, S8Baseline}

const (
	// s8Rounds caps S8's rounds.
	s8Rounds = 3
	// s8MaxSeconds is the sending time of the saturating runs.
	s8MaxSeconds = 2
	// The memif control sockets of S8, in the runner's directory.
	s8SockA, s8SockB = "zbench-s8a.sock", "zbench-s8b.sock"
)

// S8Ping is one zcnic-ping report: the JSON it prints, which
// bench/cmd/zcnic-ping writes with this type and S8 reads back.
type S8Ping struct {
	Program   string  `json:"program"` // "ping" or "join"
	RatePps   float64 `json:"rate_pps"`
	Seconds   float64 `json:"seconds"`
	Offered   uint64  `json:"offered"`
	Sent      uint64  `json:"sent"`
	TxFull    uint64  `json:"tx_full"`
	NoMbuf    uint64  `json:"nombuf"`
	Received  uint64  `json:"received"`
	Lost      uint64  `json:"lost"`
	Reordered uint64  `json:"reordered"`
	Foreign   uint64  `json:"foreign"`
	Timed     uint64  `json:"timed"`
	SentPps   float64 `json:"sent_pps"`
	RecvPps   float64 `json:"received_pps"`
	MeanUs    float64 `json:"mean_us"`
	P50us     float64 `json:"p50_us"`
	P90us     float64 `json:"p90_us"`
	P99us     float64 `json:"p99_us"`
	P999us    float64 `json:"p99_9_us"`
	MaxUs     float64 `json:"max_us"`
	LagMaxUs  float64 `json:"lag_max_us"`
	Forwarded uint64  `json:"forwarded,omitempty"` // --join: packets it moved
	TSCHz     uint64  `json:"tsc_hz"`
}

// S8ZcnicRun is what zcnic's JSON summary says of one S8 run: its own
// latency (--latency) and where it lost packets.
type S8ZcnicRun struct {
	Latency *ZcnicLatency `json:"latency"`
	// RxMissed is the devices' imissed (rx ring full), TxFull the
	// packets dropped as tx_full (the output queue stayed full), Drops
	// every drop reason.
	RxMissed uint64            `json:"rx_missed"`
	TxFull   uint64            `json:"tx_full"`
	Drops    map[string]uint64 `json:"drops"`
	// The forwarding loop's stalls: gaps between turns over 64 us and
	// 256 us, and the longest.
	StallsOver64  uint64  `json:"stalls_over_64us"`
	StallsOver256 uint64  `json:"stalls_over_256us"`
	StallMaxUs    float64 `json:"stall_max_us"`
}

// ZcnicLatency is the "latency" object of zcnic's summary (--latency).
type ZcnicLatency struct {
	Packets uint64  `json:"packets"`
	MeanUs  float64 `json:"mean_us"`
	P50us   float64 `json:"p50_us"`
	P90us   float64 `json:"p90_us"`
	P99us   float64 `json:"p99_us"`
	P999us  float64 `json:"p99_9_us"`
	MaxUs   float64 `json:"max_us"`
}

// s8Summary is the part of zcnic's summary S8 reads.
type s8Summary struct {
	Ports []struct {
		Dev struct {
			RxMissed uint64 `json:"rx_missed"`
		} `json:"dev"`
	} `json:"ports"`
	Drops  map[string]uint64 `json:"drops"`
	Lcores []struct {
		Stalls struct {
			Over64us  uint64  `json:"over_64us"`
			Over256us uint64  `json:"over_256us"`
			MaxUs     float64 `json:"max_us"`
		} `json:"stalls"`
	} `json:"lcores"`
	Latency *ZcnicLatency `json:"latency"`
}

// ParseS8Zcnic reads S8's figures from zcnic's --json summary.
func ParseS8Zcnic(stdout string) (*S8ZcnicRun, error) {
	if _, err := ParseZcnicSummary(stdout); err != nil {
		return nil, err
	}
	var s s8Summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		return nil, fmt.Errorf("zcnic summary: %w", err)
	}
	z := &S8ZcnicRun{Latency: s.Latency, Drops: s.Drops, TxFull: s.Drops["tx_full"]}
	for _, p := range s.Ports {
		z.RxMissed += p.Dev.RxMissed
	}
	for _, l := range s.Lcores {
		z.StallsOver64 += l.Stalls.Over64us
		z.StallsOver256 += l.Stalls.Over256us
		z.StallMaxUs = max(z.StallMaxUs, l.Stalls.MaxUs)
	}
	return z, nil
}

// S8Run is one run: a program at a load in a round (Load 0: the
// saturating run that measures the maximum).
type S8Run struct {
	Round   int         `json:"round"`
	Program string      `json:"program"`
	Load    float64     `json:"load"`
	RatePps float64     `json:"rate_pps"`
	Ping    *S8Ping     `json:"ping,omitempty"`
	Zcnic   *S8ZcnicRun `json:"zcnic,omitempty"`
	Log     string      `json:"log,omitempty"`
	Error   string      `json:"error,omitempty"`
}

// S8Row is one program at one load: medians over the rounds.
type S8Row struct {
	Program string  `json:"program"`
	Load    float64 `json:"load"`
	RatePps float64 `json:"rate_pps"`
	Rounds  int     `json:"rounds"`
	// The pinger's percentiles, us (medians over the rounds), and the
	// rounds' least and greatest p99.
	P50, P90, P99, P999, Max float64
	P99Min, P99Max           float64
	// Counts summed over the rounds: sent, received, lost in flight,
	// reordered, and refused by the pinger's tx (the forwarder's rx ring
	// was full: the frame was never sent).
	Sent, Received, Lost, Reordered, Refused uint64
	// zcnic's own --latency (medians), and where it lost packets
	// (summed): nil for the other programs.
	Zcnic *S8ZcnicRow `json:"zcnic,omitempty"`
}

// S8ZcnicRow is zcnic's side of a row.
type S8ZcnicRow struct {
	P50, P90, P99, P999, Max float64
	RxMissed, TxFull         uint64
	StallsOver64             uint64
	StallMaxUs               float64
}

// S8Result is S8's runs and rows.
type S8Result struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Rounds  int     `json:"rounds"`
	Seconds float64 `json:"seconds"`
	// TSC is what /proc/cpuinfo says of the clock both ends read.
	TSC string `json:"tsc"`
	// MaxPps is each forwarder's saturating rate (received by the
	// pinger), and Max the lower, which the loads are shares of.
	MaxPps map[string]float64 `json:"max_pps"`
	Max    float64            `json:"max"`
	Rows   []S8Row            `json:"rows"`
	// P99Ratios are zcnic's p99 over testpmd's at each load (its
	// index in S8Loads), round by round.
	P99Ratios [][]float64 `json:"p99_ratios"`
	Runs      []S8Run     `json:"runs"`
}

// TSCFlags reads constant_tsc and nonstop_tsc from a /proc/cpuinfo text.
func TSCFlags(cpuinfo string) string {
	for _, line := range strings.Split(cpuinfo, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) != "flags" {
			continue
		}
		f := strings.Fields(v)
		say := func(name string) string {
			if slices.Contains(f, name) {
				return name + " yes"
			}
			return name + " NO"
		}
		return say("constant_tsc") + ", " + say("nonstop_tsc")
	}
	return "no flags line in /proc/cpuinfo"
}

// S8Rates are the rates of S8Loads at a maximum of max frames a second.
func S8Rates(max float64) []float64 {
	r := make([]float64, len(S8Loads))
	for i, l := range S8Loads {
		r[i] = math.Round(l * max)
	}
	return r
}

// S8Max is the maximum the loads are shares of: the lower of the
// forwarders' saturating rates (0 if either is missing).
func S8Max(maxPps map[string]float64) float64 {
	t, z := maxPps[S8Testpmd], maxPps[S8Zcnic]
	if t <= 0 || z <= 0 {
		return 0
	}
	return min(t, z)
}

// Summarize makes the rows and ratios from the runs.
func (s *S8Result) Summarize() {
	s.Rows = nil
	s.P99Ratios = make([][]float64, len(S8Loads))
	for li, load := range S8Loads {
		var p99 roundValues
		for _, prog := range S8Programs {
			row := S8Row{Program: prog, Load: load}
			var p50, p90, p99s, p999, mx []float64
			var zr S8ZcnicRow
			var z50, z90, z99, z999, zmx []float64
			for _, r := range s.Runs {
				if r.Program != prog || r.Load != load || r.Error != "" || r.Ping == nil {
					continue
				}
				row.Rounds++
				row.RatePps = r.RatePps
				pg := r.Ping
				p50, p90, p99s, p999, mx = append(p50, pg.P50us), append(p90, pg.P90us), append(p99s, pg.P99us), append(p999, pg.P999us), append(mx, pg.MaxUs)
				row.Sent += pg.Sent
				row.Received += pg.Received
				row.Lost += pg.Lost
				row.Reordered += pg.Reordered
				row.Refused += pg.TxFull
				p99.add(r.Round, prog, pg.P99us)
				if z := r.Zcnic; z != nil {
					zr.RxMissed += z.RxMissed
					zr.TxFull += z.TxFull
					zr.StallsOver64 += z.StallsOver64
					zr.StallMaxUs = max(zr.StallMaxUs, z.StallMaxUs)
					if l := z.Latency; l != nil {
						z50, z90, z99, z999, zmx = append(z50, l.P50us), append(z90, l.P90us), append(z99, l.P99us), append(z999, l.P999us), append(zmx, l.MaxUs)
					}
				}
			}
			if row.Rounds > 0 {
				row.P50, row.P90, row.P99, row.P999, row.Max = Median(p50), Median(p90), Median(p99s), Median(p999), Median(mx)
				row.P99Min, row.P99Max = slices.Min(p99s), slices.Max(p99s)
			}
			if prog == S8Zcnic {
				if len(z50) > 0 {
					zr.P50, zr.P90, zr.P99, zr.P999, zr.Max = Median(z50), Median(z90), Median(z99), Median(z999), Median(zmx)
				}
				row.Zcnic = &zr
			}
			s.Rows = append(s.Rows, row)
		}
		s.P99Ratios[li] = p99.ratios(S8Zcnic, S8Testpmd)
	}
}

// row is the row of prog at load (nil if none).
func (s *S8Result) row(prog string, load float64) *S8Row {
	for i := range s.Rows {
		if s.Rows[i].Program == prog && s.Rows[i].Load == load {
			return &s.Rows[i]
		}
	}
	return nil
}

// Markdown is S8's table, its ratios and how to read it.
func (s *S8Result) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "S8: %s; %d rounds of %.0f s a run; TSC: %s; maximum on this path (pinger's received rate, saturating): testpmd %.3f Mpps, zcnic %.3f Mpps, loads are shares of %.3f Mpps.\n\n",
		s.Title, s.Rounds, s.Seconds, s.TSC, s.MaxPps[S8Testpmd]/1e6, s.MaxPps[S8Zcnic]/1e6, s.Max/1e6)
	b.WriteString("| forwarder | load | Mpps offered | p50 us | p90 us | p99 us (rounds' min-max) | p99.9 us | max us | sent | received | lost | reordered | refused at the pinger | zcnic --latency p50 / p99 / max us | zcnic: imissed / tx_full / stalls >= 64 us (longest us) |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range s.Rows {
		zl, zd := "", ""
		if z := r.Zcnic; z != nil {
			zl = fmt.Sprintf("%.2f / %.2f / %.0f", z.P50, z.P99, z.Max)
			zd = fmt.Sprintf("%d / %d / %d (%.0f)", z.RxMissed, z.TxFull, z.StallsOver64, z.StallMaxUs)
		}
		fmt.Fprintf(&b, "| %s | %.0f%% | %.3f | %.2f | %.2f | %.2f (%.2f-%.2f) | %.1f | %.0f | %d | %d | %d | %d | %d | %s | %s |\n",
			r.Program, 100*r.Load, r.RatePps/1e6, r.P50, r.P90, r.P99, r.P99Min, r.P99Max, r.P999, r.Max, r.Sent, r.Received, r.Lost, r.Reordered, r.Refused, zl, zd)
	}
	b.WriteString("\n")
	for i, load := range S8Loads {
		fmt.Fprintf(&b, "S8 p99 zcnic/testpmd at %.0f%%: %s (rounds: %s)\n", 100*load, spread(s.P99Ratios[i]), fmtList(s.P99Ratios[i], 2))
	}
	for _, load := range S8Loads {
		z, base := s.row(S8Zcnic, load), s.row(S8Baseline, load)
		if z == nil || base == nil || z.Zcnic == nil || z.Rounds == 0 || base.Rounds == 0 {
			continue
		}
		fmt.Fprintf(&b, "S8 at %.0f%%: zcnic's share by the pinger (zcnic row less the baseline) p50 %.2f us, p99 %.2f us; zcnic --latency p50 %.2f us, p99 %.2f us\n",
			100*load, z.P50-base.P50, z.P99-base.P99, z.Zcnic.P50, z.Zcnic.P99)
	}
	b.WriteString("\nLatency is the pinger's: from the TSC it stamps into a frame just before tx_burst to the TSC it reads as rx_burst returns the frame, through both memif pairs and the forwarder (percentiles are the upper edges of 1/32-wide log-linear buckets; the first 0.5 s of each run is counted, not timed). The baseline row is the same path joined by a bare C loop (rx_burst to tx_burst) instead of a forwarder: the pinger's and the memif pairs' own share; a forwarder's row minus it is what the forwarder adds. Lost: sent and never received; refused: offered by the schedule but not taken by the pinger's tx (the forwarder's memif rx ring was full, memif's own imissed); counts are summed over the rounds. zcnic --latency is zcnic's own rx-to-tx time in its loop (medians over the rounds).\n")
	return b.String()
}

func (s *S8Result) ratioParts() []string {
	var p []string
	for i, load := range S8Loads {
		p = append(p, fmt.Sprintf("S8-p99-%.0f%%=%s", 100*load, compact(s.P99Ratios[i])))
	}
	return p
}

// S8Vdevs are the forwarder's (memif servers) and the pinger's (their
// clients) --vdev strings, with sockets in dir.
func S8Vdevs(dir string) (fwd, ping []string) {
	m := func(i int, role, sock string) string {
		return fmt.Sprintf("net_memif%d,role=%s,id=0,zero-copy=no,socket=%s,socket-abstract=no", i, role, filepath.Join(dir, sock))
	}
	return []string{m(0, "server", s8SockA), m(1, "server", s8SockB)}, []string{m(0, "client", s8SockA), m(1, "client", s8SockB)}
}

// s8Scenario is the forwarder's scenario: io over the two memif servers.
func s8Scenario(fwd []string) Scenario {
	return Scenario{ID: S8, Title: S8Title, VDevs: fwd, Mode: "io", Flags: []string{"--latency"}}
}

// S8PingArgs is zcnic-ping's command line: on MainLcore, at rate (0:
// saturating) for seconds.
func (c *Config) S8PingArgs(ping []string, rate float64, seconds int) []string {
	a := []string{"--cpu", strconv.Itoa(c.MainLcore), "--rate", strconv.FormatFloat(rate, 'f', 0, 64),
		"--duration", (time.Duration(seconds) * time.Second).String(), "--burst", strconv.Itoa(c.Burst)}
	if c.NoHuge {
		a = append(a, "--no-huge")
	}
	for _, v := range ping {
		a = append(a, "--vdev", v)
	}
	return a
}

// S8JoinArgs is the baseline's forwarder: zcnic-ping --join on FwdLcore
// until SIGINT.
func (c *Config) S8JoinArgs(fwd []string) []string {
	a := []string{"--join", "--cpu", strconv.Itoa(c.FwdLcore), "--duration", "0", "--burst", strconv.Itoa(c.Burst)}
	if c.NoHuge {
		a = append(a, "--no-huge")
	}
	for _, v := range fwd {
		a = append(a, "--vdev", v)
	}
	return a
}

// s8 runs S8: the saturating runs, then each round every load with every
// program, the programs' order rotating from round to round.
func (b *runner) s8(ctx context.Context) (*S8Result, []string) {
	res := &S8Result{ID: S8, Title: S8Title, Rounds: min(b.cfg.Rounds, s8Rounds), Seconds: float64(b.cfg.S8Seconds), MaxPps: map[string]float64{}}
	if ci, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		res.TSC = TSCFlags(string(ci))
	}
	b.logf("S8 TSC: %s", res.TSC)
	var failures []string
	fail := func(r S8Run) {
		failures = append(failures, fmt.Sprintf("S8 %s load %.0f%% round %d: %s", r.Program, 100*r.Load, r.Round, r.Error))
		b.logf("S8 %-8s load %3.0f%% round %d FAILED: %s", r.Program, 100*r.Load, r.Round, r.Error)
	}
	for _, prog := range []string{S8Testpmd, S8Zcnic} {
		r := b.s8Run(ctx, prog, 0, 0, 0, s8MaxSeconds)
		res.Runs = append(res.Runs, r)
		if r.Error != "" {
			fail(r)
			continue
		}
		res.MaxPps[prog] = r.Ping.RecvPps
		b.logf("S8 %-8s saturating: %.3f Mpps received", prog, r.Ping.RecvPps/1e6)
	}
	res.Max = S8Max(res.MaxPps)
	if res.Max <= 0 {
		return res, append(failures, "S8: no maximum measured, no loads run")
	}
	rates := S8Rates(res.Max)
	for round := 1; round <= res.Rounds && ctx.Err() == nil; round++ {
		progs := slices.Clone(S8Programs)
		k := (round - 1) % len(progs)
		progs = append(progs[k:], progs[:k]...)
		for li, load := range S8Loads {
			for _, prog := range progs {
				if ctx.Err() != nil {
					break
				}
				r := b.s8Run(ctx, prog, round, load, rates[li], b.cfg.S8Seconds)
				res.Runs = append(res.Runs, r)
				if r.Error != "" {
					fail(r)
					continue
				}
				p := r.Ping
				extra := ""
				if z := r.Zcnic; z != nil && z.Latency != nil {
					extra = fmt.Sprintf("; zcnic --latency p50 %.2f p99 %.2f max %.0f us; imissed %d tx_full %d stalls>=64us %d", z.Latency.P50us, z.Latency.P99us, z.Latency.MaxUs, z.RxMissed, z.TxFull, z.StallsOver64)
				}
				b.logf("S8 %-8s load %3.0f%% round %d/%d: p50 %.2f p99 %.2f p99.9 %.1f max %.0f us; sent %d received %d lost %d refused %d%s",
					prog, 100*load, round, res.Rounds, p.P50us, p.P99us, p.P999us, p.MaxUs, p.Sent, p.Received, p.Lost, p.TxFull, extra)
			}
		}
	}
	res.Summarize()
	return res, failures
}

// s8Run runs one forwarder with the pinger against it: the forwarder
// first, the pinger once both control sockets exist (it waits for the
// links itself), then SIGINT to the forwarder.
func (b *runner) s8Run(ctx context.Context, prog string, round int, load, rate float64, seconds int) S8Run {
	name := fmt.Sprintf("S8-%s-max", prog)
	if round > 0 {
		name = fmt.Sprintf("S8-%s-%.0f-r%d", prog, 100*load, round)
	}
	run := S8Run{Round: round, Program: prog, Load: load, RatePps: rate, Log: filepath.Join(b.logs, name+".log")}
	if err := b.s8Do(ctx, &run, seconds); err != nil {
		run.Error = oneLine(err)
	}
	return run
}

func (b *runner) s8Do(ctx context.Context, run *S8Run, seconds int) error {
	dir, err := filepath.Abs(b.logs)
	if err != nil {
		return err
	}
	for _, s := range []string{s8SockA, s8SockB} {
		os.Remove(filepath.Join(dir, s))
	}
	fwd, pingDevs := S8Vdevs(dir)
	ctx, cancel := context.WithTimeout(ctx, time.Duration(seconds)*time.Second+90*time.Second)
	defer cancel()
	var f *proc
	switch run.Program {
	case S8Testpmd:
		f, err = startProc(ctx, run.Log, nil, b.cfg.Testpmd, b.cfg.TestpmdArgs(s8Scenario(fwd))...)
	case S8Zcnic:
		f, err = startProc(ctx, run.Log, nil, b.cfg.Zcnic, b.cfg.ZcnicArgs(s8Scenario(fwd), 0, time.Second)...)
	default:
		f, err = startProc(ctx, run.Log, nil, b.cfg.Ping, b.cfg.S8JoinArgs(fwd)...)
	}
	if err != nil {
		return err
	}
	stop := f.stop
	defer stop()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, ea := os.Stat(filepath.Join(dir, s8SockA))
		_, eb := os.Stat(filepath.Join(dir, s8SockB))
		if ea == nil && eb == nil {
			break
		}
		select {
		case <-f.done:
			_, stderr := f.output()
			return fmt.Errorf("%s exited before its sockets were made: %v: %s", run.Program, f.err, tail(stderr, 3))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s made no memif sockets within 30 s", run.Program)
		}
	}
	pingLog := strings.TrimSuffix(run.Log, ".log") + "-ping.log"
	p, err := startProc(ctx, pingLog, nil, b.cfg.Ping, b.cfg.S8PingArgs(pingDevs, run.RatePps, seconds)...)
	if err != nil {
		return err
	}
	perr := p.wait()
	stdout, stderr := p.output()
	ferr := stop()
	if perr != nil {
		return fmt.Errorf("zcnic-ping: %v: %s", perr, tail(stderr, 3))
	}
	var pg S8Ping
	if err := json.Unmarshal([]byte(stdout), &pg); err != nil {
		return fmt.Errorf("zcnic-ping's report: %w", err)
	}
	run.Ping = &pg
	if run.Program == S8Zcnic {
		fout, ferrOut := f.output()
		if ferr != nil {
			return fmt.Errorf("zcnic: %v: %s", ferr, tail(ferrOut, 3))
		}
		if run.Zcnic, err = ParseS8Zcnic(fout); err != nil {
			return err
		}
		if run.Round > 0 && (run.Zcnic.Latency == nil || run.Zcnic.Latency.Packets == 0) {
			return errors.New("zcnic's summary has no latency figures (--latency)")
		}
	}
	return nil
}
