/* SPDX-License-Identifier: MIT */
/* One request, one reply, per connection, in the event loop (reqsrv.h). */
#include "daemon/reqsrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/io.h"
#include "util/log.h"

LOG_MODULE("reqsrv");

/* Done with the connection: closed, or handed over to the taker its
 * reply named once that reply is out. */
static void conn_close(struct reqsrv_conn *c)
{
	struct reqsrv *s = c->srv;
	bool hand_over = c->take.take && !c->failed && c->out && c->out_off == c->out_len;

	loop_unwatch(s->loop, c->fd);
	if (c->take.take)
		c->take.take(c->take.arg, hand_over ? c->fd : -1);
	if (!hand_over)
		close(c->fd);
	for (unsigned i = 0; i < s->ops->max_conns; i++)
		if (s->conns[i] == c)
			s->conns[i] = NULL;
	free(c->out);
	free(c);
}

/* Send what the socket takes now.  True when the reply is all out (or
 * cannot go out: the connection is done either way). */
static bool flush_reply(struct reqsrv_conn *c)
{
	int rc = io_send_some(c->fd, c->out, c->out_len, &c->out_off);

	if (rc < 0) {
		log_warn("%s: could not send a reply to %s: %s", c->srv->ops->what, c->peer,
			 strerror(-rc));
		c->failed = true;
	}
	return rc != 0;
}

/* Answer the whole request; true when the connection is done (else its
 * reply goes out from the loop as the client reads it). */
static bool answer(struct reqsrv_conn *c)
{
	struct reqsrv *s = c->srv;

	c->buf[c->len] = '\0';
	c->out = s->ops->respond(s->arg, c, &c->out_len);
	if (!c->out || flush_reply(c))
		return true;
	c->deadline = clock_coarse_s() + s->ops->reply_s;
	return loop_want_write(s->loop, c->fd, true) != 0;
}

/* Gather the request; answer it once it is whole (the ops say so, the
 * client closed its side, or the buffer is full); then send the reply as
 * the socket takes it. */
static void on_ready(void *arg)
{
	struct reqsrv_conn *c = arg;
	size_t max = c->srv->ops->max_request;
	ssize_t r;

	if (c->out) {
		if (flush_reply(c))
			conn_close(c);
		return;
	}
	r = recv(c->fd, c->buf + c->len, max - c->len, 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r < 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)r;
	if ((r == 0 || c->len == max || c->srv->ops->whole(c->buf, c->len, c->len - (size_t)r)) &&
	    answer(c))
		conn_close(c);
}

/* At most one such warning a second. */
static bool may_warn(struct reqsrv *s)
{
	time_t now = clock_coarse_s();

	if (now == s->warned_at)
		return false;
	s->warned_at = now;
	return true;
}

static void on_accept(void *arg);

/* accept() failed for want of fds or memory: the listening socket stays
 * readable, so retrying at once would spin.  Leave it for a second. */
static void pause_accepting(struct reqsrv *s, int err)
{
	if (may_warn(s))
		log_warn("cannot accept a %s connection: %s; trying again in 1 s", s->ops->what,
			 strerror(err));
	loop_unwatch(s->loop, s->listen_fd);
	s->listen_paused = true;
	s->resume_at = clock_coarse_s() + 1;
}

static void resume_accepting(struct reqsrv *s, time_t now)
{
	int rc;

	if (!s->listen_paused || now < s->resume_at)
		return;
	rc = loop_watch(s->loop, s->listen_fd, on_accept, s);
	if (rc) {
		if (may_warn(s))
			log_warn("cannot watch %s again: %s; trying again in 1 s", s->name, strerror(-rc));
		s->resume_at = now + 1;
		return;
	}
	s->listen_paused = false;
}

/* A free slot, or the oldest connection's, closed to make room. */
static unsigned free_slot(struct reqsrv *s)
{
	unsigned oldest = 0;

	for (unsigned i = 0; i < s->ops->max_conns; i++) {
		if (!s->conns[i])
			return i;
		if (s->conns[i]->deadline < s->conns[oldest]->deadline)
			oldest = i;
	}
	if (may_warn(s))
		log_warn("%u %s connections open: closing the oldest (%s) for a new one",
			 s->ops->max_conns, s->ops->what, s->conns[oldest]->peer);
	conn_close(s->conns[oldest]);
	return oldest;
}

/* Who is at the other end: the kernel's word for a unix socket (uid and
 * pid), the address for a TCP one. */
static void describe_peer(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	struct ucred cred;
	socklen_t clen = sizeof(cred);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 && ss.ss_family == AF_UNIX) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen))
			cred = (struct ucred){ .pid = 0, .uid = (uid_t)-1 };
		snprintf(buf, len, "uid %u pid %d", (unsigned)cred.uid, (int)cred.pid);
		return;
	}
	sl = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 && ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "%s port %u", host, ntohs(a->sin6_port));
	} else if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s port %u", host, ntohs(a->sin_port));
	} else {
		snprintf(buf, len, "an unknown peer");
	}
}

static void on_accept(void *arg)
{
	struct reqsrv *s = arg;
	struct reqsrv_conn *c;
	unsigned slot;
	int fd, rc;

	fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			pause_accepting(s, errno);
		return;
	}
	slot = free_slot(s);
	c = malloc(sizeof(*c) + s->ops->max_request + 1);
	if (!c) {
		log_warn("refusing a %s connection: out of memory", s->ops->what);
		close(fd);
		return;
	}
	*c = (struct reqsrv_conn){ .srv = s, .fd = fd,
				   .deadline = clock_coarse_s() + s->ops->request_s };
	describe_peer(fd, c->peer, sizeof(c->peer));
	rc = loop_watch(s->loop, fd, on_ready, c);
	if (rc) {
		log_warn("refusing a %s connection: cannot watch it: %s", s->ops->what, strerror(-rc));
		close(fd);
		free(c);
		return;
	}
	s->conns[slot] = c;
}

void reqsrv_expire(struct reqsrv *s, time_t now)
{
	char last[REQSRV_PEER_MAX] = "";
	unsigned dropped = 0;

	resume_accepting(s, now);
	for (unsigned i = 0; i < s->ops->max_conns; i++)
		if (s->conns[i] && now > s->conns[i]->deadline) {
			memcpy(last, s->conns[i]->peer, sizeof(last));
			conn_close(s->conns[i]);
			dropped++;
		}
	if (dropped)
		log_warn("dropped %u %s connection(s) that sent no whole request in %u s or "
			 "did not read the reply in %u s (the last from %s)", dropped, s->ops->what,
			 s->ops->request_s, s->ops->reply_s, last);
}

int reqsrv_start(struct reqsrv *s, const struct reqsrv_ops *ops, void *arg, struct loop *l,
		 const char *name, int listen_fd, struct error *e)
{
	int rc;

	*s = (struct reqsrv){ .ops = ops, .arg = arg, .loop = l, .name = name,
			      .listen_fd = listen_fd };
	s->conns = calloc(ops->max_conns, sizeof(*s->conns));
	if (!s->conns)
		return error_set(e, -ENOMEM, "%s: out of memory", name);
	rc = loop_watch(l, listen_fd, on_accept, s);
	if (rc) {
		s->listen_paused = true; /* not watched: nothing to unwatch */
		return error_set(e, rc, "cannot watch %s: %s", name, strerror(-rc));
	}
	return 0;
}

void reqsrv_stop(struct reqsrv *s)
{
	for (unsigned i = 0; s->conns && i < s->ops->max_conns; i++)
		if (s->conns[i])
			conn_close(s->conns[i]);
	free(s->conns);
	s->conns = NULL;
	if (s->listen_fd >= 0) {
		if (!s->listen_paused)
			loop_unwatch(s->loop, s->listen_fd);
		close(s->listen_fd);
	}
	s->listen_fd = -1;
}
