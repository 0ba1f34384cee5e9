/* SPDX-License-Identifier: MIT */
/*
 * One handler per entry of the verb table (control/verbs.h).  A handler
 * gets the words after the verb, already counted against the table, and
 * returns its result object, or NULL with e saying why.
 */
#include "daemon/verbs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/verbs.h"
#include "daemon/daemon.h"
#include "switch/trace.h"
#include "util/log.h"

LOG_MODULE("control");

typedef struct json_object *(*verb_fn)(struct daemon *d, const char *const *w, unsigned n,
				       struct error *e);

static struct json_object *done(int rc)
{
	return rc ? NULL : json_object_new_object();
}

static struct json_object *add_br(struct daemon *d, const char *const *w, unsigned n,
				  struct error *e)
{
	(void)n;
	return done(daemon_add_bridge(d, w[0], NULL, e));
}

static struct json_object *del_br(struct daemon *d, const char *const *w, unsigned n,
				  struct error *e)
{
	(void)n;
	return done(daemon_del_bridge(d, w[0], NULL, e));
}

static struct json_object *add_port(struct daemon *d, const char *const *w, unsigned n,
				    struct error *e)
{
	return done(daemon_add_port(d, w[0], w[1], w + 2, n - 2, NULL, e));
}

static struct json_object *del_port(struct daemon *d, const char *const *w, unsigned n,
				    struct error *e)
{
	return done(daemon_del_port(d, n == 2 ? w[0] : NULL, w[n - 1], NULL, e));
}

static struct json_object *set_port(struct daemon *d, const char *const *w, unsigned n,
				    struct error *e)
{
	return done(daemon_set_port(d, w[0], w + 1, n - 1, e));
}

static struct json_object *add_mirror(struct daemon *d, const char *const *w, unsigned n,
				      struct error *e)
{
	return done(daemon_add_mirror(d, w[0], w + 1, n - 1, e));
}

static struct json_object *del_mirror(struct daemon *d, const char *const *w, unsigned n,
				      struct error *e)
{
	(void)n;
	return done(daemon_del_mirror(d, w[0], w[1], e));
}

static struct json_object *net_define(struct daemon *d, const char *const *w, unsigned n,
				      struct error *e)
{
	return done(daemon_net_define(d, w[0], w + 1, n - 1, e));
}

static struct json_object *net_undefine(struct daemon *d, const char *const *w, unsigned n,
					struct error *e)
{
	(void)n;
	return done(daemon_net_undefine(d, w[0], e));
}

static struct json_object *net_start(struct daemon *d, const char *const *w, unsigned n,
				     struct error *e)
{
	(void)n;
	return done(daemon_net_start(d, w[0], e));
}

static struct json_object *net_stop(struct daemon *d, const char *const *w, unsigned n,
				    struct error *e)
{
	(void)n;
	return done(daemon_net_stop(d, w[0], e));
}

/* ---- inspection ---- */

static struct json_object *counters_json(const struct port *p, bool tx)
{
	struct port_counters v = port_read(p, tx);
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "packets", json_object_new_uint64(v.packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(v.bytes));
	json_object_object_add(o, "dropped", json_object_new_uint64(v.dropped));
	json_object_object_add(o, "errors", json_object_new_uint64(v.errors));
	return o;
}

static struct json_object *port_json(const struct daemon *d, const struct daemon_port *dp)
{
	unsigned ncap = capture_count(d, dp);
	struct json_object *o = json_object_new_object();
	const struct bridge_port_cfg *cfg = bridge_port_cfg(dp->br->sw, dp->port);
	char vlan[PORT_VLAN_FORMAT_MAX], sec[PORT_SEC_FORMAT_MAX];
	unsigned mtu = __atomic_load_n(&dp->port->mtu, __ATOMIC_RELAXED);

	port_vlan_format(&cfg->vlan, vlan, sizeof(vlan));
	if (cfg->secure)
		port_sec_format(&cfg->sec, sec, sizeof(sec));
	json_object_object_add(o, "name", json_object_new_string(dp->port->name));
	json_object_object_add(o, "type", json_object_new_string(dp->port->ops->kind));
	json_object_object_add(o, "vlan", json_object_new_string(vlan));
	if (cfg->secure && !cfg->learn) /* learning: no lock yet */
		json_object_object_add(o, "port_security", json_object_new_string(sec));
	if (dp->learn)
		json_object_object_add(o, "port_security_learn", daemon_learn_json(dp));
	if (cfg->max_macs) {
		json_object_object_add(o, "max_macs", json_object_new_int((int)cfg->max_macs));
		json_object_object_add(o, "macs",
				       json_object_new_int((int)fdb_port_entries(dp->br->sw->fdb,
										 dp->port->index)));
	}
	if (mtu)
		json_object_object_add(o, "mtu", json_object_new_int((int)mtu));
	if (cfg->police.rate_kbps) {
		char pol[64];

		snprintf(pol, sizeof(pol), "rate %u kbit/s, burst %u kbit", cfg->police.rate_kbps,
			 cfg->police.burst_kbit ? cfg->police.burst_kbit : POLICE_DEFAULT_BURST_KBIT);
		json_object_object_add(o, "ingress_policing", json_object_new_string(pol));
	}
	if (ncap)
		json_object_object_add(o, "captures", json_object_new_int((int)ncap));
	if (dp->port->ops->describe)
		dp->port->ops->describe(dp->port, o);
	return o;
}

static struct json_object *show(struct daemon *d, const char *const *w, unsigned n,
				struct error *e)
{
	struct json_object *res = json_object_new_object(), *brs = json_object_new_array();

	(void)w, (void)n, (void)e;
	for (unsigned b = 0; b < DAEMON_MAX_BRIDGES; b++) {
		struct daemon_bridge *br = &d->bridges[b];
		struct json_object *bo, *ports, *mirrors;

		if (!br->sw)
			continue;
		bo = json_object_new_object();
		ports = json_object_new_array();
		json_object_object_add(bo, "name", json_object_new_string(br->sw->name));
		for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++)
			if (d->ports[i].port && d->ports[i].br == br)
				json_object_array_add(ports, port_json(d, &d->ports[i]));
		json_object_object_add(bo, "ports", ports);
		mirrors = daemon_mirrors_json(d, br);
		if (json_object_array_length(mirrors))
			json_object_object_add(bo, "mirrors", mirrors);
		else
			json_object_put(mirrors);
		json_object_array_add(brs, bo);
	}
	json_object_object_add(res, "bridges", brs);
	json_object_object_add(res, "workers", json_object_new_int((int)d->pool.n));
	json_object_object_add(res, "poll", json_object_new_string(poll_mode_name(d->pool.w[0].mode)));
	return res;
}

static uint64_t read_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Per worker: what it moved and the TSC cycles it spent per frame. */
static struct json_object *workers_json(const struct worker_pool *pool)
{
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; i < pool->n; i++) {
		const struct worker *w = &pool->w[i];
		struct json_object *o = json_object_new_object();
		uint64_t frames = read_u64(&w->frames), cycles = read_u64(&w->busy_cycles);

		json_object_object_add(o, "id", json_object_new_int((int)w->id));
		json_object_object_add(o, "cpu", json_object_new_int(w->cpu));
		json_object_object_add(o, "frames", json_object_new_uint64(frames));
		json_object_object_add(o, "bursts", json_object_new_uint64(read_u64(&w->bursts)));
		json_object_object_add(o, "sleeps", json_object_new_uint64(read_u64(&w->sleeps)));
		json_object_object_add(o, "busy_cycles", json_object_new_uint64(cycles));
		json_object_object_add(o, "cycles_per_frame",
				       json_object_new_double(frames ? (double)cycles / (double)frames : 0));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *port_stats_json(const struct daemon_port *dp)
{
	struct json_object *o = json_object_new_object(), *sec = json_object_new_object();
	struct bridge_port_counters c = bridge_port_counters(dp->br->sw, dp->port);

	for (int r = 0; r < PORT_SEC_NREASONS; r++)
		json_object_object_add(sec, port_sec_reason_name(r),
				       json_object_new_uint64(c.sec_drops[r]));

	json_object_object_add(o, "name", json_object_new_string(dp->port->name));
	json_object_object_add(o, "bridge", json_object_new_string(dp->br->sw->name));
	json_object_object_add(o, "type", json_object_new_string(dp->port->ops->kind));
	json_object_object_add(o, "rx", counters_json(dp->port, false));
	json_object_object_add(o, "tx", counters_json(dp->port, true));
	json_object_object_add(o, "security_drops", sec);
	json_object_object_add(o, "max_macs_refused", json_object_new_uint64(c.mac_limit));
	json_object_object_add(o, "fdb_full_refused", json_object_new_uint64(c.fdb_full));
	json_object_object_add(o, "policing", json_object_new_uint64(c.policing));
	return o;
}

/* A bridge's MAC table: entries, capacity, and what it refused. */
static void fdb_stats_json(struct json_object *o, const struct bridge *br)
{
	struct fdb_stats st = fdb_stats(br->fdb);

	json_object_object_add(o, "fdb_entries", json_object_new_int((int)st.entries));
	json_object_object_add(o, "fdb_capacity", json_object_new_int((int)st.capacity));
	json_object_object_add(o, "fdb_learned", json_object_new_uint64(st.learned));
	json_object_object_add(o, "fdb_moved", json_object_new_uint64(st.moved));
	json_object_object_add(o, "fdb_full_drops", json_object_new_uint64(st.full_drops));
}

static struct json_object *bridges_stats_json(struct daemon *d)
{
	struct json_object *a = json_object_new_array();

	for (unsigned b = 0; b < DAEMON_MAX_BRIDGES; b++) {
		struct json_object *o;

		if (!d->bridges[b].sw)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(d->bridges[b].sw->name));
		fdb_stats_json(o, d->bridges[b].sw);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *stats(struct daemon *d, const char *const *w, unsigned n,
				 struct error *e)
{
	const char *only = n ? w[0] : NULL;
	struct json_object *res, *ports;

	if (only && !daemon_find_port(d, only)) {
		error_set(e, -ENOENT, "port: no port named %s", only);
		return NULL;
	}
	res = json_object_new_object();
	ports = json_object_new_array();
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++)
		if (d->ports[i].port && (!only || !strcmp(d->ports[i].port->name, only)))
			json_object_array_add(ports, port_stats_json(&d->ports[i]));
	json_object_object_add(res, "ports", ports);
	if (!only) {
		json_object_object_add(res, "bridges", bridges_stats_json(d));
		json_object_object_add(res, "workers", workers_json(&d->pool));
	}
	return res;
}

struct fdb_dump {
	struct bridge *br;
	struct json_object *entries;
};

static void fdb_entry(void *arg, const uint8_t mac[6], uint16_t vlan, uint32_t port,
		      uint64_t age_ms)
{
	struct fdb_dump *fd = arg;
	struct json_object *o = json_object_new_object();
	struct port *p = port < BRIDGE_MAX_PORTS ? fd->br->ports[port] : NULL;
	char buf[24];

	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	json_object_object_add(o, "port", json_object_new_string(p ? p->name : "?"));
	json_object_object_add(o, "vlan", json_object_new_int(vlan));
	json_object_object_add(o, "mac", json_object_new_string(buf));
	json_object_object_add(o, "age", json_object_new_int((int)(age_ms / 1000)));
	json_object_array_add(fd->entries, o);
}

static struct json_object *fdb_show(struct daemon *d, const char *const *w, unsigned n,
				    struct error *e)
{
	struct daemon_bridge *br = daemon_find_bridge(d, w[0]);
	struct json_object *res;
	struct fdb_dump dump;

	(void)n;
	if (!br) {
		error_set(e, -ENOENT, "bridge: no bridge named %s", w[0]);
		return NULL;
	}
	res = json_object_new_object();
	dump = (struct fdb_dump){ br->sw, json_object_new_array() };
	fdb_foreach(br->sw->fdb, fdb_entry, &dump, bridge_now_ms());
	json_object_object_add(res, "bridge", json_object_new_string(br->sw->name));
	json_object_object_add(res, "entries", dump.entries);
	fdb_stats_json(res, br->sw);
	return res;
}

static const char *slot_name(const struct bridge *br, unsigned slot)
{
	return slot < BRIDGE_MAX_PORTS && br->ports[slot] ? br->ports[slot]->name : "?";
}

/* A learning in-port: the MAC it is locked on, or the frame would lock it on. */
static struct json_object *learn_trace_json(const struct trace_result *r)
{
	uint8_t m[6];
	char text[96];

	if (!port_sec_latched_mac(r->latch, m))
		return json_object_new_string("learning: nothing latched (only a unicast, non-zero source is)");
	snprintf(text, sizeof(text), "%s %02x:%02x:%02x:%02x:%02x:%02x (every other source is dropped)",
		 r->latches ? "learning: this frame would latch" : "latched", m[0], m[1], m[2], m[3],
		 m[4], m[5]);
	return json_object_new_string(text);
}

static struct json_object *trace_json(const struct bridge *br, const struct trace_frame *tf,
				      const struct trace_result *r)
{
	struct json_object *o = json_object_new_object(), *outs;
	char type[8];

	json_object_object_add(o, "bridge", json_object_new_string(br->name));
	json_object_object_add(o, "in_port", json_object_new_string(tf->in_port));
	json_object_object_add(o, "len", json_object_new_int((int)tf->len));
	snprintf(type, sizeof(type), "0x%04x", tf->type);
	json_object_object_add(o, "dl_type", json_object_new_string(type));
	if (tf->tagged)
		json_object_object_add(o, "vlan_tag", json_object_new_int(tf->vlan));
	json_object_object_add(o, "verdict", json_object_new_string(trace_verdict_name(r->verdict)));
	if (r->policed) {
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "conforms", json_object_new_boolean(r->police_pass));
		json_object_object_add(p, "tokens_bytes", json_object_new_uint64(r->police_tokens));
		json_object_object_add(o, "policing", p);
	}
	if (r->verdict == TRACE_DROP_SECURITY)
		json_object_object_add(o, "port_security", json_object_new_string(port_sec_reason_name(r->sec)));
	if (r->learning)
		json_object_object_add(o, "port_security_learn", learn_trace_json(r));
	if (r->verdict != TRACE_FORWARD && r->verdict != TRACE_NO_OUTPUT)
		return o;
	json_object_object_add(o, "vlan", json_object_new_int(r->vlan));
	json_object_object_add(o, "lookup", json_object_new_string(r->multicast ? "multicast" :
								   r->dst < 0 ? "flood" : "hit"));
	if (r->dst >= 0)
		json_object_object_add(o, "fdb_port", json_object_new_string(slot_name(br, (unsigned)r->dst)));
	outs = json_object_new_array();
	for (unsigned i = 0; i < r->nout; i++) {
		struct json_object *x = json_object_new_object();
		const struct trace_out *t = &r->out[i];

		json_object_object_add(x, "port", json_object_new_string(slot_name(br, t->port)));
		json_object_object_add(x, "output", json_object_new_boolean(t->why == DECIDE_EGRESS_OK));
		if (t->why == DECIDE_EGRESS_OK && t->tagged)
			json_object_object_add(x, "tag", json_object_new_int(r->vlan));
		if (t->why != DECIDE_EGRESS_OK)
			json_object_object_add(x, "drop", json_object_new_string(trace_egress_name(t->why)));
		if (t->why == DECIDE_EGRESS_MTU)
			json_object_object_add(x, "mtu", json_object_new_int((int)t->mtu));
		json_object_array_add(outs, x);
	}
	json_object_object_add(o, "ports", outs);
	return o;
}

static struct json_object *trace(struct daemon *d, const char *const *w, unsigned n,
				 struct error *e)
{
	struct daemon_bridge *br = daemon_find_bridge(d, w[0]);
	struct daemon_port *dp;
	struct trace_frame tf;
	struct trace_result *r;
	struct json_object *res;

	if (!br) {
		error_set(e, -ENOENT, "bridge: no bridge named %s", w[0]);
		return NULL;
	}
	if (trace_parse(w + 1, n - 1, &tf, e))
		return NULL;
	dp = daemon_find_port(d, tf.in_port);
	if (!dp || dp->br != br) {
		error_set(e, -ENOENT, "in-port: no port named %s on bridge %s", tf.in_port, w[0]);
		return NULL;
	}
	r = malloc(sizeof(*r));
	if (!r || trace_run(br->sw, dp->port, &tf, bridge_now_ms(), police_now(), r)) {
		free(r);
		error_set(e, -ENOMEM, "trace: out of memory");
		return NULL;
	}
	res = trace_json(br->sw, &tf, r);
	free(r);
	return res;
}

static struct json_object *net_list(struct daemon *d, const char *const *w, unsigned n,
				    struct error *e)
{
	struct json_object *res = json_object_new_object(), *arr = json_object_new_array();

	(void)w, (void)n, (void)e;
	for (unsigned i = 0; i < NETWORK_MAX; i++)
		if (d->networks[i])
			json_object_array_add(arr, network_describe(d->networks[i]));
	json_object_object_add(res, "networks", arr);
	return res;
}

static struct json_object *net_dhcp_leases(struct daemon *d, const char *const *w, unsigned n,
					   struct error *e)
{
	struct network *net = daemon_find_net(d, w[0]);
	struct json_object *res;

	(void)n;
	if (!net) {
		error_set(e, -ENOENT, "name: no network named %s", w[0]);
		return NULL;
	}
	return network_leases(net, d->state_dir, &res, e) ? NULL : res;
}

/* Not in the table: it also takes the connection (verbs_execute). */
static struct json_object *capture(struct daemon *d, const char *const *w, unsigned n,
				   struct verb_takeover *t, struct error *e)
{
	struct json_object *res = NULL;
	struct capture_conn *c = capture_start(d, w[0], w + 1, n - 1, &res, e);

	if (!c)
		return NULL;
	*t = (struct verb_takeover){ capture_take, c };
	return res;
}

/* ---- OVN ---- */

static struct json_object *ovn_set(struct daemon *d, const char *const *w, unsigned n,
				   struct error *e)
{
	return done(daemon_ovn_set(d, w, n, e));
}

static struct json_object *ovn_show(struct daemon *d, const char *const *w, unsigned n,
				    struct error *e)
{
	return daemon_ovn_show(d, n ? w[0] : NULL, e);
}

static struct json_object *ovn_clear(struct daemon *d, const char *const *w, unsigned n,
				     struct error *e)
{
	(void)w, (void)n;
	return done(daemon_ovn_clear(d, e));
}

/* ---- dispatch ---- */

static const verb_fn handlers[VERB_COUNT] = {
	[VERB_ADD_BR] = add_br,
	[VERB_DEL_BR] = del_br,
	[VERB_ADD_PORT] = add_port,
	[VERB_DEL_PORT] = del_port,
	[VERB_SET_PORT] = set_port,
	[VERB_SHOW] = show,
	[VERB_STATS] = stats,
	[VERB_FDB_SHOW] = fdb_show,
	[VERB_TRACE] = trace,
	[VERB_ADD_MIRROR] = add_mirror,
	[VERB_DEL_MIRROR] = del_mirror,
	[VERB_NET_DEFINE] = net_define,
	[VERB_NET_UNDEFINE] = net_undefine,
	[VERB_NET_START] = net_start,
	[VERB_NET_STOP] = net_stop,
	[VERB_NET_LIST] = net_list,
	[VERB_NET_DHCP_LEASES] = net_dhcp_leases,
	[VERB_OVN_SET] = ovn_set,
	[VERB_OVN_SHOW] = ovn_show,
	[VERB_OVN_CLEAR] = ovn_clear,
};

static struct json_object *reply(struct json_object *result, const char *err)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "ok", json_object_new_boolean(result != NULL));
	if (result)
		json_object_object_add(r, "result", result);
	else
		json_object_object_add(r, "error", json_object_new_string(err));
	return r;
}

#define REQUEST_MAX_WORDS 32

/* The request's words, all strings, at most REQUEST_MAX_WORDS. */
static int request_words(struct json_object *req, const char **w, unsigned *n, struct error *e)
{
	size_t len;

	if (!json_object_is_type(req, json_type_array) || !(len = json_object_array_length(req)))
		return error_set(e, -EINVAL, "request: expected a JSON array of words");
	if (len > REQUEST_MAX_WORDS)
		return error_set(e, -E2BIG, "request: more than %d words", REQUEST_MAX_WORDS);
	for (size_t i = 0; i < len; i++) {
		struct json_object *x = json_object_array_get_idx(req, i);

		if (!json_object_is_type(x, json_type_string))
			return error_set(e, -EINVAL, "request: every word must be a string");
		w[i] = json_object_get_string(x);
	}
	*n = (unsigned)len;
	return 0;
}

struct json_object *verbs_execute(struct daemon *d, struct json_object *request,
				  struct verb_takeover *t)
{
	const char *w[REQUEST_MAX_WORDS];
	struct json_object *res;
	struct error e = { 0 };
	const struct verb_info *v;
	unsigned n = 0;
	int id;

	*t = (struct verb_takeover){ 0 };
	if (request_words(request, w, &n, &e))
		return reply(NULL, e.msg);
	id = verb_find(w[0]);
	if (id < 0) {
		error_set(&e, -EINVAL, "%s: unknown command (try uvnetctl --help)", w[0]);
		return reply(NULL, e.msg);
	}
	v = &verb_table[id];
	if (n - 1 < v->min_words || n - 1 > v->max_words) {
		error_set(&e, -EINVAL, "%s: usage: %s", v->name, v->synopsis);
		return reply(NULL, e.msg);
	}
	if (id == VERB_CAPTURE)
		res = capture(d, w + 1, n - 1, t, &e);
	else
		res = handlers[id](d, w + 1, n - 1, &e);
	if (res && v->changes_config && daemon_save_state(d, &e))
		log_error("%s", e.msg);
	return reply(res, e.msg);
}
