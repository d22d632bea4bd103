// The address-space limit, checked before the Go runtime starts.
//
// Under a small `ulimit -v` the Go runtime cannot reserve its heap's
// metadata and ends the process before main with "fatal error: failed
// to reserve page summary memory" and exit status 2, the code zcnic
// keeps for a bad command line. This constructor runs first (the C
// runtime calls it before the Go runtime's own start): it raises the
// soft limit to the hard one, and below what the runtime needs it says
// why and exits 1, a failed run. Larger limits are checked, against
// DPDK's needs, when EAL starts (aslimit.go, from eal.Init). Every
// program that links eal has it: below this limit its Go runtime could
// not have started anyway.

#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

// Below this the Go runtime may fail to start (it did at 700 MiB, and at
// 1.5 GiB on a loaded machine, Go 1.26 on x86-64), and EAL cannot start
// in any configuration (internal/aslimit.Min).
#define ZC_GO_MIN_AS (2ULL << 30)

__attribute__((constructor)) static void zc_check_as_limit(void) {
	struct rlimit l;
	if (getrlimit(RLIMIT_AS, &l) != 0 || l.rlim_cur == RLIM_INFINITY)
		return;
	if (l.rlim_cur < l.rlim_max) {
		struct rlimit want = {l.rlim_max, l.rlim_max};
		if (setrlimit(RLIMIT_AS, &want) == 0)
			l = want;
	}
	if (l.rlim_cur == RLIM_INFINITY || l.rlim_cur >= ZC_GO_MIN_AS)
		return;
	fprintf(stderr, "zcnic: the address-space limit is %llu KiB (ulimit -v), and its hard limit too: "
		"the Go runtime reserves more than that at start, and DPDK's EAL about 64 GiB "
		"(address space, not memory): raise it, e.g. ulimit -v unlimited\n",
		(unsigned long long)l.rlim_cur >> 10);
	_exit(1);
}
