/* zcnic's telemetry commands; see telemetry.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "telemetry.h"

static const char *const builtin_names[ZC_DROP_USER] = {
	"unhandled", "tx_full", "filtered", "malformed", "ttl", "no_route", "rule", "write_failed",
};

/* The names of the handlers' own reasons (app.NewDropReason); "" for
 * one not named. Guarded by reg.mu. */
static char user_names[ZC_NREASONS - ZC_DROP_USER][ZC_TEL_NAME];

static struct {
	pthread_mutex_t mu;
	uint64_t token;     /* the run filling or published; 0: none */
	int published;
	uint16_t nports;
	uint8_t loop_bytes; /* the loops count bytes (count_bytes) */
	char pool[ZC_TEL_NAME];
	char name[ZC_MAX_TX][ZC_TEL_NAME];
	uint16_t id[ZC_MAX_TX];
	unsigned nlcores;
	unsigned lcore[ZC_TEL_MAX_LCORES];
	const struct zc_counters *c[ZC_TEL_MAX_LCORES];
} reg = { .mu = PTHREAD_MUTEX_INITIALIZER };

static uint64_t next_token;

static inline uint64_t ld(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }

uint64_t zc_tel_begin(uint16_t nports, const char *pool, int loop_bytes)
{
	pthread_mutex_lock(&reg.mu);
	uint64_t t = ++next_token;
	reg.token = t;
	reg.published = 0;
	reg.nports = RTE_MIN(nports, (uint16_t)ZC_MAX_TX);
	reg.loop_bytes = loop_bytes != 0;
	snprintf(reg.pool, sizeof(reg.pool), "%s", pool);
	reg.nlcores = 0;
	pthread_mutex_unlock(&reg.mu);
	return t;
}

void zc_tel_port(uint64_t token, uint16_t i, const char *name, uint16_t id)
{
	pthread_mutex_lock(&reg.mu);
	if (reg.token == token && i < reg.nports) {
		snprintf(reg.name[i], sizeof(reg.name[i]), "%s", name);
		reg.id[i] = id;
	}
	pthread_mutex_unlock(&reg.mu);
}

int zc_tel_lcore(uint64_t token, unsigned lcore, const struct zc_counters *c)
{
	int r = -1;
	pthread_mutex_lock(&reg.mu);
	if (reg.token == token && reg.nlcores < ZC_TEL_MAX_LCORES) {
		reg.lcore[reg.nlcores] = lcore;
		reg.c[reg.nlcores++] = c;
		r = 0;
	}
	pthread_mutex_unlock(&reg.mu);
	return r;
}

void zc_tel_publish(uint64_t token)
{
	pthread_mutex_lock(&reg.mu);
	if (reg.token == token)
		reg.published = 1;
	pthread_mutex_unlock(&reg.mu);
}

void zc_tel_clear(uint64_t token)
{
	pthread_mutex_lock(&reg.mu);
	if (reg.token == token) {
		reg.token = 0;
		reg.published = 0;
		reg.nports = 0;
		reg.nlcores = 0;
	}
	pthread_mutex_unlock(&reg.mu);
}

/* A u64 array of n values, one per port or lcore, added to d as key. */
static int add_u64s(struct rte_tel_data *d, const char *key, const uint64_t *v, unsigned n)
{
	struct rte_tel_data *a = rte_tel_data_alloc();
	if (a == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(a, RTE_TEL_U64_VAL);
	for (unsigned i = 0; i < n; i++)
		rte_tel_data_add_array_u64(a, v[i]);
	if (rte_tel_data_add_dict_container(d, key, a, 0) != 0) {
		rte_tel_data_free(a);
		return -ENOSPC;
	}
	return 0;
}

enum { F_RX_PKTS, F_RX_BYTES, F_TX_PKTS, F_TX_BYTES, F_FWD, F_DROPPED, F_KEPT, NFIELDS };
static const char *const port_fields[NFIELDS] = {
	"rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "forwarded", "dropped", "kept",
};

/* /zcnic/ports: the loops' per-port counters, summed over lcores, as
 * arrays indexed by port index (as the summary's rows). */
static int cmd_ports(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	static uint64_t v[NFIELDS][ZC_MAX_TX]; /* under reg.mu */
	int r = 0;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&reg.mu);
	unsigned n = reg.published ? reg.nports : 0;
	rte_tel_data_add_dict_u64(d, "running", reg.published);
	rte_tel_data_add_dict_string(d, "pool", reg.published ? reg.pool : "");
	memset(v, 0, sizeof(v));
	for (unsigned l = 0; l < (reg.published ? reg.nlcores : 0); l++) {
		for (unsigned i = 0; i < n; i++) {
			const struct zc_portc *p = &reg.c[l]->pc[i];
			v[F_RX_PKTS][i] += ld(&p->rx_pkts);
			v[F_RX_BYTES][i] += ld(&p->rx_bytes);
			v[F_TX_PKTS][i] += ld(&p->tx_pkts);
			v[F_TX_BYTES][i] += ld(&p->tx_bytes);
			v[F_FWD][i] += ld(&p->fwd);
			v[F_DROPPED][i] += ld(&p->dropped);
			v[F_KEPT][i] += ld(&p->kept);
		}
	}
	uint64_t ids[ZC_MAX_TX];
	struct rte_tel_data *names = rte_tel_data_alloc();
	if (names == NULL) {
		r = -ENOMEM;
		goto out;
	}
	rte_tel_data_start_array(names, RTE_TEL_STRING_VAL);
	for (unsigned i = 0; i < n; i++) {
		ids[i] = reg.id[i];
		rte_tel_data_add_array_string(names, reg.name[i]);
	}
	if (rte_tel_data_add_dict_container(d, "device", names, 0) != 0) {
		rte_tel_data_free(names);
		r = -ENOSPC;
		goto out;
	}
	if ((r = add_u64s(d, "port_id", ids, n)) != 0)
		goto out;
	/* Bytes only where the loops counted them: zeros would read as
	 * nothing sent (the devices' own bytes are in /ethdev/stats). */
	rte_tel_data_add_dict_u64(d, "loop_bytes", reg.published && reg.loop_bytes);
	for (int f = 0; f < NFIELDS; f++) {
		if ((f == F_RX_BYTES || f == F_TX_BYTES) && !(reg.published && reg.loop_bytes))
			continue;
		if ((r = add_u64s(d, port_fields[f], v[f], n)) != 0)
			goto out;
	}
out:
	pthread_mutex_unlock(&reg.mu);
	return r;
}

/* The upper edge, in ns, of the bucket of the histogram hist holding
 * the share q of its values (as app.Stalls.Quantile), never above the
 * largest value, maxp (the stalls' and the latency's alike). */
static uint64_t hist_quantile_ns(const uint64_t *hist, const uint64_t *maxp, double q, uint64_t hz)
{
	uint64_t total = 0, seen = 0;
	for (int i = 0; i < ZC_STALL_NB; i++)
		total += ld(&hist[i]);
	if (total == 0 || hz == 0)
		return 0;
	uint64_t rank = (uint64_t)(q * (double)total + 0.999999);
	if (rank == 0)
		rank = 1;
	uint64_t max = ld(maxp);
	for (int i = 0; i < ZC_STALL_NB; i++) {
		seen += ld(&hist[i]);
		if (seen < rank)
			continue;
		uint64_t hi;
		if (i < ZC_STALL_SUB) {
			hi = (uint64_t)i + 1;
		} else {
			unsigned e = (unsigned)(i / ZC_STALL_SUB) + ZC_STALL_SUB_BITS - 1;
			uint64_t w = 1ULL << (e - ZC_STALL_SUB_BITS);
			hi = (ZC_STALL_SUB + (uint64_t)(i % ZC_STALL_SUB)) * w + w;
		}
		if (hi > max)
			hi = max;
		return (uint64_t)((double)hi * 1e9 / (double)hz);
	}
	return (uint64_t)((double)max * 1e9 / (double)hz);
}

enum {
	L_LCORE, L_BUSY, L_EMPTY, L_RING_IN, L_RING_OUT,
	L_GAPS, L_P50, L_P99, L_P999, L_P9999, L_MAX, L_O16, L_O64, L_O256, L_O1MS,
	L_LAT_PKTS, L_LAT_P50, L_LAT_P90, L_LAT_P99, L_LAT_P999, L_LAT_MAX, NLFIELDS
};
static const char *const lcore_fields[NLFIELDS] = {
	"lcore", "busy_polls", "empty_polls", "ring_in", "ring_out",
	"stall_gaps", "stall_p50_ns", "stall_p99_ns", "stall_p99_9_ns", "stall_p99_99_ns", "stall_max_ns",
	"stalls_over_16us", "stalls_over_64us", "stalls_over_256us", "stalls_over_1ms",
	"latency_packets", "latency_p50_ns", "latency_p90_ns", "latency_p99_ns", "latency_p99_9_ns", "latency_max_ns",
};

static uint64_t cycles_ns(uint64_t c, uint64_t hz)
{
	return hz ? (uint64_t)((double)c * 1e9 / (double)hz) : 0;
}

/* /zcnic/lcores: each loop's polls, ring traffic, stalls (the gaps
 * between its turns) and latency (rx to tx, 0 unless timed), as arrays
 * in the order of the summary's lcores. */
static int cmd_lcores(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	static uint64_t v[NLFIELDS][ZC_TEL_MAX_LCORES]; /* under reg.mu */
	int r = 0;
	uint64_t hz = rte_get_tsc_hz();
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&reg.mu);
	unsigned n = reg.published ? reg.nlcores : 0;
	rte_tel_data_add_dict_u64(d, "running", reg.published);
	for (unsigned l = 0; l < n; l++) {
		const struct zc_counters *c = reg.c[l];
		const struct zc_stalls *st = &c->st;
		v[L_LCORE][l] = reg.lcore[l];
		v[L_BUSY][l] = ld(&c->busy);
		v[L_EMPTY][l] = ld(&c->empty);
		v[L_RING_IN][l] = ld(&c->ring_in);
		v[L_RING_OUT][l] = ld(&c->ring_out);
		v[L_GAPS][l] = ld(&st->gaps);
		v[L_P50][l] = hist_quantile_ns(st->hist, &st->max, 0.5, hz);
		v[L_P99][l] = hist_quantile_ns(st->hist, &st->max, 0.99, hz);
		v[L_P999][l] = hist_quantile_ns(st->hist, &st->max, 0.999, hz);
		v[L_P9999][l] = hist_quantile_ns(st->hist, &st->max, 0.9999, hz);
		v[L_MAX][l] = cycles_ns(ld(&st->max), hz);
		for (int k = 0; k < ZC_STALL_NLIM; k++)
			v[L_O16 + k][l] = ld(&st->over[k]);
		const struct zc_lat *lat = &c->lat;
		v[L_LAT_PKTS][l] = ld(&lat->pkts);
		v[L_LAT_P50][l] = hist_quantile_ns(lat->hist, &lat->max, 0.5, hz);
		v[L_LAT_P90][l] = hist_quantile_ns(lat->hist, &lat->max, 0.9, hz);
		v[L_LAT_P99][l] = hist_quantile_ns(lat->hist, &lat->max, 0.99, hz);
		v[L_LAT_P999][l] = hist_quantile_ns(lat->hist, &lat->max, 0.999, hz);
		v[L_LAT_MAX][l] = cycles_ns(ld(&lat->max), hz);
	}
	for (int k = 0; k < NLFIELDS && r == 0; k++)
		r = add_u64s(d, lcore_fields[k], v[k], n);
	pthread_mutex_unlock(&reg.mu);
	return r;
}

/* /zcnic/drops: dropped packets by reason, summed over the loops. */
static int cmd_drops(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	uint64_t sum[ZC_NREASONS] = {0};
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&reg.mu);
	rte_tel_data_add_dict_u64(d, "running", reg.published);
	for (unsigned l = 0; l < (reg.published ? reg.nlcores : 0); l++)
		for (int i = 0; i < ZC_NREASONS; i++)
			sum[i] += ld(&reg.c[l]->drops[i]);
	pthread_mutex_unlock(&reg.mu);
	pthread_mutex_lock(&reg.mu);
	for (int i = 0; i < ZC_NREASONS; i++) {
		const char *name = i < ZC_DROP_USER ? builtin_names[i] : user_names[i - ZC_DROP_USER];
		if (name[0] != '\0')
			rte_tel_data_add_dict_u64(d, name, sum[i]);
	}
	pthread_mutex_unlock(&reg.mu);
	return 0;
}

/* zc_tel_reason names drop reason i as /zcnic/drops does: NULL for one
 * out of range, "" for a handler's reason not named. */
const char *zc_tel_reason(int i)
{
	if (i < 0 || i >= ZC_NREASONS)
		return NULL;
	return i < ZC_DROP_USER ? builtin_names[i] : user_names[i - ZC_DROP_USER];
}

void zc_tel_name_reason(int i, const char *name)
{
	if (i < ZC_DROP_USER || i >= ZC_NREASONS)
		return;
	pthread_mutex_lock(&reg.mu);
	snprintf(user_names[i - ZC_DROP_USER], ZC_TEL_NAME, "%s", name);
	pthread_mutex_unlock(&reg.mu);
}

/* Commands are registered before rte_eal_init, as DPDK asks, by a
 * constructor; with telemetry off they are never called. Help strings
 * stay under RTE_TEL_MAX_STRING_LEN. */
RTE_INIT(zc_tel_register)
{
	rte_telemetry_register_cmd("/zcnic/ports", cmd_ports,
		"zcnic port counters, arrays by port index (device, rx/tx packets, forwarded, dropped, kept). No parameters");
	rte_telemetry_register_cmd("/zcnic/lcores", cmd_lcores,
		"zcnic loop counters, arrays by loop (lcore, polls, rings, stalls: gaps between turns, latency rx to tx). No parameters");
	rte_telemetry_register_cmd("/zcnic/drops", cmd_drops,
		"zcnic dropped packets by reason, over all loops. No parameters");
}
