/* SPDX-License-Identifier: MIT */
/*
 * dnsmasq's command line for a network (nat and isolated) and the lines
 * of its lease file (src/daemon/dnsmasq.c): IPv4 leases read, everything
 * else (duid lines, IPv6 leases, garbage) refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/dnsmasq.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static void argv_is(char *const *argv, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++) {
		assert_true(i < DNSMASQ_ARGS_MAX);
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[i]);
}

static struct dnsmasq nat_dm(void)
{
	struct dnsmasq dm = {
		.label = "default", .ifname = "uv-default",
		.lo = IP(192, 168, 122, 2), .hi = IP(192, 168, 122, 254), .prefix = 24,
		.pid_path = "/var/lib/uvnet/default.dnsmasq.pid",
		.lease_path = "/var/lib/uvnet/default.leases",
		.log_path = "/var/lib/uvnet/default.dnsmasq.log",
		.hosts_path = "/var/lib/uvnet/default.dhcp-hosts", .hosts = true,
	};
	return dm;
}

static void nat_network_argv(void **state)
{
	static const char *const want[] = {
		"/usr/sbin/dnsmasq",
		"--keep-in-foreground",
		"--conf-file=/dev/null",
		"--bind-interfaces",
		"--interface=uv-default",
		"--except-interface=lo",
		"--strict-order",
		"--pid-file=/var/lib/uvnet/default.dnsmasq.pid",
		"--dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0,1h",
		"--dhcp-leasefile=/var/lib/uvnet/default.leases",
		"--dhcp-lease-max=253",
		"--dhcp-no-override",
		"--dhcp-authoritative",
		"--log-facility=-",
		"--quiet-dhcp",
		"--quiet-dhcp6",
		"--quiet-ra",
		"--conf-file=/var/lib/uvnet/default.dhcp-hosts",
		NULL,
	};
	char bin[] = "/usr/sbin/dnsmasq";
	struct dnsmasq dm = nat_dm();
	struct dnsmasq_args a;

	(void)state;
	memset(&a, 0x55, sizeof(a));
	dnsmasq_build_args(&dm, bin, &a);
	assert_ptr_equal(a.argv[0], bin);
	argv_is(a.argv, want);
}

static void isolated_network_argv(void **state)
{
	static const char *const want[] = {
		"dnsmasq",
		"--keep-in-foreground",
		"--conf-file=/dev/null",
		"--bind-interfaces",
		"--interface=uv-lab",
		"--except-interface=lo",
		"--strict-order",
		"--pid-file=/tmp/s/lab.dnsmasq.pid",
		"--dhcp-range=10.250.3.100,10.250.3.100,255.255.254.0,1h",
		"--dhcp-leasefile=/tmp/s/lab.leases",
		"--dhcp-lease-max=1",
		"--dhcp-no-override",
		"--dhcp-authoritative",
		"--log-facility=-",
		"--quiet-dhcp",
		"--quiet-dhcp6",
		"--quiet-ra",
		"--dhcp-option=3",
		"--no-resolv",
		"--no-poll",
		"--no-hosts",
		NULL,
	};
	char bin[] = "dnsmasq";
	struct dnsmasq dm = {
		.label = "lab", .ifname = "uv-lab", .lo = IP(10, 250, 3, 100), .hi = IP(10, 250, 3, 100),
		.prefix = 23, .no_router = true, .no_upstream = true, .pid_path = "/tmp/s/lab.dnsmasq.pid",
		.lease_path = "/tmp/s/lab.leases", .log_path = "/tmp/s/lab.dnsmasq.log",
		/* no reservations written yet: no second conf file */
	};
	struct dnsmasq_args a;

	(void)state;
	memset(&a, 0x55, sizeof(a));
	dnsmasq_build_args(&dm, bin, &a);
	argv_is(a.argv, want);
}

static void long_paths_are_not_cut(void **state)
{
	struct dnsmasq dm = nat_dm();
	struct dnsmasq_args a;
	char bin[] = "dnsmasq", want[PATH_MAX + 32];

	(void)state;
	memset(dm.pid_path, 'p', sizeof(dm.pid_path) - 1);
	dm.pid_path[0] = '/';
	dm.pid_path[sizeof(dm.pid_path) - 1] = '\0';
	memset(dm.lease_path, 'l', sizeof(dm.lease_path) - 1);
	dm.lease_path[sizeof(dm.lease_path) - 1] = '\0';
	dnsmasq_build_args(&dm, bin, &a);
	snprintf(want, sizeof(want), "--pid-file=%s", dm.pid_path);
	assert_string_equal(a.argv[7], want);
	snprintf(want, sizeof(want), "--dhcp-leasefile=%s", dm.lease_path);
	assert_string_equal(a.argv[9], want);
}

static bool parse(const char *text, struct dnsmasq_lease *l, char *buf, size_t len)
{
	snprintf(buf, len, "%s", text);
	memset(l, 0, sizeof(*l));
	return dnsmasq_parse_lease(buf, l);
}

static void ipv4_leases_are_read(void **state)
{
	struct dnsmasq_lease l;
	char line[256];

	(void)state;
	assert_true(parse("1700000000 52:54:00:12:34:56 192.168.122.10 vm1 01:52:54:00:12:34:56\n",
			  &l, line, sizeof(line)));
	assert_int_equal(l.expiry, 1700000000);
	assert_string_equal(l.mac, "52:54:00:12:34:56");
	assert_string_equal(l.ip, "192.168.122.10");
	assert_string_equal(l.hostname, "vm1");
	assert_string_equal(l.client_id, "01:52:54:00:12:34:56");
	/* split in place: the fields point into the line */
	assert_true(l.mac > line && l.mac < line + sizeof(line));

	/* no client id at all; 0 = never expires; tabs separate too */
	assert_true(parse("0\t52:54:00:aa:bb:cc\t10.250.3.7\tguest", &l, line, sizeof(line)));
	assert_int_equal(l.expiry, 0);
	assert_string_equal(l.mac, "52:54:00:aa:bb:cc");
	assert_string_equal(l.ip, "10.250.3.7");
	assert_string_equal(l.hostname, "guest");
	assert_string_equal(l.client_id, "");

	/* a year-2100 expiry is past 32 bits */
	assert_true(parse("4102444800 52:54:00:aa:bb:cc 10.250.3.7 guest *", &l, line, sizeof(line)));
	assert_int_equal(l.expiry, 4102444800LL);
}

static void a_star_is_no_hostname_or_client_id(void **state)
{
	struct dnsmasq_lease l;
	char line[256];

	(void)state;
	assert_true(parse("1700000000 52:54:00:12:34:56 192.168.122.11 * *\n", &l, line, sizeof(line)));
	assert_string_equal(l.hostname, "");
	assert_string_equal(l.client_id, "");
	assert_string_equal(l.ip, "192.168.122.11");
	assert_true(parse("1700000000 52:54:00:12:34:56 192.168.122.11 * ff:00:11", &l, line, sizeof(line)));
	assert_string_equal(l.hostname, "");
	assert_string_equal(l.client_id, "ff:00:11");
	assert_true(parse("1700000000 52:54:00:12:34:56 192.168.122.11 host *", &l, line, sizeof(line)));
	assert_string_equal(l.hostname, "host");
	assert_string_equal(l.client_id, "");
}

static void duid_lines_and_ipv6_leases_are_not_ipv4_leases(void **state)
{
	static const char *const lines[] = {
		"duid 00:01:00:01:2c:5f:3a:1b:52:54:00:12:34:56\n",
		"1700000000 1234567 fd00::10 vm1 00:01:00:01:2c:5f:3a:1b:52:54:00:12:34:56\n",
		"1700000000 1234567 2001:db8::7 * 00:01:00:01:2c:5f:3a:1b:52:54:00:12:34:56\n",
		"1700000000 1234567 ::ffff:192.168.122.10 vm1 00:01\n",
	};
	struct dnsmasq_lease l;
	char line[256];

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		print_message("# line %zu\n", i);
		assert_false(parse(lines[i], &l, line, sizeof(line)));
	}
}

static void garbage_and_short_lines_are_refused(void **state)
{
	static const char *const lines[] = {
		"",
		"\n",
		"   \t \n",
		"1700000000",
		"1700000000 52:54:00:12:34:56",
		"1700000000 52:54:00:12:34:56 192.168.122.10",
		"1700000000 52:54:00:12:34:56 192.168.122.10\n",
		"soon 52:54:00:12:34:56 192.168.122.10 vm1",
		"17x 52:54:00:12:34:56 192.168.122.10 vm1",
		"0x10 52:54:00:12:34:56 192.168.122.10 vm1",
		"-1 52:54:00:12:34:56 192.168.122.10 vm1",
		"99999999999999999999 52:54:00:12:34:56 192.168.122.10 vm1",
		"1700000000 52:54:00:12:34:56 192.168.122.300 vm1",
		"1700000000 52:54:00:12:34:56 vm1 192.168.122.10",
	};
	struct dnsmasq_lease l;
	char line[256];

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		print_message("# line %zu\n", i);
		assert_false(parse(lines[i], &l, line, sizeof(line)));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nat_network_argv),
		cmocka_unit_test(isolated_network_argv),
		cmocka_unit_test(long_paths_are_not_cut),
		cmocka_unit_test(ipv4_leases_are_read),
		cmocka_unit_test(a_star_is_no_hostname_or_client_id),
		cmocka_unit_test(duid_lines_and_ipv6_leases_are_not_ipv4_leases),
		cmocka_unit_test(garbage_and_short_lines_are_refused),
	};
	return cmocka_run_group_tests_name("dnsmasq", tests, NULL, NULL);
}
