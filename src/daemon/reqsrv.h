/* SPDX-License-Identifier: MIT */
/*
 * A one-request-per-connection server in the control thread's event loop,
 * what the control socket (control.c) and the metrics endpoint (metrics.c)
 * both are: a client connects, sends one request, gets one reply, and the
 * connection closes.  Connections are non-blocking and buffered, so a
 * slow or silent client holds only its own connection: one that has not
 * sent a whole request within `request_s` seconds, or not read its reply
 * within `reply_s` more (the reply goes out as the socket takes it, never
 * with a blocking send), is dropped; a request is at most `max_request`
 * bytes; at most `max_conns` are open at once, and when the table is full
 * a new connection takes the place of the oldest, so clients that connect
 * and say nothing cannot lock anyone out.  When accept() fails (out of
 * fds) the listening socket is left alone for a second instead of being
 * retried at once.
 */
#ifndef UVNET_DAEMON_REQSRV_H
#define UVNET_DAEMON_REQSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "daemon/loop.h"
#include "util/error.h"

#define REQSRV_PEER_MAX 64

struct reqsrv_conn {
	struct reqsrv *srv;
	int fd;
	char peer[REQSRV_PEER_MAX]; /* "uid U pid P" (unix) or "ADDR port P": for logs */
	time_t deadline;            /* to send the request whole, then to take the reply */
	char *out;                  /* the reply, while it is being sent */
	size_t out_len, out_off;
	size_t len;
	char buf[];                 /* the request: max_request bytes and a NUL */
};

struct reqsrv_ops {
	const char *what;           /* "control": "a control connection" in logs */
	size_t max_request;
	unsigned max_conns;
	unsigned request_s, reply_s;
	/* Is the request in buf[0, len) whole?  buf[0, seen) was looked at
	 * before.  (It is anyway once the client shuts its side or the
	 * buffer is full.) */
	bool (*whole)(const char *buf, size_t len, size_t seen);
	/* The reply to c's request (c->buf, NUL-terminated, c->len bytes):
	 * malloc'd bytes, their count in *len; NULL: close without one. */
	char *(*respond)(void *arg, const struct reqsrv_conn *c, size_t *len);
};

struct reqsrv {
	const struct reqsrv_ops *ops;
	void *arg;
	struct loop *loop;
	const char *name;           /* what it listens on, for logs */
	int listen_fd;
	bool listen_paused;         /* accept failed: not watched until resume_at */
	time_t resume_at;
	time_t warned_at;           /* last "refusing" / "evicting" warning */
	struct reqsrv_conn **conns; /* max_conns */
};

/* Serve requests on listen_fd (non-blocking, listening; the server owns
 * it from now on, even on failure) from loop l. */
int reqsrv_start(struct reqsrv *s, const struct reqsrv_ops *ops, void *arg, struct loop *l,
		 const char *name, int listen_fd, struct error *e);
/* Drop connections past their deadline; call about once a second. */
void reqsrv_expire(struct reqsrv *s, time_t now);
/* Close every connection and the listening socket. */
void reqsrv_stop(struct reqsrv *s);

#endif
