/* SPDX-License-Identifier: MIT */
/*
 * Device side of a virtqueue (what vhost is to the guest's driver): take
 * available descriptor chains, hand back used buffers, decide when the
 * driver must be signalled and whether it should kick us.
 *
 * Everything read from the rings is hostile.  Each descriptor is copied
 * once into a local before it is looked at; chains are bounded; addresses
 * are translated through the guest memory table.  On a protocol violation
 * the queue becomes broken: vq_dev_broken() names the reason, every later
 * pop takes nothing and reports it, no notification is sent any more
 * (chains popped before may still be completed into the used ring, where
 * the driver finds them when it looks), and nothing outside mapped guest
 * memory was touched.
 *
 * One thread owns a vq_dev at a time; the driver runs concurrently.
 */
#ifndef UVNET_VIRTIO_VQ_DEV_H
#define UVNET_VIRTIO_VQ_DEV_H

#include "virtio/dirty_log.h"
#include "virtio/guest_mem.h"
#include "virtio/vq.h"

#define VQ_USED_SHADOW 64 /* split: used entries held back per flush */

struct vq_dev {
	/* Hot state, touched by every pop and push. */
	uint16_t size;
	uint16_t last_avail;    /* split: next avail idx; packed: next slot */
	uint16_t avail_shadow;  /* split: avail->idx as last read */
	uint16_t used_idx;      /* split: next used idx; packed: next slot */
	uint16_t signalled;     /* used idx/slot when the driver was last told */
	uint16_t staged;        /* used entries written but not yet published */
	uint16_t batch_slot;    /* packed: slot whose flags publish the batch */
	uint16_t batch_flags;
	bool avail_wrap;        /* packed wrap counters */
	bool used_wrap;
	bool signalled_valid;
	enum vq_layout layout;
	struct vq_features feat;
	const struct guest_mem *mem;
	struct guest_mem_cache mcache;
	union vq_ring_ptrs ring;
	struct error broken;    /* code 0 while healthy */
	/* Migration (vq_dev_set_log()): NULL while the VMM does not log.
	 * Tested once per flush or burst, never per byte. */
	const struct dirty_log *log;
	bool log_rings;         /* the ring areas we write are logged too */
	uint64_t log_device_gpa; /* split: used ring; packed: device event area */
	uint64_t log_desc_gpa;  /* packed: descriptor ring (used entries go there) */
	/* split: used entries for ring slots [used_idx - nshadow, used_idx),
	 * written into the ring at the flush (see split_dev.c); at most
	 * shadow_cap of them: a ring's worth, or the shadow's (packed: 0) */
	uint16_t nshadow;
	uint16_t shadow_cap;
	struct vring_used_elem shadow[VQ_USED_SHADOW];
};

/*
 * Set up over rings already translated to host pointers.  For a split ring
 * the used index is taken from the ring itself (the device's own record);
 * `base` is the vhost-user encoding of the available state (split: next
 * avail idx; packed: bits 0-14 avail slot, 15 avail wrap, 16-30 used slot,
 * 31 used wrap).  Returns -EINVAL on a bad size.
 */
int vq_dev_init(struct vq_dev *vq, enum vq_layout layout, unsigned size,
		uint64_t features, const struct guest_mem *mem,
		const struct vq_rings *rings, uint32_t base);

/*
 * Log the writes into guest memory in `log` (NULL: stop logging), for a
 * migration: the ring's own writes (split: used entries, used->idx,
 * flags and avail_event at device_gpa, the used ring's guest-physical
 * address; packed: used descriptors in the ring at desc_gpa, the device
 * event area at device_gpa) when `rings`; a user of the queue that
 * writes into the buffers marks those (vq->log is what it tests).  Call
 * after vq_dev_init(), before the queue is used.
 */
void vq_dev_set_log(struct vq_dev *vq, const struct dirty_log *log, bool rings,
		    uint64_t device_gpa, uint64_t desc_gpa);

/* For vq_dev_flush() only: log what the flush wrote. */
void vq_dev_log_flush(struct vq_dev *vq);

/* Chains popped whose used entry is not published yet (0 on a queue at
 * rest: what GET_VRING_BASE must find when it hands the ring over). */
unsigned vq_dev_in_flight(const struct vq_dev *vq);

/* The vhost-user GET_VRING_BASE value for where the queue stands now. */
uint32_t vq_dev_base(const struct vq_dev *vq);

/*
 * Pop up to n available chains into c[].  Returns how many, or -EIO when
 * the queue is (or just became) broken and nothing was popped.  Chains
 * popped before a violation are returned; the next call reports it.
 */
int vq_dev_pop_burst(struct vq_dev *vq, struct vq_chain *c, unsigned n);

/* Give back the last n chains popped (newest last in c[]) unused. */
void vq_dev_unpop(struct vq_dev *vq, const struct vq_chain *c, unsigned n);

/* For vq_dev_push() only: every case but a split entry joining the shadow. */
void vq_dev_push_slow(struct vq_dev *vq, uint16_t id, uint16_t ndesc, uint32_t len);

/*
 * Stage a used buffer; the driver sees it after vq_dev_flush().  Inline
 * for the common case, a split ring's entry joining the shadow (the same
 * as split_dev_push() with nbufs 1): it runs for every frame a guest
 * receives, and two calls cost more than the work.
 */
static inline void vq_dev_push(struct vq_dev *vq, uint16_t id, uint16_t ndesc, uint32_t len)
{
	if (vq->nshadow < vq->shadow_cap) {
		vq->shadow[vq->nshadow++] = (struct vring_used_elem){ .id = id, .len = len };
		vq->used_idx++;
		vq->staged++;
		return;
	}
	vq_dev_push_slow(vq, id, ndesc, len);
}

/*
 * VIRTIO_F_IN_ORDER only: complete `nbufs` chains (taking `ndesc` slots in
 * all: more than 16 bits hold when a hostile driver's chains lap a packed
 * ring) with one used entry naming the last one, whose used length is 0.
 * For queues where the driver ignores the length (transmit).
 */
void vq_dev_push_in_order(struct vq_dev *vq, uint16_t last_id, uint16_t nbufs,
			  unsigned ndesc);

/* Publish everything staged; false if nothing was. */
bool vq_dev_flush(struct vq_dev *vq);

/* After a flush: does the driver want an interrupt (the call eventfd)? */
bool vq_dev_needs_call(struct vq_dev *vq);

/* Ask the driver not to kick (while we poll). */
void vq_dev_disable_kick(struct vq_dev *vq);

/*
 * Ask the driver to kick again.  Returns true if chains arrived meanwhile:
 * the caller must poll once more instead of sleeping, or a kick is lost.
 */
bool vq_dev_enable_kick(struct vq_dev *vq);

/* Chains are waiting (a cheap check, no state change). */
bool vq_dev_has_avail(struct vq_dev *vq);

/* Break the queue for a reason found outside it (its memory faulted): as a
 * violation would.  A queue already broken keeps its first reason.  Only
 * its owner may call this (a worker's queue: detached first). */
void vq_dev_break(struct vq_dev *vq, const char *why);

/* Why the queue broke, or NULL while it is healthy. */
static inline const char *vq_dev_broken(const struct vq_dev *vq)
{
	return vq->broken.code ? vq->broken.msg : NULL;
}

#endif
