/* SPDX-License-Identifier: MIT */
/*
 * Networks: what libvirt calls a virtual network, on uvnet's data plane.
 * A network NAME is a uvnetd bridge of the same name plus:
 *
 *   mode=nat       a gateway port uv-NAME (a tap carrying the gateway
 *                  address, configured over rtnetlink), dnsmasq for DHCP
 *                  and DNS on it, and an nftables table `inet uvnet-NAME`
 *                  that masquerades the subnet out of the uplink and lets
 *                  only replies back in; IPv4 forwarding is switched on.
 *   mode=isolated  the gateway port and dnsmasq, no router option, and an
 *                  nftables table that drops anything forwarded to or from
 *                  the network, and anything from it for the host's other
 *                  addresses (of the host, only the gateway answers).
 *   mode=bridge    an afpacket port uv-NAME on an existing netdev (uplink=),
 *                  nothing else.
 *
 * Every started network also has a socket directory (sockdir.h) whose
 * vhost-user sockets become ports on its bridge: socket-group= names the
 * group that may make them.
 *
 * This file is the lifecycle; it makes the bridge and port through the
 * daemon API (daemon.h) as their owner.  Everything a started network
 * made is taken down by network_stop(); the definition and whether it was
 * started go to the state file, so a restarted daemon starts it again.
 * All of it runs on the control thread.
 */
#ifndef UVNET_DAEMON_NETWORK_H
#define UVNET_DAEMON_NETWORK_H

#include <json-c/json.h>
#include <net/if.h>
#include <stdbool.h>

#include "daemon/dnsmasq.h"
#include "daemon/ipv4.h"
#include "daemon/net_reserve.h"
#include "daemon/sockdir.h"
#include "util/account.h"
#include "util/error.h"

struct daemon;

#define NETWORK_NAME_MAX 13     /* 12 characters: "uv-" + NAME fits IFNAMSIZ */
#define NETWORK_MAX 32

enum network_mode { NETWORK_NAT, NETWORK_ISOLATED, NETWORK_BRIDGE };

struct network {
	char name[NETWORK_NAME_MAX];
	enum network_mode mode;
	struct ipv4_subnet subnet;  /* nat/isolated */
	uint32_t lo, hi;            /* DHCP range */
	char uplink[IFNAMSIZ];      /* as defined; "" = the default route's device */
	char socket_group[ACCOUNT_NAME_MAX]; /* as defined; "" = libvirt-qemu, else root */
	bool socket_psec_off;       /* socket-port-security=off: its ports get no network:learn */
	bool started;               /* wanted (persisted): net-start'ed, not stopped */
	bool active;
	/* while active */
	char port[IFNAMSIZ];        /* uv-NAME: the gateway tap or the uplink's afpacket port */
	char out[IFNAMSIZ];         /* nat: uplink in use ("" = any but our own) */
	bool table;                 /* our nft table is loaded */
	struct dnsmasq dns;
	/* nat/isolated, while active: addresses held for guests' MACs
	 * (dnsmasq's dhcp-hostsfile), each with the port it lives with */
	struct net_reservations res;
	struct sockdir sockdir;     /* RUN_DIR/net/NAME: front-ends' sockets */
};

/*
 * Parse a definition ("mode=..." "subnet=..." "dhcp-range=..." "uplink=..."
 * "socket-group=..." words) into a new network, checked against the others
 * (subnets that overlap, an uplink already taken) and, with check_kernel,
 * against the host's addresses and groups.  Without subnet= the first
 * free 192.168.X.0/24.
 */
int network_parse(const char *name, const char *const *opts, unsigned nopts,
		  struct network *const *others, unsigned nothers, bool check_kernel,
		  struct network **out, struct error *e);
void network_free(struct network *n);

/* Make the bridge, the port, (nat/isolated) the address, rules and
 * dnsmasq, and the socket directory; all or nothing.  state_dir holds
 * dnsmasq's files, run_dir the socket directories (net/NAME/).  The
 * sockets already in the directory are attached by network_scan(). */
int network_start(struct network *n, struct daemon *d, const char *state_dir,
		  const char *run_dir, struct error *e);
/* Attach the sockets in the socket directory (after a start; a daemon
 * replaying its state file does it once the operator's ports are back,
 * so that they keep their names). */
void network_scan(struct network *n);
/* Take down everything network_start() made; for_good (net-stop): the
 * socket directory too, else (uvnetd exits) it stays for the next one. */
void network_stop(struct network *n, struct daemon *d, bool for_good);
/* Once a second: supervise dnsmasq and the socket directory's ports. */
void network_tick(struct network *n);

/* For net-list; for the state file (what network_parse() reads back). */
struct json_object *network_describe(const struct network *n);
struct json_object *network_definition(const struct network *n);
/* The unexpired leases, for net-dhcp-leases. */
int network_leases(const struct network *n, const char *state_dir, struct json_object **out,
		   struct error *e);
/*
 * Reserve an address of the DHCP range for mac, living with port (see
 * net_reserve.h; addresses dnsmasq leased to other MACs are avoided) and
 * tell dnsmasq.  The network must be active, nat or isolated.  0 with *ip
 * set, or -errno with e saying why.
 */
int network_reserve(struct network *n, const uint8_t mac[6], const char *port, uint32_t *ip,
		    struct error *e);
/* Drop port's reservations (none: nothing happens) and tell dnsmasq. */
void network_release(struct network *n, const char *port);
/* Reservations from the state file (network_definition()'s), for a
 * network just started again; what does not fit is logged and dropped. */
void network_load_reservations(struct network *n, struct json_object *a);

/* Files of the network under state_dir (leases, dnsmasq.log) removed. */
void network_remove_files(const struct network *n, const char *state_dir);

#endif
