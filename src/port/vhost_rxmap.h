/* SPDX-License-Identifier: MIT */
/*
 * The guest RX rings a vhost-user port spreads frames over: the queue
 * pairs whose RX ring runs now, in ascending order.  A flow's hash picks
 * one (hash % count), as RSS would, so one flow stays on one ring while
 * the set does not change, and a guest that enables 2 of its 8 queue
 * pairs (or moves from 4 to 2 with `ethtool -L`) gets its traffic spread
 * over exactly those.
 *
 * One writer (the control thread, as rings start and stop), any number
 * of readers (workers), no lock: every entry always holds a queue pair
 * index below VHOST_RXMAP_MAX, so a reader racing an update may pick a
 * ring that has just stopped (the ring's own lock then finds it stopped,
 * and the frames are dropped), never an index out of range.  An entry
 * becomes visible before the count that covers it (release/acquire).
 */
#ifndef UVNET_PORT_VHOST_RXMAP_H
#define UVNET_PORT_VHOST_RXMAP_H

#include <stdbool.h>
#include <stdint.h>

#define VHOST_RXMAP_MAX 128

struct vhost_rxmap {
	unsigned count;                 /* entries [0, count) are the set */
	uint8_t q[VHOST_RXMAP_MAX];     /* queue pair indexes, ascending */
};

/* Add queue pair qi (< VHOST_RXMAP_MAX; already there: nothing). */
void vhost_rxmap_add(struct vhost_rxmap *m, unsigned qi);

/* Remove queue pair qi (not there: nothing). */
void vhost_rxmap_remove(struct vhost_rxmap *m, unsigned qi);

/* How many RX rings run (readers: once per burst). */
static inline unsigned vhost_rxmap_count(const struct vhost_rxmap *m)
{
	return __atomic_load_n(&m->count, __ATOMIC_ACQUIRE);
}

/* The queue pair for a flow hash, given count = vhost_rxmap_count()
 * (0: the first pair, whose ring then does not run). */
static inline unsigned vhost_rxmap_pick(const struct vhost_rxmap *m, unsigned count,
					uint32_t hash)
{
	return count ? __atomic_load_n(&m->q[hash % count], __ATOMIC_RELAXED) : 0;
}

#endif
