#ifndef ZC_LIBPCAP_H
#define ZC_LIBPCAP_H
#include <stddef.h>
#include <stdint.h>

/* What libpcap made of a capture file held in memory. */
struct zc_pcap_read {
	int open_failed;  /* pcap_fopen_offline refused the header */
	int records;      /* packets pcap_next_ex returned before it stopped */
	int error;        /* it stopped on PCAP_ERROR, not at the end */
	uint32_t max_len; /* the longest caplen it returned */
};

/* zc_pcap_read_mem reads buf as libpcap does for net_pcap, stopping at the
 * first error or at limit records. */
void zc_pcap_read_mem(const void *buf, size_t len, int limit, struct zc_pcap_read *out);

#endif
