/* SPDX-License-Identifier: MIT */
/*
 * Ingress policing's token bucket (switch/police.c) on a simulated clock:
 * the rate it lets through over time, the burst it allows at once, OVS's
 * default burst, a rate change, a frame larger than the bucket, peeking
 * without paying, and two threads sharing one bucket never spending the
 * same tokens twice; then through a bridge: drops counted as policing.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "switch/bridge.h"
#include "switch/police.h"

#define NS (POLICE_UNITS_PER_NS)
#define SEC (1000000000ull * NS)

/* n frames of len bytes each. */
static void frames(struct frame *f, unsigned n, uint32_t len)
{
	for (unsigned i = 0; i < n; i++)
		f[i] = (struct frame){ .len = len };
}

/* Offer `len`-byte frames at `offered` bytes/s for `secs` in bursts of
 * 32 from t0; the counted bytes (after the Ethernet header) let through. */
static uint64_t offer(const struct police_cfg *c, struct police_bucket *b, uint32_t len,
		      uint64_t offered, unsigned secs, uint64_t t0)
{
	struct frame f[32];
	uint64_t per_burst = 32ull * len, bursts = offered * secs / per_burst, passed = 0;

	frames(f, 32, len);
	for (uint64_t i = 0; i < bursts; i++) {
		uint64_t now = t0 + i * SEC * per_burst / offered;

		passed += (uint64_t)__builtin_popcount(police_burst(c, b, f, 32, now)) *
			  (len - POLICE_HDR_LEN);
	}
	return passed;
}

static void the_rate_holds_over_time(void **state)
{
	struct police_cfg c;
	struct police_bucket b = { 0 };
	uint64_t bytes;

	(void)state;
	police_cfg_init(&c, 10000, 100); /* 10 Mbit/s, 100 kbit */
	/* 10x the rate for 10 s: 10 Mbit/s * 10 s = 12.5 MB, plus the burst */
	bytes = offer(&c, &b, 1014, 12500000, 10, SEC);
	assert_in_range(bytes, 12500000 + 12500 - 12500000 / 100, 12500000 + 12500 + 12500000 / 100);
	/* below the rate everything passes (a bucket that holds a burst of 32) */
	police_cfg_init(&c, 10000, 800);
	police_reset(&b);
	bytes = offer(&c, &b, 1014, 1000000, 10, SEC);
	assert_int_equal(bytes, 10000000ull / (32 * 1014) * 32 * 1000);
}

static void a_full_bucket_lets_a_burst_through_at_once(void **state)
{
	struct police_cfg c;
	struct police_bucket b = { 0 };
	struct frame f[32];

	(void)state;
	frames(f, 32, 1014);               /* 1000 bytes counted each */
	police_cfg_init(&c, 1000, 80);     /* 80 kbit = 10000 bytes */
	assert_int_equal(police_burst(&c, &b, f, 32, SEC), 0x3ff); /* the first 10 */
	assert_int_equal(police_burst(&c, &b, f, 32, SEC), 0);
	/* 1 Mbit/s: 1000 bytes come back in 8 ms, not before */
	assert_int_equal(police_burst(&c, &b, f, 1, SEC + 7999999 * NS), 0);
	assert_int_equal(police_burst(&c, &b, f, 1, SEC + 8000000 * NS), 1);
	/* a long pause refills to the burst, no more */
	assert_int_equal(police_burst(&c, &b, f, 32, 100 * SEC), 0x3ff);
}

static void burst_0_is_ovs_default_of_8000_kbit(void **state)
{
	struct police_cfg c;
	struct police_bucket b = { 0 };
	uint64_t tokens;

	(void)state;
	police_cfg_init(&c, 1000, 0);
	assert_true(police_peek(&c, &b, 1014, SEC, &tokens));
	assert_int_equal(tokens, 8000 * 125);
	police_cfg_init(&c, 0, 500);
	assert_int_equal(c.rate_kbps, 0);
	assert_int_equal(c.depth, 0);
}

static void a_rate_change_starts_from_a_full_bucket_at_the_new_rate(void **state)
{
	struct police_cfg c;
	struct police_bucket b = { 0 };
	uint64_t bytes;

	(void)state;
	police_cfg_init(&c, 10000, 100);
	offer(&c, &b, 1014, 12500000, 2, SEC);
	police_cfg_init(&c, 40000, 100);   /* set-port: 40 Mbit/s */
	police_reset(&b);
	bytes = offer(&c, &b, 1014, 50000000, 5, 10 * SEC);
	assert_in_range(bytes, 25000000 + 12500 - 250000, 25000000 + 12500 + 250000);
}

static void a_frame_larger_than_the_bucket_never_passes(void **state)
{
	struct police_cfg c;
	struct police_bucket b = { 0 };
	struct frame f[1];

	(void)state;
	police_cfg_init(&c, 1000, 8);      /* 1000 bytes */
	frames(f, 1, 1015);                /* 1001 counted */
	assert_int_equal(police_burst(&c, &b, f, 1, 100 * SEC), 0);
	frames(f, 1, 14);                  /* a bare header costs nothing */
	assert_int_equal(police_burst(&c, &b, f, 1, 100 * SEC), 1);
}

static void peeking_takes_nothing(void **state)
{
	struct police_cfg c;
	struct police_bucket b = { 0 };
	struct frame f[32];
	uint64_t tokens;

	(void)state;
	police_cfg_init(&c, 1000, 80);
	for (int i = 0; i < 100; i++)
		assert_true(police_peek(&c, &b, 1014, SEC, &tokens));
	assert_int_equal(tokens, 10000);
	frames(f, 32, 1014);
	assert_int_equal(police_burst(&c, &b, f, 32, SEC), 0x3ff);
	assert_false(police_peek(&c, &b, 1014, SEC, &tokens));
	assert_int_equal(tokens, 0);
}

struct racer {
	const struct police_cfg *c;
	struct police_bucket *b;
	uint64_t passed;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct frame f[32];

	frames(f, 32, 114);                /* 100 bytes counted */
	for (int i = 0; i < 20000; i++)
		r->passed += (uint64_t)__builtin_popcount(police_burst(r->c, r->b, f, 32, SEC));
	return NULL;
}

static void two_workers_never_spend_the_same_tokens(void **state)
{
	struct police_cfg c;
	struct police_bucket b = { 0 };
	struct racer r[2] = { { &c, &b, 0 }, { &c, &b, 0 } };
	pthread_t t[2];

	(void)state;
	police_cfg_init(&c, 1000, 8000);   /* 1e6 bytes: 10000 frames, at one instant */
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(r[0].passed + r[1].passed, 10000);
}

/* A port that counts what it was given. */
struct count_port {
	struct port base;
	unsigned n;
};

static unsigned count_tx(struct port *p, unsigned worker, struct frame *const *f,
			 const bool *tagged, unsigned n)
{
	(void)worker, (void)f, (void)tagged;
	((struct count_port *)p)->n += n;
	return n;
}

static const struct port_ops count_ops = { .kind = "count", .tx_burst = count_tx };

static void a_policed_port_drops_are_counted_as_policing(void **state)
{
	struct bridge *br = bridge_new("br");
	struct fwd_scratch *s = calloc(1, sizeof(*s));
	struct count_port port[2] = { 0 };
	struct bridge_port_cfg cfg, *old;
	struct frame f[32];
	struct iovec iov;
	uint8_t buf[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0 };
	struct port_counters rx;

	(void)state;
	assert_non_null(br);
	assert_non_null(s);
	bridge_port_cfg_init(&cfg);
	for (int i = 0; i < 2; i++) {
		port[i].base.ops = &count_ops;
		assert_int_equal(bridge_add_port(br, &port[i].base, &cfg), 0);
	}
	iov = (struct iovec){ buf, 60 };
	for (int i = 0; i < 32; i++) {
		f[i] = (struct frame){ .iov = &iov, .niov = 1, .len = 60 };
		memcpy(f[i].eth, buf, ETH_HLEN_TAGGED);
	}
	/* 1 kbit/s, 8 kbit = 1000 bytes: 21 frames of 46 counted bytes */
	police_cfg_init(&cfg.police, 1, 8);
	assert_int_equal(bridge_set_port_cfg(br, &port[0].base, &cfg, &old), 0);
	free(old);
	bridge_forward(s, &port[0].base, f, 32, 0);
	assert_int_equal(port[1].n, 21);
	assert_int_equal(bridge_port_counters(br, &port[0].base).policing, 11);
	rx = port_read(&port[0].base, false);
	assert_int_equal(rx.dropped, 11);
	/* policing off again: everything passes */
	police_cfg_init(&cfg.police, 0, 0);
	assert_int_equal(bridge_set_port_cfg(br, &port[0].base, &cfg, &old), 0);
	free(old);
	bridge_forward(s, &port[0].base, f, 32, 0);
	assert_int_equal(port[1].n, 21 + 32);
	bridge_free(br);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_rate_holds_over_time),
		cmocka_unit_test(a_full_bucket_lets_a_burst_through_at_once),
		cmocka_unit_test(burst_0_is_ovs_default_of_8000_kbit),
		cmocka_unit_test(a_rate_change_starts_from_a_full_bucket_at_the_new_rate),
		cmocka_unit_test(a_frame_larger_than_the_bucket_never_passes),
		cmocka_unit_test(peeking_takes_nothing),
		cmocka_unit_test(two_workers_never_spend_the_same_tokens),
		cmocka_unit_test(a_policed_port_drops_are_counted_as_policing),
	};

	return cmocka_run_group_tests_name("police", tests, NULL, NULL);
}
