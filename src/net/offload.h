/* SPDX-License-Identifier: MIT */
/*
 * Offloads a virtio-net driver asks of the device through the
 * virtio_net_hdr in front of each frame: checksum completion
 * (VIRTIO_NET_HDR_F_NEEDS_CSUM) and segmentation of large TCP frames over
 * IPv4 or IPv6 (TSO) and of large UDP datagrams over IPv4 (UFO, done as IP
 * fragmentation).
 *
 * The header and the frame come from an untrusted guest whose memory may
 * change while we read it.  The caller passes a local copy of the header;
 * every field is checked against the frame length before use.  Frame
 * headers are copied out of guest memory once and only the copy is parsed;
 * payload bytes are read straight from the iovecs and never interpreted.
 * A guest that rewrites its payload behind our back only spoils its own
 * checksums.
 *
 * virtio_net_hdr fields are little-endian (virtio 1.x) and read natively.
 */
#ifndef UVNET_NET_OFFLOAD_H
#define UVNET_NET_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>

#include "net/frame.h"
#include "net/iov.h"

/* vnet_hdr_validate()'s checks, all of them, out of line. */
int vnet_hdr_validate_full(const struct virtio_net_hdr *h, size_t frame_len);

_Static_assert(offsetof(struct virtio_net_hdr, gso_size) == 4,
	       "flags, gso_type and hdr_len are the header's first 4 bytes");

/* The virtio-net header's length on the rings with these features: the
 * 12-byte one with VERSION_1 or MRG_RXBUF, else the legacy 10 bytes. */
static inline unsigned vnet_hdr_len(uint64_t features)
{
	return features & ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_NET_F_MRG_RXBUF))
		       ? sizeof(struct virtio_net_hdr_mrg_rxbuf)
		       : sizeof(struct virtio_net_hdr);
}

/*
 * 0 if the header's offload requests make sense for a frame of frame_len
 * bytes, else -EINVAL: known flags only; NEEDS_CSUM with the checksum
 * field inside the frame; a known gso_type (ECN only with TCP), which
 * needs NEEDS_CSUM and gso_size > 0; hdr_len no longer than the frame.
 * The usual header asks for nothing (flags, gso_type and hdr_len 0; the
 * other fields are then unused) and is settled inline: every frame a
 * guest sends passes here.
 */
static inline int vnet_hdr_validate(const struct virtio_net_hdr *h, size_t frame_len)
{
	uint32_t head;

	memcpy(&head, h, sizeof(head));
	return head ? vnet_hdr_validate_full(h, frame_len) : 0;
}

/*
 * Complete a NEEDS_CSUM checksum in a frame already copied to memory of
 * ours (or the receiver's), described by iov: sum from csum_start to the
 * end of the frame, the field at csum_start + csum_offset included (it
 * holds the sender's pseudo-header sum), and store the result there (0
 * becomes 0xffff, as Linux does).  0 without NEEDS_CSUM; -EINVAL if the
 * header is invalid or the frame is longer than the iovecs.
 */
int offload_complete_csum(const struct iovec *iov, unsigned n,
			  size_t frame_len, const struct virtio_net_hdr *h);

/* Room for L2 + L3 + L4 headers: 18 + 60 + 60 at most is needed. */
#define GSO_MAX_HDR 256

/*
 * One output segment: hdr_len header bytes to send first, then payload_len
 * bytes of the source at payload_off.  payload_off counts from the start
 * of the iovec array given to gso_init() (the frame's own offset `off`
 * included).  The payloads of successive segments are contiguous and in
 * order, so a consumer may stream them with one iov_cursor.
 */
struct gso_seg {
	uint8_t hdr[GSO_MAX_HDR];
	unsigned hdr_len;
	size_t payload_off;
	size_t payload_len;
};

enum gso_kind { GSO_TCP4, GSO_TCP6, GSO_UDP4_FRAG };

/* Segmentation of one frame, filled by gso_init(); opaque to callers. */
struct gso_state {
	uint8_t hdr[GSO_MAX_HDR]; /* the frame's first bytes, copied once */
	struct iov_cursor cur;    /* next payload byte to checksum */
	size_t off;               /* frame start in the iovec array */
	size_t pos;               /* frame offset of the next payload */
	size_t end;               /* frame length */
	uint32_t seq;             /* TCP: sequence number at pos */
	uint16_t ip_id;           /* IPv4: identification of next segment */
	uint16_t seg_size;        /* payload bytes per segment (UFO: of IP
				     payload per fragment, a multiple of 8) */
	uint16_t l3_off;          /* IP header offset */
	uint16_t l4_off;          /* TCP/UDP header offset */
	uint16_t hdr_len;         /* bytes of L2 + L3 + L4 header */
	enum gso_kind kind;
};

/*
 * Prepare to segment the frame at [off, off + frame_len) of the iovec
 * array as h asks (h->gso_type must not be NONE).  The headers are found
 * by parsing Ethernet (one optional 802.1Q tag), IPv4 (options allowed;
 * not a fragment) or IPv6 (no extension headers), TCP or UDP; h->hdr_len
 * is not used.  The IP length must match the frame exactly, csum_start
 * and csum_offset must point at the L4 checksum, and a TCP frame must
 * carry payload.  Segments carry min(gso_size, mtu_payload_hint) payload
 * bytes (hint 0: gso_size), for UFO rounded down to a multiple of 8.
 * 0 or -EINVAL.  The iovec array must stay valid until the last segment.
 */
int gso_init(struct gso_state *s, const struct iovec *iov, unsigned n,
	     size_t off, size_t frame_len, const struct virtio_net_hdr *h,
	     unsigned mtu_payload_hint);

/*
 * gso_init() for a frame in the switch, whose headers it reads again from
 * the sender's memory: -EINVAL also when their L2 header is not as long
 * as the one the switch decided on (f->l2_len), which the sender changed
 * meanwhile; the egress prefix would not fit the segments' headers.
 */
int gso_init_frame(struct gso_state *s, const struct frame *f, unsigned mtu_payload_hint);

/*
 * Fill seg with the next segment.  TSO: the headers with their lengths,
 * IPv4 ID (one more per segment) and header checksum, TCP sequence number,
 * flags (CWR on the first segment only, FIN and PSH on the last only) and
 * full TCP checksum.  UFO: IPv4 fragments, all with the datagram's ID, MF
 * and offset set and DF cleared (as Linux does); the first one's hdr ends
 * with the UDP header, its checksum covering the whole datagram, so its
 * payload_len is 8 less than its share of the IP payload.  false once
 * every segment has been produced.
 */
bool gso_next(struct gso_state *s, struct gso_seg *seg);

#endif
