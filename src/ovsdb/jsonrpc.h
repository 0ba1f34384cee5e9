/* SPDX-License-Identifier: MIT */
/*
 * JSON-RPC 1.0 as OVSDB speaks it (RFC 7047 §4): a stream of JSON objects
 * with nothing between them but optional white space, no length prefix
 * and no delimiter.  jsonrpc_stream cuts a byte stream into messages with
 * json_tokener's incremental parser (a message may arrive in any number of
 * pieces, several may arrive in one read); the helpers below build and
 * classify the three kinds of message.  No sockets here: the daemon reads
 * and writes, this only parses and formats.
 *
 *   request:      {"method": M, "params": [...], "id": ID}
 *   notification: {"method": M, "params": [...], "id": null}
 *   response:     {"result": R, "error": null, "id": ID}  (or error set)
 */
#ifndef UVNET_OVSDB_JSONRPC_H
#define UVNET_OVSDB_JSONRPC_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* Largest message taken (a full Southbound snapshot of a big cluster is
 * tens of MB); a longer one is a protocol error. */
#define JSONRPC_MAX_MSG (128u << 20)

struct jsonrpc_stream {
	struct json_tokener *tok;
	size_t in_msg;          /* bytes of the message being parsed so far */
	size_t max_msg;
};

int jsonrpc_stream_init(struct jsonrpc_stream *s, size_t max_msg);
void jsonrpc_stream_fini(struct jsonrpc_stream *s);
/* Forget a partial message (after a reconnect). */
void jsonrpc_stream_reset(struct jsonrpc_stream *s);

/*
 * Feed len bytes; cb(msg, arg) is called for every message completed,
 * in order (msg is the caller's only for the call: it is put after).
 * A cb returning non-zero stops the feed and is returned as is.  A syntax
 * error, a message that is not a JSON object, or one longer than max_msg
 * is -EPROTO with e saying why; the stream must then be reset.
 */
int jsonrpc_stream_feed(struct jsonrpc_stream *s, const char *buf, size_t len,
			int (*cb)(struct json_object *msg, void *arg), void *arg, struct error *e);

enum jsonrpc_kind {
	JSONRPC_BAD,            /* none of the below */
	JSONRPC_REQUEST,        /* method, params, id */
	JSONRPC_NOTIFY,         /* method, params, id null */
	JSONRPC_REPLY,          /* result, id (error null) */
	JSONRPC_ERROR,          /* error, id (result null) */
};

struct jsonrpc_msg {
	enum jsonrpc_kind kind;
	const char *method;             /* requests and notifications */
	struct json_object *params;     /* an array */
	struct json_object *result;     /* replies */
	struct json_object *error;      /* error replies */
	struct json_object *id;         /* as sent (requests, replies) */
};

/* What msg is; pointers borrow from msg. */
enum jsonrpc_kind jsonrpc_parse(struct json_object *msg, struct jsonrpc_msg *out);

/* The id of a reply as the number we sent, or -1 if it is not one. */
int64_t jsonrpc_reply_id(const struct jsonrpc_msg *m);

/* New messages (params and result are taken over). */
struct json_object *jsonrpc_request(const char *method, struct json_object *params, int64_t id);
struct json_object *jsonrpc_reply(struct json_object *result, struct json_object *id);

/* A short text for an error reply's "error" member ("unknown method"). */
const char *jsonrpc_error_text(const struct jsonrpc_msg *m);

#endif
