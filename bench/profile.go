package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Profile is where one program's forwarding CPU went in one scenario:
// the shares of `perf record -e cpu-clock -C <forwarding CPU>` samples
// of that process, by part. Shares are of the process's samples on that
// CPU, so load elsewhere on the machine barely moves them.
type Profile struct {
	Scenario string `json:"scenario"`
	Program  string `json:"program"`
	Samples  int    `json:"samples"`
	// PMD is the DPDK libraries (the driver, mempool, mbuf, ethdev):
	// the work both programs must do. Loop is the program's own code;
	// TLS is __tls_get_addr (DPDK's per-lcore variables, reached from
	// the shared libraries); Other is the rest (libc, kernel).
	PMD, Loop, TLS, Other float64
	// Parts splits Loop (zcnic: the Go handler and loop, the C turn,
	// the cgo crossing and Go runtime), and lists the top symbols.
	Parts map[string]float64 `json:"parts,omitempty"`
	Top   []SymbolShare      `json:"top"`
	Data  string             `json:"perf_data"`
	Error string             `json:"error,omitempty"`
}

// SymbolShare is one symbol's share of a profile.
type SymbolShare struct {
	Symbol string  `json:"symbol"`
	DSO    string  `json:"dso"`
	Share  float64 `json:"share"`
}

// ProfileScenarios are the rate scenarios a profile covers by default.
var ProfileScenarios = []string{"S1", "S2", "S3"}

// Profiles runs each program once per scenario (cfg.Only, or
// ProfileScenarios) and records its forwarding CPU with perf for
// cfg.Measure seconds after cfg.Warmup; the data files and
// profile.json/profile.md go to cfg.Out.
func Profiles(ctx context.Context, cfg Config) ([]Profile, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("perf"); err != nil {
		return nil, errors.New("needs perf (Debian's linux-perf; make bench-profile installs it)")
	}
	logs := filepath.Join(cfg.Out, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return nil, err
	}
	only := cfg.Only
	if len(only) == 0 {
		only = ProfileScenarios
	}
	var out []Profile
	var failures []string
	for _, sc := range Scenarios(cfg.Pcap) {
		if !slices.Contains(only, sc.ID) || sc.Namespaces {
			continue
		}
		for _, prog := range []string{"testpmd", "zcnic"} {
			if ctx.Err() != nil {
				break
			}
			p := profileOne(ctx, &cfg, sc, prog, logs)
			if p.Error != "" {
				failures = append(failures, fmt.Sprintf("%s %s: %s", sc.ID, prog, p.Error))
			}
			if cfg.Log != nil {
				fmt.Fprintf(cfg.Log, "bench: profile %s %-7s PMD %5.1f%%  loop %5.1f%%  tls %4.1f%%  other %4.1f%%  (%d samples)\n",
					sc.ID, prog, p.PMD, p.Loop, p.TLS, p.Other, p.Samples)
			}
			out = append(out, p)
		}
	}
	j, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return out, err
	}
	if err := os.WriteFile(filepath.Join(cfg.Out, "profile.json"), append(j, '\n'), 0o644); err != nil {
		return out, err
	}
	if err := os.WriteFile(filepath.Join(cfg.Out, "profile.md"), []byte(ProfileMarkdown(out)), 0o644); err != nil {
		return out, err
	}
	if len(failures) > 0 {
		return out, fmt.Errorf("%d failures:\n  %s", len(failures), strings.Join(failures, "\n  "))
	}
	return out, nil
}

// profileOne runs prog on sc, waits for the warm-up, records the
// forwarding CPU, stops the program and reads the samples of its pid.
func profileOne(ctx context.Context, cfg *Config, sc Scenario, prog, logs string) Profile {
	pr := Profile{Scenario: sc.ID, Program: prog, Data: filepath.Join(cfg.Out, fmt.Sprintf("%s-%s.perf.data", sc.ID, prog))}
	fail := func(err error) Profile { pr.Error = oneLine(err); return pr }
	total := time.Duration(cfg.Warmup+cfg.Measure+3) * time.Second
	rctx, cancel := context.WithTimeout(ctx, total+60*time.Second)
	defer cancel()
	started := make(chan struct{})
	var once sync.Once
	ready := func() { once.Do(func() { close(started) }) }
	log := filepath.Join(logs, fmt.Sprintf("profile-%s-%s.log", sc.ID, prog))
	var p *proc
	var err error
	if prog == "testpmd" {
		st := NewTestpmdStats(len(sc.VDevs))
		p, err = startProc(rctx, log, func(isErr bool, line string) {
			if !isErr && st.Line(line) {
				ready()
			}
		}, cfg.Testpmd, cfg.TestpmdArgs(sc)...)
	} else {
		p, err = startProc(rctx, log, func(isErr bool, line string) {
			if _, ok := ParseZcnicStatsLine(line); ok && isErr {
				ready()
			}
		}, cfg.Zcnic, cfg.ZcnicArgs(sc, total, time.Second)...)
	}
	if err != nil {
		return fail(err)
	}
	defer func() {
		p.interrupt()
		p.wait()
	}()
	select {
	case <-started:
	case <-p.done:
		_, stderr := p.output()
		return fail(fmt.Errorf("%s exited before forwarding: %v: %s", prog, p.err, tail(stderr, 3)))
	case <-time.After(30 * time.Second):
		return fail(fmt.Errorf("%s did not start forwarding within 30 s", prog))
	}
	time.Sleep(time.Duration(cfg.Warmup) * time.Second)
	rec := exec.CommandContext(rctx, "perf", "record", "-q", "-e", "cpu-clock", "-C", strconv.Itoa(cfg.FwdLcore),
		"-o", pr.Data, "--", "sleep", strconv.Itoa(cfg.Measure))
	if b, err := rec.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("perf record: %v: %s", err, tail(string(b), 3)))
	}
	pid := p.cmd.Process.Pid
	rep := exec.CommandContext(rctx, "perf", "report", "-i", pr.Data, "--pid", strconv.Itoa(pid),
		"--sort", "dso,sym", "--stdio", "--percentage", "relative", "-q", "--show-nr-samples")
	b, err := rep.Output()
	if err != nil {
		return fail(fmt.Errorf("perf report: %v", err))
	}
	rows, samples := ParsePerfReport(string(b))
	pr.Samples = samples
	pr.classify(rows, prog)
	return pr
}

// ParsePerfReport reads `perf report --sort dso,sym --stdio -q
// --show-nr-samples` rows (share, samples, dso, [.] or [k], symbol) and
// returns them with the samples summed.
func ParsePerfReport(s string) (rows []SymbolShare, samples int) {
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 || !strings.HasSuffix(f[0], "%") {
			continue
		}
		share, err := strconv.ParseFloat(strings.TrimSuffix(f[0], "%"), 64)
		if err != nil {
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		samples += n
		rows = append(rows, SymbolShare{Symbol: strings.Join(f[4:], " "), DSO: f[2], Share: share})
	}
	return rows, samples
}

// classify sums rows into the profile's parts.
func (p *Profile) classify(rows []SymbolShare, prog string) {
	p.Parts = map[string]float64{}
	own := "dpdk-testpmd"
	if prog == "zcnic" {
		own = "zcnic"
	}
	for _, r := range rows {
		switch {
		case strings.HasPrefix(r.DSO, "librte_"):
			p.PMD += r.Share
		case r.Symbol == "__tls_get_addr":
			p.TLS += r.Share
		case r.DSO == own || strings.HasSuffix(r.DSO, "/"+own):
			p.Loop += r.Share
			if prog == "zcnic" {
				p.Parts[zcnicPart(r.Symbol)] += r.Share
			}
		default:
			p.Other += r.Share
		}
	}
	top := slices.Clone(rows)
	slices.SortFunc(top, func(a, b SymbolShare) int {
		switch {
		case a.Share > b.Share:
			return -1
		case a.Share < b.Share:
			return 1
		}
		return 0
	})
	p.Top = top[:min(len(top), 12)]
}

// zcnicPart names the part of zcnic a symbol belongs to.
func zcnicPart(sym string) string {
	switch {
	case strings.HasPrefix(sym, "zc_"), strings.Contains(sym, "apply_verdicts"), strings.Contains(sym, "flush_"), sym == "poll":
		return "C turn"
	case strings.Contains(sym, "cgocall"), strings.Contains(sym, "syscall"), strings.Contains(sym, "_Cfunc_"),
		strings.Contains(sym, "asmcgocall"), strings.HasPrefix(sym, "runtime."):
		return "cgo crossing and Go runtime"
	default:
		return "Go loop and handler"
	}
}

// ProfileMarkdown is the profiles as a table, testpmd and zcnic side by
// side per scenario.
func ProfileMarkdown(ps []Profile) string {
	var b strings.Builder
	b.WriteString("| scenario | program | samples | PMD + DPDK libraries | own loop | __tls_get_addr | other | zcnic's loop, split |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---|\n")
	for _, p := range ps {
		if p.Error != "" {
			fmt.Fprintf(&b, "| %s | %s | - | - | - | - | - | failed: %s |\n", p.Scenario, p.Program, p.Error)
			continue
		}
		var parts []string
		for _, k := range []string{"Go loop and handler", "C turn", "cgo crossing and Go runtime"} {
			if v, ok := p.Parts[k]; ok {
				parts = append(parts, fmt.Sprintf("%s %.1f%%", k, v))
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %s |\n",
			p.Scenario, p.Program, p.Samples, p.PMD, p.Loop, p.TLS, p.Other, strings.Join(parts, ", "))
	}
	b.WriteString("\nShares of the process's `perf record -e cpu-clock -C <forwarding CPU>` samples. " +
		"With the same driver doing the same work per packet, zcnic/testpmd throughput is about zcnic's PMD share over testpmd's.\n")
	for _, p := range ps {
		if p.Error != "" || len(p.Top) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s %s, top symbols:", p.Scenario, p.Program)
		for _, t := range p.Top[:min(len(p.Top), 6)] {
			fmt.Fprintf(&b, " %s (%s) %.1f%%;", t.Symbol, t.DSO, t.Share)
		}
		b.WriteString("\n")
	}
	return b.String()
}
