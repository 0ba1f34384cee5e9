/* SPDX-License-Identifier: MIT */
/* JSON-RPC framing and messages for OVSDB (jsonrpc.h). */
#include "ovsdb/jsonrpc.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

int jsonrpc_stream_init(struct jsonrpc_stream *s, size_t max_msg)
{
	memset(s, 0, sizeof(*s));
	/* depth: an update nests ~10 deep; 64 leaves room and stays bounded */
	s->tok = json_tokener_new_ex(64);
	s->max_msg = max_msg ? max_msg : JSONRPC_MAX_MSG;
	return s->tok ? 0 : -ENOMEM;
}

void jsonrpc_stream_fini(struct jsonrpc_stream *s)
{
	if (s->tok)
		json_tokener_free(s->tok);
	s->tok = NULL;
}

void jsonrpc_stream_reset(struct jsonrpc_stream *s)
{
	json_tokener_reset(s->tok);
	s->in_msg = 0;
}

int jsonrpc_stream_feed(struct jsonrpc_stream *s, const char *buf, size_t len,
			int (*cb)(struct json_object *msg, void *arg), void *arg, struct error *e)
{
	/* a NUL is no JSON text (strings escape it); json_tokener would stop at it */
	if (memchr(buf, 0, len))
		return error_set(e, -EPROTO, "a NUL byte in the stream");
	while (len) {
		struct json_object *o;
		enum json_tokener_error err;
		size_t used;

		/* white space between messages is not part of one */
		if (s->in_msg == 0) {
			size_t skip = 0;

			while (skip < len && strchr(" \t\r\n", buf[skip]))
				skip++;
			buf += skip;
			len -= skip;
			if (!len)
				return 0;
		}
		/* json_tokener takes an int length */
		used = len > (1u << 30) ? (1u << 30) : len;
		o = json_tokener_parse_ex(s->tok, buf, (int)used);
		err = json_tokener_get_error(s->tok);
		if (!o && err == json_tokener_continue) {
			s->in_msg += used;
			if (s->in_msg > s->max_msg)
				return error_set(e, -EPROTO, "message longer than %zu bytes", s->max_msg);
			buf += used;
			len -= used;
			continue;
		}
		if (!o) {
			if (err == json_tokener_success) /* "null" */
				return error_set(e, -EPROTO, "a message is not a JSON object");
			return error_set(e, -EPROTO, "JSON syntax error: %s",
					 json_tokener_error_desc(err));
		}
		used = json_tokener_get_parse_end(s->tok);
		s->in_msg += used;
		json_tokener_reset(s->tok);
		if (s->in_msg > s->max_msg) {
			json_object_put(o);
			return error_set(e, -EPROTO, "message longer than %zu bytes", s->max_msg);
		}
		s->in_msg = 0;
		buf += used;
		len -= used;
		if (!json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			return error_set(e, -EPROTO, "a message is not a JSON object");
		}
		{
			int rc = cb(o, arg);

			json_object_put(o);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static struct json_object *member(struct json_object *o, const char *key, bool *present)
{
	struct json_object *v = NULL;

	*present = json_object_object_get_ex(o, key, &v);
	return v;
}

enum jsonrpc_kind jsonrpc_parse(struct json_object *msg, struct jsonrpc_msg *m)
{
	bool has_method, has_params, has_id, has_result, has_error;
	struct json_object *method;

	memset(m, 0, sizeof(*m));
	if (!json_object_is_type(msg, json_type_object))
		return m->kind = JSONRPC_BAD;
	method = member(msg, "method", &has_method);
	m->params = member(msg, "params", &has_params);
	m->id = member(msg, "id", &has_id);
	m->result = member(msg, "result", &has_result);
	m->error = member(msg, "error", &has_error);
	if (has_method) {
		if (!json_object_is_type(method, json_type_string) || !has_params ||
		    !json_object_is_type(m->params, json_type_array) || !has_id || has_result)
			return m->kind = JSONRPC_BAD;
		m->method = json_object_get_string(method);
		return m->kind = m->id ? JSONRPC_REQUEST : JSONRPC_NOTIFY;
	}
	if (!has_id || !m->id || !has_result || !has_error)
		return m->kind = JSONRPC_BAD;
	if (m->error)
		return m->kind = m->result ? JSONRPC_BAD : JSONRPC_ERROR;
	return m->kind = JSONRPC_REPLY;
}

int64_t jsonrpc_reply_id(const struct jsonrpc_msg *m)
{
	if (!m->id || !json_object_is_type(m->id, json_type_int))
		return -1;
	return json_object_get_int64(m->id);
}

struct json_object *jsonrpc_request(const char *method, struct json_object *params, int64_t id)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "method", json_object_new_string(method));
	json_object_object_add(o, "params", params ? params : json_object_new_array());
	json_object_object_add(o, "id", id < 0 ? NULL : json_object_new_int64(id));
	return o;
}

struct json_object *jsonrpc_reply(struct json_object *result, struct json_object *id)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "result", result);
	json_object_object_add(o, "error", NULL);
	json_object_object_add(o, "id", json_object_get(id));
	return o;
}

const char *jsonrpc_error_text(const struct jsonrpc_msg *m)
{
	struct json_object *v;

	if (!m->error)
		return "";
	if (json_object_is_type(m->error, json_type_string))
		return json_object_get_string(m->error);
	if (json_object_object_get_ex(m->error, "error", &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return json_object_to_json_string_ext(m->error, JSON_C_TO_STRING_PLAIN);
}
