/* SPDX-License-Identifier: MIT */
/*
 * The client side of uvnetd's control socket, for every tool that talks
 * to the daemon (uvnetctl, uvnet-vm).  One request per connection: the
 * words as a JSON array and a newline; the reply is one JSON object,
 * {"ok": true, "result": ...} or {"ok": false, "error": "..."}.
 */
#ifndef UVNET_CONTROL_CLIENT_H
#define UVNET_CONTROL_CLIENT_H

#include <json-c/json.h>

#include "util/error.h"

#define CONTROL_DEFAULT_SOCKET "/run/uvnet/uvnetd.sock"
#define CONTROL_REPLY_MAX (1u << 22)     /* bytes: a reply longer is refused */
#define CONTROL_TIMEOUT_S 120            /* net-start waits for dnsmasq, at most */

/*
 * Send `words` (a JSON array of strings) to the daemon at `socket_path`.
 * 0 with *result set (the reply's "result", the caller's reference), or a
 * negative errno with e->msg saying why: -EREMOTEIO with the daemon's own
 * words when it refused the request, -EPROTO for a reply that is not one,
 * else the errno of the connect/send/receive that failed (the message names
 * the socket).
 */
int control_request(const char *socket_path, struct json_object *words,
		    struct json_object **result, struct error *e);

/*
 * The same for a verb whose reply opens a stream (capture,
 * control/capture_stream.h): the connection stays open, read up to the
 * reply's newline and no further, without a receive timeout; *fd is the
 * caller's to read the stream from and close.
 */
int control_request_stream(const char *socket_path, struct json_object *words,
			   struct json_object **result, int *fd, struct error *e);

/* The same, with the words given as a NULL-terminated list. */
int control_requestv(const char *socket_path, struct json_object **result, struct error *e,
		     const char *word, ...) __attribute__((sentinel));

#endif
