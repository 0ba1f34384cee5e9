/* SPDX-License-Identifier: MIT */
#include "switch/port_capture.h"

#include <stdlib.h>
#include <string.h>

struct port_capture *port_capture_new(unsigned dir, uint32_t snaplen, unsigned nworkers,
				      size_t ring_size)
{
	struct port_capture *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->dir = dir;
	c->snaplen = snaplen;
	for (unsigned i = 0; i < PORT_SLOTS; i++) {
		if (i >= nworkers && i != PORT_SLOT_CONTROL)
			continue;
		c->ring[i] = capture_ring_new(ring_size);
		if (!c->ring[i]) {
			port_capture_free(c);
			return NULL;
		}
	}
	return c;
}

void port_capture_free(struct port_capture *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < PORT_SLOTS; i++)
		capture_ring_free(c->ring[i]);
	free(c);
}

uint64_t port_capture_dropped(const struct port_capture *c)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < PORT_SLOTS; i++)
		if (c->ring[i])
			n += capture_ring_dropped(c->ring[i]);
	return n;
}

uint64_t port_capture_written(const struct port_capture *c)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < PORT_SLOTS; i++)
		if (c->ring[i])
			n += capture_ring_written(c->ring[i]);
	return n;
}

static void set_dir(struct port_capture_set *s)
{
	s->dir = 0;
	for (unsigned i = 0; i < s->n; i++)
		s->dir |= s->c[i]->dir;
}

struct port_capture_set *port_capture_set_with(const struct port_capture_set *old,
					       struct port_capture *c)
{
	struct port_capture_set *s;

	if (old && old->n == PORT_CAPTURE_MAX_PER_PORT)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (old)
		*s = *old;
	s->c[s->n++] = c;
	set_dir(s);
	return s;
}

struct port_capture_set *port_capture_set_without(const struct port_capture_set *old,
						  const struct port_capture *c)
{
	struct port_capture_set *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	for (unsigned i = 0; old && i < old->n; i++)
		if (old->c[i] != c)
			s->c[s->n++] = old->c[i];
	set_dir(s);
	return s;
}

void port_capture_in(const struct port_capture_set *s, const struct frame *f, unsigned n,
		     unsigned slot, const struct timespec *ts)
{
	for (unsigned k = 0; k < s->n; k++) {
		const struct port_capture *c = s->c[k];
		struct capture_ring *r = c->ring[slot];

		if (!(c->dir & PORT_CAPTURE_IN) || !r)
			continue;
		for (unsigned i = 0; i < n; i++)
			capture_ring_put(r, ts, f[i].len, c->snaplen, NULL, 0, f[i].iov, f[i].niov,
					 f[i].off);
	}
}

void port_capture_out(const struct port_capture_set *s, struct frame *const *f,
		      const bool *tagged, unsigned n, unsigned slot, const struct timespec *ts)
{
	for (unsigned k = 0; k < s->n; k++) {
		const struct port_capture *c = s->c[k];
		struct capture_ring *r = c->ring[slot];

		if (!(c->dir & PORT_CAPTURE_OUT) || !r)
			continue;
		for (unsigned i = 0; i < n; i++) {
			struct frame_egress e;

			/* the header the port writes, from the switch's copy */
			frame_egress_init(&e, f[i], tagged[i]);
			capture_ring_put(r, ts, e.len, c->snaplen, e.prefix, e.prefix_len, f[i]->iov,
					 f[i]->niov, f[i]->off + e.src_off);
		}
	}
}
