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

/*
 * The same, the socket file born with `mode` (nobody else can connect
 * between bind() and a later chmod) and given to uid:gid ((uid_t)-1 /
 * (gid_t)-1: left as created) before listen(), so a connect() reaches it
 * only once it has its final owner.  -errno of the first step that failed.
 * It sets the process's umask for the bind(): no other thread of the
 * caller may make files meanwhile.
 */
int vu_socket_listen_as(const char *path, mode_t mode, uid_t uid, gid_t gid);

/* Accept one connection (blocking fd, close-on-exec) or -errno. */
int vu_socket_accept(int listen_fd);

/* Connect to `path`; the blocking, close-on-exec fd or -errno. */
int vu_socket_connect(const char *path);

/*
 * Connect without waiting: a peer whose backlog is full (-EAGAIN) cannot
 * hold the caller.  The fd is blocking afterwards, as vu_socket_connect()'s.
 * -ECONNREFUSED: a socket file nobody listens on (stale, or not listening
 * yet); -ENOENT: no file.
 */
int vu_socket_try_connect(const char *path);

#endif
