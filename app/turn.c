/*
 * The lcore loop's turn: see turn.h. The steps, in the order of a turn:
 * apply verdicts, flush tx, flush rings, free drops, poll.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "turn.h"

/* The counters of m's input port (or of strays). */
static inline struct zc_portc *port_of(struct zc_turn *t, const struct rte_mbuf *m)
{
	if (m->port < RTE_MAX_ETHPORTS && t->portidx[m->port] >= 0)
		return &t->c.pc[t->portidx[m->port]];
	return &t->c.stray;
}

static inline void drop(struct zc_turn *t, struct zc_portc *pc, struct rte_mbuf *m, int reason)
{
	t->drop[t->ndrop++] = m;
	t->c.drops[reason]++;
	pc->dropped++;
}

static inline void push(struct zc_out *q, struct rte_mbuf *m)
{
	q->arr[q->n++] = m;
}

static inline uint64_t sum_bytes(struct rte_mbuf *const *a, uint16_t n)
{
	uint64_t b = 0;
	for (uint16_t i = 0; i < n; i++)
		b += a[i]->pkt_len;
	return b;
}

/* Has any packet of the first n a verdict of its own? Verdicts past n
 * are 0 and the array is a whole number of words: test 4 at a time. */
static inline int any_own_verdict(const int16_t *v, uint16_t n)
{
	uint64_t own = 0;
	for (uint16_t i = 0; i < n; i += 4) {
		uint64_t w;
		memcpy(&w, v + i, sizeof(w));
		own |= w;
	}
	return own != 0;
}

/* Bursts under the port's burst lock, if it has one (turn.h). */
static inline uint16_t rx_burst(const struct zc_src *s, struct rte_mbuf **a, uint16_t n)
{
	if (likely(s->lock == NULL))
		return rte_eth_rx_burst(s->port, s->queue, a, n);
	rte_spinlock_lock(s->lock);
	n = rte_eth_rx_burst(s->port, s->queue, a, n);
	rte_spinlock_unlock(s->lock);
	return n;
}

static inline uint16_t tx_burst(const struct zc_out *q, struct rte_mbuf **a, uint16_t n)
{
	if (likely(q->lock == NULL))
		return rte_eth_tx_burst(q->port, q->queue, a, n);
	rte_spinlock_lock(q->lock);
	n = rte_eth_tx_burst(q->port, q->queue, a, n);
	rte_spinlock_unlock(q->lock);
	return n;
}

/* tx sends n packets of a on tx queue q (port index i) and counts what
 * the port took; it returns that number. */
static inline uint16_t tx(struct zc_turn *t, uint16_t i, struct zc_out *q, struct rte_mbuf **a, uint16_t n)
{
	/* Count bytes before the port may free the mbufs. */
	uint64_t bytes = t->count_bytes ? sum_bytes(a, n) : 0;
	uint16_t s = tx_burst(q, a, n);
	if (t->count_bytes && s < n)
		bytes -= sum_bytes(a + s, n - s);
	t->c.pc[i].tx_pkts += s;
	t->c.pc[i].tx_bytes += bytes;
	return s;
}

/* apply_one carries out verdict x for packet m, received on p's port. */
static inline void apply_one(struct zc_turn *t, struct zc_portc *p, struct rte_mbuf *m, int x)
{
	if (x > 0 && x < ZC_V_RING) {
		if (x > t->ntx) {
			drop(t, p, m, ZC_DROP_NOROUTE);
		} else if (t->tx[x - 1].n < t->tx[x - 1].cap) {
			push(&t->tx[x - 1], m);
			p->fwd++;
		} else {
			drop(t, p, m, ZC_DROP_TXFULL);
		}
	} else if (x >= ZC_V_RING && x < ZC_V_KEEP) {
		struct zc_out *q = x - ZC_V_RING < t->nrq ? &t->rq[x - ZC_V_RING] : NULL;
		if (q == NULL || q->ring == NULL)
			drop(t, p, m, ZC_DROP_NOROUTE);
		else if (q->n < q->cap)
			push(q, m); /* its fate is counted by the ring's consumer */
		else
			drop(t, p, m, ZC_DROP_TXFULL);
	} else if (x == ZC_V_KEEP) {
		p->kept++;
	} else if (x == ZC_V_NONE) {
		drop(t, p, m, ZC_DROP_UNHANDLED);
	} else {
		int r = -x - 1;
		drop(t, p, m, r < ZC_NREASONS ? r : ZC_DROP_UNHANDLED);
	}
}

/* Step 1: apply the verdicts of s's packets. */
static void apply_verdicts(struct zc_turn *t, struct zc_src *s)
{
	struct rte_mbuf **pk = s->rx;
	int16_t *v = s->v;
	uint16_t n = s->got;
	int16_t vall = s->vall;
	struct zc_portc *pc = s->in >= 0 ? &t->c.pc[s->in] : NULL;

	s->got = 0;
	s->vall = ZC_V_NONE;

	/* Fast path: the whole vector to one port (io, macswap without
	 * drops). With nothing queued before it for that port, it is sent
	 * straight from the rx array, as testpmd does; what the port does not
	 * take is queued, in order, for flush_tx to retry. */
	if (pc != NULL && vall > 0 && vall <= t->ntx && !any_own_verdict(v, n)) {
		struct zc_out *q = &t->tx[vall - 1];
		if (q->cap - q->n >= n) {
			uint16_t sent = 0;
			if (q->n == 0)
				sent = tx(t, vall - 1, q, pk, n);
			memcpy(q->arr + q->n, pk + sent, (n - sent) * sizeof(*pk));
			q->n += n - sent;
			pc->fwd += n;
			return;
		}
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pk[i];
		int x = v[i] ? v[i] : vall;
		v[i] = ZC_V_NONE;
		apply_one(t, pc != NULL ? pc : port_of(t, m), m, x);
	}
}

/* Step 2: transmit what every tx queue holds; what the port does not
 * take stays queued, in order, for the next turn. */
static void flush_tx(struct zc_turn *t)
{
	for (uint16_t i = 0; i < t->ntx; i++) {
		struct zc_out *q = &t->tx[i];
		if (q->n == 0)
			continue;
		uint16_t s = tx(t, i, q, q->arr, q->n);
		if (s > 0 && s < q->n)
			memmove(q->arr, q->arr + s, (q->n - s) * sizeof(*q->arr));
		q->n -= s;
	}
}

/* Step 3: hand on what every ring output holds. */
static void flush_rings(struct zc_turn *t)
{
	for (uint16_t i = 0; i < t->nrq; i++) {
		struct zc_out *q = &t->rq[i];
		if (q->n == 0)
			continue;
		unsigned s = rte_ring_enqueue_burst(q->ring, (void **)q->arr, q->n, NULL);
		if (s > 0 && s < q->n)
			memmove(q->arr, q->arr + s, (q->n - s) * sizeof(*q->arr));
		q->n -= s;
		t->c.ring_out += s;
	}
}

/* Step 4: free the drops. */
static void free_drops(struct zc_turn *t)
{
	if (t->ndrop > 0) {
		rte_pktmbuf_free_bulk(t->drop, t->ndrop);
		t->ndrop = 0;
	}
}

/* Step 5: gather up to vector packets from source s, in bursts of
 * burst, stopping at the first short one. */
static uint16_t poll(struct zc_turn *t, struct zc_src *s)
{
	uint16_t got = 0;
	if (s->ring != NULL) {
		do {
			unsigned want = RTE_MIN(t->burst, t->vector - got);
			unsigned n = rte_ring_dequeue_burst(s->ring, (void **)s->rx + got, want, NULL);
			got += n;
			if (n < want)
				break;
		} while (got < t->vector);
		t->c.ring_in += got;
		if (t->latency && got)
			s->tsc = rte_rdtsc();
		return got;
	}
	do {
		uint16_t want = RTE_MIN(t->burst, t->vector - got);
		uint16_t n = rx_burst(s, s->rx + got, want);
		got += n;
		if (n < want)
			break;
	} while (got < t->vector);
	/* Latency on: one TSC read per vector (a predictable branch off). */
	if (t->latency && got)
		s->tsc = rte_rdtsc();
	struct zc_portc *pc = &t->c.pc[s->in];
	pc->rx_pkts += got;
	if (t->count_bytes)
		pc->rx_bytes += sum_bytes(s->rx, got);
	/* The port's software flow rules: one predictable branch when it
	 * has none. Their drops are freed with the turn's (step 4 of the
	 * next turn: the drop array has room for every source's vector). */
	if (s->classify != NULL) {
		uint16_t left = s->classify(s->rules, s->rx, got, t->drop, &t->ndrop);
		pc->dropped += got - left;
		t->c.drops[ZC_DROP_RULE] += got - left;
		got = left;
	}
	return got;
}

/* Is any ring output still holding packets the ring did not take? */
static inline int rings_full(const struct zc_turn *t)
{
	for (uint16_t i = 0; i < t->nrq; i++)
		if (t->rq[i].n)
			return 1;
	return 0;
}

uint64_t zc_tsc_hz(void) { return rte_get_tsc_hz(); }

void zc_turn(uintptr_t tp)
{
	struct zc_turn *t = (struct zc_turn *)tp;
	zc_time_turn(&t->c.st);
	for (uint16_t i = 0; i < t->nsrc; i++) {
		struct zc_src *s = &t->src[i];
		if (!s->got)
			continue;
		/* The vector's time in the loop ends as its verdicts send it. */
		if (t->latency)
			zc_lat_add(&t->c.lat, rte_rdtsc() - s->tsc, s->got);
		apply_verdicts(t, s);
	}
	flush_tx(t);
	flush_rings(t);
	free_drops(t);
	/* Back-pressure (see turn.h): with a ring output still full, poll
	 * only rings, not rx queues. The ring outputs hold room for every
	 * source's vector (Go sizes them so), so a loop that polls only when
	 * they are empty never has to drop at them. */
	int hold = rings_full(t);
	if (hold)
		t->c.held++;
	for (uint16_t i = 0; i < t->nsrc; i++) {
		struct zc_src *s = &t->src[i];
		if (!s->active)
			continue;
		if (hold && s->ring == NULL) {
			/* Not polled this turn: its rules still hear that the
			 * loop holds no rule set (a quiescent state), so that a
			 * swap does not wait for the ring to drain. */
			if (s->classify != NULL)
				s->classify(s->rules, s->rx, 0, t->drop, &t->ndrop);
			continue;
		}
		s->got = poll(t, s);
		if (s->got)
			t->c.busy++;
		else
			t->c.empty++;
	}
}

void zc_drop_pending(struct zc_turn *t)
{
	for (uint16_t i = 0; i < t->ntx; i++) {
		struct zc_out *q = &t->tx[i];
		for (uint16_t j = 0; j < q->n; j++) {
			struct zc_portc *p = port_of(t, q->arr[j]);
			p->fwd--;
			p->dropped++;
			t->c.drops[ZC_DROP_TXFULL]++;
		}
		if (q->n)
			rte_pktmbuf_free_bulk(q->arr, q->n);
		q->n = 0;
	}
	for (uint16_t i = 0; i < t->nrq; i++) {
		struct zc_out *q = &t->rq[i];
		for (uint16_t j = 0; j < q->n; j++) {
			port_of(t, q->arr[j])->dropped++;
			t->c.drops[ZC_DROP_TXFULL]++;
		}
		if (q->n)
			rte_pktmbuf_free_bulk(q->arr, q->n);
		q->n = 0;
	}
}

static void release(struct rte_mbuf **a, uint16_t *n)
{
	if (*n)
		rte_pktmbuf_free_bulk(a, *n);
	*n = 0;
}

void zc_release(struct zc_turn *t)
{
	for (uint16_t i = 0; i < t->nsrc; i++)
		release(t->src[i].rx, &t->src[i].got);
	for (uint16_t i = 0; i < t->ntx; i++)
		release(t->tx[i].arr, &t->tx[i].n);
	for (uint16_t i = 0; i < t->nrq; i++)
		release(t->rq[i].arr, &t->rq[i].n);
	release(t->drop, &t->ndrop);
}
