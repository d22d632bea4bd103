package app

/*
#cgo pkg-config: libdpdk
#include <stdlib.h>
#include <string.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#define ZC_MAX_TX 32
#define ZC_MAX_RINGS 32

struct zc_txq {
	uintptr_t arr;   // struct rte_mbuf ** (a burst array in C memory)
	uint16_t port, queue;
	uint16_t n;      // in: packets to send
	uint16_t sent;   // out: packets the port took; the rest move to the front
};

struct zc_ringq {
	uintptr_t ring;  // struct rte_ring *, or 0 for a ring this lcore does not fill
	uintptr_t arr;
	uint16_t n, sent;
};

// One loop turn of an lcore: flush every tx queue and ring, free the
// drops, receive the next burst (from an rx queue, or a ring when rxring
// is set). Go fills it, one cgo call runs it.
struct zc_turn {
	struct zc_txq tx[ZC_MAX_TX];
	struct zc_ringq rq[ZC_MAX_RINGS];
	uint16_t ntx, nrq;
	uint16_t ndrop;
	uintptr_t drop;
	uintptr_t rx;
	uintptr_t rxring;
	uint16_t rxport, rxqueue, rxcap, got;
};

static void zc_turn(uintptr_t tp) {
	struct zc_turn *t = (struct zc_turn *)tp;
	for (uint16_t i = 0; i < t->ntx; i++) {
		struct zc_txq *q = &t->tx[i];
		q->sent = 0;
		if (q->n == 0)
			continue;
		struct rte_mbuf **a = (struct rte_mbuf **)q->arr;
		uint16_t s = rte_eth_tx_burst(q->port, q->queue, a, q->n);
		if (s > 0 && s < q->n)
			memmove(a, a + s, (q->n - s) * sizeof(*a));
		q->sent = s;
	}
	for (uint16_t i = 0; i < t->nrq; i++) {
		struct zc_ringq *q = &t->rq[i];
		q->sent = 0;
		if (q->n == 0)
			continue;
		void **a = (void **)q->arr;
		unsigned s = rte_ring_enqueue_burst((struct rte_ring *)q->ring, a, q->n, NULL);
		if (s > 0 && s < q->n)
			memmove(a, a + s, (q->n - s) * sizeof(*a));
		q->sent = s;
	}
	if (t->ndrop > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)t->drop, t->ndrop);
	if (t->rxcap == 0)
		t->got = 0;
	else if (t->rxring)
		t->got = rte_ring_dequeue_burst((struct rte_ring *)t->rxring, (void **)t->rx, t->rxcap, NULL);
	else
		t->got = rte_eth_rx_burst(t->rxport, t->rxqueue, (struct rte_mbuf **)t->rx, t->rxcap);
}
*/
import "C"

import "unsafe"

// maxTx is how many ports one lcore can transmit to; maxRings how many
// rings a run can have.
const (
	maxTx    = C.ZC_MAX_TX
	maxRings = C.ZC_MAX_RINGS
)

type cturn C.struct_zc_turn

func newTurn() *cturn {
	return (*cturn)(C.calloc(1, C.sizeof_struct_zc_turn))
}

func freeTurn(t *cturn) { C.free(unsafe.Pointer(t)) }

func runTurn(t *cturn) { C.zc_turn(C.uintptr_t(uintptr(unsafe.Pointer(t)))) }

func (t *cturn) setTx(i int, arr unsafe.Pointer, port, queue uint16) {
	t.tx[i].arr = C.uintptr_t(uintptr(arr))
	t.tx[i].port = C.uint16_t(port)
	t.tx[i].queue = C.uint16_t(queue)
}
func (t *cturn) setNTx(n int)      { t.ntx = C.uint16_t(n) }
func (t *cturn) setTxLen(i, n int) { t.tx[i].n = C.uint16_t(n) }
func (t *cturn) txSent(i int) int  { return int(t.tx[i].sent) }
func (t *cturn) setDrop(arr unsafe.Pointer, n int) {
	t.drop = C.uintptr_t(uintptr(arr))
	t.ndrop = C.uint16_t(n)
}
func (t *cturn) setRx(arr unsafe.Pointer, port, queue uint16, room int) {
	t.rx = C.uintptr_t(uintptr(arr))
	t.rxring = 0
	t.rxport = C.uint16_t(port)
	t.rxqueue = C.uint16_t(queue)
	t.rxcap = C.uint16_t(room)
}
func (t *cturn) setRxRing(arr, ring unsafe.Pointer, room int) {
	t.rx = C.uintptr_t(uintptr(arr))
	t.rxring = C.uintptr_t(uintptr(ring))
	t.rxcap = C.uint16_t(room)
}
func (t *cturn) setRing(i int, arr, ring unsafe.Pointer) {
	t.rq[i].arr = C.uintptr_t(uintptr(arr))
	t.rq[i].ring = C.uintptr_t(uintptr(ring))
}
func (t *cturn) setNRings(n int)     { t.nrq = C.uint16_t(n) }
func (t *cturn) setRingLen(i, n int) { t.rq[i].n = C.uint16_t(n) }
func (t *cturn) ringSent(i int) int  { return int(t.rq[i].sent) }
func (t *cturn) received() int       { return int(t.got) }
