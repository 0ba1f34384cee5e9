/* SPDX-License-Identifier: MIT */
/*
 * Forwarding a burst: one pass over the frames sorts them by destination
 * port (learning sources on the way), then each destination gets its
 * frames in one tx_burst() call.
 */
#include "switch/bridge.h"

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
	fdb_free(br->fdb);
	free(br);
}

int bridge_add_port(struct bridge *br, struct port *p, const struct port_vlan *vlan)
{
	for (unsigned i = 0; i < BRIDGE_MAX_PORTS; i++) {
		if (br->ports[i])
			continue;
		p->index = i;
		br->vlan[i] = *vlan;
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
}

void bridge_restore_port(struct bridge *br, struct port *p, const struct port_vlan *vlan)
{
	br->vlan[p->index] = *vlan;
	__atomic_store_n(&br->ports[p->index], p, __ATOMIC_RELEASE);
	__atomic_store_n(&p->bridge, br, __ATOMIC_RELEASE);
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
	bool tagged;

	if (!p || !port_vlan_egress(&br->vlan[i], f->vlan, &tagged))
		return;
	if (p->mtu && f->vnet.gso_type == VIRTIO_NET_HDR_GSO_NONE &&
	    f->len - f->l2_len > p->mtu) {
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

static void learn(struct fwd_memo *m, struct bridge *br, const struct frame *f,
		  uint32_t port, uint64_t now)
{
	uint64_t k = memo_key(frame_src(f), f->vlan);

	if (k == m->src)
		return;
	m->src = k;
	if (k == m->dst)
		m->dst = 0; /* it may have moved here: look it up again */
	fdb_learn(br->fdb, frame_src(f), f->vlan, port, now);
}

static int lookup(struct fwd_memo *m, struct bridge *br, const struct frame *f, uint64_t now)
{
	uint64_t k;

	if (frame_dst_is_multicast(f))
		return -1;
	k = memo_key(frame_dst(f), f->vlan);
	if (k != m->dst) {
		m->dst = k;
		m->dst_port = fdb_lookup(br->fdb, frame_dst(f), f->vlan, now);
	}
	return m->dst_port;
}

/* Decide where one frame goes; false if it is dropped at ingress. */
static bool classify(struct fwd_scratch *s, struct fwd_memo *m, struct bridge *br,
		     struct port *in, struct frame *f, uint64_t now)
{
	uint16_t l2_len;
	int dst;

	if (!port_vlan_ingress(&br->vlan[in->index], f->eth, f->len, &f->vlan, &l2_len) ||
	    f->len < l2_len)
		return false;
	f->l2_len = (uint8_t)l2_len;
	f->in_port = in->index;
	learn(m, br, f, in->index, now);
	dst = lookup(m, br, f, now);
	if (dst < 0)
		flood(s, br, in->index, f);
	else if ((unsigned)dst != in->index) /* never back out where it came from */
		enqueue(s, br, (unsigned)dst, f);
	return true;
}

void bridge_forward(struct fwd_scratch *s, struct port *in, struct frame *f, unsigned n,
		    unsigned worker)
{
	struct bridge *br = __atomic_load_n(&in->bridge, __ATOMIC_ACQUIRE);
	uint64_t now = now_ms();
	struct fwd_memo memo = { 0 };
	unsigned dropped = 0;

	if (!br)
		return; /* being removed */
	s->ntouched = 0;
	s->worker = worker;
	for (unsigned i = 0; i < n; i++)
		if (!classify(s, &memo, br, in, &f[i], now))
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
