/* SPDX-License-Identifier: MIT */
/*
 * GSO: 64 KB TCP frames over IPv4, IPv6 and 802.1Q segmented at 1448 and
 * every segment re-checked on its own (lengths, header and TCP checksums
 * recomputed naively, sequence numbers, flags, payload); UDP datagrams
 * fragmented and reassembled; and hostile frames whose headers lie about
 * lengths, offsets and types, all refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "net/gso.h"
#include "net/vnet_hdr.h"
#include "net_fixture.h"

#define TCP_HDR_OPT 12
#define MAX_TCP4_PAYLOAD (65535 - 28 - 20 - TCP_HDR_OPT)
#define MAX_TCP6_PAYLOAD (65535 - 20 - TCP_HDR_OPT)

/* A built frame scattered over small buffers, `off` junk bytes first. */
struct source {
	struct fx_frame f;
	struct scatter sc;
	size_t off;
};

static void source_make(struct source *src, const struct fx_frame_spec *spec,
			size_t off, size_t max_piece)
{
	uint8_t *buf;

	fx_frame_build(&src->f, spec, 1234);
	buf = malloc(off + src->f.len);
	memset(buf, 0xa5, off);
	memcpy(buf + off, src->f.buf, src->f.len);
	fx_scatter(&src->sc, buf, off + src->f.len, max_piece, off + 77);
	src->off = off;
	free(buf);
}

static void source_free(struct source *src)
{
	fx_scatter_free(&src->sc);
	fx_frame_free(&src->f);
}

/* One segment as the consumer sends it: hdr, then the payload read with
 * a cursor that runs along the whole frame. */
static uint8_t *assemble(const struct gso_seg *seg, struct iov_cursor *cur)
{
	uint8_t *pkt = malloc(seg->hdr_len + seg->payload_len + 1);

	memcpy(pkt, seg->hdr, seg->hdr_len);
	assert_int_equal(iov_cursor_read(cur, pkt + seg->hdr_len, seg->payload_len),
			 seg->payload_len);
	return pkt;
}

struct tso_run {
	const struct fx_frame_spec *spec;
	const struct fx_frame *f;
	size_t seg_size;
	size_t got;        /* payload bytes checked so far */
	unsigned nseg;
	uint8_t *payload;  /* reassembled */
};

static void check_ip(const struct tso_run *r, const uint8_t *pkt, size_t len)
{
	const struct fx_frame *f = r->f;
	const uint8_t *ip = pkt + f->l3, *orig = f->buf + f->l3;
	size_t ihl = f->l4 - f->l3;

	assert_memory_equal(pkt, f->buf, f->l3);
	if (r->spec->ipv6) {
		assert_int_equal(fx_get16(ip + 4), len - f->l3 - 40);
		assert_memory_equal(ip, orig, 4);
		assert_memory_equal(ip + 6, orig + 6, 34);
		return;
	}
	assert_int_equal(fx_get16(ip + 2), len - f->l3);
	assert_int_equal(fx_ref_sum(ip, ihl, 0), 0xffff);
	assert_int_equal(fx_get16(ip + 4), (uint16_t)(0x1234 + r->nseg));
	assert_int_equal(fx_get16(ip + 6), 0x4000);
	assert_memory_equal(ip, orig, 2);
	assert_memory_equal(ip + 8, orig + 8, 2);
	assert_memory_equal(ip + 12, orig + 12, ihl - 12);
}

static void check_tcp(const struct tso_run *r, const uint8_t *pkt, size_t len,
		      bool first, bool last)
{
	const struct fx_frame *f = r->f;
	const uint8_t *th = pkt + f->l4, *orig = f->buf + f->l4;
	uint8_t flags = r->spec->tcp_flags;

	if (!first)
		flags &= (uint8_t)~FX_TCP_CWR;
	if (!last)
		flags &= (uint8_t)~(FX_TCP_FIN | FX_TCP_PSH);
	assert_int_equal(fx_get32(th + 4), (uint32_t)(r->spec->seq + r->got));
	assert_int_equal(th[13], flags);
	assert_memory_equal(th, orig, 4);
	assert_memory_equal(th + 8, orig + 8, 5);
	assert_memory_equal(th + 14, orig + 14, 2);
	assert_memory_equal(th + 18, orig + 18, f->hdr_len - f->l4 - 18);
	assert_true(fx_l4_csum_ok(pkt + f->l3, r->spec->ipv6, f->l4 - f->l3,
				  IPPROTO_TCP, len - f->l4));
}

static void check_tso_seg(struct tso_run *r, const struct source *src,
			  const struct gso_seg *seg, struct iov_cursor *cur)
{
	size_t total = r->spec->payload, left = total - r->got;
	size_t want = left < r->seg_size ? left : r->seg_size;
	size_t len = seg->hdr_len + seg->payload_len;
	uint8_t *pkt;

	assert_int_equal(seg->hdr_len, r->f->hdr_len);
	assert_int_equal(seg->payload_len, want);
	assert_int_equal(seg->payload_off, src->off + r->f->hdr_len + r->got);
	pkt = assemble(seg, cur);
	check_ip(r, pkt, len);
	check_tcp(r, pkt, len, r->got == 0, want == left);
	memcpy(r->payload + r->got, pkt + seg->hdr_len, want);
	r->got += want;
	r->nseg++;
	free(pkt);
}

/* Segment the frame and check everything; the number of segments. */
static unsigned run_tso(const struct fx_frame_spec *spec, size_t off,
			size_t max_piece, uint16_t gso_size, unsigned hint)
{
	struct source src;
	struct tso_run r = { .spec = spec };
	struct gso_state s;
	struct gso_seg seg;
	struct iov_cursor cur;

	source_make(&src, spec, off, max_piece);
	src.f.vh.gso_size = gso_size;
	r.f = &src.f;
	r.seg_size = hint && hint < gso_size ? hint : gso_size;
	r.payload = malloc(spec->payload);
	assert_int_equal(gso_init(&s, src.sc.iov, src.sc.n, off, src.f.len,
				  &src.f.vh, hint), 0);
	iov_cursor_init(&cur, src.sc.iov, src.sc.n);
	iov_cursor_skip(&cur, off + src.f.hdr_len);
	while (gso_next(&s, &seg))
		check_tso_seg(&r, &src, &seg, &cur);
	assert_false(gso_next(&s, &seg));
	assert_int_equal(r.got, spec->payload);
	assert_memory_equal(r.payload, src.f.buf + src.f.hdr_len, spec->payload);
	free(r.payload);
	source_free(&src);
	return r.nseg;
}

#define ALL_FLAGS (FX_TCP_ACK | FX_TCP_PSH | FX_TCP_FIN | FX_TCP_CWR)

static void tso_ipv4_64k_segments_verify_independently(void **state)
{
	struct fx_frame_spec spec = {
		.ip_opt = 8, .tcp_opt = TCP_HDR_OPT, .tcp_flags = ALL_FLAGS,
		.seq = 0xffff0000u, /* wraps half-way */
		.payload = MAX_TCP4_PAYLOAD,
	};
	(void)state;
	assert_int_equal(run_tso(&spec, 0, 1500, 1448, 0),
			 (MAX_TCP4_PAYLOAD + 1447) / 1448);
}

static void tso_ipv6_64k_segments_verify_independently(void **state)
{
	struct fx_frame_spec spec = {
		.ipv6 = true, .tcp_opt = TCP_HDR_OPT, .tcp_flags = ALL_FLAGS,
		.seq = 12345, .payload = MAX_TCP6_PAYLOAD,
	};
	(void)state;
	assert_int_equal(run_tso(&spec, 0, 999, 1448, 0),
			 (MAX_TCP6_PAYLOAD + 1447) / 1448);
}

static void tso_vlan_tagged_segments_verify_independently(void **state)
{
	struct fx_frame_spec v4 = {
		.vlan = true, .tcp_flags = FX_TCP_ACK | FX_TCP_PSH,
		.seq = 1, .payload = 65535 - 40,
	};
	struct fx_frame_spec v6 = {
		.vlan = true, .ipv6 = true, .tcp_opt = 4,
		.tcp_flags = FX_TCP_ACK, .payload = 30000,
	};
	(void)state;
	assert_int_equal(run_tso(&v4, 0, 4096, 1448, 0), 46);
	assert_int_equal(run_tso(&v6, 0, 3, 1448, 0), 21);
}

/* The frame sits behind a virtio_net_hdr in the same buffers; tiny and
 * odd pieces put headers and checksummed runs across every boundary. */
static void tso_frame_at_an_offset_over_tiny_pieces(void **state)
{
	struct fx_frame_spec spec = {
		.ip_opt = 4, .tcp_opt = 8, .tcp_flags = ALL_FLAGS,
		.seq = 99, .payload = 5000,
	};
	(void)state;
	for (size_t piece = 1; piece < 12; piece++)
		assert_int_equal(run_tso(&spec, 12, piece, 1448, 0), 4);
	assert_int_equal(run_tso(&spec, 13, 7, 333, 0), 16);
}

static void tso_mtu_hint_lowers_the_segment_size(void **state)
{
	struct fx_frame_spec spec = { .tcp_flags = FX_TCP_ACK, .payload = 10000 };
	(void)state;
	assert_int_equal(run_tso(&spec, 0, 1500, 1448, 1000), 10);
	assert_int_equal(run_tso(&spec, 0, 1500, 1000, 1448), 10);
}

static void tso_small_payload_gives_one_fully_checksummed_segment(void **state)
{
	struct fx_frame_spec spec = { .ipv6 = true, .tcp_flags = ALL_FLAGS,
				   .payload = 1 };
	(void)state;
	assert_int_equal(run_tso(&spec, 0, 5, 1448, 0), 1);
	spec.payload = 1448;
	assert_int_equal(run_tso(&spec, 0, 5, 1448, 0), 1);
	spec.payload = 1449;
	assert_int_equal(run_tso(&spec, 0, 5, 1448, 0), 2);
}

struct ufo_run {
	const struct fx_frame *f;
	size_t frag;        /* expected IP payload per fragment */
	size_t ip_off;      /* IP payload bytes seen */
	uint8_t *dgram;     /* reassembled UDP datagram */
	unsigned nfrag;
};

static void check_ufo_frag(struct ufo_run *r, const struct gso_seg *seg,
			   struct iov_cursor *cur)
{
	const struct fx_frame *f = r->f;
	size_t udp_len = f->len - f->l4, left = udp_len - r->ip_off;
	size_t want = left < r->frag ? left : r->frag;
	uint8_t *pkt = assemble(seg, cur), *ip = pkt + f->l3;
	size_t len = seg->hdr_len + seg->payload_len;

	assert_int_equal(seg->hdr_len, r->ip_off ? f->l4 : f->hdr_len);
	assert_int_equal(len - f->l4, want);
	assert_memory_equal(pkt, f->buf, f->l3);
	assert_int_equal(fx_get16(ip + 2), len - f->l3);
	assert_int_equal(fx_ref_sum(ip, f->l4 - f->l3, 0), 0xffff);
	assert_int_equal(fx_get16(ip + 4), 0x1234);
	assert_int_equal(fx_get16(ip + 6), (want < left ? 0x2000 : 0) | r->ip_off / 8);
	assert_true(want == left || want % 8 == 0);
	memcpy(r->dgram + r->ip_off, pkt + f->l4, want);
	r->ip_off += want;
	r->nfrag++;
	free(pkt);
}

static unsigned run_ufo(const struct fx_frame_spec *spec, uint16_t gso_size,
			unsigned hint, size_t frag)
{
	struct source src;
	struct ufo_run r = { .frag = frag };
	struct gso_state s;
	struct gso_seg seg;
	struct iov_cursor cur;
	const struct fx_frame *f = &src.f;

	source_make(&src, spec, 0, 777);
	src.f.vh.gso_size = gso_size;
	r.f = f;
	r.dgram = malloc(f->len - f->l4);
	assert_int_equal(gso_init(&s, src.sc.iov, src.sc.n, 0, f->len, &f->vh, hint), 0);
	iov_cursor_init(&cur, src.sc.iov, src.sc.n);
	iov_cursor_skip(&cur, f->hdr_len);
	while (gso_next(&s, &seg))
		check_ufo_frag(&r, &seg, &cur);
	assert_int_equal(r.ip_off, f->len - f->l4);
	assert_memory_equal(r.dgram, f->buf + f->l4, 6);
	assert_memory_equal(r.dgram + 8, f->buf + f->hdr_len, spec->payload);
	assert_int_equal(fx_ref_sum(r.dgram, f->len - f->l4,
				    fx_ref_pseudo(f->buf + f->l3, false, IPPROTO_UDP,
						  f->len - f->l4)), 0xffff);
	free(r.dgram);
	source_free(&src);
	return r.nfrag;
}

static void ufo_fragments_reassemble_to_the_datagram(void **state)
{
	struct fx_frame_spec big = { .udp = true, .payload = 65535 - 20 - 8 };
	struct fx_frame_spec mid = { .udp = true, .vlan = true, .payload = 8000 };
	(void)state;
	assert_int_equal(run_ufo(&big, 1480, 0, 1480), 45);
	assert_int_equal(run_ufo(&mid, 1480, 0, 1480), 6);
}

static void ufo_fragment_size_rounds_down_to_eight_bytes(void **state)
{
	struct fx_frame_spec spec = { .udp = true, .payload = 3000 };
	(void)state;
	assert_int_equal(run_ufo(&spec, 1479, 0, 1472), 3);
	assert_int_equal(run_ufo(&spec, 1480, 1001, 1000), 4);
	assert_int_equal(run_ufo(&spec, 8, 0, 8), 376);
}

static void ufo_small_datagram_is_sent_whole(void **state)
{
	struct fx_frame_spec spec = { .udp = true, .payload = 100 };
	(void)state;
	assert_int_equal(run_ufo(&spec, 1480, 0, 1480), 1);
	spec.payload = 0;
	assert_int_equal(run_ufo(&spec, 1480, 0, 1480), 1);
}

/* gso_init() on buf as h describes it, over odd small pieces; if it is
 * accepted, every segment is produced. */
static int try_gso(const uint8_t *buf, size_t len, const struct virtio_net_hdr *h)
{
	struct scatter sc;
	struct gso_state s;
	struct gso_seg seg;
	int rc;

	fx_scatter(&sc, buf, len, 7, len);
	rc = gso_init(&s, sc.iov, sc.n, 0, len, h, 0);
	if (rc == 0)
		while (gso_next(&s, &seg))
			;
	fx_scatter_free(&sc);
	return rc;
}

static void tcp4(struct fx_frame *f, size_t payload)
{
	struct fx_frame_spec spec = { .tcp_flags = FX_TCP_ACK, .payload = payload };

	fx_frame_build(f, &spec, 3);
	f->vh.gso_size = 1448;
}

static void tcp6(struct fx_frame *f, size_t payload)
{
	struct fx_frame_spec spec = { .ipv6 = true, .payload = payload };

	fx_frame_build(f, &spec, 3);
	f->vh.gso_size = 1448;
}

static void udp4(struct fx_frame *f, size_t payload)
{
	struct fx_frame_spec spec = { .udp = true, .payload = payload };

	fx_frame_build(f, &spec, 3);
	f->vh.gso_size = 1480;
}

static void fixtures_are_accepted_untouched(void **state)
{
	struct fx_frame f;
	(void)state;
	tcp4(&f, 3000);
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), 0);
	fx_frame_free(&f);
	tcp6(&f, 3000);
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), 0);
	fx_frame_free(&f);
	udp4(&f, 3000);
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), 0);
	fx_frame_free(&f);
}

static void rejects_ip_lengths_that_disagree_with_the_frame(void **state)
{
	struct fx_frame f;
	(void)state;
	for (int d = -1; d <= 1; d += 2) {
		tcp4(&f, 3000);
		fx_put16(f.buf + f.l3 + 2, (uint16_t)(f.len - f.l3 + d));
		assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
		fx_frame_free(&f);
		tcp6(&f, 3000);
		fx_put16(f.buf + f.l3 + 4, (uint16_t)(f.len - f.l3 - 40 + d));
		assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
		fx_frame_free(&f);
		udp4(&f, 3000);
		fx_put16(f.buf + f.l4 + 4, (uint16_t)(f.len - f.l4 + d));
		assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
		fx_frame_free(&f);
	}
	tcp4(&f, 3000);
	fx_put16(f.buf + f.l3 + 2, 0xffff);
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	fx_frame_free(&f);
}

static void rejects_checksum_requests_outside_or_off_the_l4_header(void **state)
{
	struct fx_frame f;
	(void)state;
	tcp4(&f, 3000);
	f.vh.csum_start = (uint16_t)f.len;
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	f.vh.csum_start = (uint16_t)(f.len - 17);
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	f.vh.csum_start = (uint16_t)f.l4;
	f.vh.csum_offset = 6;
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	f.vh.csum_offset = 0xffff;
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	f.vh.csum_offset = 16;
	f.vh.flags = 0;
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	fx_frame_free(&f);
}

static void rejects_bad_gso_size_and_type(void **state)
{
	struct fx_frame f;
	(void)state;
	tcp4(&f, 3000);
	f.vh.gso_size = 0;
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	f.vh.gso_size = 1448;
	f.vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	f.vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	f.vh.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	f.vh.gso_type = 5; /* UDP_L4: not offered */
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	fx_frame_free(&f);
	tcp6(&f, 3000);
	f.vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	fx_frame_free(&f);
	udp4(&f, 3000);
	f.vh.gso_size = 7;
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	f.vh.gso_size = 1480;
	f.vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	fx_frame_free(&f);
}

/* Cut the frame anywhere inside its headers, with the IP length made to
 * agree and the checksum request moved inside: still refused. */
static void rejects_truncated_headers(void **state)
{
	struct fx_frame f;
	struct virtio_net_hdr h;
	(void)state;
	tcp4(&f, 3000);
	for (size_t cut = 0; cut <= f.hdr_len; cut++) {
		h = f.vh;
		h.csum_start = 0;
		h.csum_offset = 0;
		h.hdr_len = 0;
		if (cut > f.l3 + 4)
			fx_put16(f.buf + f.l3 + 2, (uint16_t)(cut - f.l3));
		assert_int_equal(try_gso(f.buf, cut, &h), -EINVAL);
		h = f.vh;
		if (cut >= f.l4 + 18)
			assert_int_equal(try_gso(f.buf, cut, &h), -EINVAL);
	}
	fx_frame_free(&f);
}

static void rejects_ipv4_header_length_below_five_or_beyond_frame(void **state)
{
	struct fx_frame f;
	(void)state;
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		tcp4(&f, 3000);
		f.buf[f.l3] = (uint8_t)(0x40 | ihl);
		f.vh.csum_start = (uint16_t)(f.l3 + ihl * 4); /* agrees with it */
		assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
		fx_frame_free(&f);
	}
	tcp4(&f, 10);
	f.buf[f.l3] = 0x4f; /* 60 bytes of header in a 64-byte frame */
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	f.buf[f.l3] = 0x65; /* version 6 in an IPv4 frame */
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	fx_frame_free(&f);
}

static void rejects_tcp_data_offset_below_five_or_beyond_frame(void **state)
{
	struct fx_frame f;
	(void)state;
	for (uint8_t doff = 0; doff < 5; doff++) {
		tcp4(&f, 3000);
		f.buf[f.l4 + 12] = (uint8_t)(doff << 4);
		assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
		fx_frame_free(&f);
	}
	tcp6(&f, 10);
	f.buf[f.l4 + 12] = 0xf0;
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	f.buf[f.l4 + 12] = 0x70; /* header ends exactly at the frame's end */
	fx_put16(f.buf + f.l3 + 4, 28);
	assert_int_equal(try_gso(f.buf, f.len - 2, &f.vh), -EINVAL);
	fx_frame_free(&f);
}

static void rejects_tcp_frame_without_payload(void **state)
{
	struct fx_frame f;
	(void)state;
	tcp4(&f, 0);
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	fx_frame_free(&f);
}

static void rejects_non_ip_ethertypes(void **state)
{
	static const uint16_t types[] = { 0x0806, 0x88a8, 0x8847, 0x86dd, 0 };
	struct fx_frame f;
	(void)state;
	for (unsigned i = 0; i < 5; i++) {
		tcp4(&f, 3000);
		fx_put16(f.buf + 12, types[i]);
		assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
		fx_frame_free(&f);
	}
}

static void rejects_stacked_or_truncated_vlan_tags(void **state)
{
	struct fx_frame_spec spec = { .vlan = true, .payload = 3000 };
	struct fx_frame f;
	(void)state;
	fx_frame_build(&f, &spec, 4);
	f.vh.gso_size = 1448;
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), 0);
	fx_put16(f.buf + 16, 0x8100);
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	fx_put16(f.buf + 16, 0x0806);
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	f.vh.csum_start = 0;
	f.vh.csum_offset = 0;
	f.vh.hdr_len = 0;
	for (size_t cut = 12; cut <= 18; cut++)
		assert_int_equal(try_gso(f.buf, cut, &f.vh), -EINVAL);
	fx_frame_free(&f);
}

static void rejects_ipv6_extension_headers(void **state)
{
	static const uint8_t next[] = { 0, 43, 44, 60, 17 };
	struct fx_frame f;
	(void)state;
	for (unsigned i = 0; i < 5; i++) {
		tcp6(&f, 3000);
		f.buf[f.l3 + 6] = next[i];
		assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
		fx_frame_free(&f);
	}
}

static void rejects_ipv4_fragments_and_wrong_protocols(void **state)
{
	struct fx_frame f;
	(void)state;
	tcp4(&f, 3000);
	fx_put16(f.buf + f.l3 + 6, 0x2000); /* MF */
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	fx_put16(f.buf + f.l3 + 6, 0x0001); /* offset 8 */
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	fx_put16(f.buf + f.l3 + 6, 0);
	f.buf[f.l3 + 9] = IPPROTO_UDP;
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	fx_frame_free(&f);
	udp4(&f, 3000);
	f.buf[f.l3 + 9] = IPPROTO_TCP;
	assert_int_equal(try_gso(f.buf, f.len, &f.vh), -EINVAL);
	fx_frame_free(&f);
}

static void rejects_frames_beyond_the_iovecs(void **state)
{
	struct fx_frame f;
	struct gso_state s;
	struct iovec iov;
	(void)state;
	tcp4(&f, 3000);
	iov = (struct iovec){ f.buf, f.len };
	assert_int_equal(gso_init(&s, &iov, 1, 0, f.len + 1, &f.vh, 0), -EINVAL);
	assert_int_equal(gso_init(&s, &iov, 1, 1, f.len, &f.vh, 0), -EINVAL);
	assert_int_equal(gso_init(&s, &iov, 1, f.len + 1, 0, &f.vh, 0), -EINVAL);
	assert_int_equal(gso_init(&s, &iov, 1, 2, SIZE_MAX, &f.vh, 0), -EINVAL);
	assert_int_equal(gso_init(&s, &iov, 0, 0, f.len, &f.vh, 0), -EINVAL);
	assert_int_equal(gso_init(&s, &iov, 1, 0, f.len, &f.vh, 0), 0);
	fx_frame_free(&f);
}

/* Accepted or not, a corrupted frame never leads outside the frame: the
 * segments' payloads tile the rest of it exactly. */
static void check_tiling(const struct fx_frame *f, const struct virtio_net_hdr *h,
			 size_t len)
{
	struct scatter sc;
	struct gso_state s;
	struct gso_seg seg;
	size_t next = 0, sum = 0;

	fx_scatter(&sc, f->buf, len, 40, len);
	if (gso_init(&s, sc.iov, sc.n, 0, len, h, 0) == 0) {
		while (gso_next(&s, &seg)) {
			assert_true(seg.hdr_len > 0 && seg.hdr_len <= GSO_MAX_HDR);
			assert_true(next == 0 || seg.payload_off == next);
			assert_true(seg.payload_off + seg.payload_len <= len);
			next = seg.payload_off + seg.payload_len;
			sum += seg.payload_len;
		}
		assert_int_equal(next, len);
		assert_true(sum > 0 || h->gso_type == VIRTIO_NET_HDR_GSO_UDP);
	}
	fx_scatter_free(&sc);
}

static void survives_random_header_corruption(void **state)
{
	struct fx_frame good[3], f;
	uint64_t seed = 2024;
	(void)state;
	tcp4(&good[0], 4000);
	tcp6(&good[1], 4000);
	udp4(&good[2], 4000);
	for (unsigned round = 0; round < 20000; round++) {
		const struct fx_frame *g = &good[round % 3];
		struct virtio_net_hdr h = g->vh;
		size_t len = g->len;

		f = *g;
		f.buf = malloc(g->len);
		memcpy(f.buf, g->buf, g->len);
		for (unsigned k = fx_rand(&seed) % 4; k > 0; k--)
			f.buf[fx_rand(&seed) % 80] = (uint8_t)fx_rand(&seed);
		if (fx_rand(&seed) % 4 == 0)
			len = fx_rand(&seed) % (g->len + 1);
		if (fx_rand(&seed) % 4 == 0)
			h.gso_size = (uint16_t)fx_rand(&seed);
		if (fx_rand(&seed) % 8 == 0)
			h.gso_type = (uint8_t)fx_rand(&seed);
		check_tiling(&f, &h, len);
		free(f.buf);
	}
	for (int i = 0; i < 3; i++)
		fx_frame_free(&good[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tso_ipv4_64k_segments_verify_independently),
		cmocka_unit_test(tso_ipv6_64k_segments_verify_independently),
		cmocka_unit_test(tso_vlan_tagged_segments_verify_independently),
		cmocka_unit_test(tso_frame_at_an_offset_over_tiny_pieces),
		cmocka_unit_test(tso_mtu_hint_lowers_the_segment_size),
		cmocka_unit_test(tso_small_payload_gives_one_fully_checksummed_segment),
		cmocka_unit_test(ufo_fragments_reassemble_to_the_datagram),
		cmocka_unit_test(ufo_fragment_size_rounds_down_to_eight_bytes),
		cmocka_unit_test(ufo_small_datagram_is_sent_whole),
		cmocka_unit_test(fixtures_are_accepted_untouched),
		cmocka_unit_test(rejects_ip_lengths_that_disagree_with_the_frame),
		cmocka_unit_test(rejects_checksum_requests_outside_or_off_the_l4_header),
		cmocka_unit_test(rejects_bad_gso_size_and_type),
		cmocka_unit_test(rejects_truncated_headers),
		cmocka_unit_test(rejects_ipv4_header_length_below_five_or_beyond_frame),
		cmocka_unit_test(rejects_tcp_data_offset_below_five_or_beyond_frame),
		cmocka_unit_test(rejects_tcp_frame_without_payload),
		cmocka_unit_test(rejects_non_ip_ethertypes),
		cmocka_unit_test(rejects_stacked_or_truncated_vlan_tags),
		cmocka_unit_test(rejects_ipv6_extension_headers),
		cmocka_unit_test(rejects_ipv4_fragments_and_wrong_protocols),
		cmocka_unit_test(rejects_frames_beyond_the_iovecs),
		cmocka_unit_test(survives_random_header_corruption),
	};
	return cmocka_run_group_tests_name("net_gso", tests, NULL, NULL);
}
