/*
 * The platform's floor for loop stalls (app.MeasureFloor): a C loop
 * pinned to one CPU that stamps each pass with the TSC, as a zcnic loop
 * stamps each turn (turn.c's time_turn: the same histogram and limits),
 * and otherwise only spins. Its gaps are time the kernel or the
 * hypervisor took the CPU, which no program on that CPU can avoid.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>

#include <rte_cycles.h>
#include <rte_pause.h>

#include "turn.h"

int zc_floor(struct zc_stalls *st, int cpu, uint64_t cycles, uint64_t spin)
{
	cpu_set_t set, old;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_getaffinity(0, sizeof(old), &old) != 0)
		return errno;
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return errno;
	uint64_t end = rte_rdtsc() + cycles;
	st->last = 0;
	for (;;) {
		uint64_t now = zc_time_turn(st);
		if (now >= end)
			break;
		/* A turn's worth of spinning, so that gaps are counted at
		 * about the grain of a loop's turns. */
		while (rte_rdtsc() - now < spin)
			rte_pause();
	}
	sched_setaffinity(0, sizeof(old), &old);
	return 0;
}
