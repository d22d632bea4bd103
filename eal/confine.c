/* The C side of confine.go: lcore CPU sets and lcore thread ids. */
#define _GNU_SOURCE
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <rte_launch.h>
#include <rte_lcore.h>

#include "confine.h"

int zc_lcore_cpus(unsigned lcore, uint8_t *mask, int n)
{
	rte_cpuset_t set = rte_lcore_cpuset(lcore);
	int count = 0;
	memset(mask, 0, n);
	for (int c = 0; c < CPU_SETSIZE && c < n; c++)
		if (CPU_ISSET(c, &set)) {
			mask[c] = 1;
			count++;
		}
	return count;
}

static int record_tid(void *arg)
{
	*(int *)arg = (int)syscall(SYS_gettid);
	return 0;
}

int zc_worker_tid(unsigned lcore, int *tid)
{
	*tid = 0;
	int r = rte_eal_remote_launch(record_tid, tid, lcore);
	if (r != 0)
		return r;
	return rte_eal_wait_lcore(lcore);
}
