/* DPDK's log stream: see log.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_log.h>

#include "log.h"

/* A record fits in one atomic pipe write (PIPE_BUF). */
#define ZC_LOG_MAX 4096

static int wfd = -1;
static uint64_t dropped;

static int put(uint32_t level, uint32_t tid, const char *buf, size_t size)
{
	char rec[ZC_LOG_MAX];
	struct zc_log_rec h;
	if (size > sizeof(rec) - sizeof(h))
		size = sizeof(rec) - sizeof(h);
	h.len = (uint32_t)size;
	h.level = level;
	h.tid = tid;
	memcpy(rec, &h, sizeof(h));
	memcpy(rec + sizeof(h), buf, size);
	ssize_t n;
	do {
		n = write(wfd, rec, sizeof(h) + size);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		__atomic_fetch_add(&dropped, 1, __ATOMIC_RELAXED);
		return -errno;
	}
	return 0;
}

static ssize_t log_write(void *cookie, const char *buf, size_t size)
{
	(void)cookie;
	int level = rte_log_cur_msg_loglevel();
	/* Critical messages precede a panic (rte_panic aborts the process
	 * right after): write them where they cannot be lost. */
	if (level > 0 && level <= (int)RTE_LOG_CRIT) {
		ssize_t r = write(STDERR_FILENO, buf, size);
		(void)r;
		return (ssize_t)size;
	}
	if (level <= 0)
		level = RTE_LOG_INFO;
	put((uint32_t)level, (uint32_t)syscall(SYS_gettid), buf, size);
	/* Always say it was written: a short count makes stdio retry. */
	return (ssize_t)size;
}

int zc_log_open(void)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* Writers never block: a message that does not fit is counted. */
	if (fcntl(p[1], F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20); /* best effort */
	cookie_io_functions_t io = {.write = log_write};
	FILE *f = fopencookie(NULL, "w", io);
	if (f == NULL)
		return -errno;
	/* Unbuffered: each message (one vfprintf under the stream's lock)
	 * is one write, on the thread that logged it. */
	setvbuf(f, NULL, _IONBF, 0);
	wfd = p[1];
	rte_openlog_stream(f);
	return p[0];
}

int zc_log_mark(uint32_t n)
{
	return put(0, n, "", 0);
}

uint64_t zc_log_dropped(void)
{
	return __atomic_load_n(&dropped, __ATOMIC_RELAXED);
}
