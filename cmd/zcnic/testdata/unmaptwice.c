// A preload for TestMemifStopRacesPeerDisconnect (built by the test, not
// by go build): it makes the race between two threads unmapping one
// region wide enough to happen every time, and reports it.
//
// It follows the shared file mappings whose length is not a multiple of
// 2 MiB (net_memif's regions; DPDK's own hugepage segments are whole
// pages, and the Go runtime maps with raw system calls, which no preload
// sees). Each munmap of such a mapping waits ZC_UNMAP_DELAY_MS first and
// says "zc-unmap-slowed" on stderr; a second munmap of a mapping already
// unmapped, with no mmap of that address in between, says
// "zc-unmap-twice ADDR".

#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define SLOTS 64

static struct {
	void *addr;
	int live;
} slots[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *what, void *addr) {
	char b[96];
	int n = snprintf(b, sizeof(b), "%s %p (tid %d)\n", what, addr, (int)gettid());
	if (write(2, b, n) < 0) {
		// nothing to do: stderr is gone
	}
}

// follow records a new mapping.
static void follow(void *p, size_t len, int flags, int fd) {
	pthread_mutex_lock(&mu);
	for (int i = 0; i < SLOTS; i++) // a new mapping at a known address
		if (slots[i].addr == p)
			slots[i].addr = NULL;
	if (p != MAP_FAILED && fd >= 0 && (flags & MAP_SHARED) && len % (2u << 20) != 0) {
		for (int i = 0; i < SLOTS; i++) {
			if (slots[i].addr == NULL) {
				slots[i].addr = p;
				slots[i].live = 1;
				break;
			}
		}
	}
	pthread_mutex_unlock(&mu);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
	static void *(*real)(void *, size_t, int, int, int, off_t);
	if (real == NULL)
		real = dlsym(RTLD_NEXT, "mmap");
	void *p = real(addr, len, prot, flags, fd, off);
	follow(p, len, flags, fd);
	return p;
}

// DPDK is built with 64-bit file offsets: it calls mmap64, which on an
// LP64 glibc is mmap under another name.
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
	return mmap(addr, len, prot, flags, fd, off);
}

int munmap(void *addr, size_t len) {
	static int (*real)(void *, size_t);
	if (real == NULL)
		real = dlsym(RTLD_NEXT, "munmap");
	int known = 0, twice = 0;
	pthread_mutex_lock(&mu);
	for (int i = 0; i < SLOTS; i++) {
		if (slots[i].addr == addr) {
			known = 1;
			twice = !slots[i].live;
			slots[i].live = 0;
		}
	}
	pthread_mutex_unlock(&mu);
	if (twice)
		say("zc-unmap-twice", addr);
	if (known && !twice) {
		const char *d = getenv("ZC_UNMAP_DELAY_MS");
		say("zc-unmap-slowed", addr);
		if (d != NULL)
			usleep((useconds_t)atoi(d) * 1000);
	}
	return real(addr, len);
}
