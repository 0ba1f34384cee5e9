/* SPDX-License-Identifier: MIT */
#include "control/capture_stream.h"

#include <errno.h>
#include <string.h>

size_t capture_stream_put_frame(uint8_t *buf, int64_t sec, uint32_t nsec, uint32_t len,
				const void *data, uint32_t caplen)
{
	struct capture_stream_hdr h = { .type = CAPTURE_STREAM_FRAME, .caplen = caplen,
					.len = len, .nsec = nsec, .sec = sec };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), data, caplen);
	return sizeof(h) + caplen;
}

size_t capture_stream_end_size(void)
{
	return sizeof(struct capture_stream_hdr) + sizeof(struct capture_stream_end);
}

size_t capture_stream_put_end(uint8_t *buf, uint64_t frames, uint64_t dropped,
			      enum capture_end_reason reason)
{
	struct capture_stream_hdr h = { .type = CAPTURE_STREAM_END,
					.caplen = sizeof(struct capture_stream_end) };
	struct capture_stream_end end = { .frames = frames, .dropped = dropped,
					  .reason = (uint32_t)reason };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &end, sizeof(end));
	return capture_stream_end_size();
}

static int check(const struct capture_stream_hdr *h, struct error *e)
{
	switch (h->type) {
	case CAPTURE_STREAM_FRAME:
		if (h->caplen > CAPTURE_STREAM_SNAPLEN_MAX || h->caplen > h->len)
			return error_set(e, -EPROTO, "capture stream: a frame of %u bytes claims %u captured",
					 h->len, h->caplen);
		if (h->nsec >= 1000000000u || h->sec < 0)
			return error_set(e, -EPROTO, "capture stream: a frame's time %lld.%u is not one",
					 (long long)h->sec, h->nsec);
		return 0;
	case CAPTURE_STREAM_END:
		if (h->caplen != sizeof(struct capture_stream_end))
			return error_set(e, -EPROTO, "capture stream: an end message of %u bytes", h->caplen);
		return 0;
	default:
		return error_set(e, -EPROTO, "capture stream: unknown message type %u", h->type);
	}
}

long capture_stream_next(const uint8_t *p, size_t n, struct capture_stream_msg *m,
			 struct error *e)
{
	struct capture_stream_hdr h;
	int rc;

	if (n < sizeof(h))
		return 0;
	memcpy(&h, p, sizeof(h));
	if ((rc = check(&h, e)))
		return rc;
	if (n - sizeof(h) < h.caplen)
		return 0;
	*m = (struct capture_stream_msg){ .type = (enum capture_stream_type)h.type, .sec = h.sec,
					  .nsec = h.nsec, .len = h.len, .caplen = h.caplen,
					  .data = p + sizeof(h) };
	if (h.type == CAPTURE_STREAM_END) {
		memcpy(&m->end, p + sizeof(h), sizeof(m->end));
		m->data = NULL;
	}
	return (long)(sizeof(h) + h.caplen);
}

const char *capture_end_reason_name(uint32_t reason)
{
	static const char *const names[CAPTURE_END_REASONS] = {
		[CAPTURE_END_STOPPED] = "stopped",
		[CAPTURE_END_PORT_DELETED] = "the port was deleted",
		[CAPTURE_END_DAEMON_STOPPING] = "uvnetd is stopping",
	};

	return reason < CAPTURE_END_REASONS ? names[reason] : "for an unknown reason";
}
