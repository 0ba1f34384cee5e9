/* SPDX-License-Identifier: MIT */
/*
 * The capture stream: what follows uvnetd's reply to a capture request on
 * the same control connection (uvnetctl capture).  A sequence of messages,
 * each a fixed header and `caplen` bytes, in the host's byte order (both
 * ends are on one machine):
 *
 *   FRAME  a frame seen at the port: its length, when, and its first
 *          caplen bytes (at most the snap length);
 *   END    the last message: frames written into the capture, frames it
 *          dropped (the forwarding threads never wait for a capture: what
 *          the capture could not take in time is counted, not kept), and
 *          why it ended.
 *
 * The client ends a capture by shutting down its side of the connection
 * (SHUT_WR); uvnetd then sends what it still holds, END, and closes.
 * The reader checks every header before it trusts a length: a stream
 * that breaks the rules is refused, never followed.
 */
#ifndef UVNET_CONTROL_CAPTURE_STREAM_H
#define UVNET_CONTROL_CAPTURE_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define CAPTURE_STREAM_SNAPLEN_MAX 262144u

enum capture_stream_type { CAPTURE_STREAM_FRAME = 1, CAPTURE_STREAM_END = 2 };

/* Why a capture ended. */
enum capture_end_reason {
	CAPTURE_END_STOPPED = 0,        /* the client asked */
	CAPTURE_END_PORT_DELETED,       /* the port went away */
	CAPTURE_END_DAEMON_STOPPING,
	CAPTURE_END_REASONS,
};

struct capture_stream_hdr {
	uint32_t type;
	uint32_t caplen;                /* bytes after this header */
	uint32_t len;                   /* FRAME: the frame's length */
	uint32_t nsec;                  /* FRAME: when, CLOCK_REALTIME */
	int64_t sec;
};

struct capture_stream_end {
	uint64_t frames;                /* written into the capture */
	uint64_t dropped;               /* that did not fit */
	uint32_t reason;                /* enum capture_end_reason */
	uint32_t pad;
};

/* Append a FRAME message to buf (room for sizeof(hdr) + caplen bytes): its size. */
size_t capture_stream_put_frame(uint8_t *buf, int64_t sec, uint32_t nsec, uint32_t len,
				const void *data, uint32_t caplen);
/* Append the END message to buf (room for capture_stream_end_size()): its size. */
size_t capture_stream_put_end(uint8_t *buf, uint64_t frames, uint64_t dropped,
			      enum capture_end_reason reason);
size_t capture_stream_end_size(void);

/* A message as read. */
struct capture_stream_msg {
	enum capture_stream_type type;
	int64_t sec;
	uint32_t nsec, len, caplen;
	const uint8_t *data;            /* FRAME: caplen bytes, inside the input */
	struct capture_stream_end end;  /* END */
};

/*
 * The message at the start of the n bytes at p: its size (> 0) with *m
 * filled, 0 if the bytes hold only part of it (read more), or a negative
 * errno with e saying what is wrong with it (-EPROTO).
 */
long capture_stream_next(const uint8_t *p, size_t n, struct capture_stream_msg *m,
			 struct error *e);

/* "stopped", "port deleted", ... for a message to a person. */
const char *capture_end_reason_name(uint32_t reason);

#endif
