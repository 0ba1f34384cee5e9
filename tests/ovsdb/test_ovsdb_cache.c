/* SPDX-License-Identifier: MIT */
/*
 * The monitored table cache: column kinds learned from a schema (and a
 * schema lacking a needed column refused by name), monitor requests, v1
 * "update" rows, v2 "update2" initial/insert/modify/delete with set and
 * map diffs (elements toggle; map keys add, update, remove), optional
 * references read like scalars, and malformed updates refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ovsdb/cache.h"

static const char *const pb_cols[] = { "logical_port", "tunnel_key", "chassis", "mac", "options",
				       "up", NULL };
static const char *const dp_cols[] = { "tunnel_key", NULL, NULL };
static const struct ovsdb_table_spec spec[] = {
	{ "Port_Binding", pb_cols, NULL },
	{ "Datapath_Binding", dp_cols, NULL },
};

static const char schema_text[] =
	"{\"name\":\"OVN_Southbound\",\"version\":\"20.27.0\",\"tables\":{"
	"\"Port_Binding\":{\"columns\":{"
	"\"logical_port\":{\"type\":\"string\"},"
	"\"tunnel_key\":{\"type\":{\"key\":{\"type\":\"integer\",\"minInteger\":1}}},"
	"\"chassis\":{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"Chassis\"},\"min\":0,\"max\":1}},"
	"\"mac\":{\"type\":{\"key\":\"string\",\"min\":0,\"max\":\"unlimited\"}},"
	"\"options\":{\"type\":{\"key\":\"string\",\"value\":\"string\",\"min\":0,\"max\":\"unlimited\"}},"
	"\"up\":{\"type\":{\"key\":\"boolean\",\"min\":0,\"max\":1}},"
	"\"type\":{\"type\":\"string\"}}},"
	"\"Datapath_Binding\":{\"columns\":{\"tunnel_key\":{\"type\":\"integer\"}}}}}";

#define U1 "11111111-2222-3333-4444-555555555555"
#define U2 "aaaaaaaa-2222-3333-4444-555555555555"
#define CH "cccccccc-2222-3333-4444-555555555555"

static struct ovsdb_cache *setup(void)
{
	static struct ovsdb_cache c;
	struct json_object *schema = json_tokener_parse(schema_text);
	struct error e = { 0 };

	assert_int_equal(ovsdb_cache_init(&c, spec, 2), 0);
	assert_int_equal(ovsdb_cache_set_schema(&c, schema, &e), 0);
	json_object_put(schema);
	return &c;
}

static int apply(struct ovsdb_cache *c, const char *text, int version, struct error *e)
{
	struct json_object *u = json_tokener_parse(text);
	int rc;

	if (!u)
		fail_msg("bad test JSON: %s", text);
	rc = ovsdb_cache_apply(c, u, version, e);
	json_object_put(u);
	return rc;
}

static void kinds_from_schema(void **state)
{
	struct ovsdb_cache *c = setup();
	struct ovsdb_table *t = ovsdb_cache_table(c, "Port_Binding");
	(void)state;
	assert_int_equal(t->kinds[0], OVSDB_SCALAR); /* logical_port */
	assert_int_equal(t->kinds[1], OVSDB_SCALAR); /* tunnel_key */
	assert_int_equal(t->kinds[2], OVSDB_OPTIONAL); /* chassis: at most one */
	assert_int_equal(t->kinds[3], OVSDB_SET);
	assert_int_equal(t->kinds[4], OVSDB_MAP);
	ovsdb_cache_fini(c);
}

static void schema_missing_column_refused(void **state)
{
	static const char *const cols[] = { "logical_port", "requested_chassis", NULL };
	static const struct ovsdb_table_spec s2[] = { { "Port_Binding", cols, NULL } };
	struct ovsdb_cache c;
	struct json_object *schema = json_tokener_parse(schema_text);
	struct error e = { 0 };
	(void)state;
	ovsdb_cache_init(&c, s2, 1);
	assert_int_equal(ovsdb_cache_set_schema(&c, schema, &e), -ENOENT);
	assert_string_equal(e.msg, "Port_Binding.requested_chassis: not in schema OVN_Southbound 20.27.0");
	/* updates before a schema are refused */
	assert_int_equal(apply(&c, "{}", 2, &e), -EPROTO);
	json_object_put(schema);
	ovsdb_cache_fini(&c);
}

static void monitor_request_where_only_conditional(void **state)
{
	static const char *const cols[] = { "tunnel_key", NULL, NULL };
	static const struct ovsdb_table_spec s[] = {
		{ "Datapath_Binding", cols, "[[\"tunnel_key\",\"==\",1],[\"tunnel_key\",\"==\",3]]" },
	};
	struct ovsdb_cache c;
	struct json_object *r;

	(void)state;
	assert_int_equal(ovsdb_cache_init(&c, s, 1), 0);
	r = ovsdb_cache_monitor_requests(&c, true);
	assert_string_equal(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN),
			    "{\"Datapath_Binding\":{\"columns\":[\"tunnel_key\"],\"where\":"
			    "[[\"tunnel_key\",\"==\",1],[\"tunnel_key\",\"==\",3]]}}");
	json_object_put(r);
	r = ovsdb_cache_monitor_requests(&c, false); /* plain monitor: no where */
	assert_string_equal(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN),
			    "{\"Datapath_Binding\":{\"columns\":[\"tunnel_key\"]}}");
	json_object_put(r);
	ovsdb_cache_fini(&c);
}

static void monitor_request_lists_columns(void **state)
{
	struct ovsdb_cache *c = setup();
	struct json_object *r = ovsdb_cache_monitor_requests(c, true);
	(void)state;
	assert_string_equal(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN),
			    "{\"Port_Binding\":{\"columns\":[\"logical_port\",\"tunnel_key\",\"chassis\","
			    "\"mac\",\"options\",\"up\"]},\"Datapath_Binding\":{\"columns\":[\"tunnel_key\"]}}");
	json_object_put(r);
	ovsdb_cache_fini(c);
}

static void update2_initial_modify_delete(void **state)
{
	struct ovsdb_cache *c = setup();
	struct ovsdb_table *t = ovsdb_cache_table(c, "Port_Binding");
	struct error e = { 0 };
	struct ovsdb_row *r;
	(void)state;
	assert_int_equal(apply(c, "{\"Port_Binding\":{\"" U1 "\":{\"initial\":{\"logical_port\":\"vm1\","
				  "\"tunnel_key\":3,\"chassis\":[\"set\",[]],"
				  "\"mac\":\"52:54:00:00:00:01 10.0.0.1\","
				  "\"options\":[\"map\",[[\"requested-chassis\",\"hv1\"]]]}},"
				  "\"" U2 "\":{\"insert\":{\"logical_port\":\"vm2\",\"tunnel_key\":4}}},"
				  "\"Unmonitored\":{\"x\":1}}", 2, &e), 0);
	assert_int_equal(t->nrows, 2);
	r = ovsdb_table_get(t, U1);
	assert_non_null(r);
	assert_string_equal(ovsdb_row_str(r, "logical_port"), "vm1");
	assert_int_equal(ovsdb_row_int(r, "tunnel_key", 0), 3);
	assert_null(ovsdb_row_uuid(r, "chassis"));
	assert_int_equal(ovsdb_row_count(r, "mac"), 1);
	assert_string_equal(ovsdb_row_str(r, "mac"), "52:54:00:00:00:01 10.0.0.1");
	assert_string_equal(ovsdb_row_map_get(r, "options", "requested-chassis"), "hv1");
	assert_false(ovsdb_row_bool(r, "up", false));
	assert_ptr_equal(ovsdb_table_find_str(t, "logical_port", "vm2"), ovsdb_table_get(t, U2));

	/* modify: a scalar replaced; an optional ref set (toggled in); map
	 * key updated and one added; a bool set */
	assert_int_equal(apply(c, "{\"Port_Binding\":{\"" U1 "\":{\"modify\":{\"tunnel_key\":5,"
				  "\"chassis\":[\"uuid\",\"" CH "\"],\"up\":true,"
				  "\"options\":[\"map\",[[\"requested-chassis\",\"hv2\"],[\"k\",\"v\"]]]}}}}",
			       2, &e), 0);
	assert_int_equal(ovsdb_row_int(r, "tunnel_key", 0), 5);
	assert_string_equal(ovsdb_row_uuid(r, "chassis"), CH);
	assert_true(ovsdb_row_has_ref(r, "chassis", CH));
	assert_true(ovsdb_row_bool(r, "up", false));
	assert_string_equal(ovsdb_row_map_get(r, "options", "requested-chassis"), "hv2");
	assert_string_equal(ovsdb_row_map_get(r, "options", "k"), "v");

	/* an optional column's diff is its new value, as ovsdb-server sends
	 * it ([false] -> true, not a toggle); two elements are refused */
	assert_int_equal(apply(c, "{\"Port_Binding\":{\"" U1 "\":{\"modify\":{\"up\":false}}}}", 2, &e), 0);
	assert_false(ovsdb_row_bool(r, "up", true));
	assert_int_equal(ovsdb_row_count(r, "up"), 1);
	assert_int_equal(apply(c, "{\"Port_Binding\":{\"" U1 "\":{\"modify\":{\"up\":true}}}}", 2, &e), 0);
	assert_true(ovsdb_row_bool(r, "up", false));
	assert_int_equal(ovsdb_row_count(r, "up"), 1);
	assert_int_equal(apply(c, "{\"Port_Binding\":{\"" U1 "\":{\"modify\":{\"up\":[\"set\",[true,false]]}}}}",
			       2, &e), -EPROTO);

	/* modify again: an optional ref emptied; an equal map pair is
	 * removed; set elements toggle */
	assert_int_equal(apply(c, "{\"Port_Binding\":{\"" U1 "\":{\"modify\":{"
				  "\"chassis\":[\"set\",[]],"
				  "\"options\":[\"map\",[[\"k\",\"v\"]]],"
				  "\"mac\":[\"set\",[\"52:54:00:00:00:01 10.0.0.1\",\"x\"]]}}}}", 2, &e), 0);
	assert_null(ovsdb_row_uuid(r, "chassis"));
	assert_null(ovsdb_row_map_get(r, "options", "k"));
	assert_string_equal(ovsdb_row_map_get(r, "options", "requested-chassis"), "hv2");
	assert_int_equal(ovsdb_row_count(r, "mac"), 1);
	assert_string_equal(ovsdb_row_str(r, "mac"), "x");

	/* delete; deleting an unknown row is harmless */
	assert_int_equal(apply(c, "{\"Port_Binding\":{\"" U1 "\":{\"delete\":null},"
				  "\"" CH "\":{\"delete\":null}}}", 2, &e), 0);
	assert_null(ovsdb_table_get(t, U1));
	assert_int_equal(t->nrows, 1);
	ovsdb_cache_clear(c);
	assert_int_equal(t->nrows, 0);
	ovsdb_cache_fini(c);
}

static void update1_new_old(void **state)
{
	struct ovsdb_cache *c = setup();
	struct ovsdb_table *t = ovsdb_cache_table(c, "Port_Binding");
	struct error e = { 0 };
	(void)state;
	assert_int_equal(apply(c, "{\"Port_Binding\":{\"" U1 "\":{\"new\":{\"logical_port\":\"vm1\","
				  "\"chassis\":[\"uuid\",\"" CH "\"],\"mac\":[\"set\",[\"a\",\"b\"]]}}}}", 1, &e), 0);
	assert_string_equal(ovsdb_row_uuid(ovsdb_table_get(t, U1), "chassis"), CH);
	assert_int_equal(ovsdb_row_count(ovsdb_table_get(t, U1), "mac"), 2);
	/* v1 modify: "new" holds the whole value */
	assert_int_equal(apply(c, "{\"Port_Binding\":{\"" U1 "\":{\"old\":{\"chassis\":[\"uuid\",\"" CH "\"]},"
				  "\"new\":{\"logical_port\":\"vm1\",\"chassis\":[\"set\",[]],"
				  "\"mac\":[\"set\",[\"a\",\"b\"]]}}}}", 1, &e), 0);
	assert_null(ovsdb_row_uuid(ovsdb_table_get(t, U1), "chassis"));
	assert_int_equal(ovsdb_row_count(ovsdb_table_get(t, U1), "mac"), 2);
	assert_int_equal(apply(c, "{\"Port_Binding\":{\"" U1 "\":{\"old\":{}}}}", 1, &e), 0);
	assert_int_equal(t->nrows, 0);
	ovsdb_cache_fini(c);
}

static void refuse(const char *text, int version, const char *why)
{
	struct ovsdb_cache *c = setup();
	struct error e = { 0 };

	assert_int_equal(apply(c, "{\"Port_Binding\":{\"" U1 "\":{\"initial\":{\"logical_port\":\"vm1\"}}}}",
			       2, &e), 0);
	if (apply(c, text, version, &e) != -EPROTO || !strstr(e.msg, why))
		fail_msg("%s: got '%s', wanted '%s'", text, e.msg, why);
	ovsdb_cache_fini(c);
}

static void malformed_updates_refused(void **state)
{
	(void)state;
	refuse("[]", 2, "not a JSON object");
	refuse("{\"Port_Binding\":[]}", 2, "row updates are not");
	refuse("{\"Port_Binding\":{\"not-a-uuid\":{\"delete\":null}}}", 2, "is not a UUID");
	refuse("{\"Port_Binding\":{\"" U1 "\":{}}}", 2, "needs one of");
	refuse("{\"Port_Binding\":{\"" U1 "\":{\"insert\":{},\"delete\":null}}}", 2, "needs one of");
	refuse("{\"Port_Binding\":{\"" U1 "\":{\"frobnicate\":{}}}}", 2, "needs one of");
	refuse("{\"Port_Binding\":{\"" U2 "\":{\"modify\":{}}}}", 2, "modify of a row I do not have");
	refuse("{\"Port_Binding\":{\"" U1 "\":{\"modify\":[]}}}", 2, "not a JSON object");
	refuse("{\"Port_Binding\":{\"" U1 "\":{\"modify\":{\"logical_port\":[1,2,3]}}}}", 2,
	       "column logical_port: not a value");
	refuse("{\"Port_Binding\":{\"" U1 "\":{\"modify\":{\"mac\":[\"set\",[[1]]]}}}}", 2, "not a set");
	refuse("{\"Port_Binding\":{\"" U1 "\":{\"modify\":{\"options\":[\"set\",[]]}}}}", 2, "not a map");
	refuse("{\"Port_Binding\":{\"" U1 "\":{\"modify\":{\"options\":[\"map\",[[\"k\"]]]}}}}", 2,
	       "not a map");
	refuse("{\"Port_Binding\":{\"" U1 "\":{\"modify\":{\"chassis\":[\"uuid\",3]}}}}", 2, "not a set");
	refuse("{\"Port_Binding\":{\"" U1 "\":[]}}", 1, "not a JSON object");
	refuse("{\"Port_Binding\":{\"" U1 "\":{\"new\":3}}}", 1, "not a JSON object");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kinds_from_schema),
		cmocka_unit_test(schema_missing_column_refused),
		cmocka_unit_test(monitor_request_lists_columns),
		cmocka_unit_test(monitor_request_where_only_conditional),
		cmocka_unit_test(update2_initial_modify_delete),
		cmocka_unit_test(update1_new_old),
		cmocka_unit_test(malformed_updates_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
