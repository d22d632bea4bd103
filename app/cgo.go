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
#define ZC_MAX_SRC 64
#define ZC_NREASONS 10

// Verdicts, as the Go side writes them (see ctx.go): 0 none, 1..ZC_MAX_TX
// send to port v-1, ZC_VRING+r hand to ring r, ZC_VKEEP keep, negative
// drop with reason -v-1.
#define ZC_VRING 0x100
#define ZC_VKEEP 0x7fff
// Drop reasons the C side gives (DropReason in stats.go).
#define ZC_UNHANDLED 0
#define ZC_TXFULL 1
#define ZC_FILTERED 2
#define ZC_NOROUTE 5

struct zc_portc {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes, fwd, dropped, kept;
};

// A tx queue, or a ring, this lcore fills: arr holds n packets of cap.
struct zc_out {
	uintptr_t arr;   // struct rte_mbuf *[cap] (C memory)
	uintptr_t ring;  // struct rte_ring *, for a ring; 0 if not filled here
	uint16_t port, queue;
	uint16_t n, cap;
};

// Something the lcore polls: an rx queue, or a ring.
struct zc_src {
	uintptr_t rx;    // struct rte_mbuf *[burst]: the last burst
	uintptr_t v;     // int16_t[burst]: its verdicts, written by Go
	uintptr_t ring;  // struct rte_ring * to dequeue from, or 0 for port/queue
	uint16_t port, queue;
	int16_t in;      // the port's index in Config.Ports; -1 for a ring
	uint16_t got;    // packets in rx waiting for their verdicts
	int16_t vall;    // verdict of the packets whose own verdict is 0
	uint8_t active;  // poll it
};

// An lcore's loop state. One zc_turn call applies the verdicts of the
// last bursts, flushes every tx queue and ring, frees the drops and
// polls every active source: a loop turn is one cgo call. It also keeps
// the loop's counters, so that Go does no per-packet bookkeeping.
struct zc_turn {
	struct zc_out tx[ZC_MAX_TX];
	struct zc_out rq[ZC_MAX_RINGS];
	struct zc_src src[ZC_MAX_SRC];
	uint16_t ntx, nrq, nsrc, burst;
	uintptr_t drop;
	uint16_t ndrop;
	int16_t portidx[RTE_MAX_ETHPORTS];
	struct zc_portc pc[ZC_MAX_TX];
	struct zc_portc stray; // ring packets from no known port
	uint64_t drops[ZC_NREASONS];
	uint64_t busy, empty, ring_in, ring_out;
};

static inline struct zc_portc *zc_pc(struct zc_turn *t, const struct rte_mbuf *m) {
	if (m->port < RTE_MAX_ETHPORTS && t->portidx[m->port] >= 0)
		return &t->pc[t->portidx[m->port]];
	return &t->stray;
}

static inline void zc_drop(struct zc_turn *t, struct zc_portc *pc, struct rte_mbuf *m, int reason) {
	((struct rte_mbuf **)t->drop)[t->ndrop++] = m;
	t->drops[reason]++;
	pc->dropped++;
}

static inline void zc_push(struct zc_out *q, struct rte_mbuf *m) {
	((struct rte_mbuf **)q->arr)[q->n++] = m;
}

// zc_dispatch applies the verdicts of s's burst.
static void zc_dispatch(struct zc_turn *t, struct zc_src *s) {
	struct rte_mbuf **pk = (struct rte_mbuf **)s->rx;
	int16_t *v = (int16_t *)s->v;
	uint16_t n = s->got;
	int16_t vall = s->vall;
	struct zc_portc *pc = s->in >= 0 ? &t->pc[s->in] : NULL;
	s->got = 0;
	s->vall = 0;

	// The whole burst to one port with room (io, macswap without drops).
	if (pc != NULL && vall > 0 && vall <= t->ntx) {
		struct zc_out *q = &t->tx[vall - 1];
		// Any verdict of its own? Verdicts past n are 0 and the array
		// is a whole number of words long: test 4 at a time.
		uint64_t own = 0;
		for (uint16_t i = 0; i < n; i += 4) {
			uint64_t w;
			memcpy(&w, v + i, sizeof(w));
			own |= w;
		}
		if (own == 0 && q->cap - q->n >= n) {
			memcpy((struct rte_mbuf **)q->arr + q->n, pk, n * sizeof(*pk));
			q->n += n;
			pc->fwd += n;
			return;
		}
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pk[i];
		int x = v[i] ? v[i] : vall;
		v[i] = 0;
		struct zc_portc *p = pc != NULL ? pc : zc_pc(t, m);
		if (x > 0 && x < ZC_VRING) {
			if (x > t->ntx) {
				zc_drop(t, p, m, ZC_NOROUTE);
			} else if (t->tx[x - 1].n < t->tx[x - 1].cap) {
				zc_push(&t->tx[x - 1], m);
				p->fwd++;
			} else {
				zc_drop(t, p, m, ZC_TXFULL);
			}
		} else if (x >= ZC_VRING && x < ZC_VKEEP) {
			struct zc_out *q = x - ZC_VRING < t->nrq ? &t->rq[x - ZC_VRING] : NULL;
			if (q == NULL || q->ring == 0)
				zc_drop(t, p, m, ZC_NOROUTE);
			else if (q->n < q->cap)
				zc_push(q, m); // its fate is counted by the ring's consumer
			else
				zc_drop(t, p, m, ZC_TXFULL);
		} else if (x == ZC_VKEEP) {
			p->kept++;
		} else if (x == 0) {
			zc_drop(t, p, m, ZC_UNHANDLED);
		} else {
			int r = -x - 1;
			zc_drop(t, p, m, r < ZC_NREASONS ? r : ZC_FILTERED);
		}
	}
}

static void zc_turn(uintptr_t tp) {
	struct zc_turn *t = (struct zc_turn *)tp;
	for (uint16_t i = 0; i < t->nsrc; i++)
		if (t->src[i].got)
			zc_dispatch(t, &t->src[i]);
	for (uint16_t i = 0; i < t->ntx; i++) {
		struct zc_out *q = &t->tx[i];
		if (q->n == 0)
			continue;
		struct rte_mbuf **a = (struct rte_mbuf **)q->arr;
		uint64_t bytes = 0;
		for (uint16_t j = 0; j < q->n; j++)
			bytes += a[j]->pkt_len;
		uint16_t s = rte_eth_tx_burst(q->port, q->queue, a, q->n);
		if (s < q->n) {
			for (uint16_t j = s; j < q->n; j++)
				bytes -= a[j]->pkt_len;
			if (s > 0)
				memmove(a, a + s, (q->n - s) * sizeof(*a));
		}
		q->n -= s;
		t->pc[i].tx_pkts += s;
		t->pc[i].tx_bytes += bytes;
	}
	for (uint16_t i = 0; i < t->nrq; i++) {
		struct zc_out *q = &t->rq[i];
		if (q->n == 0)
			continue;
		void **a = (void **)q->arr;
		unsigned s = rte_ring_enqueue_burst((struct rte_ring *)q->ring, a, q->n, NULL);
		if (s > 0 && s < q->n)
			memmove(a, a + s, (q->n - s) * sizeof(*a));
		q->n -= s;
		t->ring_out += s;
	}
	if (t->ndrop > 0) {
		rte_pktmbuf_free_bulk((struct rte_mbuf **)t->drop, t->ndrop);
		t->ndrop = 0;
	}
	for (uint16_t i = 0; i < t->nsrc; i++) {
		struct zc_src *s = &t->src[i];
		if (!s->active)
			continue;
		struct rte_mbuf **pk = (struct rte_mbuf **)s->rx;
		uint16_t got;
		if (s->ring) {
			got = rte_ring_dequeue_burst((struct rte_ring *)s->ring, (void **)pk, t->burst, NULL);
			t->ring_in += got;
		} else {
			got = rte_eth_rx_burst(s->port, s->queue, pk, t->burst);
			uint64_t bytes = 0;
			for (uint16_t j = 0; j < got; j++)
				bytes += pk[j]->pkt_len;
			t->pc[s->in].rx_pkts += got;
			t->pc[s->in].rx_bytes += bytes;
		}
		s->got = got;
		if (got)
			t->busy++;
		else
			t->empty++;
	}
}

// zc_drop_pending frees what is still queued at the end of a run,
// counted as tx_full drops of its input port.
static void zc_drop_pending(struct zc_turn *t) {
	for (uint16_t i = 0; i < t->ntx; i++) {
		struct zc_out *q = &t->tx[i];
		struct rte_mbuf **a = (struct rte_mbuf **)q->arr;
		for (uint16_t j = 0; j < q->n; j++) {
			struct zc_portc *p = zc_pc(t, a[j]);
			p->fwd--;
			p->dropped++;
			t->drops[ZC_TXFULL]++;
		}
		if (q->n)
			rte_pktmbuf_free_bulk(a, q->n);
		q->n = 0;
	}
	for (uint16_t i = 0; i < t->nrq; i++) {
		struct zc_out *q = &t->rq[i];
		struct rte_mbuf **a = (struct rte_mbuf **)q->arr;
		for (uint16_t j = 0; j < q->n; j++) {
			zc_pc(t, a[j])->dropped++;
			t->drops[ZC_TXFULL]++;
		}
		if (q->n)
			rte_pktmbuf_free_bulk(a, q->n);
		q->n = 0;
	}
}

// zc_release frees every mbuf the turn holds, uncounted: the end of a
// loop that failed (a handler panicked with a burst in hand).
static void zc_release(uintptr_t tp) {
	struct zc_turn *t = (struct zc_turn *)tp;
	for (uint16_t i = 0; i < t->nsrc; i++) {
		if (t->src[i].got)
			rte_pktmbuf_free_bulk((struct rte_mbuf **)t->src[i].rx, t->src[i].got);
		t->src[i].got = 0;
	}
	for (uint16_t i = 0; i < t->ntx; i++) {
		if (t->tx[i].n)
			rte_pktmbuf_free_bulk((struct rte_mbuf **)t->tx[i].arr, t->tx[i].n);
		t->tx[i].n = 0;
	}
	for (uint16_t i = 0; i < t->nrq; i++) {
		if (t->rq[i].n)
			rte_pktmbuf_free_bulk((struct rte_mbuf **)t->rq[i].arr, t->rq[i].n);
		t->rq[i].n = 0;
	}
	if (t->ndrop)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)t->drop, t->ndrop);
	t->ndrop = 0;
}
*/
import "C"

import (
	"unsafe"

	"github.com/zcnic/zcnic/mbuf"
)

// Limits of one lcore's loop: ports it can send to, rings in a run, and
// sources (rx queues and rings) it can poll.
const (
	maxTx    = C.ZC_MAX_TX
	maxRings = C.ZC_MAX_RINGS
	maxSrc   = C.ZC_MAX_SRC
)

type (
	cturn C.struct_zc_turn
	csrc  C.struct_zc_src
)

// cmem is C memory the turn points to, freed with it.
type cmem []unsafe.Pointer

func (m *cmem) alloc(n, size int) unsafe.Pointer {
	p := C.calloc(C.size_t(n), C.size_t(size))
	*m = append(*m, p)
	return p
}

func (m *cmem) free() {
	for _, p := range *m {
		C.free(p)
	}
	*m = nil
}

// newTurn allocates a zeroed turn; mem keeps what else it points to.
func newTurn(mem *cmem, burst int) *cturn {
	t := (*cturn)(mem.alloc(1, C.sizeof_struct_zc_turn))
	t.burst = C.uint16_t(burst)
	for i := range t.portidx {
		t.portidx[i] = -1
	}
	return t
}

func runTurn(t *cturn)     { C.zc_turn(C.uintptr_t(uintptr(unsafe.Pointer(t)))) }
func releaseTurn(t *cturn) { C.zc_release(C.uintptr_t(uintptr(unsafe.Pointer(t)))) }
func dropPending(t *cturn) { C.zc_drop_pending((*C.struct_zc_turn)(t)) }

// mbufs is a Go view of a C array of n mbuf pointers.
func mbufs(p unsafe.Pointer, n int) []*mbuf.Mbuf { return unsafe.Slice((**mbuf.Mbuf)(p), n) }

// addTx makes tx queue i (port index i) with room for cap packets and
// returns a Go view of its array, for Inject.
func (t *cturn) addTx(mem *cmem, i int, port, queue uint16, cap int) []*mbuf.Mbuf {
	arr := mem.alloc(cap, 8)
	q := &t.tx[i]
	q.arr = C.uintptr_t(uintptr(arr))
	q.port, q.queue, q.cap = C.uint16_t(port), C.uint16_t(queue), C.uint16_t(cap)
	t.ntx = C.uint16_t(i + 1)
	return mbufs(arr, cap)
}

// addRing makes ring output r, filled by this lcore, of cap packets.
func (t *cturn) addRing(mem *cmem, r int, ring unsafe.Pointer, cap int) {
	q := &t.rq[r]
	q.arr = C.uintptr_t(uintptr(mem.alloc(cap, 8)))
	q.ring = C.uintptr_t(uintptr(ring))
	q.cap = C.uint16_t(cap)
}

func (t *cturn) setNRings(n int) { t.nrq = C.uint16_t(n) }

// addSrc adds a source polling port (id, queue), whose index in
// Config.Ports is in, or ring if not nil. It returns the source and Go
// views of its packet and verdict arrays.
func (t *cturn) addSrc(mem *cmem, in int, id, queue uint16, ring unsafe.Pointer) (*csrc, []*mbuf.Mbuf, []int16) {
	s := (*csrc)(&t.src[t.nsrc])
	t.nsrc++
	burst := int(t.burst)
	// The verdicts: a whole number of 8-byte words (zc_dispatch reads
	// them so), and only the first burst in use.
	rx, v := mem.alloc(burst, 8), mem.alloc((burst+3)&^3, 2)
	s.rx = C.uintptr_t(uintptr(rx))
	s.v = C.uintptr_t(uintptr(v))
	s.ring = C.uintptr_t(uintptr(ring))
	s.port, s.queue, s.in = C.uint16_t(id), C.uint16_t(queue), C.int16_t(in)
	s.active = 1
	return s, mbufs(rx, burst), unsafe.Slice((*int16)(v), burst)
}

// setDrop gives the turn its drop array, room for every source's burst.
func (t *cturn) setDrop(mem *cmem) {
	t.drop = C.uintptr_t(uintptr(mem.alloc(max(int(t.nsrc), 1)*int(t.burst), 8)))
}

func (t *cturn) setPortIndex(id uint16, i int) { t.portidx[id] = C.int16_t(i) }

// portIndex is the index in Config.Ports of port id, or -1 (as zc_pc).
func (t *cturn) portIndex(id uint16) int {
	if int(id) < len(t.portidx) {
		return int(t.portidx[id])
	}
	return -1
}

// countPoll counts a turn of a loop that polls nothing (a generator's).
func (t *cturn) countPoll(busy bool) {
	if busy {
		t.busy++
	} else {
		t.empty++
	}
}

func (s *csrc) received() int     { return int(s.got) }
func (s *csrc) setActive(on bool) { s.active = C.uint8_t(b2i(on)) }
func (s *csrc) setAll(v int16)    { s.vall = C.int16_t(v) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// txLen and txCap are tx queue i's packets and room.
func (t *cturn) txLen(i int) int { return int(t.tx[i].n) }
func (t *cturn) txCap(i int) int { return int(t.tx[i].cap) }
func (t *cturn) txPush(i int, view []*mbuf.Mbuf, m *mbuf.Mbuf) bool {
	q := &t.tx[i]
	if q.n >= q.cap {
		return false
	}
	view[q.n] = m
	q.n++
	return true
}

// pending is how many packets wait: in tx queues, rings, bursts without
// applied verdicts, and drops.
func (t *cturn) pending() int {
	n := int(t.ndrop)
	for i := 0; i < int(t.ntx); i++ {
		n += int(t.tx[i].n)
	}
	for i := 0; i < int(t.nrq); i++ {
		n += int(t.rq[i].n)
	}
	for i := 0; i < int(t.nsrc); i++ {
		n += int(t.src[i].got)
	}
	return n
}

// read copies the turn's counters into l (whose Ports has one entry per
// port).
func (t *cturn) read(l *LcoreCounters) {
	for i := range l.Ports {
		c := &t.pc[i]
		l.Ports[i] = PortCounters{
			RxPackets: uint64(c.rx_pkts), RxBytes: uint64(c.rx_bytes),
			TxPackets: uint64(c.tx_pkts), TxBytes: uint64(c.tx_bytes),
			Forwarded: uint64(c.fwd), Dropped: uint64(c.dropped), Kept: uint64(c.kept),
		}
	}
	for i := range l.Drops {
		l.Drops[i] = uint64(t.drops[i])
	}
	l.BusyPolls, l.EmptyPolls = uint64(t.busy), uint64(t.empty)
	l.RingIn, l.RingOut = uint64(t.ring_in), uint64(t.ring_out)
}

// countDrops counts pkts, about to be freed by Go, as dropped for reason.
func (t *cturn) countDrops(pkts []*mbuf.Mbuf, reason DropReason) {
	for _, m := range pkts {
		t.drops[reason]++
		p := &t.stray
		if i := t.portIndex(m.Port()); i >= 0 {
			p = &t.pc[i]
		}
		p.dropped++
	}
}

// The Go and C values must agree: a difference is a constant index out
// of range, which does not compile.
var (
	_ = [1]int{}[int(C.ZC_NREASONS)-int(NumDropReasons)]
	_ = [1]int{}[int(C.ZC_UNHANDLED)-int(DropUnhandled)]
	_ = [1]int{}[int(C.ZC_TXFULL)-int(DropTxFull)]
	_ = [1]int{}[int(C.ZC_FILTERED)-int(DropFiltered)]
	_ = [1]int{}[int(C.ZC_NOROUTE)-int(DropNoRoute)]
	_ = [1]int{}[int(C.ZC_VRING)-int(vRing)]
	_ = [1]int{}[int(C.ZC_VKEEP)-int(vKeep)]
)
