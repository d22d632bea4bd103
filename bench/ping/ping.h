/*
 * The pinger's loop (package ping): open-loop sending of 64-byte frames
 * carrying a sequence number and the TSC, and receiving them back, on
 * one lcore, with a log-linear latency histogram in C memory.
 */
#ifndef ZP_PING_H
#define ZP_PING_H

#include <stdint.h>

struct rte_mempool;

/* The frame: Ethernet header, then at ZP_OFF_MAGIC the magic, the
 * sequence number and the TSC at sending, little-endian. */
enum {
	ZP_FRAME_LEN = 64,
	ZP_ETHERTYPE = 0x88b5, /* IEEE 802 local experimental */
	ZP_OFF_MAGIC = 14,
	ZP_OFF_SEQ = 18,
	ZP_OFF_TSC = 26,
	ZP_MAGIC = 0x5a435047, /* "ZCPG" */
};

/*
 * The latency histogram: log-linear (HDR-style), ZP_SUB buckets per
 * power of two, so a bucket is at most 1/ZP_SUB of its values wide;
 * values of 2^ZP_OCTAVES cycles or more go to the last bucket.
 */
enum {
	ZP_SUB_BITS = 5,
	ZP_SUB = 1 << ZP_SUB_BITS,
	ZP_OCTAVES = 40,
	ZP_NB = ZP_SUB * (ZP_OCTAVES - ZP_SUB_BITS + 1),
};

static inline unsigned zp_bucket(uint64_t v)
{
	if (v < ZP_SUB)
		return (unsigned)v;
	unsigned e = 63 - (unsigned)__builtin_clzll(v);
	if (e >= ZP_OCTAVES)
		return ZP_NB - 1;
	return (e - ZP_SUB_BITS + 1) * ZP_SUB + (unsigned)((v >> (e - ZP_SUB_BITS)) & (ZP_SUB - 1));
}

/* What one run does. */
struct zp_cfg {
	uint16_t tx_port, rx_port; /* send on tx_port queue 0, receive on rx_port's */
	uint16_t burst;            /* most frames a tx call */
	uint8_t join;              /* no pinging: forward rx_port <-> tx_port (a bare join) */
	struct rte_mempool *pool;
	double rate;               /* frames a second; 0: as fast as the port takes them */
	uint64_t warm;             /* cycles at the start whose frames are not in the histogram */
	uint64_t cycles;           /* cycles of sending */
	uint64_t drain;            /* cycles of receiving after the last send */
	uint8_t src[6], dst[6];
	volatile int *stop;        /* set by Go (SIGINT): stop early */
};

/* What it counted. */
struct zp_res {
	uint64_t offered;   /* frames due by the schedule */
	uint64_t sent;      /* frames the tx port took */
	uint64_t tx_full;   /* frames it did not take (freed, never sent) */
	uint64_t nombuf;    /* frames the pool could not give */
	uint64_t received;  /* our frames received back */
	uint64_t reordered; /* received with a sequence below one already seen */
	uint64_t foreign;   /* frames received that are not ours */
	uint64_t timed;     /* frames in the histogram */
	uint64_t sum, max;  /* their latency, cycles */
	uint64_t lag_max;   /* most cycles a send was behind its schedule */
	uint64_t send_cycles; /* the sending window as it ran */
	uint64_t forwarded; /* join mode: frames moved */
	uint64_t hist[ZP_NB];
};

/* zp_run runs the loop on the calling lcore; 0 or a negative errno. */
int zp_run(const struct zp_cfg *c, struct zp_res *r);

/* zp_fill writes frame seq, stamped tsc, into b (ZP_FRAME_LEN bytes). */
void zp_fill(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint64_t seq, uint64_t tsc);

/* zp_parse reads a frame: 1 and its seq and tsc if it is ours, else 0. */
int zp_parse(const uint8_t *b, uint32_t len, uint64_t *seq, uint64_t *tsc);

#endif
