/* SPDX-License-Identifier: MIT */
/*
 * iovec helpers.  Everything is built on the cursor: a copy finds its
 * starting point once, then moves whole contiguous runs with memcpy.
 */
#include "net/iov.h"

#include <stdint.h>
#include <string.h>

static inline size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

size_t iov_length(const struct iovec *iov, unsigned n)
{
	size_t total = 0;

	for (unsigned i = 0; i < n; i++)
		if (__builtin_add_overflow(total, iov[i].iov_len, &total))
			return SIZE_MAX;
	return total;
}

/* Step over empty iovecs so the cursor stays normalised. */
static inline void settle(struct iov_cursor *c)
{
	while (c->idx < c->n && c->iov[c->idx].iov_len == 0)
		c->idx++;
}

/* Move forward by k bytes, k no more than the current chunk. */
static inline void step(struct iov_cursor *c, size_t k)
{
	c->off += k;
	if (c->off == c->iov[c->idx].iov_len) {
		c->idx++;
		c->off = 0;
		settle(c);
	}
}

void iov_cursor_init(struct iov_cursor *c, const struct iovec *iov, unsigned n)
{
	*c = (struct iov_cursor){ .iov = iov, .n = n };
	settle(c);
}

size_t iov_cursor_skip(struct iov_cursor *c, size_t len)
{
	size_t done = 0;
	void *p;

	while (done < len) {
		size_t k = min_sz(iov_cursor_chunk(c, &p), len - done);

		if (k == 0)
			break;
		step(c, k);
		done += k;
	}
	return done;
}

size_t iov_cursor_read(struct iov_cursor *c, void *dst, size_t len)
{
	size_t done = 0;
	void *p;

	while (done < len) {
		size_t k = min_sz(iov_cursor_chunk(c, &p), len - done);

		if (k == 0)
			break;
		memcpy((char *)dst + done, p, k);
		step(c, k);
		done += k;
	}
	return done;
}

size_t iov_cursor_write(struct iov_cursor *c, const void *src, size_t len)
{
	size_t done = 0;
	void *p;

	while (done < len) {
		size_t k = min_sz(iov_cursor_chunk(c, &p), len - done);

		if (k == 0)
			break;
		memcpy(p, (const char *)src + done, k);
		step(c, k);
		done += k;
	}
	return done;
}

size_t iov_cursor_copy(struct iov_cursor *dst, struct iov_cursor *src,
		       size_t len)
{
	size_t done = 0;
	void *d, *s;

	while (done < len) {
		size_t k = min_sz(iov_cursor_chunk(dst, &d), len - done);

		k = min_sz(iov_cursor_chunk(src, &s), k);
		if (k == 0)
			break;
		memcpy(d, s, k);
		step(dst, k);
		step(src, k);
		done += k;
	}
	return done;
}

size_t iov_to_buf(const struct iovec *iov, unsigned n, size_t off,
		  void *dst, size_t len)
{
	struct iov_cursor c;

	iov_cursor_init(&c, iov, n);
	if (iov_cursor_skip(&c, off) < off)
		return 0;
	return iov_cursor_read(&c, dst, len);
}

size_t iov_from_buf(const struct iovec *iov, unsigned n, size_t off,
		    const void *src, size_t len)
{
	struct iov_cursor c;

	iov_cursor_init(&c, iov, n);
	if (iov_cursor_skip(&c, off) < off)
		return 0;
	return iov_cursor_write(&c, src, len);
}

size_t iov_to_iov(const struct iovec *dst, unsigned dn, size_t doff,
		  const struct iovec *src, unsigned sn, size_t soff, size_t len)
{
	struct iov_cursor d, s;

	iov_cursor_init(&d, dst, dn);
	iov_cursor_init(&s, src, sn);
	if (iov_cursor_skip(&d, doff) < doff || iov_cursor_skip(&s, soff) < soff)
		return 0;
	return iov_cursor_copy(&d, &s, len);
}
