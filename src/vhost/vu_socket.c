/* SPDX-License-Identifier: MIT */
#include "vhost/vu_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static int make_addr(const char *path, struct sockaddr_un *sa)
{
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	strcpy(sa->sun_path, path);
	return 0;
}

/* Blocking reads and sends on a connection are bounded (a back-end
 * reads without waiting at all: vu_msg_read()). */
static void set_recv_timeout(int fd)
{
	struct timeval tv = { .tv_sec = 1 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Does some process accept on the socket at sa?  (A stale one left by a
 * process that died refuses the connection.) */
static bool socket_answers(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	bool busy;

	if (fd < 0)
		return false;
	/* non-blocking: a full backlog (EAGAIN) still means someone listens */
	busy = !connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) || errno == EAGAIN;
	close(fd);
	return busy;
}

int vu_socket_listen(const char *path, mode_t mode)
{
	return vu_socket_listen_as(path, mode, (uid_t)-1, (gid_t)-1);
}

int vu_socket_listen_as(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old_mask;
	int fd, rc = make_addr(path, &sa);

	if (rc)
		return rc;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (socket_answers(&sa))
			return -EADDRINUSE;
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The umask is the process's: no other thread may make files meanwhile
	 * (in uvnetd only the control thread makes any). */
	old_mask = umask(~mode & 0777);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (((uid != (uid_t)-1 || gid != (gid_t)-1) && lchown(path, uid, gid)) || listen(fd, 4)) {
		rc = -errno;
		close(fd);
		unlink(path);
		return rc;
	}
	return fd;
}

int vu_socket_accept(int listen_fd)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return -errno;
	set_recv_timeout(fd);
	return fd;
}

int vu_socket_try_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc = make_addr(path, &sa);

	if (rc)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* AF_UNIX completes at once or fails: never EINPROGRESS */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	set_recv_timeout(fd);
	return fd;
}

int vu_socket_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc = make_addr(path, &sa);

	if (rc)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = -errno;
		close(fd);
		return rc;
	}
	set_recv_timeout(fd);
	return fd;
}
