/* SPDX-License-Identifier: MIT */
/*
 * Shared by the packet-layer fuzzers: a frame from the fuzz input cut into
 * four iovecs where the input says, each piece a heap block of exactly its
 * size, so that a read past any piece's end is an ASan report.
 */
#ifndef UVNET_FUZZ_IOV_H
#define UVNET_FUZZ_IOV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define FZ_PIECES 4

struct fz_pieces {
	struct iovec iov[FZ_PIECES];
	unsigned n;
};

/* `junk` bytes of 0xa5, then the frame, cut at cuts[0..3) (fractions of
 * 255 of the whole; any order). */
void fz_scatter(struct fz_pieces *p, const uint8_t *cuts, size_t junk,
		const uint8_t *frame, size_t len);
void fz_pieces_free(struct fz_pieces *p);

#endif
