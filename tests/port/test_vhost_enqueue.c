/* SPDX-License-Identifier: MIT */
/*
 * The guest receive path (src/port/vhost_enqueue.c) against a real ring:
 * what a guest driver finds in its RX buffers after frames are enqueued, for
 * guests with and without checksum/TSO offloads, with mergeable buffers
 * and without, with VLAN tags added and removed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include "net_fixture.h"
#include "ring_fixture.h"
#include "port/vhost_enqueue.h"
#include "virtio/dirty_log.h"

#define BUF 2048
#define F_MRG (1ull << VIRTIO_NET_F_MRG_RXBUF)
#define F_V1 (1ull << VIRTIO_F_VERSION_1)
#define F_GCSUM (1ull << VIRTIO_NET_F_GUEST_CSUM)
#define F_GTSO4 (1ull << VIRTIO_NET_F_GUEST_TSO4)

struct rx_env {
	struct ring_fixture f;
	struct vhost_enqueue_ring q;
	size_t buf_len;
};

/* A guest with `nbufs` posted receive buffers of buf_len bytes each,
 * tokens 1..nbufs; buffer `bad` (0: none) device-readable only. */
static void env_init_posting(struct rx_env *e, uint64_t features, unsigned nbufs, size_t buf_len,
			     unsigned bad)
{
	assert_int_equal(rf_init(&e->f, VQ_SPLIT, 256, features, 256 * buf_len), 0);
	assert_int_equal(vhost_enqueue_init(&e->q, "test", 0), 0);
	vhost_enqueue_start(&e->q, &e->f.dev, -1, features);
	e->buf_len = buf_len;
	for (uintptr_t i = 1; i <= nbufs; i++) {
		struct vq_buf b = { rf_gpa(&e->f, e->f.data + (i - 1) * buf_len), (uint32_t)buf_len };
		bool readable = i == bad;

		assert_int_equal(vq_drv_add(&e->f.drv, readable ? &b : NULL, readable,
					    readable ? NULL : &b, !readable, (void *)i), 0);
	}
	vq_drv_publish(&e->f.drv);
}

/* A guest with `nbufs` posted receive buffers of buf_len bytes each. */
static void env_init(struct rx_env *e, uint64_t features, unsigned nbufs, size_t buf_len)
{
	env_init_posting(e, features, nbufs, buf_len, 0);
}

static void env_fini(struct rx_env *e)
{
	vhost_enqueue_fini(&e->q);
	rf_fini(&e->f);
}

/* A frame view over fx's bytes, cut into three iovecs. */
static void make_frame(struct frame *fr, struct iovec iov[3], const struct fx_frame *fx, bool tagged)
{
	size_t a = fx->len / 3, b = fx->len / 2;

	iov[0] = (struct iovec){ fx->buf, a };
	iov[1] = (struct iovec){ fx->buf + a, b - a };
	iov[2] = (struct iovec){ fx->buf + b, fx->len - b };
	*fr = (struct frame){ .iov = iov, .niov = 3, .len = (uint32_t)fx->len,
			      .l2_len = tagged ? 18 : 14, .vnet = fx->vh, .vlan = 7 };
	memcpy(fr->eth, fx->buf, 18);
}

/* A TCP frame of `payload` bytes with no offload request, and its view. */
static void plain_frame(struct fx_frame *fx, struct frame *fr, struct iovec iov[3], size_t payload,
			unsigned seed)
{
	fx_frame_build(fx, &(struct fx_frame_spec){ .payload = payload }, seed);
	fx->vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	fx->vh.flags = 0;
	make_frame(fr, iov, fx, false);
}

/* The frame view over fx's bytes as one piece: the copy_flat() way. */
static void view_whole(struct frame *fr, struct iovec *whole, const struct fx_frame *fx)
{
	*whole = (struct iovec){ fx->buf, fx->len };
	fr->iov = whole;
	fr->niov = 1;
}

/* Pull one received packet: its buffers' bytes joined, header first. */
static size_t receive(struct rx_env *e, uint8_t *out, size_t cap, struct virtio_net_hdr_mrg_rxbuf *h)
{
	void *tok;
	uint32_t len;
	size_t n = 0;
	unsigned bufs = 1;

	for (unsigned i = 0; i < bufs; i++) {
		assert_int_equal(vq_drv_get_used(&e->f.drv, &tok, &len, 1), 1);
		uint8_t *p = e->f.data + ((uintptr_t)tok - 1) * e->buf_len;
		assert_true(n + len <= cap);
		memcpy(out + n, p, len);
		n += len;
		if (i == 0) {
			memcpy(h, out, sizeof(*h));
			bufs = h->num_buffers ? h->num_buffers : 1;
		}
	}
	return n;
}

static void tso_frame_is_cut_for_a_guest_without_tso(void **state)
{
	struct fx_frame fx;
	struct frame fr, *fp = &fr;
	struct iovec iov[3];
	struct rx_env e;
	bool tagged = false;
	uint8_t pkt[4096];
	size_t payload = 0;

	(void)state;
	env_init(&e, F_V1 | F_MRG, 64, BUF);
	fx_frame_build(&fx, &(struct fx_frame_spec){ .payload = 20000, .tcp_flags = FX_TCP_ACK | FX_TCP_PSH }, 1);
	fx.vh.gso_size = 1448;
	make_frame(&fr, iov, &fx, false);
	struct vhost_enqueue_result r = vhost_enqueue_burst(&e.q, &fp, &tagged, 1);
	assert_int_equal(r.sent, 1);
	for (unsigned s = 0; s < 14; s++) {
		struct virtio_net_hdr_mrg_rxbuf h;
		size_t n = receive(&e, pkt, sizeof(pkt), &h) - 12;
		const uint8_t *ip = pkt + 12 + 14;

		assert_int_equal(h.hdr.flags, 0);
		assert_int_equal(h.hdr.gso_type, VIRTIO_NET_HDR_GSO_NONE);
		assert_int_equal(fx_get16(ip + 2), n - 14);
		assert_true(fx_l4_csum_ok(ip, false, 20, 6, n - 14 - 20));
		assert_memory_equal(pkt + 12 + fx.hdr_len, fx.buf + fx.hdr_len + payload,
				    n - fx.hdr_len);
		payload += n - fx.hdr_len;
	}
	assert_int_equal(payload, 20000);
	assert_false(vq_drv_has_used(&e.f.drv));
	fx_frame_free(&fx);
	env_fini(&e);
}

/*
 * Frames in one contiguous buffer each take the flat path, whose payload
 * copies wait for the end of the burst; more of them than it defers at
 * once (FRAME_BURST) must all arrive, byte for byte, in order.
 */
static void a_burst_longer_than_the_deferred_copies_arrives_whole(void **state)
{
	enum { N = FRAME_BURST + 9 };
	static struct fx_frame fx[N];
	struct frame fr[N], *fp[N];
	struct iovec iov[N];
	bool tag[N] = { false };
	struct rx_env e;
	uint8_t pkt[2048];

	(void)state;
	env_init(&e, F_V1 | F_MRG, 64, BUF);
	for (unsigned i = 0; i < N; i++) {
		fx_frame_build(&fx[i], &(struct fx_frame_spec){ .payload = 100 + i }, 20 + i);
		iov[i] = (struct iovec){ fx[i].buf, fx[i].len };
		fr[i] = (struct frame){ .iov = &iov[i], .niov = 1, .len = (uint32_t)fx[i].len,
					.l2_len = 14 };
		memcpy(fr[i].eth, fx[i].buf, 18);
		fp[i] = &fr[i];
	}
	assert_int_equal(vhost_enqueue_burst(&e.q, fp, tag, N).sent, N);
	for (unsigned i = 0; i < N; i++) {
		struct virtio_net_hdr_mrg_rxbuf h;

		assert_int_equal(receive(&e, pkt, sizeof(pkt), &h), 12 + fx[i].len);
		assert_memory_equal(pkt + 12, fx[i].buf, fx[i].len);
		fx_frame_free(&fx[i]);
	}
	assert_false(vq_drv_has_used(&e.f.drv));
	env_fini(&e);
}

/* copy_flat() skips the header store when the buffer holds it already:
 * a buffer with someone else's header in it must still get this one. */
static void a_stale_header_in_a_reused_buffer_is_rewritten(void **state)
{
	struct virtio_net_hdr_mrg_rxbuf want = { .num_buffers = 1 };
	struct fx_frame fx;
	struct frame fr, *fp = &fr;
	struct iovec iov[3], whole;
	struct rx_env e;
	bool tagged = false;
	uint8_t pkt[2048];
	struct virtio_net_hdr_mrg_rxbuf h;

	(void)state;
	env_init(&e, F_V1 | F_MRG, 2, BUF);
	plain_frame(&fx, &fr, iov, 200, 5);
	want.hdr = fr.vnet;
	memset(e.f.data, 0xee, 2 * BUF);
	memcpy(e.f.data + BUF, &want, sizeof(want)); /* the second one holds it */
	view_whole(&fr, &whole, &fx);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(vhost_enqueue_burst(&e.q, &fp, &tagged, 1).sent, 1);
		assert_int_equal(receive(&e, pkt, sizeof(pkt), &h), 12 + fx.len);
		assert_memory_equal(&h, &want, sizeof(h));
		assert_memory_equal(pkt + 12, fx.buf, fx.len);
	}
	fx_frame_free(&fx);
	env_fini(&e);
}

/* A legacy guest (neither VERSION_1 nor MRG_RXBUF) has a 10-byte header,
 * and a tagged frame an 18-byte Ethernet header: the header writes that
 * are not the usual sizes, on the flat path. */
static void a_legacy_guest_gets_a_10_byte_header_before_a_tagged_frame(void **state)
{
	struct fx_frame fx;
	struct frame fr, *fp = &fr;
	struct iovec iov[3], whole;
	struct rx_env e;
	bool tagged = true;
	void *tok;
	uint32_t len;
	const uint8_t *p;

	(void)state;
	env_init(&e, 0, 2, BUF);
	memset(e.f.data, 0xee, 2 * BUF);
	plain_frame(&fx, &fr, iov, 200, 6);
	view_whole(&fr, &whole, &fx);
	assert_int_equal(vhost_enqueue_burst(&e.q, &fp, &tagged, 1).sent, 1);
	assert_int_equal(vq_drv_get_used(&e.f.drv, &tok, &len, 1), 1);
	assert_int_equal(len, 10 + fx.len + 4);
	p = e.f.data + ((uintptr_t)tok - 1) * e.buf_len;
	assert_memory_equal(p, &fr.vnet, 10);
	assert_memory_equal(p + 10, fx.buf, 12);
	assert_int_equal(fx_get16(p + 10 + 12), 0x8100);
	assert_int_equal(fx_get16(p + 10 + 14) & 0xfff, 7);
	assert_memory_equal(p + 10 + 16, fx.buf + 12, fx.len - 12);
	fx_frame_free(&fx);
	env_fini(&e);
}

static void tso_frame_stays_whole_for_a_guest_with_tso(void **state)
{
	struct fx_frame fx;
	struct frame fr, *fp = &fr;
	struct iovec iov[3];
	struct rx_env e;
	bool tagged = false;
	static uint8_t pkt[70000];
	struct virtio_net_hdr_mrg_rxbuf h;

	(void)state;
	env_init(&e, F_V1 | F_MRG | F_GCSUM | F_GTSO4, 64, BUF);
	fx_frame_build(&fx, &(struct fx_frame_spec){ .payload = 30000, .tcp_flags = FX_TCP_ACK }, 2);
	fx.vh.gso_size = 1448;
	make_frame(&fr, iov, &fx, false);
	assert_int_equal(vhost_enqueue_burst(&e.q, &fp, &tagged, 1).sent, 1);
	assert_int_equal(receive(&e, pkt, sizeof(pkt), &h), 12 + fx.len);
	assert_int_equal(h.num_buffers, (12 + fx.len + BUF - 1) / BUF);
	assert_int_equal(h.hdr.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(h.hdr.gso_size, 1448);
	assert_int_equal(h.hdr.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h.hdr.csum_start, fx.vh.csum_start);
	assert_memory_equal(pkt + 12, fx.buf, fx.len);
	fx_frame_free(&fx);
	env_fini(&e);
}

static void partial_checksum_is_completed_for_a_guest_without_csum(void **state)
{
	struct fx_frame fx;
	struct frame fr, *fp = &fr;
	struct iovec iov[3];
	struct rx_env e;
	bool tagged = false;
	uint8_t pkt[4096];
	struct virtio_net_hdr_mrg_rxbuf h;

	(void)state;
	env_init(&e, F_V1 | F_MRG, 8, BUF);
	fx_frame_build(&fx, &(struct fx_frame_spec){ .ipv6 = true, .udp = true, .payload = 900 }, 3);
	fx.vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	make_frame(&fr, iov, &fx, false);
	assert_int_equal(vhost_enqueue_burst(&e.q, &fp, &tagged, 1).sent, 1);
	size_t n = receive(&e, pkt, sizeof(pkt), &h) - 12;
	assert_int_equal(n, fx.len);
	assert_int_equal(h.hdr.flags, 0);
	assert_true(fx_l4_csum_ok(pkt + 12 + 14, true, 40, 17, n - 14 - 40));
	fx_frame_free(&fx);
	env_fini(&e);
}

static void vlan_tag_is_added_and_removed_on_the_way_in(void **state)
{
	struct fx_frame plain, tagged_fx;
	struct frame fr[2], *fp[2] = { &fr[0], &fr[1] };
	struct iovec iov[2][3];
	struct rx_env e;
	bool tag[2] = { true, false };
	uint8_t pkt[4096];
	struct virtio_net_hdr_mrg_rxbuf h;

	(void)state;
	env_init(&e, F_V1 | F_MRG | F_GCSUM, 8, BUF);
	fx_frame_build(&plain, &(struct fx_frame_spec){ .payload = 100 }, 4);
	fx_frame_build(&tagged_fx, &(struct fx_frame_spec){ .vlan = true, .payload = 100 }, 5);
	plain.vh.gso_type = tagged_fx.vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	make_frame(&fr[0], iov[0], &plain, false);
	make_frame(&fr[1], iov[1], &tagged_fx, true);
	assert_int_equal(vhost_enqueue_burst(&e.q, fp, tag, 2).sent, 2);
	/* untagged in, tagged out: 4 bytes longer, VLAN 7, csum_start moved */
	assert_int_equal(receive(&e, pkt, sizeof(pkt), &h), 12 + plain.len + 4);
	assert_int_equal(fx_get16(pkt + 12 + 12), 0x8100);
	assert_int_equal(fx_get16(pkt + 12 + 14) & 0xfff, 7);
	assert_memory_equal(pkt + 12 + 16, plain.buf + 12, plain.len - 12);
	assert_int_equal(h.hdr.csum_start, plain.vh.csum_start + 4);
	/* tagged in, untagged out */
	assert_int_equal(receive(&e, pkt, sizeof(pkt), &h), 12 + tagged_fx.len - 4);
	assert_memory_equal(pkt + 12 + 12, tagged_fx.buf + 16, tagged_fx.len - 16);
	assert_int_equal(h.hdr.csum_start, tagged_fx.vh.csum_start - 4);
	fx_frame_free(&plain);
	fx_frame_free(&tagged_fx);
	env_fini(&e);
}

/* The sender rewrites its buffer after the switch has looked at the frame
 * (it owns that memory and may race us): what arrives carries the header
 * the switch decided on, so an untagged frame cannot turn into a tagged
 * one on the way, whether the frame is copied whole or in pieces. */
static void a_header_rewritten_after_the_decision_does_not_arrive(void **state)
{
	struct fx_frame fx;
	struct frame fr[2], *fp[2] = { &fr[0], &fr[1] };
	struct iovec iov[2][3], whole;
	struct rx_env e;
	bool tag[2] = { false, false };
	uint8_t pkt[4096], orig[4096];
	struct virtio_net_hdr_mrg_rxbuf h;

	(void)state;
	env_init(&e, F_V1 | F_MRG | F_GCSUM, 8, BUF);
	plain_frame(&fx, &fr[0], iov[0], 100, 8);
	make_frame(&fr[1], iov[1], &fx, false);
	view_whole(&fr[0], &whole, &fx);
	memcpy(orig, fx.buf, fx.len);
	memcpy(fx.buf, "\x02\x66\x66\x66\x66\x66\x02\x77\x77\x77\x77\x77\x81\x00\x00\x05", 16);
	assert_int_equal(vhost_enqueue_burst(&e.q, fp, tag, 2).sent, 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(receive(&e, pkt, sizeof(pkt), &h), 12 + fx.len);
		assert_memory_equal(pkt + 12, orig, 14);
		assert_memory_equal(pkt + 12 + 14, fx.buf + 14, fx.len - 14);
	}
	fx_frame_free(&fx);
	env_fini(&e);
}

/* Cutting a GSO frame reads its headers again: a sender that has since
 * put a tag in (keeping lengths and offsets consistent) gets the frame
 * dropped, not segments with our header in front of its tag. */
static void a_gso_frame_whose_l2_header_changed_is_dropped(void **state)
{
	struct fx_frame untagged, now;
	struct frame fr, *fp = &fr;
	struct iovec iov[3];
	struct rx_env e;
	bool tagged = false;
	struct vhost_enqueue_result r;

	(void)state;
	env_init(&e, F_V1 | F_MRG, 64, BUF); /* no GUEST_TSO: the frame is cut */
	fx_frame_build(&untagged, &(struct fx_frame_spec){ .payload = 20000, .tcp_flags = FX_TCP_ACK }, 9);
	fx_frame_build(&now, &(struct fx_frame_spec){ .vlan = true, .payload = 19996,
						     .tcp_flags = FX_TCP_ACK }, 9);
	assert_int_equal(untagged.len, now.len);
	now.vh.gso_size = 1448;
	make_frame(&fr, iov, &now, false);
	memcpy(fr.eth, untagged.buf, sizeof(fr.eth)); /* what the switch saw */
	r = vhost_enqueue_burst(&e.q, &fp, &tagged, 1);
	assert_int_equal(r.sent, 0);
	assert_int_equal(r.errors, 1);
	assert_false(vq_drv_has_used(&e.f.drv));
	fx_frame_free(&untagged);
	fx_frame_free(&now);
	env_fini(&e);
}

static void frames_without_buffers_are_dropped_and_counted(void **state)
{
	struct fx_frame fx;
	struct frame fr, *fp[3] = { &fr, &fr, &fr };
	struct iovec iov[3];
	struct rx_env e;
	bool tag[3] = { 0 };

	(void)state;
	env_init(&e, F_V1 | F_MRG, 2, BUF);
	plain_frame(&fx, &fr, iov, 3000, 6);
	/* each 3054-byte frame takes both 2 KB buffers: one fits, two drop */
	struct vhost_enqueue_result r = vhost_enqueue_burst(&e.q, fp, tag, 3);
	assert_int_equal(r.sent, 1);
	assert_int_equal(r.dropped, 2);
	fx_frame_free(&fx);
	env_fini(&e);
}

static void big_buffers_take_a_whole_frame_without_mergeable(void **state)
{
	struct fx_frame fx;
	struct frame fr, *fp = &fr;
	struct iovec iov[3];
	struct rx_env e;
	bool tagged = false;
	static uint8_t pkt[70000];
	struct virtio_net_hdr_mrg_rxbuf h;

	(void)state;
	env_init(&e, F_V1 | F_GCSUM | F_GTSO4, 4, 65562);
	fx_frame_build(&fx, &(struct fx_frame_spec){ .payload = 60000 }, 7);
	fx.vh.gso_size = 1448;
	make_frame(&fr, iov, &fx, false);
	assert_int_equal(vhost_enqueue_burst(&e.q, &fp, &tagged, 1).sent, 1);
	assert_int_equal(receive(&e, pkt, sizeof(pkt), &h), 12 + fx.len);
	assert_memory_equal(pkt + 12, fx.buf, fx.len);
	fx_frame_free(&fx);
	env_fini(&e);
}

/* Token of the next used buffer (1-based buffer number), and its length. */
static uintptr_t next_used(struct rx_env *e, uint32_t *len)
{
	void *tok;

	assert_int_equal(vq_drv_get_used(&e->f.drv, &tok, len, 1), 1);
	return (uintptr_t)tok;
}

static void buffers_a_frame_could_not_use_go_to_the_next(void **state)
{
	struct fx_frame big, small;
	struct frame fb, fs, *fp[4] = { &fb, &fs, &fb, &fs };
	struct iovec ib[3], is[3];
	struct rx_env e;
	bool tag[4] = { 0 };
	uint32_t len;

	(void)state;
	/* no mergeable buffers: a frame longer than one buffer cannot go */
	env_init(&e, F_V1, 8, BUF);
	plain_frame(&big, &fb, ib, 3000, 8);
	plain_frame(&small, &fs, is, 100, 9);
	struct vhost_enqueue_result r = vhost_enqueue_burst(&e.q, fp, tag, 4);
	assert_int_equal(r.sent, 2);
	assert_int_equal(r.errors, 2);
	/* the small frames took the first two buffers, in ring order */
	assert_int_equal(next_used(&e, &len), 1);
	assert_int_equal(len, 12 + small.len);
	assert_int_equal(next_used(&e, &len), 2);
	assert_false(vq_drv_has_used(&e.f.drv));
	/* what the burst popped and did not use went back: the next frame
	 * gets buffer 3 */
	assert_int_equal(vhost_enqueue_burst(&e.q, &fp[1], tag, 1).sent, 1);
	assert_int_equal(next_used(&e, &len), 3);
	fx_frame_free(&big);
	fx_frame_free(&small);
	env_fini(&e);
}

static void a_burst_of_frames_taking_many_buffers_each_arrives_whole(void **state)
{
	enum { N = 12 };
	struct fx_frame fx[N];
	struct frame fr[N], *fp[N];
	struct iovec iov[N][3];
	struct rx_env e;
	bool tag[N] = { 0 };
	static uint8_t pkt[70000];
	struct virtio_net_hdr_mrg_rxbuf h;
	unsigned used = 0;
	uint32_t len;

	(void)state;
	env_init(&e, F_V1 | F_MRG, 256, BUF);
	for (unsigned i = 0; i < N; i++) {
		/* 9 to 20 buffers each: pops run ahead of and behind frame ends */
		plain_frame(&fx[i], &fr[i], iov[i], 16000 + 2000 * i, 10 + i);
		fp[i] = &fr[i];
	}
	assert_int_equal(vhost_enqueue_burst(&e.q, fp, tag, N).sent, N);
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(receive(&e, pkt, sizeof(pkt), &h), 12 + fx[i].len);
		assert_int_equal(h.num_buffers, (12 + fx[i].len + BUF - 1) / BUF);
		assert_memory_equal(pkt + 12, fx[i].buf, fx[i].len);
		used += h.num_buffers;
	}
	assert_false(vq_drv_has_used(&e.f.drv));
	/* exactly the buffers used were consumed, in order */
	assert_int_equal(vhost_enqueue_burst(&e.q, fp, tag, 1).sent, 1);
	assert_int_equal(next_used(&e, &len), used + 1);
	for (unsigned i = 0; i < N; i++)
		fx_frame_free(&fx[i]);
	env_fini(&e);
}

static void buffers_of_a_frame_too_big_for_mergeable_go_to_the_next(void **state)
{
	struct fx_frame huge, small;
	struct frame fh, fs, *fp[3] = { &fs, &fh, &fs };
	struct iovec ih[3], is[3];
	struct rx_env e;
	bool tag[3] = { 0 };
	uint32_t len;

	(void)state;
	/* 1000-byte buffers: a 64 KB frame needs more than a frame may take */
	env_init(&e, F_V1 | F_MRG, 200, 1000);
	plain_frame(&huge, &fh, ih, 65000, 22);
	plain_frame(&small, &fs, is, 100, 23);
	struct vhost_enqueue_result r = vhost_enqueue_burst(&e.q, fp, tag, 3);
	assert_int_equal(r.sent, 2);
	assert_int_equal(r.errors, 1);
	assert_int_equal(next_used(&e, &len), 1);
	assert_int_equal(next_used(&e, &len), 2);
	assert_false(vq_drv_has_used(&e.f.drv));
	assert_int_equal(vhost_enqueue_burst(&e.q, fp, tag, 1).sent, 1);
	assert_int_equal(next_used(&e, &len), 3);
	fx_frame_free(&huge);
	fx_frame_free(&small);
	env_fini(&e);
}

/* A buffer with nothing writable can hold no frame: it goes back empty at
 * once, in ring order, instead of standing first in line for every frame. */
static void a_buffer_no_frame_can_use_goes_back_empty(void **state)
{
	struct fx_frame fx;
	struct frame fr, *fp[2] = { &fr, &fr };
	struct iovec iov[3];
	struct rx_env e;
	bool tag[2] = { 0 };
	uint32_t len;

	(void)state;
	env_init_posting(&e, F_V1, 4, BUF, 1);
	plain_frame(&fx, &fr, iov, 100, 30);
	struct vhost_enqueue_result r = vhost_enqueue_burst(&e.q, fp, tag, 2);
	assert_int_equal(r.sent, 2);
	assert_int_equal(e.q.discarded, 1);
	assert_int_equal(next_used(&e, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(next_used(&e, &len), 2);
	assert_int_equal(len, 12 + fx.len);
	assert_int_equal(next_used(&e, &len), 3);
	assert_false(vq_drv_has_used(&e.f.drv));
	fx_frame_free(&fx);
	env_fini(&e);
}

/* Met in the middle of a frame's mergeable buffers, it goes back empty
 * with the ones taken before it (skipping it would break ring order), and
 * the frame starts again after it. */
static void a_frame_restarts_after_a_buffer_no_frame_can_use(void **state)
{
	struct fx_frame fx;
	struct frame fr, *fp = &fr;
	struct iovec iov[3];
	struct rx_env e;
	bool tagged = false;
	uint8_t pkt[4096];
	struct virtio_net_hdr_mrg_rxbuf h;
	uint32_t len;

	(void)state;
	env_init_posting(&e, F_V1 | F_MRG, 8, 1000, 2);
	plain_frame(&fx, &fr, iov, 1500, 31);
	assert_int_equal(vhost_enqueue_burst(&e.q, &fp, &tagged, 1).sent, 1);
	assert_int_equal(e.q.discarded, 2);
	assert_int_equal(next_used(&e, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(next_used(&e, &len), 2);
	assert_int_equal(len, 0);
	/* then the frame, in buffers 3 and 4 */
	assert_int_equal(receive(&e, pkt, sizeof(pkt), &h), 12 + fx.len);
	assert_int_equal(h.num_buffers, 2);
	assert_memory_equal(pkt + 12, fx.buf, fx.len);
	assert_false(vq_drv_has_used(&e.f.drv));
	fx_frame_free(&fx);
	env_fini(&e);
}

/* DATA_VALID reaches only a guest that negotiated GUEST_CSUM. */
static void data_valid_reaches_only_a_guest_with_csum(void **state)
{
	struct fx_frame fx;
	struct frame fr, *fp = &fr;
	struct iovec iov[3];
	bool tagged = false;
	uint8_t pkt[4096];
	struct virtio_net_hdr_mrg_rxbuf h;

	(void)state;
	for (int csum = 0; csum < 2; csum++) {
		struct rx_env e;

		env_init(&e, F_V1 | F_MRG | (csum ? F_GCSUM : 0), 4, BUF);
		plain_frame(&fx, &fr, iov, 100, 32);
		fr.vnet.flags = VIRTIO_NET_HDR_F_DATA_VALID;
		assert_int_equal(vhost_enqueue_burst(&e.q, &fp, &tagged, 1).sent, 1);
		receive(&e, pkt, sizeof(pkt), &h);
		assert_int_equal(h.hdr.flags, csum ? VIRTIO_NET_HDR_F_DATA_VALID : 0);
		fx_frame_free(&fx);
		env_fini(&e);
	}
}

/* A checksum said to start inside the 802.1Q tag being removed would
 * wrap to a 16-bit offset near 65535: the frame is refused instead. */
static void a_checksum_starting_in_a_removed_tag_is_refused(void **state)
{
	struct fx_frame fx;
	struct frame fr, *fp = &fr;
	struct iovec iov[3];
	bool tagged = false;

	(void)state;
	for (int csum = 0; csum < 2; csum++) {
		struct rx_env e;

		env_init(&e, F_V1 | F_MRG | (csum ? F_GCSUM : 0), 4, BUF);
		fx_frame_build(&fx, &(struct fx_frame_spec){ .vlan = true, .payload = 100 }, 33);
		fx.vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
		make_frame(&fr, iov, &fx, true);
		fr.vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		fr.vnet.csum_start = 2;
		fr.vnet.csum_offset = 6;
		struct vhost_enqueue_result r = vhost_enqueue_burst(&e.q, &fp, &tagged, 1);
		assert_int_equal(r.sent, 0);
		assert_int_equal(r.errors, 1);
		assert_false(vq_drv_has_used(&e.f.drv));
		fx_frame_free(&fx);
		env_fini(&e);
	}
}

/* A burst that used no buffer (all its frames dropped) signals nothing;
 * one that used some signals the driver, which asked for interrupts. */
static void only_a_burst_that_used_buffers_signals(void **state)
{
	struct fx_frame fx;
	struct frame fr, *fp = &fr;
	struct iovec iov[3];
	struct rx_env e;
	bool tagged = false;
	eventfd_t v;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	(void)state;
	assert_true(efd >= 0);
	env_init(&e, F_V1 | F_MRG, 0, BUF);
	vhost_enqueue_start(&e.q, &e.f.dev, efd, F_V1 | F_MRG);
	plain_frame(&fx, &fr, iov, 100, 34);
	assert_int_equal(vhost_enqueue_burst(&e.q, &fp, &tagged, 1).dropped, 1);
	assert_int_equal(eventfd_read(efd, &v), -1);
	struct vq_buf b = { rf_gpa(&e.f, e.f.data), BUF };
	assert_int_equal(vq_drv_add(&e.f.drv, NULL, 0, &b, 1, (void *)1), 0);
	vq_drv_publish(&e.f.drv);
	assert_int_equal(vhost_enqueue_burst(&e.q, &fp, &tagged, 1).sent, 1);
	assert_int_equal(eventfd_read(efd, &v), 0);
	fx_frame_free(&fx);
	env_fini(&e);
	close(efd);
}

/* SET_VRING_ERR: a ring the guest breaks writes its error eventfd, once. */
static void a_ring_that_breaks_writes_its_error_eventfd(void **state)
{
	struct fx_frame fx;
	struct frame fr, *fp = &fr;
	struct iovec iov[3];
	struct rx_env e;
	bool tagged = false;
	eventfd_t v;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	(void)state;
	assert_true(efd >= 0);
	env_init(&e, F_V1 | F_MRG, 1, BUF); /* one buffer: the next pop reads the index */
	e.q.err_fd = efd;
	plain_frame(&fx, &fr, iov, 100, 35);
	assert_int_equal(vhost_enqueue_burst(&e.q, &fp, &tagged, 1).sent, 1);
	assert_int_equal(eventfd_read(efd, &v), -1); /* healthy: nothing */
	/* the driver's available index runs a whole ring ahead: broken */
	e.f.drv.ring.split.avail->idx += 1000;
	assert_int_equal(vhost_enqueue_burst(&e.q, &fp, &tagged, 1).sent, 0);
	assert_non_null(vq_dev_broken(&e.f.dev));
	assert_int_equal(eventfd_read(efd, &v), 0);
	assert_int_equal(v, 1);
	vhost_enqueue_burst(&e.q, &fp, &tagged, 1);
	assert_int_equal(eventfd_read(efd, &v), -1); /* once */
	fx_frame_free(&fx);
	env_fini(&e);
	close(efd);
}

/* ---- migration: every byte written into a guest buffer is logged ---- */

struct log_env {
	struct dirty_log log;
	uint8_t *bits;
};

/* Log the ring's buffer writes (not the ring's own: those are vq_dev's,
 * tests/virtio/test_dirty_log.c) into a bitmap covering the fixture. */
static void log_on(struct rx_env *e, struct log_env *l)
{
	size_t len = rf_gpa_end(&e->f) / DIRTY_LOG_PAGE_SIZE / 8 + 1;

	l->bits = calloc(1, len);
	assert_non_null(l->bits);
	l->log = (struct dirty_log){ .bits = l->bits, .len = len };
	vq_dev_set_log(&e->f.dev, &l->log, false, 0, 0);
}

/*
 * Take every used buffer from the ring; the pages marked must be exactly
 * those of the bytes the used lengths say were written (header included),
 * none for a buffer given back empty.  Returns the buffers taken.
 */
static unsigned expect_used_bytes_logged(struct rx_env *e, struct log_env *l)
{
	uint8_t *want = calloc(1, l->log.len);
	unsigned n = 0;
	void *tok;
	uint32_t len;

	assert_non_null(want);
	while (vq_drv_get_used(&e->f.drv, &tok, &len, 1) == 1) {
		uint64_t gpa = rf_gpa(&e->f, e->f.data + ((uintptr_t)tok - 1) * e->buf_len);

		for (uint64_t a = gpa; len && a < gpa + len; a = (a | (DIRTY_LOG_PAGE_SIZE - 1)) + 1)
			want[a / DIRTY_LOG_PAGE_SIZE / 8] |= (uint8_t)(1u << (a / DIRTY_LOG_PAGE_SIZE % 8));
		n++;
	}
	for (size_t i = 0; i < l->log.len; i++)
		if (want[i] != l->bits[i])
			fail_msg("log byte %zu (pages %zu..%zu): %#x, written: %#x", i, 8 * i, 8 * i + 7,
				 l->bits[i], want[i]);
	free(want);
	return n;
}

/* Mergeable buffers: frames of 9 to 20 buffers, pops ahead of frame ends,
 * the pool refilled mid-burst. */
static void logging_marks_every_mergeable_buffer_written(void **state)
{
	enum { N = 12 };
	struct fx_frame fx[N];
	struct frame fr[N], *fp[N];
	struct iovec iov[N][3];
	struct rx_env e;
	struct log_env l;
	bool tag[N] = { 0 };
	unsigned want = 0;

	(void)state;
	env_init(&e, F_V1 | F_MRG, 256, BUF);
	log_on(&e, &l);
	for (unsigned i = 0; i < N; i++) {
		plain_frame(&fx[i], &fr[i], iov[i], 16000 + 2000 * i, 10 + i);
		fp[i] = &fr[i];
		want += (12 + fx[i].len + BUF - 1) / BUF;
	}
	assert_int_equal(vhost_enqueue_burst(&e.q, fp, tag, N).sent, N);
	assert_int_equal(expect_used_bytes_logged(&e, &l), want);
	for (unsigned i = 0; i < N; i++)
		fx_frame_free(&fx[i]);
	free(l.bits);
	env_fini(&e);
}

/* Big buffers without mergeable: only the pages a small frame fills are
 * marked, not the whole 64 KiB buffer; more frames than the deferred
 * copies hold. */
static void logging_marks_only_the_bytes_written_of_a_big_buffer(void **state)
{
	enum { N = 40 };
	struct fx_frame fx;
	struct frame fr, *fp[N];
	struct iovec iov[3];
	struct rx_env e;
	struct log_env l;
	bool tag[N] = { 0 };

	(void)state;
	env_init(&e, F_V1, 64, 65536 + 4096);
	log_on(&e, &l);
	plain_frame(&fx, &fr, iov, 5000, 3); /* a frame of two pages */
	for (unsigned i = 0; i < N; i++)
		fp[i] = &fr;
	assert_int_equal(vhost_enqueue_burst(&e.q, fp, tag, N).sent, N);
	assert_int_equal(expect_used_bytes_logged(&e, &l), N);
	fx_frame_free(&fx);
	free(l.bits);
	env_fini(&e);
}

/* A TSO frame cut in software for a guest without TSO, and a buffer no
 * frame can use given back empty (not marked); then logging off: nothing. */
static void logging_marks_software_segments_and_not_empty_buffers(void **state)
{
	struct fx_frame fx, small;
	struct frame fr, fs, *fp[2] = { &fs, &fr };
	struct iovec iov[3], is[3];
	struct rx_env e;
	struct log_env l;
	bool tag[2] = { 0 };

	(void)state;
	env_init_posting(&e, F_V1 | F_MRG, 64, BUF, 1);
	log_on(&e, &l);
	fx_frame_build(&fx, &(struct fx_frame_spec){ .payload = 20000, .tcp_flags = FX_TCP_ACK }, 1);
	fx.vh.gso_size = 1448;
	make_frame(&fr, iov, &fx, false);
	plain_frame(&small, &fs, is, 100, 2);
	assert_int_equal(vhost_enqueue_burst(&e.q, fp, tag, 2).sent, 2);
	assert_int_equal(e.q.discarded, 1);
	/* the empty one, the small frame, 14 segments */
	assert_int_equal(expect_used_bytes_logged(&e, &l), 16);
	vq_dev_set_log(&e.f.dev, NULL, false, 0, 0);
	memset(l.bits, 0, l.log.len);
	assert_int_equal(vhost_enqueue_burst(&e.q, fp, tag, 2).sent, 2);
	for (size_t i = 0; i < l.log.len; i++)
		assert_int_equal(l.bits[i], 0);
	fx_frame_free(&fx);
	fx_frame_free(&small);
	free(l.bits);
	env_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tso_frame_is_cut_for_a_guest_without_tso),
		cmocka_unit_test(a_burst_longer_than_the_deferred_copies_arrives_whole),
		cmocka_unit_test(a_stale_header_in_a_reused_buffer_is_rewritten),
		cmocka_unit_test(a_legacy_guest_gets_a_10_byte_header_before_a_tagged_frame),
		cmocka_unit_test(tso_frame_stays_whole_for_a_guest_with_tso),
		cmocka_unit_test(partial_checksum_is_completed_for_a_guest_without_csum),
		cmocka_unit_test(vlan_tag_is_added_and_removed_on_the_way_in),
		cmocka_unit_test(a_header_rewritten_after_the_decision_does_not_arrive),
		cmocka_unit_test(a_gso_frame_whose_l2_header_changed_is_dropped),
		cmocka_unit_test(frames_without_buffers_are_dropped_and_counted),
		cmocka_unit_test(big_buffers_take_a_whole_frame_without_mergeable),
		cmocka_unit_test(buffers_a_frame_could_not_use_go_to_the_next),
		cmocka_unit_test(a_burst_of_frames_taking_many_buffers_each_arrives_whole),
		cmocka_unit_test(buffers_of_a_frame_too_big_for_mergeable_go_to_the_next),
		cmocka_unit_test(a_buffer_no_frame_can_use_goes_back_empty),
		cmocka_unit_test(a_frame_restarts_after_a_buffer_no_frame_can_use),
		cmocka_unit_test(data_valid_reaches_only_a_guest_with_csum),
		cmocka_unit_test(a_checksum_starting_in_a_removed_tag_is_refused),
		cmocka_unit_test(only_a_burst_that_used_buffers_signals),
		cmocka_unit_test(a_ring_that_breaks_writes_its_error_eventfd),
		cmocka_unit_test(logging_marks_every_mergeable_buffer_written),
		cmocka_unit_test(logging_marks_only_the_bytes_written_of_a_big_buffer),
		cmocka_unit_test(logging_marks_software_segments_and_not_empty_buffers),
	};
	return cmocka_run_group_tests_name("vhost_enqueue", tests, NULL, NULL);
}
