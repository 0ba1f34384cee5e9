/* SPDX-License-Identifier: MIT */
/* Monotonic time since an arbitrary start, for deadlines, intervals and ages. */
#ifndef UVNET_UTIL_CLOCK_H
#define UVNET_UTIL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ms_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* CLOCK_MONOTONIC: deadlines and timeouts. */
static inline uint64_t clock_mono_ms(void)
{
	return clock_ms_of(CLOCK_MONOTONIC);
}

/* CLOCK_MONOTONIC_COARSE: read in the vDSO without a syscall, ticking
 * every few ms; for once-a-burst stamps such as the FDB's. */
static inline uint64_t clock_coarse_ms(void)
{
	return clock_ms_of(CLOCK_MONOTONIC_COARSE);
}

/* Whole seconds of CLOCK_MONOTONIC_COARSE: deadlines counted in seconds. */
static inline time_t clock_coarse_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

#endif
