/* SPDX-License-Identifier: MIT */
/*
 * The driver side against a misbehaving device.  Buffers are added and
 * popped the legal way; the used entries are then written raw into ring
 * memory.  A used entry naming a buffer that is not in flight (never
 * added, already reclaimed, out of range), a used length beyond the
 * buffer's writable bytes, or a split used index running more than a ring
 * ahead must break the queue with a reason naming the problem - after the
 * tokens of the valid entries before it were handed back - and keep it
 * broken.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ring_fixture.h"

#define QSIZE 8u
#define BUF_LEN 64u

#define for_each_layout(l) for (enum vq_layout l = VQ_SPLIT; l <= VQ_PACKED; l++)

/* Token of the i-th buffer added. */
#define TOK(i) ((void *)(uintptr_t)(0x100 + (i)))

/*
 * Add n buffers (BUF_LEN writable bytes each, but the last of them only
 * readable when `last_readable`), publish them, and let the device pop
 * them; ids[i] is what the device must hand back for buffer i.
 */
static void setup(struct ring_fixture *f, enum vq_layout layout, unsigned n,
		  bool last_readable, uint16_t *ids)
{
	struct vq_chain c[QSIZE];

	assert_int_equal(rf_init(f, layout, QSIZE, layout == VQ_PACKED ? F_PACKED : 0, 1 << 16), 0);
	for (unsigned i = 0; i < n; i++) {
		struct vq_buf b = { rf_gpa(f, f->data + i * BUF_LEN), BUF_LEN };
		bool readable = last_readable && i + 1 == n;

		assert_int_equal(vq_drv_add(&f->drv, readable ? &b : NULL, readable,
					    readable ? NULL : &b, !readable, TOK(i)), 0);
	}
	vq_drv_publish(&f->drv);
	assert_int_equal(vq_dev_pop_burst(&f->dev, c, QSIZE), n);
	for (unsigned i = 0; i < n; i++)
		ids[i] = c[i].id;
}

/*
 * Write the k-th used entry (each buffer is one descriptor, so used slot k
 * on the first lap) and make it visible.  Split ids are 32 bits wide in
 * the ring; packed ones 16.
 */
static void used_put(struct ring_fixture *f, uint16_t k, uint32_t id, uint32_t len)
{
	if (f->layout == VQ_SPLIT) {
		struct vring_used *u = f->rings.device;

		u->ring[k % QSIZE] = (struct vring_used_elem){ .id = id, .len = len };
		vq_store_release(&u->idx, (uint16_t)(k + 1));
	} else {
		struct vring_packed_desc *d = (struct vring_packed_desc *)f->rings.desc + k;

		d->id = (uint16_t)id;
		d->len = len;
		vq_store_release(&d->flags, VQ_PACKED_F_AVAIL | VQ_PACKED_F_USED);
	}
}

/* get_used hands back exactly these tokens (buffer numbers) and lengths. */
static void assert_reclaims(struct ring_fixture *f, unsigned n, const unsigned *bufs,
			    const uint32_t *lens)
{
	void *tok[QSIZE];
	uint32_t len[QSIZE];

	assert_int_equal(vq_drv_get_used(&f->drv, tok, len, QSIZE), n);
	for (unsigned i = 0; i < n; i++) {
		assert_ptr_equal(tok[i], TOK(bufs[i]));
		assert_int_equal(len[i], lens[i]);
	}
}

/* Broken, naming `what`, and it stays so.  Frees the fixture. */
static void assert_breaks(struct ring_fixture *f, const char *what)
{
	void *tok[QSIZE];
	uint32_t len[QSIZE];
	struct vq_buf b = { rf_gpa(f, f->data), BUF_LEN };
	const char *why;

	assert_int_equal(vq_drv_get_used(&f->drv, tok, len, QSIZE), -EIO);
	why = vq_drv_broken(&f->drv);
	assert_non_null(why);
	if (!strstr(why, what))
		fail_msg("reason \"%s\" does not name \"%s\"", why, what);
	assert_int_equal(vq_drv_get_used(&f->drv, tok, len, 1), -EIO);
	assert_int_equal(vq_drv_add(&f->drv, NULL, 0, &b, 1, TOK(99)), -EIO);
	rf_fini(f);
}

/* A used entry for an id that is free: nothing was ever added under it. */
static void used_id_never_added_breaks(void **state)
{
	(void)state;
	for_each_layout(l) {
		struct ring_fixture f;
		uint16_t ids[2];
		const unsigned bufs[] = { 0 };
		const uint32_t lens[] = { 8 };

		setup(&f, l, 2, false, ids);
		used_put(&f, 0, ids[0], 8);
		used_put(&f, 1, QSIZE - 1, 8);
		assert_reclaims(&f, 1, bufs, lens);
		assert_breaks(&f, "not in flight");
	}
}

/* A duplicate completion, in the same get_used call or a later one. */
static void used_id_already_reclaimed_breaks(void **state)
{
	(void)state;
	for_each_layout(l) {
		struct ring_fixture f;
		uint16_t ids[2];
		const unsigned bufs[] = { 0, 1 };
		const uint32_t lens[] = { 8, 9 };

		setup(&f, l, 2, false, ids);
		used_put(&f, 0, ids[0], 8);
		used_put(&f, 1, ids[1], 9);
		used_put(&f, 2, ids[0], 8);
		assert_reclaims(&f, 2, bufs, lens);
		assert_breaks(&f, "not in flight");

		setup(&f, l, 2, false, ids);
		used_put(&f, 0, ids[0], 8);
		assert_reclaims(&f, 1, bufs, lens);
		used_put(&f, 1, ids[0], 8);
		assert_breaks(&f, "not in flight");
	}
}

/*
 * Ids no buffer can have: the queue size, the 16-bit maximum, and (split,
 * whose used id is 32 bits) a valid id with high bits set, which a
 * truncating driver would take for that id.
 */
static void used_id_out_of_range_breaks(void **state)
{
	(void)state;
	for_each_layout(l) {
		for (unsigned v = 0; v < (l == VQ_SPLIT ? 3u : 2u); v++) {
			struct ring_fixture f;
			uint16_t ids[2];
			const unsigned bufs[] = { 0 };
			const uint32_t lens[] = { 8 };

			setup(&f, l, 2, false, ids);
			const uint32_t bad[] = { QSIZE, 0xffff, 0x10000u | ids[1] };
			used_put(&f, 0, ids[0], 8);
			used_put(&f, 1, bad[v], 8);
			assert_reclaims(&f, 1, bufs, lens);
			assert_breaks(&f, "not in flight");
		}
	}
}

/* More bytes used than the buffer has writable: one past, or any at all
 * in a readable-only buffer. */
static void used_len_beyond_writable_breaks(void **state)
{
	(void)state;
	for_each_layout(l) {
		for (int readable = 0; readable < 2; readable++) {
			struct ring_fixture f;
			uint16_t ids[2];
			const unsigned bufs[] = { 0 };
			const uint32_t lens[] = { BUF_LEN };

			setup(&f, l, 2, readable, ids);
			used_put(&f, 0, ids[0], BUF_LEN);
			used_put(&f, 1, ids[1], readable ? 1 : BUF_LEN + 1);
			assert_reclaims(&f, 1, bufs, lens);
			assert_breaks(&f, "writable");
		}
	}
}

/* Split: used->idx more than a ring ahead of the driver, or behind it. */
static void used_idx_running_ahead_breaks_split(void **state)
{
	const uint16_t idxs[] = { 1 + QSIZE + 1, 0x8000, 0 };

	(void)state;
	for (unsigned v = 0; v < 3; v++) {
		struct ring_fixture f;
		uint16_t ids[2];
		const unsigned bufs[] = { 0 };
		const uint32_t lens[] = { 8 };

		setup(&f, VQ_SPLIT, 2, false, ids);
		used_put(&f, 0, ids[0], 8);
		assert_reclaims(&f, 1, bufs, lens);
		used_put(&f, 1, ids[1], 8);
		vq_store_release(&((struct vring_used *)f.rings.device)->idx, idxs[v]);
		assert_breaks(&f, "runs");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(used_id_never_added_breaks),
		cmocka_unit_test(used_id_already_reclaimed_breaks),
		cmocka_unit_test(used_id_out_of_range_breaks),
		cmocka_unit_test(used_len_beyond_writable_breaks),
		cmocka_unit_test(used_idx_running_ahead_breaks_split),
	};

	return cmocka_run_group_tests_name("hostile_driver", tests, NULL, NULL);
}
