/* SPDX-License-Identifier: MIT */
/*
 * virtio_net_hdr validation and checksum completion: which headers pass,
 * and completed TCP/IPv4 and UDP/IPv6 checksums that verify with a naive
 * checksum, wherever the iovec splits fall.
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

#include "net/vnet_hdr.h"
#include "net_fixture.h"

static struct virtio_net_hdr csum_hdr(uint16_t start, uint16_t offset)
{
	return (struct virtio_net_hdr){
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.csum_start = start,
		.csum_offset = offset,
	};
}

static struct virtio_net_hdr gso_hdr(uint8_t type, uint16_t size)
{
	struct virtio_net_hdr h = csum_hdr(34, 16);

	h.gso_type = type;
	h.gso_size = size;
	h.hdr_len = 54;
	return h;
}

static void validate_accepts_sane_headers(void **state)
{
	struct virtio_net_hdr none = { 0 };
	struct virtio_net_hdr valid = { .flags = VIRTIO_NET_HDR_F_DATA_VALID };
	struct virtio_net_hdr c = csum_hdr(34, 16);
	(void)state;
	assert_int_equal(vnet_hdr_validate(&none, 0), 0);
	/* nothing asked for: the other fields are unused, whatever they hold */
	none = (struct virtio_net_hdr){ .gso_size = 0xffff, .csum_start = 0xffff,
					.csum_offset = 0xffff };
	assert_int_equal(vnet_hdr_validate(&none, 60), 0);
	assert_int_equal(vnet_hdr_validate(&valid, 60), 0);
	assert_int_equal(vnet_hdr_validate(&c, 52), 0); /* field ends the frame */
	c.gso_size = 1000; /* ignored without GSO */
	assert_int_equal(vnet_hdr_validate(&c, 52), 0);
	for (uint8_t t = 1; t <= 4; t++) {
		struct virtio_net_hdr g = gso_hdr(t, 1448);

		if (t == 2)
			continue;
		assert_int_equal(vnet_hdr_validate(&g, 9000), 0);
	}
	c = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN, 1);
	assert_int_equal(vnet_hdr_validate(&c, 9000), 0);
}

static void validate_rejects_checksum_field_outside_frame(void **state)
{
	struct virtio_net_hdr h = csum_hdr(34, 16);
	(void)state;
	assert_int_equal(vnet_hdr_validate(&h, 51), -EINVAL);
	h = csum_hdr(0xffff, 0xffff);
	assert_int_equal(vnet_hdr_validate(&h, 65536), -EINVAL);
	assert_int_equal(vnet_hdr_validate(&h, 0x20000), 0);
	h = csum_hdr(100, 6);
	assert_int_equal(vnet_hdr_validate(&h, 60), -EINVAL);
}

static void validate_rejects_bad_flags_types_and_sizes(void **state)
{
	struct virtio_net_hdr h;
	(void)state;
	h = (struct virtio_net_hdr){ .flags = 4 };
	assert_int_equal(vnet_hdr_validate(&h, 100), -EINVAL);
	h = (struct virtio_net_hdr){ .gso_type = VIRTIO_NET_HDR_GSO_ECN };
	assert_int_equal(vnet_hdr_validate(&h, 100), -EINVAL);
	h = gso_hdr(2, 1448);
	assert_int_equal(vnet_hdr_validate(&h, 9000), -EINVAL);
	h = gso_hdr(5, 1448);
	assert_int_equal(vnet_hdr_validate(&h, 9000), -EINVAL);
	h = gso_hdr(VIRTIO_NET_HDR_GSO_UDP | VIRTIO_NET_HDR_GSO_ECN, 1448);
	assert_int_equal(vnet_hdr_validate(&h, 9000), -EINVAL);
	h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 0);
	assert_int_equal(vnet_hdr_validate(&h, 9000), -EINVAL);
	h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 1448);
	h.flags = 0;
	assert_int_equal(vnet_hdr_validate(&h, 9000), -EINVAL);
	h = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 1448);
	h.hdr_len = 9001;
	assert_int_equal(vnet_hdr_validate(&h, 9000), -EINVAL);
	h = (struct virtio_net_hdr){ .hdr_len = 101 }; /* the only field set */
	assert_int_equal(vnet_hdr_validate(&h, 100), -EINVAL);
}

/* Build, scatter at the given cuts, complete, gather: the L4 checksum of
 * the result verifies and nothing else changed. */
static void complete_and_verify(const struct fx_frame_spec *spec,
				const size_t *cuts, unsigned ncuts)
{
	struct fx_frame f;
	struct scatter sc;
	uint8_t *back;
	size_t field;

	fx_frame_build(&f, spec, 99);
	f.vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	field = f.l4 + f.vh.csum_offset;
	back = malloc(f.len);
	fx_scatter_at(&sc, f.buf, f.len, cuts, ncuts);
	assert_int_equal(vnet_hdr_complete_csum(sc.iov, sc.n, f.len, &f.vh), 0);
	fx_gather(&sc, back);
	assert_true(fx_l4_csum_ok(back + f.l3, spec->ipv6, f.l4 - f.l3,
				  spec->udp ? IPPROTO_UDP : IPPROTO_TCP, f.len - f.l4));
	assert_memory_equal(back, f.buf, field);
	assert_memory_equal(back + field + 2, f.buf + field + 2, f.len - field - 2);
	fx_scatter_free(&sc);
	free(back);
	fx_frame_free(&f);
}

static void completes_tcp_ipv4_checksum(void **state)
{
	struct fx_frame_spec spec = { .ip_opt = 4, .tcp_opt = 12,
				   .tcp_flags = FX_TCP_ACK, .payload = 1001 };
	static const size_t none[1];
	static const size_t odd[] = { 1, 35, 37, 51, 52, 99, 100, 101, 1000 };
	(void)state;
	complete_and_verify(&spec, none, 0);
	complete_and_verify(&spec, odd, 9);
}

static void completes_udp_ipv6_checksum(void **state)
{
	struct fx_frame_spec spec = { .ipv6 = true, .udp = true, .payload = 777 };
	static const size_t odd[] = { 13, 55, 59, 60, 61, 63, 64, 300, 301 };
	(void)state;
	complete_and_verify(&spec, odd, 9);
	spec.vlan = true;
	complete_and_verify(&spec, odd, 9);
}

/* The checksum field split between two iovecs, at every split point
 * around it. */
static void completes_a_field_split_across_iovecs(void **state)
{
	struct fx_frame_spec spec = { .udp = true, .payload = 31 };
	size_t cut[2];
	(void)state;
	for (size_t at = 30; at < 50; at++) {
		cut[0] = at;
		cut[1] = at + 1;
		complete_and_verify(&spec, cut, 2);
	}
}

/* A UDP sum that folds to zero is sent as 0xffff (0 means "no checksum"). */
static void zero_udp_checksum_is_sent_as_all_ones(void **state)
{
	struct fx_frame_spec spec = { .udp = true, .payload = 64 };
	struct fx_frame f;
	struct iovec iov;
	uint16_t sum;
	(void)state;
	fx_frame_build(&f, &spec, 5);
	f.vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	fx_put16(f.buf + f.len - 2, 0);
	sum = fx_ref_sum(f.buf + f.l4, f.len - f.l4, 0);
	fx_put16(f.buf + f.len - 2, (uint16_t)~sum);
	iov = (struct iovec){ f.buf, f.len };
	assert_int_equal(vnet_hdr_complete_csum(&iov, 1, f.len, &f.vh), 0);
	assert_int_equal(fx_get16(f.buf + f.l4 + 6), 0xffff);
	fx_frame_free(&f);
}

static void completion_without_needs_csum_changes_nothing(void **state)
{
	struct fx_frame_spec spec = { .payload = 100 };
	struct virtio_net_hdr h = { 0 };
	struct fx_frame f;
	struct iovec iov;
	uint8_t *copy;
	(void)state;
	fx_frame_build(&f, &spec, 6);
	copy = malloc(f.len);
	memcpy(copy, f.buf, f.len);
	iov = (struct iovec){ f.buf, f.len };
	assert_int_equal(vnet_hdr_complete_csum(&iov, 1, f.len, &h), 0);
	assert_memory_equal(f.buf, copy, f.len);
	free(copy);
	fx_frame_free(&f);
}

static void completion_rejects_frames_it_cannot_reach(void **state)
{
	uint8_t b[64] = { 0 };
	struct iovec iov = { b, sizeof(b) };
	struct virtio_net_hdr h = csum_hdr(34, 16);
	(void)state;
	assert_int_equal(vnet_hdr_complete_csum(&iov, 1, 65, &h), -EINVAL);
	h = csum_hdr(60, 4);
	assert_int_equal(vnet_hdr_complete_csum(&iov, 1, 64, &h), -EINVAL);
	h = csum_hdr(62, 0);
	assert_int_equal(vnet_hdr_complete_csum(&iov, 1, 64, &h), 0);
	h.flags |= 0x40;
	assert_int_equal(vnet_hdr_complete_csum(&iov, 1, 64, &h), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(validate_accepts_sane_headers),
		cmocka_unit_test(validate_rejects_checksum_field_outside_frame),
		cmocka_unit_test(validate_rejects_bad_flags_types_and_sizes),
		cmocka_unit_test(completes_tcp_ipv4_checksum),
		cmocka_unit_test(completes_udp_ipv6_checksum),
		cmocka_unit_test(completes_a_field_split_across_iovecs),
		cmocka_unit_test(zero_udp_checksum_is_sent_as_all_ones),
		cmocka_unit_test(completion_without_needs_csum_changes_nothing),
		cmocka_unit_test(completion_rejects_frames_it_cannot_reach),
	};
	return cmocka_run_group_tests_name("net_vnet_hdr", tests, NULL, NULL);
}
