/* SPDX-License-Identifier: MIT */
/*
 * The control socket: uvnetctl and uvnet-vm connect, send one request (a
 * JSON array of words and a newline, or EOF), get one JSON reply, and the
 * connection closes.  The connections are a reqsrv's (reqsrv.h): non-
 * blocking, buffered in the event loop, dropped when a client has not
 * sent a whole request within CONTROL_REQUEST_S seconds or not read its
 * reply within CONTROL_REPLY_S more; at most CONTROL_MAX_CONNS at once,
 * the oldest making room for a new one.
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

#include "daemon/reqsrv.h"
#include "util/error.h"

#define CONTROL_MAX_CONNS 64
#define CONTROL_REQUEST_MAX 65536   /* bytes in one request */
#define CONTROL_REQUEST_S 2         /* to send it whole */
#define CONTROL_REPLY_S 2           /* for the reply to leave */

struct daemon;

struct control_server {
	struct reqsrv srv;
	const char *path;
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
