// The C side of Launch: EAL calls zc_lcore_entry on the worker lcore's
// thread, which enters Go for the whole life of the job.
#include <stdint.h>
#include <rte_launch.h>
#include <rte_errno.h>
#include "_cgo_export.h"

static int zc_lcore_entry(void *arg) {
	return goLcoreEntry((uintptr_t)arg);
}

int zc_remote_launch(uintptr_t handle, unsigned int lcore) {
	return rte_eal_remote_launch(zc_lcore_entry, (void *)handle, lcore);
}
