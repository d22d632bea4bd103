/* The pinger's loop: see ping.h. */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "ping.h"

static inline void put64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t get64(const uint8_t *b)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

void zp_fill(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint64_t seq, uint64_t tsc)
{
	memset(b, 0, ZP_FRAME_LEN);
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	b[12] = ZP_ETHERTYPE >> 8;
	b[13] = ZP_ETHERTYPE & 0xff;
	b[ZP_OFF_MAGIC] = (uint8_t)(ZP_MAGIC >> 24);
	b[ZP_OFF_MAGIC + 1] = (uint8_t)(ZP_MAGIC >> 16);
	b[ZP_OFF_MAGIC + 2] = (uint8_t)(ZP_MAGIC >> 8);
	b[ZP_OFF_MAGIC + 3] = (uint8_t)ZP_MAGIC;
	put64(b + ZP_OFF_SEQ, seq);
	put64(b + ZP_OFF_TSC, tsc);
}

int zp_parse(const uint8_t *b, uint32_t len, uint64_t *seq, uint64_t *tsc)
{
	if (len < ZP_OFF_TSC + 8 || b[12] != (ZP_ETHERTYPE >> 8) || b[13] != (ZP_ETHERTYPE & 0xff))
		return 0;
	uint32_t m = (uint32_t)b[ZP_OFF_MAGIC] << 24 | (uint32_t)b[ZP_OFF_MAGIC + 1] << 16 |
		     (uint32_t)b[ZP_OFF_MAGIC + 2] << 8 | b[ZP_OFF_MAGIC + 3];
	if (m != ZP_MAGIC)
		return 0;
	*seq = get64(b + ZP_OFF_SEQ);
	*tsc = get64(b + ZP_OFF_TSC);
	return 1;
}

/* receive takes what rx_port has, times our frames and frees them;
 * frames on the tx port (nothing should come back there) are freed. */
static void receive(const struct zp_cfg *c, struct zp_res *r, uint64_t t_warm, uint64_t *next)
{
	struct rte_mbuf *pk[64];
	uint16_t n = rte_eth_rx_burst(c->rx_port, 0, pk, 64);
	if (n > 0) {
		uint64_t now = rte_rdtsc();
		for (uint16_t i = 0; i < n; i++) {
			uint64_t seq, tsc;
			struct rte_mbuf *m = pk[i];
			if (!zp_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, &seq, &tsc)) {
				r->foreign++;
				continue;
			}
			r->received++;
			if (seq < *next)
				r->reordered++;
			else
				*next = seq + 1;
			if (tsc < t_warm || now < tsc)
				continue;
			uint64_t v = now - tsc;
			r->timed++;
			r->sum += v;
			r->hist[zp_bucket(v)]++;
			if (v > r->max)
				r->max = v;
		}
		rte_pktmbuf_free_bulk(pk, n);
	}
	if (c->tx_port != c->rx_port) {
		n = rte_eth_rx_burst(c->tx_port, 0, pk, 64);
		if (n > 0) {
			r->foreign += n;
			rte_pktmbuf_free_bulk(pk, n);
		}
	}
}

/* join forwards between the two ports, burst by burst, until stopped or
 * the time is up: the baseline's bare joint. */
static int join(const struct zp_cfg *c, struct zp_res *r)
{
	struct rte_mbuf *pk[64];
	uint16_t ports[2] = {c->tx_port, c->rx_port};
	uint64_t end = rte_rdtsc() + c->cycles;
	while (!*c->stop && (c->cycles == 0 || rte_rdtsc() < end)) {
		for (int p = 0; p < 2; p++) {
			uint16_t n = rte_eth_rx_burst(ports[p], 0, pk, c->burst);
			if (n == 0)
				continue;
			uint16_t s = rte_eth_tx_burst(ports[1 - p], 0, pk, n);
			r->forwarded += s;
			if (s < n) {
				r->tx_full += n - s;
				rte_pktmbuf_free_bulk(pk + s, n - s);
			}
		}
	}
	return 0;
}

int zp_run(const struct zp_cfg *c, struct zp_res *r)
{
	if (c->burst == 0 || c->burst > 64 || c->pool == NULL)
		return -EINVAL;
	if (c->join)
		return join(c, r);
	struct rte_mbuf *pk[64];
	double hz = (double)rte_get_tsc_hz();
	double gap = c->rate > 0 ? hz / c->rate : 0; /* cycles between frames */
	uint64_t t0 = rte_rdtsc();
	uint64_t t_warm = t0 + c->warm, t_end = t0 + c->cycles;
	uint64_t seq = 0, next = 0;
	double due_at = (double)t0; /* when frame seq is due */
	uint64_t now = t0;
	while (!*c->stop && (now = rte_rdtsc()) < t_end) {
		uint16_t due = c->burst;
		if (gap > 0) {
			double late = (double)now - due_at;
			if (late < 0) {
				receive(c, r, t_warm, &next);
				continue;
			}
			uint64_t k = (uint64_t)(late / gap) + 1;
			due = k < c->burst ? (uint16_t)k : c->burst;
			if ((uint64_t)late > r->lag_max)
				r->lag_max = (uint64_t)late;
		}
		if (rte_pktmbuf_alloc_bulk(c->pool, pk, due) != 0) {
			r->nombuf += due;
			r->offered += due;
			seq += due;
			due_at += gap * due;
			receive(c, r, t_warm, &next);
			continue;
		}
		uint64_t tsc = rte_rdtsc();
		for (uint16_t i = 0; i < due; i++) {
			struct rte_mbuf *m = pk[i];
			m->data_len = m->pkt_len = ZP_FRAME_LEN;
			zp_fill(rte_pktmbuf_mtod(m, uint8_t *), c->src, c->dst, seq + i, tsc);
		}
		uint16_t s = rte_eth_tx_burst(c->tx_port, 0, pk, due);
		if (s < due) {
			/* Open loop: what the port did not take is not retried,
			 * its sequence numbers are skipped. */
			r->tx_full += due - s;
			rte_pktmbuf_free_bulk(pk + s, due - s);
		}
		r->offered += due;
		r->sent += s;
		seq += due;
		due_at += gap * due;
		receive(c, r, t_warm, &next);
	}
	r->send_cycles = now - t0;
	uint64_t t_drain = rte_rdtsc() + c->drain;
	while (!*c->stop && rte_rdtsc() < t_drain)
		receive(c, r, t_warm, &next);
	return 0;
}
