/* SPDX-License-Identifier: MIT */
/*
 * Internal to the device side: what vq_dev.c (layout-independent) and
 * split_dev.c / packed_dev.c (one layout each) share.
 */
#ifndef UVNET_VIRTIO_VQ_DEV_IMPL_H
#define UVNET_VIRTIO_VQ_DEV_IMPL_H

#include <errno.h>
#include <string.h>

#include "virtio/vq_dev.h"

/* Mark the queue broken with a reason; returns -EIO for tail calls. */
int vq_dev_fail(struct vq_dev *vq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), cold));

void vq_chain_reset(struct vq_chain *c);

/* The end of a general walk: the slots it took; WRITABLE was parsing
 * state, not for callers. */
static inline void vq_chain_finish(struct vq_chain *c, unsigned ndesc)
{
	c->ndesc = (uint16_t)ndesc;
	c->flags &= ~VQ_CHAIN_F_WRITABLE;
}

static inline uint32_t add_sat(uint32_t a, uint32_t b)
{
	uint32_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT32_MAX : r;
}

/* Append one descriptor's buffer to the chain, after validating it
 * (inline: it runs for every descriptor). */
static inline __attribute__((always_inline)) int
vq_chain_map(struct vq_dev *vq, struct vq_chain *c, uint64_t addr, uint32_t len, bool writable)
{
	unsigned used = c->nout + c->nin;
	int n;

	if (!writable && c->flags & VQ_CHAIN_F_WRITABLE)
		return vq_dev_fail(vq, "readable descriptor after a writable one");
	if (writable)
		c->flags |= VQ_CHAIN_F_WRITABLE;
	if (c->flags & VQ_CHAIN_F_OVERSIZE) {
		n = 0; /* already being dropped: nothing will touch its memory */
	} else {
		n = guest_mem_translate(vq->mem, &vq->mcache, addr, len,
					&c->iov[used], VQ_CHAIN_MAX_IOV - used);
		if (n == -ENOBUFS) {
			c->flags |= VQ_CHAIN_F_OVERSIZE;
			c->nout = c->nin = 0; /* as documented: no iovec at all */
			n = 0;
		} else if (n < 0) {
			return vq_dev_fail(vq, "descriptor buffer 0x%llx+%u is outside guest memory",
					   (unsigned long long)addr, len);
		}
	}
	if (writable) {
		c->nin += n;
		c->in_len = add_sat(c->in_len, len);
	} else {
		c->nout += n;
		c->out_len = add_sat(c->out_len, len);
	}
	return 0;
}

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
void packed_dev_push(struct vq_dev *vq, uint16_t id, uint32_t len, unsigned ndesc);
void packed_dev_flush(struct vq_dev *vq);
bool packed_dev_needs_call(struct vq_dev *vq);
void packed_dev_set_kick(struct vq_dev *vq, bool enable);
bool packed_dev_has_avail(struct vq_dev *vq);

#endif
