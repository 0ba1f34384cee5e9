/* SPDX-License-Identifier: MIT */
/*
 * The control socket: uvnetctl and uvnet-vm connect, send one request (a
 * JSON array of words and a newline, or EOF), get one JSON reply, and the
 * connection closes.  Connections are non-blocking and buffered in the
 * event loop, so a slow or silent client holds only its own connection:
 * one that has not sent a whole request within CONTROL_REQUEST_S seconds,
 * or not read its reply within CONTROL_REPLY_S more (the reply goes out
 * as the socket takes it, never with a blocking send), is dropped, and at most CONTROL_MAX_CONNS are open at once: when the
 * table is full, a new connection takes the place of the oldest one, so
 * clients that connect and say nothing cannot lock an operator out.
 *
 * Who may connect is the socket file's business: mode 0600 (root), or 0660
 * with --control-group.  Every request is logged with the peer's uid and
 * pid (SO_PEERCRED).  When accept() fails (out of fds) the listening
 * socket is left alone for a second instead of being retried at once.
 */
#ifndef UVNET_DAEMON_CONTROL_H
#define UVNET_DAEMON_CONTROL_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "util/error.h"

#define CONTROL_MAX_CONNS 64
#define CONTROL_REQUEST_MAX 65536   /* bytes in one request */
#define CONTROL_REQUEST_S 2         /* to send it whole */
#define CONTROL_REPLY_S 2           /* for the reply to leave */

struct daemon;
struct control_conn;

struct control_server {
	struct daemon *d;
	const char *path;
	int listen_fd;
	bool listen_paused;         /* accept failed: not watched until resume_at */
	time_t resume_at;
	time_t warned_at;           /* last "refusing" / "evicting" warning */
	struct control_conn *conns[CONTROL_MAX_CONNS];
};

/* Listen on path: mode 0600, or 0660 with group gid (gid -1: none); an
 * old socket file nobody answers on is replaced.  The fd. */
int control_listen(const char *path, gid_t gid, struct error *e);
/* Serve requests on it from the daemon's loop. */
int control_start(struct control_server *s, struct daemon *d, const char *path, int listen_fd,
		  struct error *e);
/* Drop connections past their deadline; call about once a second. */
void control_expire(struct control_server *s, time_t now);
void control_stop(struct control_server *s);

#endif
