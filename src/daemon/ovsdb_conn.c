/* SPDX-License-Identifier: MIT */
/* An OVSDB client session on the control thread's loop (ovsdb_conn.h). */
#include "daemon/ovsdb_conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/log.h"

LOG_MODULE("ovsdb");

#define CONNECT_TIMEOUT_MS 5000
#define PROBE_IDLE_MS 5000
#define PROBE_DEAD_MS 10000
#define BACKOFF_MAX_S 8
#define OUT_MAX (64u << 20)

const char *ovsdb_conn_state_name(enum ovsdb_conn_state s)
{
	static const char *const names[] = { "idle", "connecting", "connected", "backoff" };

	return (unsigned)s < 4 ? names[s] : "?";
}

const char *ovsdb_conn_remote(const struct ovsdb_conn *c)
{
	return c->nremotes ? c->remotes[c->cur].text : "";
}

static void fail_pending(struct ovsdb_conn *c)
{
	while (c->npending) {
		/* in order; a callback may add requests, which fail at once */
		ovsdb_reply_fn fn = c->pending[0].fn;
		void *arg = c->pending[0].arg;

		memmove(&c->pending[0], &c->pending[1], --c->npending * sizeof(c->pending[0]));
		if (fn)
			fn(c, NULL, arg);
	}
}

static void close_socket(struct ovsdb_conn *c)
{
	if (c->fd >= 0) {
		loop_unwatch(c->loop, c->fd);
		close(c->fd);
	}
	c->fd = -1;
	c->want_write = false;
	c->out_len = c->out_off = 0;
	jsonrpc_stream_reset(&c->in);
}

static void try_connect(struct ovsdb_conn *c);

/* The session ended (or never began): next remote, or a pause after a
 * whole round of failures. */
static void lost(struct ovsdb_conn *c, const char *why)
{
	bool was_up = c->state == OVSDB_CONN_CONNECTED, was_ready = was_up && c->ready;

	snprintf(c->last_error, sizeof(c->last_error), "%s: %s", ovsdb_conn_remote(c), why);
	if (was_up)
		log_warn("%s", c->last_error);
	else
		log_info("%s", c->last_error);
	close_socket(c);
	c->state = OVSDB_CONN_IDLE;
	c->drop_requested = false;
	fail_pending(c);
	if (was_up && c->ops->disconnected)
		c->ops->disconnected(c->arg);
	if (c->state != OVSDB_CONN_IDLE || !c->nremotes)
		return; /* a callback stopped or restarted us */
	c->cur = (c->cur + 1) % c->nremotes;
	/* a session the client never found usable (a member disconnected
	 * from its cluster) is a failure: no reconnecting in a tight loop */
	if (was_ready)
		c->failures_in_round = 0;
	if (++c->failures_in_round < c->nremotes || was_ready) {
		try_connect(c);
		return;
	}
	c->failures_in_round = 0;
	c->state = OVSDB_CONN_BACKOFF;
	c->retry_at_ms = clock_mono_ms() + c->backoff_s * 1000u;
	log_info("all %u remote(s) failed; next try in %u s", c->nremotes, c->backoff_s);
	c->backoff_s = c->backoff_s * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : c->backoff_s * 2;
}

static int flush_out(struct ovsdb_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if ((c->out_len != 0) != c->want_write) {
		c->want_write = c->out_len != 0;
		loop_want_write(c->loop, c->fd, c->want_write);
	}
	return 0;
}

static int send_json(struct ovsdb_conn *c, struct json_object *msg)
{
	const char *text = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text);
	int rc;

	if (c->out_len + len > OUT_MAX)
		return -ENOBUFS;
	if (c->out_len + len > c->out_cap) {
		size_t cap = (c->out_len + len) * 2;
		char *p = realloc(c->out, cap);

		if (!p)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out_len += len;
	log_debug("-> %s", text);
	rc = flush_out(c);
	if (rc)
		ovsdb_conn_drop(c, strerror(-rc));
	return 0;
}

int ovsdb_conn_request(struct ovsdb_conn *c, const char *method, struct json_object *params,
		       ovsdb_reply_fn fn, void *arg)
{
	struct json_object *msg;
	int rc;

	if (c->state != OVSDB_CONN_CONNECTED || c->drop_requested) {
		json_object_put(params);
		return -ENOTCONN;
	}
	if (c->npending == OVSDB_CONN_MAX_PENDING) {
		json_object_put(params);
		return -ENOSPC;
	}
	msg = jsonrpc_request(method, params, c->next_id);
	rc = send_json(c, msg);
	json_object_put(msg);
	if (rc)
		return rc;
	c->pending[c->npending].id = c->next_id++;
	c->pending[c->npending].fn = fn;
	c->pending[c->npending].arg = arg;
	c->npending++;
	return 0;
}

void ovsdb_conn_drop(struct ovsdb_conn *c, const char *reason)
{
	if (c->drop_requested)
		return;
	c->drop_requested = true;
	snprintf(c->drop_reason, sizeof(c->drop_reason), "%s", reason);
}

static void on_reply(struct ovsdb_conn *c, const struct jsonrpc_msg *m)
{
	int64_t id = jsonrpc_reply_id(m);

	for (unsigned i = 0; i < c->npending; i++)
		if (c->pending[i].id == id) {
			ovsdb_reply_fn fn = c->pending[i].fn;
			void *arg = c->pending[i].arg;

			memmove(&c->pending[i], &c->pending[i + 1], (--c->npending - i) * sizeof(c->pending[0]));
			if (fn)
				fn(c, m, arg);
			return;
		}
	/* our echo's reply ("echo" id) or a stale one: nothing waits for it */
}

static int on_message(struct json_object *msg, void *arg)
{
	struct ovsdb_conn *c = arg;
	struct jsonrpc_msg m;

	if (log_threshold >= LOG_LEVEL_DEBUG)
		log_debug("<- %.1000s", json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN));
	switch (jsonrpc_parse(msg, &m)) {
	case JSONRPC_REQUEST:
		if (!strcmp(m.method, "echo")) {
			struct json_object *r = jsonrpc_reply(json_object_get(m.params), m.id);

			send_json(c, r);
			json_object_put(r);
		} else {
			log_debug("%s: request '%s' ignored", ovsdb_conn_remote(c), m.method);
		}
		break;
	case JSONRPC_NOTIFY:
		if (c->ops->notify)
			c->ops->notify(c->arg, &m);
		break;
	case JSONRPC_REPLY:
	case JSONRPC_ERROR:
		on_reply(c, &m);
		break;
	default:
		ovsdb_conn_drop(c, "a message that is not JSON-RPC");
		break;
	}
	return c->drop_requested ? -ECONNRESET : 0;
}

static void on_readable(struct ovsdb_conn *c)
{
	char buf[65536];
	struct error e = { 0 };

	for (int i = 0; i < 64 && c->state == OVSDB_CONN_CONNECTED && !c->drop_requested; i++) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			ovsdb_conn_drop(c, n == 0 ? "connection closed by the server" : strerror(errno));
			break;
		}
		c->last_rx_ms = clock_mono_ms();
		c->echo_sent_ms = 0;
		if (jsonrpc_stream_feed(&c->in, buf, (size_t)n, on_message, c, &e) && !c->drop_requested)
			ovsdb_conn_drop(c, e.msg);
	}
}

static void established(struct ovsdb_conn *c)
{
	int one = 1;

	if (c->remotes[c->cur].addr.ss_family != AF_UNIX)
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->state = OVSDB_CONN_CONNECTED;
	c->last_rx_ms = clock_mono_ms();
	c->echo_sent_ms = 0;
	c->ready = false;
	c->connects++;
	log_info("%s: connected", ovsdb_conn_remote(c));
	if (c->ops->connected)
		c->ops->connected(c->arg);
}

void ovsdb_conn_ready(struct ovsdb_conn *c)
{
	c->ready = true;
	c->backoff_s = 1;
	c->failures_in_round = 0;
}

static void on_event(void *arg)
{
	struct ovsdb_conn *c = arg;

	if (c->state == OVSDB_CONN_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		struct pollfd p = { .fd = c->fd, .events = POLLOUT };

		if (poll(&p, 1, 0) <= 0)
			return;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
			lost(c, strerror(err ? err : errno));
			return;
		}
		loop_want_write(c->loop, c->fd, false);
		c->want_write = false;
		established(c);
	} else if (c->state == OVSDB_CONN_CONNECTED) {
		int rc = flush_out(c);

		if (rc)
			ovsdb_conn_drop(c, strerror(-rc));
		on_readable(c);
	}
	if (c->state == OVSDB_CONN_CONNECTED && c->drop_requested)
		lost(c, c->drop_reason);
}

static void try_connect(struct ovsdb_conn *c)
{
	const struct ovsdb_remote *r = &c->remotes[c->cur];
	int rc;

	c->fd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		lost(c, strerror(errno));
		return;
	}
	if ((rc = loop_watch(c->loop, c->fd, on_event, c))) {
		close(c->fd);
		c->fd = -1;
		lost(c, strerror(-rc));
		return;
	}
	c->connect_started_ms = clock_mono_ms();
	if (connect(c->fd, (const struct sockaddr *)&r->addr, r->addrlen) == 0) {
		established(c);
		if (c->drop_requested)
			lost(c, c->drop_reason);
		return;
	}
	if (errno != EINPROGRESS) {
		lost(c, strerror(errno));
		return;
	}
	c->state = OVSDB_CONN_CONNECTING;
	c->want_write = true;
	loop_want_write(c->loop, c->fd, true);
}

int ovsdb_conn_start(struct ovsdb_conn *c, struct loop *l, const struct ovsdb_remote *remotes,
		     unsigned n, const struct ovsdb_conn_ops *ops, void *arg)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->loop = l;
	c->ops = ops;
	c->arg = arg;
	c->backoff_s = 1;
	c->next_id = 1;
	if ((rc = jsonrpc_stream_init(&c->in, 0)))
		return rc;
	c->nremotes = n < OVSDB_MAX_REMOTES ? n : OVSDB_MAX_REMOTES;
	memcpy(c->remotes, remotes, c->nremotes * sizeof(*remotes));
	if (c->nremotes)
		try_connect(c);
	return 0;
}

void ovsdb_conn_stop(struct ovsdb_conn *c)
{
	c->nremotes = 0; /* lost() must not reconnect */
	close_socket(c);
	c->state = OVSDB_CONN_IDLE;
	fail_pending(c);
	jsonrpc_stream_fini(&c->in);
	free(c->out);
	c->out = NULL;
	c->out_cap = 0;
}

void ovsdb_conn_tick(struct ovsdb_conn *c)
{
	uint64_t now = clock_mono_ms();

	if (c->state == OVSDB_CONN_CONNECTED && c->drop_requested) {
		lost(c, c->drop_reason);
		return;
	}
	switch (c->state) {
	case OVSDB_CONN_CONNECTING:
		if (now - c->connect_started_ms > CONNECT_TIMEOUT_MS)
			lost(c, "connection timed out");
		break;
	case OVSDB_CONN_BACKOFF:
		if (now >= c->retry_at_ms) {
			c->state = OVSDB_CONN_IDLE;
			try_connect(c);
		}
		break;
	case OVSDB_CONN_CONNECTED:
		if (now - c->last_rx_ms > PROBE_DEAD_MS) {
			lost(c, "no answer to an echo for 5 s");
		} else if (now - c->last_rx_ms > PROBE_IDLE_MS && !c->echo_sent_ms) {
			struct json_object *echo = json_object_new_object();

			json_object_object_add(echo, "method", json_object_new_string("echo"));
			json_object_object_add(echo, "params", json_object_new_array());
			json_object_object_add(echo, "id", json_object_new_string("echo"));
			c->echo_sent_ms = now;
			send_json(c, echo);
			json_object_put(echo);
			if (c->drop_requested)
				lost(c, c->drop_reason);
		}
		break;
	default:
		break;
	}
}

bool ovsdb_conn_settle(struct ovsdb_conn *c, int timeout_ms)
{
	uint64_t end = clock_mono_ms() + (uint64_t)timeout_ms;

	while (c->state == OVSDB_CONN_CONNECTED && c->npending) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN | (c->out_len ? POLLOUT : 0) };
		uint64_t now = clock_mono_ms();

		if (now >= end)
			return false;
		if (poll(&p, 1, (int)(end - now)) > 0)
			on_event(c);
	}
	return c->npending == 0;
}
