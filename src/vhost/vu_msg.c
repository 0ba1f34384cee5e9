/* SPDX-License-Identifier: MIT */
/*
 * vhost-user message transport and validation.  A message is a 12-byte
 * header and `size` payload bytes; fds ride on the header as SCM_RIGHTS.
 * Everything the peer sends is checked before anyone looks at it.
 */
#include "util/clock.h"
#include "vhost/vu_msg.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

void vu_msg_close_fds(struct vu_msg *msg)
{
	for (unsigned i = 0; i < msg->nfds; i++)
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
	msg->nfds = 0;
}

int vu_msg_take_fd(struct vu_msg *msg, unsigned i)
{
	int fd;

	if (i >= msg->nfds)
		return -1;
	fd = msg->fds[i];
	msg->fds[i] = -1;
	return fd;
}

static void collect_fds(struct msghdr *mh, struct vu_msg *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		unsigned n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int fds[VHOST_USER_MAX_FDS];

		memcpy(fds, CMSG_DATA(c), n * sizeof(int));
		for (unsigned i = 0; i < n; i++)
			msg->fds[msg->nfds++] = fds[i];
	}
}

int vu_msg_recv(int sock, struct vu_msg *msg, struct error *e)
{
	char control[CMSG_SPACE(VHOST_USER_MAX_FDS * sizeof(int))];
	struct iovec iov = { &msg->m.hdr, sizeof(msg->m.hdr) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	ssize_t n;

	msg->nfds = 0;
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n == 0)
		return error_set(e, -ECONNRESET, "peer closed the connection");
	if (n < 0)
		return error_set(e, -errno, "reading a message header: %s", strerror(errno));
	collect_fds(&mh, msg);
	if (mh.msg_flags & MSG_CTRUNC) {
		vu_msg_close_fds(msg);
		return error_set(e, -EPROTO, "more than 8 file descriptors in one message");
	}
	if ((size_t)n < sizeof(msg->m.hdr)) {
		vu_msg_close_fds(msg);
		return error_set(e, -EPROTO, "truncated message header");
	}
	if (msg->m.hdr.size > sizeof(msg->m.payload)) {
		vu_msg_close_fds(msg);
		return error_set(e, -EMSGSIZE, "%s payload of %u bytes exceeds %zu",
				 vhost_user_request_name(msg->m.hdr.request), msg->m.hdr.size,
				 sizeof(msg->m.payload));
	}
	if (msg->m.hdr.size) {
		n = recv(sock, &msg->m.payload, msg->m.hdr.size, MSG_WAITALL);
		if (n != (ssize_t)msg->m.hdr.size) {
			vu_msg_close_fds(msg);
			return error_set(e, -EPROTO, "truncated message payload");
		}
	}
	return 0;
}

void vu_msg_reader_init(struct vu_msg_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void vu_msg_reader_reset(struct vu_msg_reader *r)
{
	if (r->have) /* a whole message's fds were handed over */
		vu_msg_close_fds(&r->msg);
	vu_msg_reader_init(r);
}

uint64_t vu_msg_reader_waiting_ms(const struct vu_msg_reader *r)
{
	return r->have ? clock_mono_ms() - r->started_ms : 0;
}

/* fds that came with this piece; false if they do not fit or were lost. */
static bool take_fds(struct msghdr *mh, struct vu_msg *msg, struct error *e)
{
	bool over = false;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		unsigned n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int fds[VHOST_USER_MAX_FDS];

		memcpy(fds, CMSG_DATA(c), n * sizeof(int));
		for (unsigned i = 0; i < n; i++) {
			if (msg->nfds < VHOST_USER_MAX_FDS)
				msg->fds[msg->nfds++] = fds[i];
			else {
				close(fds[i]);
				over = true;
			}
		}
	}
	if (over || (mh->msg_flags & MSG_CTRUNC)) {
		/* The kernel also truncates when it cannot install an fd here */
		error_set(e, -EPROTO, "%s", msg->nfds >= VHOST_USER_MAX_FDS || over
			  ? "more than 8 file descriptors in one message"
			  : "file descriptors lost: uvnetd is out of fds (RLIMIT_NOFILE)");
		return false;
	}
	return true;
}

int vu_msg_read(int sock, struct vu_msg_reader *r, struct error *e)
{
	const size_t hlen = sizeof(r->msg.m.hdr);

	for (;;) {
		char control[CMSG_SPACE(VHOST_USER_MAX_FDS * sizeof(int))];
		size_t need = r->have < hlen ? hlen : hlen + r->msg.m.hdr.size;
		/* the payload does not follow the packed header at once */
		struct iovec iov = { r->have < hlen ? (uint8_t *)&r->msg.m.hdr + r->have
						    : (uint8_t *)&r->msg.m.payload + (r->have - hlen),
				     need - r->have };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = control, .msg_controllen = sizeof(control),
		};
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		bool fds_ok;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0) {
			int err = -errno;

			vu_msg_reader_reset(r);
			return error_set(e, err, "reading a message: %s", strerror(-err));
		}
		if (n == 0) {
			bool mid = r->have != 0;
			const char *what = r->have < hlen ? "header" : "payload";

			vu_msg_reader_reset(r);
			return mid ? error_set(e, -EPROTO, "truncated message %s", what)
				   : error_set(e, -ECONNRESET, "peer closed the connection");
		}
		if (!r->have) {
			r->started_ms = clock_mono_ms();
			r->msg.nfds = 0;
		}
		r->have += (size_t)n;
		fds_ok = take_fds(&mh, &r->msg, e);
		if (!fds_ok) {
			vu_msg_reader_reset(r);
			return -EPROTO;
		}
		if (r->have == hlen && r->msg.m.hdr.size > sizeof(r->msg.m.payload)) {
			uint32_t request = r->msg.m.hdr.request, size = r->msg.m.hdr.size;

			vu_msg_reader_reset(r);
			return error_set(e, -EMSGSIZE, "%s payload of %u bytes exceeds %zu",
					 vhost_user_request_name(request), size,
					 sizeof(r->msg.m.payload));
		}
		if (r->have >= hlen && r->have == hlen + r->msg.m.hdr.size) {
			r->have = 0;
			return 1;
		}
	}
}

int vu_msg_send(int sock, const struct vhost_user_msg *m, const int *fds,
		unsigned nfds)
{
	char control[CMSG_SPACE(VHOST_USER_MAX_FDS * sizeof(int))] = { 0 };
	struct iovec iov[2] = {
		{ (void *)&m->hdr, sizeof(m->hdr) },
		{ (void *)&m->payload, m->hdr.size },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	if (nfds > VHOST_USER_MAX_FDS || m->hdr.size > sizeof(m->payload))
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
	return n == (ssize_t)(iov[0].iov_len + iov[1].iov_len) ? 0 : -EPIPE;
}

/* Payload size and fds each request must carry; -1 = checked elsewhere. */
struct shape {
	int size;
	int fds;
};

static struct shape request_shape(const struct vu_msg *msg)
{
	const union vhost_user_payload *p = &msg->m.payload;

	switch (msg->m.hdr.request) {
	case VHOST_USER_GET_FEATURES:
	case VHOST_USER_GET_PROTOCOL_FEATURES:
	case VHOST_USER_GET_QUEUE_NUM:
	case VHOST_USER_SET_OWNER:
	case VHOST_USER_RESET_OWNER:
	case VHOST_USER_RESET_DEVICE:
	case VHOST_USER_GET_STATUS:
	case VHOST_USER_GET_MAX_MEM_SLOTS:
		return (struct shape){ 0, 0 };
	case VHOST_USER_SET_FEATURES:
	case VHOST_USER_SET_PROTOCOL_FEATURES:
	case VHOST_USER_SET_STATUS:
	case VHOST_USER_NET_SET_MTU:
	case VHOST_USER_SEND_RARP:
		return (struct shape){ 8, 0 };
	case VHOST_USER_SET_LOG_FD:
		return (struct shape){ -1, 1 };
	case VHOST_USER_SET_BACKEND_REQ_FD:
		return (struct shape){ -1, 1 };
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		if (msg->m.hdr.size != 8)
			return (struct shape){ 8, -1 };
		return (struct shape){ 8, p->u64 & VHOST_USER_VRING_NOFD ? 0 : 1 };
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_GET_VRING_BASE:
	case VHOST_USER_SET_VRING_ENABLE:
		return (struct shape){ sizeof(struct vhost_vring_state), 0 };
	case VHOST_USER_SET_VRING_ADDR:
		return (struct shape){ sizeof(struct vhost_vring_addr), 0 };
	case VHOST_USER_SET_LOG_BASE:
		return (struct shape){ sizeof(struct vhost_user_log), 1 };
	case VHOST_USER_SET_MEM_TABLE:
		if (msg->m.hdr.size < 8)
			return (struct shape){ 8, -1 };
		return (struct shape){
			(int)(8 + p->memory.nregions * sizeof(struct vhost_user_region)),
			(int)p->memory.nregions,
		};
	case VHOST_USER_GET_CONFIG:
	case VHOST_USER_SET_CONFIG:
		if (msg->m.hdr.size < 12 || p->config.size > VHOST_USER_CONFIG_MAX)
			return (struct shape){ 12 + VHOST_USER_CONFIG_MAX + 1, 0 }; /* never matches */
		return (struct shape){ (int)(12 + p->config.size), 0 };
	default:
		return (struct shape){ -1, -1 };
	}
}

int vu_msg_validate(const struct vu_msg *msg, struct error *e)
{
	const char *name = vhost_user_request_name(msg->m.hdr.request);
	struct shape s = request_shape(msg);

	if ((msg->m.hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION)
		return error_set(e, -EINVAL, "%s: protocol version %u, expected 1", name,
				 msg->m.hdr.flags & VHOST_USER_VERSION_MASK);
	if (msg->m.hdr.request == VHOST_USER_SET_MEM_TABLE && msg->m.hdr.size >= 8 &&
	    (msg->m.payload.memory.nregions == 0 ||
	     msg->m.payload.memory.nregions > VHOST_USER_MAX_REGIONS))
		return error_set(e, -EINVAL, "SET_MEM_TABLE: %u regions, must be 1..%d",
				 msg->m.payload.memory.nregions, VHOST_USER_MAX_REGIONS);
	if (s.size >= 0 && msg->m.hdr.size != (unsigned)s.size)
		return error_set(e, -EINVAL, "%s: payload size %u, expected %d", name,
				 msg->m.hdr.size, s.size);
	if (s.fds < 0 && s.size < 0 && msg->nfds)
		return error_set(e, -EINVAL, "%s: unexpected file descriptors", name);
	if (s.fds >= 0 && msg->nfds != (unsigned)s.fds)
		return error_set(e, -EINVAL, "%s: %u file descriptors, expected %d", name,
				 msg->nfds, s.fds);
	return 0;
}
