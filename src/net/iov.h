/* SPDX-License-Identifier: MIT */
/*
 * Scatter lists as the packet layer sees them: a frame's bytes spread over
 * the buffers of an iovec array.  Copies out of, into and between arrays,
 * and a cursor that streams one frame through several calls (a frame
 * copied into several mergeable rx buffers, a frame checksummed segment by
 * segment) without walking the array from its start each time.
 *
 * The bytes behind an iovec may be a guest's and may change under us:
 * these helpers only move bytes, never interpret them, and never touch a
 * byte outside the listed buffers.  The iovec arrays themselves are ours
 * (built by address translation) and are trusted.  A copy that runs off
 * the end of an array stops there and reports how much it moved.
 */
#ifndef UVNET_NET_IOV_H
#define UVNET_NET_IOV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

/*
 * A position in an iovec array: byte `off` of iov[idx].  Kept normalised:
 * either idx == n (the end) or off < iov[idx].iov_len, so empty iovecs
 * are never stood on.
 */
struct iov_cursor {
	const struct iovec *iov;
	unsigned n;
	unsigned idx;
	size_t off;
};

/* Bytes in the array, saturating at SIZE_MAX. */
size_t iov_length(const struct iovec *iov, unsigned n);

/* Each returns the bytes copied: len, or fewer if an array ends first. */
size_t iov_to_buf(const struct iovec *iov, unsigned n, size_t off,
		  void *dst, size_t len);
size_t iov_from_buf(const struct iovec *iov, unsigned n, size_t off,
		    const void *src, size_t len);
size_t iov_to_iov(const struct iovec *dst, unsigned dn, size_t doff,
		  const struct iovec *src, unsigned sn, size_t soff, size_t len);

void iov_cursor_init(struct iov_cursor *c, const struct iovec *iov, unsigned n);

/* The contiguous bytes at the cursor: start in *p, count returned (0 and
 * NULL at the end). */
static inline size_t iov_cursor_chunk(const struct iov_cursor *c, void **p)
{
	if (c->idx == c->n) {
		*p = NULL;
		return 0;
	}
	*p = (char *)c->iov[c->idx].iov_base + c->off;
	return c->iov[c->idx].iov_len - c->off;
}

static inline bool iov_cursor_at_end(const struct iov_cursor *c)
{
	return c->idx == c->n;
}

/* Each moves the cursor(s) past the bytes handled and returns their count:
 * len, or fewer if an array ends first. */
size_t iov_cursor_skip(struct iov_cursor *c, size_t len);
size_t iov_cursor_read(struct iov_cursor *c, void *dst, size_t len);
size_t iov_cursor_write(struct iov_cursor *c, const void *src, size_t len);
size_t iov_cursor_copy(struct iov_cursor *dst, struct iov_cursor *src,
		       size_t len);

#endif
