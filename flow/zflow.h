/*
 * Flow rules in C: a rule's translation to rte_flow (rteflow.c) and its
 * software classification with librte_acl (acl.c). Go fills struct
 * zf_rule, plain fields in host byte order; everything the NIC or the
 * classifier reads is built from it here, in C memory.
 */
#ifndef ZC_FLOW_H
#define ZC_FLOW_H

#include <stdint.h>

struct rte_mbuf;
struct rte_flow;

/* One rule, host byte order. Prefix lengths of 0 match any address. */
struct zf_rule {
	uint32_t group, priority;
	uint8_t has_eth, has_vlan, has_ipv4, has_ipv6, has_udp, has_tcp, has_icmp;
	uint8_t smac[6], smask[6], dmac[6], dmask[6];
	uint16_t etype, etype_mask;
	uint16_t vid, vid_mask;
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes */
	uint8_t src_len, dst_len;
	uint8_t proto, proto_mask;
	uint8_t has_sport, has_dport;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	uint8_t icmp_type, icmp_type_mask, icmp_code, icmp_code_mask;
	uint8_t drop, count, has_mark, has_queue;
	uint32_t mark;
	uint16_t queue;
};

/* An rte_flow error, copied out: errno, error type, which item or
 * action it names (-1 for none), and the PMD's message. */
struct zf_err {
	int code;
	int type;
	int item, action;
	char msg[256];
};

/* ---- rte_flow (rteflow.c) ---- */

enum { ZF_MAX_ITEMS = 8, ZF_MAX_ACTIONS = 6 };

/* Everything an rte_flow rule points to, in one allocation. */
struct zf_spec;

struct zf_spec *zf_spec_build(const struct zf_rule *r);
void zf_spec_free(struct zf_spec *s);
/* For tests: the arrays a rule produces. */
int zf_spec_nitems(const struct zf_spec *s);
int zf_spec_item(const struct zf_spec *s, int i, int *type, const void **spec, const void **mask, const void **last, int *size);
int zf_spec_nactions(const struct zf_spec *s);
int zf_spec_action(const struct zf_spec *s, int i, int *type, const void **conf, int *size);
void zf_spec_attr(const struct zf_spec *s, uint32_t *group, uint32_t *priority, int *ingress);

int zf_flow_validate(uint16_t port, const struct zf_spec *s, struct zf_err *e);
struct rte_flow *zf_flow_create(uint16_t port, const struct zf_spec *s, struct zf_err *e);
int zf_flow_destroy(uint16_t port, struct rte_flow *f, struct zf_err *e);
int zf_flow_flush(uint16_t port, struct zf_err *e);
int zf_flow_query_count(uint16_t port, struct rte_flow *f, uint64_t *hits, uint64_t *bytes, struct zf_err *e);
int zf_flow_isolate(uint16_t port, int on, struct zf_err *e);

/* ---- software classification (acl.c) ---- */

/* Per rule and loop slot. */
struct zf_cnt {
	uint64_t hits, bytes;
};

/* A compiled rule set: its ACL context (NULL with no rule), each rule's
 * actions, and counters per loop slot ([nslots][nrules]). */
struct zf_set;

/*
 * zf_set_build compiles n rules, rule i with ACL priority prio[i]
 * (unique, higher wins), with counters for nslots loops. On error it
 * returns NULL with e set.
 */
struct zf_set *zf_set_build(const struct zf_rule *rules, const uint32_t *prio, uint32_t n, uint32_t nslots, struct zf_err *e);
void zf_set_free(struct zf_set *s);
/* zf_set_count sums rule i's counters over the slots. */
void zf_set_count(const struct zf_set *s, uint32_t i, uint64_t *hits, uint64_t *bytes);

/* A port's table as the loops see it: the current set, and the QSBR
 * state that says when an old one is no longer used. */
struct zf_table;

struct zf_table *zf_table_new(uint32_t nslots, struct zf_err *e);
void zf_table_free(struct zf_table *t);
/* zf_table_publish makes s the set the loops use and returns the old. */
struct zf_set *zf_table_publish(struct zf_table *t, struct zf_set *s);
/* zf_table_start and zf_table_check: a grace period (rte_rcu_qsbr). */
uint64_t zf_table_start(struct zf_table *t);
int zf_table_check(struct zf_table *t, uint64_t token);

/* One loop's use of a table: its slot and scratch for a vector. */
struct zf_loop;

struct zf_loop *zf_loop_new(struct zf_table *t, uint32_t slot, uint16_t vector);
void zf_loop_free(struct zf_loop *l);
void zf_loop_online(struct zf_loop *l);
void zf_loop_offline(struct zf_loop *l);
void zf_loop_stats(const struct zf_loop *l, uint64_t *pkts, uint64_t *cycles);

/*
 * zf_classify runs loop l's current rule set over the n packets of pkts:
 * it counts every hit, writes marks, moves dropped packets to
 * drop[*ndrop...] and compacts the others, in order, at the front of
 * pkts; it returns how many are left. Then it reports a quiescent state:
 * the loop holds no set between calls. Its type is zc_classify_fn of
 * app/turn.h.
 */
uint16_t zf_classify(void *l, struct rte_mbuf **pkts, uint16_t n, struct rte_mbuf **drop, uint16_t *ndrop);
void *zf_classify_fn(void);

/* For tests: the key classification reads for one packet. */
enum { ZF_KEY_SIZE = 68 };
void zf_key_of(const struct rte_mbuf *m, uint8_t *key);

#endif
