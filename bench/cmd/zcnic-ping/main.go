// Command zcnic-ping is S8's pinger (zcnic-bench runs it): latency
// through a forwarder. On one lcore it sends 64-byte frames carrying a
// sequence number and the TSC on its first port, open loop at a fixed
// rate, and receives them back on its second, timing each one into a
// log-linear histogram; it prints one JSON object on stdout.
//
//	zcnic-ping --vdev net_memif0,role=client,socket=a.sock --vdev net_memif1,role=client,socket=b.sock --rate 1000000 --duration 5s
//	zcnic-ping --join --cpu 1 --vdev ... --vdev ...   # the baseline: a bare C loop joining the two ports
//
// The loop is C, one cgo call a run, so the pinger costs every
// forwarder under test the same and allocates nothing per packet.
// --join makes it the thinnest possible forwarder instead (rx_burst to
// tx_burst, both ways): S8's baseline, the pinger's and the two memif
// pairs' own share of the latency.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/zcnic/zcnic/bench"
	"github.com/zcnic/zcnic/bench/ping"
	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/port"
)

// Report is one run's result: S8's wire format, bench.S8Ping.
type Report = bench.S8Ping

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "zcnic-ping:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ error }

func run() error {
	fs := flag.NewFlagSet("zcnic-ping", flag.ContinueOnError)
	var vdevs listFlag
	fs.Var(&vdevs, "vdev", "`DEVARGS` of a port: the first sends, the second receives (give two)")
	cpu := fs.Int("cpu", 0, "CPU of the loop (0: the main lcore; else lcores 0 and this one, the loop on it)")
	rate := fs.Float64("rate", 0, "frames a second, open loop (0: as fast as the port takes them)")
	d := fs.Duration("duration", 5*time.Second, "sending time (with --join: run time, 0 until SIGINT)")
	warm := fs.Duration("warm", 500*time.Millisecond, "start of the sending whose frames are counted but not timed")
	drain := fs.Duration("drain", 200*time.Millisecond, "receiving time after the last send")
	burst := fs.Int("burst", 32, "most frames a tx call (1-64)")
	pool := fs.Int("pool-size", 8191, "mbufs in the pool")
	join := fs.Bool("join", false, "no pinging: forward between the two ports (the baseline's bare joint)")
	noHuge := fs.Bool("no-huge", false, "run EAL without hugepages")
	wait := fs.Duration("link-wait", 15*time.Second, "how long to wait for both links")
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err}
	}
	switch {
	case len(vdevs) != 2:
		return usageError{fmt.Errorf("give two --vdev (tx, rx), not %d", len(vdevs))}
	case *cpu < 0 || *rate < 0 || *burst < 1 || *burst > 64 || *pool < 64 || *d < 0 || *warm < 0 || *drain < 0:
		return usageError{errors.New("--cpu, --rate, --duration, --warm and --drain must not be negative, --burst 1-64, --pool-size at least 64")}
	case fs.NArg() > 0:
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	case !*join && *d == 0:
		return usageError{errors.New("--duration 0 is only for --join")}
	}
	lcores := []uint{0}
	if *cpu > 0 {
		lcores = append(lcores, uint(*cpu))
	}
	if err := eal.Init(eal.Config{Lcores: lcores, VDevs: vdevs, NoHuge: *noHuge, LogLevel: "error", ProgramName: "zcnic-ping"}); err != nil {
		return err
	}
	defer eal.Cleanup()
	mp, err := mbuf.NewPool(mbuf.PoolConfig{Name: "zping", Count: *pool, Cache: 256, Socket: mbuf.SocketAny})
	if err != nil {
		return err
	}
	var ports []*port.Port
	for _, v := range vdevs {
		name, _, _ := strings.Cut(v, ",")
		p, err := port.Open(name)
		if err != nil {
			return err
		}
		if err := p.Configure(port.Config{RxQueues: 1, TxQueues: 1, Pool: mp, RxDesc: 512, TxDesc: 512}); err != nil {
			return err
		}
		if err := p.Start(); err != nil {
			return err
		}
		defer p.Close()
		ports = append(ports, p)
	}
	if err := waitLinks(ports, *wait); err != nil {
		return err
	}
	stop := ping.NewStop()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		stop.Set()
	}()
	cfg := ping.Config{TxPort: ports[0].ID(), RxPort: ports[1].ID(), Pool: mp.Ptr(), Rate: *rate, Burst: *burst,
		Warm: *warm, Send: *d, Drain: *drain, Join: *join,
		Src: [6]byte{2, 0, 0, 0, 0, 1}, Dst: [6]byte{2, 0, 0, 0, 0, 2}}
	var res ping.Result
	loop := func() error {
		var err error
		res, err = ping.Run(cfg, stop)
		return err
	}
	if *cpu > 0 {
		err = eal.Run(uint(*cpu), loop)
	} else {
		err = eal.RunOnMain(loop)
	}
	if err != nil {
		return err
	}
	rep := report(res, *rate, *join)
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// waitLinks waits until every port's link is up (a memif client's comes
// up once it has connected to its server).
func waitLinks(ports []*port.Port, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for _, p := range ports {
		for {
			l, err := p.Link()
			if err != nil {
				return err
			}
			if l.Up {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s: link still down after %v (is the peer running?)", p.Name(), wait)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }

func report(r ping.Result, rate float64, join bool) Report {
	rep := Report{Program: "ping", RatePps: rate, Seconds: r.Seconds, Offered: r.Offered, Sent: r.Sent, TxFull: r.TxFull, NoMbuf: r.NoMbuf,
		Received: r.Received, Lost: r.Lost, Reordered: r.Reordered, Foreign: r.Foreign, Timed: r.Timed,
		MeanUs: us(r.Mean), P50us: us(r.Hist.Quantile(0.5)), P90us: us(r.Hist.Quantile(0.9)), P99us: us(r.Hist.Quantile(0.99)),
		P999us: us(r.Hist.Quantile(0.999)), MaxUs: us(r.Hist.Quantile(1)), LagMaxUs: us(r.LagMax), Forwarded: r.Forwarded, TSCHz: r.Hist.Hz}
	if join {
		rep.Program = "join"
	}
	if r.Seconds > 0 {
		rep.SentPps, rep.RecvPps = float64(r.Sent)/r.Seconds, float64(r.Received)/r.Seconds
	}
	return rep
}
