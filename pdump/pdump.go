// Package pdump serves, in a primary process, the packet-capture
// protocol of DPDK 22.11's lib/pdump, which dpdk-dumpcap (pcapng, with
// BPF filters and snap lengths) and dpdk-pdump speak: the "mp_pdump"
// multi-process action, its rx/tx callbacks and the "rte_pdump_stats"
// memzone, in place of rte_pdump_init's server.
//
// It exists for one difference. DPDK 22.11's server removes its
// callbacks and replies at once; the client then frees its ring and
// mempool (their hugepages are unmapped in every process) while an lcore
// may still be copying a burst into them, and the primary dies of
// SIGSEGV. Upstream fixed that only in DPDK 25.11. This server waits,
// after removing a callback and before it replies, until no lcore can
// still be inside it (pdump.c says how).
//
// Also unlike 22.11's: a request that fails part-way undoes what it
// enabled; a queue captured by a client that exited without disabling
// is taken over by the next client instead of refused; a port's release
// and Uninit remove the port's callbacks.
package pdump

/*
#cgo pkg-config: libdpdk
#cgo CFLAGS: -DALLOW_EXPERIMENTAL_API
#include <stdlib.h>
#include <rte_version.h>
#include "pdump.h"
*/
import "C"

import (
	"strings"
	"syscall"
	"unsafe"

	"github.com/zcnic/zcnic/internal/rte"
)

// Init starts serving: it reserves the statistics memzone, registers
// the "mp_pdump" action and a handler that ends a port's captures when
// the port is released. The EAL must be running; call it once, from an
// EAL thread (the memzone goes on that thread's socket). Only DPDK 22.11
// is served: its protocol is what this package mirrors.
func Init() error {
	if v := C.GoString(C.rte_version()); !strings.HasPrefix(v, "DPDK 22.11.") {
		return rte.Errf("pdump server", int(syscall.ENOTSUP),
			"zcnic serves DPDK 22.11's capture protocol (dpdk-dumpcap, dpdk-pdump) and the library loaded is %s; its struct pdump_request may differ", v)
	}
	var errno C.int
	var call *C.char
	if C.zc_pdump_init(&errno, &call) < 0 {
		return rte.Err(C.GoString(call), int(errno))
	}
	return nil
}

// Uninit stops serving: it unregisters the action, removes every
// capture callback still installed (a client may have been killed
// without disabling), waiting for the lcores to leave them, and frees
// the memzone. It is a no-op when not serving. No lcore may poll a port
// afterwards with a client's capture expected.
func Uninit() error {
	var errno C.int
	var call *C.char
	if C.zc_pdump_uninit(&errno, &call) < 0 {
		return rte.Err(C.GoString(call), int(errno))
	}
	return nil
}

// request is 22.11's struct pdump_request, for the tests.
type request struct {
	Ver, Op uint16
	Flags   uint32
	Device  string
	Queue   uint16
	Ring    unsafe.Pointer // struct rte_ring *
	Pool    unsafe.Pointer // struct rte_mempool *
	Prm     unsafe.Pointer // const struct rte_bpf_prm *
	Snaplen uint32
}

// handle serves r as if the client at socket path peer had sent it and
// returns the response's err_value (0 or -errno).
func handle(r request, peer string) int {
	req := (*C.struct_zc_pdump_request)(C.calloc(1, C.sizeof_struct_zc_pdump_request))
	defer C.free(unsafe.Pointer(req))
	req.ver, req.op, req.flags = C.uint16_t(r.Ver), C.uint16_t(r.Op), C.uint32_t(r.Flags)
	dev := unsafe.Slice((*byte)(unsafe.Pointer(&req.device[0])), len(req.device))
	copy(dev[:len(dev)-1], r.Device)
	req.queue = C.uint16_t(r.Queue)
	req.ring = (*C.struct_rte_ring)(r.Ring)
	req.mp = (*C.struct_rte_mempool)(r.Pool)
	req.prm = (*C.struct_rte_bpf_prm)(r.Prm)
	req.snaplen = C.uint32_t(r.Snaplen)
	cpeer := C.CString(peer)
	defer C.free(unsafe.Pointer(cpeer))
	return int(C.zc_pdump_handle(unsafe.Pointer(req), C.sizeof_struct_zc_pdump_request, cpeer))
}

// installed counts the callbacks installed now.
func installed() int { return int(C.zc_pdump_installed()) }

// queueStats is one queue's rte_pdump_stats: dir 0 rx, 1 tx.
func queueStats(port, queue uint16, dir int) ([4]uint64, error) {
	var st C.struct_rte_pdump_stats
	if r := C.zc_pdump_stats_of(C.uint16_t(port), C.uint16_t(queue), C.int(dir), &st); r < 0 {
		return [4]uint64{}, rte.Err("zc_pdump_stats_of", int(r))
	}
	return [4]uint64{uint64(st.accepted), uint64(st.filtered), uint64(st.nombuf), uint64(st.ringfull)}, nil
}
