/* SPDX-License-Identifier: MIT */
/*
 * Address arithmetic and parsing for networks (src/daemon/ipv4.c):
 * subnets a network may use, DHCP ranges inside them, overlaps, the
 * gateway and broadcast addresses, and the text forms both ways.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/ipv4.h"
#include "util/error.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* s must be refused with exactly msg; *out is left alone. */
static void subnet_refused(const char *s, const char *msg)
{
	struct ipv4_subnet out = { 0x01020304, 17 };
	struct error e = { 0 };

	print_message("# subnet '%s'\n", s);
	assert_int_equal(ipv4_parse_subnet(s, &out, &e), -EINVAL);
	assert_int_equal(e.code, -EINVAL);
	assert_string_equal(e.msg, msg);
	assert_int_equal(out.net, 0x01020304);
	assert_int_equal(out.prefix, 17);
	assert_int_equal(ipv4_parse_subnet(s, &out, NULL), -EINVAL);
}

static void not_a_subnet(const char *s)
{
	char msg[ERROR_MSG_MAX];

	snprintf(msg, sizeof(msg), "subnet: '%s' is not an IPv4 network like 192.168.122.0/24", s);
	subnet_refused(s, msg);
}

static void bad_prefix(const char *s)
{
	char msg[ERROR_MSG_MAX];

	snprintf(msg, sizeof(msg), "subnet: '%s': the prefix length must be from 8 to 30", s);
	subnet_refused(s, msg);
}

static void not_unicast(const char *s)
{
	char msg[ERROR_MSG_MAX];

	snprintf(msg, sizeof(msg), "subnet: '%s' is not a unicast range a network can use", s);
	subnet_refused(s, msg);
}

static void subnet_ok(const char *s, uint32_t net, unsigned prefix)
{
	struct ipv4_subnet out = { 0, 0 };
	struct error e = { 0 };
	char back[IPV4_SUBNET_STRLEN];

	print_message("# subnet '%s'\n", s);
	assert_int_equal(ipv4_parse_subnet(s, &out, &e), 0);
	assert_int_equal(e.code, 0);
	assert_int_equal(out.net, net);
	assert_int_equal(out.prefix, prefix);
	assert_string_equal(ipv4_subnet_str(&out, back), s);
}

static void good_subnets_are_read_exactly(void **state)
{
	(void)state;
	subnet_ok("192.168.122.0/24", IP(192, 168, 122, 0), 24);
	subnet_ok("10.0.0.0/8", IP(10, 0, 0, 0), 8);
	subnet_ok("10.250.3.0/24", IP(10, 250, 3, 0), 24);
	subnet_ok("172.16.0.0/12", IP(172, 16, 0, 0), 12);
	subnet_ok("10.1.2.4/30", IP(10, 1, 2, 4), 30);
	subnet_ok("1.0.0.0/8", IP(1, 0, 0, 0), 8);
	subnet_ok("126.0.0.0/8", IP(126, 0, 0, 0), 8);
	subnet_ok("128.0.0.0/8", IP(128, 0, 0, 0), 8);
	subnet_ok("223.255.255.0/24", IP(223, 255, 255, 0), 24);
	/* 169.254/16's neighbours are fine */
	subnet_ok("169.253.0.0/16", IP(169, 253, 0, 0), 16);
	subnet_ok("169.255.0.0/16", IP(169, 255, 0, 0), 16);
	subnet_ok("100.64.0.0/10", IP(100, 64, 0, 0), 10);
}

static void host_bits_are_refused_with_the_network_meant(void **state)
{
	(void)state;
	subnet_refused("192.168.1.1/24",
		       "subnet: '192.168.1.1/24' has host bits set (the network is 192.168.1.0/24)");
	subnet_refused("10.1.2.3/8", "subnet: '10.1.2.3/8' has host bits set (the network is 10.0.0.0/8)");
	subnet_refused("10.1.2.6/30", "subnet: '10.1.2.6/30' has host bits set (the network is 10.1.2.4/30)");
	subnet_refused("192.168.1.128/24",
		       "subnet: '192.168.1.128/24' has host bits set (the network is 192.168.1.0/24)");
}

static void prefix_lengths_outside_8_to_30_are_refused(void **state)
{
	(void)state;
	bad_prefix("10.0.0.0/7");
	bad_prefix("10.0.0.0/0");
	bad_prefix("10.0.0.0/1");
	bad_prefix("10.1.2.4/31");
	bad_prefix("10.1.2.4/32");
	bad_prefix("10.0.0.0/99");
	/* the prefix is checked before the host bits */
	bad_prefix("10.1.2.3/31");
}

static void prefixes_are_plain_decimal(void **state)
{
	(void)state;
	not_a_subnet("10.0.0.0/024");
	not_a_subnet("10.0.0.0/08");
	not_a_subnet("10.0.0.0/00");
	not_a_subnet("10.0.0.0/-1");
	not_a_subnet("10.0.0.0/+8");
	not_a_subnet("10.0.0.0/");
	not_a_subnet("10.0.0.0/ 8");
	not_a_subnet("10.0.0.0/8 ");
	not_a_subnet("10.0.0.0/8a");
	not_a_subnet("10.0.0.0/0x8");
	not_a_subnet("10.0.0.0/100");
	not_a_subnet("10.0.0.0/24/24");
}

static void addresses_are_plain_dotted_quads(void **state)
{
	(void)state;
	not_a_subnet("");
	not_a_subnet("/24");
	not_a_subnet("10.0.0.0");
	not_a_subnet("10.0.0/24");
	not_a_subnet("10.0.0.0.0/24");
	not_a_subnet("010.0.0.0/24");
	not_a_subnet("10.0.0.256/24");
	not_a_subnet(" 10.0.0.0/24");
	not_a_subnet("fd00::/64");
	not_a_subnet("example.org/24");
	/* longer than any address before the slash */
	not_a_subnet("1234567890.1234567890.1234567890/24");
}

static void ranges_no_network_may_use_are_refused(void **state)
{
	(void)state;
	not_unicast("127.0.0.0/8");
	not_unicast("127.1.0.0/16");
	not_unicast("0.0.0.0/8");
	not_unicast("0.1.0.0/16");
	not_unicast("224.0.0.0/8");
	not_unicast("239.255.255.0/24");
	not_unicast("240.0.0.0/8");
	not_unicast("255.255.255.0/24");
	not_unicast("169.254.0.0/16");
	not_unicast("169.254.1.0/24");
	not_unicast("169.0.0.0/8");   /* holds 169.254/16 */
	/* 224/4 is refused too (its prefix is already too short) */
	bad_prefix("224.0.0.0/4");
}

static const struct ipv4_subnet s100 = { IP(192, 168, 100, 0), 24 };

static void range_refused(const char *text, const char *msg)
{
	uint32_t lo = 7, hi = 8;
	struct error e = { 0 };

	print_message("# range '%s'\n", text);
	assert_int_equal(ipv4_parse_range(text, &s100, &lo, &hi, &e), -EINVAL);
	assert_int_equal(e.code, -EINVAL);
	assert_string_equal(e.msg, msg);
	assert_int_equal(lo, 7);
	assert_int_equal(hi, 8);
	assert_int_equal(ipv4_parse_range(text, &s100, &lo, &hi, NULL), -EINVAL);
}

static void not_a_range(const char *text)
{
	char msg[ERROR_MSG_MAX];

	snprintf(msg, sizeof(msg), "dhcp-range: '%s' is not START,END (two IPv4 addresses)", text);
	range_refused(text, msg);
}

static void a_range_inside_the_subnet_is_read(void **state)
{
	const struct ipv4_subnet s30 = { IP(10, 1, 2, 4), 30 };
	struct error e = { 0 };
	uint32_t lo = 0, hi = 0;

	(void)state;
	assert_int_equal(ipv4_parse_range("192.168.100.2,192.168.100.254", &s100, &lo, &hi, &e), 0);
	assert_int_equal(lo, IP(192, 168, 100, 2));
	assert_int_equal(hi, IP(192, 168, 100, 254));
	assert_int_equal(ipv4_parse_range("192.168.100.50,192.168.100.50", &s100, &lo, &hi, &e), 0);
	assert_int_equal(lo, IP(192, 168, 100, 50));
	assert_int_equal(hi, IP(192, 168, 100, 50));
	/* a /30 has one address left for DHCP */
	assert_int_equal(ipv4_parse_range("10.1.2.6,10.1.2.6", &s30, &lo, &hi, &e), 0);
	assert_int_equal(lo, IP(10, 1, 2, 6));
	assert_int_equal(hi, IP(10, 1, 2, 6));
	assert_int_equal(e.code, 0);
}

static void a_range_outside_or_on_a_special_address_is_refused(void **state)
{
	(void)state;
	range_refused("192.168.101.2,192.168.100.10",
		      "dhcp-range: 192.168.101.2 is not inside the subnet 192.168.100.0/24");
	range_refused("192.168.100.2,192.168.101.10",
		      "dhcp-range: 192.168.101.10 is not inside the subnet 192.168.100.0/24");
	range_refused("10.0.0.2,10.0.0.3", "dhcp-range: 10.0.0.2 is not inside the subnet 192.168.100.0/24");
	range_refused("192.168.100.0,192.168.100.10",
		      "dhcp-range: 192.168.100.0 is the subnet's network address");
	range_refused("192.168.100.1,192.168.100.10",
		      "dhcp-range: 192.168.100.1 is the subnet's gateway address");
	range_refused("192.168.100.2,192.168.100.255",
		      "dhcp-range: 192.168.100.255 is the subnet's broadcast address");
	range_refused("192.168.100.2,192.168.100.1",
		      "dhcp-range: 192.168.100.1 is the subnet's gateway address");
}

static void a_reversed_range_is_refused(void **state)
{
	(void)state;
	range_refused("192.168.100.20,192.168.100.10",
		      "dhcp-range: the start 192.168.100.20 is above the end 192.168.100.10");
	range_refused("192.168.100.3,192.168.100.2",
		      "dhcp-range: the start 192.168.100.3 is above the end 192.168.100.2");
}

static void a_malformed_range_is_refused(void **state)
{
	(void)state;
	not_a_range("");
	not_a_range(",");
	not_a_range("192.168.100.2");
	not_a_range("192.168.100.2,");
	not_a_range(",192.168.100.3");
	not_a_range("192.168.100.2-192.168.100.3");
	not_a_range("192.168.100.2,192.168.100.3,192.168.100.4");
	not_a_range("192.168.100.2, 192.168.100.3");
	not_a_range("192.168.100.02,192.168.100.3");
	not_a_range("a,b");
	not_a_range("192.168.100.2,192.168.100.3333333333333333333");
	not_a_range("1234567890123456789012345678901234567890,192.168.100.3");
}

static void overlaps_compare_under_the_shorter_prefix(void **state)
{
	(void)state;
	assert_true(ipv4_overlaps(IP(10, 0, 0, 0), 8, IP(10, 1, 0, 0), 16));
	assert_true(ipv4_overlaps(IP(10, 1, 0, 0), 16, IP(10, 0, 0, 0), 8));
	assert_false(ipv4_overlaps(IP(10, 0, 0, 0), 16, IP(10, 1, 0, 0), 16));
	assert_true(ipv4_overlaps(IP(192, 168, 1, 0), 24, IP(192, 168, 1, 128), 25));
	assert_false(ipv4_overlaps(IP(192, 168, 1, 0), 25, IP(192, 168, 1, 128), 25));
	assert_true(ipv4_overlaps(IP(192, 168, 1, 0), 24, IP(192, 168, 1, 0), 24));
	assert_false(ipv4_overlaps(IP(192, 168, 1, 0), 24, IP(192, 168, 2, 0), 24));
	assert_true(ipv4_overlaps(IP(192, 168, 1, 7), 32, IP(192, 168, 1, 0), 24));
	assert_false(ipv4_overlaps(IP(192, 168, 2, 7), 32, IP(192, 168, 1, 0), 24));
	/* /0 holds everything */
	assert_true(ipv4_overlaps(0, 0, IP(203, 0, 113, 0), 24));
	assert_true(ipv4_overlaps(IP(203, 0, 113, 0), 24, 0, 0));
}

static void masks_gateways_and_broadcasts(void **state)
{
	const struct ipv4_subnet a = { IP(10, 0, 0, 0), 8 }, b = { IP(10, 1, 2, 4), 30 };

	(void)state;
	assert_int_equal(ipv4_mask(0), 0);
	assert_int_equal(ipv4_mask(1), 0x80000000u);
	assert_int_equal(ipv4_mask(8), 0xff000000u);
	assert_int_equal(ipv4_mask(24), 0xffffff00u);
	assert_int_equal(ipv4_mask(30), 0xfffffffcu);
	assert_int_equal(ipv4_mask(32), 0xffffffffu);
	assert_int_equal(ipv4_gateway(&s100), IP(192, 168, 100, 1));
	assert_int_equal(ipv4_broadcast(&s100), IP(192, 168, 100, 255));
	assert_int_equal(ipv4_gateway(&a), IP(10, 0, 0, 1));
	assert_int_equal(ipv4_broadcast(&a), IP(10, 255, 255, 255));
	assert_int_equal(ipv4_gateway(&b), IP(10, 1, 2, 5));
	assert_int_equal(ipv4_broadcast(&b), IP(10, 1, 2, 7));
	assert_true(ipv4_contains(&b, IP(10, 1, 2, 4)));
	assert_true(ipv4_contains(&b, IP(10, 1, 2, 7)));
	assert_false(ipv4_contains(&b, IP(10, 1, 2, 8)));
	assert_false(ipv4_contains(&b, IP(10, 1, 2, 3)));
	assert_true(ipv4_contains(&s100, IP(192, 168, 100, 77)));
	assert_false(ipv4_contains(&s100, IP(192, 168, 101, 77)));
}

static void text_forms_round_trip(void **state)
{
	static const char *const addrs[] = {
		"0.0.0.0", "1.2.3.4", "10.250.0.1", "192.168.122.255", "255.255.255.255", "127.0.0.1",
	};
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4/8",
		"::1", "0x1.2.3.4", "1..3.4",
	};
	const struct ipv4_subnet widest = { 0xffffffffu, 32 };
	char buf[INET_ADDRSTRLEN], sbuf[IPV4_SUBNET_STRLEN];
	uint32_t a;

	(void)state;
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		assert_true(ipv4_parse(addrs[i], &a));
		assert_ptr_equal(ipv4_str(a, buf), buf);
		assert_string_equal(buf, addrs[i]);
	}
	assert_true(ipv4_parse("192.168.1.2", &a));
	assert_int_equal(a, IP(192, 168, 1, 2));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = 42;
		print_message("# address '%s'\n", bad[i]);
		assert_false(ipv4_parse(bad[i], &a));
		assert_int_equal(a, 42);
	}
	/* the longest subnet text fits IPV4_SUBNET_STRLEN */
	assert_ptr_equal(ipv4_subnet_str(&widest, sbuf), sbuf);
	assert_string_equal(sbuf, "255.255.255.255/32");
	assert_string_equal(ipv4_subnet_str(&s100, sbuf), "192.168.100.0/24");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_subnets_are_read_exactly),
		cmocka_unit_test(host_bits_are_refused_with_the_network_meant),
		cmocka_unit_test(prefix_lengths_outside_8_to_30_are_refused),
		cmocka_unit_test(prefixes_are_plain_decimal),
		cmocka_unit_test(addresses_are_plain_dotted_quads),
		cmocka_unit_test(ranges_no_network_may_use_are_refused),
		cmocka_unit_test(a_range_inside_the_subnet_is_read),
		cmocka_unit_test(a_range_outside_or_on_a_special_address_is_refused),
		cmocka_unit_test(a_reversed_range_is_refused),
		cmocka_unit_test(a_malformed_range_is_refused),
		cmocka_unit_test(overlaps_compare_under_the_shorter_prefix),
		cmocka_unit_test(masks_gateways_and_broadcasts),
		cmocka_unit_test(text_forms_round_trip),
	};
	return cmocka_run_group_tests_name("ipv4", tests, NULL, NULL);
}
