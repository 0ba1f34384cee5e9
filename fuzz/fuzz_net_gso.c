/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the packet layer on a frame and virtio_net_hdr chosen
 * by a hostile guest.  Input layout:
 *
 *   [0..10)   struct virtio_net_hdr (little-endian fields)
 *   [10]      bits 0-1: junk bytes in front of the frame for gso_init()
 *   [11..13)  mtu_payload_hint, little-endian
 *   [13..16)  three cut points, as fractions of 255, splitting the bytes
 *             into four iovecs, each in a buffer of its own
 *   [16..)    the frame
 *
 * Runs vnet_hdr_validate(), vnet_hdr_complete_csum() on a writable copy,
 * and gso_init() with every gso_next(), reading every header byte and
 * copying every payload out.  Beyond not crashing, checks that an
 * accepted frame's segment payloads tile the rest of the frame exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_iov.h"
#include "net/gso.h"
#include "net/vnet_hdr.h"

#define FZ_HDR 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where each segment is assembled, as a consumer would send it; IP
 * lengths bound any payload to 64 KB. */
static uint8_t seg_sink[GSO_MAX_HDR + 65536];

static void fuzz_complete(const struct virtio_net_hdr *h, const uint8_t *cuts,
			  const uint8_t *frame, size_t len)
{
	struct fz_pieces p;
	int valid = vnet_hdr_validate(h, len);

	fz_scatter(&p, cuts, 0, frame, len);
	if (vnet_hdr_complete_csum(p.iov, p.n, len, h) != valid)
		__builtin_trap();
	fz_pieces_free(&p);
}

/* Every segment read in full; the payloads must tile [first, end). */
static void fuzz_gso(const struct virtio_net_hdr *h, const uint8_t *ctl,
		     const uint8_t *frame, size_t len)
{
	size_t junk = ctl[10] & 3, next = 0, n = 0;
	unsigned hint = ctl[11] | ctl[12] << 8;
	struct gso_state s;
	struct gso_seg seg;
	struct fz_pieces p;

	fz_scatter(&p, ctl + 13, junk, frame, len);
	if (gso_init(&s, p.iov, p.n, junk, len, h, hint) == 0) {
		if (vnet_hdr_validate(h, len) != 0)
			__builtin_trap();
		while (gso_next(&s, &seg)) {
			if (seg.hdr_len == 0 || seg.hdr_len > GSO_MAX_HDR ||
			    (next && seg.payload_off != next) ||
			    seg.payload_off < junk ||
			    seg.payload_off + seg.payload_len > junk + len ||
			    ++n > len)
				__builtin_trap();
			memcpy(seg_sink, seg.hdr, seg.hdr_len);
			if (iov_to_buf(p.iov, p.n, seg.payload_off,
				       seg_sink + seg.hdr_len,
				       seg.payload_len) != seg.payload_len)
				__builtin_trap();
			next = seg.payload_off + seg.payload_len;
		}
		if (next != junk + len)
			__builtin_trap();
	}
	fz_pieces_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_net_hdr h;

	if (size < FZ_HDR)
		return 0;
	memcpy(&h, data, sizeof(h));
	fuzz_complete(&h, data + 13, data + FZ_HDR, size - FZ_HDR);
	fuzz_gso(&h, data, data + FZ_HDR, size - FZ_HDR);
	return 0;
}
