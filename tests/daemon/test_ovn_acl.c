/* SPDX-License-Identifier: MIT */
/*
 * ACL flows on a datapath (daemon/ovn_acl.c): a user ACL's flow (an ACL
 * stage, priority 1000-33767) counts for its datapath, named directly or
 * through a Logical_DP_Group; northd's own flows of those stages (0,
 * 34000, 65532), other stages and other datapaths do not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/ovn_acl.h"

static const char *const dpg_cols[] = { "datapaths", NULL };
static const struct ovsdb_table_spec spec[] = {
	{ "Logical_Flow", ovn_acl_flow_cols, ovn_acl_flow_where },
	{ "Logical_DP_Group", dpg_cols, NULL },
};
#define REF(t) "{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"" t "\"},\"min\":0,\"max\":1}}"
static const char schema_text[] =
	"{\"name\":\"OVN_Southbound\",\"version\":\"20.27.0\",\"tables\":{"
	"\"Logical_Flow\":{\"columns\":{\"logical_datapath\":" REF("Datapath_Binding") ","
	"\"logical_dp_group\":" REF("Logical_DP_Group") ",\"priority\":{\"type\":\"integer\"},"
	"\"external_ids\":{\"type\":{\"key\":\"string\",\"value\":\"string\",\"min\":0,\"max\":\"unlimited\"}}}},"
	"\"Logical_DP_Group\":{\"columns\":{\"datapaths\":{\"type\":{\"key\":{\"type\":\"uuid\","
	"\"refTable\":\"Datapath_Binding\"},\"min\":0,\"max\":\"unlimited\"}}}}}}";

#define U(n) "00000000-0000-0000-0000-0000000000" n
#define DP1 U("01")
#define DP2 U("02")
#define DP3 U("03")
#define G12 U("12")
#define FLOW(u, where, pri, stage) \
	"\"" u "\":{\"new\":{" where ",\"priority\":" #pri \
	",\"external_ids\":[\"map\",[[\"stage-name\",\"" stage "\"]]]}}"
#define ON(dp) "\"logical_datapath\":[\"uuid\",\"" dp "\"]"
#define IN(g) "\"logical_dp_group\":[\"uuid\",\"" g "\"]"

static const char update[] =
	"{\"Logical_DP_Group\":{\"" G12 "\":{\"new\":{\"datapaths\":[\"set\",[[\"uuid\",\"" DP1 "\"],"
	"[\"uuid\",\"" DP2 "\"]]]}}},"
	"\"Logical_Flow\":{"
	FLOW(U("a1"), ON(DP1), 1001, "ls_in_acl") ","           /* an ACL on DP1 */
	FLOW(U("a2"), ON(DP1), 33767, "ls_out_acl") ","         /* priority 32767 */
	FLOW(U("a3"), ON(DP3), 0, "ls_in_acl") ","              /* northd's default */
	FLOW(U("a4"), ON(DP3), 34000, "ls_out_acl") ","         /* northd's DHCP reply */
	FLOW(U("a5"), ON(DP3), 65532, "ls_in_acl") ","          /* northd's ct.inv */
	FLOW(U("a6"), ON(DP3), 1001, "ls_in_acl_hint") ","      /* not an ACL stage */
	FLOW(U("a7"), IN(G12), 2000, "ls_in_acl_after_lb") "}}"; /* a port group's, shared */

static void counts_acl_flows_per_datapath(void **state)
{
	struct json_object *schema = json_tokener_parse(schema_text), *u = json_tokener_parse(update);
	struct ovsdb_cache c;
	struct error e = { 0 };

	(void)state;
	assert_int_equal(ovsdb_cache_init(&c, spec, 2), 0);
	assert_int_equal(ovsdb_cache_set_schema(&c, schema, &e), 0);
	if (ovsdb_cache_apply(&c, u, 1, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(ovn_acl_flows(&c, DP1), 3);
	assert_int_equal(ovn_acl_flows(&c, DP2), 1);
	assert_int_equal(ovn_acl_flows(&c, DP3), 0);
	assert_int_equal(ovn_acl_flows(&c, U("99")), 0);
	assert_int_equal(ovn_acl_flows(&c, NULL), 0);
	json_object_put(schema);
	json_object_put(u);
	ovsdb_cache_fini(&c);
}

static void where_is_json(void **state)
{
	struct json_object *w = json_tokener_parse(ovn_acl_flow_where);

	(void)state;
	assert_non_null(w);
	assert_int_equal(json_object_array_length(w), 6);
	json_object_put(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_acl_flows_per_datapath),
		cmocka_unit_test(where_is_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
