/* SPDX-License-Identifier: MIT */
/*
 * The capture ring: records come out as they went in (prefix then the
 * scatter list's bytes from an offset, cut at caplen, with their time),
 * a record that would cross the end wraps behind a pad, a full ring drops
 * and counts instead of overwriting, and a producer and a consumer on two
 * threads lose or reorder nothing.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/capture_ring.h"

static const struct timespec t0 = { 1700000000, 123456789 };

static void put_bytes(struct capture_ring *r, const uint8_t *b, uint32_t len, uint32_t caplen)
{
	struct iovec iov = { (void *)b, len };

	capture_ring_put(r, &t0, len, caplen, NULL, 0, &iov, 1, 0);
}

static void prefix_then_bytes_from_an_offset_cut_at_caplen(void **state)
{
	struct capture_ring *r = capture_ring_new(CAPTURE_RING_MIN);
	uint8_t a[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, b[10] = { 10, 11, 12, 13, 14, 15, 16, 17, 18, 19 };
	struct iovec iov[2] = { { a, 10 }, { b, 10 } };
	const uint8_t prefix[3] = { 0xaa, 0xbb, 0xcc };
	const struct capture_rec *rec;
	const uint8_t *data;

	(void)state;
	assert_non_null(r);
	/* the frame: prefix + bytes 8.. of the list: 3 + 12 = 15 bytes, 9 kept */
	assert_true(capture_ring_put(r, &t0, 15, 9, prefix, 3, iov, 2, 8));
	rec = capture_ring_peek(r);
	assert_non_null(rec);
	assert_int_equal(rec->len, 15);
	assert_int_equal(rec->caplen, 9);
	assert_int_equal(rec->sec, t0.tv_sec);
	assert_int_equal(rec->nsec, t0.tv_nsec);
	data = (const uint8_t *)(rec + 1);
	assert_memory_equal(data, ((uint8_t[]){ 0xaa, 0xbb, 0xcc, 8, 9, 10, 11, 12, 13 }), 9);
	capture_ring_pop(r, rec);
	assert_null(capture_ring_peek(r));
	assert_int_equal(capture_ring_written(r), 1);
	assert_int_equal(capture_ring_dropped(r), 0);
	capture_ring_free(r);
}

static void a_source_shorter_than_it_says_is_recorded_as_it_is(void **state)
{
	struct capture_ring *r = capture_ring_new(CAPTURE_RING_MIN);
	uint8_t a[4] = { 1, 2, 3, 4 };
	const struct capture_rec *rec;

	(void)state;
	put_bytes(r, a, 4, 4);
	/* claims 100 bytes, holds 4 */
	struct iovec iov = { a, 4 };
	assert_true(capture_ring_put(r, &t0, 100, 100, NULL, 0, &iov, 1, 0));
	capture_ring_pop(r, capture_ring_peek(r));
	rec = capture_ring_peek(r);
	assert_int_equal(rec->len, 100);
	assert_int_equal(rec->caplen, 4);
	capture_ring_free(r);
}

static void a_full_ring_drops_and_counts_and_takes_again_once_read(void **state)
{
	struct capture_ring *r = capture_ring_new(CAPTURE_RING_MIN);
	uint8_t frame[1000];
	unsigned in = 0;

	(void)state;
	memset(frame, 7, sizeof(frame));
	/* 1024 bytes a record: 4 fit in 4096 */
	for (unsigned i = 0; i < 10; i++)
		in += capture_ring_put(r, &t0, 1000, 1000, NULL, 0,
				       &(struct iovec){ frame, sizeof(frame) }, 1, 0);
	assert_int_equal(in, 4);
	assert_int_equal(capture_ring_dropped(r), 6);
	capture_ring_pop(r, capture_ring_peek(r));
	assert_true(capture_ring_put(r, &t0, 1000, 1000, NULL, 0,
				     &(struct iovec){ frame, sizeof(frame) }, 1, 0));
	assert_int_equal(capture_ring_written(r), 5);
	/* a record bigger than half the ring is never taken */
	assert_false(capture_ring_put(r, &t0, 3000, 3000, NULL, 0,
				      &(struct iovec){ frame, sizeof(frame) }, 1, 0));
	/* nor a frame of length 0 (and that is not a drop) */
	assert_false(capture_ring_put(r, &t0, 0, 0, NULL, 0, NULL, 0, 0));
	assert_int_equal(capture_ring_dropped(r), 7);
	capture_ring_free(r);
}

static void a_record_that_would_cross_the_end_wraps_behind_a_pad(void **state)
{
	struct capture_ring *r = capture_ring_new(CAPTURE_RING_MIN);
	uint8_t frame[1500];

	(void)state;
	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	/* 1528 bytes a record: two, read, then the third crosses 4096 */
	for (unsigned round = 0; round < 20; round++) {
		for (unsigned k = 0; k < 2; k++) {
			frame[0] = (uint8_t)(round * 2 + k);
			put_bytes(r, frame, sizeof(frame), sizeof(frame));
		}
		for (unsigned k = 0; k < 2; k++) {
			const struct capture_rec *rec = capture_ring_peek(r);

			assert_non_null(rec);
			assert_int_equal(rec->caplen, sizeof(frame));
			assert_int_equal(((const uint8_t *)(rec + 1))[0], round * 2 + k);
			assert_memory_equal((const uint8_t *)(rec + 1) + 1, frame + 1, sizeof(frame) - 1);
			capture_ring_pop(r, rec);
		}
	}
	assert_int_equal(capture_ring_dropped(r), 0);
	capture_ring_free(r);
}

static void a_rest_too_short_for_a_header_is_skipped(void **state)
{
	uint8_t frame[2048];
	const struct capture_rec *rec;

	(void)state;
	memset(frame, 3, sizeof(frame));
	for (unsigned rest = 8; rest <= 16; rest += 8) {
		struct capture_ring *r = capture_ring_new(CAPTURE_RING_MIN);

		/* 1360 + 1360 + a third record that leaves `rest` bytes at the end */
		put_bytes(r, frame, 1336, 1336);
		put_bytes(r, frame, 1336, 1336);
		put_bytes(r, frame, 4096 - rest - 2720 - 24, 4096);
		for (unsigned k = 0; k < 3; k++)
			capture_ring_pop(r, capture_ring_peek(r));
		frame[0] = (uint8_t)rest;
		put_bytes(r, frame, 100, 100);
		rec = capture_ring_peek(r);
		assert_non_null(rec);
		assert_int_equal(rec->len, 100);
		assert_int_equal(((const uint8_t *)(rec + 1))[0], rest);
		capture_ring_pop(r, rec);
		assert_null(capture_ring_peek(r));
		assert_int_equal(capture_ring_dropped(r), 0);
		capture_ring_free(r);
	}
}

static void only_powers_of_two_in_range_make_a_ring(void **state)
{
	(void)state;
	assert_null(capture_ring_new(CAPTURE_RING_MIN + 8));
	assert_null(capture_ring_new(CAPTURE_RING_MIN / 2));
	assert_null(capture_ring_new((size_t)CAPTURE_RING_MAX * 2));
}

#define THREAD_FRAMES 200000

static void *producer(void *arg)
{
	struct capture_ring *r = arg;
	uint8_t frame[64 + 8];

	for (uint32_t i = 0; i < THREAD_FRAMES; i++) {
		uint32_t len = 60 + i % 13;

		memcpy(frame, &i, sizeof(i));
		memset(frame + 4, (int)(i & 0xff), len - 4);
		capture_ring_put(r, &t0, len, len, NULL, 0, &(struct iovec){ frame, len }, 1, 0);
	}
	return NULL;
}

static void two_threads_lose_nothing_but_what_is_counted_and_keep_order(void **state)
{
	struct capture_ring *r = capture_ring_new(1u << 14);
	uint64_t got = 0;
	int64_t last = -1;
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, producer, r), 0);
	for (;;) {
		const struct capture_rec *rec = capture_ring_peek(r);
		const uint8_t *d;
		uint32_t seq;

		if (!rec) {
			if (capture_ring_written(r) + capture_ring_dropped(r) == THREAD_FRAMES &&
			    !capture_ring_peek(r))
				break;
			continue;
		}
		d = (const uint8_t *)(rec + 1);
		memcpy(&seq, d, sizeof(seq));
		assert_true((int64_t)seq > last);
		assert_int_equal(rec->len, 60 + seq % 13);
		for (uint32_t k = 4; k < rec->caplen; k++)
			assert_int_equal(d[k], seq & 0xff);
		last = seq;
		got++;
		capture_ring_pop(r, rec);
	}
	pthread_join(t, NULL);
	assert_int_equal(got, capture_ring_written(r));
	assert_int_equal(got + capture_ring_dropped(r), THREAD_FRAMES);
	capture_ring_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prefix_then_bytes_from_an_offset_cut_at_caplen),
		cmocka_unit_test(a_source_shorter_than_it_says_is_recorded_as_it_is),
		cmocka_unit_test(a_full_ring_drops_and_counts_and_takes_again_once_read),
		cmocka_unit_test(a_record_that_would_cross_the_end_wraps_behind_a_pad),
		cmocka_unit_test(a_rest_too_short_for_a_header_is_skipped),
		cmocka_unit_test(only_powers_of_two_in_range_make_a_ring),
		cmocka_unit_test(two_threads_lose_nothing_but_what_is_counted_and_keep_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
