/* SPDX-License-Identifier: MIT */
/*
 * Forwarding database (MAC learning table) of one bridge: which port a
 * (MAC, VLAN) pair was last seen on, forgotten after `aging_ms` of silence.
 *
 * The data path calls fdb_lookup() for every destination and fdb_learn()
 * for every source, from several worker threads at once.  A lookup, and a
 * learn that only confirms what the table already says, take no lock and
 * write nothing shared (at most one timestamp store per entry every
 * aging/16 ms, capped at one a second).  A learn that adds or moves an
 * entry, flushing and aging take the table's mutex.
 *
 * The table never grows past `capacity` entries, and a full table does not
 * evict live entries: a new MAC first reclaims an expired entry, else it is
 * refused (full_drops), so a guest flooding random source MACs cannot push
 * out known hosts.  Buckets are chosen by a hash keyed with a per-table
 * random secret, so a guest cannot aim its MACs at a known host's bucket.
 *
 * Times are the caller's monotonic clock in milliseconds; every call takes
 * `now_ms` so tests can drive a fake clock.
 */
#ifndef UVNET_SWITCH_FDB_H
#define UVNET_SWITCH_FDB_H

#include <stdint.h>

/* Largest capacity fdb_new() accepts. */
#define FDB_MAX_CAPACITY (1u << 24)
/* Ports above this are never learned: fdb_lookup() returns them as int. */
#define FDB_PORT_MAX INT32_MAX
/* Ports below this have their entries counted: fdb_learn_limited()'s limit. */
#define FDB_COUNTED_PORTS 1024

struct fdb;

struct fdb_stats {
	unsigned entries;     /* occupied, including expired not yet removed */
	unsigned capacity;
	uint64_t learned;     /* new entries */
	uint64_t moved;       /* live entries that changed port */
	uint64_t full_drops;  /* new MACs refused because the table was full */
};

/*
 * A table for up to `capacity` entries (1..FDB_MAX_CAPACITY) that forgets an
 * entry `aging_ms` (> 0) after it was last learned.  NULL with errno set
 * (EINVAL, ENOMEM, or whatever getrandom() failed with) on failure.
 */
struct fdb *fdb_new(unsigned capacity, unsigned aging_ms);
void fdb_free(struct fdb *fdb);

/*
 * Record that `mac` on `vlan` (0..4095) was seen as a source on `port`
 * (<= FDB_PORT_MAX): insert, refresh, or move it to `port`.  Multicast,
 * broadcast and all-zero MACs are ignored, and so are out-of-range VLANs
 * and ports.
 */
void fdb_learn(struct fdb *fdb, const uint8_t mac[6], uint16_t vlan,
	       uint32_t port, uint64_t now_ms);

/*
 * fdb_learn() for a port that may hold at most `max_macs` entries (0: no
 * limit; ports from FDB_COUNTED_PORTS up have none): a new MAC, or one
 * moving here, is refused while the port has that many live entries.
 * 0 (learned, refreshed or not learnable), -EDQUOT (the port's limit) or
 * -ENOSPC (the table is full: counted in full_drops too).
 */
int fdb_learn_limited(struct fdb *fdb, const uint8_t mac[6], uint16_t vlan,
		      uint32_t port, unsigned max_macs, uint64_t now_ms);

/* Entries on `port` (< FDB_COUNTED_PORTS), expired ones not yet removed included. */
unsigned fdb_port_entries(const struct fdb *fdb, uint32_t port);

/*
 * Port of (mac, vlan), or -1 if unknown or expired.  A lookup that races
 * with a writer rewriting that very entry may also miss: the caller floods
 * that packet as for any unknown destination.
 */
int fdb_lookup(struct fdb *fdb, const uint8_t mac[6], uint16_t vlan,
	       uint64_t now_ms);

/* Forget every entry on `port` (the port went away or changed VLANs). */
void fdb_flush_port(struct fdb *fdb, uint32_t port);
/* Forget everything. */
void fdb_flush(struct fdb *fdb);
/* Remove the entries expired at `now_ms`; returns how many. */
unsigned fdb_age(struct fdb *fdb, uint64_t now_ms);

/*
 * Call `cb` for every live entry, with its age (ms since last learned).
 * Runs under the table's lock: `cb` must not call back into this table.
 */
void fdb_foreach(struct fdb *fdb,
		 void (*cb)(void *arg, const uint8_t mac[6], uint16_t vlan,
			    uint32_t port, uint64_t age_ms),
		 void *arg, uint64_t now_ms);

struct fdb_stats fdb_stats(const struct fdb *fdb);

#endif
