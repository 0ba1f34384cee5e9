/* SPDX-License-Identifier: MIT */
/*
 * The control verbs: one table that uvnetd dispatches on and uvnetctl
 * prints its --help from.  A verb's spelling, argument counts and usage
 * live here and nowhere else; the daemon binds a handler to each entry
 * (src/daemon/verbs.c), the CLI a printer.
 *
 * Requests travel as a JSON array of words (["add-port", "br0", "vm1",
 * "type=tap"]); see client.h.
 */
#ifndef UVNET_CONTROL_VERBS_H
#define UVNET_CONTROL_VERBS_H

#include <stdbool.h>
#include <stdio.h>

enum verb_group { VERB_GROUP_SWITCH, VERB_GROUP_INSPECT, VERB_GROUP_NETWORK, VERB_GROUP_OVN,
		  VERB_GROUPS };

/* X(ID, spelling, min words, max words (after the verb), changes the
 *   configuration, group, synopsis, one-line help) */
#define CONTROL_VERBS(X)                                                                  \
	X(ADD_BR, "add-br", 1, 1, true, VERB_GROUP_SWITCH, "add-br BRIDGE",               \
	  "create a bridge")                                                              \
	X(DEL_BR, "del-br", 1, 1, true, VERB_GROUP_SWITCH, "del-br BRIDGE",               \
	  "delete a bridge and its ports")                                                \
	X(ADD_PORT, "add-port", 3, 19, true, VERB_GROUP_SWITCH,                           \
	  "add-port BRIDGE PORT type=KIND [key=value...]",                                \
	  "add a port of a kind (below) to a bridge")                                     \
	X(DEL_PORT, "del-port", 1, 2, true, VERB_GROUP_SWITCH, "del-port [BRIDGE] PORT",  \
	  "delete a port")                                                                \
	X(SET_PORT, "set-port", 2, 17, true, VERB_GROUP_SWITCH,                           \
	  "set-port PORT KEY=VALUE...",                                                   \
	  "change a port's port-security=, tag=, trunks=, mtu=, max-macs=, "              \
	  "ingress-policing-rate=, ingress-policing-burst= while it forwards (KEY= with "  \
	  "no value: back to the default)")                                               \
	X(ADD_MIRROR, "add-mirror", 3, 6, true, VERB_GROUP_SWITCH,                        \
	  "add-mirror BRIDGE NAME [select-src=PORT,...] [select-dst=PORT,...] "          \
	  "[select-vlan=LIST] output=PORT",                                               \
	  "also send the frames that enter (src) or leave (dst) the selected ports, of "  \
	  "the VLANs listed (default all), out of PORT, once each; PORT takes no part in " \
	  "switching meanwhile")                                                          \
	X(DEL_MIRROR, "del-mirror", 2, 2, true, VERB_GROUP_SWITCH, "del-mirror BRIDGE NAME", \
	  "delete a mirror")                                                              \
	X(SHOW, "show", 0, 0, false, VERB_GROUP_INSPECT, "show",                          \
	  "bridges, ports and their state")                                               \
	X(STATS, "stats", 0, 1, false, VERB_GROUP_INSPECT, "stats [PORT]",                \
	  "packet, byte, drop and error counters, and the workers'")                      \
	X(FDB_SHOW, "fdb-show", 1, 1, false, VERB_GROUP_INSPECT, "fdb-show BRIDGE",       \
	  "learned MAC addresses")                                                        \
	X(TRACE, "trace", 4, 7, false, VERB_GROUP_INSPECT,                                \
	  "trace BRIDGE in-port=PORT dl-src=MAC dl-dst=MAC [vlan=N] [dl-type=0xXXXX] "     \
	  "[len=BYTES]",                                                                  \
	  "what the bridge would do with such a frame: policing, VLAN, port security, "    \
	  "FDB hit or flood, the ports it leaves by with their tags, or why not; sends "   \
	  "and learns nothing")                                                           \
	X(CAPTURE, "capture", 1, 9, false, VERB_GROUP_INSPECT,                            \
	  "capture PORT [-w FILE|-] [-c COUNT] [--direction in|out|both] [--snaplen N]",  \
	  "write the frames the switch receives from PORT (in) and sends to it (out) as " \
	  "pcap (tcpdump -r reads it) to FILE or by default to standard output; stops "  \
	  "after COUNT frames, on Ctrl-C or when the pipe closes, and says how many the " \
	  "capture dropped")                                                              \
	X(NET_DEFINE, "net-define", 1, 7, true, VERB_GROUP_NETWORK,                       \
	  "net-define NAME mode=nat|isolated|bridge [subnet=CIDR] [dhcp-range=START,END] [uplink=DEV] " \
	  "[socket-group=GROUP] [socket-port-security=learn|off]",                        \
	  "define a network (subnet default: a free 192.168.X.0/24; uplink default: the "  \
	  "default route's device; mode=bridge needs uplink=; its socket directory's "     \
	  "ports lock on their first MAC unless socket-port-security=off)")                \
	X(NET_UNDEFINE, "net-undefine", 1, 1, true, VERB_GROUP_NETWORK, "net-undefine NAME", \
	  "forget a stopped network")                                                     \
	X(NET_START, "net-start", 1, 1, true, VERB_GROUP_NETWORK, "net-start NAME",       \
	  "start a network: bridge, gateway tap, dnsmasq, nftables rules")                \
	X(NET_STOP, "net-stop", 1, 1, true, VERB_GROUP_NETWORK, "net-stop NAME",          \
	  "stop a network and take down what it made")                                    \
	X(NET_LIST, "net-list", 0, 0, false, VERB_GROUP_NETWORK, "net-list",              \
	  "networks and their state")                                                     \
	X(NET_DHCP_LEASES, "net-dhcp-leases", 1, 1, false, VERB_GROUP_NETWORK,            \
	  "net-dhcp-leases NAME", "the DHCP leases of a network")                         \
	X(OVN_SET, "ovn-set", 1, 5, true, VERB_GROUP_OVN,                                 \
	  "ovn-set remote=tcp:IP:PORT|unix:PATH[,...] encap-ip=IP [encap-type=geneve|vxlan] " \
	  "[system-id=NAME] [bridge=br-int]",                                             \
	  "join an OVN Southbound database as a chassis; ports of the bridge with "        \
	  "iface-id=LSP are bound to logical ports")                                      \
	X(OVN_SHOW, "ovn-show", 0, 1, false, VERB_GROUP_OVN, "ovn-show [LSP]",            \
	  "the OVN chassis: connection, bound ports, other chassis; or one logical "      \
	  "port as the Southbound has it (addresses, port security, chassis)")            \
	X(OVN_CLEAR, "ovn-clear", 0, 0, true, VERB_GROUP_OVN, "ovn-clear",                \
	  "leave OVN: remove this chassis from the Southbound and forget its settings")

#define VERB_ENUM(id, ...) VERB_##id,
enum verb_id { CONTROL_VERBS(VERB_ENUM) VERB_COUNT };
#undef VERB_ENUM

struct verb_info {
	const char *name;
	unsigned min_words, max_words;  /* after the verb */
	bool changes_config;            /* the daemon writes its state file after it */
	enum verb_group group;
	const char *synopsis;
	const char *help;
};

extern const struct verb_info verb_table[VERB_COUNT];

/* The verb spelled `name`, or -1. */
int verb_find(const char *name);

/* The port kinds' options, for the help text under add-port. */
extern const char *const verb_port_kind_help[];

/* Every verb, grouped, with its synopsis and help, as --help shows it. */
void verb_print_usage(FILE *to);

#endif
