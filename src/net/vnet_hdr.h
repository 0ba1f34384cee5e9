/* SPDX-License-Identifier: MIT */
/*
 * The virtio_net_hdr in front of each frame: the offloads a virtio-net
 * driver asks of the device through it, checked (vnet_hdr_validate()),
 * and checksum completion (VIRTIO_NET_HDR_F_NEEDS_CSUM).  Segmentation
 * of large TCP frames (TSO) and UDP datagrams (UFO) is in gso.h.
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
#ifndef UVNET_NET_VNET_HDR_H
#define UVNET_NET_VNET_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>

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
int vnet_hdr_complete_csum(const struct iovec *iov, unsigned n,
			   size_t frame_len, const struct virtio_net_hdr *h);

#endif
