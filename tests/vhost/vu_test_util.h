/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the vhost-user tests and the hostile front-end: build
 * and send raw messages (also ones vu_msg_send() refuses to send: too many
 * fds, a size field that lies), and create the memfds and eventfds a
 * front-end hands over.
 */
#ifndef UVNET_TESTS_VU_TEST_UTIL_H
#define UVNET_TESTS_VU_TEST_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vhost/vhost_user.h"

#define VU_T_MAX_RAW_FDS 16

/* sendmsg() of `len` bytes with up to 16 fds in one SCM_RIGHTS. */
static inline int vu_t_raw_send(int sock, const void *buf, size_t len, const int *fds,
				unsigned nfds)
{
	char control[CMSG_SPACE(VU_T_MAX_RAW_FDS * sizeof(int))];
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	memset(control, 0, sizeof(control));
	if (nfds > VU_T_MAX_RAW_FDS)
		return -EINVAL;
	if (nfds) {
		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EPIPE;
}

/* A header followed by `len` payload bytes, whatever hdr.size says. */
static inline int vu_t_send_lying(int sock, uint32_t req, uint32_t flags, uint32_t size,
				  const void *payload, size_t len, const int *fds, unsigned nfds)
{
	uint8_t buf[sizeof(struct vhost_user_hdr) + 4096];
	struct vhost_user_hdr h = { .request = req, .flags = flags, .size = size };

	if (len > sizeof(buf) - sizeof(h))
		return -EINVAL;
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), payload, len);
	return vu_t_raw_send(sock, buf, sizeof(h) + len, fds, nfds);
}

/* A memfd of `size` bytes (sparse, zeroed) named for /proc/self/maps. */
static inline int vu_t_memfd(const char *name, size_t size)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

#endif
