/* SPDX-License-Identifier: MIT */
/*
 * Internet checksum: the fast sums against a naive RFC 1071 reference on
 * random data of every small length and alignment, carry-heavy data,
 * sums over iovecs split at odd points and streamed in odd pieces, and
 * pseudo-header sums.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "net/csum.h"
#include "net_fixture.h"

static uint8_t data[1 << 20];

static void fill_random(size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)fx_rand(&seed);
}

/* Our checksum as the big-endian value it puts on the wire. */
static uint16_t wire(uint16_t csum)
{
	return ntohs(csum);
}

static uint16_t ref_csum(const uint8_t *p, size_t len)
{
	return (uint16_t)~fx_ref_sum(p, len, 0);
}

static void matches_rfc1071_example(void **state)
{
	static const uint8_t ex[] = { 0x00, 0x01, 0xf2, 0x03,
				      0xf4, 0xf5, 0xf6, 0xf7 };
	(void)state;
	assert_int_equal(wire(csum_fold(csum_partial(ex, sizeof(ex), 0))),
			 (uint16_t)~0xddf2);
	assert_int_equal(ref_csum(ex, sizeof(ex)), (uint16_t)~0xddf2);
}

static void matches_reference_at_every_small_length_and_alignment(void **state)
{
	(void)state;
	fill_random(1024, 1);
	for (size_t align = 0; align < 16; align++)
		for (size_t len = 0; len <= 300; len++)
			assert_int_equal(wire(csum_fold(csum_partial(data + align, len, 0))),
					 ref_csum(data + align, len));
}

static void matches_reference_on_large_random_buffers(void **state)
{
	uint64_t seed = 3;
	(void)state;
	fill_random(sizeof(data), 2);
	for (int i = 0; i < 50; i++) {
		size_t off = fx_rand(&seed) % 4096;
		size_t len = fx_rand(&seed) % (sizeof(data) - off);

		assert_int_equal(wire(csum_fold(csum_partial(data + off, len, 0))),
				 ref_csum(data + off, len));
	}
}

/* All-ones data makes every 64-bit add carry. */
static void carries_are_not_lost_on_all_ones(void **state)
{
	(void)state;
	memset(data, 0xff, sizeof(data));
	for (size_t len = sizeof(data) - 9; len <= sizeof(data); len++)
		assert_int_equal(wire(csum_fold(csum_partial(data, len, 0))),
				 ref_csum(data, len));
	assert_int_equal(csum_fold(csum_partial(data, 64, 0xffffffff)), 0);
}

static void initial_sum_is_added(void **state)
{
	uint32_t part;
	(void)state;
	fill_random(1000, 4);
	part = csum_partial(data, 400, 0);
	assert_int_equal(csum_fold(csum_partial(data + 400, 600, part)),
			 csum_fold(csum_partial(data, 1000, 0)));
}

static void sums_iovecs_split_at_odd_points(void **state)
{
	uint64_t seed = 5;
	struct scatter sc;
	(void)state;
	fill_random(70000, 6);
	for (unsigned round = 0; round < 300; round++) {
		size_t len = 1 + fx_rand(&seed) % 70000;
		size_t off = fx_rand(&seed) % len;
		size_t n = fx_rand(&seed) % (len - off + 1);

		fx_scatter(&sc, data, len, 1 + round % 131, seed);
		assert_int_equal(wire(csum_fold(csum_iov(sc.iov, sc.n, off, n, 0))),
				 ref_csum(data + off, n));
		fx_scatter_free(&sc);
	}
}

static void streams_through_a_cursor_in_odd_pieces(void **state)
{
	struct iov_cursor c;
	struct scatter sc;
	uint32_t sum = 0;
	size_t done = 0;
	uint64_t seed = 8;
	(void)state;
	fill_random(30001, 9);
	fx_scatter(&sc, data, 30001, 77, 10);
	iov_cursor_init(&c, sc.iov, sc.n);
	while (done < 30001) {
		size_t k = 1 + fx_rand(&seed) % 999;

		if (k > 30001 - done)
			k = 30001 - done;
		sum = csum_block_add(sum, csum_cursor(&c, k, 0), done);
		done += k;
	}
	assert_true(iov_cursor_at_end(&c));
	assert_int_equal(wire(csum_fold(sum)), ref_csum(data, 30001));
	fx_scatter_free(&sc);
}

static void iov_sum_stops_at_the_end_of_the_array(void **state)
{
	uint8_t b[10];
	struct iovec iov = { b, sizeof(b) };
	(void)state;
	memset(b, 0x11, sizeof(b));
	assert_int_equal(csum_iov(&iov, 1, 4, 100, 0), csum_partial(b + 4, 6, 0));
	assert_int_equal(csum_iov(&iov, 1, 11, 1, 77), 77);
}

static void pseudo_headers_match_reference(void **state)
{
	static const uint8_t v4[8] = { 192, 168, 1, 77, 10, 255, 0, 3 };
	uint8_t ip6[40] = { 0 };
	uint8_t ip4[20] = { 0 };
	uint64_t seed = 11;
	(void)state;
	memcpy(ip4 + 12, v4, 8);
	for (int i = 8; i < 40; i++)
		ip6[i] = (uint8_t)fx_rand(&seed);
	for (unsigned len = 0; len < 70000; len += 997) {
		uint16_t r4 = fx_ref_pseudo(ip4, false, 6, len & 0xffff);
		uint16_t r6 = fx_ref_pseudo(ip6, true, 17, len & 0xffff);

		assert_int_equal(wire(csum_fold(csum_pseudo_v4(v4, v4 + 4, 6,
							       len & 0xffff))),
				 (uint16_t)~r4);
		assert_int_equal(wire(csum_fold(csum_pseudo_v6(ip6 + 8, ip6 + 24, 17,
							       len & 0xffff))),
				 (uint16_t)~r6);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(matches_rfc1071_example),
		cmocka_unit_test(matches_reference_at_every_small_length_and_alignment),
		cmocka_unit_test(matches_reference_on_large_random_buffers),
		cmocka_unit_test(carries_are_not_lost_on_all_ones),
		cmocka_unit_test(initial_sum_is_added),
		cmocka_unit_test(sums_iovecs_split_at_odd_points),
		cmocka_unit_test(streams_through_a_cursor_in_odd_pieces),
		cmocka_unit_test(iov_sum_stops_at_the_end_of_the_array),
		cmocka_unit_test(pseudo_headers_match_reference),
	};
	return cmocka_run_group_tests_name("net_csum", tests, NULL, NULL);
}
