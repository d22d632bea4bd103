// Package cmacswap is dpdk-testpmd's macswap loop in C, for benchmarks
// only: the anchor that zcnic's Go macswap handler is measured beside,
// over the same mbufs, one cgo call per vector (app's
// BenchmarkMacSwapHandler). Each function swaps the Ethernet addresses of
// every packet of a burst in place.
//
// A frame must hold at least 16 bytes (the SSE form reads and writes
// 16), which every Ethernet frame does.
package cmacswap

/*
#cgo pkg-config: libdpdk
#include "macswap.h"
*/
import "C"

import (
	"github.com/zcnic/zcnic/mbuf"
)

// Plain swaps the addresses and nothing else: the work Go's handler
// does.
func Plain(b *mbuf.Burst) { C.zc_swap_plain(C.uintptr_t(uintptr(b.Array())), C.uint16_t(b.Len())) }

// Testpmd is testpmd's scalar macswap: a prefetch of the next packet,
// the swap, and the tx fields testpmd writes into every mbuf.
func Testpmd(b *mbuf.Burst) { C.zc_swap_testpmd(C.uintptr_t(uintptr(b.Array())), C.uint16_t(b.Len())) }

// SSE is testpmd's SSE macswap (four packets a step, one byte shuffle
// each), or Testpmd where SSSE3 is not available (HaveSSE).
func SSE(b *mbuf.Burst) { C.zc_swap_sse(C.uintptr_t(uintptr(b.Array())), C.uint16_t(b.Len())) }

// HaveSSE says SSE is the SSE form (x86-64 with SSSE3), not Testpmd.
func HaveSSE() bool { return C.zc_have_sse() != 0 }
