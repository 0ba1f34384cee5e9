/* SPDX-License-Identifier: MIT */
/*
 * Forwarding a burst: one pass over the frames sorts them by destination
 * port (checking port security and learning sources on the way), then
 * each destination gets its frames in one tx_burst() call.
 *
 * A port's configuration (VLAN mode, MAC limit, port security, policing)
 * is read through one pointer per burst for the ingress port and one per
 * frame and destination for egress; a port without port security pays one
 * predictable branch per frame for it, one without policing one per burst.
 * What happens to each frame is decided by switch/decide.h's functions,
 * which `uvnetctl trace` (trace.c) calls too.
 */
#include "switch/bridge.h"

#include "switch/decide.h"

#include "util/counter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct bridge *bridge_new(const char *name)
{
	struct bridge *br = calloc(1, sizeof(*br));

	if (!br)
		return NULL;
	snprintf(br->name, sizeof(br->name), "%s", name);
	br->fdb = fdb_new(BRIDGE_FDB_SIZE, BRIDGE_AGING_MS);
	if (!br->fdb) {
		free(br);
		return NULL;
	}
	return br;
}

void bridge_free(struct bridge *br)
{
	for (unsigned i = 0; i < BRIDGE_MAX_PORTS; i++) {
		free(br->cfg[i]);
		free(br->counters[i]);
		free(br->police[i]);
	}
	fdb_free(br->fdb);
	free(br);
}

void bridge_port_cfg_init(struct bridge_port_cfg *c)
{
	memset(c, 0, sizeof(*c));
	port_vlan_init(&c->vlan);
}

static struct bridge_port_cfg *cfg_dup(const struct bridge_port_cfg *cfg)
{
	struct bridge_port_cfg *c = malloc(sizeof(*c));

	if (c)
		*c = *cfg;
	return c;
}

int bridge_add_port(struct bridge *br, struct port *p, const struct bridge_port_cfg *cfg)
{
	for (unsigned i = 0; i < BRIDGE_MAX_PORTS; i++) {
		struct bridge_port_cfg *c;
		struct bridge_port_counters *cnt;
		struct police_bucket *pb;

		/* a slot whose last port is not forgotten yet is not free */
		if (br->ports[i] || br->cfg[i])
			continue;
		c = cfg_dup(cfg);
		cnt = aligned_alloc(64, PORT_SLOTS * sizeof(*cnt));
		pb = aligned_alloc(64, sizeof(*pb));
		if (!c || !cnt || !pb) {
			free(c);
			free(cnt);
			free(pb);
			return -ENOMEM;
		}
		memset(cnt, 0, PORT_SLOTS * sizeof(*cnt));
		memset(pb, 0, sizeof(*pb));
		p->index = i;
		br->counters[i] = cnt;
		br->police[i] = pb;
		__atomic_store_n(&br->cfg[i], c, __ATOMIC_RELEASE);
		__atomic_store_n(&br->ports[i], p, __ATOMIC_RELEASE);
		if (i >= br->nslots)
			__atomic_store_n(&br->nslots, i + 1, __ATOMIC_RELEASE);
		/* last: workers poll a port's queues only once it has a bridge */
		__atomic_store_n(&p->bridge, br, __ATOMIC_RELEASE);
		return 0;
	}
	return -ENOSPC;
}

void bridge_remove_port(struct bridge *br, struct port *p)
{
	__atomic_store_n(&p->bridge, NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&br->ports[p->index], NULL, __ATOMIC_RELEASE);
}

void bridge_forget_port(struct bridge *br, struct port *p)
{
	fdb_flush_port(br->fdb, p->index);
	free(br->cfg[p->index]);
	free(br->counters[p->index]);
	free(br->police[p->index]);
	br->cfg[p->index] = NULL;
	br->counters[p->index] = NULL;
	br->police[p->index] = NULL;
}

int bridge_set_port_cfg(struct bridge *br, struct port *p, const struct bridge_port_cfg *cfg,
			struct bridge_port_cfg **old)
{
	struct bridge_port_cfg *c = cfg_dup(cfg);

	if (!c)
		return -ENOMEM;
	*old = __atomic_exchange_n(&br->cfg[p->index], c, __ATOMIC_ACQ_REL);
	if ((*old)->police.rate_kbps != c->police.rate_kbps ||
	    (*old)->police.burst_kbit != c->police.burst_kbit)
		police_reset(br->police[p->index]);
	return 0;
}

const struct bridge_port_cfg *bridge_port_cfg(const struct bridge *br, const struct port *p)
{
	return br->cfg[p->index];
}

const struct police_bucket *bridge_port_bucket(const struct bridge *br, const struct port *p)
{
	return br->police[p->index];
}

struct bridge_port_counters bridge_port_counters(const struct bridge *br, const struct port *p)
{
	const struct bridge_port_counters *c = br->counters[p->index];
	struct bridge_port_counters sum;

	memset(&sum, 0, sizeof(sum));
	for (unsigned i = 0; c && i < PORT_SLOTS; i++) {
		for (unsigned r = 0; r < PORT_SEC_NREASONS; r++)
			sum.sec_drops[r] += __atomic_load_n(&c[i].sec_drops[r], __ATOMIC_RELAXED);
		sum.mac_limit += __atomic_load_n(&c[i].mac_limit, __ATOMIC_RELAXED);
		sum.fdb_full += __atomic_load_n(&c[i].fdb_full, __ATOMIC_RELAXED);
		sum.policing += __atomic_load_n(&c[i].policing, __ATOMIC_RELAXED);
	}
	return sum;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts); /* vDSO: no syscall */
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Queue frame f for port slot i, if that port takes its VLAN and size. */
static void enqueue(struct fwd_scratch *s, struct bridge *br, unsigned i, struct frame *f)
{
	struct port *p = __atomic_load_n(&br->ports[i], __ATOMIC_ACQUIRE);
	const struct bridge_port_cfg *c;
	enum decide_egress d;
	bool tagged;

	if (!p)
		return;
	/* published before the port, freed only after a worker sync; set-port
	 * may change the MTU */
	c = __atomic_load_n(&br->cfg[i], __ATOMIC_ACQUIRE);
	d = decide_egress(c, __atomic_load_n(&p->mtu, __ATOMIC_RELAXED), f, &tagged);
	if (d != DECIDE_EGRESS_OK) {
		if (d == DECIDE_EGRESS_MTU)
			port_count(port_tx(p, s->worker), 0, 0, 1, 0);
		return;
	}
	if (s->count[i] == 0)
		s->touched[s->ntouched++] = (uint16_t)i;
	s->tagged[i][s->count[i]] = tagged;
	s->f[i][s->count[i]++] = f;
}

static void flood(struct fwd_scratch *s, struct bridge *br, unsigned in, struct frame *f)
{
	unsigned n = __atomic_load_n(&br->nslots, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < n; i++)
		if (i != in)
			enqueue(s, br, i, f);
}

/*
 * The frames of a burst mostly share their addresses (one flow, or a few):
 * remember the last source learned and the last destination looked up, so
 * that a run of equal frames costs the table one learn and one lookup.
 * The table cannot usefully change within a burst (microseconds).
 */
struct fwd_memo {
	uint64_t src, dst;       /* memo_key()s, 0: none yet */
	int dst_port;
};

/* Two loads into registers: a 6-byte copy into a 64-bit local would be
 * read back from the stack before its stores could forward (a stall). */
static inline uint64_t memo_key(const uint8_t mac[6], uint16_t vlan)
{
	uint32_t hi;
	uint16_t lo;

	memcpy(&hi, mac, 4);
	memcpy(&lo, mac + 4, 2);
	return (uint64_t)hi << 32 | (uint64_t)lo << 16 | (uint64_t)vlan << 1 | 1; /* never 0 */
}

/* The ingress port of a burst: its configuration and its counter slot. */
struct fwd_in {
	struct port *port;
	const struct bridge_port_cfg *cfg;
	struct bridge_port_counters *cnt;
};

static inline __attribute__((always_inline)) void learn(struct fwd_memo *m, struct bridge *br, const struct fwd_in *in,
		  const struct frame *f, uint64_t now)
{
	uint64_t k = memo_key(frame_src(f), f->vlan);
	int rc;

	if (k == m->src)
		return;
	m->src = k;
	if (k == m->dst)
		m->dst = 0; /* it may have moved here: look it up again */
	rc = fdb_learn_limited(br->fdb, frame_src(f), f->vlan, in->port->index, in->cfg->max_macs,
			       now);
	if (__builtin_expect(rc != 0, 0)) {
		if (rc == -EDQUOT)
			counter_add(&in->cnt->mac_limit, 1);
		else
			counter_add(&in->cnt->fdb_full, 1);
	}
}

static inline __attribute__((always_inline)) int lookup(struct fwd_memo *m, struct bridge *br, const struct frame *f, uint64_t now)
{
	uint64_t k;

	if (frame_dst_is_multicast(f))
		return -1;
	k = memo_key(frame_dst(f), f->vlan);
	if (k != m->dst) {
		m->dst = k;
		m->dst_port = decide_dst(br->fdb, f, now);
	}
	return m->dst_port;
}

/* Decide where one frame goes; false if it is dropped at ingress.  Inlined
 * in both loops of bridge_forward (a call per frame costs ~25
 * instructions: callgrind-ir.sh 64 went from 606 to 631). */
static inline __attribute__((always_inline)) bool classify(struct fwd_scratch *s, struct fwd_memo *m, struct bridge *br,
		     const struct fwd_in *in, struct frame *f, uint64_t now)
{
	unsigned idx = in->port->index;
	enum port_sec_reason r;
	int dst;

	if (!decide_ingress(in->cfg, f, idx))
		return false;
	r = decide_security(in->cfg, f);
	if (r != PORT_SEC_PASS) {
		counter_add(&in->cnt->sec_drops[r], 1);
		return false;
	}
	learn(m, br, in, f, now);
	dst = lookup(m, br, f, now);
	if (dst < 0)
		flood(s, br, idx, f);
	else if ((unsigned)dst != idx) /* never back out where it came from */
		enqueue(s, br, (unsigned)dst, f);
	return true;
}

/* A burst some of whose frames policing dropped (bit i of pass clear):
 * those are not looked at.  The frames dropped. */
static unsigned forward_some(struct fwd_scratch *s, struct fwd_memo *m, struct bridge *br,
			     const struct fwd_in *in, struct frame *f, unsigned n, uint32_t pass,
			     uint64_t now)
{
	unsigned dropped = n - (unsigned)__builtin_popcount(pass);

	counter_add(&in->cnt->policing, dropped);
	for (unsigned i = 0; i < n; i++)
		if (pass >> i & 1 && !classify(s, m, br, in, &f[i], now))
			dropped++;
	return dropped;
}

void bridge_forward(struct fwd_scratch *s, struct port *in, struct frame *f, unsigned n,
		    unsigned worker)
{
	struct bridge *br = __atomic_load_n(&in->bridge, __ATOMIC_ACQUIRE);
	uint64_t now = now_ms();
	struct fwd_memo memo = { 0 };
	struct fwd_in fin;
	unsigned dropped = 0;
	uint32_t pass;

	if (!br)
		return; /* being removed */
	/* one configuration for the whole burst: set-port swaps it whole */
	fin.port = in;
	fin.cfg = __atomic_load_n(&br->cfg[in->index], __ATOMIC_ACQUIRE);
	fin.cnt = &br->counters[in->index][worker];
	s->ntouched = 0;
	s->worker = worker;
	/* policing first: what it drops nobody else sees (one branch a
	 * burst for a port without it) */
	if (__builtin_expect(fin.cfg->police.rate_kbps != 0, 0) &&
	    (pass = police_burst(&fin.cfg->police, br->police[in->index], f, n, police_now())) !=
		    police_all(n))
		dropped = forward_some(s, &memo, br, &fin, f, n, pass, now);
	else
		for (unsigned i = 0; i < n; i++)
			if (!classify(s, &memo, br, &fin, &f[i], now))
				dropped++;
	if (dropped)
		port_count(port_rx(in, worker), 0, 0, dropped, 0);
	for (unsigned t = 0; t < s->ntouched; t++) {
		unsigned i = s->touched[t];
		struct port *p = __atomic_load_n(&br->ports[i], __ATOMIC_ACQUIRE);

		if (p) /* removed meanwhile: its destruction waits for this burst */
			p->ops->tx_burst(p, worker, s->f[i], s->tagged[i], s->count[i]);
		s->count[i] = 0;
	}
}
