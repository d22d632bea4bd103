package port

/*
#include "ethdev_private.h"
*/
import "C"

// ethDevLayout says whether the layout of DPDK's private struct
// rte_eth_dev that the net_memif and net_af_xdp fixes read
// (ethdev_private.h, checked at compile time for the build's cache line
// and queue count) matches the loaded librte_ethdev: 1 it does, 0 it
// does not, -1 the library does not say (its rte_eth_devices symbol has
// no size).
func ethDevLayout() int { return int(C.zc_eth_dev_layout_ok()) }
