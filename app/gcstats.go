package app

import (
	"math"
	rtmetrics "runtime/metrics"
	"sync"
	"time"
)

// GoPauses is what the Go runtime stopped the world for during a run,
// from runtime/metrics: beside a loop's Stalls, it tells the collector's
// share of them from the platform's. Every stop-the-world pause stops
// every goroutine that is in Go code, a loop's too (a loop that is in C
// then waits for it as it comes back).
type GoPauses struct {
	// GCCycles is how many garbage collections completed
	// (/gc/cycles/total:gc-cycles).
	GCCycles uint64
	// GC counts the collector's stop-the-world pauses (two a cycle),
	// GCTotal estimates their sum (each pause at the middle of its
	// histogram bucket) and GCMax is the upper edge of the longest's
	// bucket (/sched/pauses/total/gc:seconds).
	GC      uint64
	GCTotal time.Duration
	GCMax   time.Duration
	// Other, OtherTotal and OtherMax are the same for the pauses that
	// are not the collector's (/sched/pauses/total/other:seconds:
	// runtime.ReadMemStats, GOMAXPROCS changes, traces).
	Other      uint64
	OtherTotal time.Duration
	OtherMax   time.Duration
}

const (
	rtGCCycles    = "/gc/cycles/total:gc-cycles"
	rtGCPauses    = "/sched/pauses/total/gc:seconds"
	rtOtherPauses = "/sched/pauses/total/other:seconds"
)

// pauseWatch reads the runtime's pause figures, as deltas from the
// reading it was made with.
type pauseWatch struct {
	mu      sync.Mutex
	samples []rtmetrics.Sample
	base    pauseReading
}

type pauseReading struct {
	cycles    uint64
	gc, other []uint64 // histogram counts
}

func newPauseWatch() *pauseWatch {
	w := &pauseWatch{samples: []rtmetrics.Sample{{Name: rtGCCycles}, {Name: rtGCPauses}, {Name: rtOtherPauses}}}
	w.base = w.read()
	return w
}

// read takes one reading; w.mu is held (or w is not shared yet).
func (w *pauseWatch) read() pauseReading {
	rtmetrics.Read(w.samples)
	var r pauseReading
	if v := w.samples[0].Value; v.Kind() == rtmetrics.KindUint64 {
		r.cycles = v.Uint64()
	}
	if v := w.samples[1].Value; v.Kind() == rtmetrics.KindFloat64Histogram {
		r.gc = append([]uint64(nil), v.Float64Histogram().Counts...)
	}
	if v := w.samples[2].Value; v.Kind() == rtmetrics.KindFloat64Histogram {
		r.other = append([]uint64(nil), v.Float64Histogram().Counts...)
	}
	return r
}

// since is what happened since the watch began.
func (w *pauseWatch) since() GoPauses {
	if w == nil {
		return GoPauses{}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.read()
	p := GoPauses{GCCycles: now.cycles - w.base.cycles}
	if v := w.samples[1].Value; v.Kind() == rtmetrics.KindFloat64Histogram {
		p.GC, p.GCTotal, p.GCMax = histDelta(v.Float64Histogram().Buckets, now.gc, w.base.gc)
	}
	if v := w.samples[2].Value; v.Kind() == rtmetrics.KindFloat64Histogram {
		p.Other, p.OtherTotal, p.OtherMax = histDelta(v.Float64Histogram().Buckets, now.other, w.base.other)
	}
	return p
}

// histDelta sums a runtime/metrics time histogram's counts since base:
// how many, their estimated total (bucket middles) and the upper edge of
// the highest bucket that grew.
func histDelta(edges []float64, now, base []uint64) (n uint64, total, maxd time.Duration) {
	var sum float64
	for i, c := range now {
		if i < len(base) {
			c -= base[i]
		}
		if c == 0 || i+1 >= len(edges) {
			continue
		}
		lo, hi := edges[i], edges[i+1]
		if math.IsInf(lo, -1) {
			lo = 0
		}
		if math.IsInf(hi, 1) {
			hi = lo
		}
		n += c
		sum += float64(c) * (lo + hi) / 2
		maxd = time.Duration(hi * 1e9)
	}
	return n, time.Duration(sum * 1e9), maxd
}
