/* SPDX-License-Identifier: MIT */
/*
 * The control verbs on the daemon side: a request (a JSON array of words,
 * control/verbs.h) checked against the verb table, run through the daemon
 * API, answered with {"ok": true, "result": ...} or {"ok": false,
 * "error": "..."}.  A verb that changes the configuration is persisted
 * before the answer.
 */
#ifndef UVNET_DAEMON_VERBS_H
#define UVNET_DAEMON_VERBS_H

#include <json-c/json.h>

struct daemon;

struct json_object *verbs_execute(struct daemon *d, struct json_object *request);

#endif
