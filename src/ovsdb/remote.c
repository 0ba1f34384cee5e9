/* SPDX-License-Identifier: MIT */
/* OVSDB remote strings (remote.h). */
#include "ovsdb/remote.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "util/parse.h"

static int parse_one(const char *s, struct ovsdb_remote *r, struct error *e)
{
	memset(r, 0, sizeof(*r));
	if (strlen(s) >= sizeof(r->text))
		return error_set(e, -EINVAL, "remote: '%.40s...' is too long", s);
	snprintf(r->text, sizeof(r->text), "%s", s);
	if (!strncmp(s, "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)&r->addr;

		if (!s[5] || strlen(s + 5) >= sizeof(un->sun_path))
			return error_set(e, -EINVAL, "remote: '%s': the socket path is empty or too long", s);
		un->sun_family = AF_UNIX;
		snprintf(un->sun_path, sizeof(un->sun_path), "%s", s + 5);
		r->addrlen = sizeof(*un);
		return 0;
	}
	if (!strncmp(s, "tcp:", 4)) {
		char host[64];
		const char *h = s + 4, *colon;
		uint64_t port;

		if (*h == '[') {
			const char *close = strchr(h, ']');

			if (!close || close[1] != ':' || (size_t)(close - h - 1) >= sizeof(host))
				return error_set(e, -EINVAL, "remote: '%s' is not tcp:[IPv6]:PORT", s);
			snprintf(host, sizeof(host), "%.*s", (int)(close - h - 1), h + 1);
			colon = close + 1;
		} else {
			colon = strrchr(h, ':');
			if (!colon || (size_t)(colon - h) >= sizeof(host))
				return error_set(e, -EINVAL, "remote: '%s' is not tcp:IP:PORT", s);
			snprintf(host, sizeof(host), "%.*s", (int)(colon - h), h);
		}
		if (!parse_uint(colon + 1, 1, 65535, &port))
			return error_set(e, -EINVAL, "remote: '%s': '%s' is not a TCP port", s, colon + 1);
		{
			struct sockaddr_in *in = (struct sockaddr_in *)&r->addr;
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&r->addr;

			if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
				in->sin_family = AF_INET;
				in->sin_port = htons((uint16_t)port);
				r->addrlen = sizeof(*in);
			} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
				in6->sin6_family = AF_INET6;
				in6->sin6_port = htons((uint16_t)port);
				r->addrlen = sizeof(*in6);
			} else {
				return error_set(e, -EINVAL, "remote: '%s': '%s' is not an IP address", s, host);
			}
		}
		return 0;
	}
	if (!strncmp(s, "ssl:", 4))
		return error_set(e, -EPROTONOSUPPORT, "remote: '%s': ssl is not supported (tcp: or unix:)", s);
	return error_set(e, -EINVAL, "remote: '%s' is not tcp:IP:PORT or unix:PATH", s);
}

int ovsdb_remotes_parse(const char *s, struct ovsdb_remote *r, unsigned max, unsigned *n,
			struct error *e)
{
	*n = 0;
	while (*s) {
		char one[OVSDB_REMOTE_TEXT + 1];
		size_t len = strcspn(s, ",");
		int rc;

		if (len == 0)
			return error_set(e, -EINVAL, "remote: an empty entry in the list");
		if (*n == max)
			return error_set(e, -E2BIG, "remote: more than %u remotes", max);
		snprintf(one, sizeof(one), "%.*s", (int)(len < OVSDB_REMOTE_TEXT ? len : OVSDB_REMOTE_TEXT),
			 s);
		if (len >= OVSDB_REMOTE_TEXT)
			return error_set(e, -EINVAL, "remote: '%.40s...' is too long", s);
		if ((rc = parse_one(one, &r[*n], e)))
			return rc;
		(*n)++;
		s += len;
		if (*s == ',' && !*++s)
			return error_set(e, -EINVAL, "remote: an empty entry in the list");
	}
	if (*n == 0)
		return error_set(e, -EINVAL, "remote: no remote given");
	return 0;
}
