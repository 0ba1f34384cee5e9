/* SPDX-License-Identifier: MIT */
/* Request heads and responses of HTTP/1.x (http.h). */
#include "daemon/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool http_head_whole(const char *buf, size_t len, size_t seen)
{
	/* the empty line may straddle what was seen and what is new */
	for (size_t i = seen > 3 ? seen - 3 : 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return true;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return true;
	}
	return false;
}

/* A token's characters (RFC 9110 tchar), for the method. */
static bool tchar(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The field of buf[*i, len) up to a space, into out (size max): false if
 * empty, too long, or a character !ok(c) is in it. */
static bool field(const char *buf, size_t len, size_t *i, char *out, size_t max,
		  bool (*ok)(char))
{
	size_t n = 0;

	while (*i < len && buf[*i] != ' ' && buf[*i] != '\r' && buf[*i] != '\n') {
		if (!ok(buf[*i]) || n + 1 >= max)
			return false;
		out[n++] = buf[(*i)++];
	}
	out[n] = '\0';
	return n > 0;
}

/* Visible ASCII: what a request target is made of. */
static bool vchar(char c)
{
	return c > ' ' && c < 0x7f;
}

int http_parse_request(const char *buf, size_t len, struct http_request *rq)
{
	char version[16];
	size_t i = 0;

	memset(rq, 0, sizeof(*rq));
	if (!field(buf, len, &i, rq->method, sizeof(rq->method), tchar) || i >= len || buf[i++] != ' ')
		return 400;
	if (!field(buf, len, &i, rq->path, sizeof(rq->path), vchar) || rq->path[0] != '/' ||
	    i >= len || buf[i++] != ' ')
		return 400;
	if (!field(buf, len, &i, version, sizeof(version), vchar) || i >= len)
		return 400;
	if (buf[i] == '\r' && (i + 1 >= len || buf[i + 1] != '\n'))
		return 400;
	if (buf[i] != '\r' && buf[i] != '\n')
		return 400;
	if (strncmp(version, "HTTP/", 5))
		return 400;
	if (strlen(version) != 8 || version[5] != '1' || version[6] != '.' || version[7] < '0' ||
	    version[7] > '9')
		return 505;
	rq->minor = version[7] - '0';
	rq->path[strcspn(rq->path, "?")] = '\0';
	return 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

char *http_response(int status, const char *content_type, const char *body, size_t body_len,
		    size_t *len)
{
	char head[256];
	int h = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n%s\r\n",
			 status, reason(status), content_type, body_len,
			 status == 405 ? "Allow: GET\r\n" : "");
	char *out;

	if (h < 0 || (size_t)h >= sizeof(head))
		return NULL;
	out = malloc((size_t)h + body_len);
	if (!out)
		return NULL;
	memcpy(out, head, (size_t)h);
	memcpy(out + h, body, body_len);
	*len = (size_t)h + body_len;
	return out;
}
