/* SPDX-License-Identifier: MIT */
/*
 * vhost-user message transport: one message (header, payload, passed file
 * descriptors) in or out of a unix stream socket, and validation of a
 * received message's size and descriptor count against its request.
 */
#ifndef UVNET_VHOST_VU_MSG_H
#define UVNET_VHOST_VU_MSG_H

#include <stddef.h>
#include <stdint.h>

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

/*
 * A message read a piece at a time from a non-blocking loop: whatever the
 * socket holds is taken, nothing waits for the rest, so a peer that sends
 * half a message holds only its own connection.
 */
struct vu_msg_reader {
	struct vu_msg msg;
	size_t have;                /* bytes of header + payload so far */
	uint64_t started_ms;        /* CLOCK_MONOTONIC when its first byte came */
};

void vu_msg_reader_init(struct vu_msg_reader *r);
/* Forget a partial message (closing the fds it brought). */
void vu_msg_reader_reset(struct vu_msg_reader *r);

/*
 * Read what the socket holds without blocking (never past the end of the
 * message).  1: r->msg is whole, its fds now the caller's, and r is ready
 * for the next one; 0: not whole yet (call again when readable);
 * -ECONNRESET when the peer closed between messages ("peer closed the
 * connection"); another negative errno with e saying why (a truncated message, more than VHOST_USER_MAX_FDS fds,
 * fds lost because this process is out of them, an oversized payload).
 * On error no fd is left open.
 */
int vu_msg_read(int sock, struct vu_msg_reader *r, struct error *e);

/* How long a started message has been waiting for its end (ms; 0: none). */
uint64_t vu_msg_reader_waiting_ms(const struct vu_msg_reader *r);

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
