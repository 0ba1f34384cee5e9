/* SPDX-License-Identifier: MIT */
/*
 * A network's nftables rule text (src/daemon/nft.c) against golden text:
 * nat with an uplink, nat out of any interface but the network's own,
 * isolated; a buffer too short for any of it; the delete rule set.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/nft.h"

/* 192.168.122.0/24 out of eth0: replies come back in, the subnet goes
 * out of eth0 only, nothing else comes in; the subnet is masqueraded
 * except to local multicast and the limited broadcast.  The table is inet
 * (every accept names IPv4: IPv6 is dropped both ways), and the rule set
 * first removes an ip-family table an older uvnetd made. */
static const char nat_uplink[] =
	"table ip uvnet-default\n"
	"delete table ip uvnet-default\n"
	"table inet uvnet-default\n"
	"delete table inet uvnet-default\n"
	"table inet uvnet-default {\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority filter; policy accept;\n"
	"\t\toifname \"uv-default\" ip daddr 192.168.122.0/24 ct state established,related accept\n"
	"\t\toifname \"uv-default\" drop\n"
	"\t\tiifname \"uv-default\" ip saddr 192.168.122.0/24 oifname \"eth0\" accept\n"
	"\t\tiifname \"uv-default\" drop\n"
	"\t}\n"
	"\tchain postrouting {\n"
	"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	"\t\tip saddr 192.168.122.0/24 ip daddr 224.0.0.0/24 return\n"
	"\t\tip saddr 192.168.122.0/24 ip daddr 255.255.255.255 return\n"
	"\t\tip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 oifname \"eth0\" masquerade\n"
	"\t}\n"
	"}\n";

/* No uplink (no default route): out of anything but the network's port. */
static const char nat_any[] =
	"table ip uvnet-n2\n"
	"delete table ip uvnet-n2\n"
	"table inet uvnet-n2\n"
	"delete table inet uvnet-n2\n"
	"table inet uvnet-n2 {\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority filter; policy accept;\n"
	"\t\toifname \"uv-n2\" ip daddr 10.250.7.0/24 ct state established,related accept\n"
	"\t\toifname \"uv-n2\" drop\n"
	"\t\tiifname \"uv-n2\" ip saddr 10.250.7.0/24 oifname != \"uv-n2\" accept\n"
	"\t\tiifname \"uv-n2\" drop\n"
	"\t}\n"
	"\tchain postrouting {\n"
	"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	"\t\tip saddr 10.250.7.0/24 ip daddr 224.0.0.0/24 return\n"
	"\t\tip saddr 10.250.7.0/24 ip daddr 255.255.255.255 return\n"
	"\t\tip saddr 10.250.7.0/24 ip daddr != 10.250.7.0/24 oifname != \"uv-n2\" masquerade\n"
	"\t}\n"
	"}\n";

/* Isolated: nothing forwarded either way; of the host's addresses only
 * the gateway (10.250.3.1) answers the network, and nothing over IPv6. */
static const char isolated[] =
	"table ip uvnet-lab\n"
	"delete table ip uvnet-lab\n"
	"table inet uvnet-lab\n"
	"delete table inet uvnet-lab\n"
	"table inet uvnet-lab {\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority filter; policy accept;\n"
	"\t\tiifname \"uv-lab\" drop\n"
	"\t\toifname \"uv-lab\" drop\n"
	"\t}\n"
	"\tchain input {\n"
	"\t\ttype filter hook input priority filter; policy accept;\n"
	"\t\tiifname \"uv-lab\" meta nfproto ipv6 drop\n"
	"\t\tiifname \"uv-lab\" fib daddr type local ip daddr != 10.250.3.1 drop\n"
	"\t}\n"
	"}\n";

static const struct nft_network nat_uplink_net = {
	.name = "default", .subnet = { 0xc0a87a00u, 24 }, .port = "uv-default", .uplink = "eth0",
};
static const struct nft_network nat_any_net = {
	.name = "n2", .subnet = { 0x0afa0700u, 24 }, .port = "uv-n2", .uplink = "",
};
static const struct nft_network isolated_net = {
	.name = "lab", .isolated = true, .subnet = { 0x0afa0300u, 24 }, .port = "uv-lab",
	.uplink = NULL,
};

static void golden(const struct nft_network *n, const char *want)
{
	char buf[NFT_RULES_MAX];

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(nft_render_table(n, buf, sizeof(buf)), (int)strlen(want));
	assert_string_equal(buf, want);
}

static void nat_with_an_uplink(void **state)
{
	(void)state;
	golden(&nat_uplink_net, nat_uplink);
}

static void nat_without_an_uplink(void **state)
{
	struct nft_network n = nat_any_net;

	(void)state;
	golden(&n, nat_any);
	n.uplink = NULL; /* NULL reads as "" */
	golden(&n, nat_any);
}

static void isolated_network(void **state)
{
	struct nft_network n = isolated_net;

	(void)state;
	golden(&n, isolated);
	n.uplink = "eth0"; /* an isolated network has no way out, uplink or not */
	golden(&n, isolated);
}

/* Every length short of text + NUL is -ENOSPC; one more fits exactly. */
static void short_buffer(const struct nft_network *n, const char *want)
{
	size_t need = strlen(want) + 1;
	char buf[NFT_RULES_MAX + 1];

	for (size_t len = 0; len < need; len++) {
		memset(buf, 'x', sizeof(buf));
		if (nft_render_table(n, buf, len) != -ENOSPC)
			fail_msg("length %zu of %zu: not -ENOSPC", len, need);
		assert_int_equal(buf[len], 'x'); /* nothing written past len */
	}
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(nft_render_table(n, buf, need), (int)need - 1);
	assert_string_equal(buf, want);
	assert_int_equal(buf[need], 'x');
}

static void a_short_buffer_is_enospc(void **state)
{
	(void)state;
	short_buffer(&nat_uplink_net, nat_uplink);
	short_buffer(&nat_any_net, nat_any);
	short_buffer(&isolated_net, isolated);
}

static void the_largest_rule_set_fits_nft_rules_max(void **state)
{
	/* the longest names and subnet text a network can have */
	const struct nft_network n = {
		.name = "abcdefghijkl", .subnet = { 0xdfffff00u, 24 }, .port = "uv-abcdefghijkl",
		.uplink = "abcdefghijklmno",
	};
	char buf[NFT_RULES_MAX];
	int len = nft_render_table(&n, buf, sizeof(buf));

	(void)state;
	assert_true(len > 0 && len < NFT_RULES_MAX);
	assert_non_null(strstr(buf, "oifname \"abcdefghijklmno\" masquerade\n"));
	assert_non_null(strstr(buf, "table inet uvnet-abcdefghijkl {\n"));
}

static void the_delete_rule_set(void **state)
{
	static const char want[] = "table inet uvnet-lab\ndelete table inet uvnet-lab\n";
	char buf[128];

	(void)state;
	assert_int_equal(nft_render_delete("lab", buf, sizeof(buf)), (int)strlen(want));
	assert_string_equal(buf, want);
	assert_int_equal(nft_render_delete("lab", buf, strlen(want)), -ENOSPC);
	assert_int_equal(nft_render_delete("lab", buf, 0), -ENOSPC);
	assert_int_equal(nft_render_delete("lab", buf, strlen(want) + 1), (int)strlen(want));
	assert_string_equal(buf, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nat_with_an_uplink),
		cmocka_unit_test(nat_without_an_uplink),
		cmocka_unit_test(isolated_network),
		cmocka_unit_test(a_short_buffer_is_enospc),
		cmocka_unit_test(the_largest_rule_set_fits_nft_rules_max),
		cmocka_unit_test(the_delete_rule_set),
	};
	return cmocka_run_group_tests_name("nft", tests, NULL, NULL);
}
