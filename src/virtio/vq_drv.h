/* SPDX-License-Identifier: MIT */
/*
 * Driver side of a virtqueue (what the guest's virtio-net driver does, and
 * what uvnet's virtio-user front-end and tests use): add buffers, publish
 * them, decide when to kick the device, reclaim used buffers.
 *
 * The device is not trusted either: a used entry naming a buffer that is
 * not in flight, or a used length larger than the buffer's writable part,
 * breaks the queue (vq_drv_broken()) instead of being believed.
 *
 * The driver keeps its own shadow of every buffer it added (descriptor
 * count, writable length, caller token); the device cannot change those.
 */
#ifndef UVNET_VIRTIO_VQ_DRV_H
#define UVNET_VIRTIO_VQ_DRV_H

#include "virtio/vq.h"

/* A buffer as the driver names it: an address in the shared space. */
struct vq_buf {
	uint64_t addr;
	uint32_t len;
};

/*
 * Memory for indirect tables, one table of `max` entries per buffer id,
 * which the device must be able to read: host pointer and driver address
 * of the first table.  Leave host NULL to never use indirect descriptors.
 */
struct vq_indirect_area {
	void *host;
	uint64_t addr;
	uint16_t max;
};

struct vq_drv_buf_state {
	void *token;        /* caller's; NULL when the id is free */
	uint32_t in_len;    /* writable bytes: the most the device may report */
	uint16_t ndesc;     /* ring descriptors the buffer took */
	uint16_t last;      /* split: last descriptor, to splice the free list */
};

struct vq_drv {
	uint16_t size;
	uint16_t avail_idx;     /* split: next avail idx; packed: next slot */
	uint16_t last_used;     /* split: next used idx; packed: next used slot */
	uint16_t kicked;        /* avail idx/slot when the device was last kicked */
	uint16_t num_free;      /* free descriptors (split) or slots (packed) */
	uint16_t free_head;     /* split: free descriptor list; packed: free id stack top */
	uint16_t pending;       /* buffers added since the last publish */
	uint16_t batch_slot;    /* packed: head whose flags publish the batch */
	uint16_t batch_flags;
	bool avail_wrap;
	bool used_wrap;
	enum vq_layout layout;
	struct vq_features feat;
	union vq_ring_ptrs ring;
	struct vq_indirect_area ind;
	struct vq_drv_buf_state *state; /* [size], by buffer id */
	uint16_t *free_ids;             /* packed: stack of free ids; split: next-free links */
	uint16_t *order;                /* in-order: ids in the order added */
	uint16_t order_head, order_tail;
	bool batch_open;                /* in-order: reclaiming up to batch_id */
	uint16_t batch_id;
	uint32_t batch_len;
	struct error broken;            /* code 0 while healthy */
};

/*
 * Set up a fresh queue over zeroed ring memory.  Allocates the shadow state
 * (the only allocation; none on the data path).  -EINVAL, -ENOMEM.
 */
int vq_drv_init(struct vq_drv *vq, enum vq_layout layout, unsigned size,
		uint64_t features, const struct vq_rings *rings,
		const struct vq_indirect_area *ind);
void vq_drv_fini(struct vq_drv *vq);

/*
 * Add one buffer: `nout` device-readable then `nin` device-writable parts.
 * Not visible to the device before vq_drv_publish().  0, -ENOSPC when the
 * ring is full, -EINVAL for an empty buffer, -EIO when broken.
 */
int vq_drv_add(struct vq_drv *vq, const struct vq_buf *out, unsigned nout,
	       const struct vq_buf *in, unsigned nin, void *token);

/* Make every added buffer visible to the device. */
void vq_drv_publish(struct vq_drv *vq);

/* After a publish: does the device want a kick (the kick eventfd)? */
bool vq_drv_needs_kick(struct vq_drv *vq);

/*
 * Reclaim up to n used buffers: their tokens and used lengths.  Returns
 * how many, or -EIO when the device misbehaved and nothing was reclaimed.
 */
int vq_drv_get_used(struct vq_drv *vq, void **tokens, uint32_t *lens, unsigned n);

/* Interrupt (call) suppression, like virtqueue_disable_cb()/enable_cb(). */
void vq_drv_disable_call(struct vq_drv *vq);
/* Returns true if used buffers arrived meanwhile: poll instead of sleeping. */
bool vq_drv_enable_call(struct vq_drv *vq);

bool vq_drv_has_used(struct vq_drv *vq);

static inline unsigned vq_drv_num_free(const struct vq_drv *vq)
{
	return vq->num_free;
}

/* Why the queue broke, or NULL while it is healthy. */
static inline const char *vq_drv_broken(const struct vq_drv *vq)
{
	return vq->broken.code ? vq->broken.msg : NULL;
}

#endif
