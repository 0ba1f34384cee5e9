/* SPDX-License-Identifier: MIT */
/*
 * The dirty-page log writer (virtio/dirty_log.h): guest-physical ranges
 * and host ranges of a guest memory table to bits of the bitmap, across
 * page and region boundaries; and the rings' own writes logged by vq_dev
 * (split used ring through its guest-physical address, packed descriptor
 * ring), with nothing logged while no log is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ring_fixture.h"
#include "virtio/dirty_log.h"

#define PG 4096ull

static uint8_t bits[64]; /* 512 pages: gpa 0 .. 2 MiB */

static struct dirty_log fresh_log(void)
{
	memset(bits, 0, sizeof(bits));
	return (struct dirty_log){ .bits = bits, .len = sizeof(bits) };
}

/* The set bits, as page numbers, must be exactly want[0..n). */
static void expect_pages(const uint64_t *want, unsigned n)
{
	unsigned k = 0;

	for (uint64_t pfn = 0; pfn < sizeof(bits) * 8; pfn++) {
		bool set = bits[pfn / 8] >> (pfn % 8) & 1;
		bool wanted = k < n && want[k] == pfn;

		if (set != wanted)
			fail_msg("page %llu is %s", (unsigned long long)pfn,
				 set ? "marked but was not written" : "written but not marked");
		k += wanted;
	}
	assert_int_equal(k, n);
}

static void a_range_marks_every_page_it_touches_and_no_other(void **state)
{
	struct dirty_log log = fresh_log();

	(void)state;
	/* one byte: its page; last byte of a page and first of the next */
	assert_int_equal(dirty_log_gpa(&log, 5 * PG + 17, 1), 1);
	assert_int_equal(dirty_log_gpa(&log, 9 * PG - 1, 2), 2);
	/* exactly one page, aligned */
	assert_int_equal(dirty_log_gpa(&log, 20 * PG, PG), 1);
	/* three pages and a bit, unaligned start */
	assert_int_equal(dirty_log_gpa(&log, 30 * PG + 4000, 3 * PG + 200), 5);
	expect_pages((const uint64_t[]){ 5, 8, 9, 20, 30, 31, 32, 33, 34 }, 9);
	/* bit order inside a byte: page 9 is bit 1 of byte 1 */
	assert_int_equal(bits[1], 0x03);
	/* marking again changes nothing */
	assert_int_equal(dirty_log_gpa(&log, 5 * PG, 1), 1);
	expect_pages((const uint64_t[]){ 5, 8, 9, 20, 30, 31, 32, 33, 34 }, 9);
	assert_true(dirty_log_test(&log, 33 * PG + 5));
	assert_false(dirty_log_test(&log, 35 * PG));
}

static void nothing_past_the_log_or_for_an_empty_range(void **state)
{
	struct dirty_log log = fresh_log();
	struct dirty_log none = { 0 };

	(void)state;
	assert_int_equal(dirty_log_gpa(&log, 7 * PG, 0), 0);
	/* the last page the log covers, and beyond it */
	assert_int_equal(dirty_log_gpa(&log, 511 * PG, 3 * PG), 1);
	assert_int_equal(dirty_log_gpa(&log, 512 * PG, PG), 0);
	/* a range that wraps the address space stops at its end */
	assert_int_equal(dirty_log_gpa(&log, UINT64_MAX - 10, 100), 0);
	assert_int_equal(dirty_log_gpa(&none, 0, PG), 0);
	assert_false(dirty_log_test(&log, UINT64_MAX));
	expect_pages((const uint64_t[]){ 511 }, 1);
}

/* Host bytes back to guest-physical pages through each region, with
 * regions whose gpa order differs from their host order. */
static void host_ranges_map_back_through_their_region(void **state)
{
	static uint8_t host[16 * PG] __attribute__((aligned(4096)));
	struct dirty_log log = fresh_log();
	struct guest_mem mem;

	(void)state;
	guest_mem_init(&mem);
	/* host [0, 4 pages) is gpa 100..104 pages; host [4, 12) is gpa 10..18 pages,
	 * starting 0x800 into a page: its pages straddle guest pages */
	assert_int_equal(guest_mem_add(&mem, 100 * PG, 4 * PG, 0x10000000, host), 0);
	assert_int_equal(guest_mem_add(&mem, 10 * PG + 0x800, 8 * PG, 0x20000000, host + 4 * PG), 0);
	/* inside the first region */
	assert_int_equal(dirty_log_host(&log, &mem, host + PG + 10, 100), 1);
	/* across the host boundary of the two regions: gpa 103 page, then gpa 10 page + 0x800 */
	assert_int_equal(dirty_log_host(&log, &mem, host + 4 * PG - 8, 16), 2);
	/* the second region's second host page covers gpa pages 11 and 12 */
	assert_int_equal(dirty_log_host(&log, &mem, host + 5 * PG, PG), 2);
	/* bytes outside every region are skipped, the rest still marked */
	assert_int_equal(dirty_log_host(&log, &mem, host + 12 * PG, 2 * PG), 0);
	assert_int_equal(dirty_log_host(&log, &mem, host + 11 * PG, 2 * PG), 2);
	expect_pages((const uint64_t[]){ 10, 11, 12, 17, 18, 101, 103 }, 7);
}

/* Split: a flush marks the used entries' page(s) and used->idx through
 * log_device_gpa, the buffers are not the ring's business. */
static void split_flush_logs_the_used_ring_at_its_guest_address(void **state)
{
	struct ring_fixture f;
	struct vq_chain c[8];
	struct dirty_log log = fresh_log();
	uint64_t used_gpa;

	(void)state;
	assert_int_equal(rf_init(&f, VQ_SPLIT, 256, 0, 64 * 1024), 0);
	used_gpa = rf_gpa(&f, f.rings.device);
	/* nothing logged without a log */
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(vq_drv_add(&f.drv, &(struct vq_buf){ rf_gpa(&f, f.data), 64 }, 1,
					    NULL, 0, (void *)(uintptr_t)(i + 1)), 0);
	vq_drv_publish(&f.drv);
	assert_int_equal(vq_dev_pop_burst(&f.dev, c, 8), 4);
	for (unsigned i = 0; i < 4; i++)
		vq_dev_push(&f.dev, c[i].id, c[i].ndesc, 0);
	vq_dev_flush(&f.dev);
	/* now with one: the used ring logged at a gpa of our choosing (a
	 * front-end's log_guest_addr), so a wrong address shows */
	vq_dev_set_log(&f.dev, &log, true, used_gpa, 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(vq_drv_add(&f.drv, &(struct vq_buf){ rf_gpa(&f, f.data), 64 }, 1,
					    NULL, 0, (void *)(uintptr_t)(i + 1)), 0);
	vq_drv_publish(&f.drv);
	assert_int_equal(vq_dev_pop_burst(&f.dev, c, 8), 4);
	for (unsigned i = 0; i < 4; i++)
		vq_dev_push(&f.dev, c[i].id, c[i].ndesc, 0);
	vq_dev_flush(&f.dev);
	{
		uint64_t first = (used_gpa + 4 + 8 * 4) / PG, last = (used_gpa + 4 + 8 * 8 - 1) / PG;
		uint64_t idx = (used_gpa + 2) / PG;
		uint64_t want[3];
		unsigned n = 0;

		want[n++] = idx;
		if (first != idx)
			want[n++] = first;
		if (last != first)
			want[n++] = last;
		expect_pages(want, n);
	}
	/* rings not logged (VHOST_VRING_F_LOG clear): nothing */
	memset(bits, 0, sizeof(bits));
	vq_dev_set_log(&f.dev, &log, false, used_gpa, 0);
	assert_int_equal(vq_drv_add(&f.drv, &(struct vq_buf){ rf_gpa(&f, f.data), 64 }, 1,
				    NULL, 0, (void *)1), 0);
	vq_drv_publish(&f.drv);
	assert_int_equal(vq_dev_pop_burst(&f.dev, c, 8), 1);
	vq_dev_push(&f.dev, c[0].id, c[0].ndesc, 0);
	vq_dev_flush(&f.dev);
	expect_pages(NULL, 0);
	rf_fini(&f);
}

/* A split ring whose used entries wrap: both ends of the ring logged. */
static void split_flush_across_the_ring_end_logs_both_ends(void **state)
{
	struct ring_fixture f;
	struct vq_chain c[16];
	struct dirty_log log = fresh_log();
	const uint64_t used_gpa = 200 * PG; /* as if the ring were there */
	void *tok[16];
	uint32_t lens[16];

	(void)state;
	/* 1024 entries: 8 KiB of used ring, three pages */
	assert_int_equal(rf_init(&f, VQ_SPLIT, 1024, 0, 64 * 1024), 0);
	for (unsigned round = 0; round < 2; round++) {
		unsigned n = round ? 8 : 1020;

		for (unsigned done = 0; done < n;) {
			unsigned k = n - done < 16 ? n - done : 16;

			for (unsigned i = 0; i < k; i++)
				assert_int_equal(vq_drv_add(&f.drv, &(struct vq_buf){ rf_gpa(&f, f.data), 64 },
							    1, NULL, 0, (void *)(uintptr_t)(i + 1)), 0);
			vq_drv_publish(&f.drv);
			assert_int_equal(vq_dev_pop_burst(&f.dev, c, 16), (int)k);
			for (unsigned i = 0; i < k; i++)
				vq_dev_push(&f.dev, c[i].id, c[i].ndesc, 0);
			if (round)
				vq_dev_set_log(&f.dev, &log, true, used_gpa, 0);
			vq_dev_flush(&f.dev);
			assert_int_equal(vq_drv_get_used(&f.drv, tok, lens, 16), (int)k);
			done += k;
		}
	}
	/* entries 1020..1023 at the end (bytes 8164..8195: pages 201 and 202,
	 * the last entry straddles them), 0..3 at the start (page 200, with idx) */
	expect_pages((const uint64_t[]){ 200, 201, 202 }, 3);
	rf_fini(&f);
}

/* Packed: the used descriptors go into the descriptor ring, logged at
 * its own gpa; the device event area when kicks are switched. */
static void packed_flush_logs_the_descriptor_ring(void **state)
{
	struct ring_fixture f;
	struct vq_chain c[8];
	struct dirty_log log = fresh_log();

	(void)state;
	assert_int_equal(rf_init(&f, VQ_PACKED, 256, F_PACKED, 64 * 1024), 0);
	vq_dev_set_log(&f.dev, &log, true, 300 * PG, 100 * PG + 0x800);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(vq_drv_add(&f.drv, NULL, 0, &(struct vq_buf){ rf_gpa(&f, f.data), 64 },
					    1, (void *)(uintptr_t)(i + 1)), 0);
	vq_drv_publish(&f.drv);
	assert_int_equal(vq_dev_pop_burst(&f.dev, c, 8), 3);
	for (unsigned i = 0; i < 3; i++)
		vq_dev_push(&f.dev, c[i].id, c[i].ndesc, 10);
	vq_dev_flush(&f.dev);
	/* 256 * 16 bytes from 100 pages + 0x800: pages 100 and 101 */
	expect_pages((const uint64_t[]){ 100, 101 }, 2);
	vq_dev_disable_kick(&f.dev);
	expect_pages((const uint64_t[]){ 100, 101, 300 }, 3);
	rf_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_range_marks_every_page_it_touches_and_no_other),
		cmocka_unit_test(nothing_past_the_log_or_for_an_empty_range),
		cmocka_unit_test(host_ranges_map_back_through_their_region),
		cmocka_unit_test(split_flush_logs_the_used_ring_at_its_guest_address),
		cmocka_unit_test(split_flush_across_the_ring_end_logs_both_ends),
		cmocka_unit_test(packed_flush_logs_the_descriptor_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
