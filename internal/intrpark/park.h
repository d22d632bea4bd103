// Holding DPDK's interrupt thread still (see park.go).

#ifndef ZCNIC_INTERNAL_INTRPARK_H
#define ZCNIC_INTERNAL_INTRPARK_H

// zc_intr_park holds the EAL interrupt thread in an alarm callback of its
// own, waiting up to timeout_ms for it to get there, and returns 0 with
// *park set, for zc_intr_unpark to release; -ETIMEDOUT when the thread
// did not come (busy in another callback that long), -ENOMEM, or the
// error of rte_eal_alarm_set. While it is held the thread runs no
// callback (no alarm, no device interrupt) and reads none of its
// interrupt sources: the caller must not wait for any of that.
int zc_intr_park(unsigned timeout_ms, void **park);

// zc_intr_unpark releases the thread zc_intr_park holds (park NULL:
// nothing to do).
void zc_intr_unpark(void *park);

#endif
