/* SPDX-License-Identifier: MIT */
/*
 * The registry of port kinds, as OVS's netdev_register_provider(): a kind
 * is a name, a one-line option summary and a constructor.  The built-in
 * kinds are one line each in port_kind.c's table; others (a test's fake
 * kind) register at run time.  A new kind is one file that defines its
 * `const struct port_kind` plus one line in that table.
 *
 * Control thread only: nothing here takes a lock.
 */
#ifndef UVNET_PORT_PORT_KIND_H
#define UVNET_PORT_PORT_KIND_H

#include "util/error.h"
#include "port/port.h"
#include "port/port_opts.h"

#define PORT_KIND_MAX 16            /* built-in and registered together */

struct port_kind {
	const char *name;           /* "vhost-user": add-port's type= */
	const char *options;        /* one line for --help:
				       "path=PATH [mode=server|client] [queues=N]" */
	/*
	 * Build a port named `name` from o; the kind reads its options with
	 * port_opt_get()/port_opt_uint() and ends with port_opts_check_unused().
	 * 0 and *out set, or a negative errno with e saying why, the bad
	 * option's key first ("path: ...").
	 */
	int (*create)(const char *name, struct port_opts *o, struct port_env *env,
		      struct port **out, struct error *e);
	/* The MAC limit of its ports without max-macs= (0: none): a guest's
	 * port gets one, an uplink or a tunnel does not. */
	unsigned default_max_macs;
	/* The options every kind takes (tag=, mtu=, ...) that this one
	 * cannot change once made, comma-separated ("mtu"), or NULL. */
	const char *fixed_options;
};

/* The built-in kinds (each defined in its own file). */
extern const struct port_kind vhost_port_kind;
extern const struct port_kind tap_port_kind;
extern const struct port_kind afpacket_port_kind;
extern const struct port_kind vxlan_port_kind;
extern const struct port_kind ovn_tunnel_port_kind;

/* The kind called name, or NULL. */
const struct port_kind *port_kind_find(const char *name);

/* Add a kind (k must outlive the registry): -EEXIST if its name is taken,
 * -ENOSPC when PORT_KIND_MAX kinds are known, -EINVAL without name or
 * create. */
int port_kind_register(const struct port_kind *k);

/* fn(k, arg) for every kind, built-in ones first, in table order. */
void port_kind_foreach(void (*fn)(const struct port_kind *k, void *arg), void *arg);

/*
 * Create a port of the kind called `kind`.  An unknown kind is -EINVAL
 * with "type: 'x' is not a port type (vhost-user, tap, afpacket, vxlan, ovn-tunnel)",
 * listing the kinds known; kind NULL is -EINVAL with "type: a port needs
 * type=vhost-user|tap|afpacket|vxlan".
 */
int port_create(const char *kind, const char *name, struct port_opts *o, struct port_env *env,
		struct port **out, struct error *e);

#endif
