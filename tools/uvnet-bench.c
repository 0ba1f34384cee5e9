/* SPDX-License-Identifier: MIT */
/*
 * uvnet-bench: a packet generator and sink on virtio-user (the front-end
 * library in src/vhost/vu_fe.h), for a vhost-user switch port of
 * uvnetd, DPDK's testpmd (vhost PMD) or anything else that speaks
 * vhost-user.
 *
 *   tx    generate UDP/IPv4 frames (sequence number, payload pattern)
 *   rx    sink them: count, check order and payload, report loss
 *   loop  both, on two ports of a switch: throughput and loss end to end
 *
 * One thread drives every port and queue.  The hot loop works in bursts
 * (32 by default) and makes no syscall per packet: kicks only when the
 * back-end asks for them (none while it polls with event-idx suppression)
 * and no allocation.  Frames are prepared in place (only the flow, the
 * sequence number and, when payloads are checked, the payload pattern
 * change per packet) and copied once into the shared TX buffers.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/bench_opts.h"
#include "util/parse.h"
#include "vhost/vu_fe.h"

#define FCS 4
#define HDRS 42                 /* Ethernet + IPv4 + UDP */
#define BENCH_HDR 16            /* magic, flow, run, sequence number */
#define PAYLOAD_OFF (HDRS + BENCH_HDR)
#define MAGIC 0x424e5655u       /* "UVNB" */
#define UDP_DPORT 5001
#define UDP_SPORT_BASE 1024
#define ETH_P_ANNOUNCE 0x88b5   /* IEEE local experimental: learning frames */
#define PATTERN_SPAN 256

/* One vhost-user connection. */
struct port {
	const char *name;       /* "tx", "rx" */
	const char *path;
	struct vu_fe *fe;
	unsigned gen;
	double last_announce;
};

struct counters {
	uint64_t tx_packets, tx_bytes;
	uint64_t rx_packets, rx_bytes;   /* frames of this run that passed the checks */
	uint64_t rx_other;               /* not ours: announces, other traffic */
	uint64_t lost_gaps, out_of_order, bad_payload, bad_length, stale;
};

struct txq {
	uint8_t *slots;                  /* burst frames, prepared in place */
	struct vu_fe_pkt pkts[MAX_BURST];
	unsigned pend_off, pend_n;       /* prepared, not yet taken */
	uint64_t left;                   /* frames still to send */
	unsigned next_flow;
};

struct flow_rx {
	uint64_t next;
	uint16_t run;
	bool seen;
};

struct bench {
	struct bench_opts o;
	unsigned frame_len;              /* bytes in the buffer: size - FCS */
	uint16_t run;                    /* this run's id, in every frame */
	struct port tx, rx;
	bool has_tx, has_rx;
	struct txq q[VU_FE_MAX_QUEUE_PAIRS];
	unsigned first_q;
	uint64_t tx_seq[MAX_FLOWS];
	struct flow_rx rx_flow[MAX_FLOWS];
	uint8_t pattern[MAX_SIZE + PATTERN_SPAN];
	uint8_t scratch[65536 + 64];
	struct counters c;
	unsigned reconnects;
	double start, tx_end;
	double first_rx, last_rx;        /* rx: when our frames came */
};

static volatile sig_atomic_t stop_req;

static void on_signal(int sig)
{
	(void)sig;
	stop_req = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("uvnet-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* ---- frames ---- */

static uint16_t csum16(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ethernet, IPv4 (10.0.0.1 -> 10.0.0.2), UDP, our header; flow 0, seq 0. */
static void build_template(struct bench *b, uint8_t *p)
{
	unsigned len = b->frame_len;
	uint32_t magic = MAGIC;

	memset(p, 0, len);
	memcpy(p, b->o.dst_mac, 6);
	memcpy(p + 6, b->o.src_mac, 6);
	put16(p + 12, 0x0800);
	p[14] = 0x45;
	put16(p + 16, (uint16_t)(len - 14));
	put16(p + 20, 0x4000); /* DF */
	p[22] = 64;
	p[23] = 17;
	memcpy(p + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	put16(p + 24, csum16(p + 14, 20));
	put16(p + 34, UDP_SPORT_BASE);
	put16(p + 36, UDP_DPORT);
	put16(p + 38, (uint16_t)(len - 34));
	/* UDP checksum 0: none (IPv4) */
	memcpy(p + HDRS, &magic, 4);
	memcpy(p + HDRS + 6, &b->run, 2);
	memcpy(p + PAYLOAD_OFF, b->pattern, len - PAYLOAD_OFF);
}

/* The per-packet part: flow (UDP source port, our header), sequence
 * number, and the payload pattern, which starts at an offset given by
 * the sequence number so that a stale or swapped buffer shows. */
static inline void stamp(struct bench *b, uint8_t *p, uint16_t flow, uint64_t seq)
{
	put16(p + 34, (uint16_t)(UDP_SPORT_BASE + flow));
	memcpy(p + HDRS + 4, &flow, 2);
	memcpy(p + HDRS + 8, &seq, 8);
	if (b->o.check)
		memcpy(p + PAYLOAD_OFF, b->pattern + (seq & (PATTERN_SPAN - 1)),
		       b->frame_len - PAYLOAD_OFF);
}

static void announce(struct bench *b, struct port *pt)
{
	uint8_t f[60] = { 0 };
	struct vu_fe_pkt p = { f, sizeof(f), NULL };

	memset(f, 0xff, 6);
	memcpy(f + 6, b->o.dst_mac, 6);
	put16(f + 12, ETH_P_ANNOUNCE);
	memcpy(f + 14, "uvnet-bench receiver", 20);
	vu_fe_tx_burst(pt->fe, 0, &p, 1);
}

/* Check one received frame; only frames of this run count as received. */
static void check_frame(struct bench *b, const struct vu_fe_frame *f)
{
	struct counters *c = &b->c;
	const uint8_t *p;
	uint32_t magic;
	uint16_t flow, run;
	uint64_t seq;
	struct flow_rx *fl;

	if (f->len < PAYLOAD_OFF) {
		c->rx_other++;
		return;
	}
	if (f->nseg == 1) {
		p = f->seg[0].iov_base;
	} else {
		vu_fe_frame_copy(f, b->scratch, sizeof(b->scratch));
		p = b->scratch;
	}
	memcpy(&magic, p + HDRS, 4);
	if (get16(p + 12) != 0x0800 || p[23] != 17 || get16(p + 36) != UDP_DPORT || magic != MAGIC) {
		c->rx_other++;
		return;
	}
	memcpy(&flow, p + HDRS + 4, 2);
	memcpy(&run, p + HDRS + 6, 2);
	memcpy(&seq, p + HDRS + 8, 8);
	if (flow >= b->o.flows * b->o.queues) {
		c->rx_other++;
		return;
	}
	fl = &b->rx_flow[flow];
	if (b->o.mode == MODE_LOOP ? run != b->run : fl->seen && run != fl->run) {
		if (b->o.mode == MODE_LOOP) {
			c->stale++; /* from an earlier run */
			return;
		}
		fl->seen = false; /* rx: the sender started again */
	}
	if (!fl->seen) {
		fl->seen = true;
		fl->run = run;
		fl->next = b->o.mode == MODE_LOOP ? 0 : seq;
	}
	if (f->len != b->frame_len) {
		c->bad_length++;
		return;
	}
	if (seq == fl->next) {
		fl->next++;
	} else if (seq > fl->next) {
		c->lost_gaps += seq - fl->next;
		fl->next = seq + 1;
	} else {
		c->out_of_order++;
		if (c->lost_gaps)
			c->lost_gaps--;
	}
	if (b->o.check && memcmp(p + PAYLOAD_OFF, b->pattern + (seq & (PATTERN_SPAN - 1)),
				 b->frame_len - PAYLOAD_OFF))
		c->bad_payload++;
	c->rx_packets++;
	c->rx_bytes += f->len;
}

/* ---- ports ---- */

static void port_open(struct bench *b, struct port *pt, const char *name, const char *path)
{
	uint64_t f = VU_FE_F(VIRTIO_F_VERSION_1);
	struct vu_fe_config cfg;
	unsigned buf = (b->frame_len + 12 + 63) & ~63u;
	struct error e;
	int rc;

	if (buf < 2048)
		buf = 2048;
	if (b->o.packed)
		f |= VU_FE_F(VIRTIO_F_RING_PACKED);
	if (b->o.mrg)
		f |= VU_FE_F(VIRTIO_NET_F_MRG_RXBUF);
	if (b->o.event_idx)
		f |= VU_FE_F(VIRTIO_RING_F_EVENT_IDX);
	if (b->o.indirect)
		f |= VU_FE_F(VIRTIO_RING_F_INDIRECT_DESC);
	if (b->o.in_order)
		f |= VU_FE_F(VIRTIO_F_IN_ORDER);
	cfg = (struct vu_fe_config){
		.path = path, .server = b->o.server, .queue_pairs = b->o.queues,
		.queue_size = b->o.queue_size, .features = f,
		/* what the user asked for explicitly must be there */
		.required = f & (VU_FE_F(VIRTIO_F_RING_PACKED) | VU_FE_F(VIRTIO_NET_F_MRG_RXBUF) |
				 VU_FE_F(VIRTIO_F_IN_ORDER)),
		.tx_buf_size = buf, .rx_buf_size = b->o.mrg ? 2048 : buf,
		.split_hdr = b->o.split_hdr, .reconnect = b->o.reconnect,
		.timeout_ms = b->o.timeout_ms,
		/* a log needs guest addresses of its own and no monitor thread */
		.gpa_base = b->o.dirty_log ? 0x40000000ull : 0, .no_thread = b->o.dirty_log,
	};
	if (b->o.dirty_log && b->o.reconnect)
		die(2, "--dirty-log: not with --reconnect");
	pt->name = name;
	pt->path = path;
	rc = vu_fe_create(&cfg, &pt->fe, &e);
	if (rc)
		die(2, "%s: %s", path, e.msg);
	if (b->o.server && !b->o.quiet)
		fprintf(stderr, "uvnet-bench: waiting for a back-end on %s\n", path);
	rc = vu_fe_connect(pt->fe);
	if (rc)
		die(2, "%s: %s", path, vu_fe_error(pt->fe));
	if (b->o.dirty_log && vu_fe_log_start(pt->fe))
		die(2, "%s: --dirty-log: %s", path, vu_fe_error(pt->fe));
	pt->gen = vu_fe_generation(pt->fe);
	pt->last_announce = -1;
}

/* Was the port's connection lost?  Exits unless --reconnect. */
static bool port_down(struct bench *b, struct port *pt, int rc)
{
	if (rc == -EIO) {
		for (unsigned q = 0; q < b->o.queues; q++)
			if (vu_fe_queue_error(pt->fe, q))
				die(1, "%s: queue %u stopped: the back-end misbehaved: %s", pt->path, q,
				    vu_fe_queue_error(pt->fe, q));
		die(1, "%s: I/O error", pt->path);
	}
	if (rc != -ENOTCONN)
		die(1, "%s: %s", pt->path, strerror(-rc));
	if (!b->o.reconnect) {
		stop_req = 1;
		return true;
	}
	return true;
}

static void port_check_gen(struct bench *b, struct port *pt)
{
	unsigned g = vu_fe_generation(pt->fe);

	if (g != pt->gen) {
		b->reconnects += g - pt->gen;
		pt->gen = g;
		pt->last_announce = -1;
		if (!b->o.quiet)
			fprintf(stderr, "uvnet-bench: %s: reconnected (%s)\n", pt->path,
				vu_fe_connected(pt->fe) ? "up" : "down");
	}
}

/* ---- the loop ---- */

static unsigned rx_poll(struct bench *b, struct port *pt, bool count)
{
	struct vu_fe_frame fr[MAX_BURST];
	unsigned total = 0;

	for (unsigned q = 0; q < b->o.queues; q++) {
		int n = vu_fe_rx_burst(pt->fe, q, fr, b->o.burst);

		if (n < 0) {
			port_down(b, pt, n);
			break;
		}
		if (count)
			for (int i = 0; i < n; i++)
				check_frame(b, &fr[i]);
		else
			b->c.rx_other += (unsigned)n;
		total += (unsigned)n;
	}
	return total;
}

/* Send on every queue what the rate and the count allow; frames sent. */
static unsigned tx_poll(struct bench *b, double now)
{
	unsigned sent = 0, nq = b->o.queues;
	uint64_t credit = UINT64_MAX;

	if (b->o.rate > 0) {
		double due = (now - b->start) * b->o.rate;

		credit = due > (double)b->c.tx_packets ? (uint64_t)(due - (double)b->c.tx_packets) : 0;
		if (credit > (uint64_t)b->o.burst * nq)
			credit = (uint64_t)b->o.burst * nq;
	}
	if (b->o.window) {
		uint64_t done = b->c.rx_packets + b->c.lost_gaps + b->c.bad_length;
		uint64_t flight = b->c.tx_packets > done ? b->c.tx_packets - done : 0;

		for (unsigned qi = 0; qi < nq; qi++) /* prepared ones count too */
			flight += b->q[qi].pend_n - b->q[qi].pend_off;
		if (credit > b->o.window - (flight < b->o.window ? flight : b->o.window))
			credit = b->o.window - (flight < b->o.window ? flight : b->o.window);
	}
	/* Start with another queue each time: a small credit (a rate, a
	 * window) must not always go to the same one. */
	if (++b->first_q >= nq)
		b->first_q = 0;
	for (unsigned i = 0, qi = b->first_q; i < nq; i++, qi = qi + 1 == nq ? 0 : qi + 1) {
		struct txq *q = &b->q[qi];
		int n;

		if (!q->pend_n) {
			unsigned k = b->o.burst;

			if (k > q->left)
				k = (unsigned)q->left;
			if (k > credit)
				k = (unsigned)credit;
			for (unsigned i = 0; i < k; i++) {
				uint16_t flow = (uint16_t)(qi * b->o.flows + q->next_flow);
				uint8_t *p = q->slots + (size_t)i * b->frame_len;

				stamp(b, p, flow, b->tx_seq[flow]++);
				if (++q->next_flow == b->o.flows)
					q->next_flow = 0;
			}
			q->pend_off = 0;
			q->pend_n = k;
			q->left -= k;
		}
		if (!q->pend_n)
			continue;
		n = vu_fe_tx_burst(b->tx.fe, qi, q->pkts + q->pend_off, q->pend_n - q->pend_off);
		if (n < 0) {
			port_down(b, &b->tx, n);
			break;
		}
		q->pend_off += (unsigned)n;
		if (q->pend_off == q->pend_n)
			q->pend_n = q->pend_off = 0;
		sent += (unsigned)n;
		b->c.tx_packets += (unsigned)n;
		b->c.tx_bytes += (uint64_t)n * b->frame_len;
		credit = credit > (unsigned)n ? credit - (unsigned)n : 0;
	}
	return sent;
}

static bool tx_done(struct bench *b)
{
	for (unsigned q = 0; q < b->o.queues; q++)
		if (b->q[q].left || b->q[q].pend_n)
			return false;
	return true;
}

static void tx_stop(struct bench *b)
{
	for (unsigned q = 0; q < b->o.queues; q++) {
		b->q[q].left = 0;
		b->q[q].pend_n = b->q[q].pend_off = 0;
	}
}

static FILE *progress_out(const struct bench *b)
{
	return b->o.json ? stderr : stdout;
}

static void progress(struct bench *b, double t, double dt, const struct counters *prev)
{
	const struct counters *c = &b->c;
	FILE *out = progress_out(b);

	if (b->o.quiet)
		return;
	fprintf(out, "[%6.1fs]", t);
	if (b->has_tx)
		fprintf(out, " tx %8.3f Mpps %7.3f Gbit/s",
			(double)(c->tx_packets - prev->tx_packets) / dt / 1e6,
			(double)(c->tx_bytes - prev->tx_bytes) * 8 / dt / 1e9);
	if (b->has_rx)
		fprintf(out, " | rx %8.3f Mpps %7.3f Gbit/s | lost %" PRIu64 " ooo %" PRIu64
			" bad %" PRIu64,
			(double)(c->rx_packets - prev->rx_packets) / dt / 1e6,
			(double)(c->rx_bytes - prev->rx_bytes) * 8 / dt / 1e9,
			c->lost_gaps,
			c->out_of_order, c->bad_payload + c->bad_length);
	fputc('\n', out);
	fflush(out);
}

static void run(struct bench *b)
{
	double next_report, last_report, t_end, last_rx = 0;
	struct counters prev = { 0 };
	unsigned iter = 0;
	bool sending = b->has_tx, draining = false;
	double now;

	b->start = now_s();
	next_report = b->start + 1;
	last_report = b->start;
	t_end = b->o.seconds > 0 ? b->start + b->o.seconds : INFINITY;
	while (!stop_req) {
		unsigned moved = 0;

		now = now_s();
		if (sending)
			moved += tx_poll(b, now);
		if (b->has_rx)
			moved += rx_poll(b, &b->rx, true);
		if (b->o.mode == MODE_LOOP || b->o.mode == MODE_TX)
			rx_poll(b, &b->tx, false); /* announces flooded back: drop */
		if (b->has_rx && moved) {
			last_rx = now;
			if (b->c.rx_packets) {
				if (!b->first_rx)
					b->first_rx = now;
				b->last_rx = now;
			}
		}
		if ((++iter & 63) == 0 || b->o.rate > 0 || !moved) {
			if (now >= next_report) {
				progress(b, now - b->start, now - last_report, &prev);
				prev = b->c;
				last_report = now;
				next_report += 1;
				if (next_report < now)
					next_report = now + 1;
			}
			if (b->has_rx && now - b->rx.last_announce >= 1) {
				b->rx.last_announce = now;
				announce(b, &b->rx);
			}
			if (b->has_tx)
				port_check_gen(b, &b->tx);
			if (b->has_rx)
				port_check_gen(b, &b->rx);
			if (sending && (now >= t_end || tx_done(b))) {
				tx_stop(b);
				sending = false;
				b->tx_end = now;
				draining = true;
				last_rx = now;
				if (!b->has_rx)
					break;
			}
			if (b->o.mode == MODE_RX) {
				if (now >= t_end)
					break;
				if (b->o.count && b->c.rx_packets >= b->o.count)
					break;
			}
			if (draining && (b->c.rx_packets + b->c.stale >= b->c.tx_packets ||
					 (now - last_rx) * 1000 >= b->o.drain_ms))
				break;
		}
		if (!moved && b->o.event_mode) {
			int ms = sending && b->o.rate > 0 ? 1 : 10;

			if (b->has_rx)
				vu_fe_wait(b->rx.fe, VU_FE_ALL_QUEUES, VU_FE_WAIT_RX, ms);
			else
				vu_fe_wait(b->tx.fe, VU_FE_ALL_QUEUES, VU_FE_WAIT_TX | VU_FE_WAIT_RX, ms);
		}
	}
	now = now_s();
	if (!b->tx_end)
		b->tx_end = now;
	if (now - last_report > 0.05)
		progress(b, now - b->start, now - last_report, &prev);
}

/* ---- summary ---- */

static void summary(struct bench *b)
{
	const struct counters *c = &b->c;
	/* rx alone: over the time frames arrived, not the time we waited */
	double secs = b->o.mode == MODE_RX && b->last_rx > b->first_rx ? b->last_rx - b->first_rx
								       : b->tx_end - b->start;
	double tx_mpps = secs > 0 ? (double)c->tx_packets / secs / 1e6 : 0;
	double tx_gbps = secs > 0 ? (double)c->tx_bytes * 8 / secs / 1e9 : 0;
	double rx_mpps = secs > 0 ? (double)c->rx_packets / secs / 1e6 : 0;
	double rx_gbps = secs > 0 ? (double)c->rx_bytes * 8 / secs / 1e9 : 0;
	uint64_t lost = b->o.mode == MODE_LOOP
		? (c->tx_packets > c->rx_packets ? c->tx_packets - c->rx_packets : 0)
		: c->lost_gaps;
	struct vu_fe_stats st, txs = { 0 }, rxs = { 0 };
	const char *mode = b->o.mode == MODE_TX ? "tx" : b->o.mode == MODE_RX ? "rx" : "loop";
	uint64_t features = vu_fe_features(b->has_tx ? b->tx.fe : b->rx.fe);
	uint64_t offered;
	bool ok;

	if (b->o.mode == MODE_RX && b->o.count && c->rx_packets < b->o.count &&
	    lost < b->o.count - c->rx_packets)
		lost = b->o.count - c->rx_packets;
	for (unsigned q = 0; q < b->o.queues; q++) {
		if (b->has_tx) {
			vu_fe_get_stats(b->tx.fe, q, &st);
			txs.tx_full += st.tx_full;
			txs.tx_kicks += st.tx_kicks;
			txs.tx_dropped += st.tx_dropped;
			txs.waits += st.waits;
		}
		if (b->has_rx) {
			vu_fe_get_stats(b->rx.fe, q, &st);
			rxs.rx_errors += st.rx_errors;
			rxs.rx_kicks += st.rx_kicks;
			rxs.waits += st.waits;
		}
	}
	ok = !c->out_of_order && !c->bad_payload && !c->bad_length && !lost;
	offered = b->has_tx ? c->tx_packets : c->rx_packets + lost;
	if (b->o.json) {
		printf("{\"mode\": \"%s\", \"size\": %u, \"frame_bytes\": %u, \"queues\": %u, "
		       "\"flows\": %u, \"burst\": %u, \"queue_size\": %u, \"packed\": %s, \"mrg\": %s, "
		       "\"features\": %" PRIu64 ", \"rate\": %.0f, \"seconds\": %.3f, "
		       "\"reconnects\": %u,\n",
		       mode, b->o.size, b->frame_len, b->o.queues, b->o.flows, b->o.burst,
		       b->o.queue_size, features & VU_FE_F(VIRTIO_F_RING_PACKED) ? "true" : "false",
		       features & VU_FE_F(VIRTIO_NET_F_MRG_RXBUF) ? "true" : "false", features,
		       b->o.rate, secs, b->reconnects);
		printf(" \"tx\": {\"packets\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"mpps\": %.4f, "
		       "\"gbps\": %.4f, \"ring_full\": %" PRIu64 ", \"kicks\": %" PRIu64 "},\n",
		       c->tx_packets, c->tx_bytes, tx_mpps, tx_gbps, txs.tx_full, txs.tx_kicks);
		printf(" \"rx\": {\"packets\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"mpps\": %.4f, "
		       "\"gbps\": %.4f, \"other\": %" PRIu64 ", \"stale\": %" PRIu64
		       ", \"errors\": %" PRIu64 ", \"kicks\": %" PRIu64 "},\n",
		       c->rx_packets, c->rx_bytes, rx_mpps, rx_gbps, c->rx_other, c->stale,
		       rxs.rx_errors, rxs.rx_kicks);
		printf(" \"lost\": %" PRIu64 ", \"loss_ratio\": %.6f, \"out_of_order\": %" PRIu64
		       ", \"bad_payload\": %" PRIu64 ", \"bad_length\": %" PRIu64
		       ", \"payload_checked\": %s, \"ok\": %s}\n",
		       lost, offered ? (double)lost / (double)offered : 0.0,
		       c->out_of_order, c->bad_payload, c->bad_length, b->o.check ? "true" : "false",
		       b->has_rx ? (ok ? "true" : "false") : "true");
		return;
	}
	printf("---\n%s: %u-byte frames (%u in the buffer), %u queue pair(s), %s rings, "
	       "mergeable %s, %.2f s\n", mode, b->o.size, b->frame_len, b->o.queues,
	       features & VU_FE_F(VIRTIO_F_RING_PACKED) ? "packed" : "split",
	       features & VU_FE_F(VIRTIO_NET_F_MRG_RXBUF) ? "on" : "off", secs);
	if (b->has_tx)
		printf("tx: %" PRIu64 " frames, %.3f Mpps, %.3f Gbit/s (ring full %" PRIu64
		       " bursts, %" PRIu64 " kicks)\n", c->tx_packets, tx_mpps, tx_gbps, txs.tx_full,
		       txs.tx_kicks);
	if (b->has_rx) {
		printf("rx: %" PRIu64 " frames, %.3f Mpps, %.3f Gbit/s (%" PRIu64 " other, %" PRIu64
		       " dropped by the front-end as malformed)\n", c->rx_packets, rx_mpps, rx_gbps,
		       c->rx_other, rxs.rx_errors);
		printf("lost %" PRIu64 " (%.4f%%), out of order %" PRIu64 ", bad payload %" PRIu64
		       ", bad length %" PRIu64 "%s\n", lost,
		       offered ? 100.0 * (double)lost / (double)offered : 0.0,
		       c->out_of_order, c->bad_payload, c->bad_length,
		       b->o.check ? "" : " (payloads not checked)");
	}
	if (b->reconnects)
		printf("reconnects: %u\n", b->reconnects);
}

int main(int argc, char **argv)
{
	struct bench *b = calloc(1, sizeof(*b));
	struct sigaction sa = { .sa_handler = on_signal };
	int status = 0;

	if (!b)
		die(2, "out of memory");
	bench_opts_parse(argc, argv, &b->o);
	if (b->o.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(b->o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die(2, "--cpu %d: %s", b->o.cpu, strerror(errno));
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	b->frame_len = b->o.size - FCS;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	b->run = (uint16_t)(rand() | 1);
	for (unsigned i = 0; i < sizeof(b->pattern); i++)
		b->pattern[i] = (uint8_t)(i * 131 + 7);
	b->has_tx = b->o.mode != MODE_RX;
	b->has_rx = b->o.mode != MODE_TX;
	if (b->o.mode == MODE_LOOP) {
		port_open(b, &b->rx, "rx", b->o.rx_path);
		port_open(b, &b->tx, "tx", b->o.tx_path);
	} else if (b->has_tx) {
		port_open(b, &b->tx, "tx", b->o.path);
	} else {
		port_open(b, &b->rx, "rx", b->o.path);
	}
	if (b->has_tx) {
		uint64_t total = b->o.count ? b->o.count : UINT64_MAX;

		for (unsigned q = 0; q < b->o.queues; q++) {
			struct txq *t = &b->q[q];

			t->slots = aligned_alloc(64, ((size_t)b->o.burst * b->frame_len + 63) & ~(size_t)63);
			if (!t->slots)
				die(2, "out of memory");
			for (unsigned i = 0; i < b->o.burst; i++) {
				build_template(b, t->slots + (size_t)i * b->frame_len);
				t->pkts[i] = (struct vu_fe_pkt){ t->slots + (size_t)i * b->frame_len,
								 b->frame_len, NULL };
			}
			t->left = total == UINT64_MAX ? UINT64_MAX
				: total / b->o.queues + (q < total % b->o.queues);
		}
	}
	if (b->has_rx && b->has_tx) {
		/* Teach the switch where the receiver is before the first frame. */
		double t0 = now_s();

		announce(b, &b->rx);
		b->rx.last_announce = t0;
		while (now_s() - t0 < 0.05)
			rx_poll(b, &b->tx, false);
	}
	if (!b->o.quiet)
		fprintf(stderr, "uvnet-bench: %s, features %#" PRIx64 "\n",
			b->o.mode == MODE_TX ? "sending" : b->o.mode == MODE_RX ? "receiving" : "looping",
			vu_fe_features(b->has_tx ? b->tx.fe : b->rx.fe));
	run(b);
	summary(b);
	if ((b->has_tx && !vu_fe_connected(b->tx.fe)) || (b->has_rx && !vu_fe_connected(b->rx.fe))) {
		fprintf(stderr, "uvnet-bench: the back-end went away: %s\n",
			vu_fe_error(b->has_tx && !vu_fe_connected(b->tx.fe) ? b->tx.fe : b->rx.fe));
		status = 1;
	}
	if (b->has_tx) {
		vu_fe_destroy(b->tx.fe);
		for (unsigned q = 0; q < b->o.queues; q++)
			free(b->q[q].slots);
	}
	if (b->has_rx)
		vu_fe_destroy(b->rx.fe);
	free(b);
	return status;
}
