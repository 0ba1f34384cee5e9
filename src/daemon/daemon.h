/* SPDX-License-Identifier: MIT */
/*
 * The daemon's world and the one typed API that changes it.  Bridges,
 * ports and networks are created and torn down here and nowhere else:
 * the control verbs (verbs.c), the state-file replay (state.c) and the
 * networks (network.c) all call these functions; nothing goes back
 * through the verb table.  Everything here runs on the control thread.
 *
 * A bridge or port a network made carries that network's name as its
 * owner: only a call made as that network (`as`) may delete it, so an
 * operator's del-br cannot pull a network's bridge from under it.
 *
 * Every change marks the configuration dirty; daemon_save_state() writes
 * the state file once per request (not while the file is being replayed).
 */
#ifndef UVNET_DAEMON_DAEMON_H
#define UVNET_DAEMON_DAEMON_H

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>

#include "daemon/capture.h"
#include "daemon/loop.h"
#include "daemon/network.h"
#include "daemon/worker.h"
#include "port/port.h"
#include "switch/bridge.h"
#include "util/error.h"

#define DAEMON_MAX_BRIDGES 64
#define DAEMON_MAX_PORTS 1024
#define DAEMON_MAX_MIRRORS 64

struct ovn;
struct daemon_learn;

struct daemon_bridge {
	struct bridge *sw;              /* NULL: a free slot */
	char owner[NETWORK_NAME_MAX];   /* the network that made it; "" = an operator */
};

struct daemon_port {
	struct port *port;              /* NULL: a free slot */
	struct daemon_bridge *br;
	char owner[NETWORK_NAME_MAX];
	struct json_object *options;    /* the key=value words it was made with */
	struct daemon_learn *learn;     /* port-security=network:learn; else NULL */
};

/* A mirror as add-mirror made it (switch/mirror.h). */
struct daemon_mirror {
	struct daemon_bridge *br;
	struct mirror_spec *spec;       /* NULL: a free slot */
};

struct daemon_config {
	const char *control_path;       /* its directory holds run-time files */
	const char *state_path;         /* NULL: no state file */
	unsigned workers;
	enum poll_mode poll;
	const int *cpus;                /* pin workers here; NULL: no pinning */
	unsigned ncpus;
};

struct daemon {
	const char *control_path, *state_path;
	char state_dir[PATH_MAX];       /* absolute: networks' dnsmasq files */
	char run_dir[PATH_MAX];         /* absolute: the control socket's; net/NAME/ below */
	struct loop loop;
	struct worker_pool pool;
	struct port_env env;            /* what ports get: workers, the loop, the switch */
	struct fwd_scratch *inject_scratch;  /* the control thread's forwarding state */
	int timer_fd;                   /* the 1 s housekeeping tick */
	struct daemon_bridge bridges[DAEMON_MAX_BRIDGES];
	struct daemon_port ports[DAEMON_MAX_PORTS];
	struct daemon_mirror mirrors[DAEMON_MAX_MIRRORS];
	struct captures captures;       /* uvnetctl capture (capture.h) */
	struct network *networks[NETWORK_MAX];
	struct ovn *ovn;                /* the OVN chassis (ovn-set); NULL: none */
	bool ip_forward_changed;        /* a NAT network turned IPv4 forwarding on:
					   off again when the last one stops */
	bool replaying;                 /* the state file is being replayed */
	bool dirty;                     /* changed since the state file was written */
};

/* Event loop, worker threads and the 1 s tick; nothing configured yet. */
int daemon_start(struct daemon *d, const struct daemon_config *cfg, struct error *e);
/* Networks stopped, ports and bridges torn down (rings stop while the
 * workers still run), workers joined, the loop closed.  The state file is
 * left as it was: a restart rebuilds the same switch. */
void daemon_stop(struct daemon *d);

/* Bridges.  owner/as: a network's name, or NULL for an operator. */
int daemon_add_bridge(struct daemon *d, const char *name, const char *owner, struct error *e);
int daemon_del_bridge(struct daemon *d, const char *name, const char *as, struct error *e);
struct daemon_bridge *daemon_find_bridge(struct daemon *d, const char *name);

/* Ports: opts are the "key=value" words (type=KIND first among them or
 * not; tag=, trunks=, mtu=, max-macs=, port-security=,
 * ingress-policing-rate=, ingress-policing-burst= for every kind, the rest
 * the kind's own). */
int daemon_add_port(struct daemon *d, const char *bridge, const char *name,
		    const char *const *opts, unsigned nopts, const char *owner, struct error *e);
/* bridge NULL: wherever the port is. */
int daemon_del_port(struct daemon *d, const char *bridge, const char *name, const char *as,
		    struct error *e);
struct daemon_port *daemon_find_port(struct daemon *d, const char *name);
/*
 * Change options of a port at run time: port-security=, tag=, trunks=,
 * mtu=, max-macs=, ingress-policing-rate=, ingress-policing-burst= ("key="
 * with no value goes back to the default).  The
 * port's words are updated (the state file keeps them); an option the
 * kind cannot change once made (path=, a tunnel's mtu=) is refused.
 * Forwarding goes on: the new configuration replaces the old one whole.
 */
int daemon_set_port(struct daemon *d, const char *name, const char *const *opts, unsigned nopts,
		    struct error *e);
/* Change what the OVN chassis manages of a port, in place, same bridge
 * slot: its VLAN (the chassis's internal VLANs) and its port security
 * (the logical port's port_security); NULL: back to what its words say.
 * Not saved: the state file keeps the words.  Returns what changed
 * (DAEMON_OVN_VLAN | DAEMON_OVN_SEC; 0: nothing, the port is untouched). */
#define DAEMON_OVN_VLAN 1u
#define DAEMON_OVN_SEC 2u
unsigned daemon_port_set_ovn(struct daemon *d, struct daemon_port *dp, const struct port_vlan *vlan,
			     const struct port_sec *sec);

/*
 * Mirrors (daemon_mirror.c): add-mirror's words after the bridge (NAME
 * select-src=... select-dst=... select-vlan=... output=PORT, every port on
 * that bridge); del-mirror.  A mirror goes when its bridge, its output
 * port or the last port it selects does.  The JSON of a bridge's mirrors for show, and their add-mirror
 * words for the state file.
 */
int daemon_add_mirror(struct daemon *d, const char *bridge, const char *const *w, unsigned n,
		      struct error *e);
int daemon_del_mirror(struct daemon *d, const char *bridge, const char *name, struct error *e);
void daemon_mirrors_port_removed(struct daemon *d, const struct daemon_port *dp);
void daemon_mirrors_bridge_removed(struct daemon *d, struct daemon_bridge *br);
struct json_object *daemon_mirrors_json(struct daemon *d, const struct daemon_bridge *br);
struct json_object *daemon_mirrors_words(struct daemon *d, const struct daemon_bridge *br);

/* Networks (network.h says what each mode makes). */
int daemon_net_define(struct daemon *d, const char *name, const char *const *opts, unsigned nopts,
		      struct error *e);
int daemon_net_undefine(struct daemon *d, const char *name, struct error *e);
int daemon_net_start(struct daemon *d, const char *name, struct error *e);
int daemon_net_stop(struct daemon *d, const char *name, struct error *e);
struct network *daemon_find_net(struct daemon *d, const char *name);
/*
 * Port security from a network, for a port being added to its bridge
 * (add-port's port-security=network:MAC, or any port the daemon attaches
 * to a network itself): "MAC,IP" with IP reserved for MAC by the network's
 * DHCP (a dnsmasq dhcp-host entry, kept while the port lives); "MAC" on a
 * mode=bridge network, whose addresses the LAN's DHCP assigns.  Into out;
 * 0 or -errno with e naming the problem (not a network's bridge, MAC
 * reserved for another port, no address left).
 */
int daemon_net_port_security(struct daemon *d, const char *bridge, const char *port,
			     const char *mac, char *out, size_t len, struct error *e);
/*
 * port-security=network:learn (daemon_learn.c): the port's learning
 * state, made with the port and freed with it (or when set-port replaces
 * the word); cfg, made from words saying network:learn, gets the lock
 * once the port has one; the tick locks the ports whose latch is set;
 * show's word for the state ("learning", "locked", "refused: WHY").
 */
int daemon_learn_start(struct daemon_port *dp);
void daemon_learn_stop(struct daemon_port *dp);
void daemon_learn_cfg(const struct daemon_port *dp, struct bridge_port_cfg *cfg);
void daemon_learn_tick(struct daemon *d);
struct json_object *daemon_learn_json(const struct daemon_port *dp);
/* Is bridge a network's?  0, or -EINVAL with e saying network:WHAT needs one. */
int daemon_net_check_bridge(struct daemon *d, const char *bridge, const char *what,
			    struct error *e);

/* The port is gone: its reservations too. */
void daemon_net_release(struct daemon *d, const char *port);
/* After the state file's replay: reservations whose port did not come back. */
void daemon_net_prune(struct daemon *d);

/* OVN (ovn.h): ovn-set's words (remote=, encap-ip=, ...) configure or
 * change the chassis; ovn-clear takes its rows out of the Southbound and
 * forgets it; ovn-show describes it. */
int daemon_ovn_set(struct daemon *d, const char *const *opts, unsigned nopts, struct error *e);
int daemon_ovn_clear(struct daemon *d, struct error *e);
/* lsp NULL: the chassis; else that logical port (ovn_describe_lport). */
struct json_object *daemon_ovn_show(struct daemon *d, const char *lsp, struct error *e);

/* Write the state file if anything changed; 0 or -errno (e says where). */
int daemon_save_state(struct daemon *d, struct error *e);
/* Replay the state file: networks, bridges, ports, each through the API
 * above; what cannot be rebuilt is logged and skipped. */
int daemon_load_state(struct daemon *d, struct error *e);

/* Names: what an interface name may hold ("A-Z a-z 0-9 - _ ."), 1 to
 * max-1 characters. */
bool daemon_valid_name(const char *s, size_t max);

#endif
