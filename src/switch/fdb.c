/* SPDX-License-Identifier: MIT */
/*
 * Forwarding database: a bucketed two-choice hash table.
 *
 * Layout.  A key packs (MAC, VLAN) into 64 bits, with KEY_USED set so that 0
 * means an empty slot.  A hash keyed with 256 random bits per table maps a
 * key to two buckets of FDB_WAYS slots; an entry lives in either.
 * A bucket is two cache lines: keys, ports and sequence counters in the
 * first (all a lookup compares), last-learned times in the second (all a
 * refresh writes), so refreshes never dirty the line other workers scan.
 * There are at least twice as many slots as `capacity`; a new entry goes
 * to the emptier of its buckets, and when both are full one resident is
 * moved to its other bucket (one step of cuckoo hashing).  At that load,
 * a table of random keys fills to capacity without refusing any.
 *
 * A full table reclaims expired entries: first those in the new key's two
 * buckets, then, if the oldest entry may have expired, all of them in one
 * pass.  `oldest` is a lower bound of the entries' times (a pass makes it
 * exact), so a flood of new MACs into a table of live hosts is refused at
 * the cost of one comparison each, and passes happen at most once per ms
 * of clock.  (A refresh from a worker whose clock lags may store a time a
 * little below `oldest`; that entry is then reclaimed that much later.)
 * A lookup reads the key line of one or both buckets, and on a hit the
 * time line of the bucket holding it: two or three cache lines.
 *
 * Writers: every change to a slot's key or port happens under `lock`, as a
 * seqlock write: seq becomes odd, key/port/seen are stored, seq becomes even
 * again.  So writers never race each other, and `oldest` and the counts
 * need no atomics of their own (the counts are atomic only so that
 * fdb_stats() may read them without the lock).
 *
 * Readers take no lock.  Memory ordering, in C11 terms:
 *  - writer: seq := s + 1 (relaxed); key, port, seen := ... (release
 *    each); seq := s + 2 (release).  Each release store keeps the odd seq
 *    store before it.
 *  - reader: s1 := seq (acquire); key, port, seen (acquire each);
 *    s2 := seq (relaxed).  A data load that returns the value of some
 *    write W synchronizes with W's release store, so W's odd seq store
 *    happens before the s2 load: s2 is W's odd value or later, and differs
 *    from s1 unless s1 already read W's final even value, whose acquire in
 *    turn made all of W's data visible.  The acquire data loads also keep
 *    the s2 load from moving above them.  So s1 == s2, even, means the
 *    key/port/seen triple came from one write (or seen from a later
 *    refresh of it, as good): never a torn key/port.
 *  No standalone fences: on x86 all of this compiles to plain moves, and
 *  ThreadSanitizer understands it.  A reader that finds the slot odd or
 *  changed treats it as a miss rather than spinning on a writer that may
 *  have been preempted.
 *  - refresh: a reader that found its entry on the same port stores `seen`
 *    (relaxed) outside the seqlock, only when the stored time is older
 *    than refresh_ms, so a busy host costs one store a second, not one per
 *    packet.  That store may land after a writer reused or emptied the
 *    slot: it then gives a fresh entry a time it already had (about now),
 *    or sets the time of an empty slot, which no one reads.  If it lands
 *    after fdb_age() removed the entry, the next packet learns it again.
 */
#include "switch/fdb.h"

#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define FDB_WAYS 4           /* slots per bucket */
#define FDB_VLAN_MAX 4095
#define KEY_USED 0x8000u     /* in every stored key, so that 0 means empty */

struct fdb_bucket {
	_Atomic uint64_t key[FDB_WAYS];
	_Atomic uint32_t port[FDB_WAYS];
	_Atomic uint32_t seq[FDB_WAYS];
	alignas(64) _Atomic uint64_t seen[FDB_WAYS];
};

struct fdb {
	/* Read by every lookup, written only by fdb_new(). */
	struct fdb_bucket *buckets;
	size_t mask;             /* number of buckets - 1 */
	uint64_t seed[4];        /* hash key */
	unsigned capacity;
	unsigned aging_ms;
	unsigned refresh_ms;     /* how stale `seen` gets before a refresh stores it */

	/* Writers' line. */
	alignas(64) pthread_mutex_t lock;
	uint64_t oldest;         /* lower bound of every entry's `seen` */
	_Atomic unsigned entries;
	_Atomic uint64_t learned, moved, full_drops;
	_Atomic unsigned *per_port;  /* entries per port < FDB_COUNTED_PORTS */
};

/* A slot found holding a key, and what it held. */
struct fdb_hit {
	struct fdb_bucket *b;
	unsigned i;
	uint32_t port;
	uint64_t seen;
};

static inline uint64_t rotl(uint64_t x, unsigned b)
{
	return x << b | x >> (64 - b);
}

static inline uint64_t mix(uint64_t a, uint64_t b)
{
	__uint128_t p = (__uint128_t)a * b;

	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

/*
 * Keyed hash of one 64-bit word: wyhash's construction, with all four of
 * its constants random per table.  Not a cryptographic PRF: SipHash-1-3
 * costs several times as much, twice per packet.  What an attacker
 * would gain from collisions is bounded anyway: a full pair of buckets
 * only refuses new MACs; it never evicts known hosts nor slows lookups.
 */
static inline uint64_t hash(const struct fdb *f, uint64_t m)
{
	__uint128_t p = (__uint128_t)(m ^ f->seed[0]) * (rotl(m, 32) ^ f->seed[1]);

	return mix((uint64_t)p ^ f->seed[2], (uint64_t)(p >> 64) ^ f->seed[3]);
}

/* MAC bytes 0-3 in bits 63-32, 4-5 in 31-16 (in host byte order: two loads). */
static inline uint64_t make_key(const uint8_t mac[6], uint16_t vlan)
{
	uint32_t hi;
	uint16_t lo;

	memcpy(&hi, mac, 4);
	memcpy(&lo, mac + 4, 2);
	return (uint64_t)hi << 32 | (uint64_t)lo << 16 | KEY_USED | vlan;
}

static void key_mac(uint64_t key, uint8_t mac[6])
{
	uint32_t hi = (uint32_t)(key >> 32);
	uint16_t lo = (uint16_t)(key >> 16);

	memcpy(mac, &hi, 4);
	memcpy(mac + 4, &lo, 2);
}

static inline struct fdb_bucket *bucket1(const struct fdb *f, uint64_t h)
{
	return &f->buckets[h & f->mask];
}

static inline struct fdb_bucket *bucket2(const struct fdb *f, uint64_t h)
{
	return &f->buckets[(h >> 32) & f->mask];
}

static inline bool expired(const struct fdb *f, uint64_t seen, uint64_t now)
{
	return now >= seen && now - seen >= f->aging_ms;
}

static inline uint64_t load(const _Atomic uint64_t *p)
{
	return atomic_load_explicit(p, memory_order_relaxed);
}

static inline void bump(_Atomic uint64_t *counter)
{
	atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

/* Seqlock read of slot i: false unless it holds `key` and no writer was at it. */
static inline bool slot_read(const struct fdb_bucket *b, unsigned i,
			     uint64_t key, uint32_t *port, uint64_t *seen)
{
	uint32_t s = atomic_load_explicit(&b->seq[i], memory_order_acquire);
	uint64_t k = atomic_load_explicit(&b->key[i], memory_order_acquire);

	*port = atomic_load_explicit(&b->port[i], memory_order_acquire);
	*seen = atomic_load_explicit(&b->seen[i], memory_order_acquire);
	return !(s & 1) && k == key &&
	       atomic_load_explicit(&b->seq[i], memory_order_relaxed) == s;
}

/* Seqlock write of slot i; caller holds the lock. */
static void slot_write(struct fdb_bucket *b, unsigned i, uint64_t key,
		       uint32_t port, uint64_t seen)
{
	uint32_t s = atomic_load_explicit(&b->seq[i], memory_order_relaxed);

	atomic_store_explicit(&b->seq[i], s + 1, memory_order_relaxed);
	atomic_store_explicit(&b->key[i], key, memory_order_release);
	atomic_store_explicit(&b->port[i], port, memory_order_release);
	atomic_store_explicit(&b->seen[i], seen, memory_order_release);
	atomic_store_explicit(&b->seq[i], s + 2, memory_order_release);
}

/* Count one entry more (+1) or less (-1) on `port`; caller holds the lock. */
static void port_add(struct fdb *f, uint32_t port, int d)
{
	if (port < FDB_COUNTED_PORTS)
		atomic_store_explicit(&f->per_port[port],
				      atomic_load_explicit(&f->per_port[port], memory_order_relaxed) +
				      (unsigned)d, memory_order_relaxed);
}

/* Store an entry learned at `now` in slot i (empty: `was_used` false),
 * keeping f->oldest a lower bound and the per-port counts. */
static void put_entry(struct fdb *f, struct fdb_bucket *b, unsigned i, bool was_used,
		      uint64_t key, uint32_t port, uint64_t now)
{
	if (was_used)
		port_add(f, atomic_load_explicit(&b->port[i], memory_order_relaxed), -1);
	port_add(f, port, +1);
	slot_write(b, i, key, port, now);
	if (now < f->oldest)
		f->oldest = now;
}

static void slot_erase(struct fdb *f, struct fdb_bucket *b, unsigned i)
{
	port_add(f, atomic_load_explicit(&b->port[i], memory_order_relaxed), -1);
	slot_write(b, i, 0, 0, 0);
	atomic_fetch_sub_explicit(&f->entries, 1, memory_order_relaxed);
}

static inline bool find_in(struct fdb_bucket *b, uint64_t key,
			   struct fdb_hit *hit)
{
	unsigned match = 0;

	/* Compare all ways without branching, then read the match (if any). */
	for (unsigned i = 0; i < FDB_WAYS; i++)
		match |= (unsigned)(load(&b->key[i]) == key) << i;
	for (; match; match &= match - 1) {
		unsigned i = (unsigned)__builtin_ctz(match);

		if (slot_read(b, i, key, &hit->port, &hit->seen)) {
			hit->b = b;
			hit->i = i;
			return true;
		}
	}
	return false;
}

static inline bool find(const struct fdb *f, uint64_t key, uint64_t h,
			struct fdb_hit *hit)
{
	return find_in(bucket1(f, h), key, hit) ||
	       find_in(bucket2(f, h), key, hit);
}

static void refresh(const struct fdb *f, const struct fdb_hit *hit, uint64_t now)
{
	if (now > hit->seen && now - hit->seen >= f->refresh_ms)
		atomic_store_explicit(&hit->b->seen[hit->i], now,
				      memory_order_relaxed);
}

/* Remove the expired entries of b; returns how many. */
static unsigned reap(struct fdb *f, struct fdb_bucket *b, uint64_t now)
{
	unsigned n = 0;

	for (unsigned i = 0; i < FDB_WAYS; i++) {
		if (load(&b->key[i]) && expired(f, load(&b->seen[i]), now)) {
			slot_erase(f, b, i);
			n++;
		}
	}
	return n;
}

/* Index of b's first empty slot, or -1. */
static int free_slot(const struct fdb_bucket *b)
{
	for (unsigned i = 0; i < FDB_WAYS; i++)
		if (!load(&b->key[i]))
			return (int)i;
	return -1;
}

static unsigned used(const struct fdb_bucket *b)
{
	unsigned n = 0;

	for (unsigned i = 0; i < FDB_WAYS; i++)
		n += load(&b->key[i]) != 0;
	return n;
}

/*
 * Free a slot of the full bucket b by moving one of its entries to that
 * entry's other bucket: copy first, then erase, so that the entry is never
 * absent from both.  Returns the freed slot or -1.
 */
static int kick(struct fdb *f, struct fdb_bucket *b, uint64_t now)
{
	for (unsigned i = 0; i < FDB_WAYS; i++) {
		uint64_t key = load(&b->key[i]);
		uint64_t h = hash(f, key);
		struct fdb_bucket *alt = bucket1(f, h) == b ? bucket2(f, h) : bucket1(f, h);
		int j;

		if (alt == b)
			continue;
		reap(f, alt, now);
		j = free_slot(alt);
		if (j < 0)
			continue;
		slot_write(alt, (unsigned)j, key,
			   atomic_load_explicit(&b->port[i], memory_order_relaxed),
			   load(&b->seen[i]));
		slot_write(b, i, 0, 0, 0);
		return (int)i;
	}
	return -1;
}

/* Remove every expired entry and note the oldest time left; returns how many. */
static unsigned reap_all(struct fdb *f, uint64_t now)
{
	uint64_t oldest = UINT64_MAX;
	unsigned n = 0;

	for (size_t k = 0; k <= f->mask; k++) {
		struct fdb_bucket *b = &f->buckets[k];

		n += reap(f, b, now);
		for (unsigned i = 0; i < FDB_WAYS; i++)
			if (load(&b->key[i]) && load(&b->seen[i]) < oldest)
				oldest = load(&b->seen[i]);
	}
	f->oldest = oldest;
	return n;
}

static bool full(const struct fdb *f)
{
	return atomic_load_explicit(&f->entries, memory_order_relaxed) >= f->capacity;
}

static int insert(struct fdb *f, uint64_t key, uint64_t h, uint32_t port,
		  uint64_t now)
{
	struct fdb_bucket *b1 = bucket1(f, h), *b2 = bucket2(f, h), *b;
	int i1, i2, i;

	reap(f, b1, now);
	reap(f, b2, now);
	if (full(f) && expired(f, f->oldest, now))
		reap_all(f, now);
	if (full(f)) {
		bump(&f->full_drops);
		return -ENOSPC;
	}
	i1 = free_slot(b1);
	i2 = free_slot(b2);
	if (i2 >= 0 && (i1 < 0 || used(b2) < used(b1))) {
		b = b2;
		i = i2;
	} else {
		b = b1;
		i = i1;
	}
	if (i < 0) {
		b = b1;
		i = kick(f, b1, now);
	}
	if (i < 0) {
		b = b2;
		i = kick(f, b2, now);
	}
	if (i < 0) {
		bump(&f->full_drops);
		return -ENOSPC;
	}
	put_entry(f, b, (unsigned)i, false, key, port, now);
	atomic_fetch_add_explicit(&f->entries, 1, memory_order_relaxed);
	bump(&f->learned);
	return 0;
}

/* May one more entry go to `port`?  Expired entries are reclaimed first
 * (at most one pass per ms of clock, as for a full table). */
static bool port_has_room(struct fdb *f, uint32_t port, unsigned max, uint64_t now)
{
	if (!max || port >= FDB_COUNTED_PORTS)
		return true;
	if (atomic_load_explicit(&f->per_port[port], memory_order_relaxed) >= max &&
	    expired(f, f->oldest, now))
		reap_all(f, now);
	return atomic_load_explicit(&f->per_port[port], memory_order_relaxed) < max;
}

static int learn_locked(struct fdb *f, uint64_t key, uint64_t h,
			uint32_t port, unsigned max, uint64_t now)
{
	struct fdb_hit hit;

	if (!find(f, key, h, &hit)) {
		if (!port_has_room(f, port, max, now))
			return -EDQUOT;
		return insert(f, key, h, port, now);
	}
	if (hit.port == port && !expired(f, hit.seen, now)) {
		refresh(f, &hit, now);
		return 0;
	}
	if (hit.port != port && !port_has_room(f, port, max, now))
		return -EDQUOT;
	/* reap_all() may have emptied the slot: look again */
	if (!find(f, key, h, &hit))
		return insert(f, key, h, port, now);
	put_entry(f, hit.b, hit.i, true, key, port, now);
	if (expired(f, hit.seen, now))
		bump(&f->learned);
	else
		bump(&f->moved);
	return 0;
}

static inline bool learnable(const uint8_t mac[6], uint16_t vlan, uint32_t port)
{
	static const uint8_t zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6) != 0 &&
	       vlan <= FDB_VLAN_MAX && port <= FDB_PORT_MAX;
}

int fdb_learn_limited(struct fdb *f, const uint8_t mac[6], uint16_t vlan,
		      uint32_t port, unsigned max_macs, uint64_t now_ms)
{
	struct fdb_hit hit;
	uint64_t key, h;
	int rc;

	if (!learnable(mac, vlan, port))
		return 0;
	key = make_key(mac, vlan);
	h = hash(f, key);
	if (find(f, key, h, &hit) && hit.port == port &&
	    !expired(f, hit.seen, now_ms)) {
		refresh(f, &hit, now_ms);
		return 0;
	}
	pthread_mutex_lock(&f->lock);
	rc = learn_locked(f, key, h, port, max_macs, now_ms);
	pthread_mutex_unlock(&f->lock);
	return rc;
}

void fdb_learn(struct fdb *f, const uint8_t mac[6], uint16_t vlan,
	       uint32_t port, uint64_t now_ms)
{
	fdb_learn_limited(f, mac, vlan, port, 0, now_ms);
}

unsigned fdb_port_entries(const struct fdb *f, uint32_t port)
{
	return port < FDB_COUNTED_PORTS
		? atomic_load_explicit(&f->per_port[port], memory_order_relaxed) : 0;
}

int fdb_lookup(struct fdb *f, const uint8_t mac[6], uint16_t vlan,
	       uint64_t now_ms)
{
	struct fdb_hit hit;
	uint64_t key;

	if (vlan > FDB_VLAN_MAX)
		return -1;
	key = make_key(mac, vlan);
	if (!find(f, key, hash(f, key), &hit) || expired(f, hit.seen, now_ms))
		return -1;
	return (int)hit.port;
}

/* Erase every entry on `port`, or every entry at all. */
static void erase_port(struct fdb *f, bool all, uint32_t port)
{
	pthread_mutex_lock(&f->lock);
	for (size_t n = 0; n <= f->mask; n++) {
		struct fdb_bucket *b = &f->buckets[n];

		for (unsigned i = 0; i < FDB_WAYS; i++) {
			if (load(&b->key[i]) &&
			    (all || atomic_load_explicit(&b->port[i],
							 memory_order_relaxed) == port))
				slot_erase(f, b, i);
		}
	}
	pthread_mutex_unlock(&f->lock);
}

void fdb_flush_port(struct fdb *f, uint32_t port)
{
	erase_port(f, false, port);
}

void fdb_flush(struct fdb *f)
{
	erase_port(f, true, 0);
}

unsigned fdb_age(struct fdb *f, uint64_t now_ms)
{
	unsigned n;

	pthread_mutex_lock(&f->lock);
	n = reap_all(f, now_ms);
	pthread_mutex_unlock(&f->lock);
	return n;
}

void fdb_foreach(struct fdb *f,
		 void (*cb)(void *arg, const uint8_t mac[6], uint16_t vlan,
			    uint32_t port, uint64_t age_ms),
		 void *arg, uint64_t now_ms)
{
	pthread_mutex_lock(&f->lock);
	for (size_t n = 0; n <= f->mask; n++) {
		const struct fdb_bucket *b = &f->buckets[n];

		for (unsigned i = 0; i < FDB_WAYS; i++) {
			uint64_t key = load(&b->key[i]), seen = load(&b->seen[i]);
			uint8_t mac[6];

			if (!key || expired(f, seen, now_ms))
				continue;
			key_mac(key, mac);
			cb(arg, mac, (uint16_t)(key & FDB_VLAN_MAX),
			   atomic_load_explicit(&b->port[i], memory_order_relaxed),
			   now_ms > seen ? now_ms - seen : 0);
		}
	}
	pthread_mutex_unlock(&f->lock);
}

struct fdb_stats fdb_stats(const struct fdb *f)
{
	return (struct fdb_stats){
		.entries = atomic_load_explicit(&f->entries, memory_order_relaxed),
		.capacity = f->capacity,
		.learned = load(&f->learned),
		.moved = load(&f->moved),
		.full_drops = load(&f->full_drops),
	};
}

static unsigned clamp(unsigned v, unsigned lo, unsigned hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int random_seed(struct fdb *f)
{
	ssize_t n = getrandom(f->seed, sizeof(f->seed), 0);

	if (n < 0)
		return -errno;
	return (size_t)n == sizeof(f->seed) ? 0 : -EIO;
}

struct fdb *fdb_new(unsigned capacity, unsigned aging_ms)
{
	size_t nbuckets = 1;
	struct fdb *f;
	int err;

	if (capacity == 0 || capacity > FDB_MAX_CAPACITY || aging_ms == 0) {
		errno = EINVAL;
		return NULL;
	}
	/* Twice as many slots as entries: see the comment at the top. */
	while (nbuckets * FDB_WAYS < 2 * (size_t)capacity)
		nbuckets *= 2;
	f = aligned_alloc(alignof(struct fdb), sizeof(*f));
	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->buckets = aligned_alloc(alignof(struct fdb_bucket),
				   nbuckets * sizeof(struct fdb_bucket));
	f->per_port = calloc(FDB_COUNTED_PORTS, sizeof(*f->per_port));
	err = f->buckets && f->per_port ? random_seed(f) : -ENOMEM;
	if (err) {
		free(f->per_port);
		free(f->buckets);
		free(f);
		errno = -err;
		return NULL;
	}
	memset(f->buckets, 0, nbuckets * sizeof(struct fdb_bucket));
	f->mask = nbuckets - 1;
	f->capacity = capacity;
	f->aging_ms = aging_ms;
	f->refresh_ms = clamp(aging_ms / 16, 1, 1000);
	f->oldest = UINT64_MAX;
	pthread_mutex_init(&f->lock, NULL);
	return f;
}

void fdb_free(struct fdb *f)
{
	if (!f)
		return;
	pthread_mutex_destroy(&f->lock);
	free(f->per_port);
	free(f->buckets);
	free(f);
}
