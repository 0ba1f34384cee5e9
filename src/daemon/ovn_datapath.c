/* SPDX-License-Identifier: MIT */
/*
 * The OVN chassis's data path applied (ovn_impl.h; computed by ovn_dp.c,
 * port/ovn_tunnel_port.h): the tunnel port, the bound ports' internal
 * VLANs and port security, the tunnel port's table and the FDB entries of the logical
 * ports' MACs; and taking them back.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon/daemon.h"
#include "daemon/ovn_dp.h"
#include "daemon/ovn_impl.h"
#include "port/ovn_tunnel_port.h"
#include "util/log.h"

LOG_MODULE("ovn");

/* The owner of the tunnel port: no network can have this name, so only
 * this code deletes it, and the state file leaves it out. */
#define OVN_OWNER "(ovn)"

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

/* Keep the bridge's FDB entries of the logical ports' MACs fresh: remote
 * ones on the tunnel port, local ones on their port, so that frames are
 * delivered by MAC from the first one, not flooded within the datapath. */
static void refresh_fdb(struct bridge *sw, const struct port *tunnel, const struct ovn_map *m,
			const struct ovn_dp_port *ports, unsigned n)
{
	uint64_t now = bridge_now_ms();

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
	const struct ovn_bind *b = ovn_find_bind(o, name);

	return b && b->bound ? b->lport : NULL;
}

/* Warn once per port and entry count that only the first port_security entry is enforced. */
static void warn_entries(struct ovn *o, const struct daemon_port *dp, const struct ovn_bind *b,
			 bool sb)
{
	unsigned n = b && sb ? b->sec_entries : 0;

	if (n > 1 && o->sec_entries[dp->port->index] != n)
		log_warn("%s: %s has %u port_security entries: only the first is enforced (uvnet "
			 "allows one MAC per port; frames only the others allow are dropped)",
			 dp->port->name, b->lport, n);
	o->sec_entries[dp->port->index] = (uint16_t)(n < UINT16_MAX ? n : UINT16_MAX);
}

/* Give dp its access VLAN and, bound, its logical port's port security. */
static void apply_port(struct ovn *o, struct daemon_port *dp, uint16_t vlan)
{
	const struct ovn_bind *b = ovn_find_bind(o, dp->port->name);
	const struct port_sec *sec = b && b->bound && b->sec_from == OVN_SEC_SB ? &b->sec : NULL;
	char text[PORT_SEC_FORMAT_MAX];
	struct port_vlan pv;
	unsigned changed;

	port_vlan_init(&pv);
	port_vlan_set_access(&pv, vlan);
	changed = daemon_port_set_ovn(o->d, dp, &pv, sec);
	if (changed & DAEMON_OVN_VLAN)
		log_info("%s: %s", dp->port->name, vlan == OVN_DP_PARKED ?
			 "parked (not bound): reaches nothing" : "forwarding in its logical switch");
	warn_entries(o, dp, b, sec != NULL);
	if (!(changed & DAEMON_OVN_SEC))
		return;
	if (!sec) {
		log_info("%s: no port security of a logical port (its own: %s)", dp->port->name,
			 bridge_port_cfg(dp->br->sw, dp->port)->secure ? "port-security=" : "none");
		return;
	}
	port_sec_format(sec, text, sizeof(text));
	log_info("%s: port security from %s's port_security: %s", dp->port->name, b->lport, text);
}

/*
 * Make the OVN bridge forward what the Southbound (as last seen) says:
 * the tunnel port, each bound port in its datapath's VLAN and every
 * other port parked, the tunnel's table.  Also while the Southbound is
 * away: local changes (a port deleted) apply to the last known state.
 */
void ovn_sync_datapath(struct ovn *o)
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
	for (unsigned k = 0; k < n; k++)
		apply_port(o, dps[k], ports[k].vlan);
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

/* Give the OVN bridge's ports back their own VLAN and security; remove
 * the tunnel port. */
void ovn_teardown_datapath(struct ovn *o)
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
		cur = &bridge_port_cfg(br->sw, dp->port)->vlan;
		if (cur->mode == PORT_VLAN_ACCESS &&
		    (cur->tag == OVN_DP_PARKED || o->vlan_key[cur->tag]))
			daemon_port_set_ovn(o->d, dp, NULL, NULL);
	}
	if (tp && !strcmp(tp->owner, OVN_OWNER))
		daemon_del_port(o->d, NULL, o->tunnel, OVN_OWNER, &e);
}

