/*
 * zcnic's telemetry commands: /zcnic/ports, /zcnic/lcores, /zcnic/drops.
 *
 * DPDK runs telemetry callbacks on its own thread, at any time. They read
 * a registry that the runner fills when its loops start and clears
 * before it frees them; the registry's lock makes the two exclusive, so a
 * callback never reads a loop's counters after the run freed them. The
 * counters themselves are the loops' (struct zc_counters in turn.h), read
 * as they run.
 */
#ifndef ZC_TELEMETRY_H
#define ZC_TELEMETRY_H

#include <stdint.h>
#include "turn.h"

enum {
	ZC_TEL_MAX_LCORES = 128,
	ZC_TEL_NAME = 64,
};

/* zc_tel_begin starts filling the registry for a run with nports ports
 * and the pool named pool, whose loops count bytes if loop_bytes (else
 * /zcnic/ports has no byte fields); the commands answer "no run" until
 * zc_tel_publish. It returns the run's token. */
uint64_t zc_tel_begin(uint16_t nports, const char *pool, int loop_bytes);

/* zc_tel_port names port index i (device name, ethdev port id). */
void zc_tel_port(uint64_t token, uint16_t i, const char *name, uint16_t id);

/* zc_tel_lcore adds a loop: its lcore id and its counters. */
int zc_tel_lcore(uint64_t token, unsigned lcore, const struct zc_counters *c);

/* zc_tel_publish makes the registry visible to the commands. */
void zc_tel_publish(uint64_t token);

/* zc_tel_clear empties the registry if it still holds the run of token.
 * Once it returns, no callback reads that run's counters. */
void zc_tel_clear(uint64_t token);

/* zc_tel_reason names drop reason i as /zcnic/drops does, or NULL. */
const char *zc_tel_reason(int i);

/* zc_tel_name_reason names the handler's reason i (from ZC_DROP_USER). */
void zc_tel_name_reason(int i, const char *name);

#endif
