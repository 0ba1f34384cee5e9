/* SPDX-License-Identifier: MIT */
/*
 * Device side, layout-independent part: set-up, the vhost-user base
 * encoding, chain building and validation, dispatch to the split or packed
 * implementation.
 */
#include "virtio/vq_dev_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "virtio/guest_fault.h"

void vq_dev_break(struct vq_dev *vq, const char *why)
{
	if (!vq->broken.code)
		vq_dev_fail(vq, "%s", why);
}

int vq_dev_fail(struct vq_dev *vq, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vq_set_broken(&vq->broken, fmt, ap);
	va_end(ap);
	return rc;
}

int vq_dev_init(struct vq_dev *vq, enum vq_layout layout, unsigned size,
		uint64_t features, const struct guest_mem *mem,
		const struct vq_rings *rings, uint32_t base)
{
	if (!vq_size_valid(layout, size))
		return -EINVAL;
	*vq = (struct vq_dev){
		.size = (uint16_t)size,
		.layout = layout,
		.feat = vq_features_from(features),
		.mem = mem,
	};
	if (layout == VQ_SPLIT) {
		vq->ring.split.desc = rings->desc;
		vq->ring.split.avail = rings->driver;
		vq->ring.split.used = rings->device;
		vq->shadow_cap = size < VQ_USED_SHADOW ? (uint16_t)size : VQ_USED_SHADOW;
		vq->last_avail = vq->avail_shadow = (uint16_t)base;
		vq->used_idx = vq_load_acquire(&vq->ring.split.used->idx);
		return 0;
	}
	vq->ring.packed.desc = rings->desc;
	vq->ring.packed.driver = rings->driver;
	vq->ring.packed.device = rings->device;
	vq->last_avail = base & 0x7fff;
	vq->avail_wrap = base & 0x8000;
	/* As DPDK does: the used position restarts where the available one
	 * is, since a stopped queue has no chain in flight. */
	vq->used_idx = vq->last_avail;
	vq->used_wrap = vq->avail_wrap;
	if (vq->last_avail >= size)
		return -EINVAL;
	return 0;
}

uint32_t vq_dev_base(const struct vq_dev *vq)
{
	if (vq->layout == VQ_SPLIT)
		return vq->last_avail;
	return vq->last_avail | (uint32_t)vq->avail_wrap << 15 |
	       (uint32_t)vq->used_idx << 16 | (uint32_t)vq->used_wrap << 31;
}

void vq_chain_reset(struct vq_chain *c)
{
	c->nout = c->nin = 0;
	c->out_len = c->in_len = 0;
	c->flags = 0;
}

int vq_indirect_check(struct vq_dev *vq, uint32_t len)
{
	if (!vq->feat.indirect)
		return vq_dev_fail(vq, "indirect descriptor without VIRTIO_F_INDIRECT_DESC");
	if (len == 0 || len % 16)
		return vq_dev_fail(vq, "indirect table length %u is not a non-zero multiple of 16", len);
	if (len / 16 > VQ_MAX_SIZE)
		return vq_dev_fail(vq, "indirect table of %u descriptors is too long", len / 16);
	return 0;
}

int vq_indirect_fetch(struct vq_dev *vq, const void *table, uint64_t gpa,
		      uint32_t i, void *dst)
{
	if (table) {
		vq_desc_fetch(dst, (const uint8_t *)table + 16 * (size_t)i);
		return 0;
	}
	/* The table straddles two regions: copy the entry out piecewise. */
	if (guest_mem_read(vq->mem, &vq->mcache, gpa + 16 * (uint64_t)i, dst, 16))
		return vq_dev_fail(vq, "indirect table at 0x%llx is outside guest memory",
				   (unsigned long long)gpa);
	__asm__ __volatile__("" ::: "memory");
	return 0;
}

/* The memory table lost pages under us (guest_fault.h): break for good. */
static __attribute__((cold, noinline)) int memory_lost(struct vq_dev *vq)
{
	char why[sizeof(vq->broken.msg)];

	if (!vq->broken.code && guest_mem_fault_reason(vq->mem, why, sizeof(why)))
		vq_dev_fail(vq, "%s", why);
	return -EIO;
}

int vq_dev_pop_burst(struct vq_dev *vq, struct vq_chain *c, unsigned n)
{
	int got;

	/* one test for both: a broken queue, or memory that faulted */
	if (vq_unlikely(vq->broken.code | (guest_fault_read(&vq->mem->fault) != 0)))
		return memory_lost(vq);
	got = vq->layout == VQ_SPLIT ? split_dev_pop(vq, c, n)
				     : packed_dev_pop(vq, c, n);
	return got == 0 && vq->broken.code ? -EIO : got;
}

void vq_dev_unpop(struct vq_dev *vq, const struct vq_chain *c, unsigned n)
{
	if (vq->layout == VQ_SPLIT) {
		vq->last_avail -= n;
		return;
	}
	while (n--) {
		uint16_t k = c[n].ndesc;

		if (k > vq->last_avail) {
			vq->last_avail += vq->size;
			vq->avail_wrap = !vq->avail_wrap;
		}
		vq->last_avail -= k;
	}
}

void vq_dev_push_slow(struct vq_dev *vq, uint16_t id, uint16_t ndesc, uint32_t len)
{
	if (vq->layout == VQ_SPLIT)
		split_dev_push(vq, id, len, 1);
	else
		packed_dev_push(vq, id, len, ndesc);
}

void vq_dev_push_in_order(struct vq_dev *vq, uint16_t last_id, uint16_t nbufs,
			  unsigned ndesc)
{
	if (vq->layout == VQ_SPLIT)
		split_dev_push(vq, last_id, 0, nbufs);
	else
		packed_dev_push(vq, last_id, 0, ndesc);
}

bool vq_dev_flush(struct vq_dev *vq)
{
	if (!vq->staged)
		return false;
	if (vq->layout == VQ_SPLIT)
		split_dev_flush(vq);
	else
		packed_dev_flush(vq);
	if (vq_unlikely(vq->log != NULL))
		vq_dev_log_flush(vq);
	vq->staged = 0;
	return true;
}

void vq_dev_set_log(struct vq_dev *vq, const struct dirty_log *log, bool rings,
		    uint64_t device_gpa, uint64_t desc_gpa)
{
	vq->log = log && log->bits ? log : NULL;
	vq->log_rings = rings;
	vq->log_device_gpa = device_gpa;
	vq->log_desc_gpa = desc_gpa;
}

/*
 * Split: the entries of slots [used_idx - staged, used_idx) (an in-order
 * batch writes one entry and steps over the rest: within that range too)
 * and used->idx.  Packed: the used descriptors of a batch are spread over
 * the slots its chains took, a span not kept in the hot path: the whole
 * descriptor ring is marked (a few pages, which the driver writes too).
 */
void vq_dev_log_flush(struct vq_dev *vq)
{
	if (!vq->log_rings)
		return;
	dirty_log_barrier();
	if (vq->layout == VQ_SPLIT) {
		uint64_t ring = vq->log_device_gpa + offsetof(struct vring_used, ring);
		unsigned n = vq->staged < vq->size ? vq->staged : vq->size;
		unsigned first = (uint16_t)(vq->used_idx - n) & (vq->size - 1);
		unsigned a = vq->size - first < n ? vq->size - first : n;

		dirty_log_gpa(vq->log, ring + first * sizeof(struct vring_used_elem),
			      a * sizeof(struct vring_used_elem));
		if (n > a)
			dirty_log_gpa(vq->log, ring, (n - a) * sizeof(struct vring_used_elem));
		dirty_log_gpa(vq->log, vq->log_device_gpa + offsetof(struct vring_used, idx),
			      sizeof(uint16_t));
	} else {
		dirty_log_gpa(vq->log, vq->log_desc_gpa, vq_desc_area_size(VQ_PACKED, vq->size));
	}
}

/* The kick-suppression fields we write: split used->flags and
 * avail_event, packed device event area. */
static void log_kick_fields(struct vq_dev *vq)
{
	if (!vq->log_rings)
		return;
	dirty_log_barrier();
	if (vq->layout == VQ_SPLIT) {
		dirty_log_gpa(vq->log, vq->log_device_gpa + offsetof(struct vring_used, flags),
			      sizeof(uint16_t));
		dirty_log_gpa(vq->log, vq->log_device_gpa + offsetof(struct vring_used, ring) +
				       vq->size * sizeof(struct vring_used_elem),
			      sizeof(uint16_t));
	} else {
		dirty_log_gpa(vq->log, vq->log_device_gpa, sizeof(struct vring_packed_desc_event));
	}
}

unsigned vq_dev_in_flight(const struct vq_dev *vq)
{
	/* packed: a position is its slot and lap; laps alternate the wrap
	 * counter, so positions count modulo two rings */
	unsigned two = 2u * vq->size, a, u;

	if (vq->layout == VQ_SPLIT)
		return (uint16_t)(vq->last_avail - vq->used_idx);
	a = vq->last_avail + (vq->avail_wrap ? 0 : vq->size);
	u = vq->used_idx + (vq->used_wrap ? 0 : vq->size);
	return (a + two - u) % two;
}

bool vq_dev_needs_call(struct vq_dev *vq)
{
	if (vq->broken.code)
		return false;
	return vq->layout == VQ_SPLIT ? split_dev_needs_call(vq)
				      : packed_dev_needs_call(vq);
}

void vq_dev_disable_kick(struct vq_dev *vq)
{
	if (vq->layout == VQ_SPLIT)
		split_dev_set_kick(vq, false);
	else
		packed_dev_set_kick(vq, false);
	if (vq_unlikely(vq->log != NULL))
		log_kick_fields(vq);
}

bool vq_dev_enable_kick(struct vq_dev *vq)
{
	if (vq->layout == VQ_SPLIT)
		split_dev_set_kick(vq, true);
	else
		packed_dev_set_kick(vq, true);
	if (vq_unlikely(vq->log != NULL))
		log_kick_fields(vq);
	/* Our enable must be visible before we look for work, or a driver
	 * that added a chain just before reading our enable is never seen. */
	vq_mb();
	return vq_dev_has_avail(vq);
}

bool vq_dev_has_avail(struct vq_dev *vq)
{
	if (vq->broken.code)
		return false;
	return vq->layout == VQ_SPLIT ? split_dev_has_avail(vq)
				      : packed_dev_has_avail(vq);
}
