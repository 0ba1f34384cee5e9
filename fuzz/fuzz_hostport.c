/* SPDX-License-Identifier: MIT */
/*
 * `uvnetd --metrics ADDR:PORT` (util/parse.h's parse_hostport) on any
 * string.  Checks: no read past the string (its own allocation); an
 * accepted address is IPv4 or IPv6 with a port from 1 to 65535, and the
 * text it came from is that address printed back (no names, no scope, no
 * other spellings).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage ss;
	char *s = malloc(size + 1), host[INET6_ADDRSTRLEN], back[INET6_ADDRSTRLEN + 16];
	unsigned len, port;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (parse_hostport(s, &ss, &len)) {
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
			port = ntohs(a->sin_port);
			snprintf(back, sizeof(back), "%s:%u", host, port);
			if (len != sizeof(*a) || strcmp(back, s))
				abort();
		} else if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
			struct in6_addr again;

			port = ntohs(a->sin6_port);
			/* IPv6 has several spellings: the text must at least parse to it */
			if (len != sizeof(*a) || s[0] != '[' || !strchr(s, ']') ||
			    (*strchr(s, ']') = '\0', inet_pton(AF_INET6, s + 1, &again) != 1) ||
			    memcmp(&again, &a->sin6_addr, sizeof(again)))
				abort();
		} else {
			abort();
		}
		if (port < 1 || port > 65535)
			abort();
	}
	free(s);
	return 0;
}
