package app

/*
#cgo pkg-config: libdpdk
#include <stdlib.h>
#include <string.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define ZC_MAX_TX 32

struct zc_txq {
	uintptr_t arr;   // struct rte_mbuf ** (a burst array in C memory)
	uint16_t port, queue;
	uint16_t n;      // in: packets to send
	uint16_t sent;   // out: packets the port took; the rest move to the front
};

// One loop turn of an lcore: flush every tx queue, free the drops,
// receive the next burst. Go fills it, one cgo call runs it.
struct zc_turn {
	struct zc_txq tx[ZC_MAX_TX];
	uint16_t ntx;
	uint16_t ndrop;
	uintptr_t drop;
	uintptr_t rx;
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
	if (t->ndrop > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)t->drop, t->ndrop);
	t->got = t->rxcap ? rte_eth_rx_burst(t->rxport, t->rxqueue, (struct rte_mbuf **)t->rx, t->rxcap) : 0;
}
*/
import "C"

import "unsafe"

// maxTx is how many ports one lcore can transmit to.
const maxTx = C.ZC_MAX_TX

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
	t.rxport = C.uint16_t(port)
	t.rxqueue = C.uint16_t(queue)
	t.rxcap = C.uint16_t(room)
}
func (t *cturn) received() int { return int(t.got) }
