/* SPDX-License-Identifier: MIT */
/*
 * Segmentation offloads a virtio-net driver asks for in the
 * virtio_net_hdr (vnet_hdr.h): large TCP frames over IPv4 or IPv6 (TSO)
 * and large UDP datagrams over IPv4 (UFO, done as IP fragmentation) cut
 * into frames that fit the wire.  The same untrusted-input rules as in
 * vnet_hdr.h: headers are copied out once and only the copy is parsed.
 */
#ifndef UVNET_NET_GSO_H
#define UVNET_NET_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>

#include "net/frame.h"
#include "net/iov.h"

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
