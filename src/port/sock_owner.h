/* SPDX-License-Identifier: MIT */
/*
 * Who may connect to a socket a port listens on: owner=USER, group=GROUP
 * and perm=OCTAL of a vhost-user port in server mode (libvirt runs QEMU
 * as libvirt-qemu, which must be able to connect).  Applied each time the
 * socket is made (vhost/vu_socket.h: born with perm, given to owner:group
 * before it listens).
 */
#ifndef UVNET_PORT_SOCK_OWNER_H
#define UVNET_PORT_SOCK_OWNER_H

#include <stdbool.h>
#include <sys/types.h>

#include "port/port_opts.h"
#include "util/error.h"

#define SOCK_OWNER_DEFAULT_MODE 0600

struct sock_owner {
	uid_t uid;      /* (uid_t)-1: uvnetd's */
	gid_t gid;      /* (gid_t)-1: uvnetd's */
	unsigned mode;  /* permission bits, at most 0777 */
};

/*
 * Read owner=, group= and perm= from o (names looked up now, or decimal
 * ids; perm 1-4 octal digits, at most 0777; default root's, 0600).  A port
 * that does not listen (server false) refuses each of them by name.
 */
int sock_owner_parse(struct port_opts *o, bool server, struct sock_owner *out, struct error *e);

#endif
