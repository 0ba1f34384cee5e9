/* SPDX-License-Identifier: MIT */
/*
 * A network's address reservations: one IPv4 address of its DHCP range
 * held for one guest MAC while the guest's port exists, the way libvirt's
 * <host mac= ip=/> entries do.  dnsmasq serves them from a conf file
 * (net_reserve_render()'s dhcp-host= lines); the port gets
 * port-security=MAC,IP.  Pure data
 * and functions here: the network (network.c) owns a table and tells
 * dnsmasq; the daemon (daemon_net.c) ties entries to ports.
 */
#ifndef UVNET_DAEMON_NET_RESERVE_H
#define UVNET_DAEMON_NET_RESERVE_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "port/port.h"
#include "util/error.h"

#define NET_RESERVE_MAX 1024    /* per network */

struct net_reservation {
	uint8_t mac[6];
	uint32_t ip;                /* host byte order */
	char port[PORT_NAME_MAX];   /* the port it lives with */
};

struct net_reservations {
	unsigned n;
	struct net_reservation r[NET_RESERVE_MAX];
};

/* The entry for mac, or NULL. */
struct net_reservation *net_reserve_find(struct net_reservations *rs, const uint8_t mac[6]);

/*
 * Reserve an address in [lo, hi] for mac, for port: prefer (the address
 * mac had last: its lease) if it is in the range and free, else the
 * lowest one that is neither reserved nor in avoid[] (addresses leased to
 * other MACs).
 * The same mac for the same port again (a replayed state file) gets its
 * entry back.  1 (a new entry) or 0 (the port's own again) with *ip set,
 * -EEXIST (mac reserved for another port),
 * -ENOSPC (no address left, or the table is full); e says which.
 */
int net_reserve(struct net_reservations *rs, uint32_t lo, uint32_t hi, const uint8_t mac[6],
		const char *port, const uint32_t *avoid, unsigned navoid, uint32_t prefer,
		uint32_t *ip, struct error *e);

/* Drop the entries of port; how many went. */
unsigned net_reserve_release(struct net_reservations *rs, const char *port);

/* dnsmasq conf lines, "dhcp-host=MAC,IP\n" each, into buf: the length,
 * or -ENOSPC when it does not fit (buf then holds a prefix). */
int net_reserve_render(const struct net_reservations *rs, char *buf, size_t len);

/* [{"mac": ..., "ip": ..., "port": ...}] for net-list and the state file;
 * and back: entries outside [lo, hi], malformed or repeated are skipped
 * and counted in *skipped. */
struct json_object *net_reserve_json(const struct net_reservations *rs);
void net_reserve_load(struct net_reservations *rs, struct json_object *a, uint32_t lo, uint32_t hi,
		      unsigned *skipped);

#endif
