/* SPDX-License-Identifier: MIT */
/* `uvnetctl trace`: a frame put through the data path's decisions (trace.h). */
#include "switch/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "switch/mirror.h"
#include "util/parse.h"

/* key=value: the value if w's key is key, else NULL. */
static const char *value_of(const char *w, const char *key)
{
	size_t n = strlen(key);

	return !strncmp(w, key, n) && w[n] == '=' ? w + n + 1 : NULL;
}

static const char *const trace_keys[] = { "in-port", "dl-src", "dl-dst", "vlan", "dl-type",
					  "len", NULL };

/* One word into tf; seen[] marks its key. */
static int parse_word(const char *w, struct trace_frame *tf, bool seen[], struct error *e)
{
	uint64_t v;
	const char *s;
	int k;

	for (k = 0; trace_keys[k] && !value_of(w, trace_keys[k]); k++)
		;
	if (!trace_keys[k])
		return error_set(e, -EINVAL, "%.64s: expected in-port=, dl-src=, dl-dst=, vlan=, "
				 "dl-type= or len=", w);
	if (seen[k])
		return error_set(e, -EINVAL, "%s: given twice", trace_keys[k]);
	seen[k] = true;
	s = value_of(w, trace_keys[k]);
	switch (k) {
	case 0:
		if (!*s || strlen(s) >= sizeof(tf->in_port))
			return error_set(e, -EINVAL, "in-port: '%.64s' is not a port name", s);
		memcpy(tf->in_port, s, strlen(s) + 1);
		return 0;
	case 1:
	case 2:
		if (!parse_mac(s, k == 1 ? tf->src : tf->dst))
			return error_set(e, -EINVAL, "%s: '%.64s' is not a MAC address (like 52:54:00:00:00:01)",
					 trace_keys[k], s);
		return 0;
	case 3:
		if (!parse_uint(s, 0, VLAN_ID_MAX, &v))
			return error_set(e, -EINVAL, "vlan: '%.64s' is not a VLAN id (0-4095)", s);
		tf->tagged = true;
		tf->vlan = (uint16_t)v;
		return 0;
	case 4:
		if (!parse_hex(s, 0xffff, &v))
			return error_set(e, -EINVAL, "dl-type: '%.64s' is not an EtherType (0x0000-0xffff)", s);
		tf->type = (uint16_t)v;
		return 0;
	default:
		if (!parse_uint(s, TRACE_MIN_LEN, TRACE_MAX_LEN, &v))
			return error_set(e, -EINVAL, "len: '%.64s' is not a frame length (%d-%d bytes)", s,
					 TRACE_MIN_LEN, TRACE_MAX_LEN);
		tf->len = (uint32_t)v;
		return 0;
	}
}

int trace_parse(const char *const *w, unsigned n, struct trace_frame *tf, struct error *e)
{
	bool seen[6] = { false };
	int rc;

	*tf = (struct trace_frame){ .type = 0x0800, .len = 60 };
	for (unsigned i = 0; i < n; i++)
		if ((rc = parse_word(w[i], tf, seen, e)))
			return rc;
	for (int k = 0; k < 3; k++)
		if (!seen[k])
			return error_set(e, -EINVAL, "%s=: missing (trace BRIDGE in-port=PORT dl-src=MAC "
					 "dl-dst=MAC [vlan=N] [dl-type=0xXXXX] [len=BYTES])", trace_keys[k]);
	if (tf->tagged && tf->len < ETH_HLEN_TAGGED)
		return error_set(e, -EINVAL, "len: %u bytes cannot hold a tagged header (%d)",
				 (unsigned)tf->len, ETH_HLEN_TAGGED);
	return 0;
}

const char *trace_verdict_name(enum trace_verdict v)
{
	static const char *const names[] = {
		[TRACE_FORWARD] = "forward", [TRACE_NO_OUTPUT] = "no output",
		[TRACE_DROP_POLICING] = "policing", [TRACE_DROP_VLAN] = "vlan",
		[TRACE_DROP_SECURITY] = "port security",
		[TRACE_DROP_MIRROR_OUTPUT] = "mirror output",
	};

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

const char *trace_egress_name(enum decide_egress d)
{
	return d == DECIDE_EGRESS_OK ? "ok" : d == DECIDE_EGRESS_VLAN ? "vlan" : "mtu";
}

/* The frame's bytes, zeros after the header; its struct frame over them. */
static void build(const struct trace_frame *tf, uint8_t *buf, struct iovec *iov, struct frame *f)
{
	unsigned h = 12;

	memcpy(buf, tf->dst, 6);
	memcpy(buf + 6, tf->src, 6);
	if (tf->tagged) {
		buf[h++] = 0x81, buf[h++] = 0x00;
		buf[h++] = (uint8_t)(tf->vlan >> 8), buf[h++] = (uint8_t)tf->vlan;
	}
	buf[h] = (uint8_t)(tf->type >> 8), buf[h + 1] = (uint8_t)tf->type;
	*iov = (struct iovec){ buf, tf->len };
	*f = (struct frame){ .iov = iov, .niov = 1, .len = tf->len };
	memcpy(f->eth, buf, ETH_HLEN_TAGGED);
}

/* Which ports the admitted frame f leaves by, and how; a mirror's output
 * port takes no part in switching. */
static void egress(struct bridge *br, unsigned in, const struct frame *f,
		   const struct mirror_table *mt, struct trace_result *r)
{
	for (unsigned i = 0; i < br->nslots; i++) {
		struct trace_out *o = &r->out[r->nout];

		if (!br->ports[i] || i == in || (r->dst >= 0 && (unsigned)r->dst != i) ||
		    (mt && mirror_is_output(mt, i)))
			continue;
		o->port = (uint16_t)i;
		o->mtu = br->ports[i]->mtu;
		o->why = decide_egress(br->cfg[i], o->mtu, f, &o->tagged);
		if (o->why == DECIDE_EGRESS_OK)
			r->verdict = TRACE_FORWARD;
		r->nout++;
	}
}

int trace_run(struct bridge *br, struct port *in, const struct trace_frame *tf, uint64_t now_ms,
	      uint64_t police_now, struct trace_result *r)
{
	const struct bridge_port_cfg *c = br->cfg[in->index];
	struct bridge_port_cfg learning;
	uint64_t before = 0;
	const struct mirror_table *mt = __atomic_load_n(&br->mirrors, __ATOMIC_ACQUIRE);
	uint8_t *buf = calloc(1, tf->len > ETH_HLEN_TAGGED ? tf->len : ETH_HLEN_TAGGED);
	struct iovec iov;
	struct frame f;

	if (!buf)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	r->sec = PORT_SEC_PASS;
	r->dst = -1;
	build(tf, buf, &iov, &f);
	if (c->secure && c->sec.latch) { /* judged on a copy of the latch: a trace latches nothing */
		learning = *c;
		r->learning = true;
		r->latch = before = __atomic_load_n(c->sec.latch, __ATOMIC_ACQUIRE);
		learning.sec.latch = &r->latch;
		c = &learning;
	}
	r->policed = c->police.rate_kbps != 0;
	if (r->policed)
		r->police_pass = police_peek(&c->police, br->police[in->index], f.len, police_now,
					     &r->police_tokens);
	if (mt && mirror_is_output(mt, in->index))
		r->verdict = TRACE_DROP_MIRROR_OUTPUT;
	else if (r->policed && !r->police_pass)
		r->verdict = TRACE_DROP_POLICING;
	else if (!decide_ingress(c, &f, in->index))
		r->verdict = TRACE_DROP_VLAN;
	else if ((r->sec = decide_security(c, &f)) != PORT_SEC_PASS)
		r->verdict = TRACE_DROP_SECURITY;
	r->latches = r->learning && !before && r->latch;
	if (r->verdict == TRACE_FORWARD) {
		r->vlan = f.vlan;
		r->multicast = frame_dst_is_multicast(&f);
		r->dst = decide_dst(br->fdb, &f, now_ms);
		r->verdict = TRACE_NO_OUTPUT;
		egress(br, in->index, &f, mt, r);
	}
	free(buf);
	return 0;
}
