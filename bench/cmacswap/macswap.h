// dpdk-testpmd's macswap forwarding loop, written again for zcnic's
// benchmarks: the C anchor that Go's macswap handler is measured beside,
// over the same mbufs, one call per vector.
#ifndef ZCNIC_BENCH_CMACSWAP_H
#define ZCNIC_BENCH_CMACSWAP_H

#include <stdint.h>

// zc_swap_plain swaps the Ethernet addresses of pkts[0:n] and nothing
// else: the work Go's handler does (it also writes no mbuf field).
void zc_swap_plain(uintptr_t pkts, uint16_t n);

// zc_swap_testpmd is testpmd's scalar do_macswap (app/test-pmd/macswap.h):
// prefetch the next packet's data, swap the addresses, and set the tx
// fields testpmd sets on every mbuf (ol_flags, l2_len, l3_len, vlan_tci,
// vlan_tci_outer).
void zc_swap_testpmd(uintptr_t pkts, uint16_t n);

// zc_swap_sse is testpmd's SSE form (macswap_sse.h): four packets at a
// time, each Ethernet header loaded as 16 bytes, its addresses swapped
// by one byte shuffle, stored back, with the same field writes. Where
// SSSE3 is not available (arm64) it is zc_swap_testpmd; zc_have_sse says
// which.
void zc_swap_sse(uintptr_t pkts, uint16_t n);
int zc_have_sse(void);

#endif
