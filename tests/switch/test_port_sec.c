/* SPDX-License-Identifier: MIT */
/*
 * Port security's classifier: each check of port_sec.h on hand-built
 * frames (Ethernet source, ARP sender, IPv4/IPv6 sources with their
 * DHCP/DAD exceptions, ND targets and options, rogue DHCP servers, router
 * advertisements behind extension headers, nested tags, truncated
 * headers), MAC-only configurations, frames split across buffers, and
 * parsing/formatting of the option.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "switch/port_sec.h"

#define MAC "02:00:00:00:00:0a"
static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t other[6] = { 2, 0, 0, 0, 0, 0x0b };

struct pkt {
	uint8_t b[512];
	size_t len;
};

static void eth(struct pkt *p, const uint8_t *src, uint16_t type, int vid)
{
	memset(p, 0, sizeof(*p));
	memset(p->b, 0xff, 6);
	memcpy(p->b + 6, src, 6);
	if (vid >= 0) {
		p->b[12] = 0x81;
		p->b[14] = (uint8_t)(vid >> 8);
		p->b[15] = (uint8_t)vid;
		p->len = 18;
	} else {
		p->len = 14;
	}
	p->b[p->len - 2] = (uint8_t)(type >> 8);
	p->b[p->len - 1] = (uint8_t)type;
}

static void put(struct pkt *p, const void *x, size_t n)
{
	if (n) /* x may be NULL for an empty part: memcpy must not see it */
		memcpy(p->b + p->len, x, n);
	p->len += n;
}

static void arp(struct pkt *p, const uint8_t *src, uint16_t op, const uint8_t *sha,
		const char *spa)
{
	uint8_t a[28] = { 0, 1, 8, 0, 6, 4, 0, (uint8_t)op };
	struct in_addr ip;

	eth(p, src, 0x0806, -1);
	memcpy(a + 8, sha, 6);
	inet_pton(AF_INET, spa, &ip);
	memcpy(a + 14, &ip, 4);
	put(p, a, 28);
}

/* IPv4 + UDP sport -> dport (or another protocol, no UDP header). */
static void ipv4(struct pkt *p, const char *src, uint8_t proto, uint16_t sport, uint16_t dport)
{
	uint8_t h[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, proto };
	struct in_addr ip;

	eth(p, mac, 0x0800, -1);
	inet_pton(AF_INET, src, &ip);
	memcpy(h + 12, &ip, 4);
	memset(h + 16, 0xff, 4);
	h[20] = (uint8_t)(sport >> 8), h[21] = (uint8_t)sport;
	h[22] = (uint8_t)(dport >> 8), h[23] = (uint8_t)dport;
	put(p, h, proto == 17 ? 28 : 20);
	if (proto != 17)
		p->len += 8;
}

/* A DHCP client message of type `type` with chaddr `ch`, from src. */
static void dhcp(struct pkt *p, const char *src, uint8_t type, const uint8_t *ch)
{
	uint8_t bootp[244] = { 1, 1, 6 };

	ipv4(p, src, 17, 68, 67);
	memcpy(bootp + 28, ch, 6);
	bootp[236] = 0x63, bootp[237] = 0x82, bootp[238] = 0x53, bootp[239] = 0x63;
	bootp[240] = 53, bootp[241] = 1, bootp[242] = type, bootp[243] = 255;
	put(p, bootp, sizeof(bootp));
}

/* IPv6 from src with `ext` bytes of extension headers then proto's header. */
static void ipv6(struct pkt *p, const char *src, uint8_t nh, const void *ext, size_t elen,
		 const void *l4, size_t l4len)
{
	uint8_t h[40] = { 0x60 };

	eth(p, mac, 0x86dd, -1);
	h[4] = (uint8_t)((elen + l4len) >> 8);
	h[5] = (uint8_t)(elen + l4len);
	h[6] = nh;
	h[7] = 255;
	inet_pton(AF_INET6, src, h + 8);
	inet_pton(AF_INET6, "ff02::1", h + 24);
	put(p, h, 40);
	put(p, ext, elen);
	put(p, l4, l4len);
}

/* ICMPv6 type with an ND target and an optional link-layer option (opt 1 or 2). */
static void nd(struct pkt *p, const char *src, uint8_t type, const char *target, uint8_t opt,
	       const uint8_t *ll)
{
	uint8_t m[32] = { type };

	inet_pton(AF_INET6, target, m + 8);
	if (opt) {
		m[24] = opt, m[25] = 1;
		memcpy(m + 26, ll, 6);
	}
	ipv6(p, src, 58, NULL, 0, m, opt ? 32 : 24);
}

/* Check p against configuration `cfg`, the frame as one buffer and split
 * into 1-byte pieces after the Ethernet header: the answer must not differ. */
static int check(const char *cfg, const struct pkt *p)
{
	struct port_sec ps;
	struct frame f;
	struct iovec one = { (void *)p->b, p->len }, many[520];
	int r1, r2;

	assert_int_equal(port_sec_parse(&ps, cfg, NULL), 0);
	f = (struct frame){ .iov = &one, .niov = 1, .len = (uint32_t)p->len };
	memcpy(f.eth, p->b, ETH_HLEN_TAGGED);
	f.l2_len = (p->b[12] == 0x81 && p->b[13] == 0) ? 18 : 14;
	r1 = port_sec_check(&ps, &f);
	many[0] = (struct iovec){ (void *)p->b, f.l2_len };
	for (size_t i = f.l2_len; i < p->len; i++)
		many[1 + i - f.l2_len] = (struct iovec){ (void *)(p->b + i), 1 };
	f.iov = many;
	f.niov = (uint16_t)(1 + p->len - f.l2_len);
	r2 = port_sec_check(&ps, &f);
	assert_int_equal(r1, r2);
	return r1;
}

#define PASS PORT_SEC_PASS

static void ethernet_source_must_be_the_mac(void **state)
{
	struct pkt p;
	(void)state;
	ipv4(&p, "10.0.0.5", 6, 0, 0);
	assert_int_equal(check(MAC ",10.0.0.5", &p), PASS);
	memcpy(p.b + 6, other, 6);
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_ETH_SRC);
	assert_int_equal(check(MAC, &p), PORT_SEC_ETH_SRC);
	p.b[11] = 0x0a, p.b[6] = 0x03; /* first byte differs only */
	assert_int_equal(check(MAC, &p), PORT_SEC_ETH_SRC);
}

static void arp_sender_mac_and_ip_are_checked(void **state)
{
	struct pkt p;
	(void)state;
	arp(&p, mac, 2, mac, "10.0.0.5");
	assert_int_equal(check(MAC ",10.0.0.5", &p), PASS);
	arp(&p, mac, 2, other, "10.0.0.5");     /* poisoning with another sha */
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_ARP_SHA);
	assert_int_equal(check(MAC, &p), PORT_SEC_ARP_SHA);
	arp(&p, mac, 2, mac, "10.0.0.1");       /* claims the gateway's address */
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_ARP_SPA);
	assert_int_equal(check(MAC, &p), PASS); /* MAC only: no IP checks */
	arp(&p, mac, 1, mac, "0.0.0.0");        /* RFC 5227 probe */
	assert_int_equal(check(MAC ",10.0.0.5", &p), PASS);
	arp(&p, mac, 2, mac, "0.0.0.0");        /* a reply from 0.0.0.0 is not */
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_ARP_SPA);
	arp(&p, mac, 2, mac, "10.0.0.77");
	assert_int_equal(check(MAC ",10.0.0.0/24", &p), PASS);
	assert_int_equal(check(MAC ",2001:db8::5", &p), PORT_SEC_ARP_SPA);
	p.len = 14 + 20;                        /* truncated */
	assert_int_equal(check(MAC ",10.0.0.77", &p), PORT_SEC_MALFORMED);
}

static void ipv4_source_must_be_listed(void **state)
{
	struct pkt p;
	(void)state;
	ipv4(&p, "10.0.0.5", 17, 1000, 2000);
	assert_int_equal(check(MAC ",10.0.0.5", &p), PASS);
	assert_int_equal(check(MAC ",10.0.0.6", &p), PORT_SEC_IPV4_SRC);
	assert_int_equal(check(MAC ",10.0.0.6,10.0.0.5", &p), PASS);
	assert_int_equal(check(MAC ",10.0.0.0/24", &p), PASS);
	assert_int_equal(check(MAC ",10.0.0.6/24", &p), PORT_SEC_IPV4_SRC); /* host bits: one address */
	assert_int_equal(check(MAC ",2001:db8::5", &p), PORT_SEC_IPV4_SRC);
	assert_int_equal(check(MAC, &p), PASS);
	ipv4(&p, "0.0.0.0", 6, 0, 0);
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_IPV4_SRC);
	ipv4(&p, "10.0.0.5", 6, 0, 0);
	p.b[14] = 0x44;                         /* IHL 4 */
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_MALFORMED);
	p.len = 14 + 19;
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_MALFORMED);
}

static void dhcp_clients_may_use_0000_and_servers_are_dropped(void **state)
{
	struct pkt p;
	(void)state;
	dhcp(&p, "0.0.0.0", 1, mac);           /* DISCOVER */
	assert_int_equal(check(MAC ",10.0.0.5", &p), PASS);
	dhcp(&p, "0.0.0.0", 3, mac);           /* REQUEST */
	assert_int_equal(check(MAC ",10.0.0.5", &p), PASS);
	dhcp(&p, "0.0.0.0", 7, mac);           /* RELEASE comes from the address */
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_DHCP_CLIENT);
	dhcp(&p, "0.0.0.0", 1, other);         /* starving the pool with other chaddrs */
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_DHCP_CLIENT);
	dhcp(&p, "10.0.0.5", 3, mac);          /* renewal from the address */
	assert_int_equal(check(MAC ",10.0.0.5", &p), PASS);
	dhcp(&p, "0.0.0.0", 1, mac);
	p.len -= 4;                             /* no message type within the frame */
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_DHCP_CLIENT);
	/* a rogue server: source port 67, from a listed address */
	ipv4(&p, "10.0.0.5", 17, 67, 68);
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_DHCP_SERVER);
	ipv4(&p, "10.0.0.5", 17, 67, 67);      /* relay to relay: still a server port */
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_DHCP_SERVER);
	assert_int_equal(check(MAC, &p), PASS); /* MAC only: not checked */
	ipv4(&p, "10.0.0.5", 17, 67, 68);
	p.b[14 + 6] = 0x00, p.b[14 + 7] = 0x10; /* a later fragment: no UDP header in it */
	assert_int_equal(check(MAC ",10.0.0.5", &p), PASS);
}

static void ipv6_sources_link_local_and_dad(void **state)
{
	struct pkt p;
	uint8_t udp[8] = { 0x12, 0x34, 0x00, 0x35 };
	(void)state;
	ipv6(&p, "2001:db8::5", 17, NULL, 0, udp, 8);
	assert_int_equal(check(MAC ",2001:db8::5", &p), PASS);
	assert_int_equal(check(MAC ",2001:db8::/64", &p), PASS);
	assert_int_equal(check(MAC ",2001:db8::6", &p), PORT_SEC_IPV6_SRC);
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_IPV6_SRC);
	assert_int_equal(check(MAC, &p), PASS);
	ipv6(&p, "fe80::ff:fe00:a", 17, NULL, 0, udp, 8); /* MAC's EUI-64 link-local */
	assert_int_equal(check(MAC ",10.0.0.5", &p), PASS);
	ipv6(&p, "fe80::ff:fe00:b", 17, NULL, 0, udp, 8); /* another's */
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_IPV6_SRC);
	nd(&p, "::", 135, "2001:db8::5", 0, NULL);        /* DAD */
	assert_int_equal(check(MAC ",2001:db8::5", &p), PASS);
	{
		uint8_t mld[28] = { 143 };

		ipv6(&p, "::", 58, NULL, 0, mld, sizeof(mld));
		assert_int_equal(check(MAC ",2001:db8::5", &p), PASS);
	}
	ipv6(&p, "::", 17, NULL, 0, udp, 8);               /* anything else from :: */
	assert_int_equal(check(MAC ",2001:db8::5", &p), PORT_SEC_IPV6_SRC);
	nd(&p, "::", 136, "2001:db8::5", 0, NULL);        /* NA from :: */
	assert_int_equal(check(MAC ",2001:db8::5", &p), PORT_SEC_IPV6_SRC);
}

static void neighbour_advertisements_only_for_own_targets(void **state)
{
	struct pkt p;
	(void)state;
	nd(&p, "2001:db8::5", 136, "2001:db8::5", 2, mac);
	assert_int_equal(check(MAC ",2001:db8::5", &p), PASS);
	nd(&p, "2001:db8::5", 136, "2001:db8::1", 2, mac);  /* the router's address */
	assert_int_equal(check(MAC ",2001:db8::5", &p), PORT_SEC_ND);
	nd(&p, "fe80::ff:fe00:a", 136, "fe80::ff:fe00:a", 0, NULL);
	assert_int_equal(check(MAC ",2001:db8::5", &p), PASS);
	nd(&p, "2001:db8::5", 136, "2001:db8::5", 2, other); /* another's link-layer address */
	assert_int_equal(check(MAC ",2001:db8::5", &p), PORT_SEC_ND);
	nd(&p, "2001:db8::5", 135, "2001:db8::1", 1, other); /* NS with another's SLL */
	assert_int_equal(check(MAC ",2001:db8::5", &p), PORT_SEC_ND);
	nd(&p, "2001:db8::5", 135, "2001:db8::1", 1, mac);
	assert_int_equal(check(MAC ",2001:db8::5", &p), PASS);
	nd(&p, "2001:db8::5", 135, "2001:db8::1", 1, mac);
	p.b[p.len - 7] = 0;                                   /* option length 0 */
	assert_int_equal(check(MAC ",2001:db8::5", &p), PORT_SEC_ND);
}

static void router_advertisements_and_redirects_are_dropped_behind_headers(void **state)
{
	struct pkt p;
	uint8_t ra[16] = { 134 }, redirect[40] = { 137 };
	uint8_t hbh[8] = { 60, 0 }, dst[16] = { 44, 1 }, frag[8] = { 58, 0, 0, 0 };
	uint8_t chain[32];
	(void)state;
	ipv6(&p, "fe80::ff:fe00:a", 58, NULL, 0, ra, sizeof(ra));
	assert_int_equal(check(MAC ",2001:db8::5", &p), PORT_SEC_RA_REDIRECT);
	ipv6(&p, "fe80::ff:fe00:a", 58, NULL, 0, redirect, sizeof(redirect));
	assert_int_equal(check(MAC ",2001:db8::5", &p), PORT_SEC_RA_REDIRECT);
	/* hop-by-hop -> destination options (16 bytes) -> fragment -> ICMPv6 RA */
	memcpy(chain, hbh, 8);
	memcpy(chain + 8, dst, 16);
	memcpy(chain + 24, frag, 8);
	ipv6(&p, "fe80::ff:fe00:a", 0, chain, sizeof(chain), ra, sizeof(ra));
	assert_int_equal(check(MAC ",2001:db8::5", &p), PORT_SEC_RA_REDIRECT);
	/* the same chain cut before the ICMPv6 header: cannot be judged */
	p.len -= sizeof(ra);
	assert_int_equal(check(MAC ",2001:db8::5", &p), PORT_SEC_MALFORMED);
	/* a DHCPv6 server (source port 547) */
	{
		uint8_t udp[8] = { 0x02, 0x23, 0x02, 0x22 };

		ipv6(&p, "fe80::ff:fe00:a", 17, NULL, 0, udp, 8);
		assert_int_equal(check(MAC ",2001:db8::5", &p), PORT_SEC_DHCP_SERVER);
	}
	/* MAC only: no IPv6 checks */
	ipv6(&p, "fe80::1", 58, NULL, 0, ra, sizeof(ra));
	assert_int_equal(check(MAC, &p), PASS);
}

static void a_tag_behind_the_classified_one_is_dropped(void **state)
{
	struct pkt p;
	uint8_t inner[24] = { 0x00, 0x14, 0x08, 0x00, 0x45 };
	(void)state;
	eth(&p, mac, 0x8100, 10); /* VLAN 10, then another 802.1Q tag */
	put(&p, inner, sizeof(inner));
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_NESTED_TAG);
	assert_int_equal(check(MAC, &p), PASS);
	/* tagged IPv4: the L3 header after the tag is checked */
	eth(&p, mac, 0x0800, 10);
	{
		uint8_t h[20] = { 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 9 };

		put(&p, h, 20);
		p.len += 26;
	}
	assert_int_equal(check(MAC ",10.0.0.5", &p), PORT_SEC_IPV4_SRC);
	assert_int_equal(check(MAC ",10.0.0.9", &p), PASS);
}

static void parses_and_formats_the_option(void **state)
{
	struct port_sec ps;
	struct error e;
	char buf[PORT_SEC_FORMAT_MAX];
	(void)state;
	assert_int_equal(port_sec_parse(&ps, "02:00:00:00:00:0A,10.0.0.5,10.1.0.0/16,2001:db8::5/64,fe80::/10", &e), 0);
	assert_true(ps.ip);
	assert_int_equal(ps.n4, 2);
	assert_int_equal(ps.n6, 2);
	port_sec_format(&ps, buf, sizeof(buf));
	assert_string_equal(buf, "02:00:00:00:00:0a,10.0.0.5,10.1.0.0/16,2001:db8::5,fe80::/10");
	assert_int_equal(port_sec_parse(&ps, buf, NULL), 0);
	assert_int_equal(port_sec_parse(&ps, MAC, NULL), 0);
	assert_false(ps.ip);
	assert_int_equal(port_sec_parse(&ps, "02:00:00:00:00", &e), -EINVAL);
	assert_string_equal(e.msg, "port-security: '02:00:00:00:00' is not a MAC address (MAC[,IP[/LEN]...])");
	assert_int_equal(port_sec_parse(&ps, "01:00:5e:00:00:01", &e), -EINVAL);
	assert_string_equal(e.msg, "port-security: 01:00:5e:00:00:01 is a multicast or zero MAC");
	assert_int_equal(port_sec_parse(&ps, MAC ",10.0.0.300", &e), -EINVAL);
	assert_string_equal(e.msg, "port-security: '10.0.0.300' is not an IPv4 or IPv6 address[/LEN]");
	assert_int_equal(port_sec_parse(&ps, MAC ",10.0.0.3/33", &e), -EINVAL);
	assert_string_equal(e.msg, "port-security: '10.0.0.3/33' has a prefix length that is not 0-32");
	assert_int_equal(port_sec_parse(&ps, MAC ",", &e), -EINVAL);
	assert_int_equal(port_sec_parse(&ps, MAC ",10.0.0.1/024", &e), -EINVAL);
	assert_int_equal(port_sec_parse(&ps, "02:00:00:00:00:0a ", &e), -EINVAL);
	assert_int_equal(port_sec_parse(&ps, "", &e), -EINVAL);
	{
		char many[512] = MAC;

		for (int i = 0; i < 17; i++)
			snprintf(many + strlen(many), sizeof(many) - strlen(many), ",10.0.0.%d", i + 1);
		assert_int_equal(port_sec_parse(&ps, many, &e), -EINVAL);
		assert_string_equal(e.msg, "port-security: '10.0.0.17' is one address too many (at most 16)");
	}
	assert_string_equal(port_sec_reason_name(PORT_SEC_ETH_SRC), "eth-src");
	assert_string_equal(port_sec_reason_name(PORT_SEC_NREASONS), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ethernet_source_must_be_the_mac),
		cmocka_unit_test(arp_sender_mac_and_ip_are_checked),
		cmocka_unit_test(ipv4_source_must_be_listed),
		cmocka_unit_test(dhcp_clients_may_use_0000_and_servers_are_dropped),
		cmocka_unit_test(ipv6_sources_link_local_and_dad),
		cmocka_unit_test(neighbour_advertisements_only_for_own_targets),
		cmocka_unit_test(router_advertisements_and_redirects_are_dropped_behind_headers),
		cmocka_unit_test(a_tag_behind_the_classified_one_is_dropped),
		cmocka_unit_test(parses_and_formats_the_option),
	};
	return cmocka_run_group_tests_name("port_sec", tests, NULL, NULL);
}
