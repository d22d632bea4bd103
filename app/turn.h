/*
 * The lcore loop's turn, in C.
 *
 * A loop turn is one cgo crossing: zc_turn applies the verdicts the Go
 * handler wrote for the packets of the last turn, flushes every tx queue
 * and ring, frees the drops, and polls every active source, gathering up
 * to `vector` packets per source from rx bursts of `burst` packets. It
 * keeps the loop's counters too, so that Go does no per-packet
 * bookkeeping.
 *
 * Back-pressure: a loop that fills rings (a pipeline's rx stage) polls
 * its rx queues only once everything it gave the rings is in them. While
 * a ring is full the packets wait in the NIC's queue, which drops and
 * counts them (imissed) if it overflows, as hardware does; the loop
 * never drops what it already received.
 *
 * Everything here lives in C memory (calloc), owned by the Go Ctx that
 * made it; Go reads and writes the fields directly between crossings.
 * The Go constants of the verdicts are taken from the values below, and
 * those of the drop reasons (reasons.go) are checked against them when
 * the package compiles.
 */
#ifndef ZC_TURN_H
#define ZC_TURN_H

#include <stdint.h>
#include <rte_config.h>
#include <rte_cycles.h>
#include <rte_spinlock.h>

struct rte_mbuf;
struct rte_ring;

/* Limits of one loop: ports it sends to, rings of a run, sources. */
enum {
	ZC_MAX_TX = 32,
	ZC_MAX_RINGS = 32,
	ZC_MAX_SRC = 64,
};

/*
 * Verdicts, one int16_t per packet, written by the Go handler:
 *   ZC_V_NONE           none: dropped, counted as ZC_DROP_UNHANDLED;
 *   1..ZC_MAX_TX        send on port index v-1;
 *   ZC_V_RING + r       hand to ring r;
 *   ZC_V_KEEP           the handler keeps the packet;
 *   negative            drop, counted under reason -v-1 (past the
 *                       last reason: ZC_DROP_UNHANDLED).
 */
enum {
	ZC_V_NONE = 0,
	ZC_V_RING = 0x100,
	ZC_V_KEEP = 0x7fff,
};

/* Drop reasons (app.DropReason). */
enum zc_drop_reason {
	ZC_DROP_UNHANDLED, /* the handler gave the packet no verdict */
	ZC_DROP_TXFULL,    /* the output queue stayed full */
	ZC_DROP_FILTERED,  /* the handler dropped it on purpose */
	ZC_DROP_MALFORMED, /* the packet did not parse */
	ZC_DROP_TTL,       /* TTL or hop limit ran out */
	ZC_DROP_NOROUTE,   /* no output for it */
	ZC_DROP_RULE,      /* a flow rule's drop action (software rules) */
	ZC_DROP_WRITE,     /* received after its capture's output failed */
	ZC_DROP_USER,      /* the first of the handler's own reasons */
	ZC_NREASONS = ZC_DROP_USER + 16,
};

/* One port's counters, kept by one loop. Bytes only with count_bytes. */
struct zc_portc {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes, fwd, dropped, kept;
};

/*
 * Loop stalls: the time between the starts of a loop's consecutive
 * turns, in TSC cycles, one rte_rdtsc() a turn. A turn is normally a
 * few microseconds (one crossing and the handler's calls); a long gap
 * is time the loop was not running: the Go runtime took its thread, or
 * the kernel did. The histogram is log-linear (HDR-style): ZC_STALL_SUB
 * buckets per power of two, so a bucket is at most 1/ZC_STALL_SUB of
 * its values wide; values of 2^ZC_STALL_OCTAVES cycles or more go to the
 * last bucket. The limits are set by Go (16 us, 64 us, 256 us, 1 ms in
 * cycles), and over[i] counts the gaps longer than lim[i].
 */
enum {
	ZC_STALL_SUB_BITS = 3,
	ZC_STALL_SUB = 1 << ZC_STALL_SUB_BITS,
	ZC_STALL_OCTAVES = 40,
	ZC_STALL_NB = ZC_STALL_SUB * (ZC_STALL_OCTAVES - ZC_STALL_SUB_BITS + 1),
	ZC_STALL_NLIM = 4,
};

struct zc_stalls {
	uint64_t last;  /* TSC at the start of the last timed turn; 0: the
	                   next turn starts the timing (no gap) */
	uint64_t gaps;  /* gaps measured */
	uint64_t sum;   /* their total, in cycles */
	uint64_t max;   /* the longest */
	uint64_t lim[ZC_STALL_NLIM];
	uint64_t over[ZC_STALL_NLIM];
	uint64_t hist[ZC_STALL_NB];
};

/* The histogram bucket of a gap of v cycles. */
static inline unsigned zc_stall_bucket(uint64_t v)
{
	if (v < ZC_STALL_SUB)
		return (unsigned)v;
	unsigned e = 63 - (unsigned)__builtin_clzll(v); /* >= ZC_STALL_SUB_BITS */
	if (e >= ZC_STALL_OCTAVES)
		return ZC_STALL_NB - 1;
	return (e - ZC_STALL_SUB_BITS + 1) * ZC_STALL_SUB +
	       (unsigned)((v >> (e - ZC_STALL_SUB_BITS)) & (ZC_STALL_SUB - 1));
}

/* zc_time_turn times the gap since the last turn began, and returns
 * the TSC it read. */
static inline uint64_t zc_time_turn(struct zc_stalls *st)
{
	uint64_t now = rte_rdtsc();
	uint64_t last = st->last;
	st->last = now;
	if (last == 0 || now <= last)
		return now;
	uint64_t g = now - last;
	st->gaps++;
	st->sum += g;
	st->hist[zc_stall_bucket(g)]++;
	if (g > st->max)
		st->max = g;
	/* The limits rise: most gaps pass the first test and no other. */
	for (int i = 0; i < ZC_STALL_NLIM && g > st->lim[i]; i++)
		st->over[i]++;
	return now;
}

/*
 * In-loop latency (Config.Latency): per received vector, the TSC read
 * when its rx (or ring) poll returned, and again when its verdicts are
 * applied, which hands it to tx_burst (or to the tx queue flushed right
 * after, in the same turn). Each vector's cycles go into the same
 * log-linear histogram as the stalls, weighted by its packets.
 */
struct zc_lat {
	uint64_t pkts; /* packets timed */
	uint64_t sum;  /* their cycles, each packet counted */
	uint64_t max;  /* the longest vector's cycles */
	uint64_t hist[ZC_STALL_NB];
};

/* zc_lat_add records n packets that spent v cycles in the loop. */
static inline void zc_lat_add(struct zc_lat *l, uint64_t v, uint64_t n)
{
	l->pkts += n;
	l->sum += v * n;
	l->hist[zc_stall_bucket(v)] += n;
	if (v > l->max)
		l->max = v;
}

/* zc_floor pins the calling thread to cpu and times passes of a loop
 * that spins spin cycles a pass, for cycles TSC cycles (app.MeasureFloor);
 * it returns 0 or an errno. */
int zc_floor(struct zc_stalls *st, int cpu, uint64_t cycles, uint64_t spin);

/* A loop's counters. */
struct zc_counters {
	struct zc_portc pc[ZC_MAX_TX]; /* by port index */
	struct zc_portc stray;         /* ring packets from no known port */
	uint64_t drops[ZC_NREASONS];
	uint64_t busy, empty;          /* polls that found packets, or none */
	uint64_t ring_in, ring_out;    /* packets from and to rings */
	uint64_t held;                 /* turns the rx queues were not polled:
	                                  a ring this loop fills was full */
	struct zc_stalls st;           /* gaps between turns */
	struct zc_lat lat;             /* rx to tx, with latency on */
};

/*
 * A port's burst lock (port.Port.BurstLock): held around every rx and tx
 * burst on a net_memif port, whose driver unmaps the rings on the EAL
 * interrupt thread when the peer goes (port/memif.h); NULL, and no cost
 * but a predicted branch, for every other driver.
 */

/* A tx queue or a ring this loop fills: arr holds n packets of cap. */
struct zc_out {
	struct rte_mbuf **arr;
	struct rte_ring *ring; /* a ring output; NULL if not filled here */
	rte_spinlock_t *lock;  /* the port's burst lock, or NULL */
	uint16_t port, queue;
	uint16_t n, cap;
};

/*
 * A port's software flow rules, run on each vector of its rx queues
 * before the handler sees it (package flow's zf_classify): it moves the
 * packets a rule drops to drop[*ndrop...], compacts the others at the
 * front of pkts and returns how many are left.
 */
typedef uint16_t (*zc_classify_fn)(void *rules, struct rte_mbuf **pkts, uint16_t n,
				   struct rte_mbuf **drop, uint16_t *ndrop);

/* What a loop polls: an rx queue, or a ring. */
struct zc_src {
	struct rte_mbuf **rx;  /* [vector]: the packets of the last turn */
	int16_t *v;            /* their verdicts, written by Go, a whole
	                          number of 8-byte words long */
	struct rte_ring *ring; /* the ring to dequeue from, or NULL */
	rte_spinlock_t *lock;  /* the port's burst lock, or NULL */
	uint16_t port, queue;
	int16_t in;            /* the port's index; -1 for a ring */
	uint16_t got;          /* packets in rx waiting for their verdicts */
	int16_t vall;          /* verdict of the packets whose own is 0 */
	uint8_t active;        /* poll it */
	zc_classify_fn classify; /* the port's software rules, or NULL */
	void *rules;             /* classify's first argument */
	uint64_t tsc;            /* with latency on: when got arrived */
};

/* One loop's state. */
struct zc_turn {
	struct zc_out tx[ZC_MAX_TX];
	struct zc_out rq[ZC_MAX_RINGS];
	struct zc_src src[ZC_MAX_SRC];
	uint16_t ntx, nrq, nsrc;
	uint16_t burst;       /* nb_pkts of each rx (or dequeue) call */
	uint16_t vector;      /* most packets a source gives in one turn */
	uint8_t count_bytes;  /* count bytes per packet in software */
	uint8_t latency;      /* time each vector from rx to tx (zc_lat) */
	struct rte_mbuf **drop; /* [nsrc * vector] */
	uint16_t ndrop;
	int16_t portidx[RTE_MAX_ETHPORTS]; /* port id -> index, or -1 */
	struct zc_counters c;
};

/* zc_turn runs one turn of the loop whose state is at t. */
void zc_turn(uintptr_t t);

/* zc_tsc_hz is the TSC's frequency (rte_get_tsc_hz). */
uint64_t zc_tsc_hz(void);

/*
 * zc_drop_pending frees what is still queued for tx or rings at the end
 * of a run, counted as tx_full drops of its input port.
 */
void zc_drop_pending(struct zc_turn *t);

/*
 * zc_release frees every mbuf the turn holds, uncounted: the end of a
 * loop that failed (a handler panicked with packets in hand).
 */
void zc_release(struct zc_turn *t);

#endif
