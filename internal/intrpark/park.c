#include "park.h"

#include <errno.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <rte_cycles.h>
#include <rte_interrupts.h>

// A park's state goes from WAIT to HELD (the thread is in park_cb) and
// then the thread waits on go, or from WAIT to ABANDONED (the caller gave
// up waiting). park_cb frees the park, whichever way it ends.
enum { WAIT, HELD, ABANDONED };

struct park {
	int state;
	sem_t go;
};

// The interrupt source of zcnic's own: an eventfd, registered once and
// never unregistered, so that nothing in DPDK (rte_eal_cleanup's
// rte_intr_callback_unregister_sync of its alarm source among them)
// waits for the callback that holds the thread. Its handle is the
// process's own memory, not DPDK's hugepages.
static struct rte_intr_handle *source;
static struct park *pending; // the park the next event is for

// park_cb runs on the interrupt thread when the eventfd is written,
// between two of the thread's other callbacks: it holds the thread until
// released.
static void park_cb(void *arg) {
	(void)arg;
	uint64_t n;
	if (read(rte_intr_fd_get(source), &n, sizeof(n)) < 0) {
		// nothing to read: another event took the park
	}
	struct park *p = __atomic_exchange_n(&pending, NULL, __ATOMIC_ACQ_REL);
	if (p == NULL)
		return;
	int want = WAIT;
	if (__atomic_compare_exchange_n(&p->state, &want, HELD, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		while (sem_wait(&p->go) != 0 && errno == EINTR)
			;
	}
	sem_destroy(&p->go);
	free(p);
}

// source_init registers the eventfd source, once (the caller serialises).
static int source_init(void) {
	if (source != NULL)
		return 0;
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct rte_intr_handle *h = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (h == NULL) {
		close(fd);
		return -ENOMEM;
	}
	int r;
	if ((r = rte_intr_type_set(h, RTE_INTR_HANDLE_EXT)) != 0 || (r = rte_intr_fd_set(h, fd)) != 0 ||
			(r = rte_intr_callback_register(h, park_cb, NULL)) != 0) {
		rte_intr_instance_free(h);
		close(fd);
		return r < 0 ? r : -r;
	}
	source = h;
	return 0;
}

int zc_intr_park(unsigned timeout_ms, void **park) {
	*park = NULL;
	int r = source_init();
	if (r != 0)
		return r;
	struct park *p = malloc(sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->state = WAIT;
	if (sem_init(&p->go, 0, 0) != 0) {
		free(p);
		return -errno;
	}
	__atomic_store_n(&pending, p, __ATOMIC_RELEASE);
	uint64_t one = 1;
	if (write(rte_intr_fd_get(source), &one, sizeof(one)) < 0) {
		r = -errno;
		if (__atomic_exchange_n(&pending, NULL, __ATOMIC_ACQ_REL) == p) {
			sem_destroy(&p->go);
			free(p);
		}
		return r;
	}
	for (unsigned long waited = 0; waited < (unsigned long)timeout_ms * 1000; waited += 50) {
		if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == HELD) {
			*park = p;
			return 0;
		}
		rte_delay_us_sleep(50);
	}
	// Not there in time: take the park back if the thread has not, or
	// leave it ABANDONED for park_cb to free.
	if (__atomic_exchange_n(&pending, NULL, __ATOMIC_ACQ_REL) == p) {
		sem_destroy(&p->go);
		free(p);
		return -ETIMEDOUT;
	}
	int want = WAIT;
	if (__atomic_compare_exchange_n(&p->state, &want, ABANDONED, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -ETIMEDOUT;
	*park = p; // held just now
	return 0;
}

void zc_intr_unpark(void *park) {
	if (park != NULL)
		sem_post(&((struct park *)park)->go);
}
