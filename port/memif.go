package port

// Everything zcnic does about net_memif (with memif.c and memif.h): the
// mbufs its zero-copy rings hold at Stop.

/*
#include "memif.h"
*/
import "C"

import (
	"unsafe"

	"github.com/zcnic/zcnic/internal/rte"
)

func init() {
	heldAtStop = memifHeld
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

// cMemifHeld returns what a net_memif zero-copy port's rings hold (see
// memif.h) as a C array and its length, or a negative errno.
func cMemifHeld(id uint16) (unsafe.Pointer, int) {
	var out **C.struct_rte_mbuf
	n := int(C.zc_memif_held(C.uint16_t(id), &out))
	return unsafe.Pointer(out), n
}
