// Package ping is S8's pinger (zcnic-ping runs it): on one lcore it sends
// 64-byte frames carrying a sequence number and the TSC, open loop at a
// fixed rate, on one port, and receives them back on another, timing
// each one into a log-linear histogram in C memory. The loop is C (one
// cgo call a run), so the pinger costs the same for every forwarder
// under test and allocates nothing per packet.
package ping

/*
#cgo pkg-config: libdpdk
#include <stdlib.h>
#include <rte_cycles.h>
#include "ping.h"

static uint64_t zp_hz(void) { return rte_get_tsc_hz(); }
*/
import "C"

import (
	"encoding/binary"
	"fmt"
	"math"
	"syscall"
	"time"
	"unsafe"
)

// The frame's layout (ping.h): an Ethernet header of EtherType
// EtherType, then the magic, the sequence number and the TSC at sending,
// little-endian, in a FrameLen-byte frame.
const (
	FrameLen  = C.ZP_FRAME_LEN
	EtherType = C.ZP_ETHERTYPE
	offMagic  = C.ZP_OFF_MAGIC
	offSeq    = C.ZP_OFF_SEQ
	offTSC    = C.ZP_OFF_TSC
	magic     = C.ZP_MAGIC
)

// Encode writes frame seq, stamped tsc, into b (at least FrameLen bytes),
// as the C loop does.
func Encode(b []byte, src, dst [6]byte, seq, tsc uint64) {
	clear(b[:FrameLen])
	copy(b[0:6], dst[:])
	copy(b[6:12], src[:])
	binary.BigEndian.PutUint16(b[12:], EtherType)
	binary.BigEndian.PutUint32(b[offMagic:], magic)
	binary.LittleEndian.PutUint64(b[offSeq:], seq)
	binary.LittleEndian.PutUint64(b[offTSC:], tsc)
}

// Decode reads a frame: its sequence number and TSC, and whether it is
// one of the pinger's.
func Decode(b []byte) (seq, tsc uint64, ok bool) {
	if len(b) < offTSC+8 || binary.BigEndian.Uint16(b[12:]) != EtherType || binary.BigEndian.Uint32(b[offMagic:]) != magic {
		return 0, 0, false
	}
	return binary.LittleEndian.Uint64(b[offSeq:]), binary.LittleEndian.Uint64(b[offTSC:]), true
}

// cEncode and cDecode are the C loop's zp_fill and zp_parse, for the
// tests.
func cEncode(src, dst [6]byte, seq, tsc uint64) []byte {
	p := C.malloc(FrameLen)
	defer C.free(p)
	s, d := C.CBytes(src[:]), C.CBytes(dst[:])
	defer C.free(s)
	defer C.free(d)
	C.zp_fill((*C.uint8_t)(p), (*C.uint8_t)(s), (*C.uint8_t)(d), C.uint64_t(seq), C.uint64_t(tsc))
	return C.GoBytes(p, FrameLen)
}

func cDecode(b []byte) (seq, tsc uint64, ok bool) {
	p := C.CBytes(b)
	defer C.free(p)
	var s, t C.uint64_t
	r := C.zp_parse((*C.uint8_t)(p), C.uint32_t(len(b)), &s, &t)
	return uint64(s), uint64(t), r == 1
}

// Buckets is the histogram's size; SubBits its buckets per power of two
// (2^SubBits: a bucket is at most 1/32 of its values wide).
const (
	Buckets = C.ZP_NB
	SubBits = C.ZP_SUB_BITS
	sub     = C.ZP_SUB
)

// Bucket is the histogram bucket of v cycles (zp_bucket).
func Bucket(v uint64) int { return int(C.zp_bucket(C.uint64_t(v))) }

// BucketEdges are bucket i's values, in cycles: [lo, hi).
func BucketEdges(i int) (lo, hi uint64) {
	if i < sub {
		return uint64(i), uint64(i) + 1
	}
	e := uint(i/sub + SubBits - 1)
	m := uint64(i % sub)
	w := uint64(1) << (e - SubBits)
	lo = (sub + m) * w
	return lo, lo + w
}

// Hist is a latency histogram in TSC cycles.
type Hist struct {
	Counts [Buckets]uint64
	Max    uint64 // the largest value, cycles
	Hz     uint64 // cycles a second
}

// Total is the values counted.
func (h *Hist) Total() uint64 {
	var n uint64
	for _, c := range h.Counts {
		n += c
	}
	return n
}

// Quantile is the value a share q (0 to 1) of the counts did not
// exceed: the upper edge of its bucket, never above Max; 0 if empty.
func (h *Hist) Quantile(q float64) time.Duration {
	total := h.Total()
	if total == 0 || h.Hz == 0 || math.IsNaN(q) {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := max(uint64(math.Ceil(q*float64(total))), 1)
	var seen uint64
	for i, n := range h.Counts {
		if seen += n; seen >= rank {
			_, hi := BucketEdges(i)
			return h.dur(min(hi, h.Max))
		}
	}
	return h.dur(h.Max)
}

func (h *Hist) dur(c uint64) time.Duration {
	return time.Duration(float64(c) * 1e9 / float64(h.Hz))
}

// Config is one run of the pinger.
type Config struct {
	TxPort, RxPort uint16
	// Pool is the mempool's C pointer (mbuf.Pool.Ptr).
	Pool unsafe.Pointer
	// Rate is frames a second; 0 sends as fast as the port takes them.
	Rate float64
	// Burst is the most frames a tx call (1-64).
	Burst int
	// Warm is the start whose frames are counted but not timed; Send
	// the time of sending; Drain how long it goes on receiving after.
	Warm, Send, Drain time.Duration
	Src, Dst          [6]byte
	// Join forwards between the two ports instead (a bare C join, for
	// the baseline), for Send (0: until stopped).
	Join bool
}

// Result is what a run counted.
type Result struct {
	Offered, Sent, TxFull, NoMbuf uint64
	Received, Reordered, Foreign  uint64
	// Lost is what was sent and never came back.
	Lost uint64
	// Timed frames are in Hist (those sent after Warm).
	Timed   uint64
	Mean    time.Duration
	LagMax  time.Duration // most a send was behind its schedule
	Seconds float64       // the sending window as it ran
	// Forwarded counts the frames a join moved.
	Forwarded uint64
	Hist      Hist
}

// Run runs the loop on the calling lcore's thread (eal.RunOnMain or
// eal.Launch) until its time is up or stop (C memory, see NewStop) is
// set.
func Run(cfg Config, stop *Stop) (Result, error) {
	if cfg.Burst < 1 || cfg.Burst > 64 || cfg.Pool == nil || cfg.Rate < 0 {
		return Result{}, fmt.Errorf("ping: burst %d (1-64), rate %g (0 or more), pool %v", cfg.Burst, cfg.Rate, cfg.Pool)
	}
	hz := uint64(C.zp_hz())
	cyc := func(d time.Duration) C.uint64_t { return C.uint64_t(float64(d) * float64(hz) / 1e9) }
	c := (*C.struct_zp_cfg)(C.calloc(1, C.sizeof_struct_zp_cfg))
	r := (*C.struct_zp_res)(C.calloc(1, C.sizeof_struct_zp_res))
	defer C.free(unsafe.Pointer(c))
	defer C.free(unsafe.Pointer(r))
	c.tx_port, c.rx_port, c.burst = C.uint16_t(cfg.TxPort), C.uint16_t(cfg.RxPort), C.uint16_t(cfg.Burst)
	c.join = C.uint8_t(0)
	if cfg.Join {
		c.join = 1
	}
	c.pool = (*C.struct_rte_mempool)(cfg.Pool)
	c.rate = C.double(cfg.Rate)
	c.warm, c.cycles, c.drain = cyc(cfg.Warm), cyc(cfg.Send), cyc(cfg.Drain)
	for i := 0; i < 6; i++ {
		c.src[i], c.dst[i] = C.uint8_t(cfg.Src[i]), C.uint8_t(cfg.Dst[i])
	}
	c.stop = (*C.int)(stop.p)
	if rc := C.zp_run(c, r); rc != 0 {
		return Result{}, fmt.Errorf("ping: zp_run: %w", syscall.Errno(-rc))
	}
	res := Result{
		Offered: uint64(r.offered), Sent: uint64(r.sent), TxFull: uint64(r.tx_full), NoMbuf: uint64(r.nombuf),
		Received: uint64(r.received), Reordered: uint64(r.reordered), Foreign: uint64(r.foreign),
		Timed: uint64(r.timed), Forwarded: uint64(r.forwarded),
		Seconds: float64(r.send_cycles) / float64(hz),
		Hist:    Hist{Max: uint64(r.max), Hz: hz},
	}
	if res.Sent > res.Received {
		res.Lost = res.Sent - res.Received
	}
	if res.Timed > 0 {
		res.Mean = res.Hist.dur(uint64(r.sum) / res.Timed)
	}
	res.LagMax = res.Hist.dur(uint64(r.lag_max))
	for i := range res.Hist.Counts {
		res.Hist.Counts[i] = uint64(r.hist[i])
	}
	return res, nil
}

// Stop is a flag in C memory that stops a running loop.
type Stop struct{ p unsafe.Pointer }

// NewStop allocates a stop flag (never freed: one a process).
func NewStop() *Stop { return &Stop{p: C.calloc(1, C.sizeof_int)} }

// Set stops the loop.
func (s *Stop) Set() { *(*C.int)(s.p) = 1 }
