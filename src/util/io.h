/* SPDX-License-Identifier: MIT */
/* Writes to a file descriptor: whole, or as much as a socket takes now. */
#ifndef UVNET_UTIL_IO_H
#define UVNET_UTIL_IO_H

#include <stddef.h>

/* Write all len bytes, through EINTR and short writes: 0, or -errno
 * (-EIO if write() made no progress without saying why). */
int io_write_all(int fd, const void *buf, size_t len);

/* Send what the non-blocking socket fd takes now of buf[*off, len),
 * moving *off past it (through EINTR): 1 all is out, 0 the socket is
 * full, or -errno (-EPIPE if send() took nothing without saying why).
 * Never SIGPIPE. */
int io_send_some(int fd, const void *buf, size_t len, size_t *off);

#endif
