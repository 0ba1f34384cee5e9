/* SPDX-License-Identifier: MIT */
/*
 * The strict parsers every option goes through (util/parse.h): what
 * strtoul() would take and they refuse — a sign, a space, a leading zero,
 * "0x", trailing junk, a value that wraps or leaves the range.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "util/account.h"
#include "util/parse.h"

static void uint_takes_plain_digits_in_range(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_true(parse_uint("0", 0, 10, &v));
	assert_int_equal(v, 0);
	assert_true(parse_uint("4095", 0, 4095, &v));
	assert_int_equal(v, 4095);
	assert_true(parse_uint("18446744073709551615", 0, UINT64_MAX, &v));
	assert_true(v == UINT64_MAX);
}

static void uint_refuses_what_strtoul_takes(void **state)
{
	static const char *const bad[] = {
		"", "-1", "+10", " 10", "10 ", "\t10", "010", "0x10", "1e3", "10a",
		"-18446744073709551606", "18446744073709551616", "99999999999999999999",
	};
	uint64_t v = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_uint(bad[i], 0, UINT64_MAX, &v))
			fail_msg("parse_uint took '%s'", bad[i]);
		assert_int_equal(v, 42); /* untouched on failure */
	}
	assert_false(parse_uint(NULL, 0, 1, &v));
	assert_false(parse_uint("4096", 0, 4095, &v));
	assert_false(parse_uint("0", 1, 4095, &v));
}

static void uint_n_reads_only_its_piece(void **state)
{
	uint64_t v;

	(void)state;
	assert_true(parse_uint_n("12-34", 2, 0, 100, &v));
	assert_int_equal(v, 12);
	assert_false(parse_uint_n("12-34", 3, 0, 100, &v));
	assert_false(parse_uint_n("12", 0, 0, 100, &v));
}

static void decimal_takes_digits_and_one_point(void **state)
{
	static const char *const bad[] = {
		"", ".5", "5.", "-1", "+1", " 1", "1e3", "inf", "nan", "0x1", "1.2.3", "1,5", "01",
	};
	double d = 7;

	(void)state;
	assert_true(parse_decimal("15", 100, &d));
	assert_true(d == 15);
	assert_true(parse_decimal("0.25", 100, &d));
	assert_true(d > 0.2499 && d < 0.2501);
	assert_false(parse_decimal("101", 100, &d));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_decimal(bad[i], 1e9, &d))
			fail_msg("parse_decimal took '%s'", bad[i]);
}

static void mac_is_six_hex_pairs(void **state)
{
	static const char *const bad[] = {
		"", "52:54:00:12:34", "52:54:00:12:34:5", "52:54:00:12:34:567", " 52:54:00:12:34:56",
		"52-54-00-12-34-56", "52:54:00:12:34:5g", "152:4:00:12:34:56", "52:54:00:12:34:56:",
	};
	uint8_t m[6];

	(void)state;
	assert_true(parse_mac("52:54:00:aB:Cd:ef", m));
	assert_int_equal(m[0], 0x52);
	assert_int_equal(m[3], 0xab);
	assert_int_equal(m[5], 0xef);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_mac(bad[i], m))
			fail_msg("parse_mac took '%s'", bad[i]);
}

static void names_are_1_to_max_minus_1_of_a_small_alphabet(void **state)
{
	static const char *const good[] = { "br0", "vm-1", "a_b.c", "Z", "0123456789abcde" };
	static const char *const bad[] = { "", "a b", "a/b", "a:b", "vm\n", "\xc3\xa9", "a,b",
					   "0123456789abcdef" };

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!parse_name_n(good[i], strlen(good[i]), 16))
			fail_msg("parse_name_n refused '%s'", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_name_n(bad[i], strlen(bad[i]), 16))
			fail_msg("parse_name_n took '%s'", bad[i]);
	/* n bytes, not up to the NUL: a piece of a list */
	assert_true(parse_name_n("p1,p2", 2, 16));
	assert_false(parse_name_n("p1,p2", 3, 16));
}

static void hex_needs_0x_and_1_to_16_digits(void **state)
{
	static const char *const bad[] = { "", "0x", "800", "x800", "0x0800 ", " 0x800", "0x-1",
					   "0x10000", "0x1g", "00x1", "0x00000000000000001" };
	uint64_t v;

	(void)state;
	assert_true(parse_hex("0x0800", 0xffff, &v));
	assert_int_equal(v, 0x800);
	assert_true(parse_hex("0XfFfF", 0xffff, &v));
	assert_int_equal(v, 0xffff);
	assert_true(parse_hex("0xffffffffffffffff", UINT64_MAX, &v));
	assert_int_equal(v, UINT64_MAX);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_hex(bad[i], 0xffff, &v))
			fail_msg("parse_hex took '%s'", bad[i]);
}

static void hostport_is_an_ip_literal_and_a_port(void **state)
{
	static const char *const bad[] = {
		"", "9100", ":9100", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:+80", "127.0.0.1: 80", "localhost:9100", "127.1:9100", "::1:9100", "[::1]",
		"[::1]9100", "[]:9100", "[127.0.0.1]:9100", "[fe80::1%eth0]:9100", "0x7f000001:9100",
		"127.0.0.1:09100",
	};
	struct sockaddr_storage ss;
	unsigned len;

	(void)state;
	assert_true(parse_hostport("127.0.0.1:9100", &ss, &len));
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9100);
	assert_int_equal(ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr), 0x7f000001);
	assert_true(parse_hostport("[::1]:65535", &ss, &len));
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 65535);
	assert_true(parse_hostport("[2001:db8::5]:1", &ss, &len));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_hostport(bad[i], &ss, &len))
			fail_msg("parse_hostport took '%s'", bad[i]);
}

static void octal_mode_is_1_to_4_octal_digits(void **state)
{
	static const char *const bad[] = { "", "8", "0999", "01000", "07777", "1000", "00000",
					   "+660", " 660", "660 ", "0x1ff", "-0", "6a0" };
	unsigned v = 42;

	(void)state;
	assert_true(parse_octal_mode("0660", 0777, &v));
	assert_int_equal(v, 0660);
	assert_true(parse_octal_mode("660", 0777, &v));
	assert_int_equal(v, 0660);
	assert_true(parse_octal_mode("0", 0777, &v));
	assert_int_equal(v, 0);
	assert_true(parse_octal_mode("0777", 0777, &v));
	assert_int_equal(v, 0777);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 42;
		if (parse_octal_mode(bad[i], 0777, &v))
			fail_msg("parse_octal_mode took '%s'", bad[i]);
		assert_int_equal(v, 42);
	}
}

static void account_names_are_strict(void **state)
{
	static const char *const good[] = { "root", "libvirt-qemu", "_apt", "a.b", "machine$", "0",
					    "64055", "4294967294", "Debian-exim",
					    "abcdefghijklmnopqrstuvwxyz012345" };
	static const char *const bad[] = { "", "-x", "a b", "a:b", "a/b", "a$b", "$", "4294967295",
					   "01", "abcdefghijklmnopqrstuvwxyz0123456", "\xc3\xa9", "a\n" };
	struct error e;
	uid_t uid;
	gid_t gid;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!account_valid(good[i]))
			fail_msg("account_valid refused '%s'", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (account_valid(bad[i]))
			fail_msg("account_valid took '%s'", bad[i]);
	assert_int_equal(account_user("root", &uid, &e), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(account_group("64055", &gid, &e), 0);
	assert_int_equal(gid, 64055);
	assert_int_equal(account_user("no-such-user-uvnet", &uid, &e), -ENOENT);
	assert_string_equal(e.msg, "no user named 'no-such-user-uvnet'");
	assert_int_equal(account_group("a b", &gid, &e), -EINVAL);
	assert_string_equal(e.msg, "'a b' is not a group name or id");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uint_takes_plain_digits_in_range),
		cmocka_unit_test(uint_refuses_what_strtoul_takes),
		cmocka_unit_test(uint_n_reads_only_its_piece),
		cmocka_unit_test(decimal_takes_digits_and_one_point),
		cmocka_unit_test(mac_is_six_hex_pairs),
		cmocka_unit_test(names_are_1_to_max_minus_1_of_a_small_alphabet),
		cmocka_unit_test(hex_needs_0x_and_1_to_16_digits),
		cmocka_unit_test(hostport_is_an_ip_literal_and_a_port),
		cmocka_unit_test(octal_mode_is_1_to_4_octal_digits),
		cmocka_unit_test(account_names_are_strict),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
