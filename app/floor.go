package app

/*
#include <stdint.h>
#include <stdlib.h>
#include "turn.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"syscall"
	"time"
	"unsafe"

	"github.com/zcnic/zcnic/eal"
)

// MeasureFloor runs a C loop pinned to cpu for d that times each of its
// passes as a loop times its turns (the same histogram, limits and TSC
// read), spinning spin between stamps (0 for 1 us, about a turn), and
// returns its Stalls: the platform's own floor on that CPU. Its gaps are
// time that the kernel or the hypervisor took the CPU from a thread that
// never yields, which no loop on that CPU can avoid; set a loop's Stalls
// beside it to tell what the program adds. It needs a running EAL (for
// the TSC's frequency) and blocks for d. Run it while no loop runs on
// cpu.
func MeasureFloor(cpu int, d, spin time.Duration) (Stalls, error) {
	if !eal.Initialized() {
		return Stalls{}, eal.ErrNotInitialized
	}
	if cpu < 0 || d <= 0 || spin < 0 {
		return Stalls{}, fmt.Errorf("app: MeasureFloor: cpu %d, duration %v, spin %v: need a CPU, a positive duration and a spin of 0 or more", cpu, d, spin)
	}
	if spin == 0 {
		spin = time.Microsecond
	}
	var t cturn // for its limits
	t.setStallLimits()
	st := (*C.struct_zc_stalls)(C.calloc(1, C.sizeof_struct_zc_stalls))
	defer C.free(unsafe.Pointer(st))
	st.lim = t.c.st.lim
	// The thread is pinned for the call and given back its affinity
	// after; keep the goroutine on it meanwhile.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if r := C.zc_floor(st, C.int(cpu), C.uint64_t(durCycles(d)), C.uint64_t(durCycles(spin))); r != 0 {
		return Stalls{}, fmt.Errorf("app: MeasureFloor: sched_setaffinity(CPU %d): %w", cpu, syscall.Errno(r))
	}
	t.c.st = *st
	var s Stalls
	t.readStalls(&s)
	return s, nil
}
