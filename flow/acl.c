/*
 * Software classification of flow rules with librte_acl: see zflow.h.
 *
 * Packets of different layouts (VLAN tag or not, IPv4 or IPv6, IPv4
 * options, ICMP or UDP or TCP) are classified by one ACL context: each
 * packet's fields are first copied into a key of a fixed layout, and
 * the keys are classified. The key's first byte says which layers the
 * packet has whole in its first segment; a rule asks for the layers its
 * pattern names, so a truncated or malformed packet matches only rules
 * that need none of the layers it lacks. Nothing past data_len is read.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "zflow.h"

/* Layers present (the key's first byte). */
enum {
	F_ETH = 1, F_VLAN = 2, F_IPV4 = 4, F_IPV6 = 8, F_UDP = 16, F_TCP = 32, F_ICMP = 64,
};

/* The key: fields in network byte order, at fixed offsets. */
struct zf_key {
	uint8_t flags, pad0[3];
	uint8_t proto, itype, icode, pad1;
	uint16_t etype, tci;
	uint16_t sport, dport;
	uint32_t src4, dst4;
	uint8_t src6[16], dst6[16];
	uint8_t smac[6], dmac[6];
};
_Static_assert(sizeof(struct zf_key) == ZF_KEY_SIZE, "key size");

enum {
	K_FLAGS, K_PROTO, K_ITYPE, K_ICODE, K_PAD, K_ETYPE, K_TCI,
	K_SRC4, K_DST4, K_SRC6, K_DST6 = K_SRC6 + 4, K_SMAC_HI = K_DST6 + 4,
	K_SMAC_LO, K_DMAC_HI, K_DMAC_LO, K_SPORT, K_DPORT, K_NFIELDS,
};

#define KOFF(f) offsetof(struct zf_key, f)

static void field_defs(struct rte_acl_config *cfg)
{
	struct rte_acl_field_def *d = cfg->defs;
	int in = 0;
#define DEF(i, t, sz, off, inp) d[i] = (struct rte_acl_field_def){.type = t, .size = sz, .field_index = i, .input_index = inp, .offset = off}
	DEF(K_FLAGS, RTE_ACL_FIELD_TYPE_BITMASK, 1, KOFF(flags), in++);
	DEF(K_PROTO, RTE_ACL_FIELD_TYPE_BITMASK, 1, KOFF(proto), in);
	DEF(K_ITYPE, RTE_ACL_FIELD_TYPE_BITMASK, 1, KOFF(itype), in);
	DEF(K_ICODE, RTE_ACL_FIELD_TYPE_BITMASK, 1, KOFF(icode), in);
	/* The trie takes each input group's 4 bytes in field order: a group
	 * must be covered whole, so the spare byte is a field too (always
	 * a wildcard). */
	DEF(K_PAD, RTE_ACL_FIELD_TYPE_BITMASK, 1, KOFF(pad1), in++);
	DEF(K_ETYPE, RTE_ACL_FIELD_TYPE_BITMASK, 2, KOFF(etype), in);
	DEF(K_TCI, RTE_ACL_FIELD_TYPE_BITMASK, 2, KOFF(tci), in++);
	DEF(K_SRC4, RTE_ACL_FIELD_TYPE_MASK, 4, KOFF(src4), in++);
	DEF(K_DST4, RTE_ACL_FIELD_TYPE_MASK, 4, KOFF(dst4), in++);
	for (int i = 0; i < 4; i++)
		DEF(K_SRC6 + i, RTE_ACL_FIELD_TYPE_MASK, 4, KOFF(src6) + 4 * i, in++);
	for (int i = 0; i < 4; i++)
		DEF(K_DST6 + i, RTE_ACL_FIELD_TYPE_MASK, 4, KOFF(dst6) + 4 * i, in++);
	DEF(K_SMAC_HI, RTE_ACL_FIELD_TYPE_BITMASK, 4, KOFF(smac), in++);
	DEF(K_SMAC_LO, RTE_ACL_FIELD_TYPE_BITMASK, 2, KOFF(smac) + 4, in);
	DEF(K_DMAC_HI, RTE_ACL_FIELD_TYPE_BITMASK, 2, KOFF(dmac), in++);
	DEF(K_DMAC_LO, RTE_ACL_FIELD_TYPE_BITMASK, 4, KOFF(dmac) + 2, in++);
	/* Port ranges last, as DPDK's l3fwd-acl and test-acl have them: a
	 * range expands into many paths, and what follows it in the trie
	 * is copied under each (10,000 5-tuple rules with the ports before
	 * the addresses need more than rte_acl's 8 tries). */
	DEF(K_SPORT, RTE_ACL_FIELD_TYPE_RANGE, 2, KOFF(sport), in);
	DEF(K_DPORT, RTE_ACL_FIELD_TYPE_RANGE, 2, KOFF(dport), in++);
#undef DEF
	cfg->num_fields = K_NFIELDS;
	cfg->num_categories = 1;
}

static inline uint16_t be16at(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t be32at(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static inline void key_of(const struct rte_mbuf *m, struct zf_key *k)
{
	memset(k, 0, sizeof(*k));
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->data_len;
	if (len < 14)
		return;
	k->flags = F_ETH;
	memcpy(k->dmac, p, 6);
	memcpy(k->smac, p + 6, 6);
	memcpy(&k->etype, p + 12, 2);
	uint16_t et = be16at(p + 12);
	uint32_t off = 14;
	if (et == 0x8100 || et == 0x88a8) {
		if (len < 18)
			return;
		k->flags |= F_VLAN;
		memcpy(&k->tci, p + 14, 2);
		et = be16at(p + 16);
		off = 18;
	}
	uint32_t l4;
	uint8_t proto;
	if (et == 0x0800) {
		if (len < off + 20 || p[off] >> 4 != 4)
			return;
		uint32_t ihl = (p[off] & 0xf) * 4u;
		if (ihl < 20 || len < off + ihl)
			return;
		k->flags |= F_IPV4;
		proto = k->proto = p[off + 9];
		memcpy(&k->src4, p + off + 12, 4);
		memcpy(&k->dst4, p + off + 16, 4);
		/* A fragment (more fragments, or an offset) has no whole L4
		 * header to match. */
		if (be16at(p + off + 6) & 0x3fff)
			return;
		l4 = off + ihl;
	} else if (et == 0x86dd) {
		if (len < off + 40 || p[off] >> 4 != 6)
			return;
		k->flags |= F_IPV6;
		proto = k->proto = p[off + 6];
		memcpy(k->src6, p + off + 8, 16);
		memcpy(k->dst6, p + off + 24, 16);
		l4 = off + 40;
	} else {
		return;
	}
	switch (proto) {
	case 17:
		if (len >= l4 + 8) {
			k->flags |= F_UDP;
			memcpy(&k->sport, p + l4, 2);
			memcpy(&k->dport, p + l4 + 2, 2);
		}
		break;
	case 6:
		if (len >= l4 + 20) {
			k->flags |= F_TCP;
			memcpy(&k->sport, p + l4, 2);
			memcpy(&k->dport, p + l4 + 2, 2);
		}
		break;
	case 1:
		if ((k->flags & F_IPV4) && len >= l4 + 8) {
			k->flags |= F_ICMP;
			k->itype = p[l4];
			k->icode = p[l4 + 1];
		}
		break;
	}
}

void zf_key_of(const struct rte_mbuf *m, uint8_t *key) { key_of(m, (struct zf_key *)key); }

RTE_ACL_RULE_DEF(zf_acl_rule, K_NFIELDS);

static void u8f(struct rte_acl_field *f, uint8_t v, uint8_t m) { f->value.u8 = v & m; f->mask_range.u8 = m; }
static void u16f(struct rte_acl_field *f, uint16_t v, uint16_t m) { f->value.u16 = v & m; f->mask_range.u16 = m; }
static void u32f(struct rte_acl_field *f, uint32_t v, uint32_t m) { f->value.u32 = v & m; f->mask_range.u32 = m; }

/* prefix sets a MASK field: the value with a prefix length. */
static void prefix(struct rte_acl_field *f, uint32_t v, int len)
{
	len = len < 0 ? 0 : len > 32 ? 32 : len;
	f->value.u32 = len ? v & (uint32_t)(~0ull << (32 - len)) : 0;
	f->mask_range.u32 = len;
}

static void acl_rule(struct zf_acl_rule *a, const struct zf_rule *r, uint32_t prio, uint32_t id)
{
	memset(a, 0, sizeof(*a));
	a->data.category_mask = 1;
	a->data.priority = prio;
	a->data.userdata = id;
	struct rte_acl_field *f = a->field;
	uint8_t fv = 0, fm = 0;
	int above = r->has_vlan || r->has_ipv4 || r->has_ipv6 || r->has_udp || r->has_tcp || r->has_icmp;
	if (r->has_eth || above)
		fv |= F_ETH, fm |= F_ETH;
	if (r->has_vlan)
		fv |= F_VLAN, fm |= F_VLAN;
	if (r->has_ipv4)
		fv |= F_IPV4, fm |= F_IPV4;
	if (r->has_ipv6)
		fv |= F_IPV6, fm |= F_IPV6;
	if (r->has_udp)
		fv |= F_UDP, fm |= F_UDP;
	if (r->has_tcp)
		fv |= F_TCP, fm |= F_TCP;
	if (r->has_icmp)
		fv |= F_ICMP, fm |= F_ICMP;
	u8f(&f[K_FLAGS], fv, fm);
	if (r->has_ipv4 || r->has_ipv6)
		u8f(&f[K_PROTO], r->proto, r->proto_mask);
	if (r->has_icmp) {
		u8f(&f[K_ITYPE], r->icmp_type, r->icmp_type_mask);
		u8f(&f[K_ICODE], r->icmp_code, r->icmp_code_mask);
	}
	if (r->has_eth) {
		u16f(&f[K_ETYPE], r->etype, r->etype_mask);
		u32f(&f[K_SMAC_HI], be32at(r->smac), be32at(r->smask));
		u16f(&f[K_SMAC_LO], be16at(r->smac + 4), be16at(r->smask + 4));
		u16f(&f[K_DMAC_HI], be16at(r->dmac), be16at(r->dmask));
		u32f(&f[K_DMAC_LO], be32at(r->dmac + 2), be32at(r->dmask + 2));
	}
	if (r->has_vlan)
		u16f(&f[K_TCI], r->vid, r->vid_mask & 0x0fff);
	f[K_SPORT].value.u16 = 0, f[K_SPORT].mask_range.u16 = 0xffff;
	f[K_DPORT].value.u16 = 0, f[K_DPORT].mask_range.u16 = 0xffff;
	if ((r->has_udp || r->has_tcp) && r->has_sport)
		f[K_SPORT].value.u16 = r->sport_lo, f[K_SPORT].mask_range.u16 = r->sport_hi;
	if ((r->has_udp || r->has_tcp) && r->has_dport)
		f[K_DPORT].value.u16 = r->dport_lo, f[K_DPORT].mask_range.u16 = r->dport_hi;
	if (r->has_ipv4) {
		prefix(&f[K_SRC4], be32at(r->src), r->src_len);
		prefix(&f[K_DST4], be32at(r->dst), r->dst_len);
	}
	if (r->has_ipv6) {
		for (int i = 0; i < 4; i++) {
			prefix(&f[K_SRC6 + i], be32at(r->src + 4 * i), r->src_len - 32 * i);
			prefix(&f[K_DST6 + i], be32at(r->dst + 4 * i), r->dst_len - 32 * i);
		}
	}
}

/* Does field f (of definition d) match any value? */
static int wildcard(const struct rte_acl_field_def *d, const struct rte_acl_field *f)
{
	switch (d->type) {
	case RTE_ACL_FIELD_TYPE_MASK:
		return f->mask_range.u32 == 0;
	case RTE_ACL_FIELD_TYPE_RANGE:
		return d->size == 2 ? f->value.u16 == 0 && f->mask_range.u16 == 0xffff
				    : f->value.u32 == 0 && f->mask_range.u32 == UINT32_MAX;
	default:
		return d->size == 1 ? f->mask_range.u8 == 0 : d->size == 2 ? f->mask_range.u16 == 0
			 : d->size == 4 ? f->mask_range.u32 == 0 : f->mask_range.u64 == 0;
	}
}

/* A rule as one loop slot sees it: its counters and, beside them, its
 * actions, so a matched packet touches one cache line of the rule, not
 * one in an action array and another in a counter array (with 10,000
 * rules both arrays miss the cache). 32 bytes: two rules a line, none
 * across two. */
struct zf_srule {
	struct zf_cnt c;
	uint32_t mark;
	uint8_t drop, has_mark;
} __rte_aligned(32);
_Static_assert(sizeof(struct zf_srule) == 32, "rule slot size");

struct zf_set {
	struct rte_acl_ctx *acl;
	uint32_t nrules, nslots;
	struct zf_srule *rs; /* [nslots][nrules], each slot's rows on their own lines */
};

/* The bytes of one slot's rows. */
static inline size_t slot_bytes(uint32_t nrules)
{
	return RTE_ALIGN_CEIL((nrules ? nrules : 1) * sizeof(struct zf_srule), RTE_CACHE_LINE_SIZE);
}

static inline struct zf_srule *slot_rules(const struct zf_set *s, uint32_t slot)
{
	return (struct zf_srule *)((char *)s->rs + slot_bytes(s->nrules) * slot);
}

static void seterr(struct zf_err *e, int code, const char *fmt, const char *what)
{
	e->code = code < 0 ? -code : code;
	e->type = 0;
	e->item = e->action = -1;
	snprintf(e->msg, sizeof(e->msg), fmt, what);
}

void zf_set_free(struct zf_set *s)
{
	if (s == NULL)
		return;
	rte_acl_free(s->acl);
	rte_free(s->rs);
	free(s);
}

struct zf_set *zf_set_build(const struct zf_rule *rules, const uint32_t *prio, uint32_t n, uint32_t nslots, struct zf_err *e)
{
	static atomic_uint seq;
	struct zf_set *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		seterr(e, ENOMEM, "%s", "calloc");
		return NULL;
	}
	s->nrules = n;
	s->nslots = nslots ? nslots : 1;
	/* Each loop's rows on their own cache lines. */
	s->rs = rte_zmalloc("zcnic_flow_rules", slot_bytes(n) * s->nslots, RTE_CACHE_LINE_SIZE);
	if (s->rs == NULL) {
		seterr(e, ENOMEM, "%s", "allocating the rule set's counters");
		zf_set_free(s);
		return NULL;
	}
	for (uint32_t j = 0; j < s->nslots; j++) {
		struct zf_srule *row = slot_rules(s, j);
		for (uint32_t i = 0; i < n; i++) {
			row[i].drop = rules[i].drop;
			row[i].has_mark = rules[i].has_mark;
			row[i].mark = rules[i].mark;
		}
	}
	if (n == 0)
		return s;
	struct zf_acl_rule *ar = calloc(n, sizeof(*ar));
	if (ar == NULL) {
		seterr(e, ENOMEM, "%s", "calloc");
		zf_set_free(s);
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++)
		acl_rule(&ar[i], &rules[i], prio[i], i + 1);

	/* Only the key's input groups some rule looks at go into the
	 * trie: classification walks every byte of every group, so a set
	 * of IPv4 5-tuple rules reads 17 bytes of the key, not 68. The
	 * layers byte (group 0) is always the first field. */
	struct rte_acl_config full = {0}, cfg = {0};
	field_defs(&full);
	uint8_t used[RTE_ACL_MAX_FIELDS] = {1};
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t k = 1; k < full.num_fields; k++)
			if (!wildcard(&full.defs[k], &ar[i].field[k]))
				used[full.defs[k].input_index] = 1;
	uint32_t map[RTE_ACL_MAX_FIELDS], nf = 0;
	int last_in = -1, in = -1;
	for (uint32_t k = 0; k < full.num_fields; k++) {
		struct rte_acl_field_def d = full.defs[k];
		if (!used[d.input_index])
			continue;
		if (d.input_index != last_in) {
			last_in = d.input_index;
			in++;
		}
		d.field_index = nf;
		d.input_index = in;
		cfg.defs[nf] = d;
		map[nf++] = k;
	}
	cfg.num_fields = nf;
	cfg.num_categories = 1;
	size_t rsz = RTE_ACL_RULE_SZ(nf);
	uint8_t *cr = calloc(n, rsz);
	if (cr == NULL) {
		free(ar);
		seterr(e, ENOMEM, "%s", "calloc");
		zf_set_free(s);
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct rte_acl_rule *r = (struct rte_acl_rule *)(cr + i * rsz);
		r->data = ar[i].data;
		for (uint32_t j = 0; j < nf; j++)
			r->field[j] = ar[i].field[map[j]];
	}
	free(ar);

	char name[RTE_ACL_NAMESIZE];
	snprintf(name, sizeof(name), "zcnic_flow_%u", atomic_fetch_add(&seq, 1));
	struct rte_acl_param prm = {
		.name = name, .socket_id = SOCKET_ID_ANY,
		.rule_size = rsz, .max_rule_num = n,
	};
	s->acl = rte_acl_create(&prm);
	if (s->acl == NULL) {
		free(cr);
		seterr(e, rte_errno, "rte_acl_create: %s", rte_strerror(rte_errno));
		zf_set_free(s);
		return NULL;
	}
	int rc = rte_acl_add_rules(s->acl, (const struct rte_acl_rule *)cr, n);
	free(cr);
	if (rc != 0) {
		seterr(e, rc, "rte_acl_add_rules: %s", rte_strerror(-rc));
		zf_set_free(s);
		return NULL;
	}
	rc = rte_acl_build(s->acl, &cfg);
	if (rc != 0) {
		seterr(e, rc, "rte_acl_build: %s", rte_strerror(-rc));
		zf_set_free(s);
		return NULL;
	}
	return s;
}


void zf_set_count(const struct zf_set *s, uint32_t i, uint64_t *hits, uint64_t *bytes)
{
	*hits = *bytes = 0;
	if (i >= s->nrules)
		return;
	for (uint32_t j = 0; j < s->nslots; j++) {
		const volatile struct zf_cnt *c = &slot_rules(s, j)[i].c;
		*hits += c->hits;
		*bytes += c->bytes;
	}
}

struct zf_table {
	struct zf_set *cur;
	struct rte_rcu_qsbr *qs;
	uint32_t nslots;
};

struct zf_table *zf_table_new(uint32_t nslots, struct zf_err *e)
{
	struct zf_table *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		seterr(e, ENOMEM, "%s", "calloc");
		return NULL;
	}
	t->nslots = nslots ? nslots : 1;
	size_t sz = rte_rcu_qsbr_get_memsize(t->nslots);
	t->qs = rte_zmalloc("zcnic_flow_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (t->qs == NULL) {
		seterr(e, ENOMEM, "%s", "rte_zmalloc of the QSBR variable");
		free(t);
		return NULL;
	}
	int rc = rte_rcu_qsbr_init(t->qs, t->nslots);
	for (uint32_t i = 0; rc == 0 && i < t->nslots; i++)
		rc = rte_rcu_qsbr_thread_register(t->qs, i);
	if (rc != 0) {
		seterr(e, rte_errno, "rte_rcu_qsbr_init: %s", rte_strerror(rte_errno));
		rte_free(t->qs);
		free(t);
		return NULL;
	}
	return t;
}

void zf_table_free(struct zf_table *t)
{
	if (t == NULL)
		return;
	rte_free(t->qs);
	free(t);
}

struct zf_set *zf_table_publish(struct zf_table *t, struct zf_set *s)
{
	return __atomic_exchange_n(&t->cur, s, __ATOMIC_ACQ_REL);
}

uint64_t zf_table_start(struct zf_table *t) { return rte_rcu_qsbr_start(t->qs); }
int zf_table_check(struct zf_table *t, uint64_t token) { return rte_rcu_qsbr_check(t->qs, token, false); }

struct zf_loop {
	struct zf_table *t;
	uint32_t slot;
	uint16_t cap;
	uint64_t pkts, cycles;
	struct zf_key *keys;
	const uint8_t **kp;
	uint32_t *res;
};

struct zf_loop *zf_loop_new(struct zf_table *t, uint32_t slot, uint16_t vector)
{
	struct zf_loop *l = rte_zmalloc("zcnic_flow_loop", sizeof(*l), RTE_CACHE_LINE_SIZE);
	if (l == NULL)
		return NULL;
	l->t = t;
	l->slot = slot;
	l->cap = vector;
	l->keys = rte_zmalloc("zcnic_flow_keys", (size_t)vector * sizeof(*l->keys), RTE_CACHE_LINE_SIZE);
	l->kp = rte_zmalloc("zcnic_flow_kp", (size_t)vector * sizeof(*l->kp), RTE_CACHE_LINE_SIZE);
	l->res = rte_zmalloc("zcnic_flow_res", (size_t)vector * sizeof(*l->res), RTE_CACHE_LINE_SIZE);
	if (l->keys == NULL || l->kp == NULL || l->res == NULL) {
		zf_loop_free(l);
		return NULL;
	}
	for (uint16_t i = 0; i < vector; i++)
		l->kp[i] = (const uint8_t *)&l->keys[i];
	return l;
}

void zf_loop_free(struct zf_loop *l)
{
	if (l == NULL)
		return;
	rte_free(l->keys);
	rte_free(l->kp);
	rte_free(l->res);
	rte_free(l);
}

void zf_loop_online(struct zf_loop *l) { rte_rcu_qsbr_thread_online(l->t->qs, l->slot); }
void zf_loop_offline(struct zf_loop *l) { rte_rcu_qsbr_thread_offline(l->t->qs, l->slot); }

void zf_loop_stats(const struct zf_loop *l, uint64_t *pkts, uint64_t *cycles)
{
	const volatile struct zf_loop *v = l;
	*pkts = v->pkts;
	*cycles = v->cycles;
}

uint16_t zf_classify(void *lp, struct rte_mbuf **pkts, uint16_t n, struct rte_mbuf **drop, uint16_t *ndrop)
{
	struct zf_loop *l = lp;
	struct zf_set *s = __atomic_load_n(&l->t->cur, __ATOMIC_ACQUIRE);
	/* n is at most cap: the runner sizes cap to its vector. */
	if (n > 0 && n <= l->cap && s != NULL && s->acl != NULL) {
		uint64_t t0 = rte_rdtsc();
		for (uint16_t i = 0; i < n; i++)
			key_of(pkts[i], &l->keys[i]);
		rte_acl_classify(s->acl, l->kp, l->res, n, 1);
		struct zf_srule *rs = slot_rules(s, l->slot);
		uint16_t k = 0, nd = *ndrop;
		for (uint16_t i = 0; i < n; i++) {
			struct rte_mbuf *m = pkts[i];
			uint32_t r = l->res[i];
			if (r != 0) {
				struct zf_srule *a = &rs[r - 1];
				a->c.hits++;
				a->c.bytes += m->pkt_len;
				if (a->drop) {
					drop[nd++] = m;
					continue;
				}
				if (a->has_mark) {
					m->hash.fdir.hi = a->mark;
					m->ol_flags |= RTE_MBUF_F_RX_FDIR | RTE_MBUF_F_RX_FDIR_ID;
				}
			}
			pkts[k++] = m;
		}
		*ndrop = nd;
		l->pkts += n;
		l->cycles += rte_rdtsc() - t0;
		n = k;
	}
	rte_rcu_qsbr_quiescent(l->t->qs, l->slot);
	return n;
}

void *zf_classify_fn(void) { return (void *)zf_classify; }
