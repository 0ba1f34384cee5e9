/* SPDX-License-Identifier: MIT */
/*
 * Internal to the device side: what vq_device.c (layout-independent) and
 * split_device.c / packed_device.c (one layout each) share.
 */
#ifndef UVNET_VIRTIO_VQ_DEVICE_IMPL_H
#define UVNET_VIRTIO_VQ_DEVICE_IMPL_H

#include <errno.h>
#include <string.h>

#include "vq_device.h"

/* Mark the queue broken with a reason; returns -EIO for tail calls. */
int vq_dev_fail(struct vq_dev *vq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), cold));

void vq_chain_reset(struct vq_chain *c);

/* Append one descriptor's buffer to the chain, after validating it. */
int vq_chain_map(struct vq_dev *vq, struct vq_chain *c, uint64_t addr,
		 uint32_t len, bool writable);

/*
 * Copy a 16-byte descriptor out of shared memory exactly once.  The
 * compiler barrier stops the compiler from re-reading the shared copy
 * later in place of the local one (a double fetch the driver could race).
 */
static inline void vq_desc_fetch(void *dst, const void *src)
{
	memcpy(dst, src, 16);
	__asm__ __volatile__("" ::: "memory");
}

/* An indirect table is a whole number of descriptors, at least one, and
 * no longer than the largest queue. */
int vq_indirect_check(struct vq_dev *vq, uint32_t len);

/* Read entry i of an indirect table at gpa (host copy if contiguous). */
int vq_indirect_fetch(struct vq_dev *vq, const void *table, uint64_t gpa,
		      uint32_t i, void *dst);

int split_dev_pop(struct vq_dev *vq, struct vq_chain *c, unsigned n);
void split_dev_push(struct vq_dev *vq, uint16_t id, uint32_t len, uint16_t nbufs);
void split_dev_flush(struct vq_dev *vq);
bool split_dev_needs_call(struct vq_dev *vq);
void split_dev_set_kick(struct vq_dev *vq, bool enable);
bool split_dev_has_avail(struct vq_dev *vq);

int packed_dev_pop(struct vq_dev *vq, struct vq_chain *c, unsigned n);
void packed_dev_push(struct vq_dev *vq, uint16_t id, uint32_t len, uint16_t ndesc);
void packed_dev_flush(struct vq_dev *vq);
bool packed_dev_needs_call(struct vq_dev *vq);
void packed_dev_set_kick(struct vq_dev *vq, bool enable);
bool packed_dev_has_avail(struct vq_dev *vq);

#endif
