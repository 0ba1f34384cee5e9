/* SPDX-License-Identifier: MIT */
/*
 * `uvnetd --metrics ADDR:PORT`: the counters of `uvnetctl stats` (and the
 * vrings' state of `show`) as a Prometheus scrape target, GET /metrics in
 * the text exposition format 0.0.4 (prom.h), labelled by bridge and port.
 * Off unless asked for; it listens only on the address given (an IPv4 or
 * bracketed IPv6 literal and a port).
 *
 * Served from the control thread's event loop as a reqsrv (reqsrv.h),
 * like the control socket: non-blocking, at most METRICS_MAX_CONNS
 * clients (the oldest makes room), a request head of at most
 * METRICS_REQUEST_MAX bytes sent within METRICS_REQUEST_S seconds, the
 * reply taken within METRICS_REPLY_S more.  Anything but GET /metrics is
 * a 404 (another path) or 405 (another method); a head too long a 431.
 */
#ifndef UVNET_DAEMON_METRICS_H
#define UVNET_DAEMON_METRICS_H

#include <stddef.h>
#include <time.h>

#include "daemon/reqsrv.h"
#include "util/error.h"

#define METRICS_MAX_CONNS 8
#define METRICS_REQUEST_MAX 8192
#define METRICS_REQUEST_S 5
#define METRICS_REPLY_S 10

struct daemon;

struct metrics_server {
	struct reqsrv srv;
	char addr[64];
};

/* A listening TCP socket on addr ("127.0.0.1:9100", "[::1]:9100"): the
 * fd, or a negative errno with e saying why. */
int metrics_listen(const char *addr, struct error *e);
/* Serve /metrics on it from the daemon's loop. */
int metrics_start(struct metrics_server *m, struct daemon *d, const char *addr, int listen_fd,
		  struct error *e);
/* Drop clients past their deadline; about once a second. */
void metrics_expire(struct metrics_server *m, time_t now);
void metrics_stop(struct metrics_server *m);

/* The page (malloc'd, NUL-terminated, *len bytes), or NULL out of memory. */
char *metrics_render(struct daemon *d, size_t *len);

/* The response to the request head in buf[0, len) (full: the head did not
 * fit): malloc'd bytes, their count in *out_len. */
char *metrics_respond(struct daemon *d, const char *buf, size_t len, bool full, size_t *out_len);

#endif
