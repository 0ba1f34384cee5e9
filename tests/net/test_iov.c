/* SPDX-License-Identifier: MIT */
/*
 * iovec helpers: lengths, copies out, in and between arrays at every
 * offset against a flat reference, stopping at the end of an array, and
 * the cursor streaming one frame into several buffers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/iov.h"
#include "net_fixture.h"

static uint8_t flat[256];

static void fill_pattern(void)
{
	for (size_t i = 0; i < sizeof(flat); i++)
		flat[i] = (uint8_t)(i * 7 + 3);
}

static void length_sums_and_saturates(void **state)
{
	struct iovec iov[3] = {
		{ .iov_len = 10 }, { .iov_len = 0 }, { .iov_len = 5 },
	};
	(void)state;
	assert_int_equal(iov_length(iov, 3), 15);
	assert_int_equal(iov_length(iov, 0), 0);
	iov[1].iov_len = SIZE_MAX - 12;
	assert_int_equal(iov_length(iov, 3), SIZE_MAX);
}

static void copies_out_at_every_offset_and_length(void **state)
{
	/* pieces 0, 1, 5, 0, 3, 60, 0 bytes: empty ones at both ends */
	static const size_t cuts[] = { 0, 1, 6, 6, 9, 69 };
	struct scatter sc;
	uint8_t out[80];
	(void)state;
	fill_pattern();
	fx_scatter_at(&sc, flat, 69, cuts, 6);
	for (size_t off = 0; off <= 69; off++) {
		for (size_t len = 0; off + len <= 69; len++) {
			memset(out, 0xee, sizeof(out));
			assert_int_equal(iov_to_buf(sc.iov, sc.n, off, out, len), len);
			assert_memory_equal(out, flat + off, len);
			assert_int_equal(out[len], 0xee);
		}
	}
	fx_scatter_free(&sc);
}

static void copy_stops_at_the_end_of_the_array(void **state)
{
	static const size_t cuts[] = { 7, 20 };
	struct scatter sc;
	uint8_t out[64];
	(void)state;
	fill_pattern();
	fx_scatter_at(&sc, flat, 30, cuts, 2);
	assert_int_equal(iov_to_buf(sc.iov, sc.n, 25, out, 10), 5);
	assert_memory_equal(out, flat + 25, 5);
	assert_int_equal(iov_to_buf(sc.iov, sc.n, 30, out, 10), 0);
	assert_int_equal(iov_to_buf(sc.iov, sc.n, 31, out, 10), 0);
	assert_int_equal(iov_to_buf(sc.iov, sc.n, SIZE_MAX, out, 10), 0);
	assert_int_equal(iov_from_buf(sc.iov, sc.n, 28, flat, 10), 2);
	assert_int_equal(iov_from_buf(sc.iov, sc.n, 40, flat, 10), 0);
	fx_scatter_free(&sc);
}

static void copies_in_only_inside_the_range(void **state)
{
	static const size_t cuts[] = { 3, 4, 4, 17 };
	uint8_t zeros[40] = { 0 }, back[40];
	struct scatter sc;
	(void)state;
	fill_pattern();
	for (size_t off = 0; off < 40; off++) {
		for (size_t len = 0; off + len <= 40; len += 3) {
			fx_scatter_at(&sc, zeros, 40, cuts, 4);
			assert_int_equal(iov_from_buf(sc.iov, sc.n, off, flat, len), len);
			fx_gather(&sc, back);
			for (size_t i = 0; i < 40; i++)
				assert_int_equal(back[i], i >= off && i < off + len ?
						 flat[i - off] : 0);
			fx_scatter_free(&sc);
		}
	}
}

static void copies_iov_to_iov_across_unaligned_splits(void **state)
{
	static uint8_t src[20000], dst[20000], back[20000];
	struct scatter s, d;
	uint64_t seed = 42;
	(void)state;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)fx_rand(&seed);
	for (unsigned round = 0; round < 200; round++) {
		size_t soff = fx_rand(&seed) % 5000, doff = fx_rand(&seed) % 5000;
		size_t len = fx_rand(&seed) % 15000;

		memset(dst, 0, sizeof(dst));
		fx_scatter(&s, src, sizeof(src), 1 + round % 97, seed + 1);
		fx_scatter(&d, dst, sizeof(dst), 1 + round % 61, seed + 2);
		assert_int_equal(iov_to_iov(d.iov, d.n, doff, s.iov, s.n, soff, len), len);
		fx_gather(&d, back);
		assert_memory_equal(back + doff, src + soff, len);
		for (size_t i = 0; i < doff; i++)
			assert_int_equal(back[i], 0);
		fx_scatter_free(&s);
		fx_scatter_free(&d);
	}
}

static void iov_to_iov_stops_at_the_shorter_array(void **state)
{
	uint8_t a[100], b[30];
	struct iovec src = { a, sizeof(a) }, dst = { b, sizeof(b) };
	(void)state;
	memset(a, 1, sizeof(a));
	assert_int_equal(iov_to_iov(&dst, 1, 10, &src, 1, 0, 100), 20);
	assert_int_equal(iov_to_iov(&dst, 1, 0, &src, 1, 90, 100), 10);
	assert_int_equal(iov_to_iov(&dst, 1, 31, &src, 1, 0, 1), 0);
	assert_int_equal(iov_to_iov(&dst, 1, 0, &src, 1, 101, 1), 0);
}

/* The mergeable-rx pattern: one 64 KB frame over many small source pieces
 * into 1500-byte destination buffers, one cursor on each side. */
static void cursor_streams_a_frame_into_several_buffers(void **state)
{
	static uint8_t frame[65536], out[45][1500];
	struct iov_cursor src, dst;
	struct scatter sc;
	uint64_t seed = 7;
	size_t left = sizeof(frame);
	unsigned nbuf = 0;
	(void)state;
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)fx_rand(&seed);
	fx_scatter(&sc, frame, sizeof(frame), 333, 9);
	iov_cursor_init(&src, sc.iov, sc.n);
	while (left) {
		struct iovec buf = { out[nbuf], sizeof(out[nbuf]) };
		size_t want = left < buf.iov_len ? left : buf.iov_len;

		iov_cursor_init(&dst, &buf, 1);
		assert_int_equal(iov_cursor_copy(&dst, &src, buf.iov_len), want);
		left -= want;
		nbuf++;
	}
	assert_true(iov_cursor_at_end(&src));
	assert_int_equal(nbuf, 44);
	for (unsigned i = 0; i < nbuf; i++) {
		size_t n = i < 43 ? 1500 : sizeof(frame) - 43 * 1500;

		assert_memory_equal(out[i], frame + i * 1500, n);
	}
	fx_scatter_free(&sc);
}

static void cursor_reads_writes_and_skips_over_empty_iovecs(void **state)
{
	uint8_t a[4] = { 1, 2, 3, 4 }, b[2] = { 5, 6 }, out[8];
	struct iovec iov[5] = {
		{ NULL, 0 }, { a, 4 }, { NULL, 0 }, { b, 2 }, { NULL, 0 },
	};
	struct iov_cursor c;
	void *p;
	(void)state;
	iov_cursor_init(&c, iov, 5);
	assert_int_equal(iov_cursor_chunk(&c, &p), 4);
	assert_ptr_equal(p, a);
	assert_int_equal(iov_cursor_skip(&c, 3), 3);
	assert_int_equal(iov_cursor_read(&c, out, 2), 2);
	assert_int_equal(out[0], 4);
	assert_int_equal(out[1], 5);
	assert_int_equal(iov_cursor_write(&c, (const uint8_t[]){ 9, 9 }, 2), 1);
	assert_int_equal(b[1], 9);
	assert_true(iov_cursor_at_end(&c));
	assert_int_equal(iov_cursor_chunk(&c, &p), 0);
	assert_int_equal(iov_cursor_skip(&c, 1), 0);
	iov_cursor_init(&c, iov, 1);
	assert_true(iov_cursor_at_end(&c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(length_sums_and_saturates),
		cmocka_unit_test(copies_out_at_every_offset_and_length),
		cmocka_unit_test(copy_stops_at_the_end_of_the_array),
		cmocka_unit_test(copies_in_only_inside_the_range),
		cmocka_unit_test(copies_iov_to_iov_across_unaligned_splits),
		cmocka_unit_test(iov_to_iov_stops_at_the_shorter_array),
		cmocka_unit_test(cursor_streams_a_frame_into_several_buffers),
		cmocka_unit_test(cursor_reads_writes_and_skips_over_empty_iovecs),
	};
	return cmocka_run_group_tests_name("net_iov", tests, NULL, NULL);
}
