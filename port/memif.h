// What net_memif's zero-copy mode holds when its port stops.
//
// DPDK 22.11's net_memif in zero-copy mode (zero-copy=yes, client role)
// hands its own mbufs to the peer: every rx ring slot holds an empty mbuf
// of the rx pool for the peer to write into, and every transmitted mbuf
// stays in the tx ring until the peer has read it. Neither stop, nor
// close, nor the peer's disconnect gives those mbufs back (no code in
// drivers/net/memif frees mq->buffers), so a pool loses up to a ring
// (1 << rsize mbufs) per rx queue, plus the unread tx, at every stop.
//
// zc_memif_held collects them while the port still runs (the rings are
// unmapped at stop), so that the caller can free them once it has
// stopped the port. It reads the driver's private structures, whose
// 22.11 layout is copied into memif.c, and checks that layout against
// public values before it trusts it.
#ifndef ZCNIC_PORT_MEMIF_H
#define ZCNIC_PORT_MEMIF_H

#include <stdint.h>
#include <rte_mbuf.h>

// zc_memif_held stores into *out (malloc'd, the caller frees it) the
// mbufs port's zero-copy rings hold and returns how many, 0 for a port
// that holds none (copy mode, server role, not connected). It returns
// -ENOTSUP when the driver's layout is not the one it knows, -ENOMEM.
int zc_memif_held(uint16_t port, struct rte_mbuf ***out);

// zc_free_segs frees n mbuf segments, one by one, as the driver would.
void zc_free_segs(struct rte_mbuf **m, int n);

#endif
