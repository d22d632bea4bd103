// Command zcnic-stall is S9's program (zcnic-bench runs it): loop stalls
// under a busy control plane, and the platform's floor beside them.
//
//	zcnic-stall --duration 10s --alloc 200          # zcnic io on a net_null pair, lcores 0-1,
//	                                                # a goroutine allocating 200 MB/s with 64 MB live
//	zcnic-stall --floor --cpu 1 --duration 10s      # a C loop pinned to CPU 1, stamping as the loop does
//
// Each run prints one JSON object on stdout: the loop's (or the floor's)
// gaps between turns (counts over 16 us, 64 us, 256 us and 1 ms,
// percentiles, max), the Go runtime's GC cycles and stop-the-world
// pauses, the rate forwarded, and what the gaps would cost in packets at
// 10 Mpps with 512 rx descriptors. The allocating goroutine is a
// stand-in for a control plane (an API, scrapes, logging); it is not a
// feature of zcnic.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/trace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zcnic/zcnic/app"
	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/port"
)

// Report is one run's result.
type Report struct {
	Program   string  `json:"program"` // "zcnic" or "floor"
	Seconds   float64 `json:"seconds"`
	AllocMBps float64 `json:"alloc_mbps"`
	// AllocatedMB is what the control plane allocated in fact.
	AllocatedMB float64 `json:"allocated_mb"`
	LiveMB      int     `json:"live_mb"`
	Confined    bool    `json:"confined"`
	Stalls      Stalls  `json:"stalls"`
	GCCycles    uint64  `json:"gc_cycles"`
	GCPauses    uint64  `json:"gc_pauses"`
	GCPauseUs   float64 `json:"gc_pause_total_us"`
	GCPauseMax  float64 `json:"gc_pause_max_us"`
	OtherPauses uint64  `json:"other_pauses"`
	Mpps        float64 `json:"mpps"`
	// Lost10M is the packets the gaps would have cost at 10 Mpps, by
	// rx descriptors (--price-rxd): each gap's time past the
	// descriptors' worth at 10 Mpps.
	Lost10M map[string]uint64 `json:"lost_at_10mpps"`
	RxDesc  int               `json:"rx_desc"`
	GOGC    string            `json:"gogc,omitempty"`
	Limit   string            `json:"gomemlimit,omitempty"`
	// Parked and Preempted are the loop's (or the floor's) thread's
	// context switches over the run (/proc/self/task/TID/status):
	// voluntary ones, where the thread slept (the Go runtime parked it:
	// a preemption of its goroutine handed off, or its P lost), and
	// involuntary ones, where the kernel gave its CPU to another task.
	Parked    uint64 `json:"parked"`
	Preempted uint64 `json:"preempted"`
}

// ctxSwitches reads a thread's voluntary and involuntary context
// switches.
func ctxSwitches(tid int) (vol, invol uint64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/status", tid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		switch k {
		case "voluntary_ctxt_switches":
			vol = n
		case "nonvoluntary_ctxt_switches":
			invol = n
		}
	}
	return vol, invol
}

// Stalls is app.Stalls in microseconds.
type Stalls struct {
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
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }

func toStalls(s app.Stalls) Stalls {
	return Stalls{Gaps: s.Gaps, Over16us: s.Over16us, Over64us: s.Over64us, Over256us: s.Over256us, Over1ms: s.Over1ms,
		P50us: us(s.Quantile(0.5)), P99us: us(s.Quantile(0.99)), P999us: us(s.Quantile(0.999)), P9999us: us(s.Quantile(0.9999)), MaxUs: us(s.Max)}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zcnic-stall", flag.ContinueOnError)
	fs.SetOutput(stderr)
	floor := fs.Bool("floor", false, "run the C floor instead of zcnic")
	cpu := fs.Int("cpu", 1, "the forwarding CPU: lcore 1's (zcnic runs lcores 0-CPU, main lcore 0)")
	dur := fs.Duration("duration", 10*time.Second, "how long to measure")
	alloc := fs.Float64("alloc", 0, "MB/s the control-plane goroutine allocates (0: none)")
	live := fs.Int("live", 64, "MB the control plane keeps live while it allocates")
	rxd := fs.Int("rxd", 512, "rx descriptors per queue")
	var price []int
	fs.Func("price-rxd", "an rx descriptor count to price the gaps at: the packets they would cost at 10 Mpps (repeatable; default --rxd)", func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("want a positive count")
		}
		price = append(price, n)
		return nil
	})
	noConfine := fs.Bool("no-confine", false, "leave the Go runtime's threads on every CPU (eal.Config.NoConfine)")
	noHuge := fs.Bool("no-huge", false, "run EAL without hugepages")
	traceOut := fs.String("trace", "", "write a Go execution trace of the run to this file (go tool trace)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *cpu < 1 || *dur <= 0 || *alloc < 0 || *live < 0 || *rxd < 1 {
		fmt.Fprintln(stderr, "zcnic-stall: --cpu must be 1 or more, --duration positive, --alloc and --live not negative, --rxd positive")
		return 2
	}
	// The floor's process has the same lcores, so that its Go threads
	// (and its control plane's) are confined as zcnic's are, off the
	// CPU it measures; its worker lcore only waits.
	lcores := []uint{0, uint(*cpu)}
	if len(price) == 0 {
		price = []int{*rxd}
	}
	if err := eal.Init(eal.Config{Lcores: lcores, NoHuge: *noHuge, LogLevel: "error", NoConfine: *noConfine}); err != nil {
		fmt.Fprintln(stderr, "zcnic-stall:", err)
		return 1
	}
	defer eal.Cleanup()
	rep := Report{AllocMBps: *alloc, LiveMB: *live, RxDesc: *rxd, Confined: !*noConfine, GOGC: os.Getenv("GOGC"), Limit: os.Getenv("GOMEMLIMIT")}
	if *alloc == 0 {
		rep.LiveMB = 0
	}
	var cp *controlPlane
	if *alloc > 0 {
		cp = startControlPlane(*alloc, *live)
	}
	if *traceOut != "" {
		f, err := os.Create(*traceOut)
		if err != nil {
			fmt.Fprintln(stderr, "zcnic-stall:", err)
			return 1
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			fmt.Fprintln(stderr, "zcnic-stall:", err)
			return 1
		}
		defer trace.Stop()
	}
	var err error
	if *floor {
		err = runFloor(&rep, *cpu, *dur, price)
	} else {
		err = runZcnic(&rep, *dur, *rxd, price)
	}
	if cp != nil {
		rep.AllocatedMB = cp.stop()
	}
	if err != nil {
		fmt.Fprintln(stderr, "zcnic-stall:", err)
		return 1
	}
	b, _ := json.Marshal(rep)
	fmt.Fprintln(stdout, string(b))
	return 0
}

func runFloor(rep *Report, cpu int, d time.Duration, price []int) error {
	rep.Program = "floor"
	w := newPauses()
	runtime.LockOSThread() // the thread MeasureFloor pins and times
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	v0, i0 := ctxSwitches(tid)
	st, err := app.MeasureFloor(cpu, d, 0)
	if err != nil {
		return err
	}
	v1, i1 := ctxSwitches(tid)
	rep.Parked, rep.Preempted = v1-v0, i1-i0
	rep.Seconds = d.Seconds()
	rep.Stalls = toStalls(st)
	rep.Lost10M = lost(st, price)
	w.fill(rep)
	return nil
}

func runZcnic(rep *Report, d time.Duration, rxd int, price []int) error {
	rep.Program = "zcnic"
	fw, err := app.NewForwarder(2, app.FwdConfig{Mode: app.IO})
	if err != nil {
		return err
	}
	cfg := app.Config{
		Ports: []app.PortConfig{{Device: "net_null0", RxDesc: rxd}, {Device: "net_null1", RxDesc: rxd}},
		Name:  "s9",
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	tid, _ := eal.LcoreThread(app.LoopLcores()[0])
	var v0, i0 uint64
	cfg.OnReady = func([]*port.Port) error {
		v0, i0 = ctxSwitches(tid)
		return nil
	}
	res, err := app.Run(ctx, cfg, fw.Handler)
	if err != nil {
		return err
	}
	v1, i1 := ctxSwitches(tid)
	rep.Parked, rep.Preempted = v1-v0, i1-i0
	st := res.Stalls()
	rep.Seconds = res.Elapsed.Seconds()
	rep.Stalls = toStalls(st)
	rep.Lost10M = lost(st, price)
	var tx uint64
	for _, p := range res.Ports {
		tx += p.TxPackets
	}
	rep.Mpps = float64(tx) / res.Elapsed.Seconds() / 1e6
	g := res.GoPauses
	rep.GCCycles, rep.GCPauses, rep.GCPauseUs, rep.GCPauseMax, rep.OtherPauses = g.GCCycles, g.GC, us(g.GCTotal), us(g.GCMax), g.Other
	return nil
}

// lost is what st's gaps cost at 10 Mpps with each count of rx
// descriptors.
func lost(st app.Stalls, rxds []int) map[string]uint64 {
	const rate = 10e6
	out := map[string]uint64{}
	for _, rxd := range rxds {
		ride := time.Duration(float64(rxd) / rate * 1e9)
		out[strconv.Itoa(rxd)] = uint64(st.Excess(ride).Seconds() * rate)
	}
	return out
}

// pauses reads the GC figures around a floor run (the floor's process
// has its control plane too, when asked).
type pauses struct{ cycles uint32 }

func newPauses() *pauses {
	var s debug.GCStats
	debug.ReadGCStats(&s)
	return &pauses{cycles: uint32(s.NumGC)}
}

func (p *pauses) fill(rep *Report) {
	var s debug.GCStats
	debug.ReadGCStats(&s)
	rep.GCCycles = uint64(uint32(s.NumGC) - p.cycles)
}

// controlPlane is a goroutine allocating at a set rate and keeping a
// set amount live: small objects with pointers, as a control plane's
// maps and structs, so the collector has marking to do.
type controlPlane struct {
	quit  chan struct{}
	done  chan struct{}
	bytes atomic.Uint64
}

type obj struct {
	next *obj
	_    [240]byte // to objSize
}

const objSize = 256

func startControlPlane(mbps float64, liveMB int) *controlPlane {
	c := &controlPlane{quit: make(chan struct{}), done: make(chan struct{})}
	slots := make([]*obj, max(liveMB<<20/objSize, 1))
	root := &obj{} // what every object points to: scanned, but no chain
	go func() {
		defer close(c.done)
		perTick := mbps * (1 << 20) / 1000 // bytes a millisecond
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		start := time.Now()
		var made float64
		i := 0
		for {
			select {
			case <-c.quit:
				return
			case now := <-t.C:
				// Catch up with the rate over the whole run, not the
				// ticks that came.
				want := perTick * float64(now.Sub(start)) / float64(time.Millisecond)
				for ; made < want; made += objSize {
					o := &obj{next: root}
					slots[i] = o
					i = (i + 1) % len(slots)
				}
				c.bytes.Store(uint64(made))
			}
		}
	}()
	runtime.Gosched()
	return c
}

// stop ends the goroutine and returns the MB it allocated.
func (c *controlPlane) stop() float64 {
	close(c.quit)
	<-c.done
	return float64(c.bytes.Load()) / (1 << 20)
}
