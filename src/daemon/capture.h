/* SPDX-License-Identifier: MIT */
/*
 * uvnetctl capture, the daemon's side.  A capture request makes a
 * capture of the port (switch/port_capture.h: a ring per forwarding
 * thread, filled by the workers, never waited for) and publishes it in
 * the port's capture set; once the reply is out, the control connection
 * is handed over (capture_take) and turns into the capture stream
 * (control/capture_stream.h).  The control thread drains the rings into
 * the connection every CAPTURE_DRAIN_MS, and as soon as the socket takes
 * more, without ever blocking on it: a client that reads slowly, or not at
 * all, only makes its own capture's rings fill up and drop.
 *
 * A capture ends when the client shuts its side down or goes away (its
 * rings are unpublished at once), when its port is deleted, or when the
 * daemon stops; what is still in the rings is sent, then an END message
 * with the counts, then the connection closes.  One that does not take
 * the rest within CAPTURE_LINGER_S is closed anyway.
 */
#ifndef UVNET_DAEMON_CAPTURE_H
#define UVNET_DAEMON_CAPTURE_H

#include <json-c/json.h>
#include <stdbool.h>

#include "util/error.h"

#define CAPTURE_MAX 16                  /* at once, in the daemon */
#define CAPTURE_RING_BYTES (1u << 20)   /* per capture and forwarding thread */
#define CAPTURE_DRAIN_MS 10
#define CAPTURE_LINGER_S 2

struct daemon;
struct daemon_port;
struct capture_conn;

struct captures {
	int timer_fd;                   /* the drain tick, armed while captures run */
	struct capture_conn *c[CAPTURE_MAX];
};

int capture_init(struct daemon *d, struct error *e);
/* Every capture ends (END: the daemon is stopping); the tick stops. */
void capture_fini(struct daemon *d);

/*
 * The capture verb: PORT, then direction=in|out|both (default both) and
 * snaplen=N (1..262144, default 262144).  The capture runs from now; its
 * frames wait in its rings for capture_take().  *result describes it.
 */
struct capture_conn *capture_start(struct daemon *d, const char *port, const char *const *opts,
				   unsigned nopts, struct json_object **result, struct error *e);
/* The connection the request came on, its reply sent (fd; the capture
 * owns it now), or -1 if the reply could not be sent: the capture ends. */
void capture_take(void *conn, int fd);

/* Port dp is about to be removed: its captures end. */
void capture_port_removed(struct daemon *d, const struct daemon_port *dp);
/* How many captures run on port dp. */
unsigned capture_count(const struct daemon *d, const struct daemon_port *dp);

#endif
