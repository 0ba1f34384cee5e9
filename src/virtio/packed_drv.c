/* SPDX-License-Identifier: MIT */
/*
 * Driver side of the packed virtqueue (VIRTIO 1.2 §2.8).
 *
 * Slots are used strictly in ring order; buffer ids come from a private
 * stack.  A chain's head flags are written last, and the first head of a
 * batch only at publish time, so the device sees whole chains and whole
 * batches.
 */
#include "virtio/vq_drv_impl.h"

#include <errno.h>

static inline void advance(uint16_t *slot, bool *wrap, uint16_t by, uint16_t size)
{
	*slot += by;
	if (*slot >= size) {
		*slot -= size;
		*wrap = !*wrap;
	}
}

static inline uint16_t avail_bits(bool wrap)
{
	return wrap ? VQ_PACKED_F_AVAIL : VQ_PACKED_F_USED;
}

/* Write one descriptor; its flags too unless it is the chain's head. */
static void put_desc(struct vq_drv *vq, uint16_t slot, const struct vq_buf *b,
		     uint16_t id, uint16_t flags, bool head)
{
	struct vring_packed_desc *d = &vq->ring.packed.desc[slot];

	d->addr = b->addr;
	d->len = b->len;
	d->id = id;
	if (!head)
		vq_store_once(&d->flags, flags);
}

int packed_drv_add(struct vq_drv *vq, const struct vq_buf *out, unsigned nout,
		   const struct vq_buf *in, unsigned nin, void *token)
{
	unsigned parts = nout + nin;
	bool indirect = vq_drv_use_indirect(vq, parts);
	unsigned need = indirect ? 1 : parts;
	uint16_t head_slot = vq->avail_idx, head_flags = 0, id;
	uint32_t in_len = 0;

	if (need > vq->num_free)
		return -ENOSPC;
	id = vq->free_ids[--vq->free_head];
	for (unsigned j = 0; j < nin; j++)
		in_len += in[j].len;
	if (indirect) {
		struct vq_buf t = vq_drv_fill_indirect(vq, id, out, nout, in, nin);

		head_flags = VRING_DESC_F_INDIRECT | avail_bits(vq->avail_wrap);
		put_desc(vq, head_slot, &t, id, head_flags, true);
		advance(&vq->avail_idx, &vq->avail_wrap, 1, vq->size);
	} else {
		for (unsigned j = 0; j < parts; j++) {
			uint16_t flags = (j >= nout ? VRING_DESC_F_WRITE : 0) |
					 (j + 1 < parts ? VRING_DESC_F_NEXT : 0) |
					 avail_bits(vq->avail_wrap);

			if (j == 0)
				head_flags = flags;
			put_desc(vq, vq->avail_idx, j < nout ? &out[j] : &in[j - nout],
				 id, flags, j == 0);
			advance(&vq->avail_idx, &vq->avail_wrap, 1, vq->size);
		}
	}
	vq->num_free -= need;
	vq->state[id] = (struct vq_drv_buf_state){
		.token = token, .in_len = in_len, .ndesc = (uint16_t)need,
	};
	if (vq->pending++ == 0) {
		vq->batch_slot = head_slot;
		vq->batch_flags = head_flags;
	} else {
		vq_store_release(&vq->ring.packed.desc[head_slot].flags, head_flags);
	}
	vq_drv_note_added(vq, id);
	return 0;
}

void packed_drv_publish(struct vq_drv *vq)
{
	vq_store_release(&vq->ring.packed.desc[vq->batch_slot].flags, vq->batch_flags);
}

bool packed_drv_needs_kick(struct vq_drv *vq)
{
	uint16_t old = vq->kicked, flags;

	vq->kicked = vq->avail_idx;
	vq_mb(); /* our flags visible before we read the device's wishes */
	flags = vq_load_once(&vq->ring.packed.device->flags);
	if (flags != VRING_PACKED_EVENT_FLAG_DESC || !vq->feat.event_idx)
		return flags != VRING_PACKED_EVENT_FLAG_DISABLE;
	return vq_packed_need_event(vq_load_acquire(&vq->ring.packed.device->off_wrap),
				    old, vq->avail_idx, vq->avail_wrap, vq->size);
}

static inline bool is_used(uint16_t flags, bool wrap)
{
	return !!(flags & VQ_PACKED_F_AVAIL) == wrap && !!(flags & VQ_PACKED_F_USED) == wrap;
}

int packed_drv_peek_used(struct vq_drv *vq, uint16_t *id, uint32_t *len)
{
	struct vring_packed_desc *d = &vq->ring.packed.desc[vq->last_used];

	if (!is_used(vq_load_acquire(&d->flags), vq->used_wrap))
		return 0;
	*id = vq_load_once(&d->id);
	*len = vq_load_once(&d->len);
	return 1;
}

void packed_drv_reclaim(struct vq_drv *vq, uint16_t id)
{
	uint16_t ndesc = vq->state[id].ndesc;

	vq->free_ids[vq->free_head++] = id;
	vq->num_free += ndesc;
	advance(&vq->last_used, &vq->used_wrap, ndesc, vq->size);
}

void packed_drv_set_call(struct vq_drv *vq, bool enable)
{
	struct vring_packed_desc_event *ev = vq->ring.packed.driver;

	if (!enable) {
		vq_store_once(&ev->flags, VRING_PACKED_EVENT_FLAG_DISABLE);
		return;
	}
	if (vq->feat.event_idx) {
		vq_store_once(&ev->off_wrap, vq->last_used | (vq->used_wrap ? VQ_PACKED_WRAP_BIT : 0));
		vq_store_release(&ev->flags, VRING_PACKED_EVENT_FLAG_DESC);
	} else {
		vq_store_release(&ev->flags, VRING_PACKED_EVENT_FLAG_ENABLE);
	}
}

bool packed_drv_has_used(struct vq_drv *vq)
{
	return is_used(vq_load_acquire(&vq->ring.packed.desc[vq->last_used].flags), vq->used_wrap);
}
