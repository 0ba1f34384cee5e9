/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: VXLAN decapsulation of a hostile UDP payload and
 * encapsulation of a hostile frame with a hostile offload request.
 * Input layout:
 *
 *   [0..10)   struct virtio_net_hdr (little-endian fields)
 *   [10]      bit 0: leave tagged; bit 1: frame arrived tagged (l2_len
 *             18, else 14); bits 2-3: junk bytes in front of the frame
 *   [11..13)  max_inner, little-endian
 *   [13..15)  max_seg_inner, little-endian
 *   [15..18)  three cut points, as fractions of 255, splitting the bytes
 *             into four iovecs, each in a buffer of its own
 *   [18..)    the frame; also parsed as a received VXLAN payload
 *
 * Beyond not crashing: vxlan_parse() accepts only what a VXLAN header
 * with an Ethernet frame behind it looks like; every packet
 * vxlan_encap_frame() makes has valid outer headers, decapsulates to the
 * tunnel's VNI and fits the limits (a GSO segment max_seg_inner too); an
 * accepted plain frame makes exactly one packet of the egress length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_iov.h"
#include "net/csum.h"
#include "net/vxlan.h"

#define FZ_HDR 18
#define FZ_MAX_PKTS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
	uint8_t *pkt[FZ_MAX_PKTS];
	size_t len[FZ_MAX_PKTS];
	unsigned n;
};

static uint8_t *sink_alloc(void *arg, size_t len)
{
	struct sink *s = arg;

	if (s->n == FZ_MAX_PKTS)
		return NULL;
	s->len[s->n] = len;
	s->pkt[s->n] = malloc(len); /* a buffer of its own: ASan sees overruns */
	return s->pkt[s->n++];
}

static void sink_unalloc(void *arg)
{
	struct sink *s = arg;

	free(s->pkt[--s->n]);
}

static void fuzz_parse(const uint8_t *p, size_t len)
{
	uint32_t vni = 0xffffffffu;
	enum vxlan_rx_err e = vxlan_parse(p, len, &vni);

	if (e >= VXLAN_RX_NERR)
		__builtin_trap();
	if (e == VXLAN_RX_OK &&
	    (len < VXLAN_HLEN + 14 || p[0] != VXLAN_FLAG_I || p[1] | p[2] | p[3] | p[7] ||
	     vni != ((uint32_t)p[4] << 16 | (uint32_t)p[5] << 8 | p[6])))
		__builtin_trap();
}

static unsigned get16le(const uint8_t *p)
{
	return p[0] | (unsigned)p[1] << 8;
}

static void check_packet(const uint8_t *p, size_t len, size_t limit)
{
	uint32_t vni;

	if (len < VXLAN_OUTER4_LEN || len - VXLAN_OUTER4_LEN > limit || len > 65535 ||
	    (size_t)(p[2] << 8 | p[3]) != len || (size_t)(p[24] << 8 | p[25]) != len - 20 ||
	    csum_fold(csum_partial(p, 20, 0)) != 0 || (p[20] << 8 | p[21]) < VXLAN_SPORT_MIN ||
	    vxlan_parse(p + 28, len - 28, &vni) != VXLAN_RX_OK || vni != 0x00abcd)
		__builtin_trap();
}

static void fuzz_encap(const uint8_t *ctl, const uint8_t *frame, size_t len)
{
	size_t junk = ctl[10] >> 2 & 3;
	static struct sink s;
	struct fz_pieces pc;
	struct frame f = { .niov = FZ_PIECES, .off = (uint32_t)junk, .len = (uint32_t)len,
			   .l2_len = ctl[10] & 2 ? ETH_HLEN_TAGGED : ETH_MIN_LEN, .vlan = 300 };
	struct vxlan_encap x = {
		.saddr = 0x0100000a, .daddr = 0x0200000a, .dport = 4789, .vni = 0x00abcd,
		.max_inner = get16le(ctl + 11), .max_seg_inner = get16le(ctl + 13),
		.alloc = sink_alloc, .unalloc = sink_unalloc, .arg = &s,
	};
	bool tagged = ctl[10] & 1;
	enum vxlan_tx_err e;

	memcpy(&f.vnet, ctl, sizeof(f.vnet));
	memcpy(f.eth, frame, len < ETH_HLEN_TAGGED ? len : ETH_HLEN_TAGGED);
	fz_scatter(&pc, ctl + 15, junk, frame, len);
	f.iov = pc.iov;
	s.n = 0;
	e = vxlan_encap_frame(&x, &f, tagged);
	if (e > VXLAN_TX_NOROOM)
		__builtin_trap();
	if (f.vnet.gso_type == VIRTIO_NET_HDR_GSO_NONE && e == VXLAN_TX_OK) {
		struct frame_egress eg;

		frame_egress_init(&eg, &f, tagged);
		if (s.n != 1 || s.len[0] != VXLAN_OUTER4_LEN + eg.len)
			__builtin_trap();
	}
	if (e != VXLAN_TX_OK && f.vnet.gso_type == VIRTIO_NET_HDR_GSO_NONE && s.n)
		__builtin_trap(); /* a refused plain frame leaves nothing */
	for (unsigned i = 0; i < s.n; i++) {
		size_t limit = x.max_inner;

		if (f.vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE && x.max_seg_inner < limit)
			limit = x.max_seg_inner;
		check_packet(s.pkt[i], s.len[i], limit);
		free(s.pkt[i]);
	}
	fz_pieces_free(&pc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < FZ_HDR)
		return 0;
	fuzz_parse(data + FZ_HDR, size - FZ_HDR);
	fuzz_encap(data, data + FZ_HDR, size - FZ_HDR);
	return 0;
}
