package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zcnic/zcnic/app"
	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/hugepages"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// common are the flags every command that runs ports takes.
type common struct {
	// loops is how many forwarding loops the command asks for (--txq,
	// --nb-cores; 0: no ask): without --lcores, more than this process
	// has worker CPUs for puts several lcores on a CPU, with a warning.
	loops         int
	cmd           string
	vdevs, pcis   listFlag
	lcores        string
	burst         int
	vector        int  // packets a loop gathers per source a turn; 0: the default
	countBytes    bool // count bytes per packet in the loop
	latency       bool // time packets in the loop, rx to tx (app.Config.Latency)
	duration      time.Duration
	idle          time.Duration // stop once the inputs have ended (app.Config.StopWhenIdle)
	statsInterval time.Duration
	json          bool
	noHuge        bool
	noConfine     bool // leave the Go runtime's threads on every CPU
	logLevel      string
	metricsAddr   string
	statsFormat   string   // "text" or "json"
	poolSize      int      // mbufs; 0 sizes the pool from the ports and lcores
	poolCache     int      // per-lcore mempool cache
	rxd, txd      int      // descriptors per queue; 0 for the default
	outputs       []file   // the command's own output files, checked against the inputs
	ealVdevs      []string // the vdevs as given to EAL (checkInputs stages outputs); nil: vdevs
	rxSkipped     []uint64 // rx_pcap records too long for net_pcap, left out, by port (checkInputs)
	filePrefix    string   // attachable primary of this name; "" runs in memory
	noTelemetry   bool
}

// minStatsInterval is the shortest --stats-interval: a line costs a
// snapshot of every loop and a write; 1ns printed 254,000 lines in 2 s.
const minStatsInterval = 100 * time.Millisecond

// checkListenAddr checks a HOST:PORT (or :PORT) to listen on.
func checkListenAddr(addr string) error {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("give HOST:PORT, or :PORT for 127.0.0.1")
	}
	if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q: must be a number from 0 to 65535", p)
	}
	return nil
}

// Limits of the pool and descriptor flags.
const (
	maxPoolCache = 512 // RTE_MEMPOOL_CACHE_MAX_SIZE
	maxPoolSize  = 1<<26 - 1
	maxDesc      = 32768
)

// newFlags makes a command's FlagSet; summary and usage head its
// --help. With c it has the device flags; with runs as well, the flags
// of commands that run loops.
func newFlags(e *env, name, usage, summary string, c *common, runs bool) *flag.FlagSet {
	fs := flag.NewFlagSet("zcnic "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line by report
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: zcnic %s %s\n\n%s\n\nFlags (--flag and -flag are the same):\n", name, usage, summary)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	if c == nil {
		return fs
	}
	c.cmd = name
	fs.Var(&c.vdevs, "vdev", "virtual device, as for EAL --vdev: `DEVARGS` like net_null0 or net_pcap0,rx_pcap=in.pcap (repeatable; each is a port, in order)")
	fs.Var(&c.pcis, "pci", "PCI device `ADDR` to use, like 0000:03:00.0 (repeatable; PCI is off unless named; ports follow the vdevs)")
	fs.StringVar(&c.lcores, "lcores", "", "lcores to enable, like 0-1 or 0,2, or lcores on CPUs like 0@0,1@1,2@0 (several on one CPU take turns: for tests, not speed); the lowest is the main lcore, the others run loops (default: every CPU this process may use)")
	fs.BoolVar(&c.json, "json", false, "print the summary as JSON on stdout")
	fs.BoolVar(&c.noHuge, "no-huge", false, "run without hugepages (EAL --no-huge; virtual devices only)")
	fs.BoolVar(&c.noConfine, "no-confine", false, "leave the Go runtime's threads on every CPU (by default every thread that is not an lcore's runs on the CPUs no worker lcore uses)")
	fs.StringVar(&c.logLevel, "log-level", "error", "EAL log level: error, warning, notice, info, debug")
	fs.StringVar(&c.filePrefix, "file-prefix", "", "run as an attachable primary named `NAME` (EAL --file-prefix, not in memory; needs hugepages): dpdk-dumpcap, dpdk-proc-info, dpdk-telemetry.py and zcnic stats --attach take the same name (default: in memory, nothing to attach to)")
	fs.BoolVar(&c.noTelemetry, "no-telemetry", false, "turn DPDK's telemetry socket off (default on: dpdk-telemetry.py -f PREFIX, the prefix being --file-prefix or zcnic-PID)")
	c.burst, c.poolCache = 32, 256
	if !runs {
		return fs
	}
	fs.IntVar(&c.burst, "burst", 32, "receive burst size, nb_pkts of each rx call (1-512)")
	fs.IntVar(&c.vector, "vector", 0, fmt.Sprintf("most packets a loop gathers from one rx queue in a turn, in bursts of --burst, for one handler call (--burst to 1024; 0: %d, or --burst if larger)", app.DefaultVector))
	fs.BoolVar(&c.countBytes, "count-bytes", false, "count bytes per packet in the loop, for drivers whose own counters have no bytes (net_null); costs a read of every packet's length")
	fs.BoolVar(&c.latency, "latency", false, "time each received vector in the loop from rx to tx (two TSC reads a vector, in C): percentiles in the summary, /metrics and telemetry")
	fs.DurationVar(&c.duration, "duration", 0, "stop after this long, like 10s (default: until Ctrl-C)")
	fs.DurationVar(&c.idle, "idle", 0, "stop at the end of the input: once no port has received for this long, like 1s; a replay of rx_pcap files (no infinite_rx) stops at its last record without waiting (default: off)")
	fs.DurationVar(&c.statsInterval, "stats-interval", time.Second, "print a stats line this often (0: none)")
	fs.StringVar(&c.statsFormat, "stats-format", "text", "format of the live stats lines on stderr: text, or json (one JSON object a line, for scripts)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at `ADDR` (HOST:PORT; a bare :PORT binds to 127.0.0.1); off when empty")
	fs.IntVar(&c.poolSize, "pool-size", 0, "mbufs in the pool, like 8191 (DPDK likes 2^n-1; 0: sized from the descriptors, lcores and bursts)")
	fs.IntVar(&c.poolCache, "pool-cache", 256, "per-lcore cache of the mbuf pool (1-512), as dpdk-testpmd's --mbcache")
	fs.IntVar(&c.rxd, "rxd", 0, "receive descriptors per queue, as dpdk-testpmd's --rxd (0: 512)")
	fs.IntVar(&c.txd, "txd", 0, "transmit descriptors per queue, as dpdk-testpmd's --txd (0: 512)")
	return fs
}

// parse parses args and allows no positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	help := fs.Usage
	fs.Usage = func() {} // the flag package calls it on every error
	err := fs.Parse(args)
	fs.Usage = help
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			help()
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	var bad error
	fs.Visit(func(f *flag.Flag) {
		// An empty --file-prefix would silently run in memory, with
		// nothing to attach to: the opposite of what it asks.
		if f.Name == "file-prefix" && f.Value.String() == "" && bad == nil {
			bad = usagef("--file-prefix '': give a name (or leave the flag out to run in memory)")
		}
	})
	return bad
}

// devargs are the device flags in port order: vdevs, then PCI devices.
func (c *common) devargs() []string {
	return append(append([]string(nil), c.vdevs...), c.pcis...)
}

// devices checks the device flags and returns the port device names, in
// order (vdevs, then PCI devices).
func (c *common) devices() ([]string, error) {
	var names []string
	for _, v := range c.vdevs {
		if err := eal.ValidateVDev(v); err != nil {
			return nil, usagef("bad --vdev %q: %s", v, reason(err))
		}
		name, _, _ := strings.Cut(v, ",")
		names = append(names, name)
	}
	for _, p := range c.pcis {
		name, _, _ := strings.Cut(p, ",")
		names = append(names, name)
	}
	if c.burst < 1 || c.burst > 512 {
		return nil, usagef("--burst %d: must be 1 to 512", c.burst)
	}
	if c.vector != 0 && (c.vector < c.burst || c.vector > 1024) {
		return nil, usagef("--vector %d: must be from --burst (%d) to 1024", c.vector, c.burst)
	}
	if c.duration < 0 || c.statsInterval < 0 || c.idle < 0 {
		return nil, usagef("--duration, --idle and --stats-interval may not be negative")
	}
	if c.statsInterval > 0 && c.statsInterval < minStatsInterval {
		return nil, usagef("--stats-interval %v: must be 0 (no stats lines) or at least %v", c.statsInterval, minStatsInterval)
	}
	if c.metricsAddr != "" {
		if err := checkListenAddr(c.metricsAddr); err != nil {
			return nil, usagef("--metrics-addr %q: %s", c.metricsAddr, err)
		}
	}
	if err := c.checkTuning(); err != nil {
		return nil, err
	}
	// Every port's rx descriptors are filled from the pool.
	if rxd := orDefault(c.rxd, 512); c.poolSize > 0 && c.poolSize < len(names)*rxd {
		ports := fmt.Sprintf("%d ports", len(names))
		if len(names) == 1 {
			ports = "the port"
		}
		return nil, usagef("--pool-size %d: the rx descriptors of %s take %d mbufs (--rxd %d each) before any packet: give at least %d, or 0 to size it automatically",
			c.poolSize, ports, len(names)*rxd, rxd, len(names)*rxd)
	}
	return names, nil
}

// checkTuning checks the stats format, pool and descriptor flags.
func (c *common) checkTuning() error {
	if c.statsFormat != "" && c.statsFormat != "text" && c.statsFormat != "json" {
		return usagef("--stats-format %q: must be text or json", c.statsFormat)
	}
	if c.poolCache < 1 || c.poolCache > maxPoolCache {
		return usagef("--pool-cache %d: must be 1 to %d", c.poolCache, maxPoolCache)
	}
	if c.poolSize < 0 || c.poolSize > maxPoolSize {
		return usagef("--pool-size %d: must be 0 (automatic) to %d", c.poolSize, maxPoolSize)
	}
	// DPDK refuses a pool smaller than 1.5 times its cache.
	if c.poolSize > 0 && c.poolSize < c.poolCache*3/2 {
		return usagef("--pool-size %d: must be at least 1.5 times --pool-cache (%d), that is %d", c.poolSize, c.poolCache, c.poolCache*3/2)
	}
	for _, d := range []struct {
		flag string
		v    int
	}{{"--rxd", c.rxd}, {"--txd", c.txd}} {
		if d.v < 0 || d.v > maxDesc {
			return usagef("%s %d: must be 0 (default) to %d", d.flag, d.v, maxDesc)
		}
	}
	return nil
}

// reason is the Reason of an eal.ConfigError, or the error's text.
func reason(err error) string {
	var ce *eal.ConfigError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return err.Error()
}

// parseLcores parses "0-3,5" into sorted lcore ids, and DPDK's
// "0@0,1@1,2@0" form (lcore@cpu: several lcores on one CPU) into the
// ids and the CPU of each mapped one.
func parseLcores(s string) ([]uint, map[uint]int, error) {
	if s == "" {
		return nil, nil, nil
	}
	var out []uint
	var cpus map[uint]int
	for _, part := range strings.Split(s, ",") {
		ids, at, mapped := strings.Cut(part, "@")
		lo, hi, isRange := strings.Cut(ids, "-")
		a, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
		if err != nil {
			return nil, nil, usagef("--lcores %q: %q is not an lcore number, a range like 0-3 or an lcore on a CPU like 2@0", s, part)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 16); err != nil || b < a {
				return nil, nil, usagef("--lcores %q: %q is not a range like 0-3", s, part)
			}
		}
		if mapped {
			cpu, err := strconv.ParseUint(strings.TrimSpace(at), 10, 16)
			if err != nil || isRange {
				return nil, nil, usagef("--lcores %q: %q is not an lcore on a CPU like 2@0", s, part)
			}
			if cpus == nil {
				cpus = map[uint]int{}
			}
			cpus[uint(a)] = int(cpu)
		}
		for id := a; id <= b; id++ {
			if !slices.Contains(out, uint(id)) {
				out = append(out, uint(id))
			}
		}
	}
	slices.Sort(out)
	return out, cpus, nil
}

// ealFlags are the flags behind the eal.Config fields the CLI sets, to
// name the flag, not the field, in an error.
var ealFlags = map[string]string{
	"Lcores":     "--lcores",
	"LcoreCPUs":  "--lcores",
	"MainLcore":  "--lcores",
	"VDevs":      "--vdev",
	"PCIAllow":   "--pci",
	"LogLevel":   "--log-level",
	"FilePrefix": "--file-prefix",
}

// ealConfig builds the EAL config: in memory, PCI off unless --pci, and
// --no-huge, loudly, when the hugepage preflight fails; with
// --file-prefix an attachable primary, which needs hugepages. Telemetry
// is on unless --no-telemetry, under the prefix zcnic-PID in memory.
func (c *common) ealConfig(e *env) (eal.Config, error) {
	lcores, cpus, err := parseLcores(c.lcores)
	if err != nil {
		return eal.Config{}, err
	}
	if c.lcores == "" && c.loops > 0 {
		lcores, cpus = shareCPUs(e, c.loops)
	}
	vdevs := c.vdevs
	if c.ealVdevs != nil {
		vdevs = c.ealVdevs
	}
	cfg := eal.Config{
		Lcores:    lcores,
		LcoreCPUs: cpus,
		VDevs:     vdevs,
		PCIAllow:  c.pcis,
		LogLevel:  c.logLevel,
		NoHuge:    c.noHuge,
		NoConfine: c.noConfine,
		Telemetry: !c.noTelemetry,
		Logger:    newLineLogger(e.stderr),
	}
	if c.filePrefix != "" {
		if c.noHuge {
			return cfg, usagef("--file-prefix %s needs hugepages (tools attach through them): leave out --no-huge, and reserve them with zcnic hugepages reserve --size 2M --count 512", c.filePrefix)
		}
		cfg.FilePrefix, cfg.Attachable = c.filePrefix, true
	} else if cfg.Telemetry {
		cfg.FilePrefix = telemetryPrefix()
	}
	// A zero-copy memif and a virtio-user port share this process's
	// memory files with their peer: one file per segment list (in
	// memory, memfd files). virtio-user gives vhost-user at most 8
	// regions; with a file per page a pool of a few thousand mbufs has
	// more ("Too many memory regions").
	cfg.SingleFileSegments = slices.ContainsFunc(vdevs, func(v string) bool {
		return eal.MemifZeroCopy(v) || strings.HasPrefix(v, "net_virtio_user")
	})
	if _, err := cfg.Args(); err != nil {
		var ce *eal.ConfigError
		if errors.As(err, &ce) {
			if f, ok := ealFlags[ce.Field]; ok {
				return cfg, usagef("%s: %s", f, ce.Reason)
			}
		}
		return cfg, usagef("%s", strings.TrimPrefix(err.Error(), "eal: "))
	}
	if c.filePrefix != "" {
		if err := eal.Preflight(&cfg, hugepages.Default); err != nil {
			return cfg, fmt.Errorf("--file-prefix %s needs hugepages: %w", c.filePrefix, err)
		}
		return cfg, nil
	}
	if cfg.Telemetry {
		sweepTelemetryDirs()
	}
	if !cfg.NoHuge && os.Getenv("ZCNIC_NO_HUGE") == "1" {
		fmt.Fprintln(e.stderr, "zcnic: WARNING: ZCNIC_NO_HUGE=1: running EAL with --no-huge")
		cfg.NoHuge = true
	}
	if !cfg.NoHuge {
		if err := eal.Preflight(&cfg, hugepages.Default); err != nil {
			if len(c.pcis) > 0 {
				return cfg, fmt.Errorf("%w (PCI devices need hugepages)", err)
			}
			fmt.Fprintf(e.stderr, "zcnic: WARNING: FALLING BACK TO --no-huge (slower; virtual devices only): %v\n", err)
			cfg.NoHuge = true
		}
	}
	return cfg, nil
}

// telemetryPrefix is the file prefix of an in-memory run with telemetry:
// unique to the process, so that runs side by side each have a socket.
func telemetryPrefix() string { return fmt.Sprintf("zcnic-%d", os.Getpid()) }

// sweepTelemetryDirs removes the runtime directories of in-memory runs
// (zcnic-PID) whose process is gone: killed with SIGKILL, they could not
// remove their own.
func sweepTelemetryDirs() {
	base := filepath.Dir(eal.RuntimeDir("x"))
	ents, _ := os.ReadDir(base)
	for _, d := range ents {
		s, ok := strings.CutPrefix(d.Name(), "zcnic-")
		pid, err := strconv.Atoi(s)
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			os.RemoveAll(filepath.Join(base, d.Name()))
		}
	}
}

// startEAL checks the devices' inputs and starts the EAL for c, for a
// command that runs no loops: the outputs its devices would create
// (tx_pcap) are written beside their paths and removed by done, so an
// existing file is never truncated.
func (c *common) startEAL(e *env) (done func(), err error) {
	prep, err := c.checkInputs(e)
	if err != nil {
		return func() {}, err
	}
	c.ealVdevs, c.rxSkipped = prep.vdevs, prep.skipped
	done = func() { prep.commit(false, summary{}) }
	cfg, err := c.ealConfig(e)
	if err != nil {
		return done, err
	}
	return done, eal.Init(cfg)
}

// stopEAL releases the EAL; a failure is reported with the command's.
func stopEAL(err error) error {
	if !eal.Initialized() {
		return err
	}
	if cerr := eal.Cleanup(); cerr != nil && err == nil {
		return cerr
	}
	return err
}

// appConfig is the runner config for the named ports.
func (c *common) appConfig(devices []string) app.Config {
	cfg := app.Config{Burst: c.burst, Vector: c.vector, CountBytes: c.countBytes, Latency: c.latency, Name: "zc" + c.cmd, PoolSize: c.poolSize, PoolCache: c.poolCache, StopWhenIdle: c.idle}
	for _, d := range devices {
		cfg.Ports = append(cfg.Ports, app.PortConfig{Device: d, RxDesc: c.rxd, TxDesc: c.txd})
	}
	return cfg
}

// checkPorts checks port indexes given to flag against n ports.
func checkPorts(flagName string, idx []int, n int) error {
	for _, p := range idx {
		if p < 0 || p >= n {
			if n == 0 {
				return usagef("%s %d: there are no ports (add --vdev, e.g. --vdev net_null0)", flagName, p)
			}
			if n == 1 {
				return usagef("%s %d is out of range: there is 1 port (0)", flagName, p)
			}
			return usagef("%s %d is out of range: there are %d ports (0 to %d)", flagName, p, n, n-1)
		}
	}
	return nil
}

// parseInts parses "0,1,2".
func parseInts(flagName, s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, usagef("%s %q: %q is not a number", flagName, s, f)
		}
		out = append(out, v)
	}
	return out, nil
}

// parsePorts parses a subcommand's flags and returns its devices, at
// least one.
func (c *common) parsePorts(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	devices, err := c.devices()
	if err != nil {
		return nil, err
	}
	return devices, needPorts(devices)
}

func needPorts(devices []string) error {
	if len(devices) == 0 {
		return usagef("no ports: name devices with --vdev (e.g. --vdev net_null0) or --pci")
	}
	return nil
}
