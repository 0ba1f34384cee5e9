/* SPDX-License-Identifier: MIT */
/*
 * The device side against a hostile driver.  Descriptors and ring fields
 * are written raw into the fixture's ring memory (never through
 * vq_drv_add()).  Each violation must break the queue with a reason naming
 * the problem, after handing out the good chain queued before it, and keep
 * it broken; nothing outside guest memory may be touched (the fixture's
 * guard pages turn a stray access into a crash, and a watchdog turns a
 * walk that never ends into a failure).  Legal corner cases - zero-length
 * descriptors, chains needing more iovecs than a chain holds, tables and
 * buffers straddling two regions - must not break it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ring_fixture.h"

#define QSIZE 8u
#define D_NEXT  VRING_DESC_F_NEXT
#define D_WRITE VRING_DESC_F_WRITE
#define D_IND   VRING_DESC_F_INDIRECT

#define for_each_layout(l) for (enum vq_layout l = VQ_SPLIT; l <= VQ_PACKED; l++)

/* One descriptor as a test writes it (split `next` and packed `id` apart). */
struct rd {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
};

/* The fixture plus the hostile driver's own ring positions. */
struct hostile {
	struct ring_fixture f;
	uint16_t next;  /* split: next descriptor index; packed: next slot */
	uint16_t avail; /* split: next available index */
	bool wrap;      /* packed: driver wrap counter */
};

static void setup(struct hostile *h, enum vq_layout layout, uint64_t features)
{
	if (layout == VQ_PACKED)
		features |= F_PACKED;
	assert_int_equal(rf_init(&h->f, layout, QSIZE, features, 1 << 16), 0);
	h->next = h->avail = 0;
	h->wrap = true;
}

static uint64_t data_gpa(const struct hostile *h, size_t off)
{
	return rf_gpa(&h->f, h->f.data + off);
}

/* Store one 16-byte descriptor in either layout's format. */
static void put_desc(enum vq_layout layout, void *at, const struct rd *d,
		     uint16_t next_or_id)
{
	if (layout == VQ_SPLIT)
		*(struct vring_desc *)at = (struct vring_desc){
			.addr = d->addr, .len = d->len, .flags = d->flags, .next = next_or_id,
		};
	else
		*(struct vring_packed_desc *)at = (struct vring_packed_desc){
			.addr = d->addr, .len = d->len, .id = next_or_id, .flags = d->flags,
		};
}

static void split_desc(struct hostile *h, uint16_t i, const struct rd *d, uint16_t next)
{
	put_desc(VQ_SPLIT, (struct vring_desc *)h->f.rings.desc + i, d, next);
}

/* Split: put head in the available ring and publish the new index. */
static void split_avail(struct hostile *h, uint16_t head)
{
	struct vring_avail *a = h->f.rings.driver;

	a->ring[h->avail % QSIZE] = head;
	vq_store_release(&a->idx, ++h->avail);
}

/* Split: a chain at consecutive indexes, NEXT added on all but the last. */
static void split_post(struct hostile *h, const struct rd *d, unsigned n)
{
	uint16_t head = h->next;

	for (unsigned j = 0; j < n; j++) {
		struct rd x = d[j];
		uint16_t i = h->next;

		h->next = (uint16_t)((i + 1) % QSIZE);
		if (j + 1 < n)
			x.flags |= D_NEXT;
		split_desc(h, i, &x, h->next);
	}
	split_avail(h, head);
}

/* Packed: a chain in ring order, NEXT added on all but the last, the
 * head's flags stored last. */
static void packed_post(struct hostile *h, const struct rd *d, unsigned n, uint16_t id)
{
	struct vring_packed_desc *ring = h->f.rings.desc;
	uint16_t head = h->next, head_flags = 0;

	for (unsigned j = 0; j < n; j++) {
		struct rd x = d[j];

		x.flags |= (j + 1 < n ? D_NEXT : 0) |
			   (h->wrap ? VQ_PACKED_F_AVAIL : VQ_PACKED_F_USED);
		if (j == 0) {
			head_flags = x.flags;
			x.flags = 0;
		}
		put_desc(VQ_PACKED, &ring[h->next], &x, id);
		if (++h->next == QSIZE) {
			h->next = 0;
			h->wrap = !h->wrap;
		}
	}
	vq_store_release(&ring[head].flags, head_flags);
}

/* One chain in the fixture's layout; a packed buffer id is its head slot. */
static void post(struct hostile *h, const struct rd *d, unsigned n)
{
	if (h->f.layout == VQ_SPLIT)
		split_post(h, d, n);
	else
		packed_post(h, d, n, h->next);
}

/* A legal chain: 16 readable bytes, then 16 writable ones. */
static void post_good(struct hostile *h)
{
	const struct rd d[] = {
		{ data_gpa(h, 0), 16, 0 }, { data_gpa(h, 64), 16, D_WRITE },
	};

	post(h, d, 2);
}

/* Entry j of the indirect table at the start of the fixture's table area. */
static void table_entry(struct hostile *h, unsigned j, const struct rd *d, uint16_t next)
{
	put_desc(h->f.layout, (uint8_t *)h->f.ind.host + 16 * j, d, next);
}

/* An indirect table of n entries (split: linked in order, NEXT added on
 * all but the last); returns its address. */
static uint64_t table(struct hostile *h, const struct rd *d, unsigned n)
{
	for (unsigned j = 0; j < n; j++) {
		struct rd x = d[j];

		if (h->f.layout == VQ_SPLIT && j + 1 < n)
			x.flags |= D_NEXT;
		table_entry(h, j, &x, (uint16_t)(j + 1));
	}
	return h->f.ind.addr;
}

/* Post a chain of one INDIRECT descriptor over a table of these entries. */
static void post_indirect(struct hostile *h, const struct rd *t, unsigned n)
{
	const struct rd ind = { table(h, t, n), 16 * n, D_IND };

	post(h, &ind, 1);
}

static void assert_reason(const char *why, const char *what, const char *what2)
{
	assert_non_null(why);
	if (!strstr(why, what) || (what2 && !strstr(why, what2)))
		fail_msg("reason \"%s\" does not name \"%s\" %s", why, what, what2 ? what2 : "");
}

/*
 * The queue hands out `good` chains, then breaks with a reason containing
 * `what` (and `what2` unless NULL), and stays broken.  Frees the fixture.
 */
static void assert_breaks(struct hostile *h, int good, const char *what, const char *what2)
{
	struct vq_chain c[4];

	if (good)
		assert_int_equal(vq_dev_pop_burst(&h->f.dev, c, 4), good);
	assert_int_equal(vq_dev_pop_burst(&h->f.dev, c, 4), -EIO);
	assert_reason(vq_dev_broken(&h->f.dev), what, what2);
	assert_int_equal(vq_dev_pop_burst(&h->f.dev, c, 4), -EIO);
	assert_int_equal(vq_dev_pop_burst(&h->f.dev, c, 1), -EIO);
	assert_false(vq_dev_has_avail(&h->f.dev));
	rf_fini(&h->f);
}

/* Split: next pointing back at an earlier descriptor, or at itself. */
static void descriptor_loop_breaks_split(void **state)
{
	(void)state;
	for (uint16_t back = 2; back <= 4; back += 2) {
		struct hostile h;

		setup(&h, VQ_SPLIT, 0);
		post_good(&h);
		const struct rd d = { data_gpa(&h, 0), 8, D_NEXT };
		split_desc(&h, 2, &d, 3);
		split_desc(&h, 3, &d, 4);
		split_desc(&h, 4, &d, back);
		split_avail(&h, 2);
		assert_breaks(&h, 1, "loops", NULL);
	}
}

/* Packed: every slot chained with NEXT, running across the wrap back
 * into its own head. */
static void chain_longer_than_queue_breaks_packed(void **state)
{
	struct hostile h;
	struct vq_chain c;
	struct rd d[QSIZE];

	(void)state;
	setup(&h, VQ_PACKED, 0);
	post_good(&h);
	assert_int_equal(vq_dev_pop_burst(&h.f.dev, &c, 1), 1);
	vq_dev_push(&h.f.dev, c.id, c.ndesc, 0);
	vq_dev_flush(&h.f.dev);
	for (unsigned j = 0; j < QSIZE; j++)
		d[j] = (struct rd){ data_gpa(&h, 16 * j), 16, D_NEXT };
	packed_post(&h, d, QSIZE, 0); /* slots 2..7, 0, 1 */
	assert_breaks(&h, 0, "longer than the queue", NULL);
}

/* Split: next naming a descriptor beyond the table. */
static void next_out_of_range_breaks_split(void **state)
{
	const uint16_t nexts[] = { QSIZE, 0xffff };

	(void)state;
	for (unsigned v = 0; v < 2; v++) {
		struct hostile h;

		setup(&h, VQ_SPLIT, 0);
		post_good(&h);
		const struct rd d = { data_gpa(&h, 0), 8, D_NEXT };
		split_desc(&h, 2, &d, nexts[v]);
		split_avail(&h, 2);
		assert_breaks(&h, 1, "next", "out of range");
	}
}

/* An indirect table entry that is itself INDIRECT. */
static void nested_indirect_breaks(void **state)
{
	(void)state;
	for_each_layout(l) {
		struct hostile h;

		setup(&h, l, F_INDIRECT);
		post_good(&h);
		const struct rd t[] = {
			{ data_gpa(&h, 0), 8, 0 }, { data_gpa(&h, 128), 16, D_IND },
		};
		post_indirect(&h, t, 2);
		assert_breaks(&h, 1, "nested indirect", NULL);
	}
}

/* INDIRECT descriptors whose length is not a whole number of entries. */
static void indirect_len_not_multiple_of_16_breaks(void **state)
{
	const uint32_t lens[] = { 8, 17, 24, 0xfffffff8 };

	(void)state;
	for_each_layout(l) {
		for (unsigned v = 0; v < 4; v++) {
			struct hostile h;

			setup(&h, l, F_INDIRECT);
			post_good(&h);
			const struct rd e = { data_gpa(&h, 0), 8, 0 };
			const struct rd ind = { table(&h, &e, 1), lens[v], D_IND };
			post(&h, &ind, 1);
			assert_breaks(&h, 1, "multiple of 16", NULL);
		}
	}
}

/* A table of more entries than the largest queue has descriptors. */
static void indirect_table_longer_than_any_queue_breaks(void **state)
{
	(void)state;
	for_each_layout(l) {
		struct hostile h;

		setup(&h, l, F_INDIRECT);
		post_good(&h);
		const struct rd e = { data_gpa(&h, 0), 8, 0 };
		const struct rd ind = { table(&h, &e, 1), 16 * (VQ_MAX_SIZE + 1), D_IND };
		post(&h, &ind, 1);
		assert_breaks(&h, 1, "too long", NULL);
	}
}

static void indirect_len_zero_breaks(void **state)
{
	(void)state;
	for_each_layout(l) {
		struct hostile h;

		setup(&h, l, F_INDIRECT);
		post_good(&h);
		const struct rd ind = { h.f.ind.addr, 0, D_IND };
		post(&h, &ind, 1);
		assert_breaks(&h, 1, "length 0", NULL);
	}
}

static void indirect_without_feature_breaks(void **state)
{
	(void)state;
	for_each_layout(l) {
		struct hostile h;

		setup(&h, l, 0);
		post_good(&h);
		const struct rd e = { data_gpa(&h, 0), 8, 0 };
		post_indirect(&h, &e, 1);
		assert_breaks(&h, 1, "VIRTIO_F_INDIRECT_DESC", NULL);
	}
}

/* An INDIRECT descriptor chained on with NEXT to another descriptor. */
static void indirect_with_next_breaks(void **state)
{
	(void)state;
	for_each_layout(l) {
		struct hostile h;

		setup(&h, l, F_INDIRECT);
		post_good(&h);
		const struct rd e = { data_gpa(&h, 0), 8, 0 };
		const struct rd d[] = { { table(&h, &e, 1), 16, D_IND }, e };
		post(&h, d, 2); /* post() puts NEXT on the INDIRECT one */
		assert_breaks(&h, 1, "both INDIRECT and NEXT", NULL);
	}
}

/* Split: entries of an indirect table linked in a circle. */
static void indirect_table_loop_breaks_split(void **state)
{
	struct hostile h;

	(void)state;
	setup(&h, VQ_SPLIT, F_INDIRECT);
	post_good(&h);
	const struct rd e = { data_gpa(&h, 0), 8, D_NEXT };
	table_entry(&h, 0, &e, 1);
	table_entry(&h, 1, &e, 2);
	table_entry(&h, 2, &e, 0);
	const struct rd ind = { h.f.ind.addr, 3 * 16, D_IND };
	post(&h, &ind, 1);
	assert_breaks(&h, 1, "indirect table", "loops");
}

/* Split: an indirect entry's next beyond the table's own length (the
 * entries past it are valid memory, just not part of the table). */
static void indirect_next_beyond_table_breaks_split(void **state)
{
	const uint16_t nexts[] = { 2, 0xffff };

	(void)state;
	for (unsigned v = 0; v < 2; v++) {
		struct hostile h;

		setup(&h, VQ_SPLIT, F_INDIRECT);
		post_good(&h);
		const struct rd e = { data_gpa(&h, 0), 8, 0 };
		const struct rd n = { data_gpa(&h, 0), 8, D_NEXT };
		table_entry(&h, 0, &n, 1);
		table_entry(&h, 1, &n, nexts[v]);
		table_entry(&h, 2, &e, 0);
		const struct rd ind = { h.f.ind.addr, 2 * 16, D_IND };
		post(&h, &ind, 1);
		assert_breaks(&h, 1, "beyond table", NULL);
	}
}

/* Direct and in a table; the writable one empty or not. */
static void readable_after_writable_breaks(void **state)
{
	(void)state;
	for_each_layout(l) {
		for (int v = 0; v < 4; v++) {
			struct hostile h;
			const bool indirect = v & 1;

			setup(&h, l, F_INDIRECT);
			post_good(&h);
			const struct rd d[] = {
				{ data_gpa(&h, 0), 8, 0 },
				{ data_gpa(&h, 64), v & 2 ? 0 : 8, D_WRITE },
				{ data_gpa(&h, 128), 8, 0 },
			};
			if (indirect)
				post_indirect(&h, d, 3);
			else
				post(&h, d, 3);
			assert_breaks(&h, 1, "readable descriptor after a writable", NULL);
		}
	}
}

/* Even in a chain too long to map, whose iovecs are dropped anyway. */
static void readable_after_writable_in_oversize_chain_breaks(void **state)
{
	struct rd t[VQ_CHAIN_MAX_IOV + 3];
	const unsigned n = VQ_CHAIN_MAX_IOV + 3;

	(void)state;
	for_each_layout(l) {
		struct hostile h;

		setup(&h, l, F_INDIRECT);
		post_good(&h);
		for (unsigned j = 0; j < n; j++)
			t[j] = (struct rd){ data_gpa(&h, 2 * j), 1, 0 };
		t[n - 2].flags = D_WRITE;
		post_indirect(&h, t, n);
		assert_breaks(&h, 1, "readable descriptor after a writable", NULL);
	}
}

/* Buffers before, after and straddling the end of guest memory. */
static void buffer_outside_memory_breaks(void **state)
{
	(void)state;
	for_each_layout(l) {
		for (unsigned v = 0; v < 5; v++) {
			struct hostile h;

			setup(&h, l, 0);
			post_good(&h);
			const uint64_t end = rf_gpa_end(&h.f);
			const struct rd bad[5] = {
				{ 0, 1, 0 },
				{ RF_GPA_BASE - 16, 16, 0 },
				{ RF_GPA_BASE - 1, 2, D_WRITE },
				{ end, 1, 0 },
				{ end - 8, 16, D_WRITE },
			};
			post(&h, &bad[v], 1);
			assert_breaks(&h, 1, "outside guest memory", NULL);
		}
	}
}

/* The same inside an indirect table, after a good entry. */
static void buffer_outside_memory_in_indirect_table_breaks(void **state)
{
	(void)state;
	for_each_layout(l) {
		struct hostile h;

		setup(&h, l, F_INDIRECT);
		post_good(&h);
		const struct rd t[] = {
			{ data_gpa(&h, 0), 8, 0 }, { rf_gpa_end(&h.f) - 4, 8, D_WRITE },
		};
		post_indirect(&h, t, 2);
		assert_breaks(&h, 1, "outside guest memory", NULL);
	}
}

/* addr + len past 2^64. */
static void buffer_address_overflow_breaks(void **state)
{
	const struct rd bad[] = {
		{ UINT64_MAX - 7, 16, 0 },
		{ UINT64_MAX, 2, D_WRITE },
		{ UINT64_MAX - 0xfffe, 0xffffffff, 0 },
	};

	(void)state;
	for_each_layout(l) {
		for (unsigned v = 0; v < 3; v++) {
			struct hostile h;

			setup(&h, l, 0);
			post_good(&h);
			post(&h, &bad[v], 1);
			assert_breaks(&h, 1, "outside guest memory", NULL);
		}
	}
}

/*
 * A region at the very top of the address space: a buffer inside it is
 * fine, one whose length runs it past 2^64 (back to address 0) is not.
 */
static void buffer_wrapping_past_top_of_memory_breaks(void **state)
{
	const uint64_t top = UINT64_MAX - 4096; /* region [top, 2^64 - 1) */

	(void)state;
	for_each_layout(l) {
		struct hostile h;

		setup(&h, l, 0);
		assert_int_equal(guest_mem_add(&h.f.mem, top, 4096, 1ull << 62, h.f.data), 0);
		post_good(&h);
		const struct rd fits = { top + 4000, 96, D_WRITE };
		const struct rd wraps = { top + 4000, 200, D_WRITE };
		post(&h, &fits, 1);
		post(&h, &wraps, 1);
		assert_breaks(&h, 2, "outside guest memory", NULL);
	}
}

/* Indirect tables before, after, or straddling the end of memory. */
static void indirect_table_outside_memory_breaks(void **state)
{
	(void)state;
	for_each_layout(l) {
		for (unsigned v = 0; v < 3; v++) {
			struct hostile h;

			setup(&h, l, F_INDIRECT);
			post_good(&h);
			const uint64_t end = rf_gpa_end(&h.f);
			const uint64_t at[] = { RF_GPA_BASE - 32, end, end - 16 };
			const struct rd e = { data_gpa(&h, 0), 8, D_NEXT };
			/* the entry inside memory of the straddling table is valid */
			put_desc(l, rf_host(&h.f, end - 16), &e, 1);
			const struct rd ind = { at[v], 32, D_IND };
			post(&h, &ind, 1);
			assert_breaks(&h, 1, "indirect table at", "outside guest memory");
		}
	}
}

/* Split: avail->idx more than a ring ahead of the device, or behind it. */
static void avail_idx_running_ahead_breaks_split(void **state)
{
	const uint16_t idxs[] = { QSIZE + 1, 0x8000, 0xffff };

	(void)state;
	for (unsigned v = 0; v < 3; v++) {
		struct hostile h;

		setup(&h, VQ_SPLIT, 0);
		post_good(&h);
		vq_store_release(&((struct vring_avail *)h.f.rings.driver)->idx, idxs[v]);
		assert_breaks(&h, 0, "available index", "ahead");
	}
}

/* Split: exactly a full ring ahead is still legal. */
static void avail_idx_a_full_ring_ahead_is_accepted_split(void **state)
{
	struct hostile h;
	struct vq_chain c[QSIZE + 1];

	(void)state;
	setup(&h, VQ_SPLIT, 0);
	post_good(&h);
	assert_int_equal(vq_dev_pop_burst(&h.f.dev, c, 1), 1);
	for (unsigned j = 0; j < QSIZE; j++)
		post_good(&h);
	assert_int_equal(vq_dev_pop_burst(&h.f.dev, c, QSIZE + 1), QSIZE);
	assert_null(vq_dev_broken(&h.f.dev));
	rf_fini(&h.f);
}

/* Split: an available ring entry naming no descriptor. */
static void avail_head_out_of_range_breaks_split(void **state)
{
	const uint16_t heads[] = { QSIZE, 0xffff };

	(void)state;
	for (unsigned v = 0; v < 2; v++) {
		struct hostile h;

		setup(&h, VQ_SPLIT, 0);
		post_good(&h);
		split_avail(&h, heads[v]);
		assert_breaks(&h, 1, "available ring names descriptor", NULL);
	}
}

/* Packed: buffer id >= queue size, on a direct and an indirect chain. */
static void buffer_id_out_of_range_breaks_packed(void **state)
{
	const uint16_t ids[] = { QSIZE, 0xffff };

	(void)state;
	for (int indirect = 0; indirect < 2; indirect++) {
		struct hostile h;

		setup(&h, VQ_PACKED, F_INDIRECT);
		post_good(&h);
		const struct rd e[] = { { data_gpa(&h, 0), 8, 0 }, { data_gpa(&h, 8), 8, 0 } };
		const struct rd ind = { table(&h, e, 2), 32, D_IND };
		if (indirect)
			packed_post(&h, &ind, 1, ids[indirect]);
		else
			packed_post(&h, e, 2, ids[indirect]);
		assert_breaks(&h, 1, "buffer id", "out of range");
	}
}

/*
 * Packed: a driver can make one burst take more slots than the ring has,
 * since slots that were not heads on one lap may be heads on the next.
 * From slot 7: chain A is slots 7, 0; chain B slots 1..7, 0 (lap two).
 * Completing both with one in-order entry (10 slots) must leave the
 * device's used position on the ring, and its next entry inside it.
 */
static void in_order_batch_longer_than_ring_stays_on_ring_packed(void **state)
{
	struct hostile h;
	struct vq_chain c[4];
	struct vring_packed_desc *ring;
	const uint8_t *past;

	(void)state;
	setup(&h, VQ_PACKED, F_IN_ORDER);
	ring = h.f.rings.desc;
	assert_int_equal(vq_dev_init(&h.f.dev, VQ_PACKED, QSIZE, F_PACKED | F_IN_ORDER,
				     &h.f.mem, &h.f.rings, 0x8000 | (QSIZE - 1)), 0);
	for (unsigned j = 0; j < QSIZE; j++)
		put_desc(VQ_PACKED, &ring[j], &(struct rd){ data_gpa(&h, 0), 8, D_NEXT }, 5);
	ring[0].flags = 0;
	ring[1].flags = D_NEXT | VQ_PACKED_F_USED;   /* available on lap two */
	ring[QSIZE - 1].flags = D_NEXT | VQ_PACKED_F_AVAIL; /* on lap one */
	assert_int_equal(vq_dev_pop_burst(&h.f.dev, c, 4), 2);
	assert_int_equal(c[0].ndesc + c[1].ndesc, QSIZE + 2);
	vq_dev_push_in_order(&h.f.dev, c[1].id, 2, c[0].ndesc + c[1].ndesc);
	vq_dev_push(&h.f.dev, 3, 1, 0);
	vq_dev_flush(&h.f.dev);
	assert_int_equal(vq_dev_base(&h.f.dev) >> 16, 1u << 15 | 2); /* slot 2, wrap 1 */
	assert_int_equal(ring[1].id, 3);
	past = (const uint8_t *)&ring[QSIZE];
	for (unsigned i = 0; i < 2 * QSIZE * 16; i++)
		assert_int_equal(past[i], 0);
	assert_null(vq_dev_broken(&h.f.dev));
	rf_fini(&h.f);
}

/*
 * A guest may post the same heads again before it has seen them used:
 * within one burst the device then stages more used entries than the
 * ring has slots (more than the split shadow holds, here).  They must all
 * land on the ring, lap after lap, and nothing past it may change.
 */
static void reposted_heads_beyond_the_shadow_stay_on_the_ring_split(void **state)
{
	enum { LAPS = VQ_USED_SHADOW / QSIZE + 2 };
	struct hostile h;
	struct vq_chain c[QSIZE];
	struct vring_used *used;
	const uint8_t *past;

	(void)state;
	setup(&h, VQ_SPLIT, 0);
	used = h.f.rings.device;
	for (uint16_t j = 0; j < QSIZE; j++)
		split_desc(&h, j, &(struct rd){ data_gpa(&h, 64 * j), 64, D_WRITE }, 0);
	for (unsigned lap = 0; lap < LAPS; lap++) {
		for (uint16_t j = 0; j < QSIZE; j++)
			split_avail(&h, j);
		assert_int_equal(vq_dev_pop_burst(&h.f.dev, c, QSIZE), QSIZE);
		for (unsigned j = 0; j < QSIZE; j++)
			vq_dev_push(&h.f.dev, c[j].id, c[j].ndesc, 100 + lap);
	}
	vq_dev_flush(&h.f.dev);
	assert_int_equal(used->idx, LAPS * QSIZE);
	for (unsigned j = 0; j < QSIZE; j++) {
		assert_int_equal(used->ring[j].id, j);
		assert_int_equal(used->ring[j].len, 100 + LAPS - 1);
	}
	past = (const uint8_t *)&used->ring[QSIZE] + 2; /* after avail_event */
	for (unsigned i = 0; i < 1024; i++)
		assert_int_equal(past[i], 0);
	assert_null(vq_dev_broken(&h.f.dev));
	rf_fini(&h.f);
}

/* Zero-length descriptors, direct and in a table, map to no iovec. */
static void zero_length_descriptors_are_accepted(void **state)
{
	(void)state;
	for_each_layout(l) {
		struct hostile h;
		struct vq_chain c[4];

		setup(&h, l, F_INDIRECT);
		const struct rd d[] = {
			{ data_gpa(&h, 0), 0, 0 },
			{ data_gpa(&h, 8), 4, 0 },
			{ data_gpa(&h, 64), 0, D_WRITE },
			{ data_gpa(&h, 72), 4, D_WRITE },
		};
		post(&h, d, 4);
		post_indirect(&h, d, 4);
		assert_int_equal(vq_dev_pop_burst(&h.f.dev, c, 4), 2);
		for (unsigned i = 0; i < 2; i++) {
			assert_int_equal(c[i].nout, 1);
			assert_int_equal(c[i].nin, 1);
			assert_int_equal(c[i].out_len, 4);
			assert_int_equal(c[i].in_len, 4);
			assert_int_equal(c[i].flags, 0);
		}
		assert_null(vq_dev_broken(&h.f.dev));
		rf_fini(&h.f);
	}
}

/*
 * A legal chain of more buffers than a chain holds iovecs (each one-byte
 * descriptor is its own iovec) is popped flagged oversize, with no iovec,
 * and the queue carries on.
 */
static void chain_needing_too_many_iovecs_is_flagged_oversize(void **state)
{
	struct rd t[100];

	(void)state;
	for_each_layout(l) {
		struct hostile h;
		struct vq_chain c[4];

		setup(&h, l, F_INDIRECT);
		for (unsigned j = 0; j < 100; j++)
			t[j] = (struct rd){ data_gpa(&h, 2 * j), 1, j < 50 ? 0 : D_WRITE };
		post_indirect(&h, t, 100);
		post_good(&h);
		assert_int_equal(vq_dev_pop_burst(&h.f.dev, c, 4), 2);
		assert_true(c[0].flags & VQ_CHAIN_F_OVERSIZE);
		assert_int_equal(c[0].nout + c[0].nin, 0);
		assert_int_equal(c[0].out_len, 50);
		assert_int_equal(c[0].in_len, 50);
		assert_int_equal(c[0].ndesc, 1);
		assert_int_equal(c[1].flags, 0);
		assert_null(vq_dev_broken(&h.f.dev));
		vq_dev_push(&h.f.dev, c[0].id, c[0].ndesc, 0);
		vq_dev_push(&h.f.dev, c[1].id, c[1].ndesc, 16);
		vq_dev_flush(&h.f.dev);
		post_good(&h);
		assert_int_equal(vq_dev_pop_burst(&h.f.dev, c, 4), 1);
		rf_fini(&h.f);
	}
}

/*
 * A second region right after the fixture's: an indirect table and a
 * buffer that cross from one into the other are read piecewise.
 */
static void table_and_buffer_straddling_two_regions_are_accepted(void **state)
{
	static uint8_t next_region[4096] __attribute__((aligned(16)));

	(void)state;
	for_each_layout(l) {
		struct hostile h;
		struct vq_chain c;

		setup(&h, l, F_INDIRECT);
		const uint64_t end = rf_gpa_end(&h.f);
		assert_int_equal(guest_mem_add(&h.f.mem, end, sizeof(next_region), end, next_region), 0);
		const struct rd e0 = { end - 10, 20, D_NEXT };
		const struct rd e1 = { data_gpa(&h, 0), 4, D_WRITE };
		put_desc(l, rf_host(&h.f, end - 16), &e0, 1);
		put_desc(l, next_region, &e1, 0);
		const struct rd ind = { end - 16, 32, D_IND };
		post(&h, &ind, 1);
		assert_int_equal(vq_dev_pop_burst(&h.f.dev, &c, 1), 1);
		assert_int_equal(c.nout, 2);
		assert_ptr_equal(c.iov[0].iov_base, h.f.base + h.f.len - 10);
		assert_ptr_equal(c.iov[1].iov_base, next_region);
		assert_int_equal(c.iov[1].iov_len, 10);
		assert_int_equal(c.in_len, 4);
		assert_null(vq_dev_broken(&h.f.dev));
		rf_fini(&h.f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(descriptor_loop_breaks_split),
		cmocka_unit_test(chain_longer_than_queue_breaks_packed),
		cmocka_unit_test(next_out_of_range_breaks_split),
		cmocka_unit_test(nested_indirect_breaks),
		cmocka_unit_test(indirect_len_not_multiple_of_16_breaks),
		cmocka_unit_test(indirect_table_longer_than_any_queue_breaks),
		cmocka_unit_test(indirect_len_zero_breaks),
		cmocka_unit_test(indirect_without_feature_breaks),
		cmocka_unit_test(indirect_with_next_breaks),
		cmocka_unit_test(indirect_table_loop_breaks_split),
		cmocka_unit_test(indirect_next_beyond_table_breaks_split),
		cmocka_unit_test(readable_after_writable_breaks),
		cmocka_unit_test(readable_after_writable_in_oversize_chain_breaks),
		cmocka_unit_test(buffer_outside_memory_breaks),
		cmocka_unit_test(buffer_outside_memory_in_indirect_table_breaks),
		cmocka_unit_test(buffer_address_overflow_breaks),
		cmocka_unit_test(buffer_wrapping_past_top_of_memory_breaks),
		cmocka_unit_test(indirect_table_outside_memory_breaks),
		cmocka_unit_test(avail_idx_running_ahead_breaks_split),
		cmocka_unit_test(avail_idx_a_full_ring_ahead_is_accepted_split),
		cmocka_unit_test(avail_head_out_of_range_breaks_split),
		cmocka_unit_test(buffer_id_out_of_range_breaks_packed),
		cmocka_unit_test(in_order_batch_longer_than_ring_stays_on_ring_packed),
		cmocka_unit_test(reposted_heads_beyond_the_shadow_stay_on_the_ring_split),
		cmocka_unit_test(zero_length_descriptors_are_accepted),
		cmocka_unit_test(chain_needing_too_many_iovecs_is_flagged_oversize),
		cmocka_unit_test(table_and_buffer_straddling_two_regions_are_accepted),
	};

	alarm(60); /* a walk that never ends fails instead of hanging */
	return cmocka_run_group_tests_name("hostile_device", tests, NULL, NULL);
}
