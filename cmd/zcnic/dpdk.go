package main

/*
#cgo pkg-config: libdpdk
#include <rte_version.h>
#include <rte_ethdev.h>
*/
import "C"

import (
	"math/bits"
	"strings"
)

// dpdkVersion is the version of the DPDK library linked, e.g. "DPDK 22.11.4".
func dpdkVersion() string { return C.GoString(C.rte_version()) }

// offloadNames lists the names of the offload bits set in v.
func offloadNames(v uint64, rx bool) string {
	var n []string
	for v != 0 {
		bit := uint64(1) << bits.TrailingZeros64(v)
		v &^= bit
		if rx {
			n = append(n, C.GoString(C.rte_eth_dev_rx_offload_name(C.uint64_t(bit))))
		} else {
			n = append(n, C.GoString(C.rte_eth_dev_tx_offload_name(C.uint64_t(bit))))
		}
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}
