/* SPDX-License-Identifier: MIT */
/*
 * Driver side of the split virtqueue (VIRTIO 1.2 §2.7).
 *
 * Free descriptors are linked through a private array, not through the
 * shared table's next fields, so a device scribbling on the table cannot
 * corrupt our allocator.
 */
#include "virtio/vq_drv_impl.h"

#include <errno.h>

#define used_event(vq) (&(vq)->ring.split.avail->ring[(vq)->size])
#define avail_event(vq) ((uint16_t *)&(vq)->ring.split.used->ring[(vq)->size])

int split_drv_add(struct vq_drv *vq, const struct vq_buf *out, unsigned nout,
		  const struct vq_buf *in, unsigned nin, void *token)
{
	unsigned parts = nout + nin;
	bool indirect = vq_drv_use_indirect(vq, parts);
	unsigned need = indirect ? 1 : parts;
	uint16_t head = vq->free_head, i = head, last = head;
	uint32_t in_len = 0;

	if (need > vq->num_free)
		return -ENOSPC;
	for (unsigned j = 0; j < nin; j++)
		in_len += in[j].len;
	if (indirect) {
		struct vq_buf t = vq_drv_fill_indirect(vq, head, out, nout, in, nin);

		vq->ring.split.desc[i] = (struct vring_desc){
			.addr = t.addr, .len = t.len, .flags = VRING_DESC_F_INDIRECT,
		};
	} else {
		for (unsigned j = 0; j < parts; j++) {
			const struct vq_buf *b = j < nout ? &out[j] : &in[j - nout];

			vq->ring.split.desc[i] = (struct vring_desc){
				.addr = b->addr,
				.len = b->len,
				.flags = (j >= nout ? VRING_DESC_F_WRITE : 0) |
					 (j + 1 < parts ? VRING_DESC_F_NEXT : 0),
				.next = vq->free_ids[i],
			};
			last = i;
			i = vq->free_ids[i];
		}
	}
	vq->free_head = indirect ? vq->free_ids[head] : i;
	vq->num_free -= need;
	vq->state[head] = (struct vq_drv_buf_state){
		.token = token, .in_len = in_len, .ndesc = (uint16_t)need, .last = last,
	};
	vq_store_once(&vq->ring.split.avail->ring[vq->avail_idx & (vq->size - 1)], head);
	vq->avail_idx++;
	vq->pending++;
	vq_drv_note_added(vq, head);
	return 0;
}

void split_drv_publish(struct vq_drv *vq)
{
	vq_store_release(&vq->ring.split.avail->idx, vq->avail_idx);
}

bool split_drv_needs_kick(struct vq_drv *vq)
{
	uint16_t old = vq->kicked;

	vq->kicked = vq->avail_idx;
	vq_mb(); /* avail->idx visible before we read the device's wishes */
	if (vq->feat.event_idx)
		return vring_need_event(vq_load_once(avail_event(vq)), vq->avail_idx, old);
	return !(vq_load_once(&vq->ring.split.used->flags) & VRING_USED_F_NO_NOTIFY);
}

int split_drv_peek_used(struct vq_drv *vq, uint16_t *id, uint32_t *len)
{
	uint16_t idx = vq_load_acquire(&vq->ring.split.used->idx);
	uint16_t ahead = idx - vq->last_used;
	const struct vring_used_elem *e;
	uint32_t raw_id;

	if (ahead == 0)
		return 0;
	if (ahead > vq->size)
		return vq_drv_fail(vq, "used index %u runs %u ahead of %u, queue size is %u",
				   idx, ahead, vq->last_used, vq->size);
	e = &vq->ring.split.used->ring[vq->last_used & (vq->size - 1)];
	raw_id = vq_load_once(&e->id);
	*len = vq_load_once(&e->len);
	*id = raw_id > UINT16_MAX ? UINT16_MAX : (uint16_t)raw_id; /* out of range either way */
	return 1;
}

void split_drv_reclaim(struct vq_drv *vq, uint16_t id)
{
	struct vq_drv_buf_state *s = &vq->state[id];

	vq->free_ids[s->last] = vq->free_head;
	vq->free_head = id;
	vq->num_free += s->ndesc;
	vq->last_used++;
}

void split_drv_set_call(struct vq_drv *vq, bool enable)
{
	if (vq->feat.event_idx) {
		/* Disabled: a stale used_event already stops interrupts. */
		if (enable)
			vq_store_once(used_event(vq), vq->last_used);
		return;
	}
	vq_store_once(&vq->ring.split.avail->flags, enable ? 0 : VRING_AVAIL_F_NO_INTERRUPT);
}

bool split_drv_has_used(struct vq_drv *vq)
{
	return vq_load_acquire(&vq->ring.split.used->idx) != vq->last_used;
}
