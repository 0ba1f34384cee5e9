/* SPDX-License-Identifier: MIT */
/*
 * ovn-show's result (ovn_describe, ovn.h): the session, the registration,
 * the local ports' bindings, the data path and the other chassis.
 */
#include "daemon/ovn.h"

#include <errno.h>
#include <stdio.h>

#include "daemon/daemon.h"
#include "daemon/ovn_impl.h"
#include "ovsdb/cache.h"
#include "port/ovn_tunnel_port.h"

static const char *const phase_names[] = {
	[PH_DOWN] = "disconnected", [PH_SERVER] = "checking the server",
	[PH_SCHEMA] = "reading the schema", [PH_MONITOR] = "loading the database",
	[PH_READY] = "connected",
};

static const char *const sec_from_names[] = {
	[OVN_SEC_NONE] = "none", [OVN_SEC_SB] = "southbound", [OVN_SEC_LOCAL] = "local",
};

/* The port's internal VLAN and the port security it has, and whose. */
static void describe_switching(struct ovn *o, const struct ovn_bind *b, struct json_object *p)
{
	struct daemon_port *dp = daemon_find_port(o->d, b->port);
	const struct bridge_port_cfg *cfg = dp && dp->port->bridge ? bridge_port_cfg(dp->br->sw, dp->port) : NULL;
	char text[PORT_SEC_FORMAT_MAX];

	if (!cfg)
		return;
	if (cfg->vlan.mode == PORT_VLAN_ACCESS)
		json_object_object_add(p, "vlan", json_object_new_int(cfg->vlan.tag));
	json_object_object_add(p, "port_security_from", json_object_new_string(sec_from_names[b->sec_from]));
	if (b->sec_entries > 1 && b->sec_from == OVN_SEC_SB)
		json_object_object_add(p, "port_security_note", json_object_new_string(
			"several port_security entries: only the first is enforced"));
	if (cfg->secure) {
		port_sec_format(&cfg->sec, text, sizeof(text));
		json_object_object_add(p, "port_security", json_object_new_string(text));
	}
}

struct json_object *ovn_describe(struct ovn *o)
{
	struct json_object *r = json_object_new_object(), *conn = json_object_new_object();
	struct json_object *ports = json_object_new_array(), *others = json_object_new_array();
	struct json_object *notes = json_object_new_array();
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
		char note[320];

		if (b->bound && b->acl_flows) {
			snprintf(note, sizeof(note), "ACLs are not enforced on this chassis: the logical switch "
				 "of %s (datapath %lld, port %s) has ACLs (%u flows)", b->lport,
				 (long long)b->dp_key, b->port, b->acl_flows);
			json_object_array_add(notes, json_object_new_string(note));
			json_object_object_add(p, "acl_flows_not_enforced", json_object_new_int((int)b->acl_flows));
		}
		json_object_object_add(p, "port", json_object_new_string(b->port));
		json_object_object_add(p, "logical_port", json_object_new_string(b->lport));
		json_object_object_add(p, "state", json_object_new_string(b->state));
		json_object_object_add(p, "bound", json_object_new_boolean(b->bound));
		if (b->dp_key)
			json_object_object_add(p, "datapath_key", json_object_new_int64(b->dp_key));
		if (b->key)
			json_object_object_add(p, "tunnel_key", json_object_new_int64(b->key));
		describe_switching(o, b, p);
		json_object_array_add(ports, p);
	}
	json_object_object_add(r, "ports", ports);
	json_object_object_add(r, "notes", notes);
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

/* A set column's strings as a JSON array (anything else in it left out). */
static struct json_object *strings(const struct ovsdb_row *r, const char *col)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < ovsdb_row_count(r, col); i++) {
		struct json_object *x = ovsdb_row_elem(r, col, i);

		if (json_object_is_type(x, json_type_string))
			json_object_array_add(a, json_object_new_string(json_object_get_string(x)));
	}
	return a;
}

struct json_object *ovn_describe_lport(struct ovn *o, const char *lsp, struct error *e)
{
	struct ovsdb_row *pb, *ch, *dp;
	struct json_object *r;

	if (!o->loaded) {
		error_set(e, -EAGAIN, "ovn: the Southbound database is not loaded yet (%s)",
			  phase_names[o->phase]);
		return NULL;
	}
	if (!(pb = ovsdb_table_find_str(sbt(o, "Port_Binding"), "logical_port", lsp))) {
		error_set(e, -ENOENT, "ovn: no logical port %s in the Southbound database (ovn-nbctl lsp-add)", lsp);
		return NULL;
	}
	ch = ovsdb_table_get(sbt(o, "Chassis"), ovsdb_row_uuid(pb, "chassis"));
	dp = ovsdb_table_get(sbt(o, "Datapath_Binding"), ovsdb_row_uuid(pb, "datapath"));
	r = json_object_new_object();
	json_object_object_add(r, "logical_port", json_object_new_string(lsp));
	json_object_object_add(r, "bridge", json_object_new_string(o->cfg.bridge));
	json_object_object_add(r, "type", json_object_new_string(
		ovsdb_row_str(pb, "type") ? ovsdb_row_str(pb, "type") : ""));
	json_object_object_add(r, "addresses", strings(pb, "mac"));
	json_object_object_add(r, "port_security", strings(pb, "port_security"));
	json_object_object_add(r, "datapath_key", json_object_new_int64(ovsdb_row_int(dp, "tunnel_key", 0)));
	json_object_object_add(r, "tunnel_key", json_object_new_int64(ovsdb_row_int(pb, "tunnel_key", 0)));
	json_object_object_add(r, "chassis", json_object_new_string(
		ch && ovsdb_row_str(ch, "name") ? ovsdb_row_str(ch, "name") : ""));
	json_object_object_add(r, "up", json_object_new_boolean(ovsdb_row_bool(pb, "up", false)));
	return r;
}
