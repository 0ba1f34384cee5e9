/* SPDX-License-Identifier: MIT */
/*
 * The OVN tunnel port (kind "ovn-tunnel"): the OVN bridge's one trunk to
 * the other chassis, Geneve (or OVN's VXLAN mode), translating between
 * the bridge's internal VLANs and OVN's datapath and port keys with an
 * ovn_map (port/ovn_map.h) the daemon's OVN chassis swaps in.
 *
 *   add-port BR P type=ovn-tunnel local=IPv4ADDRESS [encap=geneve|vxlan]
 *
 * The daemon's OVN code makes it (owned, never in the state file); by
 * hand it forwards nothing until a map is set.
 */
#ifndef UVNET_PORT_OVN_TUNNEL_PORT_H
#define UVNET_PORT_OVN_TUNNEL_PORT_H

#include <stdbool.h>

#include "port/ovn_map.h"
#include "port/port.h"

/* Is p an OVN tunnel port? */
bool ovn_tunnel_port_is(const struct port *p);

/*
 * Publish m (finished, or NULL: forward nothing) to the workers; returns
 * the map it replaces, which workers may still read until the caller has
 * waited for every burst in flight (the daemon's worker sync): free it
 * after that.
 */
struct ovn_map *ovn_tunnel_port_swap(struct port *p, struct ovn_map *m);

/* The map in use (control thread). */
const struct ovn_map *ovn_tunnel_port_map(const struct port *p);

#endif
