// Package intrpark holds DPDK's interrupt thread still while zcnic does
// what a driver does not serialise with it.
//
// The EAL interrupt thread runs every device's interrupt and alarm
// callbacks, one at a time. Two things in DPDK 22.11 race it. A
// net_memif stop or close made on another thread tears down what the
// thread's own disconnect (the peer's death) tears down too, both freeing
// the shared regions (port/memif.h). And a callback that is never
// unregistered (net_memif's listener socket, which its close leaves
// registered) keeps an interrupt source whose handle lives in DPDK's
// hugepage memory: once rte_eal_cleanup has unmapped that memory, the
// thread's next look at its sources is a SIGSEGV, outside Go, with no
// trace (the process died so at exit).
//
// Hold makes the thread run a callback of zcnic's that waits on a
// semaphore: while it waits, the thread is between two callbacks and
// touches nothing. The callback serves an eventfd registered once as an
// interrupt source of its own (not an alarm: rte_eal_cleanup waits for a
// running alarm callback to return): DPDK has no API to stop or join the
// thread.
package intrpark

/*
#cgo pkg-config: libdpdk
#cgo CFLAGS: -DALLOW_EXPERIMENTAL_API
#include <errno.h>
#include "park.h"
*/
import "C"

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/zcnic/zcnic/internal/rte"
)

// Park is the interrupt thread held by Hold.
type Park struct {
	p unsafe.Pointer
}

// Hold holds the EAL interrupt thread (EAL must be running), waiting up
// to timeout for it to finish the callback it may be in. The caller must
// Release it, and must not wait meanwhile for anything that thread does
// (an alarm, a device interrupt, rte_intr_callback_unregister_sync of
// the thread's own callback).
//
// One Park is held at a time: Hold waits for the previous one's Release
// within the same timeout. A Park never released (eal.Cleanup's) holds
// the thread until the process ends.
func Hold(timeout time.Duration) (*Park, error) {
	select {
	case one <- struct{}{}:
	case <-time.After(timeout):
		return nil, fmt.Errorf("intrpark: the EAL interrupt thread is held elsewhere (waited %v)", timeout)
	}
	var p unsafe.Pointer
	if r := C.zc_intr_park(C.uint(timeout.Milliseconds()), &p); r != 0 {
		<-one
		if -r == C.ETIMEDOUT {
			return nil, fmt.Errorf("intrpark: the EAL interrupt thread did not come within %v (busy in another callback)", timeout)
		}
		return nil, rte.Errf("rte_intr_callback_register", int(-r), "holding the EAL interrupt thread (an eventfd source of zcnic's)")
	}
	return &Park{p}, nil
}

// one is taken by the Park held.
var one = make(chan struct{}, 1)

// Release lets the thread go on. A nil Park or a second Release does
// nothing.
func (k *Park) Release() {
	if k == nil || k.p == nil {
		return
	}
	C.zc_intr_unpark(k.p)
	k.p = nil
	<-one
}
