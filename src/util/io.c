/* SPDX-License-Identifier: MIT */
#include "util/io.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

int io_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int io_send_some(int fd, const void *buf, size_t len, size_t *off)
{
	while (*off < len) {
		ssize_t w = send(fd, (const char *)buf + *off, len - *off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 0;
		if (w <= 0)
			return w < 0 ? -errno : -EPIPE;
		*off += (size_t)w;
	}
	return 1;
}
