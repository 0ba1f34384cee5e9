/* SPDX-License-Identifier: MIT */
/*
 * Statistics counters with a single writer.  The writer adds with a plain
 * load and store (no locked instruction: on x86 that is a full barrier,
 * which would wait for every store into guest memory still in flight);
 * readers on other threads load with __atomic_load_n(..., __ATOMIC_RELAXED)
 * and see a recent value, never a torn one.
 */
#ifndef UVNET_UTIL_COUNTER_H
#define UVNET_UTIL_COUNTER_H

#include <stdint.h>

/* Add to a counter that only the calling thread writes. */
static inline void counter_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

#endif
