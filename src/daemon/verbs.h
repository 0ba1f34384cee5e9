/* SPDX-License-Identifier: MIT */
/*
 * The control verbs on the daemon side: a request (a JSON array of words,
 * control/verbs.h) checked against the verb table, run through the daemon
 * API, answered with {"ok": true, "result": ...} or {"ok": false,
 * "error": "..."}.  A verb that changes the configuration is persisted
 * before the answer.  A capture's connection goes on as its stream.
 */
#ifndef UVNET_DAEMON_VERBS_H
#define UVNET_DAEMON_VERBS_H

#include <json-c/json.h>

struct daemon;

/*
 * A verb that goes on after its reply (capture) takes the connection:
 * take(arg, fd) once the reply is out, take(arg, -1) if it could not be
 * sent.  Left empty by the other verbs.
 */
struct verb_takeover {
	void (*take)(void *arg, int fd);
	void *arg;
};

/* t: filled by a verb that takes the connection over (see above); the
 * caller must then call it. */
struct json_object *verbs_execute(struct daemon *d, struct json_object *request,
				  struct verb_takeover *t);

#endif
