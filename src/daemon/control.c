/* SPDX-License-Identifier: MIT */
/*
 * Control requests, as uvnetctl sends them: a JSON array of words
 * (["add-port", "br0", "vm1", "type=vhost-user", "path=/run/vm1.sock"]),
 * one request per connection, answered with one JSON object.  Verbs and
 * their spellings follow ovs-vsctl.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "util/log.h"
#include "daemon/network.h"
#include "port/port_kind.h"

LOG_MODULE("control");

#define ERR_MAX CONTROL_ERR_MAX

typedef struct json_object *(*verb_fn)(struct daemon *d, struct json_object *argv,
				       char *err);

struct json_object *control_fail(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, CONTROL_ERR_MAX, fmt, ap);
	va_end(ap);
	return NULL;
}

const char *control_word(struct json_object *argv, size_t i)
{
	return json_object_get_string(json_object_array_get_idx(argv, i));
}

/* Bridge and port names: what an interface name may hold, and no more. */
static bool valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && !strchr("-_.", s[i]))
			return false;
	return true;
}

struct bridge *daemon_find_bridge(struct daemon *d, const char *name)
{
	for (unsigned i = 0; i < DAEMON_MAX_BRIDGES; i++)
		if (d->bridges[i] && !strcmp(d->bridges[i]->name, name))
			return d->bridges[i];
	return NULL;
}

struct daemon_port *daemon_find_port(struct daemon *d, const char *name)
{
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++)
		if (d->ports[i].port && !strcmp(d->ports[i].port->name, name))
			return &d->ports[i];
	return NULL;
}

static struct json_object *ok(void)
{
	return json_object_new_object();
}

static struct json_object *add_br(struct daemon *d, struct json_object *argv, char *err)
{
	const char *name = control_word(argv, 1);
	unsigned i;

	if (!valid_name(name, BRIDGE_NAME_MAX))
		return control_fail(err, "bridge: '%s' is not a valid name (1-%d of A-Z a-z 0-9 - _ .)", name,
			    BRIDGE_NAME_MAX - 1);
	if (daemon_find_bridge(d, name))
		return control_fail(err, "bridge: %s already exists", name);
	for (i = 0; i < DAEMON_MAX_BRIDGES && d->bridges[i]; i++)
		;
	if (i == DAEMON_MAX_BRIDGES)
		return control_fail(err, "bridge: the daemon already has %d bridges", DAEMON_MAX_BRIDGES);
	d->bridges[i] = bridge_new(name);
	if (!d->bridges[i])
		return control_fail(err, "bridge: out of memory");
	log_info("bridge %s added", name);
	return ok();
}

static void remove_port(struct daemon *d, struct daemon_port *dp)
{
	char name[PORT_NAME_MAX];

	snprintf(name, sizeof(name), "%s", dp->port->name);
	bridge_remove_port(dp->br, dp->port);
	worker_pool_sync(&d->pool); /* no burst still comes from or goes to it */
	bridge_forget_port(dp->br, dp->port);
	dp->port->ops->destroy(dp->port);
	json_object_put(dp->args);
	*dp = (struct daemon_port){ 0 };
	log_info("port %s removed", name);
}

static struct json_object *del_br(struct daemon *d, struct json_object *argv, char *err)
{
	const char *name = control_word(argv, 1);
	struct bridge *br = daemon_find_bridge(d, name);

	if (!br)
		return control_fail(err, "bridge: no bridge named %s", name);
	if (network_owning_bridge(name))
		return control_fail(err, "bridge: %s belongs to network %s (net-stop it instead)", name,
			    network_owning_bridge(name));
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++)
		if (d->ports[i].port && d->ports[i].br == br)
			remove_port(d, &d->ports[i]);
	for (unsigned i = 0; i < DAEMON_MAX_BRIDGES; i++)
		if (d->bridges[i] == br)
			d->bridges[i] = NULL;
	bridge_free(br);
	log_info("bridge %s removed", name);
	return ok();
}

/* Split "key=value" words into opts; values point into argv. */
static bool parse_words(struct json_object *argv, size_t first, struct port_opts *o, char *err)
{
	o->n = 0;
	for (size_t i = first; i < json_object_array_length(argv); i++) {
		const char *w = control_word(argv, i);
		const char *eq = strchr(w, '=');
		size_t klen = eq ? (size_t)(eq - w) : 0;

		if (!eq || klen == 0 || klen >= sizeof(o->kv[0].key)) {
			control_fail(err, "%s: expected key=value", w);
			return false;
		}
		if (o->n == PORT_MAX_OPTS) {
			control_fail(err, "%s: more than %d options", w, PORT_MAX_OPTS);
			return false;
		}
		memcpy(o->kv[o->n].key, w, klen);
		o->kv[o->n].key[klen] = '\0';
		for (unsigned k = 0; k < o->n; k++)
			if (!strcmp(o->kv[k].key, o->kv[o->n].key)) {
				control_fail(err, "%s: given twice", o->kv[k].key);
				return false;
			}
		o->kv[o->n].value = eq + 1;
		o->kv[o->n].used = false;
		o->n++;
	}
	return true;
}

static bool parse_vlan_id(const char *s, uint16_t *id, const char *key, char *err)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end || end == s || v > 4095) {
		control_fail(err, "%s: '%s' is not a VLAN id (0-4095)", key, s);
		return false;
	}
	*id = (uint16_t)v;
	return true;
}

/* tag=N alone: access port.  trunks=LIST: trunk port, with tag=N as its
 * native (untagged) VLAN if both are given.  Neither: carries all VLANs. */
static bool port_vlan_from_opts(struct port_vlan *v, const char *tag, const char *trunks,
				char *err)
{
	uint16_t id;

	port_vlan_init(v);
	if (trunks && port_vlan_parse_trunks(v, trunks, err, ERR_MAX)) {
		char why[ERR_MAX];

		/* name the field, as every other add-port error does */
		snprintf(why, sizeof(why), "%s", err);
		control_fail(err, "trunks: %s", why);
		return false;
	}
	if (!tag)
		return true;
	if (!parse_vlan_id(tag, &id, "tag", err))
		return false;
	if (trunks ? port_vlan_set_native(v, id) : port_vlan_set_access(v, id)) {
		control_fail(err, "tag: %u cannot be used here", id);
		return false;
	}
	return true;
}

static bool parse_mtu(const char *s, unsigned *mtu, char *err)
{
	char *end;
	unsigned long v;

	if (!s)
		return true;
	v = strtoul(s, &end, 10);
	if (*end || end == s || v < 68 || v > 65535) {
		control_fail(err, "mtu: '%s' is not a number from 68 to 65535", s);
		return false;
	}
	*mtu = (unsigned)v;
	return true;
}

static int create_port(struct daemon *d, const char *type, const char *name,
		       struct port_opts *o, struct port **p, char *err)
{
	struct error e = { 0 };
	int rc = port_create(type, name, o, &d->env, p, &e);

	if (rc)
		snprintf(err, ERR_MAX, "%s", e.msg);
	return rc;
}

static struct daemon_port *free_port_slot(struct daemon *d)
{
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++)
		if (!d->ports[i].port)
			return &d->ports[i];
	return NULL;
}

static struct json_object *add_port(struct daemon *d, struct json_object *argv, char *err)
{
	const char *brname = control_word(argv, 1), *name = control_word(argv, 2);
	struct json_object *saved = json_object_new_array();
	struct bridge *br = daemon_find_bridge(d, brname);
	struct daemon_port *slot = free_port_slot(d);
	struct port_vlan vlan;
	struct port_opts o;
	struct port *p = NULL;
	const char *type;
	unsigned mtu = 0;

	for (size_t i = 0; i < json_object_array_length(argv); i++)
		json_object_array_add(saved, json_object_new_string(control_word(argv, i)));
	if (!br || !valid_name(name, PORT_NAME_MAX) || daemon_find_port(d, name) || !slot) {
		json_object_put(saved);
		if (!br)
			return control_fail(err, "bridge: no bridge named %s", brname);
		if (!slot)
			return control_fail(err, "port: the daemon already has %d ports", DAEMON_MAX_PORTS);
		return control_fail(err, daemon_find_port(d, name) ? "port: %s already exists"
				 : "port: '%s' is not a valid name (1-31 of A-Z a-z 0-9 - _ .)", name);
	}
	if (!parse_words(argv, 3, &o, err) || !(type = port_opt_get(&o, "type")) ||
	    !port_vlan_from_opts(&vlan, port_opt_get(&o, "tag"), port_opt_get(&o, "trunks"), err) ||
	    !parse_mtu(port_opt_get(&o, "mtu"), &mtu, err) ||
	    create_port(d, type, name, &o, &p, err)) {
		json_object_put(saved);
		if (!err[0])
			control_fail(err, "type: add-port needs type=vhost-user|tap|afpacket|vxlan");
		return NULL;
	}
	if (mtu) /* else keep what the port found itself (a tunnel's underlay) */
		p->mtu = mtu;
	if (bridge_add_port(br, p, &vlan)) {
		p->ops->destroy(p);
		json_object_put(saved);
		return control_fail(err, "bridge: %s has %d ports already", brname, BRIDGE_MAX_PORTS);
	}
	*slot = (struct daemon_port){ .port = p, .br = br, .args = saved };
	log_info("port %s (%s) added to %s", name, type, brname);
	return ok();
}

static struct json_object *del_port(struct daemon *d, struct json_object *argv, char *err)
{
	size_t n = json_object_array_length(argv);
	const char *name = control_word(argv, n - 1);
	struct daemon_port *dp = daemon_find_port(d, name);

	if (!dp)
		return control_fail(err, "port: no port named %s", name);
	if (network_owning_port(name))
		return control_fail(err, "port: %s belongs to network %s (net-stop it instead)", name,
			    network_owning_port(name));
	if (n == 3 && strcmp(dp->br->name, control_word(argv, 1)))
		return control_fail(err, "bridge: port %s is not on bridge %s", name, control_word(argv, 1));
	remove_port(d, dp);
	return ok();
}

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

static struct json_object *port_json(const struct daemon_port *dp)
{
	struct json_object *o = json_object_new_object();
	char vlan[128];

	port_vlan_format(&dp->br->vlan[dp->port->index], vlan, sizeof(vlan));
	json_object_object_add(o, "name", json_object_new_string(dp->port->name));
	json_object_object_add(o, "type", json_object_new_string(dp->port->ops->kind));
	json_object_object_add(o, "vlan", json_object_new_string(vlan));
	if (dp->port->mtu)
		json_object_object_add(o, "mtu", json_object_new_int((int)dp->port->mtu));
	dp->port->ops->describe(dp->port, o);
	return o;
}

static struct json_object *show(struct daemon *d, struct json_object *argv, char *err)
{
	struct json_object *res = json_object_new_object(), *brs = json_object_new_array();

	(void)argv, (void)err;
	for (unsigned b = 0; b < DAEMON_MAX_BRIDGES; b++) {
		struct bridge *br = d->bridges[b];
		struct json_object *bo, *ports;

		if (!br)
			continue;
		bo = json_object_new_object();
		ports = json_object_new_array();
		json_object_object_add(bo, "name", json_object_new_string(br->name));
		for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++)
			if (d->ports[i].port && d->ports[i].br == br)
				json_object_array_add(ports, port_json(&d->ports[i]));
		json_object_object_add(bo, "ports", ports);
		json_object_array_add(brs, bo);
	}
	json_object_object_add(res, "bridges", brs);
	json_object_object_add(res, "workers", json_object_new_int((int)d->pool.n));
	json_object_object_add(res, "poll", json_object_new_string(poll_mode_name(d->pool.w[0].mode)));
	return res;
}

/* Per worker: what it moved and the TSC cycles it spent per frame. */
static struct json_object *workers_json(const struct worker_pool *pool)
{
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; i < pool->n; i++) {
		const struct worker *w = &pool->w[i];
		struct json_object *o = json_object_new_object();
		uint64_t frames = __atomic_load_n(&w->frames, __ATOMIC_RELAXED);
		uint64_t cycles = __atomic_load_n(&w->busy_cycles, __ATOMIC_RELAXED);

		json_object_object_add(o, "id", json_object_new_int((int)w->id));
		json_object_object_add(o, "cpu", json_object_new_int(w->cpu));
		json_object_object_add(o, "frames", json_object_new_uint64(frames));
		json_object_object_add(o, "bursts", json_object_new_uint64(__atomic_load_n(&w->bursts, __ATOMIC_RELAXED)));
		json_object_object_add(o, "sleeps", json_object_new_uint64(__atomic_load_n(&w->sleeps, __ATOMIC_RELAXED)));
		json_object_object_add(o, "busy_cycles", json_object_new_uint64(cycles));
		json_object_object_add(o, "cycles_per_frame",
				       json_object_new_double(frames ? (double)cycles / (double)frames : 0));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *stats(struct daemon *d, struct json_object *argv, char *err)
{
	const char *only = json_object_array_length(argv) > 1 ? control_word(argv, 1) : NULL;
	struct json_object *res = json_object_new_object(), *ports = json_object_new_array();

	if (only && !daemon_find_port(d, only)) {
		json_object_put(res);
		json_object_put(ports);
		return control_fail(err, "port: no port named %s", only);
	}
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++) {
		struct daemon_port *dp = &d->ports[i];
		struct json_object *o;

		if (!dp->port || (only && strcmp(dp->port->name, only)))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(dp->port->name));
		json_object_object_add(o, "bridge", json_object_new_string(dp->br->name));
		json_object_object_add(o, "type", json_object_new_string(dp->port->ops->kind));
		json_object_object_add(o, "rx", counters_json(dp->port, false));
		json_object_object_add(o, "tx", counters_json(dp->port, true));
		json_object_array_add(ports, o);
	}
	json_object_object_add(res, "ports", ports);
	if (!only)
		json_object_object_add(res, "workers", workers_json(&d->pool));
	return res;
}

struct fdb_dump {
	struct daemon *d;
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

static struct json_object *fdb_show(struct daemon *d, struct json_object *argv, char *err)
{
	struct bridge *br = daemon_find_bridge(d, control_word(argv, 1));
	struct fdb_dump dump = { d, br, NULL };
	struct json_object *res;
	struct timespec ts;

	if (!br)
		return control_fail(err, "bridge: no bridge named %s", control_word(argv, 1));
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	res = json_object_new_object();
	dump.entries = json_object_new_array();
	fdb_foreach(br->fdb, fdb_entry, &dump,
		    (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
	json_object_object_add(res, "bridge", json_object_new_string(br->name));
	json_object_object_add(res, "entries", dump.entries);
	return res;
}

struct verb {
	const char *name;
	unsigned min_args, max_args; /* words after the verb */
	bool changes_config;
	verb_fn fn;
	const char *usage;
};

static const struct verb verbs[] = {
	{ "add-br", 1, 1, true, add_br, "add-br BRIDGE" },
	{ "del-br", 1, 1, true, del_br, "del-br BRIDGE" },
	{ "add-port", 3, 3 + PORT_MAX_OPTS, true, add_port,
	  "add-port BRIDGE PORT type=vhost-user|tap|afpacket|vxlan [key=value...]" },
	{ "del-port", 1, 2, true, del_port, "del-port [BRIDGE] PORT" },
	{ "show", 0, 0, false, show, "show" },
	{ "stats", 0, 1, false, stats, "stats [PORT]" },
	{ "fdb-show", 1, 1, false, fdb_show, "fdb-show BRIDGE" },
	{ "net-define", 1, 5, true, network_define,
	  "net-define NAME mode=nat|isolated|bridge [subnet=CIDR] [dhcp-range=START,END] [uplink=DEV]" },
	{ "net-undefine", 1, 1, true, network_undefine, "net-undefine NAME" },
	{ "net-start", 1, 1, true, network_start_verb, "net-start NAME" },
	{ "net-stop", 1, 1, true, network_stop_verb, "net-stop NAME" },
	{ "net-list", 0, 0, false, network_list, "net-list" },
	{ "net-dhcp-leases", 1, 1, false, network_dhcp_leases, "net-dhcp-leases NAME" },
};

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

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

struct json_object *control_execute(struct daemon *d, struct json_object *argv)
{
	char err[ERR_MAX] = "";
	const struct verb *v;
	struct json_object *res;
	size_t n;

	if (!json_object_is_type(argv, json_type_array) || !(n = json_object_array_length(argv)))
		return reply(NULL, "request: expected a JSON array of words");
	for (size_t i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(argv, i), json_type_string))
			return reply(NULL, "request: every word must be a string");
	v = find_verb(control_word(argv, 0));
	if (!v) {
		snprintf(err, sizeof(err), "%s: unknown command (try uvnetctl --help)", control_word(argv, 0));
		return reply(NULL, err);
	}
	if (n - 1 < v->min_args || n - 1 > v->max_args) {
		snprintf(err, sizeof(err), "%s: usage: %s", v->name, v->usage);
		return reply(NULL, err);
	}
	res = v->fn(d, argv, err);
	if (res && v->changes_config && !d->loading && state_save(d))
		log_error("could not write the state file %s", d->state_path);
	return reply(res, err);
}

/* ---- the socket ---- */

int control_listen(struct daemon *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(d->control_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, d->control_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(d->control_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(d->control_path, 0600) ||
	    listen(fd, 16)) {
		int e = errno;

		close(fd);
		return -e;
	}
	d->control_fd = fd;
	return 0;
}

/* Read one request (up to EOF or newline), bounded in size and time. */
static struct json_object *read_request(int fd)
{
	struct timeval tv = { .tv_sec = 2 };
	static char buf[65536];
	size_t len = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (len < sizeof(buf) - 1) {
		ssize_t r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);

		if (r <= 0)
			break;
		len += (size_t)r;
		if (memchr(buf + len - (size_t)r, '\n', (size_t)r))
			break;
	}
	buf[len] = '\0';
	return json_tokener_parse(buf);
}

void control_on_accept(void *arg)
{
	struct daemon *d = arg;
	int fd = accept4(d->control_fd, NULL, NULL, SOCK_CLOEXEC);
	struct json_object *req, *rep;
	const char *out;

	if (fd < 0)
		return;
	req = read_request(fd);
	rep = req ? control_execute(d, req) : reply(NULL, "request: not valid JSON");
	out = json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PLAIN);
	if (send(fd, out, strlen(out), MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0)
		log_warn("could not send a reply: %s", strerror(errno));
	json_object_put(req);
	json_object_put(rep);
	close(fd);
}
