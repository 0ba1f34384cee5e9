/* SPDX-License-Identifier: MIT */
/*
 * The OVN chassis's Port_Binding claims (ovn_impl.h): which local port of
 * the OVN bridge binds which logical port, and the ops that claim them
 * and release the bindings no local port wants any more.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/ovn_acl.h"
#include "daemon/ovn_impl.h"
#include "daemon/ovn_port_sec.h"
#include "ovsdb/cache.h"
#include "util/log.h"

LOG_MODULE("ovn");

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

/*
 * The port security b's port gets once bound.  Precedence: the port's own
 * port-security= word (set by the operator of this host) wins over the
 * logical port's port_security; else the first port_security entry (uvnet
 * holds one MAC per port: what only the others allow is dropped).  false
 * with b->state saying why when an entry does not parse: the logical
 * port is then not claimed (nothing unchecked gets through).
 */
static bool want_sec(struct ovn_bind *b, const struct ovsdb_row *pb, struct json_object *options)
{
	struct json_object *first;
	struct error e = { 0 };

	b->sec_entries = (unsigned)ovsdb_row_count(pb, "port_security");
	if (ovn_port_option(options, "port-security")) {
		b->sec_from = OVN_SEC_LOCAL;
		return true;
	}
	if (!b->sec_entries)
		return true;
	first = ovsdb_row_elem(pb, "port_security", 0);
	if (!json_object_is_type(first, json_type_string)) {
		snprintf(b->state, sizeof(b->state), "refused: port_security is not a set of strings");
		return false;
	}
	if (ovn_port_sec_parse(json_object_get_string(first), &b->sec, &e)) {
		snprintf(b->state, sizeof(b->state), "refused: %.150s", e.msg);
		return false;
	}
	b->sec_from = OVN_SEC_SB;
	return true;
}

/* Warn once per logical switch (while it has ACLs) that its ACLs are not
 * enforced for the ports bound here. */
static void warn_acls(struct ovn *o)
{
	int64_t now[OVN_MAX_BINDS];
	unsigned n = 0;

	for (unsigned i = 0; i < o->nbinds; i++) {
		const struct ovn_bind *b = &o->binds[i];
		bool seen = false, warned = false;

		if (!b->bound || !b->acl_flows)
			continue;
		for (unsigned k = 0; k < n && !seen; k++)
			seen = now[k] == b->dp_key;
		if (seen)
			continue;
		now[n++] = b->dp_key;
		for (unsigned k = 0; k < o->nacl_warned && !warned; k++)
			warned = o->acl_warned[k] == b->dp_key;
		if (!warned)
			log_warn("%s: the logical switch of %s (datapath %lld) has ACLs (%u flows): ACLs are "
				 "not enforced on this chassis (uvnet forwards logical switches by MAC)",
				 b->port, b->lport, (long long)b->dp_key, b->acl_flows);
	}
	memcpy(o->acl_warned, now, n * sizeof(now[0]));
	o->nacl_warned = n;
}

/* Has the logical port "unknown" among its addresses? */
static bool unknown_addresses(const struct ovsdb_row *pb)
{
	for (size_t i = 0; i < ovsdb_row_count(pb, "mac"); i++) {
		struct json_object *a = ovsdb_row_elem(pb, "mac", i);

		if (json_object_is_type(a, json_type_string) && !strcmp(json_object_get_string(a), "unknown"))
			return true;
	}
	return false;
}

const struct ovn_bind *ovn_find_bind(const struct ovn *o, const char *name)
{
	for (unsigned i = 0; i < o->nbinds; i++)
		if (!strcmp(o->binds[i].port, name))
			return &o->binds[i];
	return NULL;
}

/* Claims of the local ports with iface-id=, releases of the bindings we
 * hold that no local port wants any more. */
void ovn_want_bindings(struct ovn *o, struct json_object *ops, const char *chassis, bool named)
{
	struct daemon_bridge *br = daemon_find_bridge(o->d, o->cfg.bridge);
	struct ovsdb_table *pbt = sbt(o, "Port_Binding");
	struct ovsdb_row *claimed[OVN_MAX_BINDS];
	unsigned nclaimed = 0;

	o->nbinds = 0;
	for (unsigned i = 0; br && i < DAEMON_MAX_PORTS && o->nbinds < OVN_MAX_BINDS; i++) {
		struct daemon_port *dp = &o->d->ports[i];
		const char *lsp = dp->port && dp->br == br ? ovn_port_option(dp->options, "iface-id") : NULL;
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
		b->acl_flows = ovn_acl_flows(&o->sb, ovsdb_row_uuid(pb, "datapath"));
		b->key = ovsdb_row_int(pb, "tunnel_key", 0);
		type = ovsdb_row_str(pb, "type");
		if (type && type[0]) {
			snprintf(b->state, sizeof(b->state),
				 "refused: logical port type '%s' is not supported (uvnet binds VIF ports of logical switches)",
				 type);
			continue;
		}
		if (!requested_here(o, pb, b) || !want_sec(b, pb, dp->options))
			continue;
		b->learn = unknown_addresses(pb) && !b->sec_entries;
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

			json_object_object_add(row, "chassis", ovn_ref_set(chassis, named));
			json_object_object_add(row, "up", json_object_new_boolean(true));
			ovn_add_update(ops, "Port_Binding", pb->uuid, row);
			snprintf(b->state, sizeof(b->state), "claiming");
			if (!named && ovsdb_row_uuid(pb, "chassis") &&
			    !ovsdb_row_has_ref(pb, "chassis", chassis))
				log_info("%s: claiming %s from another chassis", b->port, lsp);
			continue;
		}
		snprintf(b->state, sizeof(b->state), "bound");
		b->bound = true;
	}
	warn_acls(o);
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
			ovn_add_update(ops, "Port_Binding", pb->uuid, row);
			log_info("releasing %s", ovsdb_row_str(pb, "logical_port") ? ovsdb_row_str(pb, "logical_port") : pb->uuid);
		}
	}
}

