/* SPDX-License-Identifier: MIT */
/*
 * The OVN chassis's data path from a Southbound copy (daemon/ovn_dp.c):
 * bound ports get their datapath's internal VLAN (its key when free,
 * another one above 4094, kept while the datapath has local ports, freed
 * after), unbound ones and ports bound elsewhere are parked; the tunnel
 * table holds remote VIF MACs of chassis with an encap of our type, local
 * MACs as local, "unknown"/router addresses not at all, the _MC_flood and
 * _MC_unknown chassis of our datapaths only; FDB rows (MACs learned
 * on remote unknown-address ports) unicast to their port, unless a
 * logical port has the MAC or the row names nothing reachable of ours;
 * an unregistered chassis binds nothing; Port_Binding.mac parsing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "daemon/ovn_dp.h"

static const char *const ch_cols[] = { "name", "encaps", NULL };
static const char *const enc_cols[] = { "type", "ip", NULL };
static const char *const pb_cols[] = { "logical_port", "type", "datapath", "tunnel_key", "chassis",
				       "mac", NULL };
static const char *const dp_cols[] = { "tunnel_key", NULL, NULL };
static const char *const mg_cols[] = { "datapath", "name", "tunnel_key", "ports", NULL };
static const char *const fdb_cols[] = { "mac", "dp_key", "port_key", NULL };
static const struct ovsdb_table_spec spec[] = {
	{ "Chassis", ch_cols, NULL }, { "Encap", enc_cols, NULL }, { "Port_Binding", pb_cols, NULL },
	{ "Datapath_Binding", dp_cols, NULL }, { "Multicast_Group", mg_cols, NULL },
	{ "FDB", fdb_cols, NULL },
};

#define REF(t) "{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"" t "\"},\"min\":0,\"max\":1}}"
#define REFS(t) "{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"" t "\"},\"min\":0,\"max\":\"unlimited\"}}"
static const char schema_text[] =
	"{\"name\":\"OVN_Southbound\",\"version\":\"20.27.0\",\"tables\":{"
	"\"Chassis\":{\"columns\":{\"name\":{\"type\":\"string\"},\"encaps\":" REFS("Encap") "}},"
	"\"Encap\":{\"columns\":{\"type\":{\"type\":\"string\"},\"ip\":{\"type\":\"string\"}}},"
	"\"Port_Binding\":{\"columns\":{\"logical_port\":{\"type\":\"string\"},\"type\":{\"type\":\"string\"},"
	"\"datapath\":{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"Datapath_Binding\"}}},"
	"\"tunnel_key\":{\"type\":\"integer\"},\"chassis\":" REF("Chassis") ","
	"\"mac\":{\"type\":{\"key\":\"string\",\"min\":0,\"max\":\"unlimited\"}}}},"
	"\"Datapath_Binding\":{\"columns\":{\"tunnel_key\":{\"type\":\"integer\"}}},"
	"\"Multicast_Group\":{\"columns\":{\"datapath\":{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"Datapath_Binding\"}}},"
	"\"name\":{\"type\":\"string\"},\"tunnel_key\":{\"type\":\"integer\"},\"ports\":" REFS("Port_Binding") "}},"
	"\"FDB\":{\"columns\":{\"mac\":{\"type\":\"string\"},\"dp_key\":{\"type\":\"integer\"},"
	"\"port_key\":{\"type\":\"integer\"}}}}}";

#define U(n) "00000000-0000-0000-0000-0000000000" n
#define US U("01")   /* our chassis */
#define CB U("02")   /* chassis B: geneve and vxlan */
#define CC U("03")   /* chassis C: vxlan only */
#define DP1 U("11")
#define DP2 U("12")
#define DP3 U("13")

#define UUID(u) "[\"uuid\",\"" u "\"]"
#define SET(...) "[\"set\",[" __VA_ARGS__ "]]"
#define PB(u, name, type, dp, key, ch, macs) \
	"\"" u "\":{\"new\":{\"logical_port\":\"" name "\",\"type\":\"" type "\",\"datapath\":" UUID(dp) \
	",\"tunnel_key\":" #key ",\"chassis\":" ch ",\"mac\":" macs "}}"

#define FDB(u, mac, dp, port) \
	"\"" u "\":{\"new\":{\"mac\":\"" mac "\",\"dp_key\":" #dp ",\"port_key\":" #port "}}"

static const char rows[] = "{"
	"\"Chassis\":{"
	"\"" US "\":{\"new\":{\"name\":\"us\",\"encaps\":" SET(UUID(U("21"))) "}},"
	"\"" CB "\":{\"new\":{\"name\":\"b\",\"encaps\":" SET(UUID(U("22")) "," UUID(U("23"))) "}},"
	"\"" CC "\":{\"new\":{\"name\":\"c\",\"encaps\":" SET(UUID(U("24"))) "}}},"
	"\"Encap\":{"
	"\"" U("21") "\":{\"new\":{\"type\":\"geneve\",\"ip\":\"10.250.9.1\"}},"
	"\"" U("22") "\":{\"new\":{\"type\":\"geneve\",\"ip\":\"10.250.9.2\"}},"
	"\"" U("23") "\":{\"new\":{\"type\":\"vxlan\",\"ip\":\"10.250.9.22\"}},"
	"\"" U("24") "\":{\"new\":{\"type\":\"vxlan\",\"ip\":\"10.250.9.3\"}}},"
	"\"Datapath_Binding\":{"
	"\"" DP1 "\":{\"new\":{\"tunnel_key\":1}},"
	"\"" DP2 "\":{\"new\":{\"tunnel_key\":5000}},"
	"\"" DP3 "\":{\"new\":{\"tunnel_key\":3}}},"
	"\"Port_Binding\":{"
	PB(U("31"), "lpA", "", DP1, 1, UUID(US), SET("\"52:54:00:00:00:01 10.0.0.1\"")) ","
	PB(U("32"), "lpB", "", DP1, 2, UUID(CB), SET("\"52:54:00:00:00:02 10.0.0.2\"")) ","
	PB(U("33"), "lpC", "", DP1, 3, UUID(CC), SET("\"52:54:00:00:00:03\"")) ","
	PB(U("34"), "lpU", "", DP1, 4, UUID(CB), SET("\"unknown\"")) ","
	PB(U("35"), "lpR", "patch", DP1, 5, SET(), SET("\"router\"")) ","
	PB(U("36"), "lpX", "", DP2, 1, UUID(US), SET("\"52:54:00:00:00:0a\"")) ","
	PB(U("37"), "lpD", "", DP3, 1, UUID(CB), SET("\"52:54:00:00:00:09\"")) "},"
	"\"Multicast_Group\":{"
	"\"" U("41") "\":{\"new\":{\"datapath\":" UUID(DP1) ",\"name\":\"_MC_flood\",\"tunnel_key\":32768,"
	"\"ports\":" SET(UUID(U("31")) "," UUID(U("32")) "," UUID(U("33")) "," UUID(U("35"))) "}},"
	"\"" U("42") "\":{\"new\":{\"datapath\":" UUID(DP1) ",\"name\":\"_MC_unknown\",\"tunnel_key\":32769,"
	"\"ports\":" SET(UUID(U("34"))) "}},"
	"\"" U("43") "\":{\"new\":{\"datapath\":" UUID(DP3) ",\"name\":\"_MC_flood\",\"tunnel_key\":32768,"
	"\"ports\":" SET(UUID(U("37"))) "}}},"
	"\"FDB\":{"
	FDB(U("51"), "52:54:00:00:00:77", 1, 4) ","   /* learned behind lpU on B */
	FDB(U("52"), "52:54:00:00:00:78", 1, 3) ","   /* behind lpC: C has no geneve encap */
	FDB(U("53"), "52:54:00:00:00:02", 1, 4) ","   /* lpB's own MAC: lpB keeps it */
	FDB(U("54"), "52:54:00:00:00:79 x", 1, 4) "," /* not a MAC */
	FDB(U("55"), "52:54:00:00:00:7a", 3, 1) "}}"; /* DP3 is not ours */

static struct ovsdb_cache cache;

static int setup(void **state)
{
	struct json_object *schema = json_tokener_parse(schema_text), *u = json_tokener_parse(rows);
	struct error e = { 0 };

	(void)state;
	assert_non_null(schema);
	assert_non_null(u);
	assert_int_equal(ovsdb_cache_init(&cache, spec, sizeof(spec) / sizeof(spec[0])), 0);
	assert_int_equal(ovsdb_cache_set_schema(&cache, schema, &e), 0);
	if (ovsdb_cache_apply(&cache, u, 1, &e))
		fail_msg("%s", e.msg);
	json_object_put(schema);
	json_object_put(u);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ovsdb_cache_fini(&cache);
	return 0;
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void bound_ports_get_their_datapaths_vlan(void **state)
{
	uint32_t vlan_key[OVN_MAP_VLANS] = { 0 };
	struct ovn_dp_port p[] = { { .lport = "lpA", .slot = 3 }, { .lport = "lpX", .slot = 4 },
				   { .lport = NULL, .slot = 5 }, { .lport = "lpB", .slot = 6 },
				   { .lport = "nothing", .slot = 7 } };
	struct ovn_map *m;
	struct error e = { 0 };
	(void)state;
	assert_int_equal(ovn_dp_build(&cache, US, "geneve", p, 5, vlan_key, &m, &e), 0);
	assert_int_equal(p[0].vlan, 1);           /* datapath key 1: VLAN 1 */
	assert_int_equal(p[0].key, 1);
	assert_int_equal(p[0].dp_key, 1);
	assert_int_equal(p[1].vlan, 2);           /* key 5000: the first free VLAN */
	assert_int_equal(p[1].dp_key, 5000);
	assert_int_equal(p[2].vlan, OVN_DP_PARKED);
	assert_int_equal(p[3].vlan, OVN_DP_PARKED); /* lpB is bound elsewhere */
	assert_int_equal(p[4].vlan, OVN_DP_PARKED);
	assert_int_equal(vlan_key[1], 1);
	assert_int_equal(vlan_key[2], 5000);
	assert_int_equal(m->ndp, 2);
	assert_int_equal(m->in_key[3], 1);
	assert_int_equal(m->in_key[4], 1);
	assert_int_equal(m->in_key[5], 0);
	ovn_map_free(m);
	/* lpA goes: its datapath's VLAN is freed; lpX keeps VLAN 2 */
	assert_int_equal(ovn_dp_build(&cache, US, "geneve", &p[1], 1, vlan_key, &m, &e), 0);
	assert_int_equal(p[1].vlan, 2);
	assert_int_equal(vlan_key[1], 0);
	assert_int_equal(m->ndp, 1);
	ovn_map_free(m);
}

static void the_table_follows_the_southbound(void **state)
{
	uint32_t vlan_key[OVN_MAP_VLANS] = { 0 };
	struct ovn_dp_port p[] = { { .lport = "lpA", .slot = 3 } };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mac_b[6] = { 0x52, 0x54, 0, 0, 0, 2 }, mac_c[6] = { 0x52, 0x54, 0, 0, 0, 3 };
	static const uint8_t mac_a[6] = { 0x52, 0x54, 0, 0, 0, 1 };
	static const uint8_t fdb_u[6] = { 0x52, 0x54, 0, 0, 0, 0x77 }, fdb_c[6] = { 0x52, 0x54, 0, 0, 0, 0x78 };
	struct ovn_map_dest d[OVN_MAP_MAX_DESTS];
	enum ovn_map_drop why = OVN_MAP_OK;
	struct ovn_map *m;
	struct error e = { 0 };
	uint16_t in;
	(void)state;
	assert_int_equal(ovn_dp_build(&cache, US, "geneve", p, 1, vlan_key, &m, &e), 0);
	/* B by geneve; C has no geneve encap: unreachable, left out */
	assert_int_equal(m->nchassis, 1);
	assert_int_equal(m->chassis_ip[0], ip("10.250.9.2"));
	assert_int_equal(m->nmacs, 3);                 /* lpA (local), lpB, FDB's ..:77; not lpC, lpU, lpR */
	assert_int_equal(ovn_map_route(m, 1, 3, mac_b, d, &in, &why), 1);
	assert_int_equal(d[0].ip, ip("10.250.9.2"));
	assert_int_equal(d[0].egress, 2);
	assert_int_equal(in, 1);
	assert_int_equal(ovn_map_route(m, 1, 3, mac_a, d, &in, &why), 0);
	assert_int_equal(why, OVN_MAP_LOCAL_DST);
	assert_int_equal(ovn_map_route(m, 1, 3, bcast, d, &in, &why), 1); /* B only: lpR has no chassis */
	assert_int_equal(d[0].egress, OVN_MAP_MC_FLOOD);
	assert_int_equal(ovn_map_route(m, 1, 3, mac_c, d, &in, &why), 1); /* _MC_unknown: lpU on B */
	assert_int_equal(d[0].egress, OVN_MAP_MC_UNKNOWN);
	assert_int_equal(ovn_map_route(m, 1, 3, fdb_u, d, &in, &why), 1); /* FDB: lpU on B itself */
	assert_int_equal(d[0].ip, ip("10.250.9.2"));
	assert_int_equal(d[0].egress, 4);
	assert_int_equal(ovn_map_route(m, 1, 3, fdb_c, d, &in, &why), 1); /* unreachable C: _MC_unknown */
	assert_int_equal(d[0].egress, OVN_MAP_MC_UNKNOWN);
	assert_int_equal(ovn_map_route(m, 1, 3, mac_b, d, &in, &why), 1); /* still lpB's */
	assert_int_equal(d[0].egress, 2);
	/* DP3 (no local port) is not ours: nothing of it */
	assert_null(ovn_map_dp_of_key(m, 3));
	ovn_map_free(m);
	/* VXLAN mode: B and C by their vxlan encaps */
	memset(vlan_key, 0, sizeof(vlan_key));
	assert_int_equal(ovn_dp_build(&cache, US, "vxlan", p, 1, vlan_key, &m, &e), 0);
	assert_int_equal(m->nchassis, 2);
	assert_int_equal(ovn_map_route(m, 1, 3, bcast, d, &in, &why), 2);
	assert_int_equal(ovn_map_route(m, 1, 3, mac_b, d, &in, &why), 1);
	assert_int_equal(d[0].ip, ip("10.250.9.22"));
	ovn_map_free(m);
}

static void an_unregistered_chassis_binds_nothing(void **state)
{
	uint32_t vlan_key[OVN_MAP_VLANS] = { 0 };
	struct ovn_dp_port p[] = { { .lport = "lpA", .slot = 3 } };
	struct ovn_map *m;
	struct error e = { 0 };
	(void)state;
	assert_int_equal(ovn_dp_build(&cache, NULL, "geneve", p, 1, vlan_key, &m, &e), 0);
	assert_int_equal(p[0].vlan, OVN_DP_PARKED);
	assert_int_equal(m->ndp, 0);
	ovn_map_free(m);
}

static void port_binding_macs_parse(void **state)
{
	uint8_t mac[6];
	(void)state;
	assert_true(ovn_dp_parse_mac("52:54:00:0e:00:01 10.0.0.1 fd00::1", mac));
	assert_int_equal(mac[5], 1);
	assert_true(ovn_dp_parse_mac("0A:0b:0c:0d:0e:0F", mac));
	assert_int_equal(mac[0], 0x0a);
	assert_false(ovn_dp_parse_mac("unknown", mac));
	assert_false(ovn_dp_parse_mac("router", mac));
	assert_false(ovn_dp_parse_mac("dynamic", mac));
	assert_false(ovn_dp_parse_mac("52:54:00:0e:00", mac));
	assert_false(ovn_dp_parse_mac("52:54:00:0e:00:01x", mac));
	assert_false(ovn_dp_parse_mac(NULL, mac));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bound_ports_get_their_datapaths_vlan),
		cmocka_unit_test(the_table_follows_the_southbound),
		cmocka_unit_test(an_unregistered_chassis_binds_nothing),
		cmocka_unit_test(port_binding_macs_parse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
