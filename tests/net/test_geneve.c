/* SPDX-License-Identifier: MIT */
/*
 * Geneve framing for OVN: OVN's option bytes (class 0x0102, type 0x80,
 * 15-bit ingress and 16-bit egress keys), parse round trips over the key
 * ranges, every malformed case refused with its reason, unknown options
 * skipped unless critical, and the outer IPv4/UDP headers with a UDP
 * checksum a receiver verifies.
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

#include "net/geneve.h"
#include "net_fixture.h"

#define A_SRC 0x0100f00au /* 10.240.0.1, network order */
#define A_DST 0x0200f00au /* 10.240.0.2 */

static void ovn_header_bytes(void **state)
{
	uint8_t h[GENEVE_OVN_LEN];
	static const uint8_t want[GENEVE_OVN_LEN] = {
		0x02, 0x00, 0x65, 0x58, 0x00, 0x00, 0x07, 0x00, /* 2 option words, Ethernet, VNI 7 */
		0x01, 0x02, 0x80, 0x01,                         /* class 0x0102, type 0x80, 1 word */
		0x00, 0x03, 0x80, 0x00,                         /* ingress 3, egress 32768 */
	};
	(void)state;
	geneve_ovn_put(h, 7, 3, OVN_MC_FLOOD);
	assert_memory_equal(h, want, sizeof(want));
	/* ingress is 15 bits: its top bit never reaches the reserved bit */
	geneve_ovn_put(h, 0x123456, 0xffff, 0xffff);
	assert_memory_equal(h + 4, ((uint8_t[]){ 0x12, 0x34, 0x56, 0 }), 4);
	assert_memory_equal(h + 12, ((uint8_t[]){ 0x7f, 0xff, 0xff, 0xff }), 4);
}

static void parse_round_trip(void **state)
{
	uint8_t p[GENEVE_OVN_LEN + 14] = { 0 };
	static const uint16_t keys[] = { 0, 1, 2, 0x7fff, 0x8000, 0x8001, 0xffff };
	struct geneve_info gi;
	(void)state;
	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		for (unsigned j = 0; j < sizeof(keys) / sizeof(keys[0]); j++) {
			geneve_ovn_put(p, keys[i] * 3u, keys[i], keys[j]);
			assert_int_equal(geneve_parse(p, sizeof(p), &gi), GENEVE_RX_OK);
			assert_int_equal(gi.vni, keys[i] * 3u);
			assert_int_equal(gi.ingress, keys[i] & 0x7fff);
			assert_int_equal(gi.egress, keys[j]);
			assert_int_equal(gi.hlen, GENEVE_OVN_LEN);
		}
}

static void expect(const uint8_t *p, size_t len, enum geneve_rx_err want)
{
	struct geneve_info gi;
	enum geneve_rx_err got = geneve_parse(p, len, &gi);

	if (got != want)
		fail_msg("got %s, wanted %s", geneve_rx_err_name(got), geneve_rx_err_name(want));
}

static void malformed_refused(void **state)
{
	uint8_t p[64] = { 0 }, q[64];
	(void)state;
	geneve_ovn_put(p, 5, 1, 2);
	expect(p, 0, GENEVE_RX_TRUNCATED);
	expect(p, 7, GENEVE_RX_TRUNCATED);
	expect(p, 15, GENEVE_RX_TRUNCATED);          /* options cut */
	expect(p, 16, GENEVE_RX_RUNT);
	expect(p, 16 + 13, GENEVE_RX_RUNT);
	expect(p, 16 + 14, GENEVE_RX_OK);
	memcpy(q, p, sizeof(q)); q[0] |= 0x40;    expect(q, 40, GENEVE_RX_VERSION);
	memcpy(q, p, sizeof(q)); q[1] |= 0x80;    expect(q, 40, GENEVE_RX_CONTROL);
	memcpy(q, p, sizeof(q)); q[3] = 0x00;     expect(q, 40, GENEVE_RX_PROTO); /* 0x6500 */
	memcpy(q, p, sizeof(q)); q[0] = 0;        expect(q, 40, GENEVE_RX_NO_OVN_OPT);
	memcpy(q, p, sizeof(q)); q[11] = 2;       expect(q, 40, GENEVE_RX_TRUNCATED); /* option past OptLen */
	memcpy(q, p, sizeof(q)); q[10] = 0x81;    expect(q, 40, GENEVE_RX_CRITICAL);  /* critical, unknown */
	memcpy(q, p, sizeof(q)); q[10] = 0x01;    expect(q, 40, GENEVE_RX_NO_OVN_OPT); /* not critical: skipped */
	/* an unknown, non-critical option before OVN's is skipped */
	{
		uint8_t r[64] = { 0x03, 0x00, 0x65, 0x58, 0, 0, 9, 0,
				  0xab, 0xcd, 0x11, 0x00,            /* class abcd type 11, no data */
				  0x01, 0x02, 0x80, 0x01, 0x00, 0x04, 0x00, 0x05 };
		struct geneve_info gi;

		assert_int_equal(geneve_parse(r, 20 + 14, &gi), GENEVE_RX_OK);
		assert_int_equal(gi.vni, 9);
		assert_int_equal(gi.ingress, 4);
		assert_int_equal(gi.egress, 5);
		assert_int_equal(gi.hlen, 20);
	}
	for (unsigned e = 0; e < GENEVE_RX_NERR; e++)
		assert_string_not_equal(geneve_rx_err_name(e), "?");
}

static void outer_headers_and_udp_checksum(void **state)
{
	uint8_t p[GENEVE_OUTER4_LEN + 60];
	uint8_t pseudo[12];
	uint32_t sum;
	uint16_t udp_len;
	(void)state;
	for (unsigned i = 0; i < 60; i++)
		p[GENEVE_OUTER4_LEN + i] = (uint8_t)(i * 7 + 1);
	assert_true(geneve_outer4_put(p, A_SRC, A_DST, 50000, 42, 1, 2, 60));
	assert_int_equal(fx_ref_sum(p, 20, 0), 0xffff);          /* IPv4 header checksum */
	assert_int_equal(fx_get16(p + 2), GENEVE_OUTER4_LEN + 60);
	assert_int_equal(p[9], 17);
	assert_int_equal(fx_get16(p + 6), 0x4000);
	assert_int_equal(fx_get16(p + 20), 50000);
	assert_int_equal(fx_get16(p + 22), 6081);
	udp_len = fx_get16(p + 24);
	assert_int_equal(udp_len, 8 + 16 + 60);
	assert_int_not_equal(fx_get16(p + 26), 0);                /* a checksum is there */
	/* a receiver's check: pseudo header + UDP segment sums to 0xffff */
	memcpy(pseudo, p + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 17;
	pseudo[10] = (uint8_t)(udp_len >> 8);
	pseudo[11] = (uint8_t)udp_len;
	sum = fx_ref_sum(pseudo, 12, 0);
	assert_int_equal(fx_ref_sum(p + 20, udp_len, sum), 0xffff);
	/* the Geneve header follows */
	{
		struct geneve_info gi;

		assert_int_equal(geneve_parse(p + 28, udp_len - 8u, &gi), GENEVE_RX_OK);
		assert_int_equal(gi.vni, 42);
		assert_int_equal(gi.egress, 2);
	}
	assert_false(geneve_outer4_put(p, A_SRC, A_DST, 1, 1, 1, 1, 65536 - GENEVE_OUTER4_LEN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ovn_header_bytes),
		cmocka_unit_test(parse_round_trip),
		cmocka_unit_test(malformed_refused),
		cmocka_unit_test(outer_headers_and_udp_checksum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
