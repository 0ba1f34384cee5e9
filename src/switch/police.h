/* SPDX-License-Identifier: MIT */
/*
 * Ingress policing, as OVS's ingress_policing_rate/_burst: a token bucket
 * on the frames a port sends into the switch.  `rate` in kbit/s (1000
 * bit/s), `burst` in kbit (1000 bits); rate 0 is off; burst 0 with a rate
 * is OVS's default of 8000 kbit.  A frame is counted by its length after
 * the 14-byte Ethernet header (as OVS-DPDK's policer); one that does not
 * find enough tokens is dropped.  A frame larger than the bucket never
 * passes: the burst should be at least the largest frame (64 KiB with TSO).
 *
 * One bucket per port, shared by every worker that polls one of its
 * queues (a multiqueue guest's queues may sit on different workers).  It
 * is kept as GCRA (the ATM "virtual scheduling" form of a token bucket):
 * one 64-bit word, the time at which the bucket would be full again (its
 * "theoretical arrival time"), so a burst's decisions are made on a local
 * copy and published with one compare-and-swap; a burst that lost the race
 * to another worker decides again.  Why not a share of the rate per
 * queue: a guest whose traffic hashes onto one queue would get 1/N of the
 * rate.  The CAS is one locked instruction per burst, paid only on ports
 * that are policed; the others pay one predictable branch per burst.
 *
 * Times are in 1/16 ns (police_now()), so a 64-byte frame at 100 Gbit/s
 * still costs a whole number of units; 2^64 of them is 36 years.
 */
#ifndef UVNET_SWITCH_POLICE_H
#define UVNET_SWITCH_POLICE_H

#include <stdbool.h>
#include <stdint.h>

#include "net/frame.h"

#define POLICE_DEFAULT_BURST_KBIT 8000 /* OVS's, when the burst is 0 */
#define POLICE_UNITS_PER_NS 16
#define POLICE_HDR_LEN 14              /* not counted: the Ethernet header */

_Static_assert(FRAME_BURST <= 32, "a burst's verdicts fit a 32-bit mask");

/* What set-port or add-port configured; derived figures for the data path. */
struct police_cfg {
	uint32_t rate_kbps;      /* 0: off */
	uint32_t burst_kbit;     /* as configured (0: the default) */
	uint64_t byte_cost;      /* time units per byte, << 16 (fixed point) */
	uint64_t depth;          /* the bucket, in time units */
};

/* The bucket's state: one per port, its own cache line. */
struct police_bucket {
	uint64_t tat;            /* when the bucket is full again; 0: full now */
} __attribute__((aligned(64)));

/* rate 0: off (the other fields 0). */
void police_cfg_init(struct police_cfg *c, uint32_t rate_kbps, uint32_t burst_kbit);

/* CLOCK_MONOTONIC in police units. */
uint64_t police_now(void);

/* The cost of a frame of `len` bytes, in time units. */
static inline uint64_t police_cost(const struct police_cfg *c, uint32_t len)
{
	uint64_t n = len > POLICE_HDR_LEN ? len - POLICE_HDR_LEN : 0;

	return (n * c->byte_cost) >> 16;
}

/* police_burst()'s answer when all n frames conform. */
static inline uint32_t police_all(unsigned n)
{
	return n >= 32 ? ~0u : (1u << n) - 1;
}

/*
 * Take tokens for the n (<= FRAME_BURST) frames of a burst at time `now`:
 * bit i of the result is set when frame i conforms (and was paid for).
 * When the bucket holds the whole burst, it is paid for at once (the sum
 * of its bytes: within a time unit of paying frame by frame).
 */
uint32_t police_burst(const struct police_cfg *c, struct police_bucket *b,
		      const struct frame *f, unsigned n, uint64_t now);

/* The trace's question, changing nothing: would a frame of `len` bytes
 * pass at `now`?  *tokens: the bytes the bucket holds now. */
bool police_peek(const struct police_cfg *c, const struct police_bucket *b, uint32_t len,
		 uint64_t now, uint64_t *tokens);

/* Back to a full bucket (a new rate or burst). */
void police_reset(struct police_bucket *b);

#endif
