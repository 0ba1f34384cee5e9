/* SPDX-License-Identifier: MIT */
/*
 * Timing a data-path change on a noisy machine (bench/ab).  One binary
 * holds the old way (A) and the new way (B) and switches between them on a
 * signal, so that the two are compared second by second under the same
 * load, vCPU placement and code layout.  Timing two builds one after the
 * other measures those instead: builds of the same source differ in speed
 * by code layout alone, and the host moves the vCPUs between cache domains
 * within seconds.
 *
 * Only in a build configured with -Dab_toggle=true (bench/ab makes one).
 * An experiment reads
 *
 *	if (ab_new()) { the new way } else { the old way }
 *
 * and is reduced to one way once timed.  In other builds ab_new() is true.
 */
#ifndef UVNET_UTIL_AB_H
#define UVNET_UTIL_AB_H

#include <stdbool.h>

#ifdef UVNET_AB_TOGGLE
#include <signal.h>

/* SIGUSR2 sets, SIGUSR1 clears.  Weak: one variable for every file that
 * includes this, also in libraries linked without ab.c (tests). */
__attribute__((weak)) volatile sig_atomic_t ab_variant_new = 1;

/* Install the SIGUSR1 / SIGUSR2 handlers (before any thread starts). */
void ab_init(void);

static inline bool ab_new(void)
{
	return ab_variant_new;
}
#else
static inline bool ab_new(void)
{
	return true;
}
#endif

#endif
