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
		free(br->capture[i]);
	}
	free(br->mirrors);
	fdb_free(br->fdb);
	free(br);
}

void bridge_port_cfg_init(struct bridge_port_cfg *c)
{
	memset(c, 0, sizeof(*c));
	port_vlan_init(&c->vlan);
}

/* A copy of cfg for slot i, a learning one bound to the slot's latch. */
static struct bridge_port_cfg *cfg_dup(struct bridge *br, const struct bridge_port_cfg *cfg,
				       unsigned i)
{
	struct bridge_port_cfg *c = malloc(sizeof(*c));

	if (c) {
		*c = *cfg;
		c->sec.latch = c->secure && c->learn ? &br->latch[i] : NULL;
	}
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
		c = cfg_dup(br, cfg, i);
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
		__atomic_store_n(&br->latch[i], 0, __ATOMIC_RELAXED);
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
	struct bridge_port_cfg *c = cfg_dup(br, cfg, p->index);

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

uint64_t bridge_port_latch(const struct bridge *br, const struct port *p)
{
	return __atomic_load_n(&br->latch[p->index], __ATOMIC_ACQUIRE);
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

/* The bridge's observers changed: keep the count bursts test up to date. */
static void observe(struct bridge *br, const void *old, const void *now)
{
	unsigned n = br->observed + (now != NULL) - (old != NULL);

	__atomic_store_n(&br->observed, n, __ATOMIC_RELEASE);
}

struct port_capture_set *bridge_set_capture(struct bridge *br, struct port *p,
					    struct port_capture_set *set)
{
	struct port_capture_set *old = __atomic_exchange_n(&br->capture[p->index], set,
							   __ATOMIC_ACQ_REL);

	observe(br, old, set);
	return old;
}

struct mirror_table *bridge_set_mirrors(struct bridge *br, struct mirror_table *t)
{
	struct mirror_table *old = __atomic_exchange_n(&br->mirrors, t, __ATOMIC_ACQ_REL);

	observe(br, old, t);
	return old;
}

/* Queue frame f for port slot i, leaving tagged or not. */
static inline void queue(struct fwd_scratch *s, unsigned i, struct frame *f, bool tagged)
{
	if (s->count[i] == 0)
		s->touched[s->ntouched++] = (uint16_t)i;
	s->tagged[i][s->count[i]] = tagged;
	s->f[i][s->count[i]++] = f;
}

/*
 * Queue frame f for port slot i, if that port takes its VLAN and size.
 * mt: the bridge's mirrors (NULL on the plain path, where the compiler
 * drops the test), whose output ports take no part in switching.
 */
static inline __attribute__((always_inline)) void
enqueue(struct fwd_scratch *s, struct bridge *br, unsigned i, struct frame *f,
	const struct mirror_table *mt)
{
	struct port *p = __atomic_load_n(&br->ports[i], __ATOMIC_ACQUIRE);
	const struct bridge_port_cfg *c;
	enum decide_egress d;
	bool tagged;

	if (!p || (mt && mirror_is_output(mt, i)))
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
	queue(s, i, f, tagged);
}

static inline __attribute__((always_inline)) void
flood(struct fwd_scratch *s, struct bridge *br, unsigned in, struct frame *f,
      const struct mirror_table *mt)
{
	unsigned n = __atomic_load_n(&br->nslots, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < n; i++)
		if (i != in)
			enqueue(s, br, i, f, mt);
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

/* Is f queued for port slot i already?  A frame is queued at most once
 * per port, and the last one queued there if so (this frame's turn). */
static inline bool queued_for(const struct fwd_scratch *s, unsigned i, const struct frame *f)
{
	return s->count[i] && s->f[i][s->count[i] - 1] == f;
}

static bool queued_for_any(const struct fwd_scratch *s, const uint64_t *slots,
			   const struct frame *f)
{
	for (unsigned w = 0; w < MIRROR_PORTS / 64; w++)
		for (uint64_t bits = slots[w]; bits; bits &= bits - 1)
			if (queued_for(s, w * 64 + (unsigned)__builtin_ctzll(bits), f))
				return true;
	return false;
}

/* Send f out of a mirror's output port too, once, tagged as the port's
 * VLAN mode sends a frame of its VLAN (untagged on an access port,
 * whatever the VLAN). */
static void mirror_to(struct fwd_scratch *s, struct bridge *br, unsigned o, struct frame *f)
{
	struct port *p = __atomic_load_n(&br->ports[o], __ATOMIC_ACQUIRE);
	const struct bridge_port_cfg *c;
	bool tagged;

	if (!p || queued_for(s, o, f))
		return;
	c = __atomic_load_n(&br->cfg[o], __ATOMIC_ACQUIRE);
	if (decide_mirror_egress(c, __atomic_load_n(&p->mtu, __ATOMIC_RELAXED), f, &tagged)) {
		port_count(port_tx(p, s->worker), 0, 0, 1, 0);
		return;
	}
	queue(s, o, f, tagged);
}

/* The mirrors that select f (by its ingress port, by a port it is queued
 * for, in a VLAN they select) send it to their outputs. */
static void mirror_frame(struct fwd_scratch *s, struct bridge *br, const struct mirror_table *mt,
			 struct frame *f)
{
	for (unsigned k = 0; k < mt->n; k++) {
		const struct mirror_rule *r = &mt->rule[k];

		if (r->some_vlans && !port_vlan_map_has(r->vlans, f->vlan))
			continue;
		if (mirror_bit(r->src, f->in_port) || queued_for_any(s, r->dst, f))
			mirror_to(s, br, r->out, f);
	}
}

/* Decide where one frame goes; false if it is dropped at ingress.  Inlined
 * in every loop of bridge_forward (a call per frame costs ~25
 * instructions: callgrind-ir.sh 64 went from 606 to 631); mt as enqueue(). */
static inline __attribute__((always_inline)) bool
classify(struct fwd_scratch *s, struct fwd_memo *m, struct bridge *br, const struct fwd_in *in,
	 struct frame *f, uint64_t now, const struct mirror_table *mt)
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
		flood(s, br, idx, f, mt);
	else if ((unsigned)dst != idx) /* never back out where it came from */
		enqueue(s, br, (unsigned)dst, f, mt);
	if (mt)
		mirror_frame(s, br, mt, f);
	return true;
}

/* A burst some of whose frames policing dropped (bit i of pass clear):
 * those are not looked at.  The frames dropped. */
static unsigned forward_some(struct fwd_scratch *s, struct fwd_memo *m, struct bridge *br,
			     const struct fwd_in *in, struct frame *f, unsigned n, uint32_t pass,
			     uint64_t now, const struct mirror_table *mt)
{
	unsigned dropped = n - (unsigned)__builtin_popcount(pass);

	counter_add(&in->cnt->policing, dropped);
	for (unsigned i = 0; i < n; i++)
		if (pass >> i & 1 && !classify(s, m, br, in, &f[i], now, mt))
			dropped++;
	return dropped;
}

/* Police, classify, learn and sort a burst by destination; count what was
 * dropped.  Policing first: what it drops nobody else sees (one branch a
 * burst for a port without it). */
static inline __attribute__((always_inline)) void
sort_burst(struct fwd_scratch *s, struct bridge *br, const struct fwd_in *in, struct frame *f,
	   unsigned n, uint64_t now, const struct mirror_table *mt)
{
	struct fwd_memo memo = { 0 };
	unsigned dropped = 0;
	uint32_t pass;

	if (__builtin_expect(in->cfg->police.rate_kbps != 0, 0) &&
	    (pass = police_burst(&in->cfg->police, br->police[in->port->index], f, n,
				 police_now())) != police_all(n))
		dropped = forward_some(s, &memo, br, in, f, n, pass, now, mt);
	else
		for (unsigned i = 0; i < n; i++)
			if (!classify(s, &memo, br, in, &f[i], now, mt))
				dropped++;
	if (dropped)
		port_count(port_rx(in->port, s->worker), 0, 0, dropped, 0);
}

/* The frames queued for each destination go out, one tx_burst() each. */
static void transmit(struct fwd_scratch *s, struct bridge *br, unsigned worker)
{
	for (unsigned t = 0; t < s->ntouched; t++) {
		unsigned i = s->touched[t];
		struct port *p = __atomic_load_n(&br->ports[i], __ATOMIC_ACQUIRE);

		if (p) /* removed meanwhile: its destruction waits for this burst */
			p->ops->tx_burst(p, worker, s->f[i], s->tagged[i], s->count[i]);
		s->count[i] = 0;
	}
}

/* The time frames are seen at, read once per burst and only if a capture
 * is there to take it (tv_nsec < 0: not read yet). */
static const struct timespec *stamp(struct timespec *ts)
{
	if (ts->tv_nsec < 0)
		clock_gettime(CLOCK_REALTIME, ts); /* vDSO: no syscall */
	return ts;
}

static void capture_out(struct fwd_scratch *s, struct bridge *br, struct timespec *ts)
{
	for (unsigned t = 0; t < s->ntouched; t++) {
		unsigned i = s->touched[t];
		const struct port_capture_set *set = __atomic_load_n(&br->capture[i], __ATOMIC_ACQUIRE);

		if (set && (set->dir & PORT_CAPTURE_OUT))
			port_capture_out(set, s->f[i], s->tagged[i], s->count[i], s->worker, stamp(ts));
	}
}

/*
 * A burst on a bridge that something observes (a capture, a mirror): the
 * frames are captured as they came in, before anything is decided; a
 * mirror's output port is out of switching (what it sends is dropped);
 * the frames each port gets are captured as it will send them.  Without
 * mirrors the frames are sorted by the plain copy of the code: a capture
 * elsewhere on the bridge costs a burst a few loads, not a frame.
 */
static __attribute__((noinline)) void forward_observed(struct fwd_scratch *s, struct bridge *br,
						       const struct fwd_in *ingress, struct frame *f,
						       unsigned n, uint64_t now)
{
	const struct fwd_in fin = *ingress, *in = &fin; /* a local: kept in registers */
	const struct port_capture_set *cin = __atomic_load_n(&br->capture[in->port->index],
							     __ATOMIC_ACQUIRE);
	const struct mirror_table *mt = __atomic_load_n(&br->mirrors, __ATOMIC_ACQUIRE);
	struct timespec ts = { .tv_nsec = -1 };

	if (cin && (cin->dir & PORT_CAPTURE_IN))
		port_capture_in(cin, f, n, s->worker, stamp(&ts));
	if (!mt) {
		sort_burst(s, br, in, f, n, now, NULL);
	} else if (mirror_is_output(mt, in->port->index)) {
		port_count(port_rx(in->port, s->worker), 0, 0, n, 0);
		return;
	} else {
		sort_burst(s, br, in, f, n, now, mt);
	}
	capture_out(s, br, &ts);
	transmit(s, br, s->worker);
}

void bridge_forward(struct fwd_scratch *s, struct port *in, struct frame *f, unsigned n,
		    unsigned worker)
{
	struct bridge *br = __atomic_load_n(&in->bridge, __ATOMIC_ACQUIRE);
	uint64_t now = bridge_now_ms();
	struct fwd_in fin;

	if (!br)
		return; /* being removed */
	/* one configuration for the whole burst: set-port swaps it whole */
	fin.port = in;
	fin.cfg = __atomic_load_n(&br->cfg[in->index], __ATOMIC_ACQUIRE);
	fin.cnt = &br->counters[in->index][worker];
	s->ntouched = 0;
	s->worker = worker;
	/* the one test a burst pays for captures and mirrors when there are none */
	if (__builtin_expect(__atomic_load_n(&br->observed, __ATOMIC_RELAXED) != 0, 0)) {
		forward_observed(s, br, &fin, f, n, now);
		return;
	}
	sort_burst(s, br, &fin, f, n, now, NULL);
	transmit(s, br, worker);
}
