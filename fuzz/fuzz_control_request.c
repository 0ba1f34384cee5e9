/* SPDX-License-Identifier: MIT */
/*
 * The control request parser and verbs on arbitrary bytes: each line of
 * the input is one request as a client sends it (what control.c hands
 * verbs_execute() once it parses as JSON).  Every request must get a JSON
 * object back with "ok" a boolean and, when false, "error" a string; and
 * nothing may crash, leak or read out of bounds.  Requests run one after
 * the other on one daemon, so sequences (add-br, add-port, del-br ...) are
 * explored; the daemon is emptied after each input.  See fuzz_daemon.h
 * for the sandbox.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/verbs.h"
#include "fuzz_daemon.h"

#define MAX_REQUESTS 16

static void check_reply(struct json_object *rep)
{
	struct json_object *ok, *err;

	if (!json_object_is_type(rep, json_type_object) ||
	    !json_object_object_get_ex(rep, "ok", &ok) || !json_object_is_type(ok, json_type_boolean))
		abort();
	if (!json_object_get_boolean(ok) &&
	    (!json_object_object_get_ex(rep, "error", &err) || !json_object_is_type(err, json_type_string)))
		abort();
	/* it must render, as control.c sends it */
	if (!json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PLAIN))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon *d;
	const uint8_t *p = data, *end = data + size;

	if (!fuzz_daemon_input_ok(data, size))
		return 0;
	d = fuzz_daemon();
	for (unsigned r = 0; r < MAX_REQUESTS && p < end; r++) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct json_tokener *tok = json_tokener_new();
		struct json_object *req, *rep;
		struct verb_takeover t;

		req = json_tokener_parse_ex(tok, (const char *)p, (int)len);
		json_tokener_free(tok);
		if (req) {
			rep = verbs_execute(d, req, &t);
			if (t.take) /* no connection: a capture ends at once */
				t.take(t.arg, -1);
			check_reply(rep);
			json_object_put(rep);
			json_object_put(req);
		}
		p += len + (nl ? 1 : 0);
	}
	fuzz_daemon_reset(d);
	return 0;
}
