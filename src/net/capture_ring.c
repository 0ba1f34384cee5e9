/* SPDX-License-Identifier: MIT */
#include "net/capture_ring.h"

#include <stdlib.h>
#include <string.h>

#include "net/iov.h"
#include "util/counter.h"

#define REC_ALIGN 8

struct capture_ring *capture_ring_new(size_t size)
{
	struct capture_ring *r;

	if (size < CAPTURE_RING_MIN || size > CAPTURE_RING_MAX || (size & (size - 1)))
		return NULL;
	r = aligned_alloc(64, sizeof(*r));
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->buf = aligned_alloc(64, size);
	if (!r->buf) {
		free(r);
		return NULL;
	}
	r->mask = size - 1;
	return r;
}

void capture_ring_free(struct capture_ring *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}

static inline uint32_t rec_size(uint32_t caplen)
{
	return (uint32_t)((sizeof(struct capture_rec) + caplen + REC_ALIGN - 1) & ~(size_t)(REC_ALIGN - 1));
}

/* Room for `need` bytes at the head, waiting for nothing: the tail is
 * read again only when the cached copy says there is none. */
static bool has_room(struct capture_ring *r, uint64_t need)
{
	uint64_t size = r->mask + 1;

	if (r->head + need - r->cached_tail <= size)
		return true;
	r->cached_tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	return r->head + need - r->cached_tail <= size;
}

bool capture_ring_put(struct capture_ring *r, const struct timespec *ts, uint32_t len,
		      uint32_t caplen, const void *prefix, uint32_t prefix_len,
		      const struct iovec *iov, unsigned niov, size_t off)
{
	uint64_t size = r->mask + 1, at = r->head & r->mask, pad = 0;
	uint32_t need;
	struct capture_rec *rec;

	if (!len)
		return false;
	if (caplen > len)
		caplen = len;
	need = rec_size(caplen);
	if (at + need > size)
		pad = size - at; /* the rest of the ring, then the record at its start */
	if (need > size / 2 || !has_room(r, pad + need)) {
		counter_add(&r->dropped, 1);
		return false;
	}
	if (pad) {
		/* a rest too short for a header is skipped without one (peek) */
		if (pad >= sizeof(*rec)) {
			rec = (struct capture_rec *)(r->buf + at);
			*rec = (struct capture_rec){ .size = (uint32_t)pad };
		}
		at = 0;
	}
	rec = (struct capture_rec *)(r->buf + at);
	*rec = (struct capture_rec){ .size = need, .len = len, .caplen = caplen,
				     .nsec = (uint32_t)ts->tv_nsec, .sec = ts->tv_sec };
	if (prefix_len > caplen)
		prefix_len = caplen;
	if (prefix_len) /* "in" frames have none, and no pointer for it */
		memcpy(rec + 1, prefix, prefix_len);
	if (caplen > prefix_len) {
		uint32_t want = caplen - prefix_len;
		size_t got = iov_to_buf(iov, niov, off, (uint8_t *)(rec + 1) + prefix_len, want);

		/* the source held fewer bytes than it said: record what there is */
		rec->caplen = prefix_len + (uint32_t)got;
	}
	counter_add(&r->written, 1);
	__atomic_store_n(&r->head, r->head + pad + need, __ATOMIC_RELEASE);
	return true;
}

const struct capture_rec *capture_ring_peek(struct capture_ring *r)
{
	for (;;) {
		uint64_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		const struct capture_rec *rec;

		if (r->tail == head)
			return NULL;
		uint64_t left = r->mask + 1 - (r->tail & r->mask);

		if (left < sizeof(*rec)) { /* the producer wrapped here without a pad */
			__atomic_store_n(&r->tail, r->tail + left, __ATOMIC_RELEASE);
			continue;
		}
		rec = (const struct capture_rec *)(r->buf + (r->tail & r->mask));
		if (rec->len)
			return rec;
		__atomic_store_n(&r->tail, r->tail + rec->size, __ATOMIC_RELEASE);
	}
}

void capture_ring_pop(struct capture_ring *r, const struct capture_rec *rec)
{
	__atomic_store_n(&r->tail, r->tail + rec->size, __ATOMIC_RELEASE);
}

uint64_t capture_ring_dropped(const struct capture_ring *r)
{
	return __atomic_load_n(&r->dropped, __ATOMIC_RELAXED);
}

uint64_t capture_ring_written(const struct capture_ring *r)
{
	return __atomic_load_n(&r->written, __ATOMIC_RELAXED);
}
