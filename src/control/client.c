/* SPDX-License-Identifier: MIT */
#include "control/client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static int connect_to(const char *path, struct error *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CONTROL_TIMEOUT_S };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return error_set(e, -ENAMETOOLONG, "--control: '%s' is too long for a socket path", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int rc = -errno;

		if (fd >= 0)
			close(fd);
		return error_set(e, rc, "cannot connect to %s: %s (is uvnetd running?)", path,
				 strerror(-rc));
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EPIPE;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The full reply buffer *buf twice as large, up to CONTROL_REPLY_MAX;
 * past that it is freed and -EMSGSIZE set in e. */
static int grow_reply(char **buf, size_t *cap, const char *path, struct error *e)
{
	char *bigger = *cap < CONTROL_REPLY_MAX ? realloc(*buf, *cap * 2) : NULL;

	if (!bigger) {
		free(*buf);
		return error_set(e, -EMSGSIZE, "the reply from %s is over %u bytes", path,
				 CONTROL_REPLY_MAX);
	}
	*buf = bigger;
	*cap *= 2;
	return 0;
}

/* Read up to EOF; the reply is one line of JSON. */
static int recv_reply(int fd, char **out, const char *path, struct error *e)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);

	if (!buf)
		return error_set(e, -ENOMEM, "out of memory");
	for (;;) {
		ssize_t r;

		if (len + 1 == cap && grow_reply(&buf, &cap, path, e))
			return e->code;
		r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int rc = -errno;

			free(buf);
			return error_set(e, rc, "reading the reply from %s: %s", path,
					 rc == -EAGAIN ? "no answer in time" : strerror(-rc));
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* Connect, send the words and a newline; the connected fd or -errno. */
static int send_request(const char *socket_path, struct json_object *words, struct error *e)
{
	const char *text = json_object_to_json_string_ext(words, JSON_C_TO_STRING_PLAIN);
	int fd, rc;

	fd = connect_to(socket_path, e);
	if (fd < 0)
		return fd;
	rc = send_all(fd, text, strlen(text));
	if (!rc)
		rc = send_all(fd, "\n", 1);
	if (rc) {
		close(fd);
		return error_set(e, rc, "sending the request to %s: %s", socket_path, strerror(-rc));
	}
	return fd;
}

/* The reply's "result" (the caller's reference), or why not. */
static int parse_reply(const char *buf, const char *socket_path, struct json_object **result,
		       struct error *e)
{
	struct json_object *rep = json_tokener_parse(buf), *okv, *res, *msg;
	int rc;

	if (!rep || !json_object_object_get_ex(rep, "ok", &okv)) {
		json_object_put(rep);
		return error_set(e, -EPROTO, "no valid reply from uvnetd on %s", socket_path);
	}
	if (!json_object_get_boolean(okv)) {
		rc = error_set(e, -EREMOTEIO, "%s",
			       json_object_object_get_ex(rep, "error", &msg) ? json_object_get_string(msg)
									: "uvnetd refused the request");
		json_object_put(rep);
		return rc;
	}
	*result = json_object_object_get_ex(rep, "result", &res) ? json_object_get(res)
								  : json_object_new_object();
	json_object_put(rep);
	return 0;
}

int control_request(const char *socket_path, struct json_object *words,
		    struct json_object **result, struct error *e)
{
	char *buf = NULL;
	int fd, rc;

	*result = NULL;
	fd = send_request(socket_path, words, e);
	if (fd < 0)
		return fd;
	shutdown(fd, SHUT_WR);
	rc = recv_reply(fd, &buf, socket_path, e);
	close(fd);
	if (rc)
		return rc;
	rc = parse_reply(buf, socket_path, result, e);
	free(buf);
	return rc;
}

/* Read the reply line and nothing after it: peek, then take up to the
 * newline.  A reply line longer than CONTROL_REPLY_MAX is refused. */
static int recv_line(int fd, char **out, const char *path, struct error *e)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf)
		return error_set(e, -ENOMEM, "out of memory");
	for (;;) {
		ssize_t r;
		char *nl;

		if (len + 1 == cap && grow_reply(&buf, &cap, path, e))
			return e->code;
		r = recv(fd, buf + len, cap - 1 - len, MSG_PEEK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int rc = r < 0 ? -errno : -EPROTO;

			free(buf);
			return error_set(e, rc, "reading the reply from %s: %s", path,
					 r == 0 ? "closed before it was whole" : strerror(-rc));
		}
		nl = memchr(buf + len, '\n', (size_t)r);
		r = nl ? nl - (buf + len) + 1 : r;
		if (recv(fd, buf + len, (size_t)r, 0) != r) {
			free(buf);
			return error_set(e, -EIO, "reading the reply from %s: %s", path, strerror(errno));
		}
		len += (size_t)r;
		if (nl)
			break;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int control_request_stream(const char *socket_path, struct json_object *words,
			   struct json_object **result, int *fd_out, struct error *e)
{
	struct timeval forever = { 0 };
	char *buf = NULL;
	int fd, rc;

	*result = NULL;
	fd = send_request(socket_path, words, e);
	if (fd < 0)
		return fd;
	rc = recv_line(fd, &buf, socket_path, e);
	if (!rc)
		rc = parse_reply(buf, socket_path, result, e);
	free(buf);
	if (rc) {
		close(fd);
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &forever, sizeof(forever));
	*fd_out = fd;
	return 0;
}

int control_requestv(const char *socket_path, struct json_object **result, struct error *e,
		     const char *word, ...)
{
	struct json_object *words = json_object_new_array();
	va_list ap;
	int rc;

	va_start(ap, word);
	for (const char *w = word; w; w = va_arg(ap, const char *))
		json_object_array_add(words, json_object_new_string(w));
	va_end(ap);
	rc = control_request(socket_path, words, result, e);
	json_object_put(words);
	return rc;
}
