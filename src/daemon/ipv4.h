/* SPDX-License-Identifier: MIT */
/*
 * IPv4 address arithmetic and parsing for networks: subnets, DHCP ranges,
 * the gateway and broadcast addresses.  Pure functions, host byte order.
 */
#ifndef UVNET_DAEMON_IPV4_H
#define UVNET_DAEMON_IPV4_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

#define IPV4_SUBNET_STRLEN 20   /* "255.255.255.255/32" */

struct ipv4_subnet {
	uint32_t net;
	unsigned prefix;
};

static inline uint32_t ipv4_mask(unsigned prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

/* The first host address is the gateway, as libvirt's networks have it. */
static inline uint32_t ipv4_gateway(const struct ipv4_subnet *s)
{
	return s->net + 1;
}

static inline uint32_t ipv4_broadcast(const struct ipv4_subnet *s)
{
	return s->net | ~ipv4_mask(s->prefix);
}

static inline bool ipv4_contains(const struct ipv4_subnet *s, uint32_t a)
{
	return (a & ipv4_mask(s->prefix)) == s->net;
}

/* Do a/pa and b/pb share an address? */
bool ipv4_overlaps(uint32_t a, unsigned pa, uint32_t b, unsigned pb);

/* Dotted quad into buf (INET_ADDRSTRLEN bytes); returns buf. */
const char *ipv4_str(uint32_t a, char *buf);
/* "A.B.C.D/P" into buf (IPV4_SUBNET_STRLEN bytes); returns buf. */
const char *ipv4_subnet_str(const struct ipv4_subnet *s, char *buf);

/* A dotted quad, exactly (inet_pton: no leading zeros, no spaces). */
bool ipv4_parse(const char *s, uint32_t *a);

/* "A.B.C.D/P", P from 8 to 30, no host bits, a unicast range a network
 * can use (not 0/8, 127/8, 169.254/16, multicast or above).  Errors name
 * the field "subnet". */
int ipv4_parse_subnet(const char *s, struct ipv4_subnet *out, struct error *e);

/* "START,END" inside s, neither the network, gateway nor broadcast
 * address, START <= END.  Errors name the field "dhcp-range". */
int ipv4_parse_range(const char *text, const struct ipv4_subnet *s, uint32_t *lo, uint32_t *hi,
		     struct error *e);

#endif
