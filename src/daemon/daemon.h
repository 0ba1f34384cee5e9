/* SPDX-License-Identifier: MIT */
/*
 * The daemon's state, owned by the control thread: bridges, ports (with
 * the options they were created with, for the state file), the worker
 * pool, and the control-thread event loop.
 */
#ifndef UVNET_DAEMON_DAEMON_H
#define UVNET_DAEMON_DAEMON_H

#include <json-c/json.h>
#include <stdbool.h>

#include "switch/bridge.h"
#include "port/port.h"
#include "daemon/worker.h"

#define DAEMON_MAX_BRIDGES 64
#define DAEMON_MAX_PORTS 1024
#define DAEMON_MAX_WATCHES 2048

struct daemon_port {
	struct port *port;
	struct bridge *br;
	struct json_object *args;   /* the add-port words, for the state file */
};

struct watch {
	int fd;
	void (*cb)(void *arg);
	void *arg;
};

struct daemon {
	const char *control_path;
	const char *state_path;
	int epfd;
	int control_fd;
	int signal_fd;
	int timer_fd;
	bool stopping;
	struct worker_pool pool;
	struct port_env env;
	struct bridge *bridges[DAEMON_MAX_BRIDGES];
	struct daemon_port ports[DAEMON_MAX_PORTS];
	struct watch *watches[DAEMON_MAX_WATCHES];
	bool loading;               /* replaying the state file: don't rewrite it */
};

/* Run one control request (argv words); returns a JSON reply object:
 * {"ok": true, "result": ...} or {"ok": false, "error": "..."}. */
struct json_object *control_execute(struct daemon *d, struct json_object *argv);

/* For verb implementations: fill err (CONTROL_ERR_MAX bytes) and return
 * NULL; word i of a request. */
#define CONTROL_ERR_MAX 256
struct json_object *control_fail(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *control_word(struct json_object *argv, size_t i);

/* Control socket: accept and serve one request per connection. */
int control_listen(struct daemon *d);
void control_on_accept(void *arg);

/* State file: rewrite atomically after every change / replay at start. */
int state_save(struct daemon *d);
int state_load(struct daemon *d);

/* Tear down every port and bridge (SIGTERM). */
void daemon_clear(struct daemon *d);

struct bridge *daemon_find_bridge(struct daemon *d, const char *name);
struct daemon_port *daemon_find_port(struct daemon *d, const char *name);

#endif
