#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>

#include "ethdev_private.h"

// zc_eth_dev_layout_ok checks ZC_ETH_DEV_SIZE against the library that
// is loaded: the ELF symbol rte_eth_devices is an array of
// RTE_MAX_ETHPORTS struct rte_eth_dev, so its size is the stride times
// the count. 1: they agree; 0: they do not (a DPDK built with another
// configuration than the headers this was compiled with); -1: the size
// cannot be read (a static build), and only the callers' other checks
// stand.
int zc_eth_dev_layout_ok(void) {
	static int ok = -2; // a benign race: every caller computes the same
	if (ok != -2)
		return ok;
	Dl_info info;
	const ElfW(Sym) *sym = NULL;
	int r = -1;
	if (dladdr1(rte_eth_devices, &info, (void **)&sym, RTLD_DL_SYMENT) != 0 && sym != NULL && sym->st_size != 0)
		r = sym->st_size == (size_t)RTE_MAX_ETHPORTS * ZC_ETH_DEV_SIZE;
	ok = r;
	return r;
}
