/* SPDX-License-Identifier: MIT */
/*
 * vu-log-check SOCK_A SOCK_B [--packed] [--no-mrg] [--queues N] [--tso]
 *              [--frames N]
 *
 * The dirty-page log checked page by page, the way it matters to a live
 * migration (issue 17): two virtio-user front-ends (src/vhost/vu_fe.h)
 * play two migrating guests on two vhost-user ports of one bridge of a
 * running uvnetd.  Each one's memory has a guest-physical address
 * distinct from its address in this process (so a back-end that logged
 * front-end addresses, or host addresses, marks the wrong bits), and each
 * shares a dirty log as QEMU does (SET_LOG_BASE, VHOST_F_LOG_ALL,
 * SET_VRING_ADDR with VHOST_VRING_F_LOG).
 *
 * After a warm-up (the bridge learns both MACs) the logs are cleared;
 * A sends B frames of many sizes and flows (with --tso also 20 KB TCP
 * frames B cannot take whole: uvnetd cuts them in software), then B
 * sends A as many.  Checked, for each receiver:
 *   - every page of every byte uvnetd wrote into its RX buffers (the
 *     virtio-net header and the frame, over every mergeable buffer) is
 *     marked, and no other buffer page (the log is exact);
 *   - the used ring of each RX ring that took frames: the pages of the
 *     used entries written and of used->idx (split), the descriptor ring
 *     (packed);
 * for each sender: its TX buffers, which uvnetd only reads, are not
 * marked; its TX used ring is.  A quiet period marks no buffer page.
 *
 * Prints TAP; exits 0 when every check passed.  Bounded by an alarm.
 */
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vhost/vu_fe.h"

#define PAGE 4096ull
#define MAX_PAGES (1u << 20)

static unsigned tap_n, tap_failed;

static void tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u - ", ok ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	tap_failed += !ok;
}

static void bail(const char *what, const struct vu_fe *fe)
{
	printf("Bail out! %s%s%s\n", what, fe ? ": " : "", fe ? vu_fe_error(fe) : "");
	exit(1);
}

/* One guest: a front-end, its MAC, the pages it expects marked. */
struct side {
	const char *name;
	struct vu_fe *fe;
	uint8_t mac[6];
	uint64_t gpa_base;
	uint8_t *want;            /* pages (relative to gpa_base) written into */
	uint8_t *ring;            /* pages of its rings' areas */
	size_t npages;
	uint16_t used_at_clear[16];
	unsigned rx_frames[8];
};

static void set_bit(uint8_t *b, uint64_t page)
{
	b[page / 8] |= (uint8_t)(1u << (page % 8));
}

static bool get_bit(const uint8_t *b, uint64_t page)
{
	return b[page / 8] >> (page % 8) & 1;
}

/* Mark [gpa, gpa + len) of side s in bitmap b (pages relative to gpa_base). */
static void mark(struct side *s, uint8_t *b, uint64_t gpa, uint64_t len)
{
	for (uint64_t p = gpa / PAGE; len && p <= (gpa + len - 1) / PAGE; p++)
		if (p >= s->gpa_base / PAGE && p - s->gpa_base / PAGE < s->npages)
			set_bit(b, p - s->gpa_base / PAGE);
}

static bool logged(const struct side *s, uint64_t page_rel)
{
	size_t len;
	const uint8_t *log = vu_fe_log(s->fe, &len);
	uint64_t page = s->gpa_base / PAGE + page_rel;

	return page / 8 < len && get_bit(log, page);
}

static bool logged_gpa(const struct side *s, uint64_t gpa)
{
	return logged(s, gpa / PAGE - s->gpa_base / PAGE);
}

static unsigned nvrings(const struct side *s)
{
	return 2 * vu_fe_queue_pairs(s->fe);
}

static uint16_t used_idx(const struct side *s, unsigned vring)
{
	uint64_t gpa;
	void *host;
	size_t len;

	vu_fe_vring_area(s->fe, vring, VU_FE_AREA_DEVICE, &gpa, &host, &len);
	return __atomic_load_n((uint16_t *)host + 1, __ATOMIC_ACQUIRE);
}

static void side_init(struct side *s, const char *name, const char *path, uint64_t gpa_base,
		      uint8_t last, const struct vu_fe_config *base)
{
	struct vu_fe_config cfg = *base;
	struct error e;

	s->name = name;
	s->gpa_base = gpa_base;
	memcpy(s->mac, (uint8_t[]){ 0x52, 0x54, 0x00, 0x17, 0x00, last }, 6);
	cfg.path = path;
	cfg.gpa_base = gpa_base;
	cfg.no_thread = true;
	if (vu_fe_create(&cfg, &s->fe, &e))
		bail(e.msg, NULL);
	if (vu_fe_connect(s->fe))
		bail(name, s->fe);
	s->npages = MAX_PAGES;
	s->want = calloc(MAX_PAGES / 8, 1);
	s->ring = calloc(MAX_PAGES / 8, 1);
	if (!s->want || !s->ring)
		bail("out of memory", NULL);
	for (unsigned v = 0; v < nvrings(s); v++)
		for (int a = VU_FE_AREA_DESC; a <= VU_FE_AREA_DEVICE; a++) {
			uint64_t gpa;
			void *host;
			size_t len;

			vu_fe_vring_area(s->fe, v, (enum vu_fe_area)a, &gpa, &host, &len);
			mark(s, s->ring, gpa, len);
		}
}

/* An Ethernet/IPv4/UDP frame of `len` bytes (or TCP with tso) from -> to,
 * flow by `port`. */
static size_t build(uint8_t *buf, size_t len, const struct side *from, const struct side *to,
		    uint16_t port, bool tcp)
{
	size_t l4 = tcp ? 20 : 8, ip_len = len - 14;

	memset(buf, 0, len);
	memcpy(buf, to->mac, 6);
	memcpy(buf + 6, from->mac, 6);
	buf[12] = 0x08;
	buf[14] = 0x45;
	buf[16] = (uint8_t)(ip_len >> 8);
	buf[17] = (uint8_t)ip_len;
	buf[22] = 64;
	buf[23] = tcp ? 6 : 17;
	memcpy(buf + 26, (uint8_t[]){ 10, 17, 0, from->mac[5] }, 4);
	memcpy(buf + 30, (uint8_t[]){ 10, 17, 0, to->mac[5] }, 4);
	buf[34] = (uint8_t)(port >> 8);
	buf[35] = (uint8_t)port;
	buf[37] = 9;
	if (tcp) {
		buf[46] = 5 << 4;
		buf[47] = 0x10; /* ACK */
	} else {
		buf[38] = (uint8_t)((len - 34) >> 8);
		buf[39] = (uint8_t)(len - 34);
	}
	for (size_t i = 34 + l4; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + port);
	return len;
}

static unsigned max_frame = 8900;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Take what arrived at s; record the bytes written into its buffers. */
static unsigned receive(struct side *s, bool record)
{
	struct vu_fe_frame fr[32];
	unsigned hdr = vu_fe_hdr_len(s->fe), got = 0;

	for (unsigned qp = 0; qp < vu_fe_queue_pairs(s->fe); qp++) {
		int n = vu_fe_rx_burst(s->fe, qp, fr, 32);

		if (n < 0)
			bail("rx_burst", s->fe);
		for (int i = 0; i < n; i++) {
			for (unsigned k = 0; record && k < fr[i].nseg; k++) {
				uint64_t gpa = vu_fe_gpa(s->fe, fr[i].seg[k].iov_base);

				/* the first buffer starts with the virtio-net header */
				if (k == 0)
					mark(s, s->want, gpa - hdr, hdr);
				mark(s, s->want, gpa, fr[i].seg[k].iov_len);
			}
			s->rx_frames[qp]++;
		}
		got += (unsigned)n;
	}
	return got;
}

/* Buffer pages (not ring pages) written but not marked, and marked but
 * not written, since the last clear. */
static void compare(const struct side *s, unsigned *missing, unsigned *extra, uint64_t *first);
static void clear(struct side *s);

/*
 * Send `frames` frames a -> b in rounds of at most 8: one TX burst, then
 * everything it brings to b (for a TSO frame, its segments: until nothing
 * more comes for 20 ms).  With `check`, after each round the pages b's
 * buffers got must all be marked already (uvnetd marks a buffer before
 * it publishes it), and no other buffer page: then both logs are cleared,
 * so each round is checked on its own (a page marked by an earlier write
 * cannot hide a missing mark).  Returns the frames b received.
 */
static unsigned traffic(struct side *a, struct side *b, unsigned frames, bool tso, bool check,
			unsigned *missing, unsigned *extra, uint64_t *first)
{
	static uint8_t buf[65536];
	static uint8_t bufs[8][9000];
	unsigned sent = 0, got = 0;
	int64_t deadline = now_ms() + 20000;

	while (sent < frames && now_ms() < deadline) {
		struct vu_fe_pkt p[8];
		struct virtio_net_hdr h = {
			.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
			.hdr_len = 54, .gso_size = 1448, .csum_start = 34, .csum_offset = 16,
		};
		unsigned k = 0, want, m, e;
		int64_t quiet;
		uint64_t f;
		int n;

		for (; k < 8 && sent + k < frames; k++) {
			unsigned i = sent + k;

			if (tso && i % 5 == 0) { /* one big one, alone */
				if (k == 0)
					p[k++] = (struct vu_fe_pkt){ buf, (uint32_t)build(buf, 20054, a, b,
								(uint16_t)(1000 + i), true), &h };
				break;
			}
			p[k] = (struct vu_fe_pkt){ bufs[k], (uint32_t)build(bufs[k],
						60 + (i * 337) % max_frame, a, b,
						(uint16_t)(1000 + i), false), NULL };
		}
		n = vu_fe_tx_burst(a->fe, (sent / 8) % vu_fe_queue_pairs(a->fe), p, k);
		if (n < 0)
			bail("tx_burst", a->fe);
		sent += (unsigned)n;
		want = got + (unsigned)n;
		quiet = now_ms() + 20;
		while (now_ms() < deadline && (got < want || now_ms() < quiet)) {
			unsigned r = receive(b, check);

			got += r;
			receive(a, false);
			if (r)
				quiet = now_ms() + (got < want ? 20 : 5);
			else
				usleep(200);
		}
		if (!check)
			continue;
		compare(b, &m, &e, &f);
		if (m && !*missing)
			*first = f;
		*missing += m;
		*extra += e;
		clear(a);
		clear(b);
	}
	return got;
}

/* Clear both logs; remember where each used ring stands. */
static void clear(struct side *s)
{
	vu_fe_log_clear(s->fe);
	memset(s->want, 0, MAX_PAGES / 8);
	for (unsigned v = 0; v < nvrings(s); v++)
		s->used_at_clear[v] = used_idx(s, v);
	memset(s->rx_frames, 0, sizeof(s->rx_frames));
}

static void compare(const struct side *s, unsigned *missing, unsigned *extra, uint64_t *first)
{
	*missing = *extra = 0;
	*first = 0;
	for (uint64_t p = 0; p < s->npages; p++) {
		bool w = get_bit(s->want, p), l = logged(s, p);

		if (get_bit(s->ring, p))
			continue;
		if (w && !l && !(*missing)++)
			*first = s->gpa_base + p * PAGE;
		*extra += !w && l;
	}
}

/* The ring's own writes since the clear: split used entries and idx,
 * packed descriptor ring. */
static bool used_ring_logged(const struct side *s, unsigned v, bool packed, unsigned qsize)
{
	uint64_t gpa;
	void *host;
	size_t len;

	if (packed) {
		vu_fe_vring_area(s->fe, v, VU_FE_AREA_DESC, &gpa, &host, &len);
		for (uint64_t a = gpa; a < gpa + len; a += PAGE)
			if (!logged_gpa(s, a))
				return false;
		return logged_gpa(s, gpa + len - 1);
	}
	vu_fe_vring_area(s->fe, v, VU_FE_AREA_DEVICE, &gpa, &host, &len);
	if (!logged_gpa(s, gpa + 2))
		return false;
	for (uint16_t i = s->used_at_clear[v]; i != used_idx(s, v); i++) {
		uint64_t e = gpa + 4 + 8 * (uint64_t)(i % qsize);

		if (!logged_gpa(s, e) || !logged_gpa(s, e + 7))
			return false;
	}
	return true;
}

static void check_direction(struct side *tx, struct side *rx, unsigned frames, bool tso,
			    bool packed, unsigned qsize)
{
	unsigned got, missing = 0, extra = 0, m2, e2;
	uint64_t first = 0, f2;

	clear(tx);
	clear(rx);
	got = traffic(tx, rx, frames, tso, true, &missing, &extra, &first);
	tap(got >= frames, "%s -> %s: %u frames sent, %u received", tx->name, rx->name, frames, got);
	tap(missing == 0, "%s: every RX buffer page uvnetd wrote was marked when the frame arrived "
	    "(%u missing, first at gpa %#llx)", rx->name, missing, (unsigned long long)first);
	tap(extra == 0, "%s: no RX buffer page was marked that was not written (%u)", rx->name, extra);

	/* the rings: uvnetd marks a used ring just after it publishes it */
	clear(tx);
	clear(rx);
	traffic(tx, rx, 16, false, false, &m2, &e2, &f2);
	usleep(200 * 1000);
	for (unsigned qp = 0; qp < vu_fe_queue_pairs(rx->fe); qp++) {
		if (!rx->rx_frames[qp])
			continue;
		tap(used_ring_logged(rx, 2 * qp, packed, qsize),
		    "%s: RX ring %u's used %s marked (%u frames on it)", rx->name, 2 * qp,
		    packed ? "descriptors" : "entries and index", rx->rx_frames[qp]);
	}
	compare(tx, &m2, &e2, &f2);
	tap(e2 == 0, "%s: its TX buffers, only read by uvnetd, are not marked (%u)", tx->name, e2);
	for (unsigned qp = 0; qp < vu_fe_queue_pairs(tx->fe); qp++)
		if (used_idx(tx, 2 * qp + 1) != tx->used_at_clear[2 * qp + 1] || packed)
			tap(used_ring_logged(tx, 2 * qp + 1, packed, qsize),
			    "%s: TX ring %u's used %s marked", tx->name, 2 * qp + 1,
			    packed ? "descriptors" : "entries and index");
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char m[] = "Bail out! vu-log-check: timed out\n";
	(void)!write(1, m, sizeof(m) - 1);
	_exit(1);
}

int main(int argc, char **argv)
{
	struct vu_fe_config cfg = { .queue_pairs = 1, .timeout_ms = 10000 };
	struct side a = { 0 }, b = { 0 };
	unsigned frames = 600, qsize = 256, missing, extra;
	bool packed = false, tso = false, mrg = true;
	uint64_t first;

	signal(SIGALRM, on_alarm);
	alarm(100);
	if (argc < 3) {
		fprintf(stderr, "usage: vu-log-check SOCK_A SOCK_B [--packed] [--no-mrg] "
			"[--queues N] [--tso] [--frames N]\n");
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--packed"))
			packed = true;
		else if (!strcmp(argv[i], "--no-mrg"))
			mrg = false;
		else if (!strcmp(argv[i], "--tso"))
			tso = true;
		else if (!strcmp(argv[i], "--queues") && i + 1 < argc)
			cfg.queue_pairs = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--frames") && i + 1 < argc)
			frames = (unsigned)atoi(argv[++i]);
		else
			return 2;
	}
	cfg.features = VU_FE_F(VIRTIO_F_VERSION_1) | VU_FE_F(VIRTIO_RING_F_EVENT_IDX) |
		       (mrg ? VU_FE_F(VIRTIO_NET_F_MRG_RXBUF) : 0) |
		       (packed ? VU_FE_F(VIRTIO_F_RING_PACKED) : 0) |
		       (tso ? VU_FE_F(VIRTIO_NET_F_CSUM) | VU_FE_F(VIRTIO_NET_F_HOST_TSO4) : 0);
	cfg.required = cfg.features;
	cfg.queue_size = qsize;
	cfg.tx_buf_size = tso ? 65536 + 64 : 9100;
	cfg.rx_buf_size = mrg ? 2048 : 9100;
	if (!mrg)
		max_frame = 9000 - 60;
	/* guest-physical addresses far from our own (and from each other's) */
	side_init(&a, "A", argv[1], 0x40000000ull, 0xa, &cfg);
	side_init(&b, "B", argv[2], 0x100000000ull, 0xb, &cfg);
	if (vu_fe_log_start(a.fe))
		bail("A: log start", a.fe);
	if (vu_fe_log_start(b.fe))
		bail("B: log start", b.fe);
	tap(true, "A and B negotiated %s rings, mergeable %s, %u queue pair(s), dirty log on",
	    packed ? "packed" : "split", mrg ? "on" : "off", cfg.queue_pairs);
	/* warm-up: the bridge learns both */
	traffic(&a, &b, 4, false, false, &missing, &extra, &first);
	traffic(&b, &a, 4, false, false, &missing, &extra, &first);

	check_direction(&a, &b, frames, tso, packed, qsize);
	check_direction(&b, &a, frames, false, packed, qsize);

	/* quiet: nothing written into any buffer, nothing marked */
	clear(&a);
	clear(&b);
	usleep(300 * 1000);
	compare(&a, &missing, &extra, &first);
	tap(extra == 0, "A: quiet for 300 ms, no buffer page marked (%u)", extra);
	compare(&b, &missing, &extra, &first);
	tap(extra == 0, "B: quiet for 300 ms, no buffer page marked (%u)", extra);

	tap(vu_fe_log_stop(a.fe) == 0 && vu_fe_log_stop(b.fe) == 0, "logging stopped");
	vu_fe_destroy(a.fe);
	vu_fe_destroy(b.fe);
	free(a.want);
	free(a.ring);
	free(b.want);
	free(b.ring);
	printf("1..%u\n", tap_n);
	return tap_failed ? 1 : 0;
}
