/* SPDX-License-Identifier: MIT */
/*
 * A network's nftables rules: one table `inet uvnet-NAME` per network
 * (IPv4 and IPv6), rendered as text by a pure function and loaded with
 * `nft -f -` in one transaction, so it applies whole or not at all.
 *
 *   nat       forward: IPv4 replies back in, the IPv4 subnet out, nothing
 *             else in or out (no IPv6 at all: it would leave unNATed);
 *             postrouting: masquerade the subnet, except to multicast and
 *             broadcast.
 *   isolated  forward: nothing to or from the network; input: of the host,
 *             only the gateway's IPv4 address, no IPv6.
 */
#ifndef UVNET_DAEMON_NFT_H
#define UVNET_DAEMON_NFT_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon/ipv4.h"
#include "util/error.h"

#define NFT_RULES_MAX 2048

struct nft_network {
	const char *name;           /* the table is inet uvnet-NAME */
	bool isolated;              /* else nat */
	struct ipv4_subnet subnet;
	const char *port;           /* the gateway interface (uv-NAME) */
	const char *uplink;         /* nat: out through this one only; "" = any but port */
};

/* The rule set that (re)creates the table: "add, delete, add" in one
 * transaction replaces a table a killed daemon left behind.  The length,
 * or -ENOSPC if it does not fit in len. */
int nft_render_table(const struct nft_network *n, char *buf, size_t len);

/* The rule set that removes it. */
int nft_render_delete(const char *name, char *buf, size_t len);

/* Load a rule set with `nft -f -`; errors name "nft". */
int nft_load(const char *rules, struct error *e);

#endif
