package app

/*
#cgo pkg-config: libdpdk
#include <stdlib.h>
#include "telemetry.h"
*/
import "C"

import "unsafe"

// publishTelemetry shows this run to zcnic's telemetry commands
// (/zcnic/ports, /zcnic/lcores, /zcnic/drops, telemetry.c), which read
// the loops' counters in C memory from DPDK's telemetry thread. It
// returns the token clearTelemetry takes.
func (r *runner) publishTelemetry() uint64 {
	pool := C.CString(r.pool.Name())
	defer C.free(unsafe.Pointer(pool))
	tok := C.zc_tel_begin(C.uint16_t(len(r.ports)), pool, C.int(b2i(r.cfg.CountBytes)))
	for i, p := range r.ports {
		name := C.CString(p.Name())
		C.zc_tel_port(tok, C.uint16_t(i), name, C.uint16_t(p.ID()))
		C.free(unsafe.Pointer(name))
	}
	for _, c := range r.ctxs {
		C.zc_tel_lcore(tok, C.uint(c.lcore), (*C.struct_zc_counters)(unsafe.Pointer(&c.turn.c)))
	}
	C.zc_tel_publish(tok)
	return uint64(tok)
}

// clearTelemetry withdraws the run of tok from the telemetry commands;
// once it returns, none reads the run's counters, which may be freed.
func clearTelemetry(tok uint64) { C.zc_tel_clear(C.uint64_t(tok)) }

// telemetryReason is drop reason i's name in /zcnic/drops.
func telemetryReason(i int) string {
	s := C.zc_tel_reason(C.int(i))
	if s == nil {
		return ""
	}
	return C.GoString(s)
}
