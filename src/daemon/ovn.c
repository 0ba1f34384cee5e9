/* SPDX-License-Identifier: MIT */
/*
 * The OVN chassis (ovn.h): Southbound session handshake, registration,
 * Port_Binding claims, nb_cfg echo, removal.
 *
 * Handshake, on every (re)connection: get_schema and monitor_cond of
 * _Server's Database table; a clustered member that is not connected to
 * its cluster or not its leader is left for the next remote (OVSDB's
 * leader-only clients do the same).  Then get_schema OVN_Southbound: the
 * major version must be 20 and every column used here must exist.  Then
 * monitor_cond (monitor with a server that lacks it) of the tables below;
 * its reply replaces the cache, and only then does ovn_run() write.  While
 * the database is away the cache keeps the last state.
 *
 * Registration takes back rows a previous run left (a SIGKILL, a crash):
 * a Chassis named system-id is updated, not inserted again, and an Encap
 * with our type and IP is reused when it is ours (chassis_name) — the
 * unique indexes would refuse new ones.
 */
#include "daemon/ovn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/ovn_dp.h"
#include "daemon/ovsdb_conn.h"
#include "ovsdb/cache.h"
#include "port/ovn_tunnel_port.h"
#include "util/log.h"

LOG_MODULE("ovn");

#define SB_DB "OVN_Southbound"
#define SB_SCHEMA_MAJOR 20
#define OVN_MAX_BINDS 256
/* The owner of the tunnel port: no network can have this name, so only
 * this code deletes it, and the state file leaves it out. */
#define OVN_OWNER "(ovn)"

/* The feature flags northd ANDs over every chassis: without them a
 * uvnet chassis would turn them off for the whole cluster. */
static const char *const feature_flags[] = {
	"port-up-notif", "ct-no-masked-label", "mac-binding-timestamp", "ovn-ct-lb-related",
};

static const char *const global_cols[] = { "nb_cfg", NULL };
static const char *const chassis_cols[] = { "name", "hostname", "encaps", "other_config",
					    "external_ids", NULL };
static const char *const encap_cols[] = { "type", "ip", "options", "chassis_name", NULL };
static const char *const private_cols[] = { "name", "chassis", "nb_cfg", NULL };
static const char *const pb_cols[] = { "logical_port", "type", "datapath", "tunnel_key",
				       "chassis", "mac", "port_security", "up",
				       "requested_chassis", "options", NULL };
static const char *const dp_cols[] = { "tunnel_key", "external_ids", NULL };
static const char *const mg_cols[] = { "datapath", "name", "tunnel_key", "ports", NULL };

static const struct ovsdb_table_spec sb_tables[] = {
	{ "SB_Global", global_cols },
	{ "Chassis", chassis_cols },
	{ "Encap", encap_cols },
	{ "Chassis_Private", private_cols },
	{ "Port_Binding", pb_cols },
	{ "Datapath_Binding", dp_cols },
	{ "Multicast_Group", mg_cols },
};

static const char *const db_cols[] = { "name", "model", "connected", "leader", NULL };
static const struct ovsdb_table_spec server_tables[] = { { "Database", db_cols } };

enum ovn_phase { PH_DOWN, PH_SERVER, PH_SCHEMA, PH_MONITOR, PH_READY };

static const char *const phase_names[] = {
	[PH_DOWN] = "disconnected", [PH_SERVER] = "checking the server",
	[PH_SCHEMA] = "reading the schema", [PH_MONITOR] = "loading the database",
	[PH_READY] = "connected",
};

/* What ovn_run() found for one local port with iface-id=. */
struct ovn_bind {
	char port[32];
	char lport[128];
	char state[160];              /* "bound", or why not */
	int64_t dp_key, key;
	bool bound;
};

struct ovn {
	struct daemon *d;
	struct ovn_config cfg;
	struct ovsdb_remote remotes[OVSDB_MAX_REMOTES];
	unsigned nremotes;
	struct ovsdb_conn conn;
	struct ovsdb_cache sb, srv;
	enum ovn_phase phase;
	bool loaded;                  /* the cache holds a whole database */
	int mon_version;              /* 2: monitor_cond (update2), 1: monitor */
	bool txn_busy, retry;
	bool leaving;                 /* removing our rows: write nothing else */
	char last_ops[256];           /* a digest of the last transaction */
	time_t last_ops_at;
	char schema_version[32];
	char problem[ERROR_MSG_MAX];  /* the registration's last problem */
	uint64_t txns, txn_errors;
	struct ovn_bind binds[OVN_MAX_BINDS];
	unsigned nbinds;
	/* the data path (ovn_dp.h) */
	char tunnel[PORT_NAME_MAX];   /* the tunnel port's name */
	uint32_t vlan_key[OVN_MAP_VLANS]; /* internal VLAN -> datapath key */
	char dp_problem[ERROR_MSG_MAX];
	bool syncing, closing;
	uint64_t map_swaps;
};

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

const char *ovn_port_iface_id(struct json_object *options)
{
	for (size_t i = 0; options && i < json_object_array_length(options); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(options, i));

		if (s && !strncmp(s, "iface-id=", 9))
			return s + 9;
	}
	return NULL;
}

/* ---- rows ---- */

static struct ovsdb_table *sbt(struct ovn *o, const char *name)
{
	return ovsdb_cache_table(&o->sb, name);
}

static struct ovsdb_row *our_chassis(struct ovn *o)
{
	return ovsdb_table_find_str(sbt(o, "Chassis"), "name", o->cfg.system_id);
}

static struct json_object *where_uuid(const char *uuid)
{
	struct json_object *w = json_object_new_array(), *c = json_object_new_array();

	json_object_array_add(c, json_object_new_string("_uuid"));
	json_object_array_add(c, json_object_new_string("=="));
	json_object_array_add(c, ovsdb_uuid_atom(uuid));
	json_object_array_add(w, c);
	return w;
}

static struct json_object *op_new(const char *op, const char *table)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "op", json_object_new_string(op));
	json_object_object_add(o, "table", json_object_new_string(table));
	return o;
}

static void add_update(struct json_object *ops, const char *table, const char *uuid,
		       struct json_object *row)
{
	struct json_object *op = op_new("update", table);

	json_object_object_add(op, "where", where_uuid(uuid));
	json_object_object_add(op, "row", row);
	json_object_array_add(ops, op);
}

static void add_insert(struct json_object *ops, const char *table, const char *name,
		       struct json_object *row)
{
	struct json_object *op = op_new("insert", table);

	json_object_object_add(op, "row", row);
	json_object_object_add(op, "uuid-name", json_object_new_string(name));
	json_object_array_add(ops, op);
}

static void add_delete(struct json_object *ops, const char *table, const char *uuid)
{
	struct json_object *op = op_new("delete", table);

	json_object_object_add(op, "where", where_uuid(uuid));
	json_object_array_add(ops, op);
}

static struct json_object *ref_set(const char *uuid, bool named)
{
	struct json_object *a = json_object_new_array();

	if (uuid)
		json_object_array_add(a, named ? ovsdb_named_uuid(uuid) : ovsdb_uuid_atom(uuid));
	return ovsdb_set(a);
}

static void set_problem(struct ovn *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_problem(struct ovn *o, const char *fmt, ...)
{
	char buf[ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (strcmp(buf, o->problem))
		log_error("%s", buf);
	snprintf(o->problem, sizeof(o->problem), "%s", buf);
}

/* Chassis + Encap (+ Chassis_Private): ops to make them what we want.
 * *chassis, *named: the chassis reference for the other rows.  False if
 * the chassis cannot be registered (problem set). */
static bool want_chassis(struct ovn *o, struct json_object *ops, const char **chassis, bool *named)
{
	struct ovsdb_row *ch = our_chassis(o), *enc = NULL, *cp;
	const char *encap_ref;
	bool enc_named = false;
	char host[256] = "";

	OVSDB_FOR_EACH_ROW(r, sbt(o, "Encap")) {
		const char *t = ovsdb_row_str(r, "type"), *ip = ovsdb_row_str(r, "ip");

		if (t && ip && !strcmp(t, o->cfg.encap_type) && !strcmp(ip, o->cfg.encap_ip))
			enc = r;
	}
	if (enc) {
		const char *owner = ovsdb_row_str(enc, "chassis_name");

		if (owner && strcmp(owner, o->cfg.system_id) &&
		    ovsdb_table_find_str(sbt(o, "Chassis"), "name", owner)) {
			set_problem(o, "encap %s %s is registered by chassis %s: not registering %s",
				    o->cfg.encap_type, o->cfg.encap_ip, owner, o->cfg.system_id);
			return false;
		}
		encap_ref = enc->uuid;
		if (!owner || strcmp(owner, o->cfg.system_id) ||
		    !ovsdb_row_map_get(enc, "options", "csum") ||
		    strcmp(ovsdb_row_map_get(enc, "options", "csum"), "true")) {
			struct json_object *row = json_object_new_object(), *opt = ovsdb_map();

			ovsdb_map_add(opt, "csum", "true");
			json_object_object_add(row, "options", opt);
			json_object_object_add(row, "chassis_name", json_object_new_string(o->cfg.system_id));
			add_update(ops, "Encap", enc->uuid, row);
		}
	} else {
		struct json_object *row = json_object_new_object(), *opt = ovsdb_map();

		ovsdb_map_add(opt, "csum", "true");
		json_object_object_add(row, "type", json_object_new_string(o->cfg.encap_type));
		json_object_object_add(row, "ip", json_object_new_string(o->cfg.encap_ip));
		json_object_object_add(row, "options", opt);
		json_object_object_add(row, "chassis_name", json_object_new_string(o->cfg.system_id));
		add_insert(ops, "Encap", "enc", row);
		encap_ref = "enc";
		enc_named = true;
	}
	gethostname(host, sizeof(host) - 1);
	{
		bool stale = !ch || enc_named || ovsdb_row_count(ch, "encaps") != 1 ||
			     !ovsdb_row_has_ref(ch, "encaps", encap_ref) ||
			     !ovsdb_row_str(ch, "hostname") || strcmp(ovsdb_row_str(ch, "hostname"), host);

		for (unsigned i = 0; ch && i < sizeof(feature_flags) / sizeof(feature_flags[0]); i++) {
			const char *v = ovsdb_row_map_get(ch, "other_config", feature_flags[i]);

			if (!v || strcmp(v, "true"))
				stale = true;
		}
		if (stale) {
			struct json_object *row = json_object_new_object(), *oc = ovsdb_map(), *ext = ovsdb_map();

			for (unsigned i = 0; i < sizeof(feature_flags) / sizeof(feature_flags[0]); i++)
				ovsdb_map_add(oc, feature_flags[i], "true");
			ovsdb_map_add(ext, "uvnet", "true");
			json_object_object_add(row, "hostname", json_object_new_string(host));
			json_object_object_add(row, "encaps", ref_set(encap_ref, enc_named));
			json_object_object_add(row, "other_config", oc);
			json_object_object_add(row, "external_ids", ext);
			if (ch) {
				add_update(ops, "Chassis", ch->uuid, row);
			} else {
				json_object_object_add(row, "name", json_object_new_string(o->cfg.system_id));
				add_insert(ops, "Chassis", "ch", row);
			}
		}
	}
	*chassis = ch ? ch->uuid : "ch";
	*named = !ch;
	cp = ovsdb_table_find_str(sbt(o, "Chassis_Private"), "name", o->cfg.system_id);
	if (!cp) {
		struct json_object *row = json_object_new_object();

		json_object_object_add(row, "name", json_object_new_string(o->cfg.system_id));
		json_object_object_add(row, "chassis", ref_set(*chassis, *named));
		add_insert(ops, "Chassis_Private", "cp", row);
	} else if (*named || !ovsdb_row_has_ref(cp, "chassis", *chassis)) {
		struct json_object *row = json_object_new_object();

		json_object_object_add(row, "chassis", ref_set(*chassis, *named));
		add_update(ops, "Chassis_Private", cp->uuid, row);
	}
	return true;
}

static int64_t dp_key(struct ovn *o, const struct ovsdb_row *pb)
{
	const char *dp = ovsdb_row_uuid(pb, "datapath");

	return ovsdb_row_int(ovsdb_table_get(sbt(o, "Datapath_Binding"), dp), "tunnel_key", 0);
}

/* options:requested-chassis (names or hostnames, comma-separated) when
 * northd found no Chassis row for it (the requested_chassis column is
 * then empty): as ovn-controller, claim only if one of them is us. */
static bool requested_here(struct ovn *o, const struct ovsdb_row *pb, struct ovn_bind *b)
{
	const char *want = ovsdb_row_map_get(pb, "options", "requested-chassis");
	char host[256] = "";

	if (!want || !*want || ovsdb_row_uuid(pb, "requested_chassis"))
		return true;
	gethostname(host, sizeof(host) - 1);
	for (const char *s = want; *s;) {
		size_t n = strcspn(s, ",");

		if ((n == strlen(o->cfg.system_id) && !strncmp(s, o->cfg.system_id, n)) ||
		    (n && n == strlen(host) && !strncmp(s, host, n)))
			return true;
		s += n + (s[n] == ',');
	}
	snprintf(b->state, sizeof(b->state), "requested-chassis is %.*s", 120, want);
	return false;
}

/* Claims of the local ports with iface-id=, releases of the bindings we
 * hold that no local port wants any more. */
static void want_bindings(struct ovn *o, struct json_object *ops, const char *chassis, bool named)
{
	struct daemon_bridge *br = daemon_find_bridge(o->d, o->cfg.bridge);
	struct ovsdb_table *pbt = sbt(o, "Port_Binding");
	struct ovsdb_row *claimed[OVN_MAX_BINDS];
	unsigned nclaimed = 0;

	o->nbinds = 0;
	for (unsigned i = 0; br && i < DAEMON_MAX_PORTS && o->nbinds < OVN_MAX_BINDS; i++) {
		struct daemon_port *dp = &o->d->ports[i];
		const char *lsp = dp->port && dp->br == br ? ovn_port_iface_id(dp->options) : NULL;
		struct ovn_bind *b;
		struct ovsdb_row *pb;
		const char *type, *req;

		if (!lsp)
			continue;
		b = &o->binds[o->nbinds++];
		*b = (struct ovn_bind){ 0 };
		snprintf(b->port, sizeof(b->port), "%s", dp->port->name);
		snprintf(b->lport, sizeof(b->lport), "%s", lsp);
		pb = ovsdb_table_find_str(pbt, "logical_port", lsp);
		if (!pb) {
			snprintf(b->state, sizeof(b->state), "no logical port %s in the Southbound database", lsp);
			continue;
		}
		b->dp_key = dp_key(o, pb);
		b->key = ovsdb_row_int(pb, "tunnel_key", 0);
		type = ovsdb_row_str(pb, "type");
		if (type && type[0]) {
			snprintf(b->state, sizeof(b->state),
				 "refused: logical port type '%s' is not supported (uvnet binds VIF ports of logical switches)",
				 type);
			continue;
		}
		if (!requested_here(o, pb, b))
			continue;
		req = ovsdb_row_uuid(pb, "requested_chassis");
		if (req && (named || strcasecmp(req, chassis))) {
			const struct ovsdb_row *rc = ovsdb_table_get(sbt(o, "Chassis"), req);

			snprintf(b->state, sizeof(b->state), "requested-chassis is %s",
				 rc && ovsdb_row_str(rc, "name") ? ovsdb_row_str(rc, "name") : req);
			continue;
		}
		for (unsigned k = 0; k < nclaimed; k++)
			if (claimed[k] == pb) {
				snprintf(b->state, sizeof(b->state), "refused: another port already binds %s", lsp);
				pb = NULL;
				break;
			}
		if (!pb)
			continue;
		claimed[nclaimed++] = pb;
		if (named || !ovsdb_row_has_ref(pb, "chassis", chassis) || !ovsdb_row_bool(pb, "up", false)) {
			struct json_object *row = json_object_new_object();

			json_object_object_add(row, "chassis", ref_set(chassis, named));
			json_object_object_add(row, "up", json_object_new_boolean(true));
			add_update(ops, "Port_Binding", pb->uuid, row);
			snprintf(b->state, sizeof(b->state), "claiming");
			if (!named && ovsdb_row_uuid(pb, "chassis") &&
			    !ovsdb_row_has_ref(pb, "chassis", chassis))
				log_info("%s: claiming %s from another chassis", b->port, lsp);
			continue;
		}
		snprintf(b->state, sizeof(b->state), "bound");
		b->bound = true;
	}
	if (named)
		return;
	OVSDB_FOR_EACH_ROW(pb, pbt) {
		bool mine = false;

		if (!ovsdb_row_has_ref(pb, "chassis", chassis))
			continue;
		for (unsigned k = 0; k < nclaimed && !mine; k++)
			mine = claimed[k] == pb;
		if (!mine) {
			struct json_object *row = json_object_new_object();

			json_object_object_add(row, "chassis", ovsdb_set(NULL));
			json_object_object_add(row, "up", json_object_new_boolean(false));
			add_update(ops, "Port_Binding", pb->uuid, row);
			log_info("releasing %s", ovsdb_row_str(pb, "logical_port") ? ovsdb_row_str(pb, "logical_port") : pb->uuid);
		}
	}
}

/* Once nothing else is left to do: tell northd this chassis has caught
 * up with SB_Global.nb_cfg (ovn-nbctl --wait=hv). */
static void want_nb_cfg(struct ovn *o, struct json_object *ops)
{
	struct ovsdb_row *g = ovsdb_table_first(sbt(o, "SB_Global"));
	struct ovsdb_row *cp = ovsdb_table_find_str(sbt(o, "Chassis_Private"), "name", o->cfg.system_id);
	int64_t cfg = ovsdb_row_int(g, "nb_cfg", 0);
	struct json_object *row;
	struct timespec ts;

	if (!g || !cp || ovsdb_row_int(cp, "nb_cfg", 0) == cfg)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	row = json_object_new_object();
	json_object_object_add(row, "nb_cfg", json_object_new_int64(cfg));
	json_object_object_add(row, "nb_cfg_timestamp",
			       json_object_new_int64((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000));
	add_update(ops, "Chassis_Private", cp->uuid, row);
}

/* ---- transactions ---- */

static void txn_done(struct ovsdb_conn *c, const struct jsonrpc_msg *m, void *arg)
{
	struct ovn *o = arg;

	(void)c;
	o->txn_busy = false;
	if (!m)
		return; /* the session ended: the next one starts over */
	if (m->kind == JSONRPC_ERROR) {
		o->txn_errors++;
		set_problem(o, "transaction refused: %s", jsonrpc_error_text(m));
		o->retry = true;
		return;
	}
	for (size_t i = 0; json_object_is_type(m->result, json_type_array) &&
			   i < json_object_array_length(m->result); i++) {
		struct json_object *r = json_object_array_get_idx(m->result, i), *err, *det;

		if (json_object_object_get_ex(r, "error", &err)) {
			o->txn_errors++;
			json_object_object_get_ex(r, "details", &det);
			set_problem(o, "transaction failed: %s%s%s", json_object_get_string(err),
				    det ? ": " : "", det ? json_object_get_string(det) : "");
			o->retry = true;
			return;
		}
	}
	o->problem[0] = '\0';
	ovn_run(o);
}

static void converge(struct ovn *o);

static int transact(struct ovn *o, struct json_object *ops)
{
	struct json_object *params = json_object_new_array();
	int rc;

	json_object_array_add(params, json_object_new_string(SB_DB));
	for (size_t i = 0; i < json_object_array_length(ops); i++)
		json_object_array_add(params, json_object_get(json_object_array_get_idx(ops, i)));
	rc = ovsdb_conn_request(&o->conn, "transact", params, txn_done, o);
	if (!rc) {
		o->txn_busy = true;
		o->txns++;
	}
	return rc;
}

static void sync_datapath(struct ovn *o);

void ovn_run(struct ovn *o)
{
	if (o->closing)
		return;
	converge(o);
	sync_datapath(o);
}

static void converge(struct ovn *o)
{
	struct json_object *ops;
	const char *chassis;
	bool named;
	const char *text;

	if (o->phase != PH_READY || o->txn_busy || o->leaving)
		return;
	ops = json_object_new_array();
	if (want_chassis(o, ops, &chassis, &named)) {
		want_bindings(o, ops, chassis, named);
		if (!json_object_array_length(ops))
			want_nb_cfg(o, ops);
	}
	if (!json_object_array_length(ops)) {
		json_object_put(ops);
		return;
	}
	/* The same transaction again at once means our view did not follow
	 * the last one: wait for the tick rather than spin. */
	text = json_object_to_json_string_ext(ops, JSON_C_TO_STRING_PLAIN);
	if (!strncmp(text, o->last_ops, sizeof(o->last_ops) - 1) && time(NULL) == o->last_ops_at) {
		o->retry = true;
		json_object_put(ops);
		return;
	}
	snprintf(o->last_ops, sizeof(o->last_ops), "%s", text);
	o->last_ops_at = time(NULL);
	log_debug("transact %s", text);
	transact(o, ops);
	json_object_put(ops);
}

/* Chassis, Chassis_Private and our bindings out of the Southbound. */
static void remove_rows(struct ovn *o)
{
	struct ovsdb_row *ch = our_chassis(o), *cp;
	struct json_object *ops = json_object_new_array();

	if (o->phase != PH_READY)
		goto out;
	o->leaving = true;
	if (o->txn_busy && !ovsdb_conn_settle(&o->conn, 1000))
		goto out;
	cp = ovsdb_table_find_str(sbt(o, "Chassis_Private"), "name", o->cfg.system_id);
	if (ch) {
		OVSDB_FOR_EACH_ROW(pb, sbt(o, "Port_Binding"))
			if (ovsdb_row_has_ref(pb, "chassis", ch->uuid)) {
				struct json_object *row = json_object_new_object();

				json_object_object_add(row, "chassis", ovsdb_set(NULL));
				json_object_object_add(row, "up", json_object_new_boolean(false));
				add_update(ops, "Port_Binding", pb->uuid, row);
			}
		add_delete(ops, "Chassis", ch->uuid); /* its Encaps go with it */
	}
	if (cp)
		add_delete(ops, "Chassis_Private", cp->uuid);
	if (json_object_array_length(ops) && !transact(o, ops)) {
		if (ovsdb_conn_settle(&o->conn, 2000))
			log_info("chassis %s removed from the Southbound database", o->cfg.system_id);
		else
			log_warn("chassis %s: no answer to its removal", o->cfg.system_id);
	}
out:
	json_object_put(ops);
}

/* ---- the data path (ovn_dp.h, port/ovn_tunnel_port.h) ---- */

static void dp_problem(struct ovn *o, const char *msg)
{
	if (strcmp(msg, o->dp_problem))
		log_error("data path: %s", msg);
	snprintf(o->dp_problem, sizeof(o->dp_problem), "%s", msg);
}

/* The tunnel port on the OVN bridge, made if missing; NULL if it cannot be. */
static struct daemon_port *tunnel_port(struct ovn *o, struct daemon_bridge *br)
{
	struct daemon_port *tp = daemon_find_port(o->d, o->tunnel);
	char local[80], encap[32], msg[ERROR_MSG_MAX];
	const char *w[3] = { "type=ovn-tunnel", local, encap };
	struct error e = { 0 };

	if (tp && (strcmp(tp->owner, OVN_OWNER) || tp->br != br)) {
		snprintf(msg, sizeof(msg), "a port named %s that is not the chassis's tunnel is in the way",
			 o->tunnel);
		dp_problem(o, msg);
		return NULL;
	}
	if (tp)
		return tp;
	snprintf(local, sizeof(local), "local=%s", o->cfg.encap_ip);
	snprintf(encap, sizeof(encap), "encap=%s", o->cfg.encap_type);
	if (daemon_add_port(o->d, o->cfg.bridge, o->tunnel, w, 3, OVN_OWNER, &e)) {
		snprintf(msg, sizeof(msg), "tunnel port %s: %.*s", o->tunnel, 160, e.msg);
		dp_problem(o, msg);
		return NULL;
	}
	return daemon_find_port(o->d, o->tunnel);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts); /* the bridge's clock */
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Keep the bridge's FDB entries of the logical ports' MACs fresh: remote
 * ones on the tunnel port, local ones on their port, so that frames are
 * delivered by MAC from the first one, not flooded within the datapath. */
static void refresh_fdb(struct bridge *sw, const struct port *tunnel, const struct ovn_map *m,
			const struct ovn_dp_port *ports, unsigned n)
{
	uint64_t now = now_ms();

	for (unsigned i = 0; m && i < m->nmacs; i++) {
		const struct ovn_map_mac *x = &m->macs[i];
		const struct ovn_map_dp *dp = &m->dp[x->dp];

		if (x->chassis != OVN_MAP_LOCAL) {
			fdb_learn(sw->fdb, x->mac, dp->vlan, tunnel->index, now);
			continue;
		}
		for (unsigned k = 0; k < n; k++)
			if (ports[k].dp_key == dp->key && ports[k].key == x->key)
				fdb_learn(sw->fdb, x->mac, dp->vlan, ports[k].slot, now);
	}
}

/* The bound logical port of local port `name`, or NULL. */
static const char *bound_lport(const struct ovn *o, const char *name)
{
	for (unsigned i = 0; i < o->nbinds; i++)
		if (o->binds[i].bound && !strcmp(o->binds[i].port, name))
			return o->binds[i].lport;
	return NULL;
}

/*
 * Make the OVN bridge forward what the Southbound (as last seen) says:
 * the tunnel port, each bound port in its datapath's VLAN and every
 * other port parked, the tunnel's table.  Also while the Southbound is
 * away: local changes (a port deleted) apply to the last known state.
 */
static void sync_datapath(struct ovn *o)
{
	static struct ovn_dp_port ports[BRIDGE_MAX_PORTS]; /* control thread only */
	struct daemon_port *dps[BRIDGE_MAX_PORTS], *tp;
	struct daemon_bridge *br = daemon_find_bridge(o->d, o->cfg.bridge);
	const struct ovsdb_row *ch;
	struct ovn_map *m = NULL;
	struct error e = { 0 };
	unsigned n = 0;

	if (!o->loaded || o->syncing || o->closing || !br)
		return;
	o->syncing = true;
	if (!(tp = tunnel_port(o, br)))
		goto out;
	for (unsigned i = 0; i < DAEMON_MAX_PORTS && n < BRIDGE_MAX_PORTS; i++) {
		struct daemon_port *dp = &o->d->ports[i];

		if (!dp->port || dp->br != br || dp == tp)
			continue;
		ports[n] = (struct ovn_dp_port){ .lport = bound_lport(o, dp->port->name),
						 .slot = dp->port->index };
		dps[n++] = dp;
	}
	ch = our_chassis(o);
	if (ovn_dp_build(&o->sb, ch ? ch->uuid : NULL, o->cfg.encap_type, ports, n, o->vlan_key, &m,
			 &e)) {
		dp_problem(o, e.msg);
		goto out;
	}
	for (unsigned k = 0; k < n; k++) {
		const struct port_vlan *cur = &br->sw->vlan[ports[k].slot];
		struct port_vlan pv;

		if (cur->mode == PORT_VLAN_ACCESS && cur->tag == ports[k].vlan)
			continue;
		port_vlan_init(&pv);
		port_vlan_set_access(&pv, ports[k].vlan);
		daemon_port_set_vlan(o->d, dps[k], &pv);
		log_info("%s: %s", dps[k]->port->name, ports[k].vlan == OVN_DP_PARKED ?
			 "parked (not bound): reaches nothing" : "forwarding in its logical switch");
	}
	if (!ovn_map_equal(m, ovn_tunnel_port_map(tp->port))) {
		struct ovn_map *old = ovn_tunnel_port_swap(tp->port, m);

		worker_pool_sync(&o->d->pool); /* no burst reads the old one any more */
		ovn_map_free(old);
		o->map_swaps++;
		log_info("data path: %u logical switches, %u remote chassis, %u logical port MACs",
			 m->ndp, m->nchassis, m->nmacs);
	} else {
		ovn_map_free(m);
	}
	o->dp_problem[0] = '\0';
	refresh_fdb(br->sw, tp->port, ovn_tunnel_port_map(tp->port), ports, n);
out:
	o->syncing = false;
}

/* Give the OVN bridge's ports back their own VLAN configuration; remove
 * the tunnel port. */
static void teardown_datapath(struct ovn *o)
{
	struct daemon_bridge *br = daemon_find_bridge(o->d, o->cfg.bridge);
	struct daemon_port *tp = daemon_find_port(o->d, o->tunnel);
	struct error e = { 0 };

	o->closing = true;
	if (!br)
		return;
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++) {
		struct daemon_port *dp = &o->d->ports[i];
		const struct port_vlan *cur;

		if (!dp->port || dp->br != br || dp == tp)
			continue;
		cur = &br->sw->vlan[dp->port->index];
		if (cur->mode == PORT_VLAN_ACCESS &&
		    (cur->tag == OVN_DP_PARKED || o->vlan_key[cur->tag]))
			daemon_port_set_vlan(o->d, dp, NULL);
	}
	if (tp && !strcmp(tp->owner, OVN_OWNER))
		daemon_del_port(o->d, NULL, o->tunnel, OVN_OWNER, &e);
}

/* ---- the session ---- */

static void sb_monitor_done(struct ovsdb_conn *c, const struct jsonrpc_msg *m, void *arg);

static void monitor_sb(struct ovn *o, const char *method)
{
	struct json_object *p = json_object_new_array();

	json_object_array_add(p, json_object_new_string(SB_DB));
	json_object_array_add(p, json_object_new_string("sb"));
	json_object_array_add(p, ovsdb_cache_monitor_requests(&o->sb));
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
		set_problem(o, "%s: no database %s: %s", ovsdb_conn_remote(c), SB_DB, jsonrpc_error_text(m));
		ovsdb_conn_drop(c, o->problem);
		return;
	}
	json_object_object_get_ex(m->result, "version", &v);
	version = json_object_get_string(v);
	if (!version || atoi(version) != SB_SCHEMA_MAJOR) {
		set_problem(o, "%s: %s schema version %s: this uvnetd reads version %d.x", ovsdb_conn_remote(c),
			    SB_DB, version ? version : "(none)", SB_SCHEMA_MAJOR);
		ovsdb_conn_drop(c, o->problem);
		return;
	}
	snprintf(o->schema_version, sizeof(o->schema_version), "%s", version);
	if (ovsdb_cache_set_schema(&o->sb, m->result, &e)) {
		set_problem(o, "%s: %s", ovsdb_conn_remote(c), e.msg);
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
		if (!ovsdb_row_bool(db, "connected", false)) {
			ovsdb_conn_drop(&o->conn, "this cluster member is disconnected from its cluster");
			return false;
		}
		if (!ovsdb_row_bool(db, "leader", false)) {
			ovsdb_conn_drop(&o->conn, "not the cluster leader");
			return false;
		}
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
	sync_datapath(o); /* a tunnel port that could not be made; FDB entries */
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
		remove_rows(o);
	teardown_datapath(o);
	ovsdb_conn_stop(&o->conn);
	ovsdb_cache_fini(&o->sb);
	ovsdb_cache_fini(&o->srv);
	free(o);
}

/* ---- ovn-show ---- */

struct json_object *ovn_describe(struct ovn *o)
{
	struct json_object *r = json_object_new_object(), *conn = json_object_new_object();
	struct json_object *ports = json_object_new_array(), *others = json_object_new_array();
	struct ovsdb_row *ch = o->loaded ? our_chassis(o) : NULL;
	struct json_object *enc = json_object_new_object();

	json_object_object_add(r, "chassis", json_object_new_string(o->cfg.system_id));
	json_object_object_add(r, "bridge", json_object_new_string(o->cfg.bridge));
	json_object_object_add(enc, "type", json_object_new_string(o->cfg.encap_type));
	json_object_object_add(enc, "ip", json_object_new_string(o->cfg.encap_ip));
	json_object_object_add(r, "encap", enc);
	json_object_object_add(conn, "state", json_object_new_string(phase_names[o->phase]));
	json_object_object_add(conn, "remote", json_object_new_string(ovsdb_conn_remote(&o->conn)));
	json_object_object_add(conn, "remotes", json_object_new_string(o->cfg.remote));
	json_object_object_add(conn, "socket", json_object_new_string(ovsdb_conn_state_name(o->conn.state)));
	json_object_object_add(conn, "connects", json_object_new_int((int)o->conn.connects));
	if (o->schema_version[0])
		json_object_object_add(conn, "schema", json_object_new_string(o->schema_version));
	if (o->conn.last_error[0])
		json_object_object_add(conn, "last_error", json_object_new_string(o->conn.last_error));
	json_object_object_add(r, "connection", conn);
	json_object_object_add(r, "registered", json_object_new_boolean(ch != NULL));
	if (ch)
		json_object_object_add(r, "chassis_uuid", json_object_new_string(ch->uuid));
	if (o->problem[0])
		json_object_object_add(r, "problem", json_object_new_string(o->problem));
	json_object_object_add(r, "transactions", json_object_new_uint64(o->txns));
	json_object_object_add(r, "transaction_errors", json_object_new_uint64(o->txn_errors));
	if (o->loaded) {
		struct ovsdb_row *cp = ovsdb_table_find_str(sbt(o, "Chassis_Private"), "name", o->cfg.system_id);

		json_object_object_add(r, "nb_cfg", json_object_new_int64(
			ovsdb_row_int(ovsdb_table_first(sbt(o, "SB_Global")), "nb_cfg", 0)));
		json_object_object_add(r, "nb_cfg_acked", json_object_new_int64(ovsdb_row_int(cp, "nb_cfg", 0)));
	}
	for (unsigned i = 0; i < o->nbinds; i++) {
		struct json_object *p = json_object_new_object();
		const struct ovn_bind *b = &o->binds[i];

		json_object_object_add(p, "port", json_object_new_string(b->port));
		json_object_object_add(p, "logical_port", json_object_new_string(b->lport));
		json_object_object_add(p, "state", json_object_new_string(b->state));
		json_object_object_add(p, "bound", json_object_new_boolean(b->bound));
		if (b->dp_key)
			json_object_object_add(p, "datapath_key", json_object_new_int64(b->dp_key));
		if (b->key)
			json_object_object_add(p, "tunnel_key", json_object_new_int64(b->key));
		{
			struct daemon_port *dp = daemon_find_port(o->d, b->port);
			const struct port_vlan *v = dp && dp->port->bridge ?
				&dp->br->sw->vlan[dp->port->index] : NULL;

			if (v && v->mode == PORT_VLAN_ACCESS)
				json_object_object_add(p, "vlan", json_object_new_int(v->tag));
		}
		json_object_array_add(ports, p);
	}
	json_object_object_add(r, "ports", ports);
	{
		struct json_object *dpo = json_object_new_object(), *ls = json_object_new_array();
		struct daemon_port *tp = daemon_find_port(o->d, o->tunnel);
		const struct ovn_map *m = tp && ovn_tunnel_port_is(tp->port) ?
			ovn_tunnel_port_map(tp->port) : NULL;

		json_object_object_add(dpo, "tunnel_port", json_object_new_string(tp ? o->tunnel : ""));
		if (o->dp_problem[0])
			json_object_object_add(dpo, "problem", json_object_new_string(o->dp_problem));
		json_object_object_add(dpo, "updates", json_object_new_uint64(o->map_swaps));
		for (unsigned i = 0; m && i < m->ndp; i++) {
			struct json_object *x = json_object_new_object();

			json_object_object_add(x, "datapath_key", json_object_new_int64(m->dp[i].key));
			json_object_object_add(x, "vlan", json_object_new_int(m->dp[i].vlan));
			json_object_object_add(x, "flood_chassis", json_object_new_int((int)m->dp[i].nflood));
			json_object_object_add(x, "unknown_chassis", json_object_new_int((int)m->dp[i].nunknown));
			json_object_array_add(ls, x);
		}
		json_object_object_add(dpo, "logical_switches", ls);
		json_object_object_add(dpo, "remote_chassis", json_object_new_int(m ? (int)m->nchassis : 0));
		json_object_object_add(dpo, "macs", json_object_new_int(m ? (int)m->nmacs : 0));
		json_object_object_add(r, "data_path", dpo);
	}
	OVSDB_FOR_EACH_ROW(c, o->loaded ? sbt(o, "Chassis") : NULL) {
		struct json_object *x, *encs;
		const char *name = ovsdb_row_str(c, "name");

		if (!name || !strcmp(name, o->cfg.system_id))
			continue;
		x = json_object_new_object();
		encs = json_object_new_array();
		json_object_object_add(x, "name", json_object_new_string(name));
		json_object_object_add(x, "hostname", json_object_new_string(
			ovsdb_row_str(c, "hostname") ? ovsdb_row_str(c, "hostname") : ""));
		for (size_t k = 0; k < ovsdb_row_count(c, "encaps"); k++) {
			struct ovsdb_row *en = ovsdb_table_get(sbt(o, "Encap"),
							       ovsdb_atom_uuid(ovsdb_row_elem(c, "encaps", k)));
			struct json_object *eo;

			if (!en)
				continue;
			eo = json_object_new_object();
			json_object_object_add(eo, "type", json_object_new_string(
				ovsdb_row_str(en, "type") ? ovsdb_row_str(en, "type") : ""));
			json_object_object_add(eo, "ip", json_object_new_string(
				ovsdb_row_str(en, "ip") ? ovsdb_row_str(en, "ip") : ""));
			json_object_array_add(encs, eo);
		}
		json_object_object_add(x, "encaps", encs);
		json_object_array_add(others, x);
	}
	json_object_object_add(r, "remote_chassis", others);
	return r;
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

struct json_object *daemon_ovn_show(struct daemon *d, struct error *e)
{
	if (!d->ovn) {
		error_set(e, -ENOENT, "ovn: no OVN chassis is configured (ovn-set)");
		return NULL;
	}
	return ovn_describe(d->ovn);
}
