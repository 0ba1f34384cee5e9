/* SPDX-License-Identifier: MIT */
/* The control socket (control.h): a reqsrv of JSON requests. */
#include "daemon/control.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/verbs.h"
#include "util/log.h"

LOG_MODULE("control");

/* "PEER: WORD WORD ..." for the log (words cut to a line). */
static void log_request(const struct reqsrv_conn *c, struct json_object *req)
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
	log_info("request from %s: %s%s", c->peer, req ? line : "(not JSON)",
		 n >= sizeof(line) - 1 ? "..." : "");
}

/* A request is whole at its newline. */
static bool whole(const char *buf, size_t len, size_t seen)
{
	return memchr(buf + seen, '\n', len - seen) != NULL;
}

/* Run the request: the JSON reply and a newline. */
static char *respond(void *arg, const struct reqsrv_conn *c, size_t *len)
{
	struct json_object *req, *rep;
	struct json_tokener *tok = json_tokener_new();
	const char *text;
	char *out;

	req = tok ? json_tokener_parse_ex(tok, c->buf, (int)c->len) : NULL;
	if (tok)
		json_tokener_free(tok);
	log_request(c, req);
	rep = req ? verbs_execute(arg, req) : NULL;
	if (!rep) {
		rep = json_object_new_object();
		json_object_object_add(rep, "ok", json_object_new_boolean(false));
		json_object_object_add(rep, "error", json_object_new_string("request: not valid JSON"));
	}
	text = json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PLAIN);
	*len = strlen(text) + 1;
	out = malloc(*len);
	if (out) {
		memcpy(out, text, *len - 1);
		out[*len - 1] = '\n';
	} else {
		log_warn("could not send a reply: out of memory");
	}
	json_object_put(req);
	json_object_put(rep);
	return out;
}

static const struct reqsrv_ops control_ops = {
	.what = "control",
	.max_request = CONTROL_REQUEST_MAX - 1,
	.max_conns = CONTROL_MAX_CONNS,
	.request_s = CONTROL_REQUEST_S,
	.reply_s = CONTROL_REPLY_S,
	.whole = whole,
	.respond = respond,
};

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
	s->path = path;
	return reqsrv_start(&s->srv, &control_ops, d, &d->loop, path, listen_fd, e);
}

void control_expire(struct control_server *s, time_t now)
{
	reqsrv_expire(&s->srv, now);
}

void control_stop(struct control_server *s)
{
	bool listening = s->srv.listen_fd >= 0;

	reqsrv_stop(&s->srv);
	if (listening)
		unlink(s->path);
}
