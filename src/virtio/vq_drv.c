/* SPDX-License-Identifier: MIT */
/*
 * Driver side, layout-independent part: set-up, indirect tables, checking
 * what the device reports as used, in-order batches, dispatch.
 */
#include "virtio/vq_drv_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int vq_drv_fail(struct vq_drv *vq, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vq_set_broken(&vq->broken, fmt, ap);
	va_end(ap);
	return rc;
}

int vq_drv_init(struct vq_drv *vq, enum vq_layout layout, unsigned size,
		uint64_t features, const struct vq_rings *rings,
		const struct vq_indirect_area *ind)
{
	if (!vq_size_valid(layout, size))
		return -EINVAL;
	*vq = (struct vq_drv){
		.size = (uint16_t)size,
		.num_free = (uint16_t)size,
		.layout = layout,
		.feat = vq_features_from(features),
		.avail_wrap = true,
		.used_wrap = true,
	};
	if (ind)
		vq->ind = *ind;
	vq->state = calloc(size, sizeof(*vq->state));
	vq->free_ids = calloc(size, sizeof(*vq->free_ids));
	vq->order = calloc(size, sizeof(*vq->order));
	if (!vq->state || !vq->free_ids || !vq->order) {
		vq_drv_fini(vq);
		return -ENOMEM;
	}
	if (layout == VQ_SPLIT) {
		vq->ring.split.desc = rings->desc;
		vq->ring.split.avail = rings->driver;
		vq->ring.split.used = rings->device;
		for (unsigned i = 0; i < size; i++)
			vq->free_ids[i] = (uint16_t)(i + 1); /* next-free links */
		vq->free_head = 0;
	} else {
		vq->ring.packed.desc = rings->desc;
		vq->ring.packed.driver = rings->driver;
		vq->ring.packed.device = rings->device;
		for (unsigned i = 0; i < size; i++)
			vq->free_ids[i] = (uint16_t)(size - 1 - i); /* id stack */
		vq->free_head = (uint16_t)size;
	}
	return 0;
}

void vq_drv_fini(struct vq_drv *vq)
{
	free(vq->state);
	free(vq->free_ids);
	free(vq->order);
	vq->state = NULL;
	vq->free_ids = vq->order = NULL;
}

struct vq_buf vq_drv_fill_indirect(struct vq_drv *vq, uint16_t id,
				   const struct vq_buf *out, unsigned nout,
				   const struct vq_buf *in, unsigned nin)
{
	size_t off = (size_t)id * vq->ind.max * 16;
	void *table = (uint8_t *)vq->ind.host + off;
	unsigned n = nout + nin;

	for (unsigned j = 0; j < n; j++) {
		const struct vq_buf *b = j < nout ? &out[j] : &in[j - nout];
		uint16_t write = j >= nout ? VRING_DESC_F_WRITE : 0;

		if (vq->layout == VQ_SPLIT)
			((struct vring_desc *)table)[j] = (struct vring_desc){
				.addr = b->addr, .len = b->len, .next = (uint16_t)(j + 1),
				.flags = write | (j + 1 < n ? VRING_DESC_F_NEXT : 0),
			};
		else /* a packed table is walked in order; id lives in the ring */
			((struct vring_packed_desc *)table)[j] = (struct vring_packed_desc){
				.addr = b->addr, .len = b->len, .flags = write,
			};
	}
	return (struct vq_buf){ vq->ind.addr + off, (uint32_t)(16 * n) };
}

int vq_drv_add(struct vq_drv *vq, const struct vq_buf *out, unsigned nout,
	       const struct vq_buf *in, unsigned nin, void *token)
{
	if (vq_unlikely(vq->broken.code))
		return -EIO;
	if (nout + nin == 0 || nout + nin > VQ_MAX_SIZE || !token)
		return -EINVAL;
	return vq->layout == VQ_SPLIT ? split_drv_add(vq, out, nout, in, nin, token)
				      : packed_drv_add(vq, out, nout, in, nin, token);
}

void vq_drv_publish(struct vq_drv *vq)
{
	if (!vq->pending)
		return;
	if (vq->layout == VQ_SPLIT)
		split_drv_publish(vq);
	else
		packed_drv_publish(vq);
	vq->pending = 0;
}

bool vq_drv_needs_kick(struct vq_drv *vq)
{
	return vq->layout == VQ_SPLIT ? split_drv_needs_kick(vq)
				      : packed_drv_needs_kick(vq);
}

/* Remember the order buffers were added in, for IN_ORDER completion. */
void vq_drv_note_added(struct vq_drv *vq, uint16_t id)
{
	if (!vq->feat.in_order)
		return;
	vq->order[vq->order_tail] = id;
	vq->order_tail = vq->order_tail + 1 == vq->size ? 0 : vq->order_tail + 1;
}

static uint16_t order_pop(struct vq_drv *vq)
{
	uint16_t id = vq->order[vq->order_head];

	vq->order_head = vq->order_head + 1 == vq->size ? 0 : vq->order_head + 1;
	return id;
}

/* Check a used entry against our shadow of what is in flight. */
static int check_used(struct vq_drv *vq, uint16_t id, uint32_t len)
{
	if (id >= vq->size || !vq->state[id].token)
		return vq_drv_fail(vq, "device returned buffer id %u, which is not in flight", id);
	if (len > vq->state[id].in_len)
		return vq_drv_fail(vq, "device reported %u bytes used in buffer id %u of %u writable",
				   len, id, vq->state[id].in_len);
	return 0;
}

static void reclaim(struct vq_drv *vq, uint16_t id)
{
	if (vq->layout == VQ_SPLIT)
		split_drv_reclaim(vq, id);
	else
		packed_drv_reclaim(vq, id);
	vq->state[id].token = NULL;
}

int vq_drv_get_used(struct vq_drv *vq, void **tokens, uint32_t *lens, unsigned n)
{
	unsigned got = 0;

	while (got < n && !vq->broken.code) {
		uint16_t id;
		uint32_t len;

		if (!vq->batch_open) {
			int r = vq->layout == VQ_SPLIT ? split_drv_peek_used(vq, &id, &len)
						       : packed_drv_peek_used(vq, &id, &len);
			if (r <= 0 || check_used(vq, id, len))
				break;
			if (vq->feat.in_order) {
				/* One entry may stand for every buffer up to id. */
				vq->batch_open = true;
				vq->batch_id = id;
				vq->batch_len = len;
			}
		}
		if (vq->batch_open) {
			id = order_pop(vq);
			len = id == vq->batch_id ? vq->batch_len : 0;
			vq->batch_open = id != vq->batch_id;
		}
		tokens[got] = vq->state[id].token;
		lens[got] = len;
		reclaim(vq, id);
		got++;
	}
	return got == 0 && vq->broken.code ? -EIO : (int)got;
}

void vq_drv_disable_call(struct vq_drv *vq)
{
	if (vq->layout == VQ_SPLIT)
		split_drv_set_call(vq, false);
	else
		packed_drv_set_call(vq, false);
}

bool vq_drv_enable_call(struct vq_drv *vq)
{
	if (vq->layout == VQ_SPLIT)
		split_drv_set_call(vq, true);
	else
		packed_drv_set_call(vq, true);
	vq_mb(); /* our enable visible before we look for used buffers */
	return vq_drv_has_used(vq);
}

bool vq_drv_has_used(struct vq_drv *vq)
{
	if (vq->batch_open)
		return true;
	return vq->layout == VQ_SPLIT ? split_drv_has_used(vq)
				      : packed_drv_has_used(vq);
}
