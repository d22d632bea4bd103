/*
 * A rule's translation to rte_flow items and actions, and the rte_flow
 * calls on it: see zflow.h.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_flow.h>

#include "zflow.h"

struct zf_spec {
	struct rte_flow_attr attr;
	struct rte_flow_item items[ZF_MAX_ITEMS];
	struct rte_flow_action actions[ZF_MAX_ACTIONS];
	int nitems, nactions;
	int item_size[ZF_MAX_ITEMS];
	int action_size[ZF_MAX_ACTIONS];
	/* spec, mask, last of each item kind */
	struct rte_flow_item_eth eth[2];
	struct rte_flow_item_vlan vlan[2];
	struct rte_flow_item_ipv4 ip4[2];
	struct rte_flow_item_ipv6 ip6[2];
	struct rte_flow_item_udp udp[3];
	struct rte_flow_item_tcp tcp[3];
	struct rte_flow_item_icmp icmp[2];
	struct rte_flow_action_mark mark;
	struct rte_flow_action_queue queue;
	struct rte_flow_action_count count;
};

static void prefix_mask(uint8_t *m, int bytes, int len)
{
	for (int i = 0; i < bytes; i++) {
		int b = len - 8 * i;
		m[i] = b >= 8 ? 0xff : b <= 0 ? 0 : (uint8_t)(0xff << (8 - b));
	}
}

static void item(struct zf_spec *s, enum rte_flow_item_type type, const void *spec, const void *mask, const void *last, int size)
{
	struct rte_flow_item *it = &s->items[s->nitems];
	it->type = type;
	it->spec = spec;
	it->mask = mask;
	it->last = last;
	s->item_size[s->nitems++] = size;
}

static void action(struct zf_spec *s, enum rte_flow_action_type type, const void *conf, int size)
{
	s->actions[s->nactions].type = type;
	s->actions[s->nactions].conf = conf;
	s->action_size[s->nactions++] = size;
}

/* ports: spec lo, mask full; last hi when a range. */
static int l4port(rte_be16_t *spec, rte_be16_t *mask, rte_be16_t *last, uint16_t lo, uint16_t hi)
{
	*spec = rte_cpu_to_be_16(lo);
	*mask = RTE_BE16(0xffff);
	*last = rte_cpu_to_be_16(hi);
	return lo != hi;
}

struct zf_spec *zf_spec_build(const struct zf_rule *r)
{
	struct zf_spec *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->attr.group = r->group;
	s->attr.priority = r->priority;
	s->attr.ingress = 1;

	/* The items the rule names, and no other: has_vlan is left out, so
	 * that, as rte_flow says, a pattern without a vlan item matches
	 * tagged and untagged frames. */
	struct rte_flow_item_eth *es = &s->eth[0], *em = &s->eth[1];
	int eth_match = 0;
	if (r->has_eth) {
		memcpy(es->hdr.src_addr.addr_bytes, r->smac, 6);
		memcpy(em->hdr.src_addr.addr_bytes, r->smask, 6);
		memcpy(es->hdr.dst_addr.addr_bytes, r->dmac, 6);
		memcpy(em->hdr.dst_addr.addr_bytes, r->dmask, 6);
		es->hdr.ether_type = rte_cpu_to_be_16(r->etype);
		em->hdr.ether_type = rte_cpu_to_be_16(r->etype_mask);
		eth_match = r->etype_mask != 0;
		for (int i = 0; i < 6; i++)
			eth_match |= r->smask[i] | r->dmask[i];
	}
	if (r->has_eth)
		item(s, RTE_FLOW_ITEM_TYPE_ETH, eth_match ? es : NULL, eth_match ? em : NULL, NULL, sizeof(*es));

	if (r->has_vlan) {
		struct rte_flow_item_vlan *vs = &s->vlan[0], *vm = &s->vlan[1];
		vs->hdr.vlan_tci = rte_cpu_to_be_16(r->vid & r->vid_mask);
		vm->hdr.vlan_tci = rte_cpu_to_be_16(r->vid_mask);
		int m = r->vid_mask != 0;
		item(s, RTE_FLOW_ITEM_TYPE_VLAN, m ? vs : NULL, m ? vm : NULL, NULL, sizeof(*vs));
	}
	if (r->has_ipv4) {
		struct rte_flow_item_ipv4 *is = &s->ip4[0], *im = &s->ip4[1];
		uint8_t m[4];
		prefix_mask(m, 4, r->src_len);
		memcpy(&im->hdr.src_addr, m, 4);
		for (int i = 0; i < 4; i++)
			((uint8_t *)&is->hdr.src_addr)[i] = r->src[i] & m[i];
		prefix_mask(m, 4, r->dst_len);
		memcpy(&im->hdr.dst_addr, m, 4);
		for (int i = 0; i < 4; i++)
			((uint8_t *)&is->hdr.dst_addr)[i] = r->dst[i] & m[i];
		is->hdr.next_proto_id = r->proto & r->proto_mask;
		im->hdr.next_proto_id = r->proto_mask;
		int any = r->src_len || r->dst_len || r->proto_mask;
		item(s, RTE_FLOW_ITEM_TYPE_IPV4, any ? is : NULL, any ? im : NULL, NULL, sizeof(*is));
	}
	if (r->has_ipv6) {
		struct rte_flow_item_ipv6 *is = &s->ip6[0], *im = &s->ip6[1];
		prefix_mask(im->hdr.src_addr, 16, r->src_len);
		prefix_mask(im->hdr.dst_addr, 16, r->dst_len);
		for (int i = 0; i < 16; i++) {
			is->hdr.src_addr[i] = r->src[i] & im->hdr.src_addr[i];
			is->hdr.dst_addr[i] = r->dst[i] & im->hdr.dst_addr[i];
		}
		is->hdr.proto = r->proto & r->proto_mask;
		im->hdr.proto = r->proto_mask;
		int any = r->src_len || r->dst_len || r->proto_mask;
		item(s, RTE_FLOW_ITEM_TYPE_IPV6, any ? is : NULL, any ? im : NULL, NULL, sizeof(*is));
	}
	if (r->has_udp || r->has_tcp) {
		rte_be16_t *sp, *dp; /* spec, mask, last of src and dst */
		void *spec, *mask, *last;
		int size;
		if (r->has_udp) {
			spec = &s->udp[0], mask = &s->udp[1], last = &s->udp[2], size = sizeof(s->udp[0]);
		} else {
			spec = &s->tcp[0], mask = &s->tcp[1], last = &s->tcp[2], size = sizeof(s->tcp[0]);
		}
		/* src_port and dst_port are the first two fields of both. */
		int range = 0;
		sp = spec;
		dp = sp + 1;
		rte_be16_t *msp = mask, *mdp = msp + 1, *lsp = last, *ldp = lsp + 1;
		if (r->has_sport)
			range |= l4port(sp, msp, lsp, r->sport_lo, r->sport_hi);
		if (r->has_dport)
			range |= l4port(dp, mdp, ldp, r->dport_lo, r->dport_hi);
		if (range) {
			/* last holds spec where there is no range. */
			if (!r->has_sport)
				*lsp = 0;
			else if (r->sport_lo == r->sport_hi)
				*lsp = *sp;
			if (!r->has_dport)
				*ldp = 0;
			else if (r->dport_lo == r->dport_hi)
				*ldp = *dp;
		}
		int any = r->has_sport || r->has_dport;
		item(s, r->has_udp ? RTE_FLOW_ITEM_TYPE_UDP : RTE_FLOW_ITEM_TYPE_TCP,
		     any ? spec : NULL, any ? mask : NULL, range ? last : NULL, size);
	}
	if (r->has_icmp) {
		struct rte_flow_item_icmp *cs = &s->icmp[0], *cm = &s->icmp[1];
		cs->hdr.icmp_type = r->icmp_type & r->icmp_type_mask;
		cm->hdr.icmp_type = r->icmp_type_mask;
		cs->hdr.icmp_code = r->icmp_code & r->icmp_code_mask;
		cm->hdr.icmp_code = r->icmp_code_mask;
		int any = r->icmp_type_mask || r->icmp_code_mask;
		item(s, RTE_FLOW_ITEM_TYPE_ICMP, any ? cs : NULL, any ? cm : NULL, NULL, sizeof(*cs));
	}
	item(s, RTE_FLOW_ITEM_TYPE_END, NULL, NULL, NULL, 0);

	if (r->has_mark) {
		s->mark.id = r->mark;
		action(s, RTE_FLOW_ACTION_TYPE_MARK, &s->mark, sizeof(s->mark));
	}
	if (r->count)
		action(s, RTE_FLOW_ACTION_TYPE_COUNT, &s->count, sizeof(s->count));
	if (r->drop)
		action(s, RTE_FLOW_ACTION_TYPE_DROP, NULL, 0);
	if (r->has_queue) {
		s->queue.index = r->queue;
		action(s, RTE_FLOW_ACTION_TYPE_QUEUE, &s->queue, sizeof(s->queue));
	}
	action(s, RTE_FLOW_ACTION_TYPE_END, NULL, 0);
	return s;
}

void zf_spec_free(struct zf_spec *s) { free(s); }

int zf_spec_nitems(const struct zf_spec *s) { return s->nitems; }
int zf_spec_nactions(const struct zf_spec *s) { return s->nactions; }

int zf_spec_item(const struct zf_spec *s, int i, int *type, const void **spec, const void **mask, const void **last, int *size)
{
	if (i < 0 || i >= s->nitems)
		return -1;
	*type = s->items[i].type;
	*spec = s->items[i].spec;
	*mask = s->items[i].mask;
	*last = s->items[i].last;
	*size = s->item_size[i];
	return 0;
}

int zf_spec_action(const struct zf_spec *s, int i, int *type, const void **conf, int *size)
{
	if (i < 0 || i >= s->nactions)
		return -1;
	*type = s->actions[i].type;
	*conf = s->actions[i].conf;
	*size = s->action_size[i];
	return 0;
}

void zf_spec_attr(const struct zf_spec *s, uint32_t *group, uint32_t *priority, int *ingress)
{
	*group = s->attr.group;
	*priority = s->attr.priority;
	*ingress = s->attr.ingress;
}

/* Does p point into [base, base+size)? */
static int within(const void *p, const void *base, size_t size)
{
	return (const char *)p >= (const char *)base && (const char *)p < (const char *)base + size;
}

/* fill copies an rte_flow_error, naming the item or action its cause
 * points to (the item itself, or its spec, mask or last). */
static void fill(struct zf_err *e, const struct zf_spec *s, int code, const struct rte_flow_error *fe)
{
	e->code = code < 0 ? -code : code;
	if (e->code == 0)
		e->code = rte_errno;
	e->type = fe->type;
	e->item = e->action = -1;
	e->msg[0] = 0;
	if (fe->message != NULL)
		snprintf(e->msg, sizeof(e->msg), "%s", fe->message);
	if (s == NULL || fe->cause == NULL)
		return;
	for (int i = 0; i < s->nitems; i++) {
		const struct rte_flow_item *it = &s->items[i];
		if (fe->cause == it || fe->cause == it->spec || fe->cause == it->mask || fe->cause == it->last)
			e->item = i;
	}
	for (int i = 0; i < s->nactions; i++)
		if (fe->cause == &s->actions[i] || (s->actions[i].conf != NULL && fe->cause == s->actions[i].conf))
			e->action = i;
	if (e->item < 0 && within(fe->cause, s->items, sizeof(s->items)))
		e->item = ((const char *)fe->cause - (const char *)s->items) / sizeof(s->items[0]);
	if (e->action < 0 && within(fe->cause, s->actions, sizeof(s->actions)))
		e->action = ((const char *)fe->cause - (const char *)s->actions) / sizeof(s->actions[0]);
}

int zf_flow_validate(uint16_t port, const struct zf_spec *s, struct zf_err *e)
{
	struct rte_flow_error fe = {0};
	int rc = rte_flow_validate(port, &s->attr, s->items, s->actions, &fe);
	if (rc != 0)
		fill(e, s, rc, &fe);
	return rc;
}

struct rte_flow *zf_flow_create(uint16_t port, const struct zf_spec *s, struct zf_err *e)
{
	struct rte_flow_error fe = {0};
	struct rte_flow *f = rte_flow_create(port, &s->attr, s->items, s->actions, &fe);
	if (f == NULL)
		fill(e, s, rte_errno, &fe);
	return f;
}

int zf_flow_destroy(uint16_t port, struct rte_flow *f, struct zf_err *e)
{
	struct rte_flow_error fe = {0};
	int rc = rte_flow_destroy(port, f, &fe);
	if (rc != 0)
		fill(e, NULL, rc, &fe);
	return rc;
}

int zf_flow_flush(uint16_t port, struct zf_err *e)
{
	struct rte_flow_error fe = {0};
	int rc = rte_flow_flush(port, &fe);
	if (rc != 0)
		fill(e, NULL, rc, &fe);
	return rc;
}

int zf_flow_query_count(uint16_t port, struct rte_flow *f, uint64_t *hits, uint64_t *bytes, struct zf_err *e)
{
	struct rte_flow_error fe = {0};
	struct rte_flow_action_count cnt = {0};
	struct rte_flow_action a = {.type = RTE_FLOW_ACTION_TYPE_COUNT, .conf = &cnt};
	struct rte_flow_query_count q = {0};
	int rc = rte_flow_query(port, f, &a, &q, &fe);
	if (rc != 0) {
		fill(e, NULL, rc, &fe);
		return rc;
	}
	*hits = q.hits_set ? q.hits : 0;
	*bytes = q.bytes_set ? q.bytes : 0;
	return 0;
}

int zf_flow_isolate(uint16_t port, int on, struct zf_err *e)
{
	struct rte_flow_error fe = {0};
	int rc = rte_flow_isolate(port, on, &fe);
	if (rc != 0)
		fill(e, NULL, rc, &fe);
	return rc;
}
