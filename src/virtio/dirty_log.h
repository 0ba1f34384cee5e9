/* SPDX-License-Identifier: MIT */
/*
 * The dirty-page log of a guest being migrated (vhost-user's
 * VHOST_USER_SET_LOG_BASE with LOG_SHMFD, the kernel vhost's
 * VHOST_SET_LOG_BASE): a bitmap the VMM shares with the device, one bit
 * per 4 KiB page of guest-physical memory, bit (gpa / 4096) % 8 of byte
 * (gpa / 4096) / 8.  While the VMM copies guest memory to the
 * destination it takes bits out of the log (an atomic exchange) and sends
 * those pages again; the device sets the bit of every page it writes
 * into, after the write, so no page it wrote arrives stale.
 *
 * Several workers may write into one guest (its receive rings, its used
 * rings), and the VMM clears bits meanwhile: a bit is set with an atomic
 * OR.  A bit already set is not written again (no locked instruction, no
 * cache line taken from the other writers): that is safe only after a
 * full barrier between the writes into guest memory and the reads of the
 * log, so the caller issues dirty_log_barrier() once before a batch of
 * marks.  (Without it, a store still in the store buffer could miss a
 * copy the VMM makes just after clearing a bit we read as set.)
 *
 * Pages beyond the end of the log are not marked: a front-end that sizes
 * its log too small only hurts its own migration.
 */
#ifndef UVNET_VIRTIO_DIRTY_LOG_H
#define UVNET_VIRTIO_DIRTY_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/guest_mem.h"

#define DIRTY_LOG_PAGE_SHIFT 12
#define DIRTY_LOG_PAGE_SIZE (1ull << DIRTY_LOG_PAGE_SHIFT)

struct dirty_log {
	uint8_t *bits;  /* NULL: no log */
	uint64_t len;   /* bytes of bitmap: it covers len * 8 pages */
};

/* Every store into guest memory so far is visible before the log reads
 * and marks that follow (see above). */
static inline void dirty_log_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Mark the pages of guest-physical [gpa, gpa + len).  A range that wraps
 * the address space stops at its end.  Returns the pages marked or found
 * marked (those past the end of the log are not counted). */
unsigned dirty_log_gpa(const struct dirty_log *log, uint64_t gpa, uint64_t len);

/* Mark the pages under host bytes [host, host + len) of the guest memory
 * table `mem` (a receive buffer as the device sees it): each piece is
 * mapped back to its guest-physical address through the region holding
 * it.  Bytes in no region are skipped.  Returns the pages marked. */
unsigned dirty_log_host(const struct dirty_log *log, const struct guest_mem *mem,
			const void *host, size_t len);

/* Is the page holding gpa marked?  (Tests, diagnostics.) */
bool dirty_log_test(const struct dirty_log *log, uint64_t gpa);

#endif
