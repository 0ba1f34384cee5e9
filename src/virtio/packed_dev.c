/* SPDX-License-Identifier: MIT */
/*
 * Device side of the packed virtqueue (VIRTIO 1.2 §2.8).
 *
 * Ownership: one descriptor ring that both sides write.  The driver makes
 * a slot available by writing the descriptor, then its flags (AVAIL = its
 * wrap counter, USED = the inverse); we make a buffer used by writing id
 * and len into the next used slot, then flags (AVAIL = USED = our used wrap
 * counter), and skip the slots the chain took.  The driver event
 * structure is the driver's, the device event structure ours.
 */
#include "virtio/vq_dev_impl.h"

static inline bool is_avail(uint16_t flags, bool wrap)
{
	return !!(flags & VQ_PACKED_F_AVAIL) == wrap &&
	       !!(flags & VQ_PACKED_F_USED) != wrap;
}

/*
 * Step a slot on, flipping the wrap counter at each lap.  `by` may exceed
 * the ring: an in-order batch covers every slot its chains took, and a
 * hostile driver can make one burst take more slots than the ring has.
 */
static inline void advance(uint16_t *slot, bool *wrap, unsigned by, uint16_t size)
{
	unsigned s = *slot + by;

	while (s >= size) {
		s -= size;
		*wrap = !*wrap;
	}
	*slot = (uint16_t)s;
}

static int walk_indirect(struct vq_dev *vq, struct vq_chain *c,
			 const struct vring_packed_desc *ind)
{
	uint32_t n = ind->len / 16;
	const void *table;

	if (vq_indirect_check(vq, ind->len))
		return -EIO;
	table = guest_mem_ptr(vq->mem, &vq->mcache, ind->addr, ind->len);
	for (uint32_t i = 0; i < n; i++) {
		struct vring_packed_desc d;

		if (vq_indirect_fetch(vq, table, ind->addr, i, &d))
			return -EIO;
		if (d.flags & VRING_DESC_F_INDIRECT)
			return vq_dev_fail(vq, "nested indirect descriptor");
		if (vq_chain_map(vq, c, d.addr, d.len, d.flags & VRING_DESC_F_WRITE))
			return -EIO;
	}
	return 0;
}

/* Returns 1 popped, 0 nothing available, -EIO broken. */
static int pop_one(struct vq_dev *vq, struct vq_chain *c)
{
	uint16_t slot = vq->last_avail;
	bool wrap = vq->avail_wrap;
	uint16_t head_flags = vq_load_acquire(&vq->ring.packed.desc[slot].flags);
	unsigned count = 0;
	uint16_t id;

	if (!is_avail(head_flags, wrap))
		return 0;
	vq_chain_reset(c);
	for (;;) {
		struct vring_packed_desc d;

		if (++count > vq->size)
			return vq_dev_fail(vq, "chain at slot %u is longer than the queue",
					   vq->last_avail);
		vq_desc_fetch(&d, &vq->ring.packed.desc[slot]);
		if (count == 1)
			d.flags = head_flags; /* the value we checked, not a re-read */
		advance(&slot, &wrap, 1, vq->size);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (d.flags & VRING_DESC_F_NEXT)
				return vq_dev_fail(vq, "descriptor at slot %u is both INDIRECT and NEXT",
						   vq->last_avail);
			if (walk_indirect(vq, c, &d))
				return -EIO;
			id = d.id;
			break;
		}
		if (vq_chain_map(vq, c, d.addr, d.len, d.flags & VRING_DESC_F_WRITE))
			return -EIO;
		if (!(d.flags & VRING_DESC_F_NEXT)) {
			id = d.id; /* the buffer id sits in the chain's last descriptor */
			break;
		}
	}
	if (id >= vq->size)
		return vq_dev_fail(vq, "buffer id %u out of range, queue size is %u",
				   id, vq->size);
	c->id = id;
	vq_chain_finish(c, count);
	vq->last_avail = slot;
	vq->avail_wrap = wrap;
	return 1;
}

int packed_dev_pop(struct vq_dev *vq, struct vq_chain *c, unsigned n)
{
	unsigned got;

	for (got = 0; got < n; got++)
		if (pop_one(vq, &c[got]) <= 0)
			break;
	return (int)got;
}

/*
 * The first used entry of a batch gets its flags only at flush time, so
 * the driver, which walks used slots in order, sees the batch at once.
 */
void packed_dev_push(struct vq_dev *vq, uint16_t id, uint32_t len, unsigned ndesc)
{
	struct vring_packed_desc *d = &vq->ring.packed.desc[vq->used_idx];
	uint16_t flags = vq->used_wrap ? VQ_PACKED_F_AVAIL | VQ_PACKED_F_USED : 0;

	if (len)
		flags |= VRING_DESC_F_WRITE;
	vq_store_once(&d->id, id);
	vq_store_once(&d->len, len);
	if (vq->staged == 0) {
		vq->batch_slot = vq->used_idx;
		vq->batch_flags = flags;
	} else {
		vq_store_release(&d->flags, flags);
	}
	advance(&vq->used_idx, &vq->used_wrap, ndesc, vq->size);
	vq->staged++;
}

void packed_dev_flush(struct vq_dev *vq)
{
	vq_store_release(&vq->ring.packed.desc[vq->batch_slot].flags, vq->batch_flags);
}

bool packed_dev_needs_call(struct vq_dev *vq)
{
	uint16_t old = vq->signalled;
	bool valid = vq->signalled_valid;
	uint16_t flags;

	vq_mb(); /* used flags visible before we read the driver's wishes */
	flags = vq_load_once(&vq->ring.packed.driver->flags);
	vq->signalled = vq->used_idx;
	vq->signalled_valid = true;
	if (flags != VRING_PACKED_EVENT_FLAG_DESC || !vq->feat.event_idx)
		return flags != VRING_PACKED_EVENT_FLAG_DISABLE;
	if (!valid)
		return true;
	return vq_packed_need_event(vq_load_acquire(&vq->ring.packed.driver->off_wrap),
				    old, vq->used_idx, vq->used_wrap, vq->size);
}

void packed_dev_set_kick(struct vq_dev *vq, bool enable)
{
	struct vring_packed_desc_event *ev = vq->ring.packed.device;

	if (!enable) {
		vq_store_once(&ev->flags, VRING_PACKED_EVENT_FLAG_DISABLE);
		return;
	}
	if (vq->feat.event_idx) {
		vq_store_once(&ev->off_wrap, vq->last_avail | (vq->avail_wrap ? VQ_PACKED_WRAP_BIT : 0));
		vq_store_release(&ev->flags, VRING_PACKED_EVENT_FLAG_DESC);
	} else {
		vq_store_release(&ev->flags, VRING_PACKED_EVENT_FLAG_ENABLE);
	}
}

bool packed_dev_has_avail(struct vq_dev *vq)
{
	return is_avail(vq_load_acquire(&vq->ring.packed.desc[vq->last_avail].flags),
			vq->avail_wrap);
}
