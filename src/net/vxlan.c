/* SPDX-License-Identifier: MIT */
#include "net/vxlan.h"

#include <string.h>

#include "net/csum.h"
#include "net/flow.h"
#include "net/gso.h"
#include "net/vnet_hdr.h"

static const char *const err_names[VXLAN_RX_NERR] = {
	[VXLAN_RX_OK] = "ok",
	[VXLAN_RX_TRUNCATED] = "truncated",
	[VXLAN_RX_FLAGS] = "flags",
	[VXLAN_RX_RESERVED] = "reserved",
	[VXLAN_RX_RUNT] = "runt",
};

const char *vxlan_rx_err_name(enum vxlan_rx_err e)
{
	return (unsigned)e < VXLAN_RX_NERR ? err_names[e] : "?";
}

void vxlan_hdr_put(uint8_t *h, uint32_t vni)
{
	h[0] = VXLAN_FLAG_I;
	h[1] = h[2] = h[3] = 0;
	h[4] = (uint8_t)(vni >> 16);
	h[5] = (uint8_t)(vni >> 8);
	h[6] = (uint8_t)vni;
	h[7] = 0;
}

enum vxlan_rx_err vxlan_parse(const uint8_t *p, size_t len, uint32_t *vni)
{
	if (len < VXLAN_HLEN)
		return VXLAN_RX_TRUNCATED;
	if (p[0] != VXLAN_FLAG_I)
		return VXLAN_RX_FLAGS;
	*vni = (uint32_t)p[4] << 16 | (uint32_t)p[5] << 8 | p[6];
	if (p[1] | p[2] | p[3] | p[7])
		return VXLAN_RX_RESERVED;
	if (len - VXLAN_HLEN < VXLAN_MIN_INNER)
		return VXLAN_RX_RUNT;
	return VXLAN_RX_OK;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

bool vxlan_outer4_put(uint8_t *p, uint32_t saddr, uint32_t daddr, uint16_t sport,
		      uint16_t dport, uint32_t vni, size_t inner_len)
{
	size_t udp_len = VXLAN_UDP_HLEN + VXLAN_HLEN + inner_len;
	size_t ip_len = VXLAN_IP4_HLEN + udp_len;
	uint16_t check;
	uint8_t *ip = p, *udp = p + VXLAN_IP4_HLEN;

	if (ip_len > 65535)
		return false;
	ip[0] = 0x45;                    /* version 4, 5 words */
	ip[1] = 0;                       /* DSCP/ECN */
	put16(ip + 2, (uint16_t)ip_len);
	put16(ip + 4, 0);                /* ID */
	put16(ip + 6, 0x4000);           /* DF, offset 0 */
	ip[8] = 64;                      /* TTL */
	ip[9] = 17;                      /* UDP */
	put16(ip + 10, 0);
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	check = csum_fold(csum_partial(ip, VXLAN_IP4_HLEN, 0));
	memcpy(ip + 10, &check, 2);      /* native store: see csum.h */
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)udp_len);
	put16(udp + 6, 0);               /* no checksum */
	vxlan_hdr_put(udp + VXLAN_UDP_HLEN, vni);
	return true;
}

static size_t outer_len(const struct vxlan_encap *x)
{
	return x->put_outer ? x->outer_len : VXLAN_OUTER4_LEN;
}

/* The outer headers of a packet whose inner frame is in place. */
static bool put_outer(const struct vxlan_encap *x, uint8_t *p, uint16_t sport, size_t inner_len)
{
	if (x->put_outer)
		return x->put_outer(x, p, sport, inner_len);
	return vxlan_outer4_put(p, x->saddr, x->daddr, sport, x->dport, x->vni, inner_len);
}

/* One frame without GSO: outer headers, egress L2 header, the bytes, and
 * its checksum completed if it asks for that. */
static enum vxlan_tx_err encap_plain(const struct vxlan_encap *x, const struct frame *f,
				     const struct frame_egress *e, uint16_t sport)
{
	size_t body = f->len - e->src_off;
	uint8_t *p, *inner;

	if (e->len > x->max_inner)
		return VXLAN_TX_TOO_BIG;
	p = x->alloc(x->arg, outer_len(x) + e->len);
	if (!p)
		return VXLAN_TX_NOROOM;
	inner = p + outer_len(x);
	memcpy(inner, e->prefix, e->prefix_len);
	if (iov_to_buf(f->iov, f->niov, f->off + e->src_off, inner + e->prefix_len, body) != body) {
		x->unalloc(x->arg);
		return VXLAN_TX_BAD;
	}
	if (f->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		struct virtio_net_hdr h = f->vnet;
		struct iovec v = { inner, e->len };

		h.hdr_len = 0; /* describes GSO headers only */
		if (!frame_egress_shift(e, &h.csum_start) ||
		    vnet_hdr_complete_csum(&v, 1, e->len, &h)) {
			x->unalloc(x->arg);
			return VXLAN_TX_BAD;
		}
	}
	if (!put_outer(x, p, sport, e->len)) {
		x->unalloc(x->arg);
		return VXLAN_TX_TOO_BIG;
	}
	return VXLAN_TX_OK;
}

/* A GSO frame: segments sized so that each encapsulation fits. */
static enum vxlan_tx_err encap_gso(const struct vxlan_encap *x, const struct frame *f,
				   const struct frame_egress *e, uint16_t sport)
{
	size_t limit = x->max_seg_inner < x->max_inner ? x->max_seg_inner : x->max_inner;
	struct gso_state gs;
	struct gso_seg seg;
	size_t hdr, room;

	if (f->len < e->src_off ||
	    gso_init_frame(&gs, f, 0))
		return VXLAN_TX_BAD;
	/* Inner bytes of a segment besides its payload: the egress L2 header
	 * and the rest of the segment's headers (for UFO, whose fragment size
	 * counts the whole IP payload, only up to the UDP header). */
	hdr = e->prefix_len + (size_t)(gs.kind == GSO_UDP4_FRAG ? gs.l4_off : gs.hdr_len) -
	      e->src_off;
	if (hdr + (gs.kind == GSO_UDP4_FRAG ? 8 : 1) > limit)
		return VXLAN_TX_TOO_BIG;
	room = limit - hdr;
	if (room < gs.seg_size &&
	    gso_init_frame(&gs, f, (unsigned)room))
		return VXLAN_TX_BAD;
	while (gso_next(&gs, &seg)) {
		size_t inner_len = e->prefix_len + seg.hdr_len - e->src_off + seg.payload_len;
		uint8_t *p, *inner;

		if (inner_len > limit) /* cannot happen: sized above */
			return VXLAN_TX_TOO_BIG;
		p = x->alloc(x->arg, outer_len(x) + inner_len);
		if (!p)
			return VXLAN_TX_NOROOM;
		inner = p + outer_len(x);
		memcpy(inner, e->prefix, e->prefix_len);
		inner += e->prefix_len;
		memcpy(inner, seg.hdr + e->src_off, seg.hdr_len - e->src_off);
		inner += seg.hdr_len - e->src_off;
		if (iov_to_buf(f->iov, f->niov, seg.payload_off, inner, seg.payload_len) !=
		    seg.payload_len) {
			x->unalloc(x->arg);
			return VXLAN_TX_BAD;
		}
		if (!put_outer(x, p, sport, inner_len)) {
			x->unalloc(x->arg);
			return VXLAN_TX_TOO_BIG;
		}
	}
	return VXLAN_TX_OK;
}

enum vxlan_tx_err vxlan_encap_frame(const struct vxlan_encap *x, const struct frame *f,
				    bool tagged)
{
	struct frame_egress e;
	uint16_t sport;

	if (f->l2_len < ETH_MIN_LEN || f->l2_len > ETH_HLEN_TAGGED || f->len < f->l2_len)
		return VXLAN_TX_BAD;
	frame_egress_init(&e, f, tagged);
	sport = vxlan_src_port(flow_hash(f));
	if (f->vnet.gso_type == VIRTIO_NET_HDR_GSO_NONE)
		return encap_plain(x, f, &e, sport);
	return encap_gso(x, f, &e, sport);
}
