/* SPDX-License-Identifier: MIT */
/*
 * The OVN chassis (ovn.h): its settings, its life (ovn_new, ovn_run,
 * ovn_tick, ovn_free), the Southbound session handshake and the daemon
 * API.  Registration, nb_cfg echo and removal: ovn_chassis.c; the
 * Port_Binding claims: ovn_binding.c; the data path: ovn_datapath.c;
 * ovn-show: ovn_show.c; what they share: ovn_impl.h.
 *
 * Handshake, on every (re)connection: get_schema and monitor_cond of
 * _Server's Database table; a clustered member that is not connected to
 * its cluster, or whose Raft index is behind one already seen (it missed
 * writes: stale data), is left for the next remote, now or when that
 * changes later.  Any connected member will do, a follower as well as the
 * leader (followers pass transactions on to the leader): what
 * ovn-controller does (ovsdb_idl_set_leader_only(false)), with ovsdb-cs's
 * checks.  Then get_schema OVN_Southbound: the
 * major version must be 20 and every column used here must exist.  Then
 * monitor_cond (monitor with a server that lacks it) of the tables below;
 * its reply replaces the cache, and only then does ovn_run() write.  While
 * the database is away the cache keeps the last state.
 */
#include "daemon/ovn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/ovn_acl.h"
#include "daemon/ovn_impl.h"
#include "daemon/ovsdb_conn.h"
#include "ovsdb/cache.h"
#include "util/log.h"

LOG_MODULE("ovn");

#define SB_SCHEMA_MAJOR 20

static const char *const global_cols[] = { "nb_cfg", NULL, NULL };
static const char *const chassis_cols[] = { "name", "hostname", "encaps", "other_config",
					    "external_ids", NULL };
static const char *const encap_cols[] = { "type", "ip", "options", "chassis_name", NULL };
static const char *const private_cols[] = { "name", "chassis", "nb_cfg", NULL };
static const char *const pb_cols[] = { "logical_port", "type", "datapath", "tunnel_key",
				       "chassis", "mac", "port_security", "up",
				       "requested_chassis", "options", NULL };
static const char *const dp_cols[] = { "tunnel_key", "external_ids", NULL };
static const char *const mg_cols[] = { "datapath", "name", "tunnel_key", "ports", NULL };
static const char *const dpg_cols[] = { "datapaths", NULL };
static const char *const fdb_cols[] = { "mac", "dp_key", "port_key", NULL };

static const struct ovsdb_table_spec sb_tables[] = {
	{ "SB_Global", global_cols, NULL },
	{ "Chassis", chassis_cols, NULL },
	{ "Encap", encap_cols, NULL },
	{ "Chassis_Private", private_cols, NULL },
	{ "Port_Binding", pb_cols, NULL },
	{ "Datapath_Binding", dp_cols, NULL },
	{ "Multicast_Group", mg_cols, NULL },
	{ "Logical_Flow", ovn_acl_flow_cols, ovn_acl_flow_where }, /* ACLs, to say we ignore them */
	{ "Logical_DP_Group", dpg_cols, NULL },
	{ "FDB", fdb_cols, NULL },
};

static const char *const db_cols[] = { "name", "model", "connected", "leader", "index", NULL };
static const struct ovsdb_table_spec server_tables[] = { { "Database", db_cols, NULL } };

/* ---- configuration ---- */

static bool printable_id(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == '"' || *s == '\\')
			return false;
	return true;
}

int ovn_config_parse(struct ovn_config *cfg, const char *const *w, unsigned n, struct error *e)
{
	struct ovsdb_remote r[OVSDB_MAX_REMOTES];
	unsigned nr;
	int rc;

	for (unsigned i = 0; i < n; i++) {
		const char *eq = strchr(w[i], '='), *v = eq ? eq + 1 : NULL;
		size_t klen = eq ? (size_t)(eq - w[i]) : 0;

#define KEY(k) (klen == strlen(k) && !strncmp(w[i], k, klen))
		if (!eq)
			return error_set(e, -EINVAL, "%s: expected key=value", w[i]);
		if (KEY("remote")) {
			if ((rc = ovsdb_remotes_parse(v, r, OVSDB_MAX_REMOTES, &nr, e)))
				return rc;
			if (strlen(v) >= sizeof(cfg->remote))
				return error_set(e, -EINVAL, "remote: longer than %zu characters",
						 sizeof(cfg->remote) - 1);
			snprintf(cfg->remote, sizeof(cfg->remote), "%s", v);
		} else if (KEY("encap-ip")) {
			struct in_addr a;
			struct in6_addr a6;

			if (inet_pton(AF_INET, v, &a) != 1) {
				if (inet_pton(AF_INET6, v, &a6) == 1)
					return error_set(e, -EAFNOSUPPORT,
							 "encap-ip: '%s': IPv6 underlays are not supported (IPv4 only)", v);
				return error_set(e, -EINVAL, "encap-ip: '%s' is not an IPv4 address", v);
			}
			if (!a.s_addr || a.s_addr == 0xffffffffu || (ntohl(a.s_addr) >> 28) == 0xe)
				return error_set(e, -EINVAL, "encap-ip: '%s' is not a unicast address", v);
			snprintf(cfg->encap_ip, sizeof(cfg->encap_ip), "%s", v);
		} else if (KEY("encap-type")) {
			if (strcmp(v, "geneve") && strcmp(v, "vxlan"))
				return error_set(e, -EINVAL, "encap-type: '%s' is not geneve or vxlan", v);
			snprintf(cfg->encap_type, sizeof(cfg->encap_type), "%s", v);
		} else if (KEY("system-id")) {
			if (!printable_id(v, sizeof(cfg->system_id)))
				return error_set(e, -EINVAL, "system-id: '%s' is not 1-%zu printable characters "
						 "without spaces or quotes", v, sizeof(cfg->system_id) - 1);
			snprintf(cfg->system_id, sizeof(cfg->system_id), "%s", v);
		} else if (KEY("bridge")) {
			if (!daemon_valid_name(v, sizeof(cfg->bridge)))
				return error_set(e, -EINVAL, "bridge: '%s' is not a valid name", v);
			snprintf(cfg->bridge, sizeof(cfg->bridge), "%s", v);
		} else {
			return error_set(e, -EINVAL, "%.*s: unknown option (remote, encap-ip, encap-type, "
					 "system-id, bridge)", (int)klen, w[i]);
		}
#undef KEY
	}
	if (!cfg->remote[0])
		return error_set(e, -EINVAL, "remote: ovn-set needs remote=tcp:IP:PORT|unix:PATH[,...]");
	if (!cfg->encap_ip[0])
		return error_set(e, -EINVAL, "encap-ip: ovn-set needs encap-ip=IP");
	if (!cfg->encap_type[0])
		snprintf(cfg->encap_type, sizeof(cfg->encap_type), "geneve");
	if (!cfg->bridge[0])
		snprintf(cfg->bridge, sizeof(cfg->bridge), "br-int");
	if (!cfg->system_id[0]) {
		char host[OVN_SYSTEM_ID_MAX] = "";

		if (gethostname(host, sizeof(host) - 1) || !printable_id(host, sizeof(host)))
			return error_set(e, -EINVAL, "system-id: the host name is no usable system-id; give system-id=NAME");
		snprintf(cfg->system_id, sizeof(cfg->system_id), "%s", host);
	}
	return 0;
}

const struct ovn_config *ovn_config(const struct ovn *o)
{
	return &o->cfg;
}

struct json_object *ovn_config_json(const struct ovn *o)
{
	struct json_object *a = json_object_new_array();
	char w[OVN_REMOTE_MAX + 16];

#define WORD(k, v) do { snprintf(w, sizeof(w), "%s=%s", k, v); \
			 json_object_array_add(a, json_object_new_string(w)); } while (0)
	WORD("remote", o->cfg.remote);
	WORD("encap-ip", o->cfg.encap_ip);
	WORD("encap-type", o->cfg.encap_type);
	WORD("system-id", o->cfg.system_id);
	WORD("bridge", o->cfg.bridge);
#undef WORD
	return a;
}

const char *ovn_port_option(struct json_object *options, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; options && i < json_object_array_length(options); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(options, i));

		if (s && !strncmp(s, key, n) && s[n] == '=')
			return s + n + 1;
	}
	return NULL;
}

void ovn_run(struct ovn *o)
{
	if (o->closing)
		return;
	ovn_converge(o);
	ovn_sync_datapath(o);
}

/* ---- the session ---- */

static void sb_monitor_done(struct ovsdb_conn *c, const struct jsonrpc_msg *m, void *arg);

static void monitor_sb(struct ovn *o, const char *method)
{
	struct json_object *p = json_object_new_array();

	json_object_array_add(p, json_object_new_string(SB_DB));
	json_object_array_add(p, json_object_new_string("sb"));
	json_object_array_add(p, ovsdb_cache_monitor_requests(&o->sb, !strcmp(method, "monitor_cond")));
	o->phase = PH_MONITOR;
	ovsdb_conn_request(&o->conn, method, p, sb_monitor_done, o);
}

static void sb_monitor_done(struct ovsdb_conn *c, const struct jsonrpc_msg *m, void *arg)
{
	struct ovn *o = arg;
	struct error e = { 0 };

	if (!m)
		return;
	if (m->kind == JSONRPC_ERROR) {
		/* no monitor_cond (before OVS 2.6): plain monitor */
		if (!strcmp(jsonrpc_error_text(m), "unknown method") && o->mon_version == 2) {
			o->mon_version = 1;
			monitor_sb(o, "monitor");
			return;
		}
		ovsdb_conn_drop(c, jsonrpc_error_text(m));
		return;
	}
	ovsdb_cache_clear(&o->sb);
	if (ovsdb_cache_apply(&o->sb, m->result, o->mon_version, &e)) {
		error_prefix(&e, "monitor reply");
		ovsdb_conn_drop(c, e.msg);
		return;
	}
	o->phase = PH_READY;
	o->loaded = true;
	ovsdb_conn_ready(c);
	o->txn_busy = false;
	o->last_ops[0] = '\0';
	log_info("%s: Southbound %s loaded (%u chassis, %u port bindings); chassis %s",
		 ovsdb_conn_remote(c), o->schema_version, sbt(o, "Chassis")->nrows,
		 sbt(o, "Port_Binding")->nrows, o->cfg.system_id);
	ovn_run(o);
}

static void sb_schema_done(struct ovsdb_conn *c, const struct jsonrpc_msg *m, void *arg)
{
	struct ovn *o = arg;
	struct json_object *v = NULL;
	struct error e = { 0 };
	const char *version;

	if (!m)
		return;
	if (m->kind == JSONRPC_ERROR) {
		ovn_set_problem(o, "%s: no database %s: %s", ovsdb_conn_remote(c), SB_DB, jsonrpc_error_text(m));
		ovsdb_conn_drop(c, o->problem);
		return;
	}
	json_object_object_get_ex(m->result, "version", &v);
	version = json_object_get_string(v);
	if (!version || atoi(version) != SB_SCHEMA_MAJOR) {
		ovn_set_problem(o, "%s: %s schema version %s: this uvnetd reads version %d.x", ovsdb_conn_remote(c),
				SB_DB, version ? version : "(none)", SB_SCHEMA_MAJOR);
		ovsdb_conn_drop(c, o->problem);
		return;
	}
	snprintf(o->schema_version, sizeof(o->schema_version), "%s", version);
	if (ovsdb_cache_set_schema(&o->sb, m->result, &e)) {
		ovn_set_problem(o, "%s: %s", ovsdb_conn_remote(c), e.msg);
		ovsdb_conn_drop(c, o->problem);
		return;
	}
	o->mon_version = 2;
	monitor_sb(o, "monitor_cond");
}

static void get_sb_schema(struct ovn *o)
{
	struct json_object *p = json_object_new_array();

	json_object_array_add(p, json_object_new_string(SB_DB));
	o->phase = PH_SCHEMA;
	ovsdb_conn_request(&o->conn, "get_schema", p, sb_schema_done, o);
}

/* Is this server one we may write through?  Drops the session if not. */
static bool server_ok(struct ovn *o)
{
	struct ovsdb_row *db = ovsdb_table_find_str(ovsdb_cache_table(&o->srv, "Database"), "name", SB_DB);
	const char *model = ovsdb_row_str(db, "model");

	if (!db) {
		ovsdb_conn_drop(&o->conn, "the server does not serve " SB_DB);
		return false;
	}
	if (model && !strcmp(model, "clustered")) {
		int64_t index = ovsdb_row_int(db, "index", 0);

		if (!ovsdb_row_bool(db, "connected", false)) {
			ovsdb_conn_drop(&o->conn, "this cluster member is disconnected from its cluster");
			return false;
		}
		if (index && index < o->min_index) {
			char why[128];

			snprintf(why, sizeof(why), "stale cluster member: its Raft index %lld is behind "
				 "%lld, seen before", (long long)index, (long long)o->min_index);
			ovsdb_conn_drop(&o->conn, why);
			return false;
		}
		if (index > o->min_index)
			o->min_index = index;
	}
	return true;
}

static void srv_monitor_done(struct ovsdb_conn *c, const struct jsonrpc_msg *m, void *arg)
{
	struct ovn *o = arg;
	struct error e = { 0 };

	if (!m)
		return;
	if (m->kind == JSONRPC_ERROR) { /* no _Server monitoring: go on */
		get_sb_schema(o);
		return;
	}
	ovsdb_cache_clear(&o->srv);
	if (ovsdb_cache_apply(&o->srv, m->result, 2, &e)) {
		ovsdb_conn_drop(c, e.msg);
		return;
	}
	if (server_ok(o))
		get_sb_schema(o);
}

static void srv_schema_done(struct ovsdb_conn *c, const struct jsonrpc_msg *m, void *arg)
{
	struct ovn *o = arg;
	struct json_object *p, *req, *cols;
	struct error e = { 0 };

	(void)c;
	if (!m)
		return;
	if (m->kind == JSONRPC_ERROR || ovsdb_cache_set_schema(&o->srv, m->result, &e)) {
		get_sb_schema(o); /* an ovsdb-server without _Server: standalone */
		return;
	}
	p = json_object_new_array();
	req = json_object_new_object();
	cols = json_object_new_object();
	json_object_object_add(cols, "columns", json_object_new_array());
	for (unsigned i = 0; db_cols[i]; i++)
		json_object_array_add(json_object_object_get(cols, "columns"), json_object_new_string(db_cols[i]));
	json_object_object_add(req, "Database", cols);
	json_object_array_add(p, json_object_new_string("_Server"));
	json_object_array_add(p, json_object_new_string("srv"));
	json_object_array_add(p, req);
	ovsdb_conn_request(&o->conn, "monitor_cond", p, srv_monitor_done, o);
}

static void on_connected(void *arg)
{
	struct ovn *o = arg;
	struct json_object *p = json_object_new_array();

	json_object_array_add(p, json_object_new_string("_Server"));
	o->phase = PH_SERVER;
	o->txn_busy = false;
	ovsdb_conn_request(&o->conn, "get_schema", p, srv_schema_done, o);
}

static void on_notify(void *arg, const struct jsonrpc_msg *m)
{
	struct ovn *o = arg;
	struct error e = { 0 };
	const char *id;
	int version;

	if (strcmp(m->method, "update2") && strcmp(m->method, "update"))
		return;
	version = m->method[6] == '2' ? 2 : 1;
	if (json_object_array_length(m->params) != 2) {
		ovsdb_conn_drop(&o->conn, "an update notification without two parameters");
		return;
	}
	id = json_object_get_string(json_object_array_get_idx(m->params, 0));
	if (id && !strcmp(id, "srv")) {
		if (ovsdb_cache_apply(&o->srv, json_object_array_get_idx(m->params, 1), version, &e))
			ovsdb_conn_drop(&o->conn, e.msg);
		else
			server_ok(o);
		return;
	}
	if (!id || strcmp(id, "sb") || o->phase != PH_READY)
		return;
	if (ovsdb_cache_apply(&o->sb, json_object_array_get_idx(m->params, 1), version, &e)) {
		error_prefix(&e, "update");
		ovsdb_conn_drop(&o->conn, e.msg);
		return;
	}
	ovn_run(o);
}

static void on_disconnected(void *arg)
{
	struct ovn *o = arg;

	o->phase = PH_DOWN;
	o->txn_busy = false;
	log_warn("Southbound connection lost: forwarding goes on with the last known state");
}

static const struct ovsdb_conn_ops conn_ops = {
	.connected = on_connected,
	.notify = on_notify,
	.disconnected = on_disconnected,
};

void ovn_tick(struct ovn *o)
{
	ovsdb_conn_tick(&o->conn);
	ovn_sync_datapath(o); /* a tunnel port that could not be made; FDB entries */
	for (unsigned i = 0; i < o->nbinds && !o->retry; i++)
		o->retry = o->binds[i].bound && o->binds[i].learn; /* MACs learned since: ovn_fdb.c */
	if (o->retry) {
		o->retry = false;
		o->last_ops[0] = '\0';
		ovn_run(o);
	}
}

int ovn_new(struct daemon *d, const struct ovn_config *cfg, struct ovn **out, struct error *e)
{
	struct ovn *o = calloc(1, sizeof(*o));
	int rc;

	if (!o)
		return error_set(e, -ENOMEM, "out of memory");
	o->d = d;
	o->cfg = *cfg;
	snprintf(o->tunnel, sizeof(o->tunnel), "ovn-%s", cfg->encap_type);
	if ((rc = ovsdb_remotes_parse(cfg->remote, o->remotes, OVSDB_MAX_REMOTES, &o->nremotes, e)))
		goto fail;
	if (ovsdb_cache_init(&o->sb, sb_tables, sizeof(sb_tables) / sizeof(sb_tables[0])) ||
	    ovsdb_cache_init(&o->srv, server_tables, 1)) {
		rc = error_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	if (!strcmp(cfg->encap_type, "vxlan"))
		log_warn("encap-type=vxlan: one VXLAN chassis switches the whole OVN cluster to VXLAN "
			 "mode (12-bit datapath and port keys, no ingress port on the wire)");
	log_info("chassis %s: encap %s %s, bridge %s, Southbound %s", cfg->system_id, cfg->encap_type,
		 cfg->encap_ip, cfg->bridge, cfg->remote);
	if ((rc = ovsdb_conn_start(&o->conn, &d->loop, o->remotes, o->nremotes, &conn_ops, o))) {
		error_set(e, rc, "out of memory");
		goto fail;
	}
	*out = o;
	return 0;
fail:
	ovsdb_cache_fini(&o->sb);
	ovsdb_cache_fini(&o->srv);
	free(o);
	return rc;
}

void ovn_free(struct ovn *o, bool remove)
{
	if (!o)
		return;
	if (remove)
		ovn_remove_rows(o);
	ovn_teardown_datapath(o);
	ovsdb_conn_stop(&o->conn);
	ovsdb_cache_fini(&o->sb);
	ovsdb_cache_fini(&o->srv);
	free(o);
}

/* ---- the daemon API ---- */

int daemon_ovn_set(struct daemon *d, const char *const *opts, unsigned nopts, struct error *e)
{
	struct ovn_config cfg = { 0 };
	struct ovn *o;
	int rc;

	if (d->ovn)
		cfg = *ovn_config(d->ovn);
	if ((rc = ovn_config_parse(&cfg, opts, nopts, e)))
		return rc;
	if (d->ovn && !memcmp(&cfg, ovn_config(d->ovn), sizeof(cfg)))
		return 0;
	if (!daemon_find_bridge(d, cfg.bridge) && (rc = daemon_add_bridge(d, cfg.bridge, NULL, e)))
		return rc;
	if ((rc = ovn_new(d, &cfg, &o, e)))
		return rc;
	if (d->ovn) /* another chassis name takes the old one's rows away */
		ovn_free(d->ovn, strcmp(ovn_config(d->ovn)->system_id, cfg.system_id) != 0);
	d->ovn = o;
	d->dirty = true;
	return 0;
}

int daemon_ovn_clear(struct daemon *d, struct error *e)
{
	if (!d->ovn)
		return error_set(e, -ENOENT, "ovn: no OVN chassis is configured");
	ovn_free(d->ovn, true);
	d->ovn = NULL;
	d->dirty = true;
	log_info("OVN chassis configuration cleared");
	return 0;
}

struct json_object *daemon_ovn_show(struct daemon *d, const char *lsp, struct error *e)
{
	if (!d->ovn) {
		error_set(e, -ENOENT, "ovn: no OVN chassis is configured (ovn-set)");
		return NULL;
	}
	return lsp ? ovn_describe_lport(d->ovn, lsp, e) : ovn_describe(d->ovn);
}
