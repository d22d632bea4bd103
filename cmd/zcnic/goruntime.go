package main

import (
	"runtime"
	rtmetrics "runtime/metrics"
	"sync"
	"time"
)

// rtSettle is how long after the ports start the Go runtime window
// opens: long enough for the loops to be launched (the launch itself
// allocates: jobs, channels, the lcore threads' first entry into Go),
// so that the window holds only the loops at work.
const rtSettle = 200 * time.Millisecond

// goRuntime is what the Go runtime did while the loops ran, from
// runtime/metrics: heap allocations and GC cycles over the window from
// rtSettle after the ports started to the stop (--duration or a
// signal). It covers the whole process: the loops, and the goroutine
// that prints the stats lines.
type goRuntime struct {
	WindowSeconds  float64 `json:"window_seconds"`
	HeapAllocs     uint64  `json:"heap_allocs"` // objects, tiny ones included
	HeapAllocBytes uint64  `json:"heap_alloc_bytes"`
	GCCycles       uint64  `json:"gc_cycles"`
	// NewThreads and NewGoroutines are the OS threads (net of exits)
	// and goroutines the runtime made in the window: making a thread
	// allocates its m on the heap.
	NewThreads    int64  `json:"new_threads"`
	NewGoroutines uint64 `json:"new_goroutines"`
	// Bursts is the number of non-empty bursts received in the window:
	// the run's busy polls, pro rata of the window's share of the run.
	Bursts         uint64  `json:"bursts"`
	AllocsPerBurst float64 `json:"allocs_per_burst"`
}

// rtReading is one reading of the runtime's counters.
type rtReading struct {
	at                  time.Time
	allocs, bytes, gcs  uint64
	threads, goroutines uint64
}

// rtWindow reads the runtime's counters at the start and the end of
// the window. Its buffers are allocated up front, so that reading
// allocates nothing inside the window.
type rtWindow struct {
	mu             sync.Mutex
	ms             runtime.MemStats
	samples        []rtmetrics.Sample
	start, end     rtReading
	started, ended bool
	closed         bool // the end was read (not abandoned)
}

func newRTWindow() *rtWindow {
	w := &rtWindow{samples: []rtmetrics.Sample{
		{Name: "/gc/heap/allocs:objects"},
		{Name: "/gc/heap/tiny/allocs:objects"},
		{Name: "/gc/heap/allocs:bytes"},
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/sched/threads/total:threads"},
		{Name: "/sched/goroutines-created:goroutines"},
	}}
	// The first read builds runtime/metrics' tables (55 allocations):
	// do it now, not inside the window.
	rtmetrics.Read(w.samples)
	return w
}

// read reads the counters; w.mu is held.
func (w *rtWindow) read() rtReading {
	// runtime/metrics counts small allocations when a P's allocation
	// cache is flushed; ReadMemStats flushes every P's cache (in a brief
	// stop of the world), so the counts read next are exact. That stop
	// is one gap of the loops at the window's start (an "other" pause
	// in the summary): without it the count at the end takes in some
	// 3,000 allocations made before the window, still in the caches.
	runtime.ReadMemStats(&w.ms)
	rtmetrics.Read(w.samples)
	u := func(i int) uint64 {
		if w.samples[i].Value.Kind() != rtmetrics.KindUint64 {
			return 0
		}
		return w.samples[i].Value.Uint64()
	}
	return rtReading{at: time.Now(), allocs: u(0) + u(1), bytes: u(2), gcs: u(3), threads: u(4), goroutines: u(5)}
}

// begin opens the window, unless it was closed already.
func (w *rtWindow) begin() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.ended {
		w.start, w.started = w.read(), true
	}
}

// finish closes the window at the stop.
func (w *rtWindow) finish() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.started && !w.ended {
		w.end, w.closed = w.read(), true
	}
	w.ended = true
}

// abandon closes the window without a reading: the run ended on its
// own, and what follows (teardown) is not the loops' work.
func (w *rtWindow) abandon() {
	w.mu.Lock()
	w.ended = true
	w.mu.Unlock()
}

// result is the window's report for a run of elapsed seconds with
// busy non-empty polls, or nil if no full window was read.
func (w *rtWindow) result(busy uint64, elapsed float64) *goRuntime {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		return nil
	}
	win := w.end.at.Sub(w.start.at)
	g := &goRuntime{
		WindowSeconds:  win.Seconds(),
		HeapAllocs:     w.end.allocs - w.start.allocs,
		HeapAllocBytes: w.end.bytes - w.start.bytes,
		GCCycles:       w.end.gcs - w.start.gcs,
		NewThreads:     int64(w.end.threads) - int64(w.start.threads),
		NewGoroutines:  w.end.goroutines - w.start.goroutines,
	}
	if elapsed > 0 {
		g.Bursts = uint64(float64(busy) * min(1, win.Seconds()/elapsed))
	}
	g.AllocsPerBurst = float64(g.HeapAllocs) / float64(max(g.Bursts, 1))
	return g
}
