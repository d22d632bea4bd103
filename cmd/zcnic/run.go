package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/zcnic/zcnic/app"
	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/pkt"
	"github.com/zcnic/zcnic/port"
)

// body runs one app on started EAL, with cfg filled from the common
// flags, and returns its summary.
type body func(ctx context.Context, cfg app.Config, rep *reporter) (summary, error)

// execute starts the metrics endpoint (if asked) and the EAL, runs b
// until --duration, SIGINT or SIGTERM (or the app's own end), prints the
// summary and releases everything.
func (c *common) execute(e *env, devices []string, b body) (err error) {
	prep, err := c.checkInputs(e, c.outputs...)
	if err != nil {
		return err
	}
	c.ealVdevs, c.rxSkipped = prep.vdevs, prep.skipped
	started := false // the ports started: staged outputs are the run's
	var sum summary  // the run's, to check the outputs against
	defer func() {
		if cerr := prep.commit(started, sum); cerr != nil && err == nil {
			err = cerr
		}
	}()
	ecfg, err := c.ealConfig(e)
	if err != nil {
		return err
	}
	rep := &reporter{e: e, c: c, devices: devices}
	if c.metricsAddr != "" {
		m, err := startMetrics(c.metricsAddr, devices)
		if err != nil {
			return err
		}
		defer m.close()
		rep.metrics = m
		fmt.Fprintf(e.stderr, "zcnic: metrics at http://%s/metrics\n", m.addr)
	}
	ctx, cancel := signalContext() // a signal during set-up stops the run as it starts
	defer cancel()
	if err := eal.Init(ecfg); err != nil {
		return err
	}
	if err := c.checkProbed(devices); err != nil {
		return stopEAL(err)
	}
	cfg := c.appConfig(devices)
	// The app stops on runCtx, cancelled by the watcher once it has
	// closed the Go runtime window: at --duration (counted from when the
	// loops start) or on a signal.
	runCtx, stopRun := context.WithCancel(context.Background())
	defer stopRun()
	rt := newRTWindow()
	cfg.OnReady = func([]*port.Port) error {
		started = true
		go c.watch(ctx, rt, stopRun)
		return nil
	}
	rep.hook(&cfg)
	s, err := b(runCtx, cfg, rep)
	sum = s
	rt.abandon() // if the run ended on its own, teardown is not the loops' work
	var busy uint64
	for _, l := range s.Lcores {
		busy += l.BusyPolls
	}
	s.GoRuntime = rt.result(busy, s.ElapsedSeconds)
	return stopEAL(rep.finish(s, err))
}

// watch runs from when the ports start: it opens the Go runtime window
// rtSettle later, then waits for --duration or ctx (a signal), closes
// the window and stops the run. The waits that span the window began
// before it, so that nothing here allocates inside it (a goroutine that
// blocks on a channel may need a new sudog; one blocked already does not).
func (c *common) watch(ctx context.Context, rt *rtWindow, stop context.CancelFunc) {
	defer stop()
	var until <-chan time.Time
	if c.duration > 0 {
		t := time.NewTimer(c.duration)
		defer t.Stop()
		until = t.C
	}
	settle := rtSettle
	if c.duration > 0 {
		settle = min(settle, c.duration/10)
	}
	go func() {
		time.Sleep(settle) // the goroutine's timer is made here, before the window
		rt.begin()
	}()
	select {
	case <-until:
	case <-ctx.Done():
	}
	rt.finish()
}

// checkProbed checks that every device became a port: EAL goes on when
// a device fails to probe, so say which one did.
func (c *common) checkProbed(devices []string) error {
	for i, d := range devices {
		if _, err := port.Open(d); err != nil {
			return notCreated(i, c.devargs()[i])
		}
	}
	return nil
}

// notCreated says why the driver refused device i. A key its driver
// does not name is a bad command line (exit 2); otherwise EAL's log
// above has the driver's words. Either way, what the driver takes.
func notCreated(i int, devargs string) error {
	takes := ""
	if p := port.DriverParams(devargs); p != "" {
		takes = " (it takes " + p + ")"
	}
	if u := port.UnknownKeys(devargs); len(u) > 0 {
		return usagef("port %d: device %q was not created: its driver has no key %s%s", i, devargs, strings.Join(u, ", "), takes)
	}
	return fmt.Errorf("port %d: device %q was not created: its driver refused it (EAL's log above says why)%s", i, devargs, takes)
}

func allPorts(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

func runFwd(e *env, args []string) error {
	var c common
	fs := newFlags(e, "fwd", "--vdev DEV --vdev DEV [--mode MODE] [flags]",
		"Forward packets between ports: what port i receives goes out of its peer\n"+
			"port. Modes (dpdk-testpmd's): io (untouched), macswap (swap Ethernet\n"+
			"addresses), 5tswap (swap MACs, IPs and UDP/TCP ports), l2fwd (destination\n"+
			"MAC 02:00:00:00:00:<out port>, source MAC the output port's).\n\n"+
			"Example: zcnic fwd --vdev net_null0 --vdev net_null1 --mode macswap --duration 5s", &c, true)
	mode := fs.String("mode", "io", "forwarding mode: io, macswap, 5tswap or l2fwd")
	peers := fs.String("peers", "", "output port for each port, in port order, like 1,0 (default: pairs 0<->1, 2<->3, ...; an odd last port sends back out of itself)")
	pipeline := fs.Bool("pipeline", false, "two stages: the main lcore receives from every port (every queue of --rxq) and spreads flows over rings to the worker lcores, which forward and transmit (needs 2 lcores or more)")
	var rf ruleFlags
	rf.register(fs)
	var qf queueFlags
	qf.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := qf.check(); err != nil {
		return err
	}
	c.loops = max(qf.txq, qf.nbCores)
	devices, err := c.devices()
	if err != nil {
		return err
	}
	rules, err := rf.tables(len(devices))
	if err != nil {
		return err
	}
	m, err := app.ParseMode(*mode)
	if err != nil {
		return usagef("%s", strings.TrimPrefix(err.Error(), "app: "))
	}
	if err := needPorts(devices); err != nil {
		return err
	}
	fc := app.FwdConfig{Mode: m}
	if fc.Peers, err = parseInts("--peers", *peers); err != nil {
		return err
	}
	if fc.Peers != nil && len(fc.Peers) != len(devices) {
		return usagef("--peers %q names %d output ports, but there are %d ports: give one per port", *peers, len(fc.Peers), len(devices))
	}
	if err := checkPorts("--peers", fc.Peers, len(devices)); err != nil {
		return err
	}
	if lc, _, _ := parseLcores(c.lcores); *pipeline && len(lc) == 1 {
		return usagef("--pipeline needs 2 lcores or more (--lcores %s names one)", c.lcores)
	}
	return c.execute(e, devices, func(ctx context.Context, cfg app.Config, rep *reporter) (s summary, err error) {
		rules.apply(cfg.Ports)
		defer func() { s.Rules, s.Classify = rules.summaries() }()
		if err := qf.rss(cfg.Ports); err != nil {
			return summary{}, err
		}
		if !*pipeline {
			if cfg.Lcores, err = qf.layout(len(devices)); err != nil {
				return summary{}, err
			}
			res, err := app.Forward(ctx, cfg, fc)
			return rep.summarize(res, m.String()), err
		}
		rings, err := pipelineLcores(&cfg, len(devices), qf)
		if err != nil {
			return summary{}, err
		}
		fw, err := app.NewForwarder(len(devices), fc)
		if err != nil {
			return summary{}, err
		}
		cfg.AddReady(fw.Ready)
		res, err := app.Run(ctx, cfg, app.Spread(rings, fw.Handler))
		return rep.summarize(res, m.String()), err
	})
}

// pipelineLcores makes the main lcore the receiving stage, polling every
// queue of every port, with a ring to each forwarding worker lcore
// (--nb-cores of them, else all), and returns the rings.
func pipelineLcores(cfg *app.Config, ports int, qf queueFlags) ([]int, error) {
	workers := eal.Workers()
	if len(workers) == 0 {
		return nil, errors.New("--pipeline needs a worker lcore beside the main lcore: give --lcores 0-1 or more")
	}
	if qf.nbCores > len(workers) {
		return nil, usagef("--nb-cores %d: --lcores leaves %d worker lcore(s) (%s); name more, several may share a CPU: --lcores 0@0,1@1,2@0,3@1", qf.nbCores, len(workers), joinLcores(workers))
	}
	if qf.nbCores > 0 {
		workers = workers[:qf.nbCores]
	}
	if qf.txq != 0 && qf.txq != len(workers) {
		return nil, usagef("--txq %d: each of the %d forwarding lcores sends on a tx queue of its own on every port, so there are %d; give --txq %d", qf.txq, len(workers), len(workers), len(workers))
	}
	rx := eal.MainLcore()
	cfg.Lcores = []app.LcoreConfig{{Lcore: rx, Rx: allQueues(ports, qf.rxq), NoTx: true}}
	var rings []int
	for i, w := range workers {
		cfg.Lcores = append(cfg.Lcores, app.LcoreConfig{Lcore: w})
		cfg.Rings = append(cfg.Rings, app.RingConfig{From: []uint{rx}, To: w})
		rings = append(rings, i)
	}
	return rings, nil
}

// allQueues is queues 0..rxq-1 of ports 0..n-1.
func allQueues(n, rxq int) []app.Queue {
	var q []app.Queue
	for p := range n {
		for i := range rxq {
			q = append(q, app.Queue{Port: p, Queue: i})
		}
	}
	return q
}

func runRxOnly(e *env, args []string) error {
	var c common
	fs := newFlags(e, "rxonly", "--vdev DEV [--vdev DEV ...] [flags]",
		"Receive from every port, count and drop.\n\n"+
			"Example: zcnic rxonly --vdev net_null0 --duration 3s", &c, true)
	var qf queueFlags
	qf.register(fs)
	devices, err := c.parsePorts(fs, args)
	if err != nil {
		return err
	}
	if err := qf.check(); err != nil {
		return err
	}
	c.loops = max(qf.txq, qf.nbCores)
	return c.execute(e, devices, func(ctx context.Context, cfg app.Config, rep *reporter) (summary, error) {
		if err := qf.rss(cfg.Ports); err != nil {
			return summary{}, err
		}
		var err error
		if cfg.Lcores, err = qf.layout(len(devices)); err != nil {
			return summary{}, err
		}
		res, err := app.Run(ctx, cfg, app.RxOnly)
		return rep.summarize(res, ""), err
	})
}

func runGen(e *env, args []string) error {
	var c common
	fs := newFlags(e, "gen", "--vdev DEV [flags]",
		"Transmit UDP/IPv4 frames built from a template, on every worker lcore,\n"+
			"filling each --port in turn. Ends after --count frames, after --duration,\n"+
			"or on Ctrl-C.\n\n"+
			"Example: zcnic gen --vdev net_null0 --size 64 --rate 1000000 --count 5000000 --flows 64", &c, true)
	portsFlag := fs.String("port", "", "ports to send on, like 0 or 0,1 (default: every port)")
	size := fs.Int("size", 60, "frame size in bytes, without the 4-byte FCS (42 to 65549)")
	count := fs.Uint64("count", 0, "frames to send in all (0: no limit)")
	rate := fs.Uint64("rate", 0, "frames per second over all ports (0: as fast as the ports take them)")
	flows := fs.Int("flows", 1, "number of UDP source ports to cycle over, from --src-port (spreads flows over RSS queues)")
	srcPort := fs.Uint("src-port", 1024, "first UDP source port")
	dstPort := fs.Uint("dst-port", 9, "UDP destination port")
	srcIP := fs.String("src-ip", "198.18.0.1", "IPv4 source address")
	dstIP := fs.String("dst-ip", "198.18.0.2", "IPv4 destination address")
	srcMAC := fs.String("src-mac", "02:00:00:00:00:01", "Ethernet source address")
	dstMAC := fs.String("dst-mac", "02:00:00:00:00:02", "Ethernet destination address")
	ttl := fs.Uint("ttl", 64, "IPv4 TTL (1-255)")
	devices, err := c.parsePorts(fs, args)
	if err != nil {
		return err
	}
	if c.idle != 0 {
		return usagef("--idle: gen receives nothing, so it has no input to end; stop it with --count or --duration")
	}
	gc := app.GenConfig{Count: *count, Rate: *rate, SrcPorts: *flows}
	if gc.Ports, err = parseInts("--port", *portsFlag); err != nil {
		return err
	}
	if err := checkPorts("--port", gc.Ports, len(devices)); err != nil {
		return err
	}
	t := &gc.Template
	t.FrameSize = *size
	if *size < 42 || *size > 65549 {
		return usagef("--size %d: a UDP/IPv4 frame is 42 to 65549 bytes", *size)
	}
	if *flows < 1 || *flows > 65536 {
		return usagef("--flows %d: must be 1 to 65536", *flows)
	}
	if *srcPort > 65535 || *dstPort > 65535 || *srcPort == 0 {
		return usagef("--src-port and --dst-port must be 1 to 65535")
	}
	if *ttl < 1 || *ttl > 255 {
		return usagef("--ttl %d: must be 1 to 255", *ttl)
	}
	gc.SrcPort, t.DstPort, t.TTL = uint16(*srcPort), uint16(*dstPort), uint8(*ttl)
	for _, a := range []struct {
		flag, v string
		dst     *[4]byte
	}{{"--src-ip", *srcIP, &t.SrcIP}, {"--dst-ip", *dstIP, &t.DstIP}} {
		ip, err := netip.ParseAddr(a.v)
		if err != nil || !ip.Is4() {
			return usagef("%s %q is not an IPv4 address", a.flag, a.v)
		}
		*a.dst = ip.As4()
	}
	for _, a := range []struct {
		flag, v string
		dst     *[6]byte
	}{{"--src-mac", *srcMAC, &t.SrcMAC}, {"--dst-mac", *dstMAC, &t.DstMAC}} {
		mac, err := net.ParseMAC(a.v)
		if err != nil || len(mac) != 6 {
			return usagef("%s %q is not a MAC address like 02:00:00:00:00:01", a.flag, a.v)
		}
		copy(a.dst[:], mac)
	}
	if err := (&pkt.Template{FrameSize: t.FrameSize}).Prepare(); err != nil {
		return usagef("--size %d: %v", *size, err)
	}
	return c.execute(e, devices, func(ctx context.Context, cfg app.Config, rep *reporter) (summary, error) {
		cfg.Lcores = nil
		for _, w := range app.LoopLcores() {
			cfg.Lcores = append(cfg.Lcores, app.LcoreConfig{Lcore: w})
		}
		res, err := app.Generate(ctx, cfg, gc)
		return rep.summarize(res, ""), err
	})
}

func runCapture(e *env, args []string) error {
	var c common
	fs := newFlags(e, "capture", "--vdev DEV -w FILE [flags]",
		"Receive packets into a pcap file that tcpdump, tshark and Wireshark read.\n"+
			"Ends after --count packets, after --duration, or on Ctrl-C.\n\n"+
			"Example: zcnic capture --vdev net_tap0,iface=zc0 -w zc0.pcap --count 100", &c, true)
	var out string
	fs.StringVar(&out, "w", "", "pcap `FILE` to write (required)")
	fs.StringVar(&out, "out", "", "same as -w")
	portsFlag := fs.String("port", "", "ports to capture from, like 0 or 0,1 (default: every port)")
	snaplen := fs.Int("snaplen", app.DefaultSnaplen, "bytes of each packet to keep")
	count := fs.Uint64("count", 0, "stop after this many packets (0: no limit)")
	devices, err := c.parsePorts(fs, args)
	if err != nil {
		return err
	}
	if out == "" {
		return usagef("no output file: give -w FILE")
	}
	if *snaplen < 1 || *snaplen > app.DefaultSnaplen {
		return usagef("--snaplen %d: must be 1 to %d", *snaplen, app.DefaultSnaplen)
	}
	cc := app.CaptureConfig{Path: out, Snaplen: *snaplen, Count: *count}
	if cc.Ports, err = parseInts("--port", *portsFlag); err != nil {
		return err
	}
	if err := checkPorts("--port", cc.Ports, len(devices)); err != nil {
		return err
	}
	if cc.Ports == nil {
		cc.Ports = allPorts(len(devices))
	}
	c.outputs = []file{{out, "-w"}}
	return c.execute(e, devices, func(ctx context.Context, cfg app.Config, rep *reporter) (summary, error) {
		res, err := app.Capture(ctx, cfg, cc)
		s := rep.summarize(res.Result, "")
		s.Captured, s.Output = &res.Captured, out
		return s, err
	})
}
