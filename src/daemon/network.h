/* SPDX-License-Identifier: MIT */
/*
 * Networks: what libvirt calls a virtual network, on uvnet's data plane.
 * A network NAME is a uvnetd bridge of the same name plus:
 *
 *   mode=nat       a gateway port uv-NAME (a tap carrying the gateway
 *                  address, configured over rtnetlink), dnsmasq for DHCP
 *                  and DNS on it, and an nftables table `ip uvnet-NAME`
 *                  that masquerades the subnet out of the uplink and lets
 *                  only replies back in; IPv4 forwarding is switched on.
 *   mode=isolated  the gateway port and dnsmasq, no router option, and an
 *                  nftables table that drops anything forwarded to or from
 *                  the network, and anything from it for the host's other
 *                  addresses (of the host, only the gateway answers).
 *   mode=bridge    an afpacket port uv-NAME on an existing netdev (uplink=),
 *                  nothing else.
 *
 * Everything a started network made (port, tap, dnsmasq, table) is taken
 * down by net-stop and when uvnetd exits; the definitions and whether each
 * was started are kept in the state file, so a restarted daemon starts them
 * again.  All of it runs on the control thread.
 */
#ifndef UVNET_DAEMON_NETWORK_H
#define UVNET_DAEMON_NETWORK_H

#include <json-c/json.h>
#include <stdbool.h>

struct daemon;

#define NETWORK_NAME_MAX 13     /* 12 characters: "uv-" + NAME fits IFNAMSIZ */
#define NETWORK_MAX 32
#define NETWORK_ERR_MAX 256     /* the control verbs' error buffer */

/* Control verbs (argv = the words, argv[0] the verb); NULL + err on failure. */
struct json_object *network_define(struct daemon *d, struct json_object *argv, char *err);
struct json_object *network_undefine(struct daemon *d, struct json_object *argv, char *err);
struct json_object *network_start_verb(struct daemon *d, struct json_object *argv, char *err);
struct json_object *network_stop_verb(struct daemon *d, struct json_object *argv, char *err);
struct json_object *network_list(struct daemon *d, struct json_object *argv, char *err);
struct json_object *network_dhcp_leases(struct daemon *d, struct json_object *argv, char *err);

/* The network an active network's bridge or own port belongs to, else NULL
 * (del-br and del-port refuse those: net-stop takes them down). */
const char *network_owning_bridge(const char *bridge);
const char *network_owning_port(const char *port);

/* State file: the "networks" array, and replaying it (defines every
 * network, starts those that were started) before the bridges are. */
struct json_object *network_snapshot(void);
void network_load(struct daemon *d, struct json_object *networks);

#endif
