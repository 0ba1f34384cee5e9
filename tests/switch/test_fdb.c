/* SPDX-License-Identifier: MIT */
/*
 * MAC learning table: learning, moves, aging on a fake clock, VLAN
 * separation, refusal of multicast sources, a full table under a flood of
 * random MACs, and lock-free lookups racing with a writer.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "switch/fdb.h"

#define AGING 1000

/* A locally administered unicast MAC numbered `id`. */
static void host_mac(uint8_t mac[6], uint32_t id)
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	mac[2] = (uint8_t)(id >> 24);
	mac[3] = (uint8_t)(id >> 16);
	mac[4] = (uint8_t)(id >> 8);
	mac[5] = (uint8_t)id;
}

static void learn(struct fdb *f, uint32_t id, uint16_t vlan, uint32_t port,
		  uint64_t now)
{
	uint8_t mac[6];

	host_mac(mac, id);
	fdb_learn(f, mac, vlan, port, now);
}

static int lookup(struct fdb *f, uint32_t id, uint16_t vlan, uint64_t now)
{
	uint8_t mac[6];

	host_mac(mac, id);
	return fdb_lookup(f, mac, vlan, now);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void rejects_bad_parameters(void **state)
{
	(void)state;
	errno = 0;
	assert_null(fdb_new(0, AGING));
	assert_int_equal(errno, EINVAL);
	assert_null(fdb_new(16, 0));
	assert_null(fdb_new(FDB_MAX_CAPACITY + 1, AGING));
	fdb_free(NULL);
}

static void learns_and_looks_up_a_host(void **state)
{
	struct fdb *f = fdb_new(64, AGING);
	(void)state;
	assert_non_null(f);
	assert_int_equal(lookup(f, 1, 0, 0), -1);
	learn(f, 1, 0, 3, 0);
	assert_int_equal(lookup(f, 1, 0, 0), 3);
	assert_int_equal(lookup(f, 2, 0, 0), -1);
	learn(f, 1, 0, 3, 10); /* again on the same port: nothing new */
	struct fdb_stats st = fdb_stats(f);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.capacity, 64);
	assert_int_equal(st.learned, 1);
	assert_int_equal(st.moved, 0);
	fdb_free(f);
}

static void moves_a_host_seen_on_another_port(void **state)
{
	struct fdb *f = fdb_new(64, AGING);
	(void)state;
	learn(f, 1, 0, 3, 0);
	learn(f, 1, 0, 5, 1);
	assert_int_equal(lookup(f, 1, 0, 1), 5);
	assert_int_equal(fdb_stats(f).moved, 1);
	/* once expired, showing up elsewhere is a new learn, not a move */
	learn(f, 1, 0, 7, 1 + AGING);
	assert_int_equal(lookup(f, 1, 0, 1 + AGING), 7);
	struct fdb_stats st = fdb_stats(f);
	assert_int_equal(st.moved, 1);
	assert_int_equal(st.learned, 2);
	assert_int_equal(st.entries, 1);
	fdb_free(f);
}

static void forgets_a_silent_host_after_the_aging_time(void **state)
{
	struct fdb *f = fdb_new(64, AGING);
	(void)state;
	learn(f, 1, 0, 3, 100);
	learn(f, 2, 0, 4, 100);
	assert_int_equal(lookup(f, 1, 0, 100 + AGING - 1), 3);
	assert_int_equal(lookup(f, 1, 0, 100 + AGING), -1);
	/* a lookup from a worker whose clock lags is not "expired" */
	assert_int_equal(lookup(f, 1, 0, 50), 3);
	/* traffic refreshes: host 2 speaks again at 600 and lives on */
	learn(f, 2, 0, 4, 600);
	assert_int_equal(lookup(f, 2, 0, 600 + AGING - 1), 4);
	assert_int_equal(fdb_age(f, 100 + AGING), 1);
	assert_int_equal(fdb_stats(f).entries, 1);
	assert_int_equal(fdb_age(f, 600 + AGING), 1);
	assert_int_equal(fdb_stats(f).entries, 0);
	fdb_free(f);
}

static void refreshes_at_most_every_sixteenth_of_the_aging_time(void **state)
{
	struct fdb *f = fdb_new(64, AGING);
	(void)state;
	learn(f, 1, 0, 3, 0);
	learn(f, 1, 0, 3, AGING / 16 - 1); /* too recent to store */
	assert_int_equal(lookup(f, 1, 0, AGING), -1);
	learn(f, 2, 0, 3, 0);
	learn(f, 2, 0, 3, AGING / 16);
	assert_int_equal(lookup(f, 2, 0, AGING), 3);
	fdb_free(f);
}

static void vlan_separates_identical_macs(void **state)
{
	struct fdb *f = fdb_new(64, AGING);
	(void)state;
	learn(f, 1, 10, 1, 0);
	learn(f, 1, 20, 2, 0);
	assert_int_equal(lookup(f, 1, 10, 0), 1);
	assert_int_equal(lookup(f, 1, 20, 0), 2);
	assert_int_equal(lookup(f, 1, 30, 0), -1);
	learn(f, 1, 20, 3, 1); /* moves only the VLAN 20 entry */
	assert_int_equal(lookup(f, 1, 10, 1), 1);
	assert_int_equal(lookup(f, 1, 20, 1), 3);
	learn(f, 1, 4095, 4, 1);
	assert_int_equal(lookup(f, 1, 4095, 1), 4);
	learn(f, 1, 4096, 5, 1); /* not a VLAN: ignored */
	assert_int_equal(lookup(f, 1, 4096, 1), -1);
	assert_int_equal(fdb_stats(f).entries, 3);
	fdb_free(f);
}

static void never_learns_multicast_broadcast_or_zero_sources(void **state)
{
	static const uint8_t bad[][6] = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
		{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },
		{ 0x03, 0x00, 0x00, 0x00, 0x00, 0x00 },
		{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	};
	struct fdb *f = fdb_new(64, AGING);
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fdb_learn(f, bad[i], 0, 1, 0);
		assert_int_equal(fdb_lookup(f, bad[i], 0, 0), -1);
	}
	learn(f, 1, 0, (uint32_t)FDB_PORT_MAX + 1, 0); /* not representable */
	assert_int_equal(lookup(f, 1, 0, 0), -1);
	assert_int_equal(fdb_stats(f).entries, 0);
	assert_int_equal(fdb_stats(f).learned, 0);
	fdb_free(f);
}

static void full_table_keeps_known_hosts_under_a_flood(void **state)
{
	enum { CAP = 1024, FLOOD = 1000000 };
	struct fdb *f = fdb_new(CAP, 300000);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	(void)state;
	for (uint32_t id = 0; id < CAP; id++)
		learn(f, id, 0, id % 7, 0);
	assert_int_equal(fdb_stats(f).entries, CAP);
	assert_int_equal(fdb_stats(f).full_drops, 0);
	for (unsigned n = 0; n < FLOOD; n++) {
		uint64_t r = xorshift(&seed);
		/* unicast, and never 02:00:..., the known hosts' prefix */
		uint8_t mac[6] = { 0x06, (uint8_t)(r >> 8), (uint8_t)(r >> 16),
				   (uint8_t)(r >> 24), (uint8_t)(r >> 32), (uint8_t)(r >> 40) };

		fdb_learn(f, mac, 0, 9, 1 + n / 1000);
	}
	struct fdb_stats st = fdb_stats(f);
	assert_int_equal(st.full_drops, FLOOD);
	assert_int_equal(st.entries, CAP);
	assert_int_equal(st.learned, CAP);
	for (uint32_t id = 0; id < CAP; id++)
		assert_int_equal(lookup(f, id, 0, 1000), (int)(id % 7));
	fdb_free(f);
}

static void full_table_reclaims_expired_entries(void **state)
{
	enum { CAP = 256 };
	struct fdb *f = fdb_new(CAP, AGING);
	(void)state;
	for (uint32_t id = 0; id < CAP; id++)
		learn(f, id, 0, 1, 0);
	learn(f, CAP, 0, 2, AGING - 1); /* all still live: refused */
	assert_int_equal(lookup(f, CAP, 0, AGING - 1), -1);
	assert_int_equal(fdb_stats(f).full_drops, 1);
	for (uint32_t id = CAP; id < 2 * CAP; id++)
		learn(f, id, 0, 2, AGING);
	for (uint32_t id = CAP; id < 2 * CAP; id++)
		assert_int_equal(lookup(f, id, 0, AGING), 2);
	for (uint32_t id = 0; id < CAP; id++)
		assert_int_equal(lookup(f, id, 0, AGING), -1);
	struct fdb_stats st = fdb_stats(f);
	assert_int_equal(st.full_drops, 1);
	assert_int_equal(st.entries, CAP);
	assert_int_equal(fdb_age(f, AGING), 0); /* nothing expired is left */
	fdb_free(f);
}

static void flush_port_forgets_only_that_port(void **state)
{
	struct fdb *f = fdb_new(256, AGING);
	(void)state;
	for (uint32_t id = 0; id < 90; id++)
		learn(f, id, 0, id % 3, 0);
	fdb_flush_port(f, 1);
	for (uint32_t id = 0; id < 90; id++)
		assert_int_equal(lookup(f, id, 0, 0), id % 3 == 1 ? -1 : (int)(id % 3));
	assert_int_equal(fdb_stats(f).entries, 60);
	learn(f, 1, 0, 1, 0); /* and learns it again */
	assert_int_equal(lookup(f, 1, 0, 0), 1);
	fdb_flush(f);
	assert_int_equal(fdb_stats(f).entries, 0);
	assert_int_equal(lookup(f, 0, 0, 0), -1);
	fdb_free(f);
}

struct seen_entry {
	unsigned count;
	uint8_t mac[6];
	uint16_t vlan;
	uint32_t port;
	uint64_t age;
};

static void collect(void *arg, const uint8_t mac[6], uint16_t vlan,
		    uint32_t port, uint64_t age_ms)
{
	struct seen_entry *s = arg;

	memcpy(s->mac, mac, 6);
	s->vlan = vlan;
	s->port = port;
	s->age = age_ms;
	s->count++;
}

static void foreach_shows_live_entries_with_their_age(void **state)
{
	struct fdb *f = fdb_new(64, AGING);
	struct seen_entry s = { 0 };
	uint8_t want[6];
	(void)state;
	learn(f, 1, 0, 1, 0);            /* expired by 1500 */
	learn(f, 0xa0b0c0d, 42, 7, 800);
	fdb_foreach(f, collect, &s, 1500);
	assert_int_equal(s.count, 1);
	host_mac(want, 0xa0b0c0d);
	assert_memory_equal(s.mac, want, 6);
	assert_int_equal(s.vlan, 42);
	assert_int_equal(s.port, 7);
	assert_int_equal(s.age, 700);
	fdb_free(f);
}

static void fills_to_capacity_without_refusing(void **state)
{
	enum { CAP = 100000 };
	struct fdb *f = fdb_new(CAP, AGING);
	(void)state;
	for (uint32_t id = 0; id < CAP; id++)
		learn(f, id, 0, 1, 0); /* sequential MACs, as hypervisors hand out */
	assert_int_equal(fdb_stats(f).entries, CAP);
	assert_int_equal(fdb_stats(f).full_drops, 0);
	fdb_free(f);
}

/*
 * Concurrency: host `id` is only ever learned on VLAN id % 7 and on ports
 * race_port(id, 0..RACE_VARIANTS-1), so a lookup answer that belongs to
 * another host or is an emptied slot's 0 (a torn key/port read), or that
 * comes from another VLAN, shows.  One writer inserts, moves, deletes
 * (flush_port of a host's possible port, aging on a moving clock, rarely a
 * flush) with the table mostly full; two workers look up and refresh.
 */
#define RACE_HOSTS 64
#define RACE_CAP 32
#define RACE_VARIANTS 2

struct race {
	struct fdb *f;
	_Atomic uint64_t now;
	atomic_bool stop;
	_Atomic unsigned long bad, hits, lookups;
};

static uint16_t race_vlan(uint32_t id)
{
	return (uint16_t)(id % 7);
}

static uint32_t race_port(uint32_t id, uint64_t variant)
{
	return (id + 1) * 16 + (uint32_t)(variant % RACE_VARIANTS);
}

static void *race_worker(void *arg)
{
	struct race *r = arg;
	uint64_t seed = (uintptr_t)&seed | 1;
	unsigned long bad = 0, hits = 0, n = 0;

	while (!atomic_load(&r->stop)) {
		uint32_t id = (uint32_t)(xorshift(&seed) % RACE_HOSTS);
		uint64_t now = atomic_load_explicit(&r->now, memory_order_relaxed);
		int port = lookup(r->f, id, race_vlan(id), now);

		n++;
		if (port >= 0) {
			hits++;
			bad += (uint32_t)port / 16 != id + 1;
			learn(r->f, id, race_vlan(id), (uint32_t)port, now);
		}
		bad += lookup(r->f, id, race_vlan(id) + 1, now) != -1;
	}
	atomic_fetch_add(&r->bad, bad);
	atomic_fetch_add(&r->hits, hits);
	atomic_fetch_add(&r->lookups, n);
	return NULL;
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void lookups_racing_a_writer_never_see_torn_entries(void **state)
{
	struct race r = { .f = fdb_new(RACE_CAP, 20) };
	uint64_t seed = 12345;
	unsigned long writes = 0;
	pthread_t t[2];
	double end = seconds() + 1.0;
	(void)state;
	assert_non_null(r.f);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_worker, &r), 0);
	while (seconds() < end) {
		uint64_t x = xorshift(&seed);
		uint32_t id = (uint32_t)(x % RACE_HOSTS);
		uint64_t now = atomic_load(&r.now);

		if (x >> 62 == 0)
			fdb_flush_port(r.f, race_port(id, x >> 8));
		else if (x >> 52 == 0x100)
			fdb_age(r.f, now);
		else if (x >> 44 == 0x20000)
			fdb_flush(r.f);
		else
			learn(r.f, id, race_vlan(id), race_port(id, x >> 40), now);
		if (++writes % 32 == 0)
			atomic_store(&r.now, now + 1);
	}
	atomic_store(&r.stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	struct fdb_stats st = fdb_stats(r.f);
	print_message("# %lu writes, %lu lookups, %lu hits, %lu learned, %lu moved, %lu full drops\n",
		      writes, r.lookups, r.hits, (unsigned long)st.learned,
		      (unsigned long)st.moved, (unsigned long)st.full_drops);
	assert_int_equal(r.bad, 0);
	assert_true(r.hits > 1000);
	assert_true(st.moved > 0 && st.full_drops > 0);
	assert_true(st.entries <= RACE_CAP);
	fdb_free(r.f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rejects_bad_parameters),
		cmocka_unit_test(learns_and_looks_up_a_host),
		cmocka_unit_test(moves_a_host_seen_on_another_port),
		cmocka_unit_test(forgets_a_silent_host_after_the_aging_time),
		cmocka_unit_test(refreshes_at_most_every_sixteenth_of_the_aging_time),
		cmocka_unit_test(vlan_separates_identical_macs),
		cmocka_unit_test(never_learns_multicast_broadcast_or_zero_sources),
		cmocka_unit_test(full_table_keeps_known_hosts_under_a_flood),
		cmocka_unit_test(full_table_reclaims_expired_entries),
		cmocka_unit_test(flush_port_forgets_only_that_port),
		cmocka_unit_test(foreach_shows_live_entries_with_their_age),
		cmocka_unit_test(fills_to_capacity_without_refusing),
		cmocka_unit_test(lookups_racing_a_writer_never_see_torn_entries),
	};
	return cmocka_run_group_tests_name("fdb", tests, NULL, NULL);
}
