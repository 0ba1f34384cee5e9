/* SPDX-License-Identifier: MIT */
/*
 * The OVN tunnel port's table: a known remote MAC goes to its chassis
 * with its port key; broadcast and multicast to every chassis of
 * _MC_flood (one copy each); unknown unicast to _MC_unknown's chassis or
 * dropped without the group; local MACs, unbound ingress ports and
 * foreign VLANs dropped by reason; two datapaths never mix.  Receipt:
 * VNI -> VLAN, egress keys checked against local ports, unknown senders
 * refused, and ovn_map_rx_frame() tags the inner frame in place.  OVN's
 * VXLAN key packing (multicast keys folded into 12 bits).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/geneve.h"
#include "net/vxlan.h"
#include "port/ovn_map.h"

#define IP_A 0x0201fa0au /* 10.250.1.2 */
#define IP_B 0x0301fa0au /* 10.250.1.3 */
#define IP_X 0x0901fa0au /* no chassis */

static const uint8_t mac_l1[6] = { 0x52, 0x54, 0, 0, 0, 1 };  /* local, dp 1 */
static const uint8_t mac_a1[6] = { 0x52, 0x54, 0, 0, 0xa, 1 }; /* chassis A, dp 1 */
static const uint8_t mac_b1[6] = { 0x52, 0x54, 0, 0, 0xb, 1 }; /* chassis B, dp 1 */
static const uint8_t mac_a2[6] = { 0x52, 0x54, 0, 0, 0xa, 2 }; /* chassis A, dp 2 */
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
static const uint8_t nobody[6] = { 0x52, 0x54, 0, 0, 0xe, 0xe };

/* dp key 7 on VLAN 7: local port key 1 on slot 3, A's key 2, B's key 3,
 * flood to A and B; dp key 9000 on VLAN 9: local key 1 on slot 4, A's
 * key 5, flood to A, _MC_unknown to A. */
static struct ovn_map *two_switches(void)
{
	struct ovn_map *m = ovn_map_new();
	int a, b, d1, d2;

	assert_non_null(m);
	/* dp 9000 first: finish() sorts by key and renumbers */
	assert_true((d2 = ovn_map_add_dp(m, 9000, 9)) >= 0);
	assert_true((d1 = ovn_map_add_dp(m, 7, 7)) >= 0);
	assert_int_equal(ovn_map_add_dp(m, 7, 100), -EEXIST);
	assert_int_equal(ovn_map_add_dp(m, 8, 9), -EEXIST);
	assert_true((a = ovn_map_add_chassis(m, IP_A)) >= 0);
	assert_true((b = ovn_map_add_chassis(m, IP_B)) >= 0);
	assert_int_equal(ovn_map_add_chassis(m, IP_A), a);
	assert_true(ovn_map_add_local(m, (unsigned)d1, 1, 3) >= 0);
	assert_true(ovn_map_add_local(m, (unsigned)d2, 1, 4) >= 0);
	assert_true(ovn_map_add_mac(m, (unsigned)d1, mac_l1, OVN_MAP_LOCAL, 1) >= 0);
	assert_true(ovn_map_add_mac(m, (unsigned)d1, mac_a1, (unsigned)a, 2) >= 0);
	assert_true(ovn_map_add_mac(m, (unsigned)d1, mac_b1, (unsigned)b, 3) >= 0);
	assert_int_equal(ovn_map_add_mac(m, (unsigned)d1, mac_b1, (unsigned)a, 9), -EEXIST);
	assert_int_equal(ovn_map_add_mac(m, (unsigned)d1, bcast, (unsigned)a, 9), -EINVAL);
	assert_true(ovn_map_add_mac(m, (unsigned)d2, mac_a2, (unsigned)a, 5) >= 0);
	assert_true(ovn_map_add_member(m, (unsigned)d1, false, (unsigned)b) >= 0);
	assert_true(ovn_map_add_member(m, (unsigned)d1, false, (unsigned)a) >= 0);
	assert_true(ovn_map_add_member(m, (unsigned)d1, false, (unsigned)a) >= 0); /* once */
	assert_true(ovn_map_add_member(m, (unsigned)d2, false, (unsigned)a) >= 0);
	assert_true(ovn_map_add_member(m, (unsigned)d2, true, (unsigned)a) >= 0);
	assert_int_equal(ovn_map_finish(m), 0);
	return m;
}

static void unicast_goes_to_the_chassis_of_its_mac(void **state)
{
	struct ovn_map *m = two_switches();
	struct ovn_map_dest d[OVN_MAP_MAX_DESTS];
	enum ovn_map_drop why = OVN_MAP_OK;
	uint16_t in = 0;
	(void)state;
	assert_int_equal(ovn_map_route(m, 7, 3, mac_a1, d, &in, &why), 1);
	assert_int_equal(d[0].ip, IP_A);
	assert_int_equal(d[0].egress, 2);
	assert_int_equal(in, 1);
	assert_int_equal(ovn_map_route(m, 7, 3, mac_b1, d, &in, &why), 1);
	assert_int_equal(d[0].ip, IP_B);
	assert_int_equal(d[0].egress, 3);
	/* a local MAC: the bridge's business, not the tunnel's */
	assert_int_equal(ovn_map_route(m, 7, 3, mac_l1, d, &in, &why), 0);
	assert_int_equal(why, OVN_MAP_LOCAL_DST);
	ovn_map_free(m);
}

static void broadcast_is_replicated_to_every_flood_chassis(void **state)
{
	struct ovn_map *m = two_switches();
	struct ovn_map_dest d[OVN_MAP_MAX_DESTS];
	enum ovn_map_drop why = OVN_MAP_OK;
	uint16_t in = 0;
	(void)state;
	assert_int_equal(ovn_map_route(m, 7, 3, bcast, d, &in, &why), 2);
	assert_true((d[0].ip == IP_A && d[1].ip == IP_B) || (d[0].ip == IP_B && d[1].ip == IP_A));
	assert_int_equal(d[0].egress, OVN_MAP_MC_FLOOD);
	assert_int_equal(d[1].egress, OVN_MAP_MC_FLOOD);
	assert_int_equal(ovn_map_route(m, 7, 3, mcast, d, &in, &why), 2);
	assert_int_equal(ovn_map_route(m, 9, 4, bcast, d, &in, &why), 1);
	assert_int_equal(d[0].ip, IP_A);
	ovn_map_free(m);
}

static void unknown_unicast_follows_mc_unknown_or_is_dropped(void **state)
{
	struct ovn_map *m = two_switches();
	struct ovn_map_dest d[OVN_MAP_MAX_DESTS];
	enum ovn_map_drop why = OVN_MAP_OK;
	uint16_t in = 0;
	(void)state;
	assert_int_equal(ovn_map_route(m, 7, 3, nobody, d, &in, &why), 0);
	assert_int_equal(why, OVN_MAP_UNKNOWN_DST);
	assert_int_equal(ovn_map_route(m, 9, 4, nobody, d, &in, &why), 1);
	assert_int_equal(d[0].ip, IP_A);
	assert_int_equal(d[0].egress, OVN_MAP_MC_UNKNOWN);
	ovn_map_free(m);
}

static void datapaths_stay_apart(void **state)
{
	struct ovn_map *m = two_switches();
	struct ovn_map_dest d[OVN_MAP_MAX_DESTS];
	enum ovn_map_drop why = OVN_MAP_OK;
	uint16_t in = 0;
	(void)state;
	/* A's MAC of dp 2 is not known in dp 1, and the reverse */
	assert_int_equal(ovn_map_route(m, 7, 3, mac_a2, d, &in, &why), 0);
	assert_int_equal(why, OVN_MAP_UNKNOWN_DST);
	assert_int_equal(ovn_map_route(m, 9, 4, mac_a1, d, &in, &why), 1);
	assert_int_equal(d[0].egress, OVN_MAP_MC_UNKNOWN); /* not key 2 of dp 1 */
	/* a VLAN of no datapath; a slot bound to nothing */
	assert_int_equal(ovn_map_route(m, 8, 3, mac_a1, d, &in, &why), 0);
	assert_int_equal(why, OVN_MAP_NO_DATAPATH);
	assert_int_equal(ovn_map_route(m, 7, 5, mac_a1, d, &in, &why), 0);
	assert_int_equal(why, OVN_MAP_NO_INGRESS);
	assert_int_equal(ovn_map_route(m, 4095, 3, mac_a1, d, &in, &why), 0);
	assert_int_equal(ovn_map_route(m, 70000, 3, mac_a1, d, &in, &why), 0);
	ovn_map_free(m);
}

static void receipt_checks_sender_datapath_and_egress_key(void **state)
{
	struct ovn_map *m = two_switches();
	enum ovn_map_drop why = OVN_MAP_OK;
	(void)state;
	assert_int_equal(ovn_map_receive(m, IP_A, 7, 1, &why), 7);
	assert_int_equal(ovn_map_receive(m, IP_B, 9000, 1, &why), 9);
	assert_int_equal(ovn_map_receive(m, IP_A, 7, OVN_MAP_MC_FLOOD, &why), 7);
	assert_int_equal(ovn_map_receive(m, IP_A, 9000, OVN_MAP_MC_UNKNOWN, &why), 9);
	assert_int_equal(ovn_map_receive(m, IP_A, 7, 2, &why), -1); /* A's own port */
	assert_int_equal(why, OVN_MAP_UNKNOWN_EGRESS);
	assert_int_equal(ovn_map_receive(m, IP_A, 8, 1, &why), -1);
	assert_int_equal(why, OVN_MAP_NO_DATAPATH);
	assert_int_equal(ovn_map_receive(m, IP_X, 7, 1, &why), -1);
	assert_int_equal(why, OVN_MAP_UNKNOWN_REMOTE);
	ovn_map_free(m);
}

static void equal_maps_compare_equal(void **state)
{
	struct ovn_map *a = two_switches(), *b = two_switches(), *c = ovn_map_new(), *d = ovn_map_new();
	(void)state;
	assert_true(ovn_map_equal(a, b));
	assert_int_equal(ovn_map_finish(c), 0);
	assert_int_equal(ovn_map_finish(d), 0);
	assert_true(ovn_map_equal(c, d)); /* empty: no array to compare */
	ovn_map_free(d);
	assert_false(ovn_map_equal(a, c));
	assert_true(ovn_map_equal(NULL, NULL));
	assert_false(ovn_map_equal(a, NULL));
	ovn_map_free(a);
	ovn_map_free(b);
	ovn_map_free(c);
}

static void vxlan_keys_pack_as_ovn_does(void **state)
{
	uint32_t dp;
	uint16_t eg;
	(void)state;
	assert_int_equal(ovn_map_vxlan_vni(7, 3), 3 << 12 | 7);
	assert_int_equal(ovn_map_vxlan_vni(7, OVN_MAP_MC_FLOOD), 0x800 << 12 | 7);
	assert_int_equal(ovn_map_vxlan_vni(7, OVN_MAP_MC_UNKNOWN), 0x801 << 12 | 7);
	ovn_map_vxlan_split(0x801 << 12 | 7, &dp, &eg);
	assert_int_equal(dp, 7);
	assert_int_equal(eg, OVN_MAP_MC_UNKNOWN);
	ovn_map_vxlan_split(5 << 12 | 4095, &dp, &eg);
	assert_int_equal(dp, 4095);
	assert_int_equal(eg, 5);
}

static void received_geneve_is_tagged_in_place(void **state)
{
	struct ovn_map *m = two_switches();
	uint8_t pkt[GENEVE_OVN_LEN + 60], inner[60];
	size_t off = 0, len = 0;
	(void)state;
	for (unsigned i = 0; i < sizeof(inner); i++)
		inner[i] = (uint8_t)(i + 1);
	inner[12] = 0x08, inner[13] = 0x06;
	geneve_ovn_put(pkt, 9000, 5, 1);
	memcpy(pkt + GENEVE_OVN_LEN, inner, sizeof(inner));
	assert_int_equal(ovn_map_rx_frame(m, false, IP_A, pkt, sizeof(pkt), &off, &len), 0);
	assert_int_equal(off, GENEVE_OVN_LEN - 4);
	assert_int_equal(len, 64);
	assert_memory_equal(pkt + off, inner, 12);
	assert_int_equal(pkt[off + 12], 0x81);
	assert_int_equal(pkt[off + 13], 0x00);
	assert_int_equal(pkt[off + 14] << 8 | pkt[off + 15], 9);
	assert_memory_equal(pkt + off + 16, inner + 12, sizeof(inner) - 12);
	/* an egress key no local port has; a sender no chassis has; bad framing */
	geneve_ovn_put(pkt, 9000, 5, 3);
	memcpy(pkt + GENEVE_OVN_LEN, inner, sizeof(inner));
	assert_int_equal(ovn_map_rx_frame(m, false, IP_A, pkt, sizeof(pkt), &off, &len),
			 OVN_MAP_RX_MAP + OVN_MAP_UNKNOWN_EGRESS);
	geneve_ovn_put(pkt, 9000, 5, 1);
	assert_int_equal(ovn_map_rx_frame(m, false, IP_X, pkt, sizeof(pkt), &off, &len),
			 OVN_MAP_RX_MAP + OVN_MAP_UNKNOWN_REMOTE);
	assert_int_equal(ovn_map_rx_frame(m, false, IP_A, pkt, GENEVE_OVN_LEN + 10, &off, &len),
			 1 + GENEVE_RX_RUNT);
	/* OVN's VXLAN mode: the keys in the VNI */
	vxlan_hdr_put(pkt + 8, ovn_map_vxlan_vni(7, OVN_MAP_MC_FLOOD));
	memcpy(pkt + 16, inner, sizeof(inner));
	assert_int_equal(ovn_map_rx_frame(m, true, IP_B, pkt + 8, 8 + sizeof(inner), &off, &len), 0);
	assert_int_equal(off, 4);
	assert_int_equal(pkt[8 + off + 14] << 8 | pkt[8 + off + 15], 7);
	ovn_map_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unicast_goes_to_the_chassis_of_its_mac),
		cmocka_unit_test(broadcast_is_replicated_to_every_flood_chassis),
		cmocka_unit_test(unknown_unicast_follows_mc_unknown_or_is_dropped),
		cmocka_unit_test(datapaths_stay_apart),
		cmocka_unit_test(receipt_checks_sender_datapath_and_egress_key),
		cmocka_unit_test(equal_maps_compare_equal),
		cmocka_unit_test(vxlan_keys_pack_as_ovn_does),
		cmocka_unit_test(received_geneve_is_tagged_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
