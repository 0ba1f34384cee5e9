/* SPDX-License-Identifier: MIT */
/*
 * Device side of the split virtqueue (VIRTIO 1.2 §2.7).
 *
 * Ownership: the driver writes the descriptor table and the available ring
 * (flags, idx, ring[], used_event); we write the used ring (flags, idx,
 * ring[], avail_event).  We read avail->idx with acquire before reading the
 * entries it covers, and publish used->idx with release after the entries.
 */
#include "virtio/vq_dev_impl.h"

#define used_event(vq) (&(vq)->ring.split.avail->ring[(vq)->size])
#define avail_event(vq) ((uint16_t *)&(vq)->ring.split.used->ring[(vq)->size])

static int walk_indirect(struct vq_dev *vq, struct vq_chain *c,
			 const struct vring_desc *ind)
{
	uint32_t n = ind->len / 16, i = 0, count = 0;
	const void *table;

	if (vq_indirect_check(vq, ind->len))
		return -EIO;
	table = guest_mem_ptr(vq->mem, &vq->mcache, ind->addr, ind->len);
	for (;;) {
		struct vring_desc d;

		if (++count > n)
			return vq_dev_fail(vq, "indirect table at 0x%llx loops",
					   (unsigned long long)ind->addr);
		if (vq_indirect_fetch(vq, table, ind->addr, i, &d))
			return -EIO;
		if (d.flags & VRING_DESC_F_INDIRECT)
			return vq_dev_fail(vq, "nested indirect descriptor");
		if (vq_chain_map(vq, c, d.addr, d.len, d.flags & VRING_DESC_F_WRITE))
			return -EIO;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
		if (i >= n)
			return vq_dev_fail(vq, "indirect descriptor next %u beyond table of %u", i, n);
	}
}

/*
 * The common chain: one descriptor, neither NEXT nor INDIRECT, inside one
 * memory region.  Filled straight from its one fetch, without the walk.
 * False: take the general way, which fetches the descriptor anew and
 * decides on that copy alone.
 */
static bool pop_single(struct vq_dev *vq, struct vq_chain *c, uint16_t head)
{
	struct vring_desc d;
	bool writable;

	vq_desc_fetch(&d, &vq->ring.split.desc[head]);
	if (d.flags & (VRING_DESC_F_NEXT | VRING_DESC_F_INDIRECT) ||
	    guest_mem_translate(vq->mem, &vq->mcache, d.addr, d.len, &c->iov[0], 1) != 1)
		return false;
	writable = d.flags & VRING_DESC_F_WRITE;
	c->id = head;
	c->ndesc = 1;
	c->nout = !writable;
	c->nin = writable;
	c->out_len = writable ? 0 : d.len;
	c->in_len = writable ? d.len : 0;
	c->flags = 0;
	return true;
}

static int pop_one(struct vq_dev *vq, struct vq_chain *c)
{
	uint16_t slot = vq->last_avail & (vq->size - 1);
	uint16_t head = vq_load_once(&vq->ring.split.avail->ring[slot]);
	unsigned i = head, count = 0;

	if (head >= vq->size)
		return vq_dev_fail(vq, "available ring names descriptor %u, queue size is %u",
				   head, vq->size);
	if (pop_single(vq, c, head)) {
		vq->last_avail++;
		return 0;
	}
	vq_chain_reset(c);
	c->id = head;
	for (;;) {
		struct vring_desc d;

		if (++count > vq->size)
			return vq_dev_fail(vq, "chain from descriptor %u loops or is longer than the queue",
					   head);
		vq_desc_fetch(&d, &vq->ring.split.desc[i]);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (d.flags & VRING_DESC_F_NEXT)
				return vq_dev_fail(vq, "descriptor %u is both INDIRECT and NEXT", i);
			if (walk_indirect(vq, c, &d))
				return -EIO;
			break;
		}
		if (vq_chain_map(vq, c, d.addr, d.len, d.flags & VRING_DESC_F_WRITE))
			return -EIO;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		i = d.next;
		if (i >= vq->size)
			return vq_dev_fail(vq, "descriptor next %u out of range, queue size is %u",
					   i, vq->size);
	}
	vq_chain_finish(c, count);
	vq->last_avail++;
	return 0;
}

int split_dev_pop(struct vq_dev *vq, struct vq_chain *c, unsigned n)
{
	uint16_t ready = vq->avail_shadow - vq->last_avail;
	unsigned got;

	if (ready == 0) {
		uint16_t idx = vq_load_acquire(&vq->ring.split.avail->idx);

		ready = idx - vq->last_avail;
		if (ready > vq->size)
			return vq_dev_fail(vq, "available index %u runs %u ahead of %u, queue size is %u",
					   idx, ready, vq->last_avail, vq->size);
		vq->avail_shadow = idx;
	}
	if (n > ready)
		n = ready;
	for (got = 0; got < n; got++)
		if (pop_one(vq, &c[got]))
			break;
	return (int)got;
}

/*
 * Used entries are held back in vq->shadow and written into the ring
 * together when the burst is flushed (as DPDK's vhost does).  The driver
 * reads those lines, and polls used->idx, which shares its line with the
 * first entries: a store per frame into a line the other CPU holds,
 * between the stores into each frame's buffers, waited for its own line
 * transfer; back to back at the flush, the transfers overlap.
 */
static void write_shadow(struct vq_dev *vq)
{
	struct vring_used_elem *ring = vq->ring.split.used->ring;
	uint16_t at = (uint16_t)(vq->used_idx - vq->nshadow) & (vq->size - 1);
	unsigned first = vq->size - at < vq->nshadow ? vq->size - at : vq->nshadow;

	memcpy(&ring[at], vq->shadow, first * sizeof(*ring));
	memcpy(ring, &vq->shadow[first], (vq->nshadow - first) * sizeof(*ring));
	vq->nshadow = 0;
}

/*
 * nbufs > 1 only for an in-order batch: one entry, the index skips them
 * all (so it cannot join the shadow, whose entries are consecutive).
 * vq_dev_push() inlines the shadow case.  The shadow holds at most a
 * ring's worth: a guest that posts the same heads again within one burst
 * gets more entries than slots, and a longer shadow would be written
 * past the end of its used ring.
 */
void split_dev_push(struct vq_dev *vq, uint16_t id, uint32_t len, uint16_t nbufs)
{
	if (nbufs > 1) {
		struct vring_used_elem *e =
			&vq->ring.split.used->ring[vq->used_idx & (vq->size - 1)];

		write_shadow(vq);
		vq_store_once(&e->id, id);
		vq_store_once(&e->len, len);
	} else {
		if (vq->nshadow == vq->shadow_cap)
			write_shadow(vq);
		vq->shadow[vq->nshadow++] = (struct vring_used_elem){ .id = id, .len = len };
	}
	vq->used_idx += nbufs;
	vq->staged += nbufs;
}

void split_dev_flush(struct vq_dev *vq)
{
	write_shadow(vq);
	vq_store_release(&vq->ring.split.used->idx, vq->used_idx);
}

bool split_dev_needs_call(struct vq_dev *vq)
{
	uint16_t old = vq->signalled;
	bool valid = vq->signalled_valid;

	/* used->idx must be visible before we read what the driver asked. */
	vq_mb();
	if (!vq->feat.event_idx)
		return !(vq_load_once(&vq->ring.split.avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	vq->signalled = vq->used_idx;
	vq->signalled_valid = true;
	return !valid || vring_need_event(vq_load_once(used_event(vq)), vq->used_idx, old);
}

/*
 * With event idx, "disabled" needs no write: a stale avail_event already
 * stops the driver from kicking once it has passed it.
 */
void split_dev_set_kick(struct vq_dev *vq, bool enable)
{
	if (vq->feat.event_idx) {
		if (enable)
			vq_store_once(avail_event(vq), vq->last_avail);
		return;
	}
	vq_store_once(&vq->ring.split.used->flags, enable ? 0 : VRING_USED_F_NO_NOTIFY);
}

bool split_dev_has_avail(struct vq_dev *vq)
{
	return vq->avail_shadow != vq->last_avail ||
	       vq_load_acquire(&vq->ring.split.avail->idx) != vq->last_avail;
}
