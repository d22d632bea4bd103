// What net_memif's zero-copy mode holds when its port stops, and the lock
// that keeps a burst safe from the peer's death.
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
//
// The peer's death. When the peer goes (killed, or closing its port),
// DPDK 22.11's driver runs memif_disconnect() on the EAL interrupt
// thread, as the control socket closes: it clears
// ETH_MEMIF_FLAG_CONNECTED, takes pmd->cc_lock, tears the control
// channel down, unlocks, and only then closes the queues' event fds and
// unmaps the shared regions (memif_free_regions), whose rings and
// buffers an lcore inside rte_eth_rx_burst or rte_eth_tx_burst may be
// reading: a SIGSEGV in the lcore (not fixed upstream through 26.07).
// eth_memif_rx/tx (and the _zc variants) return 0 at once while the flag
// is clear. So a burst made under cc_lock is safe: while it holds the
// lock the interrupt thread cannot get past its lock, let alone to the
// unmap; a burst that takes the lock after the interrupt thread released
// it sees the flag clear (the unlock's release and the lock's acquire
// order the clearing before it) and touches neither ring nor buffer. (It
// still reads proc_private->regions[] to compute a ring address it does
// not use: memory of the DPDK heap, which stays mapped.)
//
// What the lock covers, read in 22.11's memif_socket.c and
// rte_eth_memif.c: every unmap of a running port's regions in a primary
// process, that is memif_disconnect() from the peer's disconnect message,
// a control-channel error or EOF (the peer's death), and rte_eth_dev_stop.
// What it does not cover, and need not: a new peer's connection
// (memif_msg_receive_init, add_region, add_ring, memif_connect) maps
// memory and sets the flag last, and a burst reads nothing of a region
// before it sees the flag (on a weakly ordered CPU the driver's plain
// store of the flag is no release, so a burst could see it before the
// ring resets of memif_connect: the driver's own race, not an unmap);
// memif_free_regions in a secondary process (memif_link_update) runs on
// the caller's thread, and zcnic runs as a primary.
//
// The stop. rte_eth_dev_stop runs memif_disconnect on the caller's
// thread, and nothing in the driver serialises it with the interrupt
// thread's own when the peer goes at that moment (a client killed just
// before its server stops): both close the queues' event fds and both
// free the regions (munmap and rte_free twice: heap corruption, or the
// unmap of whatever was mapped there in between; an fd number closed
// after it was reused). rte_eth_dev_close likewise tears down the
// control channel and the socket the interrupt thread may be serving.
// So zcnic stops and closes a net_memif port with that thread held
// (internal/intrpark: a callback of zcnic's own, which the thread runs
// between two of its other callbacks, holds it until the stop or close
// is done). The driver's disconnect is then either done before the hold
// or not begun: the stop finds the channel already gone,
// or removes it (its source is not the one running, so unregistering it
// succeeds) and frees the regions alone.
//
// The cost: one uncontended lock and unlock (an atomic exchange and a
// store) per burst, on memif ports only; the lock is taken by the
// driver only at a disconnect.

#ifndef ZCNIC_PORT_MEMIF_H
#define ZCNIC_PORT_MEMIF_H

#include <stdint.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>

// zc_memif_held stores into *out (malloc'd, the caller frees it) the
// mbufs port's zero-copy rings hold and returns how many, 0 for a port
// that holds none (copy mode, server role, not connected). It returns
// -ENOTSUP when the driver's layout is not the one it knows, -ENOMEM.
// It reads the rings under the driver's cc_lock, and only while the port
// is connected: a peer that dies at that moment leaves them mapped until
// it is done (a disconnected zero-copy port's rings are gone, and what
// they held with them: 0).
int zc_memif_held(uint16_t port, struct rte_mbuf ***out);

// zc_memif_burst_lock stores in *lock the spinlock a burst on port must
// hold (the driver's pmd->cc_lock), or NULL for another driver's port,
// and returns 0; -ENOTSUP when the port is net_memif but its structures
// are not DPDK 22.11's. The lock lives as long as the port (until
// rte_eth_dev_close). Call it once the queues are set up.
int zc_memif_burst_lock(uint16_t port, rte_spinlock_t **lock);

// zc_free_segs frees n mbuf segments, one by one, as the driver would.
void zc_free_segs(struct rte_mbuf **m, int n);

#endif
