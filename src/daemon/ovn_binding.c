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
#include "daemon/ovn_impl.h"
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

