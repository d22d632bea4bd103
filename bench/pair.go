package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Pinning of a pair: the receiver's EAL runs on MainLcore and FwdLcore
// and polls on FwdLcore; the sender's loop runs on MainLcore, where the
// receiver's main thread only sleeps. Each program's pair is on the same
// CPUs.

// pairArgs are the receiver's and the sender's command lines of prog for
// a pair scenario whose device strings are rx and tx.
func (c *Config) pairArgs(prog string, pr *Pair, rx, tx string) (rxArgs, txArgs []string) {
	if prog == "testpmd" {
		eal := func(lcores, main, prefix, vdev string, sfs bool) []string {
			a := []string{"-l", lcores, "--main-lcore", main, "--no-pci", "--file-prefix", prefix}
			if c.NoHuge {
				a = append(a, "-m", "512", "--no-huge", "--no-shconf")
			} else {
				a = append(a, "--in-memory")
			}
			if sfs {
				a = append(a, "--single-file-segments")
			}
			return append(a, "--no-telemetry", "--log-level", "error", "--vdev", vdev)
		}
		app := func(mode string) []string {
			return []string{"--", "--forward-mode=" + mode, "--nb-cores=1", "--burst=" + strconv.Itoa(c.Burst),
				"--mbcache=" + strconv.Itoa(c.PoolCache), "--total-num-mbufs=" + strconv.Itoa(c.PoolSize),
				"--rxd=" + strconv.Itoa(c.RxDesc), "--txd=" + strconv.Itoa(c.TxDesc),
				"--stats-period", "1", "--auto-start"}
		}
		main, fwd := strconv.Itoa(c.MainLcore), strconv.Itoa(c.FwdLcore)
		rxArgs = append(eal(main+","+fwd, main, "zbench-rx", rx, false), app("rxonly")...)
		// The sender's forwarding lcore is the non-main one: MainLcore.
		txArgs = append(eal(main+","+fwd, fwd, "zbench-tx", tx, pr.SingleFileSegments), append(app("txonly"), "--txpkts=64")...)
		return rxArgs, txArgs
	}
	common := []string{"--burst", strconv.Itoa(c.Burst), "--pool-size", strconv.Itoa(c.PoolSize), "--pool-cache", strconv.Itoa(c.PoolCache),
		"--rxd", strconv.Itoa(c.RxDesc), "--txd", strconv.Itoa(c.TxDesc), "--json", "--log-level", "error"}
	if c.NoHuge {
		common = append(common, "--no-huge")
	}
	rxArgs = append([]string{"rxonly", "--lcores", c.lcores(), "--stats-interval", "1s", "--stats-format", "json", "--vdev", rx}, common...)
	txArgs = append([]string{"gen", "--lcores", strconv.Itoa(c.MainLcore), "--size", "64", "--stats-interval", "0", "--vdev", tx}, common...)
	return rxArgs, txArgs
}

// pairRun runs a pair scenario for prog: the receiver first, then, once
// it prints its first stats, the sender; the value is the median of the
// receiver's per-second received rate over Measure seconds after Warmup
// seconds of traffic. Then the sender gets SIGINT, and the receiver once
// the sender has exited.
func (b *runner) pairRun(ctx context.Context, sc Scenario, prog string, r *RunResult) error {
	pr := sc.Pair
	if pr.Veth {
		if err := makeVeth(ctx); err != nil {
			return err
		}
		defer ipCmd(context.Background(), "link", "del", VethA)
	}
	// The control sockets live beside the logs, fresh for each run.
	dir, err := filepath.Abs(b.logs)
	if err != nil {
		return err
	}
	sock := func(v string) string {
		for _, s := range []string{MemifSock, VhostSock} {
			v = strings.ReplaceAll(v, "="+s, "="+filepath.Join(dir, s))
		}
		return v
	}
	for _, s := range []string{MemifSock, VhostSock} {
		os.Remove(filepath.Join(dir, s))
	}
	rxArgs, txArgs := b.cfg.pairArgs(prog, pr, sock(pr.Rx), sock(pr.Tx))
	bin := b.cfg.Zcnic
	if prog == "testpmd" {
		bin = b.cfg.Testpmd
	}

	need := b.cfg.Warmup + b.cfg.Measure
	ctx, cancel := context.WithTimeout(ctx, time.Duration(need+60)*time.Second)
	defer cancel()
	var mu sync.Mutex
	var samples []float64 // the receiver's, from the sender's start on
	sending, started := false, make(chan struct{})
	enough := make(chan struct{})
	var once, first sync.Once
	st := NewTestpmdRxStats(1)
	add := func(v float64) {
		mu.Lock()
		defer mu.Unlock()
		first.Do(func() { close(started) })
		if !sending {
			return
		}
		samples = append(samples, v)
		if len(samples) >= need+1 {
			once.Do(func() { close(enough) })
		}
	}
	rxLog := strings.TrimSuffix(r.Log, ".log") + "-rx.log"
	rxp, err := startProc(ctx, rxLog, func(isErr bool, line string) {
		if prog == "testpmd" {
			if !isErr && st.Line(line) {
				add(st.Samples[len(st.Samples)-1])
			}
		} else if l, ok := ParseZcnicStatsLine(line); ok && isErr {
			var s float64
			for _, p := range l.Ports {
				s += p.RxPps
			}
			add(s)
		}
	}, bin, rxArgs...)
	if err != nil {
		return err
	}
	select {
	case <-started:
	case <-rxp.done:
		_, stderr := rxp.output()
		return fmt.Errorf("the receiver exited before its first stats: %v: %s", rxp.wait(), tail(stderr, 3))
	case <-ctx.Done():
		rxp.interrupt()
		rxp.wait()
		return fmt.Errorf("the receiver printed no stats (see %s)", rxLog)
	}
	txLog := strings.TrimSuffix(r.Log, ".log") + "-tx.log"
	txp, err := startProc(ctx, txLog, func(bool, string) {}, bin, txArgs...)
	if err != nil {
		rxp.interrupt()
		rxp.wait()
		return err
	}
	mu.Lock()
	sending = true
	mu.Unlock()
	r.Log = rxLog
	select {
	case <-enough:
	case <-rxp.done:
	case <-txp.done:
	case <-ctx.Done():
	}
	// The sender first: a zero-copy memif client must leave before its
	// server, or the driver keeps what its rings hold.
	txp.interrupt()
	txErr := txp.wait()
	rxp.interrupt()
	rxErr := rxp.wait()
	mu.Lock()
	// The first sample straddles the sender's start: drop it.
	if len(samples) > 0 {
		samples = samples[1:]
	}
	r.Samples = samples
	mu.Unlock()
	var errs []error
	complete := len(r.Samples) >= need
	_, rxStderr := rxp.output()
	crashed := rxErr != nil && (strings.Contains(rxErr.Error(), "segmentation fault") || // testpmd
		strings.Contains(rxStderr, "SIGSEGV: segmentation violation")) // zcnic: Go's report, then SIGQUIT
	if crashed && complete && !pr.Veth {
		// DPDK 22.11's memif and vhost unmap the peer's memory from
		// their control thread when the peer leaves, under the lcore
		// that still polls: the receiver, left last, may crash there.
		// Its samples were all in.
		r.Note = "the receiver crashed after its peer left (DPDK 22.11 unmaps the peer's memory under the polling lcore); its samples were complete"
		rxErr = nil
	}
	if rxErr != nil {
		_, stderr := rxp.output()
		errs = append(errs, fmt.Errorf("receiver: %v: %s", rxErr, tail(stderr, 3)))
	}
	if txErr != nil {
		_, stderr := txp.output()
		errs = append(errs, fmt.Errorf("sender: %v: %s", txErr, tail(stderr, 3)))
	}
	if prog == "zcnic" {
		for _, p := range []*proc{rxp, txp} {
			if stdout, _ := p.output(); stdout != "" {
				if _, err := ParseZcnicSummary(stdout); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	v, ok := SteadyMedian(r.Samples, b.cfg.Warmup, b.cfg.Measure)
	if !ok {
		return fmt.Errorf("the receiver printed %d stats after the sender started, want %d (see %s)", len(r.Samples), need, rxLog)
	}
	r.Value = v / 1e6
	return nil
}

// makeVeth creates S6's veth pair, one queue each way (a frame that
// lands on another rx queue than the AF_XDP socket's is not seen), at
// fixed interface indexes, with IPv6 off and both ends up.
func makeVeth(ctx context.Context) error {
	ipCmd(ctx, "link", "del", VethA) // a run that was killed
	// net_af_packet names its PACKET_FANOUT group (pid ^ ifindex) &
	// 0xffff, and groups are shared by the namespace: with consecutive
	// ifindexes, a receiver and a sender whose pids differ in the same
	// low bit collide, and the second one's probe fails (EINVAL).
	// Indexes 0x8000 apart make that need pids 0x8000 apart.
	if err := ipCmd(ctx, "link", "add", VethA, "index", "31000", "numtxqueues", "1", "numrxqueues", "1", "type", "veth",
		"peer", "name", VethB, "index", "63768", "numtxqueues", "1", "numrxqueues", "1"); err != nil {
		return err
	}
	for _, ifc := range []string{VethA, VethB} {
		os.WriteFile("/proc/sys/net/ipv6/conf/"+ifc+"/disable_ipv6", []byte("1"), 0)
		if err := ipCmd(ctx, "link", "set", ifc, "up"); err != nil {
			return err
		}
	}
	return nil
}
