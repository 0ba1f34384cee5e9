/* SPDX-License-Identifier: MIT */
/*
 * The daemon's bridges and ports (see daemon.h): the only place they are
 * made and torn down, the port environment (workers, the event loop, the
 * switch) lent to every port kind, and the 1 s housekeeping tick.
 */
#include "daemon/daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon/ovn.h"
#include "daemon/psec_spec.h"
#include "port/port_kind.h"
#include "util/log.h"
#include "util/parse.h"

LOG_MODULE("daemon");

static struct daemon *env_daemon(struct port_env *env)
{
	return (struct daemon *)((char *)env - offsetof(struct daemon, env));
}

static int env_attach(struct port_env *env, struct port_queue *q, struct error *e)
{
	return worker_pool_attach(&env_daemon(env)->pool, q, e);
}

static void env_detach(struct port_env *env, struct port_queue *q)
{
	worker_pool_detach(&env_daemon(env)->pool, q);
}

static int env_watch(struct port_env *env, int fd, void (*cb)(void *), void *arg)
{
	return loop_watch(&env_daemon(env)->loop, fd, cb, arg);
}

static void env_unwatch(struct port_env *env, int fd)
{
	loop_unwatch(&env_daemon(env)->loop, fd);
}

/* Frames made by the control thread (RARP announcements) go through the
 * bridge like any other, with the control thread's own scratch space. */
static void env_inject(struct port_env *env, struct port *p, struct frame *f)
{
	if (p->bridge)
		bridge_forward(env_daemon(env)->inject_scratch, p, f, 1, PORT_SLOT_CONTROL);
}

/* Once a second: FDB aging, the ports' housekeeping (reconnects), the
 * networks' (dnsmasq supervision). */
static void on_tick(void *arg)
{
	struct daemon *d = arg;
	uint64_t ticks, ms = bridge_now_ms();

	if (read(d->timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	for (unsigned b = 0; b < DAEMON_MAX_BRIDGES; b++)
		if (d->bridges[b].sw)
			fdb_age(d->bridges[b].sw->fdb, ms);
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++)
		if (d->ports[i].port && d->ports[i].port->ops->tick)
			d->ports[i].port->ops->tick(d->ports[i].port);
	for (unsigned i = 0; i < NETWORK_MAX; i++)
		if (d->networks[i])
			network_tick(d->networks[i]);
	daemon_learn_tick(d);
	if (d->ovn)
		ovn_tick(d->ovn);
}

static int start_tick(struct daemon *d, struct error *e)
{
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	int rc;

	d->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->timer_fd < 0 || timerfd_settime(d->timer_fd, 0, &its, NULL))
		return error_set(e, -errno, "timer: %s", strerror(errno));
	rc = loop_watch(&d->loop, d->timer_fd, on_tick, d);
	return rc ? error_set(e, rc, "timer: cannot watch it: %s", strerror(-rc)) : 0;
}

/* The directory of file p, made absolute: dnsmasq changes its working
 * directory, and front-ends are given socket paths. */
static void dir_of(const char *p, char *buf, size_t len)
{
	const char *slash = strrchr(p, '/');
	char cwd[PATH_MAX] = "";

	if (p[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	snprintf(buf, len, "%s%s%.*s", cwd, cwd[0] ? "/" : "",
		 slash ? (int)(slash - p) + (slash == p) : 1, slash ? p : ".");
}

int daemon_start(struct daemon *d, const struct daemon_config *cfg, struct error *e)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->timer_fd = -1;
	d->captures.timer_fd = -1;
	d->loop.epfd = -1;
	d->control_path = cfg->control_path;
	d->state_path = cfg->state_path;
	/* the state file's directory (the control socket's without one) */
	dir_of(d->state_path ? d->state_path : d->control_path, d->state_dir, sizeof(d->state_dir));
	dir_of(d->control_path, d->run_dir, sizeof(d->run_dir));
	d->env = (struct port_env){ env_attach, env_detach, env_watch, env_unwatch, env_inject,
				    cfg->workers };
	d->inject_scratch = calloc(1, sizeof(*d->inject_scratch));
	if (!d->inject_scratch)
		rc = error_set(e, -ENOMEM, "out of memory");
	else if (!(rc = loop_init(&d->loop, e)) &&
		 (rc = worker_pool_start(&d->pool, cfg->workers, cfg->poll, cfg->cpus, cfg->ncpus)))
		error_set(e, rc, "workers: cannot start %u: %s", cfg->workers, strerror(-rc));
	if (!rc)
		rc = start_tick(d, e);
	if (!rc)
		rc = capture_init(d, e);
	if (rc)
		daemon_stop(d);
	return rc;
}

static void remove_port(struct daemon *d, struct daemon_port *dp)
{
	char name[PORT_NAME_MAX];

	snprintf(name, sizeof(name), "%s", dp->port->name);
	capture_port_removed(d, dp);
	daemon_mirrors_port_removed(d, dp);
	bridge_remove_port(dp->br->sw, dp->port);
	worker_pool_sync(&d->pool); /* no burst still comes from or goes to it */
	bridge_forget_port(dp->br->sw, dp->port);
	dp->port->ops->destroy(dp->port);
	json_object_put(dp->options);
	daemon_learn_stop(dp);
	*dp = (struct daemon_port){ 0 };
	d->dirty = true;
	log_info("port %s removed", name);
	daemon_net_release(d, name); /* its address reservation, if any */
	if (d->ovn) /* a binding it held is released */
		ovn_run(d->ovn);
}

static void remove_bridge(struct daemon *d, struct daemon_bridge *br)
{
	char name[BRIDGE_NAME_MAX];

	snprintf(name, sizeof(name), "%s", br->sw->name);
	daemon_mirrors_bridge_removed(d, br);
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++)
		if (d->ports[i].port && d->ports[i].br == br)
			remove_port(d, &d->ports[i]);
	bridge_free(br->sw);
	*br = (struct daemon_bridge){ 0 };
	d->dirty = true;
	log_info("bridge %s removed", name);
}

void daemon_stop(struct daemon *d)
{
	/* The OVN chassis first: its rows leave the Southbound while the
	 * session is still up.  Then networks (dnsmasq, rules), then ports:
	 * their rings stop while the workers still run, so every popped chain
	 * is completed before the memory is unmapped. */
	ovn_free(d->ovn, true);
	d->ovn = NULL;
	capture_fini(d);
	for (unsigned i = 0; i < NETWORK_MAX; i++)
		if (d->networks[i]) {
			network_stop(d->networks[i], d, false);
			network_free(d->networks[i]);
			d->networks[i] = NULL;
		}
	for (unsigned b = 0; b < DAEMON_MAX_BRIDGES; b++)
		if (d->bridges[b].sw)
			remove_bridge(d, &d->bridges[b]);
	worker_pool_stop(&d->pool);
	if (d->timer_fd >= 0)
		close(d->timer_fd);
	loop_fini(&d->loop);
	free(d->inject_scratch);
	d->inject_scratch = NULL;
}

bool daemon_valid_name(const char *s, size_t max)
{
	return parse_name_n(s, strlen(s), max);
}

struct daemon_bridge *daemon_find_bridge(struct daemon *d, const char *name)
{
	for (unsigned i = 0; i < DAEMON_MAX_BRIDGES; i++)
		if (d->bridges[i].sw && !strcmp(d->bridges[i].sw->name, name))
			return &d->bridges[i];
	return NULL;
}

struct daemon_port *daemon_find_port(struct daemon *d, const char *name)
{
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++)
		if (d->ports[i].port && !strcmp(d->ports[i].port->name, name))
			return &d->ports[i];
	return NULL;
}

/* May a call made as `as` (a network, or NULL) delete what `owner` made? */
static bool may_delete(const char *owner, const char *as)
{
	return !owner[0] || (as && !strcmp(owner, as));
}

int daemon_add_bridge(struct daemon *d, const char *name, const char *owner, struct error *e)
{
	struct daemon_bridge *slot = NULL;

	if (!daemon_valid_name(name, BRIDGE_NAME_MAX))
		return error_set(e, -EINVAL, "bridge: '%s' is not a valid name (1-%d of A-Z a-z 0-9 - _ .)",
				 name, BRIDGE_NAME_MAX - 1);
	if (daemon_find_bridge(d, name))
		return error_set(e, -EEXIST, "bridge: %s already exists", name);
	for (unsigned i = 0; i < DAEMON_MAX_BRIDGES && !slot; i++)
		if (!d->bridges[i].sw)
			slot = &d->bridges[i];
	if (!slot)
		return error_set(e, -ENOSPC, "bridge: the daemon already has %d bridges",
				 DAEMON_MAX_BRIDGES);
	slot->sw = bridge_new(name);
	if (!slot->sw)
		return error_set(e, -ENOMEM, "bridge: out of memory");
	snprintf(slot->owner, sizeof(slot->owner), "%s", owner ? owner : "");
	d->dirty = true;
	log_info("bridge %s added", name);
	return 0;
}

int daemon_del_bridge(struct daemon *d, const char *name, const char *as, struct error *e)
{
	struct daemon_bridge *br = daemon_find_bridge(d, name);

	if (!br)
		return error_set(e, -ENOENT, "bridge: no bridge named %s", name);
	if (!may_delete(br->owner, as))
		return error_set(e, -EPERM, "bridge: %s belongs to network %s (net-stop it instead)",
				 name, br->owner);
	remove_bridge(d, br);
	return 0;
}

/* Split "key=value" words into o; values point into the words. */
static int parse_options(const char *const *w, unsigned n, struct port_opts *o, struct error *e)
{
	o->n = 0;
	for (unsigned i = 0; i < n; i++) {
		const char *eq = strchr(w[i], '=');
		size_t klen = eq ? (size_t)(eq - w[i]) : 0;

		if (!eq || klen == 0 || klen >= sizeof(o->kv[0].key))
			return error_set(e, -EINVAL, "%s: expected key=value", w[i]);
		if (o->n == PORT_MAX_OPTS)
			return error_set(e, -E2BIG, "%s: more than %d options", w[i], PORT_MAX_OPTS);
		memcpy(o->kv[o->n].key, w[i], klen);
		o->kv[o->n].key[klen] = '\0';
		for (unsigned k = 0; k < o->n; k++)
			if (!strcmp(o->kv[k].key, o->kv[o->n].key))
				return error_set(e, -EINVAL, "%s: given twice", o->kv[k].key);
		o->kv[o->n].value = eq + 1;
		o->kv[o->n].used = false;
		o->n++;
	}
	return 0;
}

/* tag=N alone: access port.  trunks=LIST: trunk port, with tag=N as its
 * native (untagged) VLAN if both are given.  Neither: carries all VLANs. */
static int vlan_from_options(struct port_opts *o, struct port_vlan *v, struct error *e)
{
	const char *tag = port_opt_get(o, "tag"), *trunks = port_opt_get(o, "trunks");
	struct error why;
	uint64_t id;

	port_vlan_init(v);
	if (trunks && port_vlan_parse_trunks(v, trunks, &why))
		return error_set(e, -EINVAL, "trunks: %s", why.msg);
	if (!tag)
		return 0;
	if (!parse_uint(tag, 0, VLAN_ID_MAX, &id))
		return error_set(e, -EINVAL, "tag: '%s' is not a VLAN id (0-4095)", tag);
	if (trunks ? port_vlan_set_native(v, (uint16_t)id) : port_vlan_set_access(v, (uint16_t)id))
		return error_set(e, -EINVAL, "tag: %u cannot be used here", (unsigned)id);
	return 0;
}

/* iface-id=LSP, on any kind: the OVN logical port the port is bound to
 * (ovn.c reads it from the port's words).  Read here, so no kind
 * refuses it as an option of its own. */
static int iface_id_from_options(struct port_opts *o, struct error *e)
{
	const char *s = port_opt_get(o, "iface-id");

	if (!s)
		return 0;
	if (!*s || strlen(s) > 127)
		return error_set(e, -EINVAL, "iface-id: a logical port name of 1-127 characters");
	for (const char *c = s; *c; c++)
		if (*c <= ' ' || *c > '~')
			return error_set(e, -EINVAL, "iface-id: '%s' has a space or a control character", s);
	return 0;
}

static int mtu_from_options(struct port_opts *o, unsigned *mtu, struct error *e)
{
	const char *s = port_opt_get(o, "mtu");
	uint64_t v;

	*mtu = 0;
	if (!s)
		return 0;
	if (!parse_uint(s, 68, 65535, &v))
		return error_set(e, -EINVAL, "mtu: '%s' is not a number from 68 to 65535", s);
	*mtu = (unsigned)v;
	return 0;
}

/* ingress-policing-rate=KBPS (0: off), ingress-policing-burst=KBITS. */
static int police_from_options(struct port_opts *o, struct police_cfg *p, struct error *e)
{
	const char *keys[2] = { "ingress-policing-rate", "ingress-policing-burst" };
	uint64_t v[2] = { 0, 0 };

	for (int i = 0; i < 2; i++) {
		const char *s = port_opt_get(o, keys[i]);

		if (s && !parse_uint(s, 0, UINT32_MAX, &v[i]))
			return error_set(e, -EINVAL, "%s: '%s' is not a number from 0 to %u (%s)", keys[i],
					 s, UINT32_MAX, i ? "kbit; 0: 8000" : "kbit/s; 0: off");
	}
	police_cfg_init(p, (uint32_t)v[0], (uint32_t)v[1]);
	return 0;
}

/* port-security= (psec_spec.h), network:MAC resolved already. */
static int sec_from_options(struct port_opts *o, struct bridge_port_cfg *cfg, struct error *e)
{
	const char *sec = port_opt_get(o, "port-security");
	struct psec_spec s;
	int rc;

	if (!sec)
		return 0;
	if ((rc = psec_spec_parse(sec, &s, e)))
		return rc;
	switch (s.kind) {
	case PSEC_SPEC_OFF:
		return 0;
	case PSEC_SPEC_NETWORK_MAC:
		return error_set(e, -EINVAL, "port-security: network:MAC is for add-port");
	case PSEC_SPEC_NETWORK_LEARN:
		port_sec_learning(&cfg->sec, NULL);
		cfg->learn = true;
		break;
	case PSEC_SPEC_STATIC:
		cfg->sec = s.sec;
		break;
	}
	cfg->secure = true;
	return 0;
}

/*
 * What the switch does with the port (bridge.h): VLANs (tag=, trunks=),
 * max-macs=N (0: no limit; default: the kind's), port-security= (off,
 * MAC[,IP...], network:learn), ingress policing.
 */
static int cfg_from_options(struct port_opts *o, const struct port_kind *kind,
			    struct bridge_port_cfg *cfg, struct error *e)
{
	const char *max = port_opt_get(o, "max-macs");
	uint64_t v;
	int rc;

	bridge_port_cfg_init(cfg);
	if ((rc = vlan_from_options(o, &cfg->vlan, e)) ||
	    (rc = police_from_options(o, &cfg->police, e)))
		return rc;
	cfg->max_macs = kind ? kind->default_max_macs : 0;
	if (max) {
		if (!parse_uint(max, 0, BRIDGE_FDB_SIZE, &v))
			return error_set(e, -EINVAL, "max-macs: '%s' is not a number from 0 (no limit) to %d",
					 max, BRIDGE_FDB_SIZE);
		cfg->max_macs = (unsigned)v;
	}
	return sec_from_options(o, cfg, e);
}

static struct json_object *words_json(const char *const *w, unsigned n)
{
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(w[i]));
	return a;
}

static struct daemon_port *free_port_slot(struct daemon *d)
{
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++)
		if (!d->ports[i].port)
			return &d->ports[i];
	return NULL;
}

static int check_new_port(struct daemon *d, struct daemon_bridge *br, const char *bridge,
			  const char *name, struct error *e)
{
	if (!br)
		return error_set(e, -ENOENT, "bridge: no bridge named %s", bridge);
	if (!daemon_valid_name(name, PORT_NAME_MAX))
		return error_set(e, -EINVAL, "port: '%s' is not a valid name (1-%d of A-Z a-z 0-9 - _ .)",
				 name, PORT_NAME_MAX - 1);
	if (daemon_find_port(d, name))
		return error_set(e, -EEXIST, "port: %s already exists", name);
	if (!free_port_slot(d))
		return error_set(e, -ENOSPC, "port: the daemon already has %d ports", DAEMON_MAX_PORTS);
	return 0;
}

#define PSEC_NETWORK "port-security=" PSEC_SPEC_NETWORK

static int add_port(struct daemon *d, struct daemon_bridge *br, const char *name,
		    const char *const *opts, unsigned nopts, const char *const *given,
		    const char *owner, struct error *e);

/*
 * port-security=network:MAC asks the network for the port's address
 * (daemon_net_port_security()): words[] is opts with that word resolved
 * to port-security=MAC,IP into buf.  The port keeps the words it was
 * given, so a replayed state file asks again and gets the same address.
 * network:learn stays as it is (the port asks once it sent a frame),
 * on a network's bridge only.
 */
static int resolve_network_security(struct daemon *d, const char *bridge, const char *name,
				    const char *const *opts, unsigned nopts, const char **words,
				    char *buf, size_t len, struct error *e)
{
	size_t k = strlen(PSEC_NETWORK) - strlen(PSEC_SPEC_NETWORK);
	struct psec_spec s;
	int rc;

	for (unsigned i = 0; i < nopts; i++) {
		words[i] = opts[i];
		if (strncmp(opts[i], PSEC_NETWORK, strlen(PSEC_NETWORK)))
			continue;
		if ((rc = psec_spec_parse(opts[i] + k, &s, e)))
			return rc;
		if (s.kind == PSEC_SPEC_NETWORK_LEARN) {
			if ((rc = daemon_net_check_bridge(d, bridge, "learn", e)))
				return rc;
			continue;
		}
		memcpy(buf, opts[i], k);
		rc = daemon_net_port_security(d, bridge, name, opts[i] + strlen(PSEC_NETWORK),
					      buf + k, len - k, e);
		if (rc)
			return rc;
		words[i] = buf;
	}
	return 0;
}

int daemon_add_port(struct daemon *d, const char *bridge, const char *name,
		    const char *const *opts, unsigned nopts, const char *owner, struct error *e)
{
	struct daemon_bridge *br = daemon_find_bridge(d, bridge);
	const char *words[PORT_MAX_OPTS];
	char psec[128];
	int rc = check_new_port(d, br, bridge, name, e);

	if (rc)
		return rc;
	if (nopts > PORT_MAX_OPTS)
		return error_set(e, -E2BIG, "%s: more than %d options", opts[PORT_MAX_OPTS],
				 PORT_MAX_OPTS);
	rc = resolve_network_security(d, bridge, name, opts, nopts, words, psec, sizeof(psec), e);
	if (!rc)
		rc = add_port(d, br, name, words, nopts, opts, owner, e);
	if (rc)
		daemon_net_release(d, name);
	return rc;
}

/* daemon_add_port() once the words are resolved; saved: the words given. */
static int add_port(struct daemon *d, struct daemon_bridge *br, const char *name,
		    const char *const *opts, unsigned nopts, const char *const *given,
		    const char *owner, struct error *e)
{
	const char *bridge = br->sw->name;
	struct daemon_port *slot;
	struct bridge_port_cfg cfg;
	struct port_opts o;
	struct port *p;
	const char *type;
	unsigned mtu;
	int rc;

	if ((rc = parse_options(opts, nopts, &o, e)))
		return rc;
	if ((rc = iface_id_from_options(&o, e)))
		return rc;
	if (!(type = port_opt_get(&o, "type"))) /* the registry says which kinds there are */
		return port_create(NULL, name, &o, &d->env, &p, e);
	if ((rc = cfg_from_options(&o, port_kind_find(type), &cfg, e)) ||
	    (rc = mtu_from_options(&o, &mtu, e)) ||
	    (rc = port_create(type, name, &o, &d->env, &p, e)))
		return rc;
	if (mtu) /* else keep what the port found itself (a tunnel's underlay) */
		p->mtu = mtu;
	slot = free_port_slot(d);
	if (cfg.learn && daemon_learn_start(slot)) {
		p->ops->destroy(p);
		return error_set(e, -ENOMEM, "port %s: out of memory", name);
	}
	if ((rc = bridge_add_port(br->sw, p, &cfg))) {
		daemon_learn_stop(slot);
		p->ops->destroy(p);
		if (rc == -ENOMEM)
			return error_set(e, rc, "bridge: out of memory");
		return error_set(e, -ENOSPC, "bridge: %s has %d ports already", bridge, BRIDGE_MAX_PORTS);
	}
	*slot = (struct daemon_port){ .port = p, .br = br, .options = words_json(given, nopts),
				      .learn = slot->learn };
	snprintf(slot->owner, sizeof(slot->owner), "%s", owner ? owner : "");
	d->dirty = true;
	log_info("port %s (%s) added to %s", name, type, bridge);
	if (d->ovn)
		ovn_run(d->ovn);
	return 0;
}

/* The VLAN and port security the port's own words give it (as add-port made it). */
static void own_cfg(struct daemon_port *dp, struct bridge_port_cfg *own)
{
	const char *w[PORT_MAX_OPTS];
	size_t n = json_object_array_length(dp->options);
	struct port_opts o;
	struct error e;

	for (size_t i = 0; i < n && i < PORT_MAX_OPTS; i++)
		w[i] = json_object_get_string(json_object_array_get_idx(dp->options, i));
	/* it was made with these words: they parse */
	if (parse_options(w, (unsigned)(n < PORT_MAX_OPTS ? n : PORT_MAX_OPTS), &o, &e) ||
	    cfg_from_options(&o, port_kind_find(dp->port->ops->kind), own, &e))
		bridge_port_cfg_init(own);
	daemon_learn_cfg(dp, own);
}

static bool vlan_equal(const struct port_vlan *a, const struct port_vlan *b)
{
	return a->mode == b->mode && a->tag == b->tag && a->has_native == b->has_native &&
	       a->native == b->native && !memcmp(a->trunks, b->trunks, sizeof(a->trunks));
}

unsigned daemon_port_set_ovn(struct daemon *d, struct daemon_port *dp, const struct port_vlan *vlan,
			     const struct port_sec *sec)
{
	struct bridge *sw = dp->br->sw;
	const struct bridge_port_cfg *cur = bridge_port_cfg(sw, dp->port);
	struct bridge_port_cfg cfg = *cur, own, *old;
	unsigned changed = 0;

	own_cfg(dp, &own);
	cfg.vlan = vlan ? *vlan : own.vlan;
	cfg.secure = sec ? true : own.secure;
	cfg.learn = sec ? false : own.learn;
	cfg.sec = sec ? *sec : own.sec;
	if (cfg.learn && cur->learn) /* the same latch: unchanged */
		cfg.sec.latch = cur->sec.latch;
	if (!vlan_equal(&cfg.vlan, &cur->vlan))
		changed |= DAEMON_OVN_VLAN;
	if (cfg.secure != cur->secure || (cfg.secure && memcmp(&cfg.sec, &cur->sec, sizeof(cfg.sec))))
		changed |= DAEMON_OVN_SEC;
	if (!changed)
		return 0;
	/* the rest of its configuration (limit) kept; swapped whole */
	if (bridge_set_port_cfg(sw, dp->port, &cfg, &old)) {
		log_error("%s: out of memory: its VLAN and security configuration is unchanged",
			  dp->port->name);
		return 0;
	}
	worker_pool_sync(&d->pool); /* no burst still uses the old configuration */
	free(old);
	fdb_flush_port(sw->fdb, dp->port->index);
	return changed;
}

int daemon_del_port(struct daemon *d, const char *bridge, const char *name, const char *as,
		    struct error *e)
{
	struct daemon_port *dp = daemon_find_port(d, name);

	if (!dp)
		return error_set(e, -ENOENT, "port: no port named %s", name);
	if (!may_delete(dp->owner, as))
		return error_set(e, -EPERM, "port: %s belongs to network %s (net-stop it instead)", name,
				 dp->owner);
	if (bridge && strcmp(dp->br->sw->name, bridge))
		return error_set(e, -EINVAL, "bridge: port %s is not on bridge %s", name, bridge);
	remove_port(d, dp);
	return 0;
}

/* ---- set-port ---- */

/* The options every kind takes, and which of them set-port changes. */
static const char *const generic_options[] = { "port-security", "tag", "trunks", "mtu",
					       "max-macs", "ingress-policing-rate",
					       "ingress-policing-burst", NULL };

static bool in_list(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(key, *list))
			return true;
	return false;
}

/* Is `key` in the comma list `csv`? */
static bool in_csv(const char *key, const char *csv)
{
	size_t n = strlen(key);

	for (const char *p = csv; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, key, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* Does the kind's option summary ("path=SOCKET [mode=...]") name key=? */
static bool kind_has_option(const struct port_kind *k, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = k->options; p && (p = strstr(p, key)); p += n)
		if ((p == k->options || p[-1] == ' ' || p[-1] == '[') && p[n] == '=')
			return true;
	return false;
}

/* May set-port change key=value on a port of kind k?  0 or why not. */
static int settable(const struct port_kind *k, const char *kind, const char *key, struct error *e)
{
	if (in_list(key, generic_options)) {
		if (k && k->fixed_options && in_csv(key, k->fixed_options))
			return error_set(e, -EOPNOTSUPP,
					 "%s: a %s port cannot change it at run time (del-port and add-port)",
					 key, kind);
		return 0;
	}
	if (!strcmp(key, "type") || !strcmp(key, "iface-id") || (k && kind_has_option(k, key)))
		return error_set(e, -EOPNOTSUPP,
				 "%s: a %s port cannot change it at run time (del-port and add-port)",
				 key, kind);
	return error_set(e, -EINVAL, "%s: unknown option for a %s port", key, kind);
}

/* An empty value, or port-security=off, removes the word. */
static bool word_kept(const char *w)
{
	return strchr(w, '=')[1] && strcmp(w, "port-security=off");
}

/* The port's words with key=value words of `set` (n <= PORT_MAX_OPTS)
 * in place of theirs, new keys at the end. */
static struct json_object *merge_words(struct json_object *old, const char *const *set, unsigned n)
{
	struct json_object *a = json_object_new_array();

	bool placed[PORT_MAX_OPTS] = { false };

	for (size_t i = 0; i < json_object_array_length(old); i++) {
		const char *w = json_object_get_string(json_object_array_get_idx(old, i));
		size_t klen = strcspn(w, "=");
		unsigned k;

		for (k = 0; k < n; k++)
			if (!strncmp(set[k], w, klen) && set[k][klen] == '=')
				break;
		if (k == n) {
			json_object_array_add(a, json_object_new_string(w));
		} else if (!placed[k]) { /* in the old word's place */
			placed[k] = true;
			if (word_kept(set[k]))
				json_object_array_add(a, json_object_new_string(set[k]));
		}
	}
	for (unsigned k = 0; k < n; k++)
		if (!placed[k] && word_kept(set[k]))
			json_object_array_add(a, json_object_new_string(set[k]));
	return a;
}

int daemon_set_port(struct daemon *d, const char *name, const char *const *opts, unsigned nopts,
		    struct error *e)
{
	struct daemon_port *dp = daemon_find_port(d, name);
	const struct port_kind *k;
	const struct bridge_port_cfg *cur;
	struct bridge_port_cfg cfg, *old;
	struct json_object *merged;
	const char *words[PORT_MAX_OPTS + 1];
	char psec[128];
	struct port_opts o;
	unsigned mtu, nw;
	bool relearn, learn_words;
	int rc;

	if (!dp)
		return error_set(e, -ENOENT, "port: no port named %s", name);
	k = port_kind_find(dp->port->ops->kind);
	if ((rc = parse_options(opts, nopts, &o, e)))
		return rc;
	if (port_opt_get(&o, "port-security") &&
	    !strncmp(port_opt_get(&o, "port-security"), PSEC_SPEC_NETWORK, strlen(PSEC_SPEC_NETWORK)))
		return error_set(e, -EINVAL, "port-security: network:MAC and network:learn are for "
				 "add-port (the address is reserved with the port); give "
				 "port-security=MAC,IP");
	for (unsigned i = 0; i < o.n; i++)
		if ((rc = settable(k, dp->port->ops->kind, o.kv[i].key, e)))
			return rc;
	/* the whole configuration again, from the words it would be saved with */
	merged = merge_words(dp->options, opts, nopts);
	nw = (unsigned)json_object_array_length(merged);
	if (nw > PORT_MAX_OPTS) {
		json_object_put(merged);
		return error_set(e, -E2BIG, "port: more than %d options", PORT_MAX_OPTS);
	}
	for (unsigned i = 0; i < nw; i++)
		words[i] = json_object_get_string(json_object_array_get_idx(merged, i));
	/* a port-security=network:MAC the port was made with: its own
	 * reservation again, unchanged */
	if ((rc = resolve_network_security(d, dp->br->sw->name, name, words, nw, words, psec,
					   sizeof(psec), e)) ||
	    (rc = parse_options(words, nw, &o, e)) || (rc = cfg_from_options(&o, k, &cfg, e)) ||
	    (rc = mtu_from_options(&o, &mtu, e))) {
		json_object_put(merged);
		return error_prefix(e, "port %s", name);
	}
	learn_words = cfg.learn;
	daemon_learn_cfg(dp, &cfg); /* still network:learn: the lock it has */
	if (cfg.learn) /* still learning, on the same latch */
		cfg.sec.latch = bridge_port_cfg(dp->br->sw, dp->port)->sec.latch;
	if ((rc = bridge_set_port_cfg(dp->br->sw, dp->port, &cfg, &old))) {
		json_object_put(merged);
		return error_set(e, rc, "port %s: out of memory", name);
	}
	/* no burst reads the old configuration any more: free it, and
	 * forget what was learned under it if that no longer holds */
	worker_pool_sync(&d->pool);
	cur = &cfg;
	relearn = !vlan_equal(&old->vlan, &cur->vlan) || old->secure != cur->secure ||
		  memcmp(&old->sec, &cur->sec, sizeof(cur->sec)) ||
		  (cur->max_macs && (!old->max_macs || cur->max_macs < old->max_macs));
	free(old);
	if (relearn)
		fdb_flush_port(dp->br->sw->fdb, dp->port->index);
	for (unsigned i = 0; i < nopts; i++)
		if (!strncmp(opts[i], "mtu=", 4))
			__atomic_store_n(&dp->port->mtu, mtu, __ATOMIC_RELAXED);
	json_object_put(dp->options);
	dp->options = merged;
	if (!learn_words) /* port-security= replaced network:learn */
		daemon_learn_stop(dp);
	d->dirty = true;
	log_info("port %s: set %u option(s)", name, nopts);
	if (d->ovn) /* what the chassis manages (VLAN, security) over the words */
		ovn_run(d->ovn);
	return 0;
}
