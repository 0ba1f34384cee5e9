/* SPDX-License-Identifier: MIT */
/*
 * virtio-user front-end: the vhost-user messages it sends and the replies
 * it reads (vu_fe_impl.h: fe_request, fe_query).
 */
#include "vhost/vu_fe_impl.h"

#include <string.h>

#include "vhost/vhost_user.h"
#include "vhost/vu_msg.h"

#define P(bit) (1ull << (bit))

/* Read the reply to `req`: `size` payload bytes into `out`. */
static int recv_reply(struct vu_fe *fe, uint32_t req, void *out, uint32_t size)
{
	struct vu_msg msg;
	struct error why;
	int rc = vu_msg_recv(fe->sock, &msg, &why);

	if (rc == -ECONNRESET)
		return fe_fail(fe, -ECONNRESET, "the back-end closed the connection (waiting for the "
			       "reply to %s)", fe_req_name(req));
	if (rc == -EAGAIN || rc == -EWOULDBLOCK)
		return fe_fail(fe, -ETIMEDOUT, "no reply to %s from the back-end", fe_req_name(req));
	if (rc)
		return fe_fail(fe, rc, "reply to %s: %s", fe_req_name(req), why.msg);
	if (msg.nfds) {
		vu_msg_close_fds(&msg);
		return fe_fail(fe, -EPROTO, "reply to %s: unexpected file descriptors", fe_req_name(req));
	}
	if (msg.m.hdr.request != req || !(msg.m.hdr.flags & VHOST_USER_REPLY) ||
	    (msg.m.hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION)
		return fe_fail(fe, -EPROTO, "expected a reply to %s, got %s with flags %#x",
			       fe_req_name(req), fe_req_name(msg.m.hdr.request), msg.m.hdr.flags);
	if (msg.m.hdr.size != size)
		return fe_fail(fe, -EPROTO, "reply to %s: %u payload bytes, expected %u", fe_req_name(req),
			       msg.m.hdr.size, size);
	memcpy(out, &msg.m.payload, size);
	return 0;
}

bool fe_reply_ack(const struct vu_fe *fe)
{
	return fe->protocol_features & P(VHOST_USER_PROTOCOL_F_REPLY_ACK);
}

/* Send a request that has no reply of its own; with REPLY_ACK, wait for
 * the back-end's status. */
int fe_request(struct vu_fe *fe, uint32_t req, const void *payload, uint32_t size,
	       const int *fds, unsigned nfds)
{
	struct vhost_user_msg m = { .hdr = { .request = req, .flags = VHOST_USER_VERSION,
					     .size = size } };
	uint64_t status;
	int rc;

	if (size)
		memcpy(&m.payload, payload, size);
	if (fe_reply_ack(fe))
		m.hdr.flags |= VHOST_USER_NEED_REPLY;
	rc = vu_msg_send(fe->sock, &m, fds, nfds);
	if (rc)
		return fe_fail(fe, rc == -ECONNRESET ? -EPIPE : rc, "sending %s: %s", fe_req_name(req),
			       strerror(-rc));
	if (!fe_reply_ack(fe))
		return 0;
	rc = recv_reply(fe, req, &status, sizeof(status));
	if (rc)
		return rc;
	if (status)
		return fe_fail(fe, -EIO, "the back-end refused %s (status %llu)", fe_req_name(req),
			       (unsigned long long)status);
	return 0;
}

int fe_request_u64(struct vu_fe *fe, uint32_t req, uint64_t v)
{
	return fe_request(fe, req, &v, sizeof(v), NULL, 0);
}

/* A request answered with a payload (GET_*). */
int fe_query(struct vu_fe *fe, uint32_t req, const void *payload, uint32_t size,
	     void *out, uint32_t out_size)
{
	struct vhost_user_msg m = { .hdr = { .request = req, .flags = VHOST_USER_VERSION,
					     .size = size } };
	int rc;

	if (size)
		memcpy(&m.payload, payload, size);
	rc = vu_msg_send(fe->sock, &m, NULL, 0);
	if (rc)
		return fe_fail(fe, rc == -ECONNRESET ? -EPIPE : rc, "sending %s: %s", fe_req_name(req),
			       strerror(-rc));
	return recv_reply(fe, req, out, out_size);
}

int fe_query_u64(struct vu_fe *fe, uint32_t req, uint64_t *out)
{
	return fe_query(fe, req, NULL, 0, out, sizeof(*out));
}
