/* SPDX-License-Identifier: MIT */
/* A network's address reservations: allocation, release, the dnsmasq
 * hosts file and the state file's round trip. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/net_reserve.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define LO IP(192, 168, 122, 2)
#define HI IP(192, 168, 122, 4)

static const uint8_t mac_a[6] = { 0x52, 0x54, 0, 0, 0, 0xa };
static const uint8_t mac_b[6] = { 0x52, 0x54, 0, 0, 0, 0xb };
static const uint8_t mac_c[6] = { 0x52, 0x54, 0, 0, 0, 0xc };
static const uint8_t mac_d[6] = { 0x52, 0x54, 0, 0, 0, 0xd };
static struct net_reservations rs;

static int reset(void **state)
{
	(void)state;
	memset(&rs, 0, sizeof(rs));
	return 0;
}

static void lowest_free_address_skipping_leases(void **state)
{
	uint32_t ip, leased[] = { LO };
	struct error e;
	(void)state;
	assert_int_equal(net_reserve(&rs, LO, HI, mac_a, "vm-a", leased, 1, 0, &ip, &e), 1);
	assert_int_equal(ip, LO + 1); /* LO is leased to another MAC */
	assert_int_equal(net_reserve(&rs, LO, HI, mac_b, "vm-b", NULL, 0, 0, &ip, &e), 1);
	assert_int_equal(ip, LO); /* the lease expired: free again */
}

static void same_mac_same_port_gets_its_address_back(void **state)
{
	uint32_t ip, again;
	struct error e;
	(void)state;
	assert_int_equal(net_reserve(&rs, LO, HI, mac_a, "vm-a", NULL, 0, 0, &ip, &e), 1);
	assert_int_equal(net_reserve(&rs, LO, HI, mac_a, "vm-a", NULL, 0, 0, &again, &e), 0);
	assert_int_equal(ip, again);
	assert_int_equal(rs.n, 1);
}

static void duplicate_mac_is_refused(void **state)
{
	uint32_t ip;
	struct error e;
	(void)state;
	assert_int_equal(net_reserve(&rs, LO, HI, mac_a, "vm-a", NULL, 0, 0, &ip, &e), 1);
	assert_int_equal(net_reserve(&rs, LO, HI, mac_a, "vm-x", NULL, 0, 0, &ip, &e), -EEXIST);
	assert_non_null(strstr(e.msg, "52:54:00:00:00:0a has 192.168.122.2 reserved already, for port vm-a"));
	assert_int_equal(rs.n, 1);
}

static void exhausted_pool_says_so(void **state)
{
	uint32_t ip;
	struct error e;
	(void)state;
	assert_int_equal(net_reserve(&rs, LO, HI, mac_a, "vm-a", NULL, 0, 0, &ip, &e), 1);
	assert_int_equal(net_reserve(&rs, LO, HI, mac_b, "vm-b", NULL, 0, 0, &ip, &e), 1);
	assert_int_equal(net_reserve(&rs, LO, HI, mac_c, "vm-c", NULL, 0, 0, &ip, &e), 1);
	assert_int_equal(net_reserve(&rs, LO, HI, mac_d, "vm-d", NULL, 0, 0, &ip, &e), -ENOSPC);
	assert_non_null(strstr(e.msg, "no address left for 52:54:00:00:00:0d in the DHCP range"));
	/* a port that goes frees its address for the next one */
	assert_int_equal(net_reserve_release(&rs, "vm-b"), 1);
	assert_int_equal(net_reserve_release(&rs, "vm-b"), 0);
	assert_int_equal(net_reserve(&rs, LO, HI, mac_d, "vm-d", NULL, 0, 0, &ip, &e), 1);
	assert_int_equal(ip, LO + 1);
}

static void hosts_file_lines(void **state)
{
	char buf[128];
	uint32_t ip;
	struct error e;
	(void)state;
	assert_int_equal(net_reserve_render(&rs, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(net_reserve(&rs, LO, HI, mac_a, "vm-a", NULL, 0, 0, &ip, &e), 1);
	assert_int_equal(net_reserve(&rs, LO, HI, mac_b, "vm-b", NULL, 0, 0, &ip, &e), 1);
	assert_int_equal(net_reserve_render(&rs, buf, sizeof(buf)), 84);
	assert_string_equal(buf, "dhcp-host=52:54:00:00:00:0a,192.168.122.2\n"
				 "dhcp-host=52:54:00:00:00:0b,192.168.122.3\n");
	assert_int_equal(net_reserve_render(&rs, buf, 60), -ENOSPC);
}

/* A port re-attached under the same name after its domain restarted. */
static void a_returning_mac_gets_its_last_address_if_free(void **state)
{
	uint32_t ip, leased[] = { LO + 2 };
	struct error e;
	(void)state;
	assert_int_equal(net_reserve(&rs, LO, HI, mac_a, "vm-a", NULL, 0, LO + 1, &ip, &e), 1);
	assert_int_equal(ip, LO + 1);
	/* its last address is another MAC's lease now: the lowest free one */
	assert_int_equal(net_reserve(&rs, LO, HI, mac_b, "vm-b", leased, 1, LO + 2, &ip, &e), 1);
	assert_int_equal(ip, LO);
	/* reserved for another port, or outside the range: ignored */
	assert_int_equal(net_reserve(&rs, LO, HI, mac_c, "vm-c", NULL, 0, LO + 1, &ip, &e), 1);
	assert_int_equal(ip, HI);
	assert_int_equal(net_reserve_release(&rs, "vm-c"), 1);
	assert_int_equal(net_reserve(&rs, LO, HI, mac_c, "vm-c", NULL, 0, HI + 1, &ip, &e), 1);
	assert_int_equal(ip, HI);
}

static void state_file_round_trip(void **state)
{
	struct net_reservations back = { 0 };
	struct json_object *a;
	unsigned skipped;
	uint32_t ip;
	struct error e;
	(void)state;
	assert_int_equal(net_reserve(&rs, LO, HI, mac_a, "vm-a", NULL, 0, 0, &ip, &e), 1);
	assert_int_equal(net_reserve(&rs, LO, HI, mac_b, "vm-b", NULL, 0, 0, &ip, &e), 1);
	a = net_reserve_json(&rs);
	/* hostile additions: a repeat, an address outside the range, junk */
	json_object_array_add(a, json_tokener_parse(
		"{\"mac\": \"52:54:00:00:00:0a\", \"ip\": \"192.168.122.4\", \"port\": \"vm-z\"}"));
	json_object_array_add(a, json_tokener_parse(
		"{\"mac\": \"52:54:00:00:00:0c\", \"ip\": \"10.0.0.1\", \"port\": \"vm-c\"}"));
	json_object_array_add(a, json_tokener_parse(
		"{\"mac\": \"01:00:5e:00:00:01\", \"ip\": \"192.168.122.4\", \"port\": \"vm-m\"}"));
	json_object_array_add(a, json_object_new_int(7));
	net_reserve_load(&back, a, LO, HI, &skipped);
	json_object_put(a);
	assert_int_equal(skipped, 4);
	assert_int_equal(back.n, 2);
	assert_memory_equal(back.r, rs.r, 2 * sizeof(rs.r[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(lowest_free_address_skipping_leases, reset),
		cmocka_unit_test_setup(same_mac_same_port_gets_its_address_back, reset),
		cmocka_unit_test_setup(duplicate_mac_is_refused, reset),
		cmocka_unit_test_setup(exhausted_pool_says_so, reset),
		cmocka_unit_test_setup(hosts_file_lines, reset),
		cmocka_unit_test_setup(a_returning_mac_gets_its_last_address_if_free, reset),
		cmocka_unit_test_setup(state_file_round_trip, reset),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
