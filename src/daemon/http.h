/* SPDX-License-Identifier: MIT */
/*
 * The little HTTP/1.x a metrics endpoint needs: find the end of a request
 * head, read its request line strictly, and build a whole response.  One
 * request per connection, always answered with "Connection: close"; no
 * body is read.  Input is hostile: every length is bounded, a request
 * line with anything but visible ASCII in its fields is a 400.
 */
#ifndef UVNET_DAEMON_HTTP_H
#define UVNET_DAEMON_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_METHOD_MAX 16
#define HTTP_TARGET_MAX 1024

struct http_request {
	char method[HTTP_METHOD_MAX];    /* "GET" */
	char path[HTTP_TARGET_MAX];      /* the target without its ?query */
	int minor;                       /* HTTP/1.minor */
};

/* Is the head in buf[0, len) whole (an empty line: CRLF CRLF, or LF LF)?
 * buf[0, seen) was looked at before. */
bool http_head_whole(const char *buf, size_t len, size_t seen);

/*
 * Read the request line at the start of buf[0, len): METHOD SP
 * origin-form-target SP HTTP/1.x, ended by CRLF or LF.  0, or the status
 * to answer: 400 (malformed; too long a method or target), 505 (not
 * HTTP/1.x).
 */
int http_parse_request(const char *buf, size_t len, struct http_request *rq);

/*
 * A whole response (malloc'd, its length in *len): status line, Content-
 * Type, Content-Length, Connection: close, Allow: GET for a 405, the body.
 * NULL when out of memory.
 */
char *http_response(int status, const char *content_type, const char *body, size_t body_len,
		    size_t *len);

#endif
