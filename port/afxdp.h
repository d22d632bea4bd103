// What net_af_xdp holds when its port closes.
//
// DPDK 22.11's net_af_xdp makes the port's mempool the AF_XDP UMEM and
// hands the kernel its mbufs: the fill ring holds empty ones for the
// kernel to write frames into, the rx ring frames the port has not
// received yet, the tx and completion rings sent ones not yet given
// back. Close deletes the socket and never frees any of them (no code in
// drivers/net/af_xdp walks the rings), so each close loses about 2,048
// mbufs (the fill ring) and more.
//
// zc_afxdp_held collects them just before the socket is deleted, so that
// the caller can free them once the port is closed. It reads the
// driver's private queue structures, whose 22.11 layout is copied into
// afxdp.c, and checks that layout before it trusts it. The rings are
// read in the order the kernel moves buffers (rx before fill, completion
// before tx), so a buffer the kernel moves meanwhile is missed, never
// taken twice.
#ifndef ZCNIC_PORT_AFXDP_H
#define ZCNIC_PORT_AFXDP_H

#include <stdint.h>
#include <rte_mbuf.h>

// zc_afxdp_held stores into *out (malloc'd, the caller frees it) the
// mbufs a stopped net_af_xdp port's rings hold and returns how many; 0
// for another driver. It returns -ENOTSUP when the layout is not the
// one it knows, -ENOMEM.
int zc_afxdp_held(uint16_t port, struct rte_mbuf ***out);

#endif
