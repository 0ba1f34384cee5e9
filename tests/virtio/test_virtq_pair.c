/* SPDX-License-Identifier: MIT */
/*
 * Driver side and device side of each ring layout talking to each other in
 * one thread: data and lengths arrive intact, indexes wrap, notification
 * suppression works both ways, and a seeded random workload matches a
 * simple model of what must come out.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ring_fixture.h"

struct config {
	const char *name;
	enum vq_layout layout;
	uint64_t features;
};

static const struct config configs[] = {
	{ "split", VQ_SPLIT, 0 },
	{ "split+indirect", VQ_SPLIT, F_INDIRECT },
	{ "split+event_idx", VQ_SPLIT, F_EVENT_IDX },
	{ "split+in_order", VQ_SPLIT, F_IN_ORDER | F_EVENT_IDX },
	{ "split+all", VQ_SPLIT, F_INDIRECT | F_EVENT_IDX | F_IN_ORDER },
	{ "packed", VQ_PACKED, F_PACKED },
	{ "packed+indirect", VQ_PACKED, F_PACKED | F_INDIRECT },
	{ "packed+event_idx", VQ_PACKED, F_PACKED | F_EVENT_IDX },
	{ "packed+in_order", VQ_PACKED, F_PACKED | F_IN_ORDER },
	{ "packed+all", VQ_PACKED, F_PACKED | F_INDIRECT | F_EVENT_IDX | F_IN_ORDER },
};
#define NCONFIGS (sizeof(configs) / sizeof(configs[0]))

static size_t iov_copy_out(const struct vq_chain *c, uint8_t *dst, size_t cap)
{
	size_t n = 0;

	for (unsigned i = 0; i < c->nout; i++) {
		assert_true(n + c->iov[i].iov_len <= cap);
		memcpy(dst + n, c->iov[i].iov_base, c->iov[i].iov_len);
		n += c->iov[i].iov_len;
	}
	return n;
}

static size_t iov_fill_in(const struct vq_chain *c, uint8_t seed, size_t len)
{
	size_t done = 0;

	for (unsigned i = c->nout; i < c->nout + c->nin && done < len; i++) {
		size_t k = c->iov[i].iov_len < len - done ? c->iov[i].iov_len : len - done;

		for (size_t j = 0; j < k; j++)
			((uint8_t *)c->iov[i].iov_base)[j] = (uint8_t)(seed + done + j);
		done += k;
	}
	return done;
}

/* A two-part readable buffer and a three-part writable one round-trip. */
static void data_and_lengths_round_trip(void **state)
{
	(void)state;
	for (unsigned k = 0; k < NCONFIGS; k++) {
		struct ring_fixture f;
		struct vq_chain c[2];
		void *tok[2];
		uint32_t len[2];
		uint8_t got[64];

		assert_int_equal(rf_init(&f, configs[k].layout, 64, configs[k].features, 1 << 16), 0);
		memcpy(f.data, "hello, ", 7);
		memcpy(f.data + 100, "device", 6);
		struct vq_buf out[2] = { { rf_gpa(&f, f.data), 7 }, { rf_gpa(&f, f.data + 100), 6 } };
		struct vq_buf in[3] = { { rf_gpa(&f, f.data + 1000), 10 },
					{ rf_gpa(&f, f.data + 2000), 10 },
					{ rf_gpa(&f, f.data + 3000), 10 } };
		assert_int_equal(vq_drv_add(&f.drv, out, 2, NULL, 0, &tok[0]), 0);
		assert_int_equal(vq_drv_add(&f.drv, NULL, 0, in, 3, &tok[1]), 0);
		assert_int_equal(vq_dev_pop_burst(&f.dev, c, 2), 0); /* nothing published yet */
		vq_drv_publish(&f.drv);
		assert_int_equal(vq_dev_pop_burst(&f.dev, c, 2), 2);
		assert_null(vq_dev_broken(&f.dev));
		assert_int_equal(c[0].nout, 2);
		assert_int_equal(c[0].nin, 0);
		assert_int_equal(c[0].out_len, 13);
		assert_int_equal(iov_copy_out(&c[0], got, sizeof(got)), 13);
		assert_memory_equal(got, "hello, device", 13);
		assert_int_equal(c[1].nout, 0);
		assert_int_equal(c[1].nin, 3);
		assert_int_equal(c[1].in_len, 30);
		assert_int_equal(iov_fill_in(&c[1], 1, 25), 25);
		vq_dev_push(&f.dev, c[0].id, c[0].ndesc, 0);
		vq_dev_push(&f.dev, c[1].id, c[1].ndesc, 25);
		assert_int_equal(vq_drv_get_used(&f.drv, (void **)tok, len, 2), 0); /* not flushed */
		vq_dev_flush(&f.dev);
		void *toks[2];
		assert_int_equal(vq_drv_get_used(&f.drv, toks, len, 2), 2);
		assert_ptr_equal(toks[0], &tok[0]);
		assert_ptr_equal(toks[1], &tok[1]);
		assert_int_equal(len[1], 25);
		assert_int_equal(f.data[2000 + 5], (uint8_t)(1 + 15));
		assert_int_equal(vq_drv_num_free(&f.drv), 64);
		rf_fini(&f);
	}
}

/*
 * A burst completing more buffers than the device holds back before
 * writing (VQ_USED_SHADOW), across the end of the ring: every completion
 * arrives after the one flush, in order, with its own length.
 */
static void long_burst_completes_across_the_ring_end(void **state)
{
	(void)state;
	for (unsigned k = 0; k < NCONFIGS; k++) {
		enum { SIZE = 128, FIRST = 90, BURST = 100 };
		static struct vq_chain c[BURST];
		static int tok[BURST];
		struct ring_fixture f;
		void *got[BURST];
		uint32_t len[BURST];

		assert_int_equal(rf_init(&f, configs[k].layout, SIZE, configs[k].features, 1 << 16), 0);
		for (unsigned round = 0; round < 2; round++) {
			unsigned n = round ? BURST : FIRST;

			for (unsigned i = 0; i < n; i++) {
				struct vq_buf in = { rf_gpa(&f, f.data + 128 * i), 128 };

				assert_int_equal(vq_drv_add(&f.drv, NULL, 0, &in, 1, &tok[i]), 0);
			}
			vq_drv_publish(&f.drv);
			assert_int_equal(vq_dev_pop_burst(&f.dev, c, n), (int)n);
			for (unsigned i = 0; i < n; i++)
				vq_dev_push(&f.dev, c[i].id, c[i].ndesc, i + 1);
			assert_int_equal(vq_drv_get_used(&f.drv, got, len, n), 0); /* not flushed */
			vq_dev_flush(&f.dev);
			assert_int_equal(vq_drv_get_used(&f.drv, got, len, n), (int)n);
			for (unsigned i = 0; i < n; i++) {
				assert_ptr_equal(got[i], &tok[i]);
				assert_int_equal(len[i], i + 1);
			}
		}
		assert_null(vq_dev_broken(&f.dev));
		rf_fini(&f);
	}
}

/* Run many times around a tiny ring so 16-bit indexes and wrap counters roll over. */
static void indexes_wrap_around(void **state)
{
	(void)state;
	for (unsigned k = 0; k < NCONFIGS; k++) {
		struct ring_fixture f;
		const unsigned size = configs[k].layout == VQ_PACKED ? 5 : 4;

		assert_int_equal(rf_init(&f, configs[k].layout, size, configs[k].features, 1 << 16), 0);
		for (unsigned it = 0; it < 70000; it++) {
			struct vq_chain c[2];
			void *tok[2];
			uint32_t len[2];
			unsigned nin = 1 + it % 2; /* 1 or 2 descriptors: varies the skips */
			struct vq_buf in[2] = { { rf_gpa(&f, f.data), 8 }, { rf_gpa(&f, f.data + 8), 8 } };

			assert_int_equal(vq_drv_add(&f.drv, NULL, 0, in, nin, (void *)(uintptr_t)(it + 1)), 0);
			vq_drv_publish(&f.drv);
			assert_int_equal(vq_dev_pop_burst(&f.dev, c, 2), 1);
			vq_dev_push(&f.dev, c[0].id, c[0].ndesc, 8 * nin);
			vq_dev_flush(&f.dev);
			assert_int_equal(vq_drv_get_used(&f.drv, tok, len, 2), 1);
			assert_int_equal((uintptr_t)tok[0], it + 1);
			assert_int_equal(len[0], 8 * nin);
		}
		assert_null(vq_dev_broken(&f.dev));
		assert_null(vq_drv_broken(&f.drv));
		rf_fini(&f);
	}
}

/* The largest queue: fill it, drain it, twice. */
static void largest_queue_fills_and_drains(void **state)
{
	(void)state;
	for (unsigned k = 0; k < NCONFIGS; k += 5) { /* plain split, plain packed */
		struct ring_fixture f;
		static struct vq_chain c[64];
		static void *tok[VQ_MAX_SIZE];
		static uint32_t len[VQ_MAX_SIZE];

		assert_int_equal(rf_init(&f, configs[k].layout, VQ_MAX_SIZE, configs[k].features, 1 << 16), 0);
		for (int round = 0; round < 2; round++) {
			struct vq_buf b = { rf_gpa(&f, f.data), 64 };
			unsigned popped = 0;

			for (unsigned i = 0; i < VQ_MAX_SIZE; i++)
				assert_int_equal(vq_drv_add(&f.drv, NULL, 0, &b, 1, (void *)(uintptr_t)(i + 1)), 0);
			assert_int_equal(vq_drv_add(&f.drv, NULL, 0, &b, 1, (void *)1), -ENOSPC);
			vq_drv_publish(&f.drv);
			for (int n; (n = vq_dev_pop_burst(&f.dev, c, 64)) > 0; popped += n)
				for (int i = 0; i < n; i++)
					vq_dev_push(&f.dev, c[i].id, c[i].ndesc, 64);
			assert_int_equal(popped, VQ_MAX_SIZE);
			vq_dev_flush(&f.dev);
			assert_int_equal(vq_drv_get_used(&f.drv, tok, len, VQ_MAX_SIZE), VQ_MAX_SIZE);
			assert_int_equal((uintptr_t)tok[VQ_MAX_SIZE - 1], VQ_MAX_SIZE);
		}
		rf_fini(&f);
	}
}

static void add_one(struct ring_fixture *f, void *tok)
{
	struct vq_buf b = { rf_gpa(f, f->data), 64 };

	assert_int_equal(vq_drv_add(&f->drv, NULL, 0, &b, 1, tok), 0);
	vq_drv_publish(&f->drv);
}

static void serve_one(struct ring_fixture *f)
{
	struct vq_chain c;

	assert_int_equal(vq_dev_pop_burst(&f->dev, &c, 1), 1);
	vq_dev_push(&f->dev, c.id, c.ndesc, 1);
	vq_dev_flush(&f->dev);
}

/* Kicks: the driver kicks only when the device asked for it. */
static void kick_suppression(void **state)
{
	(void)state;
	for (unsigned k = 0; k < NCONFIGS; k++) {
		struct ring_fixture f;
		void *tok[4];
		uint32_t len[4];

		assert_int_equal(rf_init(&f, configs[k].layout, 16, configs[k].features, 1 << 16), 0);
		vq_dev_enable_kick(&f.dev);
		add_one(&f, &tok[0]);
		assert_true(vq_drv_needs_kick(&f.drv));
		vq_dev_disable_kick(&f.dev); /* the device polls now */
		serve_one(&f);
		add_one(&f, &tok[1]);
		assert_false(vq_drv_needs_kick(&f.drv));
		serve_one(&f);
		/* Going back to sleep with nothing pending: the next add kicks. */
		assert_false(vq_dev_enable_kick(&f.dev));
		add_one(&f, &tok[2]);
		assert_true(vq_drv_needs_kick(&f.drv));
		/* Re-enabling with work pending tells the device to poll again. */
		vq_dev_disable_kick(&f.dev);
		assert_true(vq_dev_enable_kick(&f.dev));
		assert_int_equal(vq_drv_get_used(&f.drv, tok, len, 4), 2);
		rf_fini(&f);
	}
}

/* Interrupts: the device signals only when the driver asked for it. */
static void call_suppression(void **state)
{
	(void)state;
	for (unsigned k = 0; k < NCONFIGS; k++) {
		struct ring_fixture f;
		void *tok[4];
		uint32_t len[4];

		assert_int_equal(rf_init(&f, configs[k].layout, 16, configs[k].features, 1 << 16), 0);
		assert_false(vq_drv_enable_call(&f.drv));
		add_one(&f, &tok[0]);
		add_one(&f, &tok[1]);
		add_one(&f, &tok[2]);
		serve_one(&f);
		assert_true(vq_dev_needs_call(&f.dev));
		vq_drv_disable_call(&f.drv); /* the driver polls now */
		serve_one(&f);
		assert_false(vq_dev_needs_call(&f.dev));
		/* Re-enabling with used buffers pending: poll, don't sleep. */
		assert_true(vq_drv_enable_call(&f.drv));
		assert_int_equal(vq_drv_get_used(&f.drv, tok, len, 4), 2);
		assert_false(vq_drv_enable_call(&f.drv));
		serve_one(&f);
		assert_true(vq_dev_needs_call(&f.dev));
		rf_fini(&f);
	}
}

/* IN_ORDER: one used entry completes a whole batch. */
static void in_order_batch_completes_with_one_entry(void **state)
{
	(void)state;
	for (unsigned k = 0; k < NCONFIGS; k++) {
		struct ring_fixture f;
		struct vq_chain c[8];
		void *tok[8];
		uint32_t len[8];
		unsigned ndesc = 0;

		if (!(configs[k].features & F_IN_ORDER))
			continue;
		assert_int_equal(rf_init(&f, configs[k].layout, 16, configs[k].features, 1 << 16), 0);
		for (uintptr_t i = 1; i <= 6; i++) {
			struct vq_buf b[2] = { { rf_gpa(&f, f.data), 10 }, { rf_gpa(&f, f.data + 10), 10 } };
			assert_int_equal(vq_drv_add(&f.drv, b, 1 + i % 2, NULL, 0, (void *)i), 0);
		}
		vq_drv_publish(&f.drv);
		assert_int_equal(vq_dev_pop_burst(&f.dev, c, 8), 6);
		for (int i = 0; i < 6; i++)
			ndesc += c[i].ndesc;
		vq_dev_push_in_order(&f.dev, c[5].id, 6, (uint16_t)ndesc);
		vq_dev_flush(&f.dev);
		/* Reclaim in two steps to exercise a batch spanning calls. */
		assert_int_equal(vq_drv_get_used(&f.drv, tok, len, 4), 4);
		assert_int_equal(vq_drv_get_used(&f.drv, tok + 4, len + 4, 4), 2);
		for (uintptr_t i = 0; i < 6; i++)
			assert_int_equal((uintptr_t)tok[i], i + 1);
		assert_int_equal(vq_drv_num_free(&f.drv), 16);
		/* The ring keeps working after the skip. */
		add_one(&f, (void *)99);
		serve_one(&f);
		assert_int_equal(vq_drv_get_used(&f.drv, tok, len, 4), 1);
		assert_int_equal((uintptr_t)tok[0], 99);
		rf_fini(&f);
	}
}

/* Chains popped but not used can be given back and are popped again. */
static void unpop_gives_chains_back(void **state)
{
	(void)state;
	for (unsigned k = 0; k < NCONFIGS; k++) {
		struct ring_fixture f;
		struct vq_chain c[4], again[4];

		assert_int_equal(rf_init(&f, configs[k].layout, 4, configs[k].features, 1 << 16), 0);
		for (uintptr_t i = 1; i <= 3; i++) {
			struct vq_buf b[3] = { { rf_gpa(&f, f.data), 1 }, { rf_gpa(&f, f.data), 1 }, { rf_gpa(&f, f.data), 1 } };
			/* 1 + 1 + 2 descriptors: the packed ring wraps inside a chain */
			assert_int_equal(vq_drv_add(&f.drv, NULL, 0, b, i == 3 ? 2 : 1, (void *)i), 0);
		}
		vq_drv_publish(&f.drv);
		for (int round = 0; round < 2; round++) {
			assert_int_equal(vq_dev_pop_burst(&f.dev, c, 4), 3);
			vq_dev_unpop(&f.dev, c + 1, 2);
			assert_int_equal(vq_dev_pop_burst(&f.dev, again, 4), 2);
			assert_int_equal(again[0].id, c[1].id);
			assert_int_equal(again[1].id, c[2].id);
			assert_int_equal(again[1].nin, c[2].nin);
			vq_dev_unpop(&f.dev, c, 3);
		}
		rf_fini(&f);
	}
}

/*
 * Seeded random workload against a model: every buffer the driver adds is
 * popped once with exactly its bytes, comes back once with the length the
 * device chose and the bytes it wrote, and the ring ends empty.
 */
struct model_buf {
	uint32_t seq;
	unsigned nout, nin;
	struct vq_buf out[4], in[4];
	uint32_t in_len;
	bool in_flight;
};

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

static void check_chain_matches(const struct vq_chain *c, const struct model_buf *m)
{
	size_t off = 0, total = 0;

	assert_int_equal(c->nin > 0, m->nin > 0);
	for (unsigned i = 0; i < m->nout; i++)
		total += m->out[i].len;
	assert_int_equal(c->out_len, total);
	assert_int_equal(c->in_len, m->in_len);
	for (unsigned i = 0; i < c->nout; i++) {
		const uint8_t *p = c->iov[i].iov_base;

		for (size_t j = 0; j < c->iov[i].iov_len; j++, off++)
			assert_int_equal(p[j], (uint8_t)(m->seq * 7 + off));
	}
}

static void random_workload_matches_model(void **state)
{
	(void)state;
	for (unsigned k = 0; k < NCONFIGS; k++) {
		struct ring_fixture f;
		const unsigned size = configs[k].layout == VQ_PACKED ? 24 : 32;
		struct model_buf *m = calloc(size * 4, sizeof(*m)); /* slot per buffer, reused */
		uint64_t seed = 0x9e3779b97f4a7c15ull + k;
		uint32_t next_seq = 0, done_seq = 0, in_flight = 0;
		struct vq_chain popped[32];
		unsigned npopped = 0;

		assert_int_equal(rf_init(&f, configs[k].layout, size, configs[k].features, 1 << 20), 0);
		for (unsigned step = 0; step < 20000; step++) {
			unsigned op = rnd(&seed) % 4;

			if (op == 0 && in_flight < size * 4 - 1) {
				struct model_buf *b = &m[next_seq % (size * 4)];

				if (b->in_flight)
					continue;
				*b = (struct model_buf){ .seq = next_seq, .nout = rnd(&seed) % 4, .nin = rnd(&seed) % 4 };
				if (b->nout + b->nin == 0)
					b->nin = 1;
				/* each buffer gets its own 4 KiB slice of the data area */
				uint8_t *area = f.data + (next_seq % (size * 4)) * 4096;
				size_t off = 0, pos = 0;
				for (unsigned i = 0; i < b->nout; i++) {
					uint32_t l = 1 + rnd(&seed) % 200;
					b->out[i] = (struct vq_buf){ rf_gpa(&f, area + pos), l };
					for (uint32_t j = 0; j < l; j++)
						area[pos + j] = (uint8_t)(b->seq * 7 + off + j);
					off += l;
					pos += l + 3;
				}
				for (unsigned i = 0; i < b->nin; i++) {
					uint32_t l = 1 + rnd(&seed) % 300;
					b->in[i] = (struct vq_buf){ rf_gpa(&f, area + 2048 + i * 400), l };
					b->in_len += l;
				}
				int rc = vq_drv_add(&f.drv, b->out, b->nout, b->in, b->nin, b);
				if (rc == -ENOSPC) {
					vq_drv_publish(&f.drv); /* full: let the device see it all */
					continue;
				}
				assert_int_equal(rc, 0);
				b->in_flight = true;
				next_seq++;
				in_flight++;
				if (rnd(&seed) % 3 == 0)
					vq_drv_publish(&f.drv);
			} else if (op == 1 && npopped < 32) {
				int n = vq_dev_pop_burst(&f.dev, popped + npopped, 1 + rnd(&seed) % (32 - npopped));

				assert_true(n >= 0);
				/* the driver's shadow tells which model buffer an id is */
				for (int i = 0; i < n; i++) {
					const struct vq_chain *c = &popped[npopped + i];
					check_chain_matches(c, f.drv.state[c->id].token);
				}
				npopped += (unsigned)n;
			} else if (op == 2 && npopped) {
				/* complete some popped chains: oldest first under IN_ORDER,
				 * in random order otherwise */
				unsigned n = 1 + rnd(&seed) % npopped;

				for (unsigned i = 0; i < n; i++) {
					bool in_order = configs[k].features & F_IN_ORDER;
					unsigned pick = in_order ? 0 : rnd(&seed) % npopped;
					struct vq_chain *c = &popped[pick];
					uint32_t len = c->in_len ? rnd(&seed) % (c->in_len + 1) : 0;
					struct model_buf *b = f.drv.state[c->id].token;

					iov_fill_in(c, (uint8_t)b->seq, len);
					vq_dev_push(&f.dev, c->id, c->ndesc, len);
					memmove(&popped[pick], &popped[pick + 1], (--npopped - pick) * sizeof(*c));
				}
				vq_dev_flush(&f.dev);
			} else if (op == 3) {
				void *tok[16];
				uint32_t len[16];
				int n = vq_drv_get_used(&f.drv, tok, len, 16);

				assert_true(n >= 0);
				for (int i = 0; i < n; i++) {
					struct model_buf *b = tok[i];

					assert_true(b->in_flight);
					assert_true(len[i] <= b->in_len);
					if (len[i])
						assert_int_equal(*(uint8_t *)rf_host(&f, b->in[0].addr), (uint8_t)b->seq);
					if (configs[k].features & F_IN_ORDER)
						assert_int_equal(b->seq, done_seq);
					b->in_flight = false;
					done_seq++;
					in_flight--;
				}
			}
		}
		assert_null(vq_dev_broken(&f.dev));
		assert_null(vq_drv_broken(&f.drv));
		print_message("# %s: %u buffers completed\n", configs[k].name, done_seq);
		assert_true(done_seq > 1000);
		free(m);
		rf_fini(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(data_and_lengths_round_trip),
		cmocka_unit_test(indexes_wrap_around),
		cmocka_unit_test(long_burst_completes_across_the_ring_end),
		cmocka_unit_test(largest_queue_fills_and_drains),
		cmocka_unit_test(kick_suppression),
		cmocka_unit_test(call_suppression),
		cmocka_unit_test(in_order_batch_completes_with_one_entry),
		cmocka_unit_test(unpop_gives_chains_back),
		cmocka_unit_test(random_workload_matches_model),
	};
	return cmocka_run_group_tests_name("virtq_pair", tests, NULL, NULL);
}
