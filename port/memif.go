package port

// Everything zcnic does about net_memif (with memif.c and memif.h): the
// mbufs its zero-copy rings hold at Stop, the lock that keeps a burst
// safe when the peer dies, and the interrupt thread kept out of a stop
// or close.

/*
#include "memif.h"
*/
import "C"

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/zcnic/zcnic/internal/intrpark"
	"github.com/zcnic/zcnic/internal/rte"
)

func init() {
	heldAtStop = memifHeld
	burstLockOf = memifBurstLock
	parkDriver = memifPark
}

// memifParkTimeout bounds the wait for the EAL interrupt thread to
// reach the park: it runs one callback at a time, each a few
// microseconds to milliseconds long.
const memifParkTimeout = 2 * time.Second

// memifPark: DPDK 22.11's net_memif does not serialise a stop or close on
// the caller's thread with its own disconnect on the interrupt thread
// when the peer goes at that moment (both free the shared regions:
// memif.h). It holds the interrupt thread for the stop or close of a
// net_memif port; another driver's port needs nothing. When the thread
// cannot be held the stop goes ahead unguarded, and the error says so.
func memifPark(p *Port) (func(), error) {
	if lock, err := memifBurstLock(p); lock == nil || err != nil {
		return func() {}, nil // not net_memif (or refused at Configure)
	}
	k, err := intrpark.Hold(memifParkTimeout)
	if err != nil {
		return func() {}, fmt.Errorf("port: %s: the stop or close went ahead unguarded from the peer's disconnect on the interrupt thread: %w", p, err)
	}
	return k.Release, nil
}

// memifHeld: net_memif in zero-copy mode never gives back the mbufs its
// rings hold (memif.h): take them while the rings are mapped, for Stop to
// free once the port has stopped. Another driver's port holds none.
func memifHeld(p *Port) (held, error) {
	arr, n := cMemifHeld(p.id)
	if n < 0 {
		return held{}, rte.Errf("net_memif zero-copy rings", -n, "%s: this DPDK's driver layout is not 22.11's, so the mbufs its rings hold cannot be given back", p)
	}
	return held{arr, n}, nil
}

// memifBurstLock: when the peer dies, DPDK 22.11's net_memif unmaps the
// rings on the interrupt thread while an lcore may be inside a burst
// reading them (memif.h); a burst made under the driver's cc_lock is
// safe. It returns that lock for a net_memif port, nil for another's, and
// refuses a net_memif whose structures are not 22.11's: polling it
// unguarded would crash the process when a peer dies.
func memifBurstLock(p *Port) (unsafe.Pointer, error) {
	var lock *C.rte_spinlock_t
	if r := C.zc_memif_burst_lock(C.uint16_t(p.id), &lock); r != 0 {
		return nil, rte.Errf("net_memif burst lock", -int(r), "%s: this DPDK's driver layout is not 22.11's, so a burst cannot be kept safe from the peer's exit (the driver unmaps the rings under it)", p)
	}
	return unsafe.Pointer(lock), nil
}

// cMemifHeld returns what a net_memif zero-copy port's rings hold (see
// memif.h) as a C array and its length, or a negative errno.
func cMemifHeld(id uint16) (unsafe.Pointer, int) {
	var out **C.struct_rte_mbuf
	n := int(C.zc_memif_held(C.uint16_t(id), &out))
	return unsafe.Pointer(out), n
}
