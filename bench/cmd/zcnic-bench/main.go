// Command zcnic-bench runs zcnic's benchmark against dpdk-testpmd (issue
// 6): the same scenarios, EAL settings, forwarding lcore, burst, mempool
// and descriptors for both, alternating, several rounds.
//
//	S1  net_null pair, io forwarding
//	S1L S1 with zcnic fwd --latency (testpmd plain io): the cost of
//	    timing every vector, zcnic's S1L over its S1 round by round
//	S1b S1 at burst 128 for both
//	S2  net_null pair, macswap
//	S3  net_pcap (infinite_rx) replaying bench/testdata/mixed.pcap -> 5tswap -> net_null
//	S4  two network namespaces joined over two net_tap ports (io); iperf3 TCP
//	S6, S7 two processes (af_xdp, af_packet on veth; memif, vhost-user)
//	S8  latency through the forwarder: zcnic-ping on lcore 0 sends
//	    64-byte frames (sequence number, TSC) over one memif pair and
//	    receives them over another; testpmd io, zcnic fwd io --latency
//	    and a bare C join (the baseline) forward on lcore 1, open loop at
//	    10%, 50% and 90% of the path's maximum (measured first): p50,
//	    p90, p99, p99.9, max, losses, and zcnic's p99 over testpmd's
//	S9  a busy control plane: zcnic fwd io with a goroutine allocating 0,
//	    50 and 200 MB/s (64 MB live), beside a C loop pinned to the
//	    forwarding CPU (the platform's floor): gaps between the loop's
//	    turns over 64 us and 256 us, GC cycles and pauses (zcnic-stall)
//	S5  a 5-tuple trace replayed through 5tswap with 0, 100, 1,000 and
//	    10,000 software flow rules (zcnic fwd --rules), beside
//	    dpdk-test-acl classifying the same rules and trace: Mpps, ns per
//	    packet of classification, and dpdk-test-acl's cycles per packet
//	    over zcnic's (above 1: zcnic classifies faster)
//	S10 a net_null pair, io, with 1 and 2 forwarding lcores (EAL --lcores
//	    0@0,1@1 and 0@0,1@1,2@0, a queue of each port per lcore):
//	    testpmd --nb-cores/--rxq/--txq beside zcnic fwd's same flags;
//	    each program's 2/1 ratio and zcnic/testpmd at each count (on 2
//	    CPUs the second worker shares the main lcore's CPU)
//
// Each round runs both programs side by side (the first one alternating);
// a round's ratio is zcnic's value over the testpmd value of the same
// round, and a scenario's figure is the median of its rounds' ratios,
// printed with their range. It prints the Markdown table, writes
// results.json, results.md and chart.png into --out, and prints as its
// last line "ratios S1=0.97(0.91-1.02) S1b=… S2=… S3=… S4=… … S10-zcnic-2/1=…". It also runs
// zcnic alone for 10 s with no stats lines and prints its Go heap
// allocations per burst and GC cycles (zero-copy discipline).
//
// With --profile it records each program's forwarding CPU with perf
// instead, and prints the share of the PMD and of the program's own loop
// side by side.
//
//	make bench          # 7 rounds
//	make bench-quick    # 3 short rounds
//	make bench-profile  # perf profiles of S1-S3, both programs
//	zcnic-bench --zcnic bin/zcnic --scenarios S1,S3 --rounds 3
//
// It needs root (hugepages, network namespaces), dpdk-testpmd, iperf3
// and a built zcnic (make cli).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/zcnic/zcnic/bench"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	quick := false
	for _, a := range args {
		if a == "--quick" || a == "-quick" || a == "--quick=true" || a == "-quick=true" {
			quick = true
		}
	}
	cfg := bench.DefaultConfig(quick)
	cfg.Log = stderr
	fs := flag.NewFlagSet("zcnic-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Bool("quick", false, "short mode: 2 rounds of 2+3 s, iperf3 for 3 s (the defaults below are the full run's)")
	fs.StringVar(&cfg.Zcnic, "zcnic", cfg.Zcnic, "the zcnic binary (make cli builds bin/zcnic)")
	fs.StringVar(&cfg.Testpmd, "testpmd", cfg.Testpmd, "dpdk-testpmd")
	fs.StringVar(&cfg.TestACL, "test-acl", cfg.TestACL, "dpdk-test-acl (S5)")
	fs.StringVar(&cfg.Stall, "stall", cfg.Stall, "zcnic-stall, S9's program (go build -o bin/zcnic-stall ./bench/cmd/zcnic-stall)")
	fs.IntVar(&cfg.S9Seconds, "s9-time", cfg.S9Seconds, "seconds of each S9 run")
	fs.StringVar(&cfg.Ping, "ping", cfg.Ping, "zcnic-ping, S8's pinger (go build -o bin/zcnic-ping ./bench/cmd/zcnic-ping)")
	fs.IntVar(&cfg.S8Seconds, "s8-time", cfg.S8Seconds, "seconds of sending in each S8 run")
	fs.StringVar(&cfg.Out, "out", cfg.Out, "results directory: results.json, results.md, chart.png, logs/")
	fs.StringVar(&cfg.Pcap, "pcap", cfg.Pcap, "S3's input pcap")
	scen := fs.String("scenarios", "", "scenarios to run, like S1,S3 (default: all; with --profile S1,S2,S3)")
	profile := fs.Bool("profile", false, "instead of rates: profile each program's forwarding CPU with perf (cpu-clock) for --measure s after --warmup s, and print where it went (PMD, own loop, TLS, other)")
	fs.IntVar(&cfg.Rounds, "rounds", cfg.Rounds, "rounds; each runs both programs, in alternating order")
	fs.IntVar(&cfg.Warmup, "warmup", cfg.Warmup, "seconds dropped at the start of each run")
	fs.IntVar(&cfg.Measure, "measure", cfg.Measure, "seconds measured after the warm-up (the median of per-second samples)")
	fs.IntVar(&cfg.IperfSeconds, "iperf-time", cfg.IperfSeconds, "seconds iperf3 measures in S4 (after 1 s omitted)")
	fs.IntVar(&cfg.ZeroCopySeconds, "zero-copy-time", cfg.ZeroCopySeconds, "seconds of the zero-copy (allocations, GC) run; 0 skips it")
	fs.IntVar(&cfg.Burst, "burst", cfg.Burst, "burst size, both programs")
	fs.IntVar(&cfg.Vector, "vector", cfg.Vector, "zcnic's --vector: packets a loop gathers per source a turn (0: zcnic's default; testpmd has no such setting)")
	fs.Func("zcnic-flag", "one more flag for zcnic fwd, like --count-bytes (repeatable), to see what a setting costs", func(v string) error {
		cfg.ZcnicFlags = append(cfg.ZcnicFlags, v)
		return nil
	})
	fs.IntVar(&cfg.PoolSize, "pool-size", cfg.PoolSize, "mbufs in the pool, both programs (testpmd --total-num-mbufs)")
	fs.IntVar(&cfg.PoolCache, "pool-cache", cfg.PoolCache, "mempool cache, both programs (testpmd --mbcache)")
	fs.IntVar(&cfg.RxDesc, "rxd", cfg.RxDesc, "rx descriptors per queue, both programs")
	fs.IntVar(&cfg.TxDesc, "txd", cfg.TxDesc, "tx descriptors per queue, both programs")
	fs.IntVar(&cfg.MainLcore, "main-lcore", cfg.MainLcore, "EAL main lcore, both programs")
	fs.IntVar(&cfg.FwdLcore, "fwd-lcore", cfg.FwdLcore, "the forwarding lcore, both programs")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "zcnic-bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *scen != "" {
		cfg.Only = strings.Split(strings.ToUpper(*scen), ",")
	}
	if _, err := os.Stat(cfg.Zcnic); err != nil {
		fmt.Fprintf(stderr, "zcnic-bench: %v (build it with make cli)\n", err)
		return 2
	}
	if _, err := exec.LookPath(cfg.Testpmd); err != nil {
		fmt.Fprintf(stderr, "zcnic-bench: %v (make setup installs DPDK's dpdk-testpmd)\n", err)
		return 2
	}
	if s5 := *scen == "" || slices.Contains(cfg.Only, bench.S5); s5 && !*profile {
		if _, err := exec.LookPath(cfg.TestACL); err != nil {
			fmt.Fprintf(stderr, "zcnic-bench: %v (S5 needs it: make setup installs the dpdk package)\n", err)
			return 2
		}
	}
	if s8 := *scen == "" || slices.Contains(cfg.Only, bench.S8); s8 && !*profile {
		if _, err := os.Stat(cfg.Ping); err != nil {
			fmt.Fprintf(stderr, "zcnic-bench: %v (S8 needs it: go build -o bin/zcnic-ping ./bench/cmd/zcnic-ping; make bench does)\n", err)
			return 2
		}
	}
	if s9 := *scen == "" || slices.Contains(cfg.Only, bench.S9); s9 && !*profile {
		if _, err := os.Stat(cfg.Stall); err != nil {
			fmt.Fprintf(stderr, "zcnic-bench: %v (S9 needs it: go build -o bin/zcnic-stall ./bench/cmd/zcnic-stall; make bench does)\n", err)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if m := bench.DescribeMachine(ctx, cfg.Zcnic, cfg.Testpmd); !m.Hugepages {
		fmt.Fprintln(stderr, "zcnic-bench: WARNING: NO HUGEPAGES READY: both programs run EAL with --no-huge (slower; make setup reserves them)")
		cfg.NoHuge = true
	}
	if *profile {
		ps, err := bench.Profiles(ctx, cfg)
		if ps == nil {
			fmt.Fprintf(stderr, "zcnic-bench: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "\n%s", bench.ProfileMarkdown(ps))
		fmt.Fprintf(stderr, "zcnic-bench: wrote %s/profile.json, profile.md and the perf data\n", cfg.Out)
		if err != nil {
			fmt.Fprintf(stderr, "zcnic-bench: %v\n", err)
			return 1
		}
		return 0
	}
	res, err := bench.Run(ctx, cfg)
	if res == nil {
		fmt.Fprintf(stderr, "zcnic-bench: %v\n", err)
		return 1
	}
	code := 0
	if err != nil {
		fmt.Fprintf(stderr, "zcnic-bench: %v\n", err)
		code = 1
	}
	fmt.Fprintf(stderr, "zcnic-bench: wrote %s/results.json, results.md, chart.png and logs/ (%.0f s)\n", cfg.Out, res.WallSeconds)
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, res.Markdown())
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, res.RatiosLine())
	return code
}
