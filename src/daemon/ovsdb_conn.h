/* SPDX-License-Identifier: MIT */
/*
 * One OVSDB client session on the control thread's loop: a non-blocking
 * unix or TCP socket to one of several remotes (the members of a Raft
 * cluster), JSON-RPC requests with a callback per reply, notifications
 * handed to the owner, the server's "echo" answered, our own echo sent
 * after 5 s of silence and the connection dropped after 10 s of it.  A
 * lost connection (or ovsdb_conn_drop(): a disconnected member, a schema we
 * cannot use) moves on to the next remote at once; after a whole round of
 * failures it waits, 1 s doubling up to 8 s, before the next round.
 *
 * Callbacks run from the loop; a callback may call ovsdb_conn_request()
 * and ovsdb_conn_drop() (the drop happens once the callback returns).
 */
#ifndef UVNET_DAEMON_OVSDB_CONN_H
#define UVNET_DAEMON_OVSDB_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/loop.h"
#include "ovsdb/jsonrpc.h"
#include "ovsdb/remote.h"

#define OVSDB_CONN_MAX_PENDING 64

enum ovsdb_conn_state { OVSDB_CONN_IDLE, OVSDB_CONN_CONNECTING, OVSDB_CONN_CONNECTED,
			OVSDB_CONN_BACKOFF };

struct ovsdb_conn;

/* A reply (or an error reply) to one request; m NULL: the connection was
 * lost before the reply came. */
typedef void (*ovsdb_reply_fn)(struct ovsdb_conn *c, const struct jsonrpc_msg *m, void *arg);

struct ovsdb_conn_ops {
	void (*connected)(void *arg);                             /* start the handshake */
	void (*notify)(void *arg, const struct jsonrpc_msg *m);   /* update, update2, ... */
	void (*disconnected)(void *arg);
};

struct ovsdb_conn {
	struct loop *loop;
	const struct ovsdb_conn_ops *ops;
	void *arg;
	struct ovsdb_remote remotes[OVSDB_MAX_REMOTES];
	unsigned nremotes, cur, failures_in_round;
	enum ovsdb_conn_state state;
	int fd;
	bool want_write;
	struct jsonrpc_stream in;
	char *out;
	size_t out_len, out_off, out_cap;
	struct { int64_t id; ovsdb_reply_fn fn; void *arg; } pending[OVSDB_CONN_MAX_PENDING];
	unsigned npending;
	int64_t next_id;
	uint64_t now_ms, connect_started_ms, last_rx_ms, echo_sent_ms, retry_at_ms;
	unsigned backoff_s;
	bool drop_requested;
	char drop_reason[160];
	char last_error[200];           /* why the last connection ended */
	unsigned connects;              /* sessions established */
	bool ready;                     /* the client found this session usable */
};

/* Start connecting to remotes[0..n) (no I/O fails here: errors end up in
 * last_error and the retries). */
int ovsdb_conn_start(struct ovsdb_conn *c, struct loop *l, const struct ovsdb_remote *remotes,
		     unsigned n, const struct ovsdb_conn_ops *ops, void *arg);
void ovsdb_conn_stop(struct ovsdb_conn *c);

/* Send a request; fn(c, reply, arg) later.  0 or -ENOTCONN, -ENOSPC. */
int ovsdb_conn_request(struct ovsdb_conn *c, const char *method, struct json_object *params,
		       ovsdb_reply_fn fn, void *arg);

/* Close this session (after the current callback) and go on with the next
 * remote; reason goes to last_error and the log. */
void ovsdb_conn_drop(struct ovsdb_conn *c, const char *reason);

/* The client found the session usable (its database loaded): only now is
 * the round of failures and the backoff reset; a session dropped before
 * (ovsdb_conn_drop) counts as a failed remote. */
void ovsdb_conn_ready(struct ovsdb_conn *c);

/* Once a second: connect timeouts, retries, the echo probe. */
void ovsdb_conn_tick(struct ovsdb_conn *c);

/* Block (outside the loop) until no request is pending or timeout_ms
 * passes: the last transaction before exit.  True if all were answered. */
bool ovsdb_conn_settle(struct ovsdb_conn *c, int timeout_ms);

const char *ovsdb_conn_state_name(enum ovsdb_conn_state s);
const char *ovsdb_conn_remote(const struct ovsdb_conn *c);

#endif
