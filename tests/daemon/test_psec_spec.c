/* SPDX-License-Identifier: MIT */
/*
 * The port-security= word (daemon/psec_spec.c): off, a lock, network:MAC
 * and network:learn are told apart; network: followed by anything but
 * learn or a unicast non-zero MAC is refused with the value named; a
 * lock's errors are port_sec_parse()'s.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/psec_spec.h"

static void the_four_kinds(void **state)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	struct psec_spec s;
	struct error e;
	(void)state;
	assert_int_equal(psec_spec_parse("off", &s, &e), 0);
	assert_int_equal(s.kind, PSEC_SPEC_OFF);
	assert_int_equal(psec_spec_parse("network:learn", &s, &e), 0);
	assert_int_equal(s.kind, PSEC_SPEC_NETWORK_LEARN);
	assert_int_equal(psec_spec_parse("network:52:54:00:12:34:56", &s, &e), 0);
	assert_int_equal(s.kind, PSEC_SPEC_NETWORK_MAC);
	assert_memory_equal(s.mac, mac, 6);
	assert_int_equal(psec_spec_parse("52:54:00:12:34:56,10.0.0.5", &s, &e), 0);
	assert_int_equal(s.kind, PSEC_SPEC_STATIC);
	assert_memory_equal(s.sec.mac, mac, 6);
	assert_int_equal(s.sec.n4, 1);
	assert_null(s.sec.latch);
}

static void network_words_are_strict(void **state)
{
	static const char *const bad[] = {
		"network:", "network:Learn", "network:learn ", " network:learn", "network:learn,",
		"network:01:00:5e:00:00:01", "network:00:00:00:00:00:00",
		"network:52:54:00:12:34:56,10.0.0.5", "network:52:54:00:12:34", "network:learn\n",
		"network", "networks:learn",
	};
	struct psec_spec s;
	struct error e;
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.msg[0] = '\0';
		assert_int_equal(psec_spec_parse(bad[i], &s, &e), -EINVAL);
		assert_true(strstr(e.msg, "port-security") != NULL);
	}
	assert_int_equal(psec_spec_parse("network:zz", &s, &e), -EINVAL);
	assert_string_equal(e.msg, "port-security: 'network:zz' is neither network:learn nor "
			    "network:MAC with a unicast MAC like 52:54:00:12:34:56");
}

static void locks_and_off_spellings(void **state)
{
	struct psec_spec s;
	struct error e;
	(void)state;
	assert_int_equal(psec_spec_parse("OFF", &s, &e), -EINVAL);
	assert_int_equal(psec_spec_parse("", &s, &e), -EINVAL);
	assert_int_equal(psec_spec_parse("learn", &s, &e), -EINVAL);
	assert_int_equal(psec_spec_parse("52:54:00:12:34:56,10.0.0.300", &s, &e), -EINVAL);
	assert_string_equal(e.msg, "port-security: '10.0.0.300' is not an IPv4 or IPv6 address[/LEN]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_four_kinds),
		cmocka_unit_test(network_words_are_strict),
		cmocka_unit_test(locks_and_off_spellings),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
