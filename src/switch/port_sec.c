/* SPDX-License-Identifier: MIT */
/*
 * Port security (port_sec.h): parsing the configuration, and the L3 part
 * of the per-frame check (the Ethernet source is checked inline).
 *
 * The L3 bytes are copied out of the frame into a local buffer: the first
 * PEEK_FIRST bytes at once (an IPv4 header and a UDP header, an ARP body,
 * an IPv6 header and the first word after it), more only when a header
 * says so, each byte copied once and parsed from the copy; nothing past
 * PEEK_MAX bytes is looked at, and what cannot be judged within them is
 * dropped as malformed.
 */
#include "switch/port_sec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/iov.h"
#include "util/parse.h"

#define PEEK_FIRST 44
#define PEEK_MAX 384

#define PS_ETH_IP 0x0800
#define PS_ETH_ARP 0x0806
#define PS_ETH_IPV6 0x86dd
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58

static const char *const reason_names[PORT_SEC_NREASONS] = {
#define PORT_SEC_NAME(id, name) [PORT_SEC_##id] = name,
	PORT_SEC_REASONS(PORT_SEC_NAME)
#undef PORT_SEC_NAME
};

const char *port_sec_reason_name(int reason)
{
	return reason >= 0 && reason < PORT_SEC_NREASONS ? reason_names[reason] : "?";
}

/* ---- configuration ---- */

/* The MAC at [s, s + len): util/parse.h's strict parse_mac() on a copy. */
static bool parse_mac_n(const char *s, size_t len, uint8_t mac[6])
{
	char buf[18];

	if (len != 17)
		return false;
	memcpy(buf, s, 17);
	buf[17] = '\0';
	return parse_mac(buf, mac);
}

/* Mask of the first `len` bits of a 16-byte address, as two words in memory order. */
static void mask6(unsigned len, uint64_t m[2])
{
	uint8_t b[16] = { 0 };

	for (unsigned i = 0; i < 16; i++)
		b[i] = len >= 8 * (i + 1) ? 0xff : len > 8 * i ? (uint8_t)(0xff00 >> (len - 8 * i)) : 0;
	memcpy(m, b, 16);
}

/* One "IP[/LEN]" item into ps; NULL or why it is bad. */
static const char *parse_addr(struct port_sec *ps, const char *item, size_t len)
{
	char buf[64];
	char *slash;
	uint64_t plen = 0;
	bool v6, has_len;
	union { struct in_addr a4; struct in6_addr a6; uint64_t w[2]; } a;

	if (len == 0 || len >= sizeof(buf))
		return "is not an IPv4 or IPv6 address[/LEN]";
	memcpy(buf, item, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	has_len = slash != NULL;
	if (slash)
		*slash++ = '\0';
	v6 = strchr(buf, ':') != NULL;
	if (v6 ? inet_pton(AF_INET6, buf, &a.a6) != 1 : inet_pton(AF_INET, buf, &a.a4) != 1)
		return "is not an IPv4 or IPv6 address[/LEN]";
	if (has_len && !parse_uint(slash, 0, v6 ? 128 : 32, &plen))
		return v6 ? "has a prefix length that is not 0-128" : "has a prefix length that is not 0-32";
	if (ps->n4 + ps->n6 == PORT_SEC_MAX_ADDRS)
		return "is one address too many (at most 16)";
	if (!v6) {
		uint32_t m = plen == 0 ? 0 : htonl(~0u << (32 - plen));

		/* host bits set: that address (LEN only names its subnet) */
		if (!has_len || (a.a4.s_addr & ~m))
			m = 0xffffffffu;
		ps->v4[ps->n4].net = a.a4.s_addr & m;
		ps->v4[ps->n4].mask = m;
		ps->n4++;
	} else {
		uint64_t m[2];

		mask6(has_len ? (unsigned)plen : 128, m);
		if ((a.w[0] & ~m[0]) || (a.w[1] & ~m[1]))
			m[0] = m[1] = ~0ull;
		ps->v6[ps->n6].net[0] = a.w[0] & m[0];
		ps->v6[ps->n6].net[1] = a.w[1] & m[1];
		ps->v6[ps->n6].mask[0] = m[0];
		ps->v6[ps->n6].mask[1] = m[1];
		ps->n6++;
	}
	return NULL;
}

/* The MAC's EUI-64 fe80::/64 address. */
static void link_local(struct port_sec *ps)
{
	uint8_t ll[16] = { 0xfe, 0x80 };

	ll[8] = ps->mac[0] ^ 2;
	ll[9] = ps->mac[1];
	ll[10] = ps->mac[2];
	ll[11] = 0xff;
	ll[12] = 0xfe;
	memcpy(ll + 13, ps->mac + 3, 3);
	memcpy(ps->ll6, ll, 16);
}

int port_sec_parse(struct port_sec *out, const char *s, struct error *e)
{
	const char *end = strchrnul(s, ',');
	struct port_sec ps;

	memset(&ps, 0, sizeof(ps));
	if (!parse_mac_n(s, (size_t)(end - s), ps.mac))
		return error_set(e, -EINVAL, "port-security: '%.*s' is not a MAC address (MAC[,IP[/LEN]...])",
				 (int)(end - s), s);
	if (ps.mac[0] & 1 || !(ps.mac[0] | ps.mac[1] | ps.mac[2] | ps.mac[3] | ps.mac[4] | ps.mac[5]))
		return error_set(e, -EINVAL, "port-security: %.17s is a multicast or zero MAC", s);
	while (*end) {
		const char *item = end + 1, *why;

		end = strchrnul(item, ',');
		why = parse_addr(&ps, item, (size_t)(end - item));
		if (why)
			return error_set(e, -EINVAL, "port-security: '%.*s' %s", (int)(end - item), item, why);
	}
	ps.ip = ps.n4 + ps.n6 > 0;
	link_local(&ps);
	*out = ps;
	return 0;
}

void port_sec_learning(struct port_sec *ps, uint64_t *latch)
{
	memset(ps, 0, sizeof(*ps));
	ps->latch = latch;
}

void port_sec_mac_only_ip(struct port_sec *ps, const uint8_t mac[6])
{
	memset(ps, 0, sizeof(*ps));
	memcpy(ps->mac, mac, 6);
	ps->ip = true;
	link_local(ps);
}

bool port_sec_latched_mac(uint64_t word, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(word >> (40 - 8 * i));
	return word & PORT_SEC_LATCHED;
}

static unsigned prefix_len(const uint8_t *m, size_t n)
{
	unsigned len = 0;

	for (size_t i = 0; i < n; i++)
		len += (unsigned)__builtin_popcount(m[i]);
	return len;
}

void port_sec_format(const struct port_sec *ps, char *buf, size_t size)
{
	size_t len;

	len = (size_t)snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", ps->mac[0], ps->mac[1],
			       ps->mac[2], ps->mac[3], ps->mac[4], ps->mac[5]);
	for (unsigned i = 0; i < ps->n4 && len < size; i++) {
		char a[INET_ADDRSTRLEN];
		unsigned plen = prefix_len((const uint8_t *)&ps->v4[i].mask, 4);

		inet_ntop(AF_INET, &ps->v4[i].net, a, sizeof(a));
		len += (size_t)(plen == 32 ? snprintf(buf + len, size - len, ",%s", a)
				 : snprintf(buf + len, size - len, ",%s/%u", a, plen));
	}
	for (unsigned i = 0; i < ps->n6 && len < size; i++) {
		char a[INET6_ADDRSTRLEN];
		unsigned plen = prefix_len((const uint8_t *)ps->v6[i].mask, 16);

		inet_ntop(AF_INET6, ps->v6[i].net, a, sizeof(a));
		len += (size_t)(plen == 128 ? snprintf(buf + len, size - len, ",%s", a)
				  : snprintf(buf + len, size - len, ",%s/%u", a, plen));
	}
}

/* ---- the per-frame check ---- */

/* The L3 bytes copied so far, and how many the frame has after its L2 header. */
struct peek {
	const struct frame *f;
	unsigned have, avail;
	uint8_t b[PEEK_MAX];
};

/* Copy bytes [from, to) of the L3 part into p->b. */
static inline void copy_in(struct peek *p, unsigned from, unsigned to)
{
	const struct frame *f = p->f;
	size_t start = (size_t)f->off + f->l2_len + from;

	if (f->niov && start + (to - from) <= f->iov[0].iov_len)
		memcpy(p->b + from, (const uint8_t *)f->iov[0].iov_base + start, to - from);
	else if (iov_to_buf(f->iov, f->niov, start, p->b + from, to - from) != to - from)
		memset(p->b + from, 0, to - from); /* the array is shorter than f->len says */
}

/* Make the first n L3 bytes available in p->b; false if the frame (or
 * PEEK_MAX) ends first. */
static inline bool need(struct peek *p, unsigned n)
{
	if (n <= p->have)
		return true;
	if (n > p->avail || n > PEEK_MAX)
		return false;
	copy_in(p, p->have, n);
	p->have = n;
	return true;
}

static inline uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline bool mac_eq(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, 6);
}

static bool v4_allowed(const struct port_sec *ps, const uint8_t *addr)
{
	uint32_t a;

	memcpy(&a, addr, 4);
	return port_sec_v4_listed(ps, a);
}

/* A listed IPv6 address or the MAC's link-local one. */
static bool v6_allowed(const struct port_sec *ps, const uint8_t *addr)
{
	uint64_t a[2];

	memcpy(a, addr, 16);
	if (a[0] == ps->ll6[0] && a[1] == ps->ll6[1])
		return true;
	for (unsigned i = 0; i < ps->n6; i++)
		if ((a[0] & ps->v6[i].mask[0]) == ps->v6[i].net[0] &&
		    (a[1] & ps->v6[i].mask[1]) == ps->v6[i].net[1])
			return true;
	return false;
}

static enum port_sec_reason check_arp(const struct port_sec *ps, struct peek *p)
{
	const uint8_t *b = p->b;

	if (!need(p, 28) || be16(b) != 1 || be16(b + 2) != PS_ETH_IP || b[4] != 6 || b[5] != 4)
		return PORT_SEC_MALFORMED;
	if (!mac_eq(b + 8, ps->mac))
		return PORT_SEC_ARP_SHA;
	if (!ps->ip)
		return PORT_SEC_PASS;
	if (v4_allowed(ps, b + 14))
		return PORT_SEC_PASS;
	/* an address probe (RFC 5227): a request from 0.0.0.0 */
	if (be16(b + 6) == 1 && !(b[14] | b[15] | b[16] | b[17]))
		return PORT_SEC_PASS;
	return PORT_SEC_ARP_SPA;
}

/* A DHCP client message at UDP offset `udp` (sport 68, dport 67): its
 * chaddr must be the port's MAC; from 0.0.0.0 (`unbound`) only DISCOVER,
 * REQUEST and DECLINE. */
static enum port_sec_reason check_dhcp_client(const struct port_sec *ps, struct peek *p,
					      unsigned udp, bool unbound)
{
	unsigned bootp = udp + 8, o;

	/* op, htype, hlen, ..., chaddr at 28 */
	if (!need(p, bootp + 34))
		return PORT_SEC_MALFORMED;
	if (p->b[bootp] != 1 || !mac_eq(p->b + bootp + 28, ps->mac))
		return PORT_SEC_DHCP_CLIENT;
	if (!unbound)
		return PORT_SEC_PASS;
	/* the options after the magic cookie, within what we look at */
	o = bootp + 240;
	if (!need(p, o) || be16(p->b + bootp + 236) != 0x6382 || be16(p->b + bootp + 238) != 0x5363)
		return PORT_SEC_DHCP_CLIENT;
	while (need(p, o + 1)) {
		uint8_t code = p->b[o];

		if (code == 0) { /* pad */
			o++;
			continue;
		}
		if (code == 255 || !need(p, o + 2) || !need(p, o + 2 + p->b[o + 1]))
			break;
		if (code == 53 && p->b[o + 1] == 1) {
			uint8_t type = p->b[o + 2];

			return type == 1 || type == 3 || type == 4 ? PORT_SEC_PASS
								   : PORT_SEC_DHCP_CLIENT;
		}
		o += 2u + p->b[o + 1];
	}
	return PORT_SEC_DHCP_CLIENT;
}

static enum port_sec_reason check_ipv4(const struct port_sec *ps, struct peek *p)
{
	const uint8_t *b = p->b;
	unsigned ihl;
	bool unbound = false, first;

	if (!need(p, 20) || b[0] >> 4 != 4 || (b[0] & 15) < 5)
		return PORT_SEC_MALFORMED;
	ihl = (b[0] & 15) * 4u;
	if (!v4_allowed(ps, b + 12)) {
		if (b[12] | b[13] | b[14] | b[15])
			return PORT_SEC_IPV4_SRC;
		unbound = true;
	}
	first = !(be16(b + 6) & 0x1fff);
	if (b[9] != IPPROTO_UDP_ || !first) {
		/* from 0.0.0.0, only a DHCP client's first fragment */
		return unbound ? PORT_SEC_IPV4_SRC : PORT_SEC_PASS;
	}
	if (!need(p, ihl + 4))
		return PORT_SEC_MALFORMED;
	if (be16(b + ihl) == 67)
		return PORT_SEC_DHCP_SERVER;
	if (be16(b + ihl) == 68 && be16(b + ihl + 2) == 67)
		return check_dhcp_client(ps, p, ihl, unbound);
	return unbound ? PORT_SEC_IPV4_SRC : PORT_SEC_PASS;
}

/* ND options from offset o to the end of the IPv6 payload: a source (1)
 * or target (2) link-layer address option must name the port's MAC. */
static enum port_sec_reason check_nd_options(const struct port_sec *ps, struct peek *p,
					     unsigned o)
{
	unsigned end = 40u + be16(p->b + 4);

	if (end > p->avail)
		end = p->avail;
	while (o < end) {
		unsigned len;

		if (!need(p, o + 2) || !p->b[o + 1])
			return PORT_SEC_ND;
		len = p->b[o + 1] * 8u;
		if ((p->b[o] == 1 || p->b[o] == 2) &&
		    (len != 8 || !need(p, o + 8) || !mac_eq(p->b + o + 2, ps->mac)))
			return PORT_SEC_ND;
		o += len;
	}
	return PORT_SEC_PASS;
}

static enum port_sec_reason check_ipv6(const struct port_sec *ps, struct peek *p)
{
	const uint8_t *b = p->b;
	unsigned nh, o = 40;
	bool src_ok, unspec, l4 = true;
	uint8_t type;

	if (!need(p, 40) || b[0] >> 4 != 6)
		return PORT_SEC_MALFORMED;
	src_ok = v6_allowed(ps, b + 8);
	unspec = true;
	for (unsigned i = 8; i < 24; i++)
		unspec &= !b[i];
	if (!src_ok && !unspec)
		return PORT_SEC_IPV6_SRC;
	/* walk the extension headers to the upper layer, within PEEK_MAX */
	nh = b[6];
	for (;;) {
		if (nh == 0 || nh == 43 || nh == 60) {        /* hop-by-hop, routing, dest opts */
			if (!need(p, o + 2))
				return PORT_SEC_MALFORMED;
			nh = b[o];
			o += (b[o + 1] + 1u) * 8;
		} else if (nh == 51) {                         /* AH */
			if (!need(p, o + 2))
				return PORT_SEC_MALFORMED;
			nh = b[o];
			o += (b[o + 1] + 2u) * 4;
		} else if (nh == 44) {                         /* fragment */
			if (!need(p, o + 8))
				return PORT_SEC_MALFORMED;
			nh = b[o];
			if (be16(b + o + 2) & 0xfff8)
				l4 = false; /* not the first fragment: no upper-layer header */
			o += 8;
			if (!l4)
				break;
		} else {
			break;
		}
	}
	if (!l4)
		return unspec ? PORT_SEC_IPV6_SRC : PORT_SEC_PASS;
	if (nh == IPPROTO_UDP_) {
		if (!need(p, o + 4))
			return PORT_SEC_MALFORMED;
		if (be16(b + o) == 547)
			return PORT_SEC_DHCP_SERVER;
		return unspec ? PORT_SEC_IPV6_SRC : PORT_SEC_PASS;
	}
	if (nh != IPPROTO_ICMPV6_)
		return unspec ? PORT_SEC_IPV6_SRC : PORT_SEC_PASS;
	if (!need(p, o + 4))
		return PORT_SEC_MALFORMED;
	type = b[o];
	switch (type) {
	case 134: /* router advertisement */
	case 137: /* redirect */
		return PORT_SEC_RA_REDIRECT;
	case 135: /* neighbour solicitation: DAD from :: too */
		if (!need(p, o + 24))
			return PORT_SEC_MALFORMED;
		return check_nd_options(ps, p, o + 24);
	case 136: /* neighbour advertisement */
		if (unspec)
			return PORT_SEC_IPV6_SRC;
		if (!need(p, o + 24))
			return PORT_SEC_MALFORMED;
		if (!v6_allowed(ps, b + o + 8))
			return PORT_SEC_ND;
		return check_nd_options(ps, p, o + 24);
	case 131: /* MLDv1 report, MLDv2 report: sent during DAD */
	case 143:
		return PORT_SEC_PASS;
	default:
		return unspec ? PORT_SEC_IPV6_SRC : PORT_SEC_PASS;
	}
}

enum port_sec_reason port_sec_check_l3(const struct port_sec *ps, const struct frame *f,
				       uint16_t type)
{
	struct peek p;

	p.f = f;
	p.avail = f->len > f->l2_len ? f->len - f->l2_len : 0;
	p.have = p.avail < PEEK_FIRST ? p.avail : PEEK_FIRST;
	if (p.have == PEEK_FIRST)
		copy_in(&p, 0, PEEK_FIRST); /* a constant size: a few moves */
	else
		copy_in(&p, 0, p.have);
	switch (type) {
	case PS_ETH_ARP:
		return check_arp(ps, &p);
	case PS_ETH_IP:
		return check_ipv4(ps, &p);
	case PS_ETH_IPV6:
		return check_ipv6(ps, &p);
	case 0x8100: /* a tag behind the one the switch classified */
	case 0x88a8:
	case 0x9100:
		return PORT_SEC_NESTED_TAG;
	default:
		return PORT_SEC_PASS;
	}
}
