/* SPDX-License-Identifier: MIT */
/* Whole writes to a file descriptor. */
#ifndef UVNET_UTIL_IO_H
#define UVNET_UTIL_IO_H

#include <stddef.h>

/* Write all len bytes, through EINTR and short writes: 0, or -errno
 * (-EIO if write() made no progress without saying why). */
int io_write_all(int fd, const void *buf, size_t len);

#endif
