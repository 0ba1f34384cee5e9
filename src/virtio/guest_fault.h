/* SPDX-License-Identifier: MIT */
/*
 * Guest memory that faults: a front-end that truncates (or shrinks) the
 * file it handed over makes the next access to the lost pages raise
 * SIGBUS.  That must break only the front-end's own port, never the
 * process, and cost the data path nothing.
 *
 * Every guest memory mapping is registered here (start, length, where to
 * report a fault).  One process-wide SIGBUS handler looks the faulting
 * address up; inside a registered mapping it replaces the whole mapping
 * with private anonymous zero pages (the access then retries and reads
 * zeros or writes into throwaway pages) and stores the faulting address
 * in the mapping's report word, which the owner tests once per burst.  A
 * fault anywhere else is not ours: the previous handler (the default
 * action, a core dump, or a sanitizer's report) gets it.
 *
 * The registry is a fixed array of slots, each a sequence-counted record
 * (a seqlock with one writer): the handler, which may run on any thread at
 * any time, reads it without locks; writers serialise on a mutex and are
 * never in the handler.  A mapping must be deregistered before it is
 * unmapped, and only once no thread can still access it: the owner's
 * usual rule (rings stopped before memory is released) makes that so.
 */
#ifndef UVNET_VIRTIO_GUEST_FAULT_H
#define UVNET_VIRTIO_GUEST_FAULT_H

#include <stddef.h>
#include <stdint.h>

/* Mappings registered at once: 64 regions of 64 vhost-user ports. */
#define GUEST_FAULT_MAX_MAPPINGS 4096

/* Install the SIGBUS handler (again, if another took SIGBUS meanwhile).
 * Call after whatever else installs one (sanitizers do at start-up): a
 * fault that is not in guest memory goes to that one.  0 or -errno. */
int guest_fault_install(void);

/*
 * Register [start, start + len) (page aligned, as mmap returned it; len a
 * multiple of the mapping's page size, huge pages included).  On a fault
 * inside it, *report (0 until then) is set to the faulting address.  The
 * slot number (for guest_fault_del()), or -EMFILE when every slot is taken.
 */
int guest_fault_add(void *start, size_t len, uintptr_t *report);

/* Forget slot (from guest_fault_add(); negative: nothing). */
void guest_fault_del(int slot);

/* The report word, read by the owner (a relaxed load: any thread). */
static inline uintptr_t guest_fault_read(const uintptr_t *report)
{
	return __atomic_load_n(report, __ATOMIC_RELAXED);
}

#endif
