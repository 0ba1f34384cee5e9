/* SPDX-License-Identifier: MIT */
/*
 * Unix stream sockets for vhost-user: a listening socket for server mode
 * (the back-end waits for QEMU) and a connection for client mode (the
 * back-end connects to QEMU's `server=on` socket, and reconnects).
 */
#ifndef UVNET_VHOST_VU_SOCKET_H
#define UVNET_VHOST_VU_SOCKET_H

#include <sys/types.h>

/*
 * Listen on `path` with permissions `mode`.  A stale socket file at path
 * (nobody accepts on it) is replaced; a socket some process accepts on is
 * refused (-EADDRINUSE: never take over another program's socket), and
 * so is any other kind of file (-EEXIST).  Returns the non-blocking,
 * close-on-exec fd or -errno.
 */
int vu_socket_listen(const char *path, mode_t mode);

/* Accept one connection (blocking fd, close-on-exec) or -errno. */
int vu_socket_accept(int listen_fd);

/* Connect to `path`; the blocking, close-on-exec fd or -errno. */
int vu_socket_connect(const char *path);

#endif
