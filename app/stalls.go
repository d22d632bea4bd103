package app

/*
#include "turn.h"
*/
import "C"

import (
	"math"
	"time"
)

// Stalls is how long a loop went between the starts of its turns. A
// turn is one crossing into C and the handler's calls for what it
// received: a few microseconds. A longer gap is time the loop did not
// run: its thread was taken by the Go runtime (a preemption, a
// stop-the-world pause, a hand-off of its P) or by the kernel (another
// thread on its CPU, the hypervisor). At 10 Mpps with 512 rx
// descriptors, a gap over 51 us drops packets (see the README's
// Performance section on stalls).
//
// The loop times every turn with one TSC read, in C, into a log-linear
// histogram (a bucket is at most 1/8 of its values wide): percentiles
// are a bucket's upper edge, so they read up to 12.5% high. Max and the
// Over counts are exact. A loop that only generates (a Source with no
// rx queue) does not time the turns in which it had nothing to send.
type Stalls struct {
	// Gaps is how many gaps between turns were timed.
	Gaps uint64
	// Total is their sum: the time the loop ran, timed.
	Total time.Duration
	// Max is the longest gap.
	Max time.Duration
	// Over16us, Over64us, Over256us and Over1ms count the gaps longer
	// than 16 us, 64 us, 256 us and 1 ms.
	Over16us, Over64us, Over256us, Over1ms uint64

	hz   uint64 // the TSC's frequency
	hist [C.ZC_STALL_NB]uint64
}

// StallLimits are the limits of Stalls' Over counts, in their order.
var StallLimits = [4]time.Duration{16 * time.Microsecond, 64 * time.Microsecond, 256 * time.Microsecond, time.Millisecond}

const (
	stallBuckets = C.ZC_STALL_NB
	stallSubBits = C.ZC_STALL_SUB_BITS
	stallSub     = C.ZC_STALL_SUB
)

// tscHz is the TSC's frequency, read when the first turn is made (EAL
// measures it in rte_eal_init).
var tscHz uint64

// setStallLimits sets the turn's limits for the Over counts.
func (t *cturn) setStallLimits() {
	if tscHz == 0 {
		tscHz = uint64(C.zc_tsc_hz())
	}
	for i, d := range StallLimits {
		t.c.st.lim[i] = C.uint64_t(durCycles(d))
	}
}

// resetStallClock makes the next turn start the timing again: the loop
// spent the time since the last one on purpose (it had nothing to do
// that needed a crossing).
func (t *cturn) resetStallClock() { t.c.st.last = 0 }

func durCycles(d time.Duration) uint64 {
	return uint64(float64(d) * float64(tscHz) / 1e9)
}

func cyclesDur(c uint64, hz uint64) time.Duration {
	if hz == 0 {
		return 0
	}
	return time.Duration(float64(c) * 1e9 / float64(hz))
}

// readStalls copies the turn's stall counters. It may run beside the
// loop (the counters are read as they are, word by word).
func (t *cturn) readStalls(s *Stalls) {
	st := &t.c.st
	s.hz = tscHz
	s.Gaps = uint64(st.gaps)
	s.Total = cyclesDur(uint64(st.sum), tscHz)
	s.Max = cyclesDur(uint64(st.max), tscHz)
	s.Over16us, s.Over64us = uint64(st.over[0]), uint64(st.over[1])
	s.Over256us, s.Over1ms = uint64(st.over[2]), uint64(st.over[3])
	for i := range s.hist {
		s.hist[i] = uint64(st.hist[i])
	}
}

// bucketEdges are bucket i's values, in cycles: [lo, hi).
func bucketEdges(i int) (lo, hi uint64) {
	if i < stallSub {
		return uint64(i), uint64(i) + 1
	}
	e := uint(i/stallSub + stallSubBits - 1)
	m := uint64(i % stallSub)
	w := uint64(1) << (e - stallSubBits)
	lo = (stallSub + m) * w
	return lo, lo + w
}

// Quantile is the gap that a share q (0 to 1) of the gaps did not
// exceed: the upper edge of the bucket that holds it, never above Max.
// It is 0 when no gap was timed.
func (s Stalls) Quantile(q float64) time.Duration {
	if s.Gaps == 0 {
		return 0
	}
	return histQuantile(&s.hist, s.hz, s.Max, q)
}

// Cumulative counts, for each bound (ascending), the gaps no longer than
// it, as a Prometheus histogram's buckets: a histogram bucket counts
// under a bound when its upper edge is at or below it, so the counts
// are exact to within a bucket's width.
func (s Stalls) Cumulative(bounds []time.Duration) []uint64 {
	return histCumulative(&s.hist, s.hz, bounds)
}

// histQuantile is the value a share q (0 to 1) of the values counted
// in h did not exceed: the upper edge of the bucket that holds it, in
// time at hz cycles a second, never above maxD; 0 if h is empty.
// Stalls and Latency share it.
func histQuantile(h *[stallBuckets]uint64, hz uint64, maxD time.Duration, q float64) time.Duration {
	if math.IsNaN(q) {
		return 0
	}
	q = min(max(q, 0), 1)
	var total uint64
	for _, n := range h {
		total += n
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	rank = max(rank, 1)
	var seen uint64
	for i, n := range h {
		if seen += n; seen >= rank {
			_, hi := bucketEdges(i)
			return min(cyclesDur(hi, hz), maxD)
		}
	}
	return maxD
}

// histCumulative counts, for each bound (ascending), the values of h no
// longer than it (see Stalls.Cumulative).
func histCumulative(h *[stallBuckets]uint64, hz uint64, bounds []time.Duration) []uint64 {
	out := make([]uint64, len(bounds))
	var seen uint64
	b := 0
	for i, n := range h {
		_, hi := bucketEdges(i)
		d := cyclesDur(hi-1, hz)
		for b < len(bounds) && d > bounds[b] {
			out[b] = seen
			b++
		}
		seen += n
	}
	for ; b < len(bounds); b++ {
		out[b] = seen
	}
	return out
}

// Excess estimates how much the gaps longer than limit went past it, in
// all (each gap at the middle of its bucket, the longest at Max): the
// time a queue that rides out limit would have overflowed. At a rate of
// R packets a second into D rx descriptors, limit D/R and R times the
// result is the packets such gaps would cost.
func (s Stalls) Excess(limit time.Duration) time.Duration {
	var sum float64
	for i, n := range s.hist {
		if n == 0 {
			continue
		}
		lo, hi := bucketEdges(i)
		g := min(cyclesDur((lo+hi)/2, s.hz), s.Max)
		if g > limit {
			sum += float64(n) * float64(g-limit)
		}
	}
	return time.Duration(sum)
}

// Add adds o's gaps to s (the stalls of several loops together).
func (s *Stalls) Add(o Stalls) {
	if s.hz == 0 {
		s.hz = o.hz
	}
	s.Gaps += o.Gaps
	s.Total += o.Total
	s.Max = max(s.Max, o.Max)
	s.Over16us += o.Over16us
	s.Over64us += o.Over64us
	s.Over256us += o.Over256us
	s.Over1ms += o.Over1ms
	for i := range s.hist {
		s.hist[i] += o.hist[i]
	}
}

// cStallBucket is zc_stall_bucket, for the tests.
func cStallBucket(v uint64) int { return int(C.zc_stall_bucket(C.uint64_t(v))) }
