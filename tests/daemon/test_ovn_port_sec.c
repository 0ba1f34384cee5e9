/* SPDX-License-Identifier: MIT */
/*
 * OVN port_security entries as uvnet port security
 * (daemon/ovn_port_sec.c): a MAC alone, a MAC with IPv4/IPv6 addresses
 * and prefixes, words separated by any run of spaces and tabs; refused:
 * empty entries, a multicast MAC, bad addresses, characters that could
 * smuggle another item (a comma), too many addresses, overlong entries.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/ovn_port_sec.h"

static void formats_as(const char *entry, const char *want)
{
	struct port_sec ps;
	struct error e = { 0 };
	char text[PORT_SEC_FORMAT_MAX];

	assert_int_equal(ovn_port_sec_parse(entry, &ps, &e), 0);
	port_sec_format(&ps, text, sizeof(text));
	assert_string_equal(text, want);
}

static void refused(const char *entry, const char *why)
{
	struct port_sec ps;
	struct error e = { 0 };

	memset(&ps, 0x5a, sizeof(ps));
	assert_int_equal(ovn_port_sec_parse(entry, &ps, &e), -EINVAL);
	if (!strstr(e.msg, why))
		fail_msg("'%s': '%s' lacks '%s'", entry, e.msg, why);
	assert_int_equal(ps.mac[0], 0x5a); /* untouched */
}

static void test_mac_only(void **state)
{
	struct port_sec ps;
	struct error e = { 0 };

	(void)state;
	assert_int_equal(ovn_port_sec_parse("52:54:00:AA:00:01", &ps, &e), 0);
	assert_false(ps.ip);
	formats_as("52:54:00:aa:00:01", "52:54:00:aa:00:01");
}

static void test_addresses(void **state)
{
	(void)state;
	formats_as("52:54:00:aa:00:01 10.0.0.5", "52:54:00:aa:00:01,10.0.0.5");
	formats_as("52:54:00:aa:00:01 10.0.0.5 10.0.1.0/24 2001:db8::5",
		   "52:54:00:aa:00:01,10.0.0.5,10.0.1.0/24,2001:db8::5");
	/* host bits set: that address only, as OVN */
	formats_as("52:54:00:aa:00:01 10.0.0.5/24", "52:54:00:aa:00:01,10.0.0.5");
	formats_as("  52:54:00:aa:00:01\t\t10.0.0.5   ", "52:54:00:aa:00:01,10.0.0.5");
}

static void test_refused(void **state)
{
	char big[OVN_PORT_SEC_MAX + 8];
	char many[1024] = "52:54:00:aa:00:01";

	(void)state;
	refused("", "empty entry");
	refused(" \t ", "empty entry");
	refused("52:54:00:aa:00", "is not a MAC address");
	refused("01:00:5e:00:00:01 10.0.0.1", "multicast or zero MAC");
	refused("00:00:00:00:00:00", "multicast or zero MAC");
	refused("52:54:00:aa:00:01 10.0.0.300", "'10.0.0.300' is not an IPv4 or IPv6");
	refused("52:54:00:aa:00:01 10.0.0.1/33", "prefix length");
	refused("52:54:00:aa:00:01 10.0.0.1,10.0.0.2", "character 0x2c");
	refused("52:54:00:aa:00:01 dynamic", "character 0x79");
	refused("52:54:00:aa:00:01\n10.0.0.1", "character 0x0a");
	for (int i = 0; i < 17; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), " 10.0.0.%d", i + 1);
	refused(many, "one address too many");
	memset(big, ' ', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	refused(big, "longer than");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_only),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
