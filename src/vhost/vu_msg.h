/* SPDX-License-Identifier: MIT */
/*
 * vhost-user message transport: one message (header, payload, passed file
 * descriptors) in or out of a unix stream socket, and validation of a
 * received message's size and descriptor count against its request.
 */
#ifndef UVNET_VHOST_VU_MSG_H
#define UVNET_VHOST_VU_MSG_H

#include <stddef.h>

#include "util/error.h"
#include "vhost/vhost_user.h"

struct vu_msg {
	struct vhost_user_msg m;
	int fds[VHOST_USER_MAX_FDS];
	unsigned nfds;
};

/*
 * Read one message.  Returns 0, -ECONNRESET when the peer closed the
 * socket ("peer closed the connection"), or another negative errno with e
 * saying what was wrong (oversized payload, too many fds, truncated
 * message...).  On error no fd is left open.
 */
int vu_msg_recv(int sock, struct vu_msg *msg, struct error *e);

/* Send a message with optional fds.  0 or -errno. */
int vu_msg_send(int sock, const struct vhost_user_msg *m, const int *fds,
		unsigned nfds);

/*
 * Check that the payload size and the number of fds fit the request.
 * 0, or -EINVAL with e naming the field at fault.
 */
int vu_msg_validate(const struct vu_msg *msg, struct error *e);

void vu_msg_close_fds(struct vu_msg *msg);

/* Take fd i out of the message (the caller now owns it); -1 if none. */
int vu_msg_take_fd(struct vu_msg *msg, unsigned i);

#endif
