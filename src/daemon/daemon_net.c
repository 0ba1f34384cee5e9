/* SPDX-License-Identifier: MIT */
/*
 * The daemon's networks (daemon.h): the table of definitions, and the
 * verbs' operations on it.  What starting a network makes is network.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/daemon.h"
#include "util/log.h"
#include "util/parse.h"

LOG_MODULE("network");

struct network *daemon_find_net(struct daemon *d, const char *name)
{
	for (unsigned i = 0; i < NETWORK_MAX; i++)
		if (d->networks[i] && !strcmp(d->networks[i]->name, name))
			return d->networks[i];
	return NULL;
}

static struct network *need_net(struct daemon *d, const char *name, struct error *e)
{
	struct network *n = daemon_find_net(d, name);

	if (!n)
		error_set(e, -ENOENT, "name: no network named %s", name);
	return n;
}

int daemon_net_define(struct daemon *d, const char *name, const char *const *opts, unsigned nopts,
		      struct error *e)
{
	char sub[IPV4_SUBNET_STRLEN];
	struct network *n;
	unsigned slot;
	int rc;

	if (daemon_find_net(d, name))
		return error_set(e, -EEXIST, "name: network %s already exists", name);
	for (slot = 0; slot < NETWORK_MAX && d->networks[slot]; slot++)
		;
	if (slot == NETWORK_MAX)
		return error_set(e, -ENOSPC, "name: the daemon already has %d networks", NETWORK_MAX);
	/* Replaying, a definition is never lost to the host's addresses:
	 * net-start checks them again. */
	rc = network_parse(name, opts, nopts, d->networks, NETWORK_MAX, !d->replaying, &n, e);
	if (rc)
		return rc;
	d->networks[slot] = n;
	d->dirty = true;
	log_info("%s defined: mode=%s%s%s%s%s", n->name,
		 n->mode == NETWORK_NAT ? "nat" : n->mode == NETWORK_ISOLATED ? "isolated" : "bridge",
		 n->mode == NETWORK_BRIDGE ? "" : " subnet=",
		 n->mode == NETWORK_BRIDGE ? "" : ipv4_subnet_str(&n->subnet, sub),
		 n->uplink[0] ? " uplink=" : "", n->uplink);
	return 0;
}

int daemon_net_undefine(struct daemon *d, const char *name, struct error *e)
{
	struct network *n = need_net(d, name, e);

	if (!n)
		return -ENOENT;
	if (n->active)
		return error_set(e, -EBUSY, "name: network %s is active (net-stop it first)", n->name);
	for (unsigned i = 0; i < NETWORK_MAX; i++)
		if (d->networks[i] == n)
			d->networks[i] = NULL;
	network_remove_files(n, d->state_dir);
	log_info("%s undefined", n->name);
	network_free(n);
	d->dirty = true;
	return 0;
}

int daemon_net_start(struct daemon *d, const char *name, struct error *e)
{
	struct network *n = need_net(d, name, e);
	int rc;

	if (!n)
		return -ENOENT;
	if (n->active)
		return error_set(e, -EALREADY, "name: network %s is already active", n->name);
	rc = network_start(n, d, d->state_dir, d->run_dir, e);
	if (rc)
		return rc;
	if (!d->replaying) /* else once the operator's ports are back */
		network_scan(n);
	n->started = true;
	d->dirty = true;
	return 0;
}

int daemon_net_stop(struct daemon *d, const char *name, struct error *e)
{
	struct network *n = need_net(d, name, e);

	if (!n)
		return -ENOENT;
	if (!n->active)
		return error_set(e, -EINVAL, "name: network %s is not active", n->name);
	network_stop(n, d, true);
	n->started = false;
	d->dirty = true;
	return 0;
}

/* The network whose bridge this is, or NULL with e saying network:what needs one. */
static struct network *net_of_bridge(struct daemon *d, const char *bridge, const char *what,
				     struct error *e)
{
	struct daemon_bridge *br = daemon_find_bridge(d, bridge);
	struct network *n = br && br->owner[0] ? daemon_find_net(d, br->owner) : NULL;

	if (!n)
		error_set(e, -EINVAL, "port-security: network:%s takes its address from a network, "
			  "and %s is not a network's bridge (give port-security=MAC,IP)", what, bridge);
	return n;
}

int daemon_net_check_bridge(struct daemon *d, const char *bridge, const char *what,
			    struct error *e)
{
	return net_of_bridge(d, bridge, what, e) ? 0 : -EINVAL;
}

int daemon_net_port_security(struct daemon *d, const char *bridge, const char *port,
			     const char *mac, char *out, size_t len, struct error *e)
{
	struct network *n = net_of_bridge(d, bridge, "MAC", e);
	char ip[INET_ADDRSTRLEN];
	uint8_t m[6];
	uint32_t a;
	int rc;

	if (!n)
		return -EINVAL;
	if (!parse_mac(mac, m) || (m[0] & 1))
		return error_set(e, -EINVAL, "port-security: network:%s: not a unicast MAC address "
				 "like 52:54:00:12:34:56", mac);
	if (n->mode == NETWORK_BRIDGE) { /* the LAN's DHCP assigns the address */
		snprintf(out, len, "%s", mac);
		return 0;
	}
	rc = network_reserve(n, m, port, &a, e);
	if (rc) {
		error_prefix(e, "port-security");
		return rc;
	}
	snprintf(out, len, "%s,%s", mac, ipv4_str(a, ip));
	log_info("%s: %s reserved for %s (port %s)", n->name, ip, mac, port);
	return 0;
}

void daemon_net_release(struct daemon *d, const char *port)
{
	for (unsigned i = 0; i < NETWORK_MAX; i++)
		if (d->networks[i])
			network_release(d->networks[i], port);
}

void daemon_net_prune(struct daemon *d)
{
	for (unsigned i = 0; i < NETWORK_MAX; i++) {
		struct network *n = d->networks[i];

		for (unsigned k = 0; n && k < n->res.n;) {
			if (daemon_find_port(d, n->res.r[k].port)) {
				k++;
				continue;
			}
			log_info("%s: reservation of port %s dropped: the port did not come back",
				 n->name, n->res.r[k].port);
			network_release(n, n->res.r[k].port);
			d->dirty = true;
		}
	}
}
