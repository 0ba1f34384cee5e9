/* SPDX-License-Identifier: MIT */
/*
 * A frame in flight through the switch: where its bytes are (a scatter
 * list, often in the sending guest's memory, which that guest may change
 * under us), the offload request that came with it, and a local copy of
 * its Ethernet header, which is all the switch ever decides on.
 *
 * Frames live in a worker's burst array for one iteration; whoever
 * produced the bytes keeps them valid until the burst is done.
 */
#ifndef UVNET_NET_FRAME_H
#define UVNET_NET_FRAME_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>

#define FRAME_BURST 32
#define ETH_HLEN_UNTAGGED 14
#define ETH_HLEN_TAGGED 18
#define ETH_MIN_LEN 14

struct frame {
	const struct iovec *iov;     /* frame bytes start at iov[0] + off */
	uint32_t off;
	uint16_t niov;
	uint16_t vlan;               /* the bridge VLAN it travels in */
	uint32_t len;                /* bytes of Ethernet frame */
	uint32_t in_port;            /* ingress port index in the bridge */
	uint8_t l2_len;              /* header bytes as received: 14, or 18 when tagged */
	uint8_t eth[ETH_HLEN_TAGGED]; /* copy of the first bytes, read once */
	struct virtio_net_hdr vnet;  /* validated offload request (NEEDS_CSUM, GSO) */
};

static inline const uint8_t *frame_dst(const struct frame *f)
{
	return f->eth;
}

static inline const uint8_t *frame_src(const struct frame *f)
{
	return f->eth + 6;
}

/* Broadcast or multicast: the group bit of the destination address. */
static inline bool frame_dst_is_multicast(const struct frame *f)
{
	return f->eth[0] & 1;
}

/*
 * The bytes to emit on a port: `prefix` (rewritten Ethernet header) then
 * the frame's own bytes from `src_off`.  Tagging or untagging a frame on
 * egress only changes the prefix; the payload is copied once, straight
 * from the source.  The prefix holds every byte the switch decided on
 * (addresses, tag, EtherType), taken from f->eth: the sender may rewrite
 * its buffer meanwhile, and must not turn an untagged frame into a
 * tagged one after the VLAN checks.
 */
struct frame_egress {
	uint8_t prefix[ETH_HLEN_TAGGED];
	uint8_t prefix_len;
	uint32_t src_off;
	uint32_t len;                /* prefix_len + bytes from src_off */
	int csum_shift;              /* what the header change did to L3 offsets */
};

/* Lay out `f` for a port that wants it tagged with f->vlan or untagged. */
static inline void frame_egress_init(struct frame_egress *e, const struct frame *f,
				     bool tagged)
{
	bool was_tagged = f->l2_len == ETH_HLEN_TAGGED;

	memcpy(e->prefix, f->eth, 12);
	e->prefix_len = 12;
	if (tagged) {
		e->prefix[12] = 0x81;
		e->prefix[13] = 0x00;
		/* keep the priority bits of an incoming tag */
		e->prefix[14] = (uint8_t)(((was_tagged ? f->eth[14] & 0xf0 : 0)) | (f->vlan >> 8));
		e->prefix[15] = (uint8_t)f->vlan;
		e->prefix_len = 16;
	}
	/* the (inner) EtherType */
	memcpy(e->prefix + e->prefix_len, f->eth + f->l2_len - 2, 2);
	e->prefix_len += 2;
	e->src_off = f->l2_len;
	e->len = e->prefix_len + f->len - e->src_off;
	e->csum_shift = (tagged ? 4 : 0) - (was_tagged ? 4 : 0);
}

/*
 * An offset from the frame's start past its Ethernet header (csum_start,
 * a GSO hdr_len) moved to where the egress header puts it.  False, *off
 * untouched, if it points into the header being replaced: no driver asks
 * for a checksum there, and the shift would wrap it.
 */
static inline bool frame_egress_shift(const struct frame_egress *e, uint16_t *off)
{
	if (*off < e->src_off || *off + e->csum_shift > UINT16_MAX)
		return false;
	*off = (uint16_t)(*off + e->csum_shift);
	return true;
}

#endif
