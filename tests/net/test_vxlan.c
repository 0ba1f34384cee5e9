/* SPDX-License-Identifier: MIT */
/*
 * VXLAN framing: the header and outer IPv4/UDP bytes as sent, the UDP
 * source port range, every malformed case vxlan_parse() refuses, and
 * vxlan_encap_frame() on guest-like frames: checksums completed, TSO and
 * UFO cut to fit the tunnel, VLAN tags rewritten, oversize and bad frames
 * refused without leaving a packet behind; the same encapsulation with
 * another tunnel's outer headers (Geneve, whose UDP checksum covers the
 * completed inner frame).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "net/geneve.h"
#include "net/vxlan.h"
#include "net_fixture.h"

#define A_SRC 0x0100f00au /* 10.240.0.1, network order */
#define A_DST 0x0200f00au /* 10.240.0.2 */

/* ---- header bytes ---- */

static void header_bytes(void **state)
{
	uint8_t h[8];
	(void)state;
	vxlan_hdr_put(h, 0x123456);
	assert_memory_equal(h, ((uint8_t[]){ 0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0 }), 8);
	vxlan_hdr_put(h, 0);
	assert_memory_equal(h, ((uint8_t[]){ 0x08, 0, 0, 0, 0, 0, 0, 0 }), 8);
	vxlan_hdr_put(h, VXLAN_VNI_MAX);
	assert_memory_equal(h, ((uint8_t[]){ 0x08, 0, 0, 0, 0xff, 0xff, 0xff, 0 }), 8);
}

static void outer_ipv4_udp_bytes(void **state)
{
	uint8_t p[VXLAN_OUTER4_LEN];
	static const uint8_t want[VXLAN_OUTER4_LEN] = {
		0x45, 0x00, 0x00, 0x88, 0x00, 0x00, 0x40, 0x00, /* len 136, DF */
		0x40, 0x11, 0x00, 0x00, 10, 240, 0, 1, 10, 240, 0, 2, /* TTL 64, UDP */
		0xc3, 0x50, 0x12, 0xb5, 0x00, 0x74, 0x00, 0x00, /* 50000 -> 4789, 116, no csum */
		0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, /* VNI 42 */
	};
	(void)state;
	assert_true(vxlan_outer4_put(p, A_SRC, A_DST, 50000, 4789, 42, 100));
	assert_int_equal(fx_ref_sum(p, 20, 0), 0xffff); /* header checksum valid */
	p[10] = p[11] = 0;
	assert_memory_equal(p, want, sizeof(want));
	/* saddr 0: the kernel picks it; still a valid header checksum */
	assert_true(vxlan_outer4_put(p, 0, A_DST, 65535, 4789, VXLAN_VNI_MAX, 0));
	assert_int_equal(fx_ref_sum(p, 20, 0), 0xffff);
	assert_int_equal(fx_get16(p + 2), 36);
	assert_int_equal(fx_get16(p + 24), 16);
	/* 65535 bytes at most */
	assert_true(vxlan_outer4_put(p, A_SRC, A_DST, 1, 2, 3, 65535 - 36));
	assert_false(vxlan_outer4_put(p, A_SRC, A_DST, 1, 2, 3, 65535 - 35));
}

static void source_ports_in_dynamic_range(void **state)
{
	static uint8_t seen[VXLAN_SPORT_RANGE];
	uint64_t seed = 7;
	unsigned distinct = 0;
	(void)state;
	assert_int_equal(vxlan_src_port(0), 49152);
	assert_int_equal(vxlan_src_port(0xffffffffu), 65535);
	for (unsigned i = 0; i < 4000; i++) {
		uint16_t p = vxlan_src_port(fx_rand(&seed));

		assert_in_range(p, 49152, 65535);
		distinct += !seen[p - VXLAN_SPORT_MIN];
		seen[p - VXLAN_SPORT_MIN] = 1;
	}
	assert_true(distinct > 3000); /* spread, not a handful of ports */
}

/* ---- decapsulation ---- */

static void parse_accepts_valid_packets(void **state)
{
	uint8_t p[8 + 60] = { 0 };
	uint32_t vni = 0;
	(void)state;
	vxlan_hdr_put(p, 0xabcdef);
	assert_int_equal(vxlan_parse(p, 8 + 14, &vni), VXLAN_RX_OK);
	assert_int_equal(vni, 0xabcdef);
	assert_int_equal(vxlan_parse(p, sizeof(p), &vni), VXLAN_RX_OK);
	vxlan_hdr_put(p, 0);
	assert_int_equal(vxlan_parse(p, sizeof(p), &vni), VXLAN_RX_OK);
	assert_int_equal(vni, 0);
}

static void parse_rejects_truncated_headers(void **state)
{
	uint8_t p[8];
	uint32_t vni = 77;
	(void)state;
	vxlan_hdr_put(p, 42);
	for (size_t len = 0; len < 8; len++)
		assert_int_equal(vxlan_parse(p, len, &vni), VXLAN_RX_TRUNCATED);
	assert_int_equal(vni, 77); /* not touched */
}

static void parse_rejects_every_other_flag_byte(void **state)
{
	uint8_t p[8 + 14] = { 0 };
	uint32_t vni;
	(void)state;
	for (unsigned flags = 0; flags < 256; flags++) {
		vxlan_hdr_put(p, 42);
		p[0] = (uint8_t)flags;
		assert_int_equal(vxlan_parse(p, sizeof(p), &vni),
				 flags == 0x08 ? VXLAN_RX_OK : VXLAN_RX_FLAGS);
	}
}

static void parse_rejects_reserved_bits(void **state)
{
	static const unsigned reserved[] = { 1, 2, 3, 7 };
	uint8_t p[8 + 14] = { 0 };
	uint32_t vni;
	(void)state;
	for (unsigned r = 0; r < 4; r++)
		for (unsigned bit = 0; bit < 8; bit++) {
			vxlan_hdr_put(p, 0x010203);
			p[reserved[r]] = (uint8_t)(1u << bit);
			vni = 0;
			assert_int_equal(vxlan_parse(p, sizeof(p), &vni), VXLAN_RX_RESERVED);
			assert_int_equal(vni, 0x010203); /* still says which tunnel */
		}
}

static void parse_rejects_runt_inner_frames(void **state)
{
	uint8_t p[8 + 14] = { 0 };
	uint32_t vni;
	(void)state;
	vxlan_hdr_put(p, 9);
	for (size_t inner = 0; inner < 14; inner++) {
		vni = 0;
		assert_int_equal(vxlan_parse(p, 8 + inner, &vni), VXLAN_RX_RUNT);
		assert_int_equal(vni, 9);
	}
	assert_int_equal(vxlan_parse(p, 8 + 14, &vni), VXLAN_RX_OK);
}

static void parse_error_names(void **state)
{
	(void)state;
	assert_string_equal(vxlan_rx_err_name(VXLAN_RX_TRUNCATED), "truncated");
	assert_string_equal(vxlan_rx_err_name(VXLAN_RX_FLAGS), "flags");
	assert_string_equal(vxlan_rx_err_name(VXLAN_RX_RESERVED), "reserved");
	assert_string_equal(vxlan_rx_err_name(VXLAN_RX_RUNT), "runt");
	assert_string_equal(vxlan_rx_err_name(VXLAN_RX_NERR), "?");
}

/* ---- encapsulation ---- */

#define SINK_MAX 256

struct sink {
	uint8_t *pkt[SINK_MAX];
	size_t len[SINK_MAX];
	unsigned n;
	unsigned room; /* packets alloc() gives before it says no */
};

static uint8_t *sink_alloc(void *arg, size_t len)
{
	struct sink *s = arg;

	if (s->n == SINK_MAX || s->n >= s->room)
		return NULL;
	s->len[s->n] = len;
	s->pkt[s->n] = malloc(len);
	memset(s->pkt[s->n], 0xee, len);
	return s->pkt[s->n++];
}

static void sink_unalloc(void *arg)
{
	struct sink *s = arg;

	free(s->pkt[--s->n]);
}

static void sink_free(struct sink *s)
{
	while (s->n)
		sink_unalloc(s);
}

static struct vxlan_encap encap_for(struct sink *s, size_t max_inner, size_t max_seg)
{
	*s = (struct sink){ .room = SINK_MAX };
	return (struct vxlan_encap){
		.saddr = A_SRC, .daddr = A_DST, .dport = 4789, .vni = 42,
		.max_inner = max_inner, .max_seg_inner = max_seg,
		.alloc = sink_alloc, .unalloc = sink_unalloc, .arg = s,
	};
}

/* A frame over the scatter list, as the bridge hands it to a port. */
static struct frame frame_of(const struct fx_frame *fx, const struct scatter *sc, bool vlan)
{
	struct frame f = { .iov = sc->iov, .niov = (uint16_t)sc->n, .len = (uint32_t)fx->len,
			   .l2_len = vlan ? 18 : 14, .vlan = 100, .vnet = fx->vh };

	memcpy(f.eth, fx->buf, ETH_HLEN_TAGGED);
	return f;
}

/* The outer headers of packet i are right for an inner frame of its size. */
static void check_outer(const struct sink *s, unsigned i, uint16_t *sport)
{
	const uint8_t *p = s->pkt[i];
	uint32_t vni;

	assert_true(s->len[i] >= VXLAN_OUTER4_LEN + 14);
	assert_int_equal(fx_get16(p + 2), s->len[i]);
	assert_int_equal(fx_get16(p + 6), 0x4000);
	assert_int_equal(fx_ref_sum(p, 20, 0), 0xffff);
	assert_int_equal(fx_get16(p + 24), s->len[i] - 20);
	assert_int_equal(fx_get16(p + 22), 4789);
	assert_in_range(fx_get16(p + 20), 49152, 65535);
	if (*sport)
		assert_int_equal(fx_get16(p + 20), *sport); /* one flow, one port */
	*sport = fx_get16(p + 20);
	assert_int_equal(vxlan_parse(p + 28, s->len[i] - 28, &vni), VXLAN_RX_OK);
	assert_int_equal(vni, 42);
}

static void encap_completes_a_partial_checksum(void **state)
{
	struct fx_frame_spec spec = { .payload = 777 };
	struct fx_frame fx;
	struct scatter sc;
	struct sink s;
	struct vxlan_encap x;
	uint16_t sport;
	(void)state;
	for (int udp = 0; udp < 2; udp++) {
		struct frame f;
		uint8_t *inner;

		spec.udp = udp;
		fx_frame_build(&fx, &spec, 11);
		fx.vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
		fx_scatter(&sc, fx.buf, fx.len, 50, 3);
		f = frame_of(&fx, &sc, false);
		x = encap_for(&s, 1464, 1464);
		assert_int_equal(vxlan_encap_frame(&x, &f, false), VXLAN_TX_OK);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.len[0], VXLAN_OUTER4_LEN + fx.len);
		sport = 0;
		check_outer(&s, 0, &sport);
		inner = s.pkt[0] + VXLAN_OUTER4_LEN;
		assert_true(fx_l4_csum_ok(inner + 14, false, 20, udp ? IPPROTO_UDP : IPPROTO_TCP,
					  fx.len - fx.l4));
		/* apart from the checksum, the bytes as sent */
		inner[fx.vh.csum_start + fx.vh.csum_offset] = fx.buf[fx.vh.csum_start + fx.vh.csum_offset];
		inner[fx.vh.csum_start + fx.vh.csum_offset + 1] =
			fx.buf[fx.vh.csum_start + fx.vh.csum_offset + 1];
		assert_memory_equal(inner, fx.buf, fx.len);
		sink_free(&s);
		fx_scatter_free(&sc);
		fx_frame_free(&fx);
	}
}

static void encap_copies_a_plain_frame(void **state)
{
	uint8_t b[60];
	struct iovec iov = { b, sizeof(b) };
	struct frame f = { .iov = &iov, .niov = 1, .len = 60, .l2_len = 14 };
	struct sink s;
	struct vxlan_encap x = encap_for(&s, 1464, 1464);
	uint16_t sport = 0;
	(void)state;
	for (unsigned i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7);
	b[12] = 0x88, b[13] = 0xb5;
	memcpy(f.eth, b, 18);
	assert_int_equal(vxlan_encap_frame(&x, &f, false), VXLAN_TX_OK);
	assert_int_equal(s.n, 1);
	check_outer(&s, 0, &sport);
	assert_memory_equal(s.pkt[0] + VXLAN_OUTER4_LEN, b, sizeof(b));
	sink_free(&s);
}

/* 802.1Q on egress: a tagged frame leaves untagged and the reverse; the
 * checksum is completed at its shifted place. */
static void encap_rewrites_the_vlan_tag(void **state)
{
	struct fx_frame_spec spec = { .payload = 300 };
	struct fx_frame fx;
	struct scatter sc;
	struct sink s;
	struct vxlan_encap x;
	uint16_t sport = 0;
	struct frame f;
	uint8_t *inner;
	(void)state;
	spec.vlan = true;
	fx_frame_build(&fx, &spec, 5);
	fx.vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	fx_scatter(&sc, fx.buf, fx.len, 20, 9);
	f = frame_of(&fx, &sc, true);
	x = encap_for(&s, 1464, 1464);
	assert_int_equal(vxlan_encap_frame(&x, &f, false), VXLAN_TX_OK);
	assert_int_equal(s.len[0], VXLAN_OUTER4_LEN + fx.len - 4);
	check_outer(&s, 0, &sport);
	inner = s.pkt[0] + VXLAN_OUTER4_LEN;
	assert_int_equal(fx_get16(inner + 12), 0x0800);
	assert_true(fx_l4_csum_ok(inner + 14, false, 20, IPPROTO_TCP, fx.len - fx.l4));
	sink_free(&s);
	fx_scatter_free(&sc);
	fx_frame_free(&fx);

	spec.vlan = false;
	fx_frame_build(&fx, &spec, 5);
	fx.vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	fx_scatter(&sc, fx.buf, fx.len, 20, 9);
	f = frame_of(&fx, &sc, false);
	x = encap_for(&s, 1464, 1464);
	assert_int_equal(vxlan_encap_frame(&x, &f, true), VXLAN_TX_OK);
	assert_int_equal(s.len[0], VXLAN_OUTER4_LEN + fx.len + 4);
	inner = s.pkt[0] + VXLAN_OUTER4_LEN;
	assert_int_equal(fx_get16(inner + 12), 0x8100);
	assert_int_equal(fx_get16(inner + 14) & 0xfff, 100);
	assert_true(fx_l4_csum_ok(inner + 18, false, 20, IPPROTO_TCP, fx.len - fx.l4));
	sink_free(&s);
	fx_scatter_free(&sc);
	fx_frame_free(&fx);
}

/* TSO: every segment fits the limit, checksums verify, sequence numbers
 * follow each other and the payloads put back together are the frame's. */
static void check_tso(bool ipv6, size_t gso_size, size_t max_seg, size_t want_mss)
{
	struct fx_frame_spec spec = { .ipv6 = ipv6, .payload = 20000, .seq = 1000, .tcp_opt = 12,
				      .tcp_flags = FX_TCP_ACK | FX_TCP_PSH };
	size_t l4_hdr = 20 + 12, got = 0;
	struct fx_frame fx;
	struct scatter sc;
	struct sink s;
	struct vxlan_encap x;
	uint16_t sport = 0;
	struct frame f;
	uint8_t *payload = malloc(spec.payload);

	fx_frame_build(&fx, &spec, 21);
	fx.vh.gso_size = (uint16_t)gso_size;
	fx_scatter(&sc, fx.buf, fx.len, 700, 4);
	f = frame_of(&fx, &sc, false);
	x = encap_for(&s, 1464, max_seg);
	assert_int_equal(vxlan_encap_frame(&x, &f, false), VXLAN_TX_OK);
	assert_int_equal(s.n, (spec.payload + want_mss - 1) / want_mss);
	for (unsigned i = 0; i < s.n; i++) {
		const uint8_t *inner = s.pkt[i] + VXLAN_OUTER4_LEN, *ip = inner + 14;
		size_t inner_len = s.len[i] - VXLAN_OUTER4_LEN, ihl = ipv6 ? 40 : 20;
		size_t l4_len = inner_len - 14 - ihl, seg = l4_len - l4_hdr;

		check_outer(&s, i, &sport);
		assert_true(inner_len <= max_seg && inner_len <= 1464);
		assert_int_equal(seg, i + 1 < s.n ? want_mss : spec.payload - got);
		assert_true(fx_l4_csum_ok(ip, ipv6, ihl, IPPROTO_TCP, l4_len));
		assert_int_equal(fx_get32(ip + ihl + 4), 1000 + got);
		memcpy(payload + got, ip + ihl + l4_hdr, seg);
		got += seg;
	}
	assert_int_equal(got, spec.payload);
	assert_memory_equal(payload, fx.buf + fx.hdr_len, spec.payload);
	free(payload);
	sink_free(&s);
	fx_scatter_free(&sc);
	fx_frame_free(&fx);
}

static void encap_segments_tso_frames(void **state)
{
	(void)state;
	/* gso_size fits: segments as the sender cut them (1398 = 1450 - 52) */
	check_tso(false, 1398, 1464, 1398);
	check_tso(true, 1378, 1464, 1378);
	/* a guest with a 1500 MTU behind a 1450 tunnel: cut smaller */
	check_tso(false, 1448, 1464, 1464 - 14 - 20 - 32);
	check_tso(true, 1448, 1464, 1464 - 14 - 40 - 32);
	/* the port's own MTU below the underlay's */
	check_tso(false, 1448, 1014, 1014 - 14 - 20 - 32);
}

static void encap_fragments_ufo_frames(void **state)
{
	struct fx_frame_spec spec = { .udp = true, .payload = 5000 };
	struct fx_frame fx;
	struct scatter sc;
	struct sink s;
	struct vxlan_encap x;
	uint16_t sport = 0;
	struct frame f;
	size_t ip_payload = 0;
	(void)state;
	fx_frame_build(&fx, &spec, 8);
	fx.vh.gso_size = 1472;
	fx_scatter(&sc, fx.buf, fx.len, 300, 6);
	f = frame_of(&fx, &sc, false);
	x = encap_for(&s, 1464, 1000);
	assert_int_equal(vxlan_encap_frame(&x, &f, false), VXLAN_TX_OK);
	assert_true(s.n >= 6);
	for (unsigned i = 0; i < s.n; i++) {
		const uint8_t *ip = s.pkt[i] + VXLAN_OUTER4_LEN + 14;
		size_t inner_len = s.len[i] - VXLAN_OUTER4_LEN;

		check_outer(&s, i, &sport);
		assert_true(inner_len <= 1000);
		assert_int_equal(fx_get16(ip + 6) & 0x1fff, ip_payload / 8);
		assert_int_equal(!!(fx_get16(ip + 6) & 0x2000), i + 1 < s.n); /* MF */
		ip_payload += inner_len - 14 - 20;
	}
	assert_int_equal(ip_payload, 8 + spec.payload);
	sink_free(&s);
	fx_scatter_free(&sc);
	fx_frame_free(&fx);
}

static void encap_refuses_what_does_not_fit(void **state)
{
	struct fx_frame_spec spec = { .payload = 1500 };
	struct fx_frame fx;
	struct scatter sc;
	struct sink s;
	struct vxlan_encap x;
	struct frame f;
	(void)state;
	fx_frame_build(&fx, &spec, 2);
	fx_scatter(&sc, fx.buf, fx.len, 400, 1);
	/* a plain frame one byte over */
	f = frame_of(&fx, &sc, false);
	f.vnet.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	x = encap_for(&s, fx.len - 1, fx.len - 1);
	assert_int_equal(vxlan_encap_frame(&x, &f, false), VXLAN_TX_TOO_BIG);
	assert_int_equal(s.n, 0);
	x = encap_for(&s, fx.len, fx.len);
	assert_int_equal(vxlan_encap_frame(&x, &f, false), VXLAN_TX_OK);
	assert_int_equal(s.n, 1);
	sink_free(&s);
	/* tagging makes it 4 bytes longer */
	x = encap_for(&s, fx.len + 3, fx.len + 3);
	assert_int_equal(vxlan_encap_frame(&x, &f, true), VXLAN_TX_TOO_BIG);
	/* GSO: not even the headers and one byte fit */
	f.vnet = fx.vh;
	f.vnet.gso_size = 1000;
	x = encap_for(&s, 1464, 14 + 20 + 20);
	assert_int_equal(vxlan_encap_frame(&x, &f, false), VXLAN_TX_TOO_BIG);
	assert_int_equal(s.n, 0);
	x = encap_for(&s, 1464, 14 + 20 + 20 + 10);
	assert_int_equal(vxlan_encap_frame(&x, &f, false), VXLAN_TX_OK);
	assert_int_equal(s.n, spec.payload / 10);
	sink_free(&s);
	fx_scatter_free(&sc);
	fx_frame_free(&fx);
}

static void encap_refuses_bad_frames_cleanly(void **state)
{
	struct fx_frame_spec spec = { .payload = 200 };
	struct fx_frame fx;
	struct scatter sc;
	struct sink s;
	struct vxlan_encap x;
	struct frame f;
	(void)state;
	fx_frame_build(&fx, &spec, 2);
	fx_scatter(&sc, fx.buf, fx.len, 64, 1);
	f = frame_of(&fx, &sc, false);
	f.vnet.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	x = encap_for(&s, 1464, 1464);
	/* checksum field past the end */
	f.vnet.csum_start = (uint16_t)(fx.len - 1);
	assert_int_equal(vxlan_encap_frame(&x, &f, false), VXLAN_TX_BAD);
	assert_int_equal(s.n, 0);
	/* the iovecs hold less than f->len */
	f.vnet = fx.vh;
	f.vnet.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	f.len = (uint32_t)fx.len + 10;
	assert_int_equal(vxlan_encap_frame(&x, &f, false), VXLAN_TX_BAD);
	assert_int_equal(s.n, 0);
	/* GSO whose checksum request does not point at the TCP checksum */
	f = frame_of(&fx, &sc, false);
	f.vnet.gso_size = 100;
	f.vnet.csum_offset = 6;
	assert_int_equal(vxlan_encap_frame(&x, &f, false), VXLAN_TX_BAD);
	assert_int_equal(s.n, 0);
	/* no room: reported, nothing left */
	f = frame_of(&fx, &sc, false);
	f.vnet.gso_size = 50;
	s.room = 2;
	assert_int_equal(vxlan_encap_frame(&x, &f, false), VXLAN_TX_NOROOM);
	assert_int_equal(s.n, 2);
	sink_free(&s);
	/* an l2_len the bridge never sets */
	f.l2_len = 3;
	assert_int_equal(vxlan_encap_frame(&x, &f, false), VXLAN_TX_BAD);
	fx_scatter_free(&sc);
	fx_frame_free(&fx);
}

/* Geneve's outer headers through put_outer(): written after the inner
 * frame is complete, so each segment's UDP checksum covers its bytes. */
struct gv_outer {
	uint16_t ingress, egress;
};

static bool gv_put(const struct vxlan_encap *x, uint8_t *p, uint16_t sport, size_t inner_len)
{
	const struct gv_outer *g = x->outer_arg;

	return geneve_outer4_put(p, x->saddr, x->daddr, sport, x->vni, g->ingress, g->egress,
				 inner_len);
}

static void encap_with_geneve_outer_headers(void **state)
{
	struct fx_frame_spec spec = { .payload = 5000, .seq = 7, .tcp_flags = FX_TCP_ACK };
	struct gv_outer g = { .ingress = 3, .egress = 32768 };
	struct fx_frame fx;
	struct scatter sc;
	struct sink s;
	struct vxlan_encap x;
	struct frame f;
	(void)state;
	fx_frame_build(&fx, &spec, 5);
	fx.vh.gso_size = 1400;
	fx_scatter(&sc, fx.buf, fx.len, 300, 3);
	f = frame_of(&fx, &sc, false);
	x = encap_for(&s, 1500 - GENEVE_OUTER4_LEN, 1500 - GENEVE_OUTER4_LEN);
	x.vni = 7;
	x.outer_len = GENEVE_OUTER4_LEN;
	x.put_outer = gv_put;
	x.outer_arg = &g;
	assert_int_equal(vxlan_encap_frame(&x, &f, false), VXLAN_TX_OK);
	assert_int_equal(s.n, 4); /* 5000 bytes in segments of 1400 */
	for (unsigned i = 0; i < s.n; i++) {
		const uint8_t *p = s.pkt[i];
		uint16_t udp_len = fx_get16(p + 24);
		uint8_t pseudo[12];
		struct geneve_info gi;

		assert_true(s.len[i] <= 1500);
		assert_int_equal(fx_get16(p + 2), s.len[i]);
		assert_int_equal(fx_ref_sum(p, 20, 0), 0xffff);
		assert_int_equal(fx_get16(p + 22), GENEVE_PORT);
		memcpy(pseudo, p + 12, 8);
		pseudo[8] = 0;
		pseudo[9] = 17;
		fx_put16(pseudo + 10, udp_len);
		assert_int_equal(fx_ref_sum(p + 20, udp_len, fx_ref_sum(pseudo, 12, 0)), 0xffff);
		assert_int_equal(geneve_parse(p + 28, udp_len - 8u, &gi), GENEVE_RX_OK);
		assert_int_equal(gi.vni, 7);
		assert_int_equal(gi.ingress, 3);
		assert_int_equal(gi.egress, 32768);
		assert_true(fx_l4_csum_ok(p + GENEVE_OUTER4_LEN + 14, false, 20, IPPROTO_TCP,
					  s.len[i] - GENEVE_OUTER4_LEN - 14 - 20));
	}
	sink_free(&s);
	fx_scatter_free(&sc);
	fx_frame_free(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_bytes),
		cmocka_unit_test(outer_ipv4_udp_bytes),
		cmocka_unit_test(source_ports_in_dynamic_range),
		cmocka_unit_test(parse_accepts_valid_packets),
		cmocka_unit_test(parse_rejects_truncated_headers),
		cmocka_unit_test(parse_rejects_every_other_flag_byte),
		cmocka_unit_test(parse_rejects_reserved_bits),
		cmocka_unit_test(parse_rejects_runt_inner_frames),
		cmocka_unit_test(parse_error_names),
		cmocka_unit_test(encap_copies_a_plain_frame),
		cmocka_unit_test(encap_completes_a_partial_checksum),
		cmocka_unit_test(encap_rewrites_the_vlan_tag),
		cmocka_unit_test(encap_segments_tso_frames),
		cmocka_unit_test(encap_fragments_ufo_frames),
		cmocka_unit_test(encap_refuses_what_does_not_fit),
		cmocka_unit_test(encap_refuses_bad_frames_cleanly),
		cmocka_unit_test(encap_with_geneve_outer_headers),
	};
	return cmocka_run_group_tests_name("net_vxlan", tests, NULL, NULL);
}
