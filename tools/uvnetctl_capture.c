/* SPDX-License-Identifier: MIT */
/*
 * uvnetctl capture PORT [-w FILE|-] [-c COUNT] [--direction in|out|both]
 * [--snaplen N]: asks uvnetd for a capture of PORT, reads the capture
 * stream (control/capture_stream.h) that follows the reply and writes its
 * frames as pcap (control/capture_pcap.h), flushed after every read so
 * that `| tcpdump -r -` shows them as they come.  Ends after COUNT frames,
 * on SIGINT/SIGTERM, or when the reader of standard output goes away
 * (SIGPIPE): then it shuts its side of the connection, takes what uvnetd
 * still sends up to its END, and says, as tcpdump does, how many frames
 * were captured and how many the capture dropped.
 */
#include "tools/uvnetctl_capture.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "control/capture_pcap.h"
#include "control/capture_stream.h"
#include "control/client.h"
#include "util/parse.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define BUF_SIZE (4u << 20)
#define END_WAIT_S 5            /* for uvnetd's END once we asked to stop */

struct capture_args {
	const char *port, *file, *direction;
	uint64_t count;         /* 0: no limit */
	uint64_t snaplen;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int usage_error(const char *what)
{
	fprintf(stderr, "uvnetctl: capture: %s (usage: uvnetctl capture PORT [-w FILE|-] [-c COUNT] "
		"[--direction in|out|both] [--snaplen N])\n", what);
	return EXIT_USAGE;
}

/* The option at w[*i] (and its value, the next word or after '='). */
static const char *value_of(char **w, int n, int *i, const char *opt)
{
	size_t len = strlen(opt);

	if (!strncmp(w[*i], opt, len) && w[*i][len] == '=' && opt[1] == '-')
		return w[*i] + len + 1;
	if (strcmp(w[*i], opt))
		return NULL;
	return *i + 1 < n ? w[++*i] : "";
}

static int parse_args(char **w, int n, struct capture_args *a)
{
	*a = (struct capture_args){ .file = "-", .direction = "both",
				    .snaplen = CAPTURE_STREAM_SNAPLEN_MAX };
	for (int i = 0; i < n; i++) {
		const char *v;

		if ((v = value_of(w, n, &i, "-w"))) {
			if (!*v)
				return usage_error("-w: needs a FILE (- for standard output)");
			a->file = v;
		} else if ((v = value_of(w, n, &i, "-c"))) {
			if (!parse_uint(v, 1, UINT64_MAX, &a->count))
				return usage_error("-c: COUNT is a number from 1");
		} else if ((v = value_of(w, n, &i, "--direction"))) {
			if (strcmp(v, "in") && strcmp(v, "out") && strcmp(v, "both"))
				return usage_error("--direction: in, out or both");
			a->direction = v;
		} else if ((v = value_of(w, n, &i, "--snaplen"))) {
			if (!parse_uint(v, 0, CAPTURE_STREAM_SNAPLEN_MAX, &a->snaplen))
				return usage_error("--snaplen: a number from 0 to 262144 (0: 262144)");
			if (!a->snaplen)
				a->snaplen = CAPTURE_STREAM_SNAPLEN_MAX;
		} else if (!a->port && w[i][0] != '-') {
			a->port = w[i];
		} else {
			fprintf(stderr, "uvnetctl: capture: %s: unknown option or extra word\n", w[i]);
			return EXIT_USAGE;
		}
	}
	if (!a->port)
		return usage_error("which PORT?");
	if (!strcmp(a->file, "-") && isatty(STDOUT_FILENO))
		return usage_error("standard output is a terminal: give -w FILE, or pipe into tcpdump -r -");
	return 0;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: recv returns */

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed pipe is an error from the write instead */
}

struct reader {
	int fd;
	struct capture_pcap *out;
	uint64_t limit, written;
	bool writing;           /* false once the reader of the file is gone */
	bool stopping;          /* SHUT_WR sent */
	bool ended;
	struct capture_stream_end end;
	size_t len;
	uint8_t *buf;
};

static void ask_to_stop(struct reader *r)
{
	struct timeval tv = { .tv_sec = END_WAIT_S };

	if (r->stopping)
		return;
	r->stopping = true;
	shutdown(r->fd, SHUT_WR);
	setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* The whole messages in the buffer; 0 or -1 (the message printed). */
static int take_messages(struct reader *r)
{
	size_t off = 0;
	long k;

	for (;;) {
		struct capture_stream_msg m;
		struct error e;

		k = capture_stream_next(r->buf + off, r->len - off, &m, &e);
		if (k < 0) {
			fprintf(stderr, "uvnetctl: %s\n", e.msg);
			return -1;
		}
		if (k == 0)
			break;
		off += (size_t)k;
		if (m.type == CAPTURE_STREAM_END) {
			r->end = m.end;
			r->ended = true;
			break;
		}
		if (r->writing && (!r->limit || r->written < r->limit)) {
			capture_pcap_write(r->out, &m);
			if (++r->written == r->limit)
				ask_to_stop(r);
		}
	}
	memmove(r->buf, r->buf + off, r->len - off);
	r->len -= off;
	return 0;
}

/* Read the stream up to its END; 0 or EXIT_REFUSED. */
static int read_stream(struct reader *r, const char *port)
{
	while (!r->ended) {
		ssize_t n;

		if (stop_signal)
			ask_to_stop(r);
		n = recv(r->fd, r->buf + r->len, BUF_SIZE - r->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "uvnetctl: capture of %s: %s\n", port,
				n == 0 ? "uvnetd closed the stream without its end"
				: errno == EAGAIN ? "uvnetd did not end the stream in time"
				: strerror(errno));
			return EXIT_REFUSED;
		}
		r->len += (size_t)n;
		if (take_messages(r))
			return EXIT_REFUSED;
		if (r->writing && capture_pcap_flush(r->out)) {
			r->writing = false; /* the reader went away (EPIPE): quietly done */
			ask_to_stop(r);
		}
	}
	return 0;
}

static int request(const char *control, const struct capture_args *a, int *fd)
{
	struct json_object *words = json_object_new_array(), *res = NULL;
	char dir[32], snap[32];
	struct error e;
	int rc;

	snprintf(dir, sizeof(dir), "direction=%s", a->direction);
	snprintf(snap, sizeof(snap), "snaplen=%llu", (unsigned long long)a->snaplen);
	json_object_array_add(words, json_object_new_string("capture"));
	json_object_array_add(words, json_object_new_string(a->port));
	json_object_array_add(words, json_object_new_string(dir));
	json_object_array_add(words, json_object_new_string(snap));
	rc = control_request_stream(control, words, &res, fd, &e);
	if (rc)
		fprintf(stderr, "uvnetctl: %s\n", e.msg);
	json_object_put(words);
	json_object_put(res);
	return rc ? EXIT_REFUSED : 0;
}

int uvnetctl_capture(const char *control, char **words, int nwords)
{
	struct capture_args a;
	struct reader r = { .fd = -1, .writing = true };
	struct error e;
	int rc;

	if ((rc = parse_args(words, nwords, &a)))
		return rc;
	catch_signals();
	r.limit = a.count;
	r.buf = malloc(BUF_SIZE);
	r.out = r.buf ? capture_pcap_open(a.file, (uint32_t)a.snaplen, &e) : NULL;
	if (!r.out) {
		fprintf(stderr, "uvnetctl: %s\n", r.buf ? e.msg : "out of memory");
		free(r.buf);
		return EXIT_REFUSED;
	}
	rc = request(control, &a, &r.fd);
	if (rc) { /* refused: nothing was captured, nothing to count */
		capture_pcap_close(r.out);
		free(r.buf);
		return rc;
	}
	rc = read_stream(&r, a.port);
	capture_pcap_close(r.out);
	close(r.fd);
	free(r.buf);
	fprintf(stderr, "%llu frames captured\n", (unsigned long long)r.written);
	if (r.ended) {
		fprintf(stderr, "%llu frames dropped by the capture\n", (unsigned long long)r.end.dropped);
		if (r.end.reason != CAPTURE_END_STOPPED)
			fprintf(stderr, "uvnetctl: capture of %s ended: %s\n", a.port,
				capture_end_reason_name(r.end.reason));
	}
	return rc;
}
