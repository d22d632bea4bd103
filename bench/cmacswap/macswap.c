#include "macswap.h"

#include <string.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#if defined(__SSSE3__)
#include <tmmintrin.h>
#endif

void zc_swap_plain(uintptr_t pa, uint16_t n) {
	struct rte_mbuf **pkts = (struct rte_mbuf **)pa;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
		struct rte_ether_addr a = eth->dst_addr;
		eth->dst_addr = eth->src_addr;
		eth->src_addr = a;
	}
}

// The fields testpmd's mbuf_field_set writes, with a plain port's
// values: no tx offload flags, an Ethernet and an IPv4 header.
static inline void set_fields(struct rte_mbuf *m) {
	m->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = 20;
	m->vlan_tci = 0;
	m->vlan_tci_outer = 0;
}

void zc_swap_testpmd(uintptr_t pa, uint16_t n) {
	struct rte_mbuf **pkts = (struct rte_mbuf **)pa;
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		struct rte_ether_addr a;
		rte_ether_addr_copy(&eth->dst_addr, &a);
		rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
		rte_ether_addr_copy(&a, &eth->src_addr);
		set_fields(m);
	}
}

#if defined(__SSSE3__)
int zc_have_sse(void) { return 1; }

void zc_swap_sse(uintptr_t pa, uint16_t n) {
	struct rte_mbuf **pkts = (struct rte_mbuf **)pa;
	// Bytes 0-5 (destination) and 6-11 (source) change places; 12-15
	// (the EtherType and what follows) stay.
	const __m128i shuf = _mm_set_epi8(15, 14, 13, 12, 5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 7, 6);
	uint16_t i = 0;
	for (; i + 4 <= n; i += 4) {
		void *h0 = rte_pktmbuf_mtod(pkts[i], void *), *h1 = rte_pktmbuf_mtod(pkts[i + 1], void *);
		void *h2 = rte_pktmbuf_mtod(pkts[i + 2], void *), *h3 = rte_pktmbuf_mtod(pkts[i + 3], void *);
		if (i + 4 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 4], void *));
		__m128i x0 = _mm_loadu_si128(h0), x1 = _mm_loadu_si128(h1);
		__m128i x2 = _mm_loadu_si128(h2), x3 = _mm_loadu_si128(h3);
		set_fields(pkts[i]);
		set_fields(pkts[i + 1]);
		set_fields(pkts[i + 2]);
		set_fields(pkts[i + 3]);
		_mm_storeu_si128(h0, _mm_shuffle_epi8(x0, shuf));
		_mm_storeu_si128(h1, _mm_shuffle_epi8(x1, shuf));
		_mm_storeu_si128(h2, _mm_shuffle_epi8(x2, shuf));
		_mm_storeu_si128(h3, _mm_shuffle_epi8(x3, shuf));
	}
	for (; i < n; i++) {
		void *h = rte_pktmbuf_mtod(pkts[i], void *);
		set_fields(pkts[i]);
		_mm_storeu_si128(h, _mm_shuffle_epi8(_mm_loadu_si128(h), shuf));
	}
}
#else
int zc_have_sse(void) { return 0; }

void zc_swap_sse(uintptr_t pa, uint16_t n) { zc_swap_testpmd(pa, n); }
#endif
