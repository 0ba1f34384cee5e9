/* SPDX-License-Identifier: MIT */
/*
 * Ring geometry shared by both sides (VIRTIO 1.2 §2.7 and §2.8).
 */
#include "virtio/vq.h"

#include <errno.h>

bool vq_size_valid(enum vq_layout layout, unsigned size)
{
	if (size == 0 || size > VQ_MAX_SIZE)
		return false;
	return layout == VQ_PACKED || (size & (size - 1)) == 0;
}

size_t vq_desc_area_size(enum vq_layout layout, unsigned size)
{
	(void)layout; /* 16 bytes a descriptor in both layouts */
	return 16 * (size_t)size;
}

/* Split: flags, idx, ring[size], used_event.  Packed: event structure. */
size_t vq_driver_area_size(enum vq_layout layout, unsigned size)
{
	if (layout == VQ_PACKED)
		return sizeof(struct vring_packed_desc_event);
	return 2 * (3 + (size_t)size);
}

/* Split: flags, idx, ring[size] of (id, len), avail_event. */
size_t vq_device_area_size(enum vq_layout layout, unsigned size)
{
	if (layout == VQ_PACKED)
		return sizeof(struct vring_packed_desc_event);
	return 2 * 3 + 8 * (size_t)size;
}

int vq_set_broken(struct error *broken, const char *fmt, va_list ap)
{
	if (!broken->code)
		error_vset(broken, -EIO, fmt, ap);
	return -EIO;
}
