/* SPDX-License-Identifier: MIT */
/*
 * The OVN chassis's own rows in the Southbound (ovn_impl.h): Chassis +
 * Encap + Chassis_Private, the nb_cfg echo, the transactions that write
 * them (one at a time, from ovn_converge()), and their removal.
 *
 * Registration takes back rows a previous run left (a SIGKILL, a crash):
 * a Chassis named system-id is updated, not inserted again, and an Encap
 * with our type and IP is reused when it is ours (chassis_name) — the
 * unique indexes would refuse new ones.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/ovn_impl.h"
#include "daemon/ovsdb_conn.h"
#include "ovsdb/cache.h"
#include "util/log.h"

LOG_MODULE("ovn");

/* The feature flags northd ANDs over every chassis: without them a
 * uvnet chassis would turn them off for the whole cluster. */
static const char *const feature_flags[] = {
	"port-up-notif", "ct-no-masked-label", "mac-binding-timestamp", "ovn-ct-lb-related",
};

/* ---- rows ---- */

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

void ovn_add_update(struct json_object *ops, const char *table, const char *uuid,
		    struct json_object *row)
{
	struct json_object *op = op_new("update", table);

	json_object_object_add(op, "where", where_uuid(uuid));
	json_object_object_add(op, "row", row);
	json_object_array_add(ops, op);
}

void ovn_add_insert(struct json_object *ops, const char *table, const char *name,
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

struct json_object *ovn_ref_set(const char *uuid, bool named)
{
	struct json_object *a = json_object_new_array();

	if (uuid)
		json_object_array_add(a, named ? ovsdb_named_uuid(uuid) : ovsdb_uuid_atom(uuid));
	return ovsdb_set(a);
}

void ovn_set_problem(struct ovn *o, const char *fmt, ...)
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
			ovn_set_problem(o, "encap %s %s is registered by chassis %s: not registering %s",
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
			ovn_add_update(ops, "Encap", enc->uuid, row);
		}
	} else {
		struct json_object *row = json_object_new_object(), *opt = ovsdb_map();

		ovsdb_map_add(opt, "csum", "true");
		json_object_object_add(row, "type", json_object_new_string(o->cfg.encap_type));
		json_object_object_add(row, "ip", json_object_new_string(o->cfg.encap_ip));
		json_object_object_add(row, "options", opt);
		json_object_object_add(row, "chassis_name", json_object_new_string(o->cfg.system_id));
		ovn_add_insert(ops, "Encap", "enc", row);
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
			json_object_object_add(row, "encaps", ovn_ref_set(encap_ref, enc_named));
			json_object_object_add(row, "other_config", oc);
			json_object_object_add(row, "external_ids", ext);
			if (ch) {
				ovn_add_update(ops, "Chassis", ch->uuid, row);
			} else {
				json_object_object_add(row, "name", json_object_new_string(o->cfg.system_id));
				ovn_add_insert(ops, "Chassis", "ch", row);
			}
		}
	}
	*chassis = ch ? ch->uuid : "ch";
	*named = !ch;
	cp = ovsdb_table_find_str(sbt(o, "Chassis_Private"), "name", o->cfg.system_id);
	if (!cp) {
		struct json_object *row = json_object_new_object();

		json_object_object_add(row, "name", json_object_new_string(o->cfg.system_id));
		json_object_object_add(row, "chassis", ovn_ref_set(*chassis, *named));
		ovn_add_insert(ops, "Chassis_Private", "cp", row);
	} else if (*named || !ovsdb_row_has_ref(cp, "chassis", *chassis)) {
		struct json_object *row = json_object_new_object();

		json_object_object_add(row, "chassis", ovn_ref_set(*chassis, *named));
		ovn_add_update(ops, "Chassis_Private", cp->uuid, row);
	}
	return true;
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
	ovn_add_update(ops, "Chassis_Private", cp->uuid, row);
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
		ovn_set_problem(o, "transaction refused: %s", jsonrpc_error_text(m));
		o->retry = true;
		return;
	}
	for (size_t i = 0; json_object_is_type(m->result, json_type_array) &&
			   i < json_object_array_length(m->result); i++) {
		struct json_object *r = json_object_array_get_idx(m->result, i), *err, *det;

		if (json_object_object_get_ex(r, "error", &err)) {
			o->txn_errors++;
			json_object_object_get_ex(r, "details", &det);
			ovn_set_problem(o, "transaction failed: %s%s%s", json_object_get_string(err),
					det ? ": " : "", det ? json_object_get_string(det) : "");
			o->retry = true;
			return;
		}
	}
	o->problem[0] = '\0';
	ovn_run(o);
}

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

void ovn_converge(struct ovn *o)
{
	struct json_object *ops;
	const char *chassis;
	bool named;
	const char *text;

	if (o->phase != PH_READY || o->txn_busy || o->leaving)
		return;
	ops = json_object_new_array();
	if (want_chassis(o, ops, &chassis, &named)) {
		ovn_want_bindings(o, ops, chassis, named);
		if (!json_object_array_length(ops))
			want_nb_cfg(o, ops);
		/* last, alone: a refused row delays nothing else */
		if (!named && !json_object_array_length(ops))
			ovn_want_fdb(o, ops);
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
void ovn_remove_rows(struct ovn *o)
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
				ovn_add_update(ops, "Port_Binding", pb->uuid, row);
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

