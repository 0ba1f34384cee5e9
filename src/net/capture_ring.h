/* SPDX-License-Identifier: MIT */
/*
 * A single-producer, single-consumer ring of captured frames: a worker
 * copies (the first snaplen bytes of) frames in, the control thread takes
 * them out.  The producer never waits: a record that does not fit is
 * dropped and counted, as a NIC's capture ring drops when tcpdump falls
 * behind.  Each side owns its index (head: the producer's, tail: the
 * consumer's) on a cache line of its own; the producer reads the tail only
 * when its cached copy says the ring is full.
 *
 * Records are contiguous in the ring, 8-byte aligned: a header, then the
 * bytes.  One that would cross the end of the ring goes to its start; the
 * rest of the ring before it holds a pad record (len 0), or nothing when
 * it is too short for a header; the consumer skips both.  A frame of
 * length 0 is never recorded.
 */
#ifndef UVNET_NET_CAPTURE_RING_H
#define UVNET_NET_CAPTURE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <time.h>

#define CAPTURE_RING_MIN 4096
#define CAPTURE_RING_MAX (1u << 30)

struct capture_rec {
	uint32_t size;          /* bytes the record takes in the ring, header included */
	uint32_t len;           /* the frame's length; 0: a pad record */
	uint32_t caplen;        /* bytes of it after this header */
	uint32_t nsec;
	int64_t sec;            /* CLOCK_REALTIME when the switch saw it */
};

struct capture_ring {
	/* the producer's line */
	uint64_t head;          /* bytes written; published with release */
	uint64_t cached_tail;
	uint64_t dropped;       /* records that did not fit (util/counter.h) */
	uint64_t written;       /* records written */
	uint64_t mask;          /* size - 1 */
	uint8_t *buf;
	/* the consumer's line */
	uint64_t tail __attribute__((aligned(64)));  /* bytes consumed; release */
};

/* A ring of `size` bytes (a power of two, CAPTURE_RING_MIN..MAX): NULL if
 * size is not one, or out of memory. */
struct capture_ring *capture_ring_new(size_t size);
void capture_ring_free(struct capture_ring *r);

/*
 * Producer: record a frame of `len` bytes seen at `ts`: `prefix_len` bytes
 * of prefix, then the bytes of iov[] from byte `off`, cut at `caplen`
 * bytes in all (caplen <= len).  False if it did not fit (counted) or len
 * is 0.  The bytes are copied as they are now: a guest may change them
 * the next moment.
 */
bool capture_ring_put(struct capture_ring *r, const struct timespec *ts, uint32_t len,
		      uint32_t caplen, const void *prefix, uint32_t prefix_len,
		      const struct iovec *iov, unsigned niov, size_t off);

/* Consumer: the oldest record (its bytes follow it), or NULL when the ring
 * is empty; valid until capture_ring_pop(). */
const struct capture_rec *capture_ring_peek(struct capture_ring *r);
/* Consumer: give the record capture_ring_peek() returned back to the producer. */
void capture_ring_pop(struct capture_ring *r, const struct capture_rec *rec);

/* Any thread: what the producer counted so far. */
uint64_t capture_ring_dropped(const struct capture_ring *r);
uint64_t capture_ring_written(const struct capture_ring *r);

#endif
