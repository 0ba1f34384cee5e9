/* SPDX-License-Identifier: MIT */
/*
 * JSON-RPC framing (RFC 7047 §4): concatenated objects cut out of a byte
 * stream whatever the pieces it arrives in, white space between them,
 * syntax errors, non-objects, NUL bytes and oversize messages refused;
 * message classification; OVSDB remote strings.
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

#include "ovsdb/jsonrpc.h"
#include "ovsdb/remote.h"

struct got {
	unsigned n;
	char text[8][256];
};

static int collect(struct json_object *msg, void *arg)
{
	struct got *g = arg;

	if (g->n < 8)
		snprintf(g->text[g->n], sizeof(g->text[0]), "%s",
			 json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN));
	g->n++;
	return 0;
}

static const char two[] = "{\"id\":1,\"result\":{\"a\":[1,2,\"x}\"]},\"error\":null}"
			  "  \n{\"method\":\"echo\",\"params\":[],\"id\":\"echo\"}";

static void messages_whole_and_concatenated(void **state)
{
	struct jsonrpc_stream s;
	struct error e = { 0 };
	struct got g = { 0 };
	(void)state;
	assert_int_equal(jsonrpc_stream_init(&s, 0), 0);
	assert_int_equal(jsonrpc_stream_feed(&s, two, strlen(two), collect, &g, &e), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.text[0], "{\"id\":1,\"result\":{\"a\":[1,2,\"x}\"]},\"error\":null}");
	assert_string_equal(g.text[1], "{\"method\":\"echo\",\"params\":[],\"id\":\"echo\"}");
	jsonrpc_stream_fini(&s);
}

/* Every split of the stream into two pieces, and byte by byte. */
static void messages_in_any_pieces(void **state)
{
	size_t len = strlen(two);
	(void)state;
	for (size_t cut = 0; cut <= len; cut++) {
		struct jsonrpc_stream s;
		struct error e = { 0 };
		struct got g = { 0 };

		jsonrpc_stream_init(&s, 0);
		assert_int_equal(jsonrpc_stream_feed(&s, two, cut, collect, &g, &e), 0);
		assert_int_equal(jsonrpc_stream_feed(&s, two + cut, len - cut, collect, &g, &e), 0);
		assert_int_equal(g.n, 2);
		assert_string_equal(g.text[1], "{\"method\":\"echo\",\"params\":[],\"id\":\"echo\"}");
		jsonrpc_stream_fini(&s);
	}
	{
		struct jsonrpc_stream s;
		struct error e = { 0 };
		struct got g = { 0 };

		jsonrpc_stream_init(&s, 0);
		for (size_t i = 0; i < len; i++)
			assert_int_equal(jsonrpc_stream_feed(&s, two + i, 1, collect, &g, &e), 0);
		assert_int_equal(g.n, 2);
		jsonrpc_stream_fini(&s);
	}
}

static void refuse(const char *text, size_t len, size_t max, const char *why)
{
	struct jsonrpc_stream s;
	struct error e = { 0 };
	struct got g = { 0 };

	jsonrpc_stream_init(&s, max);
	assert_int_equal(jsonrpc_stream_feed(&s, text, len, collect, &g, &e), -EPROTO);
	if (!strstr(e.msg, why))
		fail_msg("'%s': got '%s', wanted '%s'", text, e.msg, why);
	/* after a reset the stream takes messages again */
	jsonrpc_stream_reset(&s);
	assert_int_equal(jsonrpc_stream_feed(&s, "{}", 2, collect, &g, &e), 0);
	jsonrpc_stream_fini(&s);
}

static void bad_streams_refused(void **state)
{
	(void)state;
	refuse("{\"a\":}", 6, 0, "syntax");
	refuse("[1,2]", 5, 0, "not a JSON object");
	refuse("\"str\"", 5, 0, "not a JSON object");
	refuse("null ", 5, 0, "not a JSON object");
	refuse("12 ", 3, 0, "not a JSON object");
	refuse("{\"a\":\"x\0\"}", 10, 0, "NUL");
	refuse("{\"a\":\"0123456789012345678901234567890123456789\"}", 48, 32, "longer than 32");
	/* a message growing past the limit over several feeds */
	{
		struct jsonrpc_stream s;
		struct error e = { 0 };
		struct got g = { 0 };
		int rc = 0;

		jsonrpc_stream_init(&s, 100);
		rc = jsonrpc_stream_feed(&s, "{\"a\":[", 6, collect, &g, &e);
		for (int i = 0; i < 50 && !rc; i++)
			rc = jsonrpc_stream_feed(&s, "1,", 2, collect, &g, &e);
		assert_int_equal(rc, -EPROTO);
		assert_int_equal(g.n, 0);
		jsonrpc_stream_fini(&s);
	}
	/* deep nesting is refused, not a stack overflow */
	{
		char deep[2000];

		for (int i = 0; i < 1000; i++)
			deep[i] = '[';
		memset(deep + 1000, ']', 1000);
		deep[0] = '{';
		refuse(deep, 2000, 0, "syntax");
	}
}

static int stop_at_first(struct json_object *msg, void *arg)
{
	(void)msg;
	(*(int *)arg)++;
	return -ECANCELED;
}

static void callback_stops_feed(void **state)
{
	struct jsonrpc_stream s;
	struct error e = { 0 };
	int n = 0;
	(void)state;
	jsonrpc_stream_init(&s, 0);
	assert_int_equal(jsonrpc_stream_feed(&s, two, strlen(two), stop_at_first, &n, &e), -ECANCELED);
	assert_int_equal(n, 1);
	jsonrpc_stream_fini(&s);
}

static enum jsonrpc_kind kind_of(const char *text, struct jsonrpc_msg *m, struct json_object **keep)
{
	*keep = json_tokener_parse(text);
	assert_non_null(*keep);
	return jsonrpc_parse(*keep, m);
}

static void message_kinds(void **state)
{
	struct jsonrpc_msg m;
	struct json_object *o;
	(void)state;
	assert_int_equal(kind_of("{\"method\":\"echo\",\"params\":[],\"id\":7}", &m, &o), JSONRPC_REQUEST);
	assert_string_equal(m.method, "echo");
	json_object_put(o);
	assert_int_equal(kind_of("{\"method\":\"update2\",\"params\":[null,{}],\"id\":null}", &m, &o),
			 JSONRPC_NOTIFY);
	json_object_put(o);
	assert_int_equal(kind_of("{\"result\":{},\"error\":null,\"id\":12}", &m, &o), JSONRPC_REPLY);
	assert_int_equal(jsonrpc_reply_id(&m), 12);
	json_object_put(o);
	assert_int_equal(kind_of("{\"result\":null,\"error\":{\"error\":\"unknown method\"},\"id\":3}", &m, &o),
			 JSONRPC_ERROR);
	assert_string_equal(jsonrpc_error_text(&m), "unknown method");
	json_object_put(o);
	/* malformed */
	assert_int_equal(kind_of("{\"method\":1,\"params\":[],\"id\":1}", &m, &o), JSONRPC_BAD);
	json_object_put(o);
	assert_int_equal(kind_of("{\"method\":\"x\",\"params\":{},\"id\":1}", &m, &o), JSONRPC_BAD);
	json_object_put(o);
	assert_int_equal(kind_of("{\"method\":\"x\",\"params\":[]}", &m, &o), JSONRPC_BAD);
	json_object_put(o);
	assert_int_equal(kind_of("{\"result\":1,\"id\":1}", &m, &o), JSONRPC_BAD);
	json_object_put(o);
	assert_int_equal(kind_of("{\"result\":1,\"error\":\"x\",\"id\":1}", &m, &o), JSONRPC_BAD);
	json_object_put(o);
	assert_int_equal(kind_of("{\"result\":1,\"error\":null,\"id\":\"x\"}", &m, &o), JSONRPC_REPLY);
	assert_int_equal(jsonrpc_reply_id(&m), -1);
	json_object_put(o);
}

static void request_and_reply_bytes(void **state)
{
	struct json_object *r = jsonrpc_request("get_schema", NULL, 5), *id, *rep;
	(void)state;
	json_object_array_add(json_object_object_get(r, "params"), json_object_new_string("OVN_Southbound"));
	assert_string_equal(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN),
			    "{\"method\":\"get_schema\",\"params\":[\"OVN_Southbound\"],\"id\":5}");
	json_object_put(r);
	id = json_object_new_string("echo");
	rep = jsonrpc_reply(json_object_new_array(), id);
	assert_string_equal(json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PLAIN),
			    "{\"result\":[],\"error\":null,\"id\":\"echo\"}");
	json_object_put(rep);
	json_object_put(id);
}

static void remotes(void **state)
{
	struct ovsdb_remote r[OVSDB_MAX_REMOTES];
	struct error e = { 0 };
	unsigned n;
	(void)state;
	assert_int_equal(ovsdb_remotes_parse("tcp:10.0.0.1:6642,unix:/run/ovn/sb.sock,tcp:[::1]:6642",
					     r, OVSDB_MAX_REMOTES, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].addr.ss_family, AF_INET);
	assert_int_equal(r[1].addr.ss_family, AF_UNIX);
	assert_int_equal(r[2].addr.ss_family, AF_INET6);
	assert_string_equal(r[1].text, "unix:/run/ovn/sb.sock");
	assert_int_equal(ovsdb_remotes_parse("tcp:10.0.0.1", r, 8, &n, &e), -EINVAL);
	assert_int_equal(ovsdb_remotes_parse("tcp:10.0.0.1:0", r, 8, &n, &e), -EINVAL);
	assert_int_equal(ovsdb_remotes_parse("tcp:host.example:6642", r, 8, &n, &e), -EINVAL);
	assert_int_equal(ovsdb_remotes_parse("ssl:10.0.0.1:6642", r, 8, &n, &e), -EPROTONOSUPPORT);
	assert_int_equal(ovsdb_remotes_parse("unix:", r, 8, &n, &e), -EINVAL);
	assert_int_equal(ovsdb_remotes_parse("unix:/a,,unix:/b", r, 8, &n, &e), -EINVAL);
	assert_int_equal(ovsdb_remotes_parse("unix:/a,", r, 8, &n, &e), -EINVAL);
	assert_int_equal(ovsdb_remotes_parse("", r, 8, &n, &e), -EINVAL);
	assert_int_equal(ovsdb_remotes_parse("unix:/a,unix:/b,unix:/c", r, 2, &n, &e), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(messages_whole_and_concatenated),
		cmocka_unit_test(messages_in_any_pieces),
		cmocka_unit_test(bad_streams_refused),
		cmocka_unit_test(callback_stops_feed),
		cmocka_unit_test(message_kinds),
		cmocka_unit_test(request_and_reply_bytes),
		cmocka_unit_test(remotes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
