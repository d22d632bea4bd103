package port

// Everything zcnic does about net_af_xdp (with afxdp.c and afxdp.h): the
// UMEM claims and the hugepage check at Configure, and the mbufs its
// rings hold at Close.

/*
#include "afxdp.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/zcnic/zcnic/internal/rte"
	"github.com/zcnic/zcnic/mbuf"
)

func init() {
	driverConfigure["net_af_xdp"] = (*Port).configureAfxdp
	heldAtClose = afxdpHeld
	afterClose = (*Port).releaseUMEMs
}

// configureAfxdp refuses what net_af_xdp would mishandle, then claims the
// rx queues' pools as the port's UMEMs.
func (p *Port) configureAfxdp(cfg Config, _ map[*mbuf.Pool]int) error {
	if !cHasHugepages() {
		// The UMEM is the pool; in 4 KiB pages, a frame buffer that
		// crosses a page is not contiguous to the kernel, which then
		// drops the frame without a word (seen: 81 of 200 lost).
		return errors.New("net_af_xdp needs EAL on hugepages (this one runs with --no-huge): the kernel drops every frame whose buffer in the pool crosses a 4 KiB page")
	}
	return p.claimUMEMs(cfg)
}

// umems are the pools net_af_xdp ports have made their AF_XDP UMEM, and
// the port that did.
var umems = map[*mbuf.Pool]*Port{}

// claimUMEMs refuses a pool that is already another net_af_xdp port's (or
// another rx queue's) UMEM: net_af_xdp makes an rx queue's pool its UMEM,
// which one socket may own (22.11's shared_umem aside), and its queue
// set-up only says "Invalid argument". Otherwise it records p as the
// pools' owner until Close.
func (p *Port) claimUMEMs(cfg Config) error {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	mine := map[*mbuf.Pool]bool{}
	for q := 0; q < cfg.RxQueues; q++ {
		pool := p.rxPool(cfg, q)
		if mine[pool] {
			return fmt.Errorf("rx queues share mempool %s, which net_af_xdp makes the AF_XDP UMEM of one queue's socket: give each rx queue its own pool (RxPools)", pool.Name())
		}
		mine[pool] = true
		if o := umems[pool]; o != nil && o != p && !o.closed.Load() {
			return fmt.Errorf("mempool %s is already the AF_XDP UMEM of %s, and a UMEM serves one socket: give each net_af_xdp port its own pool", pool.Name(), o)
		}
	}
	for pool := range mine {
		umems[pool] = p
	}
	return nil
}

// releaseUMEMs forgets the pools p claimed.
func (p *Port) releaseUMEMs() {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	for pool, o := range umems {
		if o == p {
			delete(umems, pool)
		}
	}
}

// afxdpHeld: net_af_xdp's close never frees the mbufs its UMEM rings
// hold (afxdp.h): take them before, for Close to free once the socket is
// gone. For another driver it holds nothing.
func afxdpHeld(p *Port) (held, error) {
	arr, n := cAfxdpHeld(p.id)
	if n < 0 {
		return held{}, rte.Errf("net_af_xdp rings", -n, "%s: this DPDK's driver layout is not 22.11's, so the mbufs its rings hold cannot be given back", p)
	}
	return held{arr, n}, nil
}

// cAfxdpHeld returns what a net_af_xdp port's rings hold (see afxdp.h)
// as a C array and its length, or a negative errno.
func cAfxdpHeld(id uint16) (unsafe.Pointer, int) {
	var out **C.struct_rte_mbuf
	n := int(C.zc_afxdp_held(C.uint16_t(id), &out))
	return unsafe.Pointer(out), n
}
