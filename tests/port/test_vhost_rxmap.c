/* SPDX-License-Identifier: MIT */
/*
 * The running guest RX rings of a vhost-user port: kept in ascending
 * order as rings start and stop in any order, a flow hash picks among
 * exactly those (every running ring gets some of 64 hashes, no stopped
 * one any), adding twice or removing what is not there changes nothing,
 * and an empty map picks pair 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "port/vhost_rxmap.h"

static void expect_set(const struct vhost_rxmap *m, const uint8_t *want, unsigned n)
{
	assert_int_equal(vhost_rxmap_count(m), n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(m->q[i], want[i]);
}

static void rings_stay_sorted_as_they_start_and_stop(void **state)
{
	struct vhost_rxmap m = { 0 };

	(void)state;
	vhost_rxmap_add(&m, 3);
	vhost_rxmap_add(&m, 0);
	vhost_rxmap_add(&m, 7);
	vhost_rxmap_add(&m, 1);
	vhost_rxmap_add(&m, 3);
	expect_set(&m, (const uint8_t[]){ 0, 1, 3, 7 }, 4);
	vhost_rxmap_remove(&m, 1);
	vhost_rxmap_remove(&m, 5);
	expect_set(&m, (const uint8_t[]){ 0, 3, 7 }, 3);
	vhost_rxmap_remove(&m, 7);
	vhost_rxmap_remove(&m, 0);
	expect_set(&m, (const uint8_t[]){ 3 }, 1);
	vhost_rxmap_add(&m, VHOST_RXMAP_MAX); /* out of range: ignored */
	vhost_rxmap_add(&m, VHOST_RXMAP_MAX - 1);
	expect_set(&m, (const uint8_t[]){ 3, VHOST_RXMAP_MAX - 1 }, 2);
}

/* 2 of 8 pairs running (a 2-vCPU guest): hashes spread over both, and
 * over the 4 after `ethtool -L combined 4`. */
static void hashes_spread_over_the_running_rings_only(void **state)
{
	struct vhost_rxmap m = { 0 };
	unsigned hits[VHOST_RXMAP_MAX];

	(void)state;
	vhost_rxmap_add(&m, 0);
	vhost_rxmap_add(&m, 1);
	memset(hits, 0, sizeof(hits));
	for (uint32_t h = 0; h < 64; h++)
		hits[vhost_rxmap_pick(&m, vhost_rxmap_count(&m), h * 2654435761u)]++;
	assert_true(hits[0] > 0 && hits[1] > 0);
	assert_int_equal(hits[0] + hits[1], 64);
	vhost_rxmap_add(&m, 2);
	vhost_rxmap_add(&m, 3);
	memset(hits, 0, sizeof(hits));
	for (uint32_t h = 0; h < 64; h++)
		hits[vhost_rxmap_pick(&m, vhost_rxmap_count(&m), h)]++;
	for (unsigned q = 0; q < 4; q++)
		assert_int_equal(hits[q], 16);
}

static void one_ring_takes_every_flow_and_none_picks_pair_0(void **state)
{
	struct vhost_rxmap m = { 0 };

	(void)state;
	assert_int_equal(vhost_rxmap_pick(&m, vhost_rxmap_count(&m), 12345), 0);
	vhost_rxmap_add(&m, 5);
	for (uint32_t h = 0; h < 16; h++)
		assert_int_equal(vhost_rxmap_pick(&m, vhost_rxmap_count(&m), h), 5);
}

/* A reader that read the count before a removal still picks a valid
 * pair: every entry below the old count holds an index in range. */
static void a_stale_count_still_picks_a_pair_in_range(void **state)
{
	struct vhost_rxmap m = { 0 };

	(void)state;
	for (unsigned q = 0; q < 8; q++)
		vhost_rxmap_add(&m, q);
	vhost_rxmap_remove(&m, 2);
	vhost_rxmap_remove(&m, 6);
	for (uint32_t h = 0; h < 64; h++)
		assert_true(vhost_rxmap_pick(&m, 8, h) < 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rings_stay_sorted_as_they_start_and_stop),
		cmocka_unit_test(hashes_spread_over_the_running_rings_only),
		cmocka_unit_test(one_ring_takes_every_flow_and_none_picks_pair_0),
		cmocka_unit_test(a_stale_count_still_picks_a_pair_in_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
