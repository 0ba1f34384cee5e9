/* SPDX-License-Identifier: MIT */
/*
 * OVSDB remotes as OVS and OVN spell them: "tcp:IP:PORT" (IPv6 in
 * brackets) or "unix:PATH", several separated by commas (the members of a
 * Raft cluster).  Pure parsing.
 */
#ifndef UVNET_OVSDB_REMOTE_H
#define UVNET_OVSDB_REMOTE_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "util/error.h"

#define OVSDB_MAX_REMOTES 8
#define OVSDB_REMOTE_TEXT 128

struct ovsdb_remote {
	char text[OVSDB_REMOTE_TEXT];      /* as given */
	struct sockaddr_storage addr;      /* AF_INET, AF_INET6 or AF_UNIX */
	socklen_t addrlen;
};

/* Parse a comma-separated list into r[0..*n); -EINVAL naming the bad one. */
int ovsdb_remotes_parse(const char *s, struct ovsdb_remote *r, unsigned max, unsigned *n,
			struct error *e);

#endif
