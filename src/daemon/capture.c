/* SPDX-License-Identifier: MIT */
/*
 * Captures on the control thread (capture.h): start, the hand-over of the
 * control connection, draining the rings into it, and the end.
 */
#include "daemon/capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "control/capture_stream.h"
#include "daemon/daemon.h"
#include "switch/port_capture.h"
#include "util/clock.h"
#include "util/io.h"
#include "util/log.h"
#include "util/parse.h"

LOG_MODULE("capture");

/* Bytes buffered for a client: room for the largest message. */
#define OUT_MAX (CAPTURE_STREAM_SNAPLEN_MAX * 2)
/* Buffers' worth moved per event, so that one busy capture cannot hold
 * the control thread. */
#define DRAIN_ROUNDS 16

struct capture_conn {
	struct daemon *d;
	const struct daemon_port *dp;   /* NULL once the port is gone */
	char port[PORT_NAME_MAX];
	struct port_capture *cap;
	bool published;                 /* in its port's capture set */
	bool ending;                    /* no more frames come in: the rest, END, close */
	bool end_queued;
	enum capture_end_reason reason;
	int fd;                         /* -1 until capture_take() */
	bool watched;                   /* fd is in the loop (until the client's EOF) */
	bool want_write;
	time_t deadline;                /* ending: the client must take the rest by then */
	size_t out_len, out_off;
	uint8_t *out;
};

static void arm_tick(struct daemon *d)
{
	bool any = false;
	struct itimerspec its = { 0 };

	for (unsigned i = 0; i < CAPTURE_MAX; i++)
		any |= d->captures.c[i] != NULL;
	if (any)
		its.it_interval.tv_nsec = its.it_value.tv_nsec = CAPTURE_DRAIN_MS * 1000000L;
	timerfd_settime(d->captures.timer_fd, 0, &its, NULL);
}

/* Take the capture out of its port's set: no worker writes its rings
 * once this returns. */
static void unpublish(struct capture_conn *c)
{
	struct bridge *sw;
	struct port_capture_set *set, *old;

	if (!c->published)
		return;
	c->published = false;
	sw = c->dp->br->sw;
	set = port_capture_set_without(sw->capture[c->dp->port->index], c->cap);
	if (!set) {
		/* out of memory: the whole set goes, the other captures on the
		 * port stop seeing frames until their clients restart them */
		log_error("%s: out of memory: every capture of the port stops", c->port);
	} else if (!set->n) {
		free(set);
		set = NULL;
	}
	old = bridge_set_capture(sw, c->dp->port, set);
	worker_pool_sync(&c->d->pool);
	free(old);
}

static void conn_free(struct capture_conn *c)
{
	struct daemon *d = c->d;

	unpublish(c);
	if (c->watched)
		loop_unwatch(&d->loop, c->fd);
	if (c->fd >= 0)
		close(c->fd);
	for (unsigned i = 0; i < CAPTURE_MAX; i++)
		if (d->captures.c[i] == c)
			d->captures.c[i] = NULL;
	log_info("%s: capture closed (%s; %llu frames, %llu dropped)", c->port,
		 capture_end_reason_name(c->reason),
		 (unsigned long long)port_capture_written(c->cap),
		 (unsigned long long)port_capture_dropped(c->cap));
	port_capture_free(c->cap);
	free(c->out);
	free(c);
	arm_tick(d);
}

/* The record that came first, over every ring; its ring in *from. */
static const struct capture_rec *oldest(struct port_capture *cap, struct capture_ring **from)
{
	const struct capture_rec *best = NULL;

	for (unsigned i = 0; i < PORT_SLOTS; i++) {
		const struct capture_rec *r;

		if (!cap->ring[i] || !(r = capture_ring_peek(cap->ring[i])))
			continue;
		if (!best || r->sec < best->sec || (r->sec == best->sec && r->nsec < best->nsec)) {
			best = r;
			*from = cap->ring[i];
		}
	}
	return best;
}

/* Fill the (empty) buffer from the rings, then END once the rings of an
 * ending capture are empty.  False if there was nothing to add. */
static bool fill(struct capture_conn *c)
{
	const struct capture_rec *r;
	struct capture_ring *from = NULL;

	c->out_len = c->out_off = 0;
	while ((r = oldest(c->cap, &from)) &&
	       c->out_len + sizeof(struct capture_stream_hdr) + r->caplen <= OUT_MAX) {
		c->out_len += capture_stream_put_frame(c->out + c->out_len, r->sec, r->nsec, r->len,
						      r + 1, r->caplen);
		capture_ring_pop(from, r);
	}
	if (!r && c->ending && !c->end_queued && c->out_len + capture_stream_end_size() <= OUT_MAX) {
		c->out_len += capture_stream_put_end(c->out + c->out_len,
						    port_capture_written(c->cap),
						    port_capture_dropped(c->cap), c->reason);
		c->end_queued = true;
	}
	return c->out_len > 0;
}

static void want_write(struct capture_conn *c, bool on)
{
	if (c->watched && c->want_write != on && !loop_want_write(&c->d->loop, c->fd, on))
		c->want_write = on;
}

/* Send what the socket takes: 1 all of it, 0 it is full, -1 the client is gone. */
static int flush(struct capture_conn *c)
{
	size_t before = c->out_off;
	int rc = io_send_some(c->fd, c->out, c->out_len, &c->out_off);

	if (c->out_off != before)
		c->deadline = clock_coarse_s() + CAPTURE_LINGER_S;
	return rc < 0 ? -1 : rc;
}

/* Move frames to the client as far as the socket takes them now. */
static void drain(struct capture_conn *c)
{
	for (unsigned round = 0; round < DRAIN_ROUNDS; round++) {
		int rc = flush(c);

		if (rc < 0) {
			conn_free(c); /* the client is gone: nothing to tell it */
			return;
		}
		if (rc == 0) {
			want_write(c, true);
			return;
		}
		if (c->end_queued) {
			conn_free(c);
			return;
		}
		if (!fill(c))
			break;
	}
	want_write(c, c->out_off < c->out_len);
}

/* No more frames come in; the rest and END go out. */
static void end(struct capture_conn *c, enum capture_end_reason reason)
{
	if (c->ending)
		return;
	unpublish(c);
	c->ending = true;
	c->reason = reason;
	c->deadline = clock_coarse_s() + CAPTURE_LINGER_S;
	if (c->fd >= 0)
		drain(c);
}

/* The client wrote (EOF: it wants to stop; bytes: ignored) or the socket
 * takes more. */
static void on_conn(void *arg)
{
	struct capture_conn *c = arg;
	char junk[256];
	ssize_t r = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);

	if (r < 0 && errno != EAGAIN && errno != EINTR) {
		conn_free(c);
		return;
	}
	if (r == 0) {
		/* EOF stays readable: from now on the tick drains */
		loop_unwatch(&c->d->loop, c->fd);
		c->watched = false;
		c->want_write = false;
		end(c, CAPTURE_END_STOPPED);
		return;
	}
	drain(c);
}

static void on_tick(void *arg)
{
	struct daemon *d = arg;
	uint64_t ticks;
	time_t now = clock_coarse_s();

	if (read(d->captures.timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	for (unsigned i = 0; i < CAPTURE_MAX; i++) {
		struct capture_conn *c = d->captures.c[i];

		if (!c || c->fd < 0)
			continue;
		if (c->ending && now > c->deadline) {
			log_warn("%s: the capture client did not take the rest in %d s: closed", c->port,
				 CAPTURE_LINGER_S);
			conn_free(c);
		} else if (!c->want_write) {
			drain(c);
		}
	}
}

int capture_init(struct daemon *d, struct error *e)
{
	int rc;

	d->captures.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->captures.timer_fd < 0)
		return error_set(e, -errno, "capture timer: %s", strerror(errno));
	rc = loop_watch(&d->loop, d->captures.timer_fd, on_tick, d);
	return rc ? error_set(e, rc, "capture timer: cannot watch it: %s", strerror(-rc)) : 0;
}

void capture_fini(struct daemon *d)
{
	for (unsigned i = 0; i < CAPTURE_MAX; i++) {
		struct capture_conn *c = d->captures.c[i];

		if (!c)
			continue;
		end(c, CAPTURE_END_DAEMON_STOPPING); /* what the socket takes now */
		if (d->captures.c[i] == c)
			conn_free(c);
	}
	if (d->captures.timer_fd >= 0) {
		loop_unwatch(&d->loop, d->captures.timer_fd);
		close(d->captures.timer_fd);
	}
	d->captures.timer_fd = -1;
}

/* direction=in|out|both, snaplen=N. */
static int parse_opts(const char *const *w, unsigned n, unsigned *dir, uint32_t *snaplen,
		      struct error *e)
{
	static const char *const dirs[] = { "in", "out", "both" };
	bool seen_dir = false, seen_snap = false;
	uint64_t v;

	*dir = PORT_CAPTURE_IN | PORT_CAPTURE_OUT;
	*snaplen = PORT_CAPTURE_SNAPLEN_MAX;
	for (unsigned i = 0; i < n; i++) {
		if (!strncmp(w[i], "direction=", 10) && !seen_dir) {
			unsigned k;

			for (k = 0; k < 3 && strcmp(w[i] + 10, dirs[k]); k++)
				;
			if (k == 3)
				return error_set(e, -EINVAL, "direction: '%.64s' is not in, out or both",
						 w[i] + 10);
			*dir = k + 1; /* PORT_CAPTURE_IN, _OUT, both */
			seen_dir = true;
		} else if (!strncmp(w[i], "snaplen=", 8) && !seen_snap) {
			if (!parse_uint(w[i] + 8, 1, PORT_CAPTURE_SNAPLEN_MAX, &v))
				return error_set(e, -EINVAL, "snaplen: '%.64s' is not a number from 1 to %u",
						 w[i] + 8, PORT_CAPTURE_SNAPLEN_MAX);
			*snaplen = (uint32_t)v;
			seen_snap = true;
		} else {
			return error_set(e, -EINVAL, "%.64s: not a capture option (direction=, snaplen=), "
					 "or given twice", w[i]);
		}
	}
	return 0;
}

static int publish(struct capture_conn *c, struct error *e)
{
	struct bridge *sw = c->dp->br->sw;
	struct port_capture_set *set, *old;

	set = port_capture_set_with(sw->capture[c->dp->port->index], c->cap);
	if (!set)
		return error_set(e, -ENOSPC, "capture: %s has %d captures already (or out of memory)",
				 c->port, PORT_CAPTURE_MAX_PER_PORT);
	old = bridge_set_capture(sw, c->dp->port, set);
	worker_pool_sync(&c->d->pool);
	free(old);
	c->published = true;
	return 0;
}

static struct json_object *describe(const struct capture_conn *c, unsigned dir, uint32_t snaplen)
{
	static const char *const dirs[] = { "", "in", "out", "both" };
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "port", json_object_new_string(c->port));
	json_object_object_add(o, "direction", json_object_new_string(dirs[dir & 3]));
	json_object_object_add(o, "snaplen", json_object_new_int((int)snaplen));
	return o;
}

static unsigned free_slot(struct daemon *d)
{
	unsigned i;

	for (i = 0; i < CAPTURE_MAX && d->captures.c[i]; i++)
		;
	return i;
}

struct capture_conn *capture_start(struct daemon *d, const char *port, const char *const *opts,
				   unsigned nopts, struct json_object **result, struct error *e)
{
	const struct daemon_port *dp = daemon_find_port(d, port);
	unsigned dir, slot = free_slot(d);
	struct capture_conn *c;
	uint32_t snaplen;

	if (!dp) {
		error_set(e, -ENOENT, "port: no port named %s", port);
		return NULL;
	}
	if (parse_opts(opts, nopts, &dir, &snaplen, e))
		return NULL;
	if (slot == CAPTURE_MAX) {
		error_set(e, -ENOSPC, "capture: %d captures run already (end one)", CAPTURE_MAX);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c) {
		*c = (struct capture_conn){ .d = d, .dp = dp, .fd = -1 };
		snprintf(c->port, sizeof(c->port), "%s", port);
		c->out = malloc(OUT_MAX);
		c->cap = port_capture_new(dir, snaplen, d->pool.n, CAPTURE_RING_BYTES);
	}
	if (!c || !c->out || !c->cap) {
		if (c)
			port_capture_free(c->cap), free(c->out);
		free(c);
		error_set(e, -ENOMEM, "capture: out of memory");
		return NULL;
	}
	if (publish(c, e)) {
		port_capture_free(c->cap);
		free(c->out);
		free(c);
		return NULL;
	}
	d->captures.c[slot] = c;
	arm_tick(d);
	*result = describe(c, dir, snaplen);
	log_info("%s: capture started (%s, snaplen %u)", port,
		 json_object_get_string(json_object_object_get(*result, "direction")), snaplen);
	return c;
}

void capture_take(void *arg, int fd)
{
	struct capture_conn *c = arg;

	if (fd < 0) {
		conn_free(c);
		return;
	}
	c->fd = fd;
	if (loop_watch(&c->d->loop, fd, on_conn, c)) {
		log_warn("%s: cannot watch the capture's connection: capture closed", c->port);
		conn_free(c);
		return;
	}
	c->watched = true;
	drain(c);
}

void capture_port_removed(struct daemon *d, const struct daemon_port *dp)
{
	for (unsigned i = 0; i < CAPTURE_MAX; i++) {
		struct capture_conn *c = d->captures.c[i];

		if (!c || c->dp != dp)
			continue;
		end(c, CAPTURE_END_PORT_DELETED);
		/* end() may have freed it; if not, it outlives the port */
		if (d->captures.c[i] == c)
			c->dp = NULL;
	}
}

unsigned capture_count(const struct daemon *d, const struct daemon_port *dp)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CAPTURE_MAX; i++)
		if (d->captures.c[i] && d->captures.c[i]->dp == dp && !d->captures.c[i]->ending)
			n++;
	return n;
}
