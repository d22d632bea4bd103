/*
 * DPDK's log, routed to Go: see log.go. The stream's write callback is
 * plain C, safe on any thread (a Go lcore, or a thread DPDK made): it
 * writes one record per message into a pipe that a goroutine reads, and
 * never calls into Go.
 */
#ifndef ZC_DPDKLOG_H
#define ZC_DPDKLOG_H

#include <stdint.h>

/* The head of a record on the pipe; len bytes of text follow. A marker
 * (level 0) carries no text: its tid field is the marker's number. */
struct zc_log_rec {
	uint32_t len;
	uint32_t level;
	uint32_t tid;
};

/* zc_log_open makes the pipe and the stream, and gives the stream to
 * rte_openlog_stream. It returns the pipe's read end, or -errno. */
int zc_log_open(void);

/* zc_log_mark writes marker n into the pipe, after every message logged
 * before it on this thread. It returns 0, or -errno. */
int zc_log_mark(uint32_t n);

/* zc_log_dropped is how many messages did not fit in the pipe. */
uint64_t zc_log_dropped(void);

#endif
