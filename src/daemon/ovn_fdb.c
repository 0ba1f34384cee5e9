/* SPDX-License-Identifier: MIT */
/*
 * The MACs this chassis learns on `unknown`-address ports, written to the
 * Southbound FDB table (ovn_impl.h), as ovn-controller's put_fdb does:
 * for a bound logical port with "unknown" among its addresses and no
 * port_security, every MAC the bridge learned on its port within its
 * datapath's VLAN becomes a row (mac, dp_key, port_key), or moves an
 * existing row of that (mac, dp_key) to this port.  Rows are never
 * deleted here (northd removes a port's rows with the port).  At most
 * OVN_FDB_MAX_WRITES rows per transaction, and the bridge's per-port MAC
 * limit (max-macs) bounds what a port can make us write.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "daemon/daemon.h"
#include "daemon/ovn_impl.h"
#include "util/log.h"

LOG_MODULE("ovn");

#define OVN_FDB_MAX_WRITES 64

struct learn_port { unsigned slot; uint16_t vlan; int64_t dp_key, key; };

struct learned {
	const struct learn_port *ports;
	unsigned nports, n;
	struct { uint8_t mac[6]; int64_t dp_key, key; } e[OVN_FDB_MAX_WRITES];
};

static void collect(void *arg, const uint8_t mac[6], uint16_t vlan, uint32_t port, uint64_t age_ms)
{
	struct learned *l = arg;

	(void)age_ms;
	for (unsigned i = 0; i < l->nports && l->n < OVN_FDB_MAX_WRITES; i++)
		if (l->ports[i].slot == port && l->ports[i].vlan == vlan) {
			memcpy(l->e[l->n].mac, mac, 6);
			l->e[l->n].dp_key = l->ports[i].dp_key;
			l->e[l->n++].key = l->ports[i].key;
		}
}

/* The bound learning ports: their bridge slot, VLAN and keys. */
static unsigned learn_ports(struct ovn *o, struct daemon_bridge *br, struct learn_port *p)
{
	unsigned n = 0;

	for (unsigned i = 0; i < o->nbinds; i++) {
		const struct ovn_bind *b = &o->binds[i];
		struct daemon_port *dp = b->bound && b->learn ? daemon_find_port(o->d, b->port) : NULL;
		const struct port_vlan *v = dp && dp->br == br ? &bridge_port_cfg(br->sw, dp->port)->vlan : NULL;

		if (v && v->mode == PORT_VLAN_ACCESS)
			p[n++] = (struct learn_port){ dp->port->index, v->tag, b->dp_key, b->key };
	}
	return n;
}

static struct ovsdb_row *fdb_row(struct ovn *o, const char *mac, int64_t dp_key)
{
	OVSDB_FOR_EACH_ROW(r, sbt(o, "FDB")) {
		const char *m = ovsdb_row_str(r, "mac");

		if (m && !strcasecmp(m, mac) && ovsdb_row_int(r, "dp_key", 0) == dp_key)
			return r;
	}
	return NULL;
}

void ovn_want_fdb(struct ovn *o, struct json_object *ops)
{
	struct daemon_bridge *br = daemon_find_bridge(o->d, o->cfg.bridge);
	struct learn_port ports[OVN_MAX_BINDS];
	static struct learned l; /* control thread only */

	if (!br || !(l.nports = learn_ports(o, br, ports)))
		return;
	l.ports = ports;
	l.n = 0;
	fdb_foreach(br->sw->fdb, collect, &l, bridge_now_ms());
	for (unsigned i = 0; i < l.n; i++) {
		const uint8_t *a = l.e[i].mac;
		struct json_object *row;
		struct ovsdb_row *r;
		char mac[18], name[16];

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
		r = fdb_row(o, mac, l.e[i].dp_key);
		if (r && ovsdb_row_int(r, "port_key", 0) == l.e[i].key)
			continue;
		row = json_object_new_object();
		json_object_object_add(row, "port_key", json_object_new_int64(l.e[i].key));
		if (r) {
			ovn_add_update(ops, "FDB", r->uuid, row);
			continue;
		}
		json_object_object_add(row, "mac", json_object_new_string(mac));
		json_object_object_add(row, "dp_key", json_object_new_int64(l.e[i].dp_key));
		snprintf(name, sizeof(name), "fdb%u", i);
		ovn_add_insert(ops, "FDB", name, row);
	}
}
