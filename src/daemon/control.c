/* SPDX-License-Identifier: MIT */
#include "daemon/control.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/verbs.h"
#include "util/log.h"

LOG_MODULE("control");

struct control_conn {
	struct control_server *srv;
	int fd;
	uid_t uid;                  /* the peer, as the kernel saw it connect */
	pid_t pid;
	time_t deadline;            /* to send the request whole, then to take the reply */
	size_t len;
	char buf[CONTROL_REQUEST_MAX];
	char *out;                  /* the reply, while it is being sent */
	size_t out_len, out_off;
	bool failed;                /* the reply could not be sent */
	struct verb_takeover take;  /* a verb that goes on with the connection */
};

static time_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

/* Done with the connection: closed, or handed over to the verb that
 * takes it once its reply is out. */
static void conn_close(struct control_conn *c)
{
	struct control_server *s = c->srv;
	bool hand_over = c->take.take && !c->failed && c->out && c->out_off == c->out_len;

	loop_unwatch(&s->d->loop, c->fd);
	if (c->take.take)
		c->take.take(c->take.arg, hand_over ? c->fd : -1);
	if (!hand_over)
		close(c->fd);
	for (unsigned i = 0; i < CONTROL_MAX_CONNS; i++)
		if (s->conns[i] == c)
			s->conns[i] = NULL;
	free(c->out);
	free(c);
}

/* Send what the socket takes now.  True when the reply is all out (or
 * cannot go out: the connection is done either way). */
static bool flush_reply(struct control_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return false;
		if (w <= 0) {
			log_warn("could not send a reply: %s", w < 0 ? strerror(errno) : "closed");
			c->failed = true;
			return true;
		}
		c->out_off += (size_t)w;
	}
	return true;
}

/* The reply goes out from the loop as the client reads it; a client that
 * has not taken it within CONTROL_REPLY_S seconds loses it. */
static bool start_reply(struct control_conn *c, struct json_object *rep)
{
	const char *text = json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text);

	c->out = malloc(len + 1);
	if (!c->out) {
		log_warn("could not send a reply: out of memory");
		c->failed = true;
		return true;
	}
	memcpy(c->out, text, len);
	c->out[len] = '\n';
	c->out_len = len + 1;
	c->out_off = 0;
	if (flush_reply(c))
		return true;
	c->deadline = mono_now() + CONTROL_REPLY_S;
	return loop_want_write(&c->srv->d->loop, c->fd, true) != 0;
}

/* "uid U pid P: WORD WORD ..." for the log (words cut to a line). */
static void log_request(const struct control_conn *c, struct json_object *req)
{
	char line[512];
	size_t n = 0;

	line[0] = '\0';
	for (size_t i = 0; json_object_is_type(req, json_type_array) &&
			   i < json_object_array_length(req) && n < sizeof(line) - 1; i++) {
		const char *w = json_object_get_string(json_object_array_get_idx(req, i));
		int k = snprintf(line + n, sizeof(line) - n, "%s%s", i ? " " : "", w ? w : "null");

		if (k < 0)
			break;
		n += (size_t)k;
	}
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	log_info("request from uid %u pid %d: %s%s", (unsigned)c->uid, (int)c->pid,
		 req ? line : "(not JSON)", n >= sizeof(line) - 1 ? "..." : "");
}

/* Run the request; true when the connection is done (else its reply is
 * still on its way out). */
static bool execute(struct control_conn *c)
{
	bool done;
	struct json_object *req, *rep;
	struct json_tokener *tok = json_tokener_new();

	c->buf[c->len] = '\0';
	req = tok ? json_tokener_parse_ex(tok, c->buf, (int)c->len) : NULL;
	if (tok)
		json_tokener_free(tok);
	log_request(c, req);
	rep = req ? verbs_execute(c->srv->d, req, &c->take) : NULL;
	if (!rep) {
		rep = json_object_new_object();
		json_object_object_add(rep, "ok", json_object_new_boolean(false));
		json_object_object_add(rep, "error", json_object_new_string("request: not valid JSON"));
	}
	done = start_reply(c, rep);
	json_object_put(req);
	json_object_put(rep);
	return done;
}

/* Gather the request; run it once it is whole (a newline, or the client
 * closed its side); then send the reply as the socket takes it. */
static void on_ready(void *arg)
{
	struct control_conn *c = arg;
	ssize_t r;

	if (c->out) {
		if (flush_reply(c))
			conn_close(c);
		return;
	}
	r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r < 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)r;
	if (r == 0 || memchr(c->buf + c->len - (size_t)r, '\n', (size_t)r) ||
	    c->len == sizeof(c->buf) - 1) {
		if (execute(c))
			conn_close(c);
	}
}

/* At most one such warning a second. */
static bool may_warn(struct control_server *s)
{
	time_t now = mono_now();

	if (now == s->warned_at)
		return false;
	s->warned_at = now;
	return true;
}

static void on_accept(void *arg);

/* accept() failed for want of fds or memory: the listening socket stays
 * readable, so retrying at once would spin.  Leave it for a second. */
static void pause_accepting(struct control_server *s, int err)
{
	if (may_warn(s))
		log_warn("cannot accept a control connection: %s; trying again in 1 s", strerror(err));
	loop_unwatch(&s->d->loop, s->listen_fd);
	s->listen_paused = true;
	s->resume_at = mono_now() + 1;
}

static void resume_accepting(struct control_server *s, time_t now)
{
	int rc;

	if (!s->listen_paused || now < s->resume_at)
		return;
	rc = loop_watch(&s->d->loop, s->listen_fd, on_accept, s);
	if (rc) {
		if (may_warn(s))
			log_warn("cannot watch %s again: %s; trying again in 1 s", s->path, strerror(-rc));
		s->resume_at = now + 1;
		return;
	}
	s->listen_paused = false;
}

/* A free slot, or the oldest connection's, closed to make room. */
static unsigned free_slot(struct control_server *s)
{
	unsigned oldest = 0;

	for (unsigned i = 0; i < CONTROL_MAX_CONNS; i++) {
		if (!s->conns[i])
			return i;
		if (s->conns[i]->deadline < s->conns[oldest]->deadline)
			oldest = i;
	}
	if (may_warn(s))
		log_warn("%d control connections open: closing the oldest (uid %u pid %d) for a new one",
			 CONTROL_MAX_CONNS, (unsigned)s->conns[oldest]->uid, (int)s->conns[oldest]->pid);
	conn_close(s->conns[oldest]);
	return oldest;
}

static void on_accept(void *arg)
{
	struct control_server *s = arg;
	struct ucred cred = { .pid = 0, .uid = (uid_t)-1 };
	socklen_t clen = sizeof(cred);
	struct control_conn *c;
	unsigned slot;
	int fd, rc;

	fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			pause_accepting(s, errno);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen))
		cred = (struct ucred){ .pid = 0, .uid = (uid_t)-1 };
	slot = free_slot(s);
	c = malloc(sizeof(*c));
	if (!c) {
		log_warn("refusing a control connection: out of memory");
		close(fd);
		return;
	}
	*c = (struct control_conn){ .srv = s, .fd = fd, .uid = cred.uid, .pid = cred.pid,
				    .deadline = mono_now() + CONTROL_REQUEST_S };
	rc = loop_watch(&s->d->loop, fd, on_ready, c);
	if (rc) {
		log_warn("refusing a control connection: cannot watch it: %s", strerror(-rc));
		close(fd);
		free(c);
		return;
	}
	s->conns[slot] = c;
}

void control_expire(struct control_server *s, time_t now)
{
	unsigned dropped = 0;
	uid_t uid = 0;
	pid_t pid = 0;

	resume_accepting(s, now);
	for (unsigned i = 0; i < CONTROL_MAX_CONNS; i++)
		if (s->conns[i] && now > s->conns[i]->deadline) {
			uid = s->conns[i]->uid;
			pid = s->conns[i]->pid;
			conn_close(s->conns[i]);
			dropped++;
		}
	if (dropped)
		log_warn("dropped %u control connection(s) that sent no whole request in %d s or "
			 "did not read the reply in %d s (the last from uid %u pid %d)", dropped,
			 CONTROL_REQUEST_S, CONTROL_REPLY_S, (unsigned)uid, (int)pid);
}

/* Replace only a socket nobody listens on: not a file, not another
 * running daemon's control socket. */
static int check_path_free(const char *path, const struct sockaddr_un *sa, struct error *e)
{
	struct stat st;
	int fd, busy;

	if (lstat(path, &st))
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return error_set(e, -EEXIST, "cannot listen on %s: it exists and is not a socket", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	busy = fd >= 0 && !connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (fd >= 0)
		close(fd);
	return busy ? error_set(e, -EADDRINUSE,
				"cannot listen on %s: another uvnetd answers there (stop it, or give --control)",
				path) : 0;
}

int control_listen(const char *path, gid_t gid, struct error *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old_mask;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return error_set(e, -ENAMETOOLONG, "--control: '%s' is too long for a socket path", path);
	strcpy(sa.sun_path, path);
	if ((rc = check_path_free(path, &sa, e)))
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return error_set(e, -errno, "cannot listen on %s: %s", path, strerror(errno));
	unlink(path);
	/* born 0600: nobody else can connect between bind() and chmod() */
	old_mask = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc || (gid != (gid_t)-1 && (chown(path, (uid_t)-1, gid) || chmod(path, 0660))) ||
	    listen(fd, 128)) {
		rc = -errno;
		close(fd);
		unlink(path);
		return error_set(e, rc, "cannot listen on %s: %s", path, strerror(-rc));
	}
	return fd;
}

int control_start(struct control_server *s, struct daemon *d, const char *path, int listen_fd,
		  struct error *e)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->d = d;
	s->path = path;
	s->listen_fd = listen_fd;
	rc = loop_watch(&d->loop, listen_fd, on_accept, s);
	return rc ? error_set(e, rc, "cannot watch %s: %s", path, strerror(-rc)) : 0;
}

void control_stop(struct control_server *s)
{
	for (unsigned i = 0; i < CONTROL_MAX_CONNS; i++)
		if (s->conns[i])
			conn_close(s->conns[i]);
	if (s->listen_fd >= 0) {
		if (!s->listen_paused)
			loop_unwatch(&s->d->loop, s->listen_fd);
		close(s->listen_fd);
		unlink(s->path);
	}
	s->listen_fd = -1;
}
