#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <pcap.h>
#include "libpcap.h"

void zc_pcap_read_mem(const void *buf, size_t len, int limit, struct zc_pcap_read *out)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	FILE *f;

	memset(out, 0, sizeof(*out));
	f = fmemopen((void *)buf, len, "rb");
	if (f == NULL) {
		out->open_failed = 1;
		return;
	}
	p = pcap_fopen_offline(f, errbuf);
	if (p == NULL) {
		fclose(f);
		out->open_failed = 1;
		return;
	}
	while (out->records < limit) {
		int r = pcap_next_ex(p, &h, &data);
		if (r != 1) {
			out->error = r == PCAP_ERROR;
			break;
		}
		out->records++;
		if (h->caplen > out->max_len)
			out->max_len = h->caplen;
	}
	pcap_close(p); /* closes f */
}
