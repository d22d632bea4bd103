#ifndef ZC_CONFINE_H
#define ZC_CONFINE_H
#include <stdint.h>

/* zc_lcore_cpus sets mask[c] to 1 for each CPU c (below n) lcore runs
 * on, and returns how many. */
int zc_lcore_cpus(unsigned lcore, uint8_t *mask, int n);

/* zc_worker_tid runs a function on the worker lcore that reads its
 * thread id into *tid, and waits for it (on the main lcore). */
int zc_worker_tid(unsigned lcore, int *tid);
#endif
