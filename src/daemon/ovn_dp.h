/* SPDX-License-Identifier: MIT */
/*
 * The OVN chassis's data path, computed from its copy of the Southbound
 * (pure: no I/O, no daemon): which internal VLAN of the OVN bridge each
 * logical datapath with a local port gets, and the OVN tunnel port's
 * table (port/ovn_map.h).  ovn_datapath.c applies the result: the bound
 * ports become access ports of their datapath's VLAN, every other port of
 * the OVN bridge is parked alone in VLAN OVN_DP_PARKED (it reaches nothing
 * of OVN), and the map is swapped into the tunnel port.
 *
 * Read from the Southbound: Port_Binding (logical_port, datapath,
 * tunnel_key, chassis, mac, type), Datapath_Binding.tunnel_key, Chassis
 * and their Encap of our type (the other chassis's tunnel IP), and the
 * _MC_flood / _MC_unknown Multicast_Groups of our datapaths, and the FDB
 * rows (MACs other chassis learned on their `unknown`-address VIFs).
 */
#ifndef UVNET_DAEMON_OVN_DP_H
#define UVNET_DAEMON_OVN_DP_H

#include <stdbool.h>
#include <stdint.h>

#include "ovsdb/cache.h"
#include "port/ovn_map.h"
#include "util/error.h"

#define OVN_DP_PARKED 4095   /* the VLAN of the OVN bridge's unbound ports */
#define OVN_DP_VLAN_MIN 1
#define OVN_DP_VLAN_MAX 4094

/* One port of the OVN bridge (the tunnel port aside). */
struct ovn_dp_port {
	const char *lport;      /* the logical port it is bound to; NULL: none */
	unsigned slot;          /* its bridge slot */
	uint16_t vlan;          /* out: its access VLAN (OVN_DP_PARKED: none) */
	uint16_t key;           /* out: its logical port's tunnel key (0: none) */
	uint32_t dp_key;        /* out: its datapath's tunnel key (0: none) */
};

/*
 * Give each datapath of a bound port a VLAN (vlan_key[VLAN] = datapath
 * key, 0 = free; kept across calls, so a datapath keeps its VLAN while it
 * has local ports; a datapath key in 1..4094 gets that VLAN when free),
 * fill in ports[].vlan/key/dp_key, and build the tunnel port's table in
 * *out.  chassis: our Chassis row's UUID (NULL: not registered yet, so
 * nothing is bound); encap_type: "geneve" or "vxlan" (other chassis are
 * reached through their Encap of that type).  0, or -ENOMEM/-ENOSPC with e.
 */
int ovn_dp_build(struct ovsdb_cache *sb, const char *chassis, const char *encap_type,
		 struct ovn_dp_port *ports, unsigned n, uint32_t vlan_key[OVN_MAP_VLANS],
		 struct ovn_map **out, struct error *e);

/* The MAC at the start of one Port_Binding.mac entry ("MAC [IP ...]"). */
bool ovn_dp_parse_mac(const char *s, uint8_t mac[6]);

#endif
