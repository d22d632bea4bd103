package app

/*
#include "turn.h"
*/
import "C"

import "time"

// Latency is how long a loop held the packets it received, with
// Config.Latency on: from the return of the rx burst (or ring dequeue)
// that brought a packet in to the start of the turn step that hands it
// to tx_burst (the tx queue is flushed in the same turn), which takes in
// the handler's call and the crossing back into C. It is what
// librte_latencystats gives dpdk-testpmd (rx to tx callbacks), with
// percentiles. The time a packet waited in the device's rx queue before
// the poll is not in it, nor, for a packet the device did not take at
// once, its wait in the tx queue.
//
// The loop reads the TSC once per received vector and once more as it
// applies its verdicts, in C, and counts the vector's packets in a
// log-linear histogram (that of Stalls: a bucket is at most 1/8 of its
// values wide), so percentiles read up to 12.5% high; Max is exact.
// Every packet of a vector has the vector's time. Off, it costs the
// loop a predictable branch per source polled and no TSC read.
type Latency struct {
	// Packets is how many packets were timed.
	Packets uint64
	// Total is their times summed, each packet counted.
	Total time.Duration
	// Max is the longest time a vector spent in the loop.
	Max time.Duration

	hz   uint64
	hist [C.ZC_STALL_NB]uint64
}

// Quantile is the time that a share q (0 to 1) of the packets did not
// exceed: the upper edge of the bucket that holds it, never above Max.
// It is 0 when no packet was timed.
func (l Latency) Quantile(q float64) time.Duration {
	if l.Packets == 0 {
		return 0
	}
	return histQuantile(&l.hist, l.hz, l.Max, q)
}

// Mean is the packets' average time in the loop (0 with none timed).
func (l Latency) Mean() time.Duration {
	if l.Packets == 0 {
		return 0
	}
	return l.Total / time.Duration(l.Packets)
}

// Cumulative counts, for each bound (ascending), the packets whose time
// was no longer than it, as a Prometheus histogram's buckets (exact to
// within a bucket's width, as Stalls.Cumulative).
func (l Latency) Cumulative(bounds []time.Duration) []uint64 {
	return histCumulative(&l.hist, l.hz, bounds)
}

// Add adds o's packets to l (several loops together).
func (l *Latency) Add(o Latency) {
	if l.hz == 0 {
		l.hz = o.hz
	}
	l.Packets += o.Packets
	l.Total += o.Total
	l.Max = max(l.Max, o.Max)
	for i := range l.hist {
		l.hist[i] += o.hist[i]
	}
}

// setLatency turns the loop's latency timing on or off.
func (t *cturn) setLatency(on bool) { t.latency = C.uint8_t(b2i(on)) }

// readLatency copies the turn's latency histogram. It may run beside the
// loop (the counters are read as they are, word by word), and allocates
// nothing.
func (t *cturn) readLatency(l *Latency) {
	lat := &t.c.lat
	l.hz = tscHz
	l.Packets = uint64(lat.pkts)
	l.Total = cyclesDur(uint64(lat.sum), tscHz)
	l.Max = cyclesDur(uint64(lat.max), tscHz)
	for i := range l.hist {
		l.hist[i] = uint64(lat.hist[i])
	}
}

// cLatAdd is zc_lat_add on a zeroed C histogram, for the tests: it
// records each of vs (cycles, one packet each) and reads it back.
func cLatAdd(vs []uint64, hz uint64) Latency {
	var t cturn
	for _, v := range vs {
		C.zc_lat_add(&t.c.lat, C.uint64_t(v), 1)
	}
	saved := tscHz
	tscHz = hz
	var l Latency
	t.readLatency(&l)
	tscHz = saved
	return l
}
