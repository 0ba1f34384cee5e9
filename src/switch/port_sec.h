/* SPDX-License-Identifier: MIT */
/*
 * Port security: what a port may send into the switch, after OVN's
 * port_security and libvirt's clean-traffic filter.  A port configured
 * with `port-security=MAC[,IP[/LEN]...]` may only send:
 *
 *  - frames whose Ethernet source is MAC;
 *  - ARP whose sender hardware address is MAC, and, when addresses are
 *    listed, whose sender IP is one of them (or 0.0.0.0 in a request: an
 *    RFC 5227 probe);
 *  - when addresses are listed:
 *    - IPv4 from a listed address, or from 0.0.0.0 as a DHCP client's
 *      DISCOVER, REQUEST or DECLINE (UDP 68 -> 67);
 *    - IPv6 from a listed address or from the MAC's EUI-64 link-local
 *      address, or from :: as duplicate address detection (a neighbour
 *      solicitation or an MLD report);
 *    - no neighbour advertisement for a target not listed (nor the
 *      link-local one), no ND option naming another link-layer address;
 *    - no DHCP server message (UDP source port 67, DHCPv6 547), no
 *      DHCP client message for another hardware address (chaddr);
 *    - no router advertisement or redirect (ICMPv6 134, 137), wherever
 *      it hides behind extension headers;
 *    - no frame whose L3 starts with another VLAN tag (what this check
 *      cannot see through, a receiver could).
 *
 * An address given with host bits set (10.0.0.5/24) allows that address
 * only, as in OVN (the length names its subnet); with host bits clear
 * (10.0.0.0/24) any address of the network.
 *
 * A learning configuration (port_sec_learning(), `port-security=
 * network:learn`) has no MAC yet: it lets through frames from the first
 * unicast, non-zero source MAC a worker latches into the port's latch
 * word (one compare-and-swap; port_sec_learn.c), with no IPv4 at all
 * (dropped as "learning": a DHCP DISCOVER answered now would get an
 * address other than the one about to be reserved; the client sends
 * again) and IPv6 from its link-local address and DAD only, until the
 * control thread reads the latch and replaces the configuration with the
 * MAC and its address.  Frames from any other source are dropped as
 * eth-src.  The bridge sends a learning port's frames to
 * port_sec_check_learn() instead of port_sec_check() (decide.h), so a
 * locked port's check is as it was.
 *
 * The check reads the frame the way the switch does: the Ethernet header
 * from struct frame's copy, the L3 header bytes copied once out of the
 * frame (the sender may rewrite its buffer meanwhile), bounded by the
 * frame's length; what is parsed is the copy, never the buffer again.
 */
#ifndef UVNET_SWITCH_PORT_SEC_H
#define UVNET_SWITCH_PORT_SEC_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/frame.h"
#include "util/error.h"

#define PORT_SEC_MAX_ADDRS 16       /* IPv4 and IPv6 entries together */
/* Room for any port_sec_format() output: MAC and 16 "IPv6/128". */
#define PORT_SEC_FORMAT_MAX (18 + PORT_SEC_MAX_ADDRS * 45)

/* Why a frame was dropped: enum value, the name counters are shown by. */
#define PORT_SEC_REASONS(X)                 \
	X(ETH_SRC, "eth-src")               \
	X(ARP_SHA, "arp-sha")               \
	X(ARP_SPA, "arp-spa")               \
	X(IPV4_SRC, "ipv4-src")             \
	X(IPV6_SRC, "ipv6-src")             \
	X(ND, "nd")                         \
	X(DHCP_SERVER, "dhcp-server")       \
	X(DHCP_CLIENT, "dhcp-client")       \
	X(RA_REDIRECT, "ra-redirect")       \
	X(NESTED_TAG, "nested-tag")         \
	X(MALFORMED, "malformed")           \
	X(LEARNING, "learning")

#define PORT_SEC_ENUM(id, name) PORT_SEC_##id,
enum port_sec_reason {
	PORT_SEC_PASS = -1,         /* not dropped */
	PORT_SEC_REASONS(PORT_SEC_ENUM)
	PORT_SEC_NREASONS
};
#undef PORT_SEC_ENUM

struct port_sec {
	uint8_t mac[6];
	bool ip;                    /* addresses listed: the L3 checks apply */
	uint8_t n4, n6;
	uint64_t ll6[2];            /* the MAC's fe80::/64 EUI-64 address */
	struct { uint32_t net, mask; } v4[PORT_SEC_MAX_ADDRS];        /* network order */
	struct { uint64_t net[2], mask[2]; } v6[PORT_SEC_MAX_ADDRS];  /* as in memory */
	uint64_t *latch;            /* learning: the port's latch word; else NULL */
};

/* A latch word: 0 (nothing latched) or PORT_SEC_LATCHED | the MAC's 48 bits. */
#define PORT_SEC_LATCHED (1ull << 48)

/*
 * Parse "MAC[,IP[/LEN]...]" into *ps.  -EINVAL, *ps untouched, with e
 * naming the bad item ("port-security: '10.0.0.300' is not an IPv4 or
 * IPv6 address[/LEN]"); a multicast or zero MAC is refused.
 */
int port_sec_parse(struct port_sec *ps, const char *s, struct error *e);

/*
 * A learning configuration: no MAC, no address, latch word `latch` (its
 * owner, the bridge, binds it; NULL until then).
 */
void port_sec_learning(struct port_sec *ps, uint64_t *latch);

/* Lock to mac with no IP address (DHCP, DAD and probes only). */
void port_sec_mac_only_ip(struct port_sec *ps, const uint8_t mac[6]);

/* Latch word <-> MAC: false when nothing is latched. */
bool port_sec_latched_mac(uint64_t word, uint8_t mac[6]);

/*
 * port_sec_check() of a learning configuration (port_sec_learn.c): latch
 * the frame's source if the port has none and it is unicast and non-zero;
 * then the source must be the latched one, IPv4 waits for the lock
 * (PORT_SEC_LEARNING), and the rest is checked as for
 * port_sec_mac_only_ip() of it.
 */
enum port_sec_reason port_sec_check_learn(const struct port_sec *ps, const struct frame *f);

/* "MAC,IP/LEN,...": parses back to the same configuration. */
void port_sec_format(const struct port_sec *ps, char *buf, size_t size);

/* The reason's name ("eth-src"), or "?" out of range. */
const char *port_sec_reason_name(int reason);

/*
 * May frame f, received on a port with configuration ps, enter the
 * switch?  f->l2_len is where its L3 header starts (the switch's VLAN
 * ingress set it).  PORT_SEC_PASS or why not.  port_sec_check_l3() is
 * the part after the Ethernet source, for the frame's EtherType `type`.
 */
enum port_sec_reason port_sec_check_l3(const struct port_sec *ps, const struct frame *f,
				       uint16_t type);

/* Is the IPv4 address a (network order, as in memory) one of the listed ones? */
static inline bool port_sec_v4_listed(const struct port_sec *ps, uint32_t a)
{
	for (unsigned i = 0; i < ps->n4; i++)
		if ((a & ps->v4[i].mask) == ps->v4[i].net)
			return true;
	return false;
}

/*
 * The common case, inline: a plain IPv4 header (no options) from a listed
 * address whose first 28 bytes sit in the frame's first buffer, and that
 * is not DHCP.  Each field is loaded once into a register (the copy it is
 * judged on).  It only ever says yes; anything else is left to the full
 * check, which copies afresh.
 */
static inline bool port_sec_ipv4_fast_pass(const struct port_sec *ps, const struct frame *f)
{
	size_t start = (size_t)f->off + f->l2_len;
	const uint8_t *h;
	uint32_t w0, w2, src, ports;

	if (!f->niov || start + 28 > f->iov[0].iov_len || f->len < f->l2_len + 28u)
		return false;
	h = (const uint8_t *)f->iov[0].iov_base + start;
	memcpy(&w0, h, 4);          /* version, IHL, TOS, length */
	memcpy(&w2, h + 6, 4);      /* flags and fragment offset, TTL, protocol */
	memcpy(&src, h + 12, 4);
	memcpy(&ports, h + 20, 4);  /* UDP source and destination ports */
	w0 = ntohl(w0);
	w2 = ntohl(w2);
	if (w0 >> 24 != 0x45 || !port_sec_v4_listed(ps, src))
		return false;
	if ((w2 & 0xff) != 17 || (w2 >> 16) & 0x1fff)   /* not UDP, or a later fragment */
		return true;
	ports = ntohl(ports) >> 16;
	return ports != 67 && ports != 68;
}

static inline enum port_sec_reason port_sec_check(const struct port_sec *ps,
						  const struct frame *f)
{
	uint16_t type;
	uint32_t a, b;
	uint16_t c, d;

	memcpy(&type, f->eth + f->l2_len - 2, 2);
	type = ntohs(type);

	/* the source MAC, from the copy: two loads each side, no call */
	memcpy(&a, f->eth + 6, 4);
	memcpy(&c, f->eth + 10, 2);
	memcpy(&b, ps->mac, 4);
	memcpy(&d, ps->mac + 4, 2);
	if ((a ^ b) | (uint16_t)(c ^ d))
		return PORT_SEC_ETH_SRC;
	/* MAC only: ARP's sender is all there is left to check */
	if (!ps->ip) {
		if (type != 0x0806)
			return PORT_SEC_PASS;
	} else if (type == 0x0800 && port_sec_ipv4_fast_pass(ps, f)) {
		return PORT_SEC_PASS;
	}
	return port_sec_check_l3(ps, f, type);
}

#endif
