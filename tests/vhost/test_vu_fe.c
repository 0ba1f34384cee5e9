/* SPDX-License-Identifier: MIT */
/*
 * The virtio-user front-end (src/vhost/vu_fe.h) against the in-tree
 * vhost-user back-end (struct vu_dev) in the same process, over a
 * temporary socket path.
 *
 * The back-end runs on two threads of the test: a control thread that
 * accepts (or connects) and handles messages with vu_dev_handle(), as
 * uvnetd's control thread does, and a device thread that echoes every
 * frame of a queue pair's TX ring into the same pair's RX ring with
 * vq_dev (mergeable buffers when negotiated; a frame waits in the TX ring
 * while the RX ring has no room, so nothing is lost).  queue_stop() takes
 * the device lock, so a stopped ring is not touched any more.
 *
 * Covered: negotiation (features, protocol features, REPLY_ACK or not, no
 * protocol features at all, MQ), SET_MEM_TABLE (one region, gpa == uva),
 * frames both ways on split and packed rings, with and without mergeable
 * buffers, in-order, indirect descriptors, headers in their own
 * descriptor, several queue pairs, event mode, a back-end that goes away
 * (clean errors) and comes back (reconnect, client and server mode), and
 * a back-end that writes bad used ids, lengths or num_buffers.
 *
 * cmocka asserts only on the test thread; the back-end threads record.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "vhost/vu_dev.h"
#include "vhost/vu_fe.h"
#include "vhost/vu_socket.h"

#define F(bit) (1ull << (bit))
#define P(bit) (1ull << (bit))

#define BE_FEATURES                                                                    \
	(F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_RING_PACKED) | F(VIRTIO_F_IN_ORDER) |         \
	 F(VIRTIO_RING_F_INDIRECT_DESC) | F(VIRTIO_RING_F_EVENT_IDX) |                    \
	 F(VIRTIO_NET_F_MRG_RXBUF) | F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM) |  \
	 F(VHOST_USER_F_PROTOCOL_FEATURES))
#define BE_PROTOCOL                                                                    \
	(P(VHOST_USER_PROTOCOL_F_MQ) | P(VHOST_USER_PROTOCOL_F_REPLY_ACK) |               \
	 P(VHOST_USER_PROTOCOL_F_RARP) | P(VHOST_USER_PROTOCOL_F_STATUS))

#define HDR_LEN 12u
#define ECHO_BURST 32
#define MAX_FRAME 9216u

/* ---- the back-end ---- */

struct be {
	struct vu_dev dev;
	pthread_mutex_t lock;          /* the device's: rings and running[] */
	bool running[VU_MAX_VRINGS];
	int start_rc;                  /* what queue_start answers */
	bool server;                   /* the back-end listens (front-end is a client) */
	int listen_fd;
	char path[108];
	bool stop;                     /* atomic: threads exit */
	bool allow_connect;            /* atomic: accept/connect when not connected */
	bool drop;                     /* atomic: drop the connection now */
	bool echo;                     /* atomic: the device echoes */
	unsigned connects;             /* atomic */
	struct error why;              /* last reason the back-end dropped */
	pthread_t ctl_thread, dev_thread;
	struct vq_chain txc[ECHO_BURST];
	struct vq_chain rxc[VHOST_USER_MAX_FDS * 8];
	uint8_t frame[HDR_LEN + MAX_FRAME];
	uint64_t echoed;               /* atomic */
};

static int be_queue_start(void *opaque, unsigned idx)
{
	struct be *b = opaque;

	if (b->start_rc)
		return b->start_rc;
	pthread_mutex_lock(&b->lock);
	b->running[idx] = true;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

static void be_queue_stop(void *opaque, unsigned idx)
{
	struct be *b = opaque;

	pthread_mutex_lock(&b->lock);
	b->running[idx] = false;
	pthread_mutex_unlock(&b->lock);
}

static const struct vu_dev_ops be_ops = {
	.queue_start = be_queue_start,
	.queue_stop = be_queue_stop,
};

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

static void *be_ctl_main(void *arg)
{
	struct be *b = arg;

	while (!LOAD(b->stop)) {
		struct pollfd p;

		if (LOAD(b->drop)) {
			vu_dev_disconnect(&b->dev);
			STORE(b->drop, false);
		}
		if (b->dev.sock < 0) {
			int sock = -1;

			if (LOAD(b->allow_connect)) {
				if (b->server) {
					p = (struct pollfd){ .fd = b->listen_fd, .events = POLLIN };
					if (poll(&p, 1, 10) == 1)
						sock = vu_socket_accept(b->listen_fd);
				} else {
					sock = vu_socket_connect(b->path);
				}
			}
			if (sock >= 0) {
				vu_dev_connect(&b->dev, sock);
				__atomic_add_fetch(&b->connects, 1, __ATOMIC_RELEASE);
			} else {
				usleep(5000);
			}
			continue;
		}
		p = (struct pollfd){ .fd = b->dev.sock, .events = POLLIN };
		if (poll(&p, 1, 10) == 1 && vu_dev_handle(&b->dev, &b->why))
			vu_dev_disconnect(&b->dev);
	}
	vu_dev_disconnect(&b->dev);
	return NULL;
}

/* Copy len bytes into the writable iovecs of chains c[0..n), from `off`. */
static void chains_write(struct vq_chain *c, unsigned n, const uint8_t *src, size_t len)
{
	for (unsigned k = 0; k < n && len; k++)
		for (unsigned i = c[k].nout; i < c[k].nout + c[k].nin && len; i++) {
			size_t l = c[k].iov[i].iov_len < len ? c[k].iov[i].iov_len : len;

			memcpy(c[k].iov[i].iov_base, src, l);
			src += l;
			len -= l;
		}
}

/* Echo up to a burst from pair qp's TX ring into its RX ring. */
static unsigned be_echo(struct be *b, unsigned qp)
{
	struct vu_vring *txr = b->dev.vring[2 * qp + 1], *rxr = b->dev.vring[2 * qp];
	struct vq_dev *tx = &txr->vq, *rx = &rxr->vq;
	bool mrg = b->dev.features & F(VIRTIO_NET_F_MRG_RXBUF);
	unsigned done = 0, rxpushed = 0;

	while (done < ECHO_BURST) {
		struct vq_chain *c = &b->txc[done];
		struct virtio_net_hdr_mrg_rxbuf *h = (void *)b->frame;
		size_t len = 0, need, cap = 0;
		unsigned nb = 0;

		if (vq_dev_pop_burst(tx, c, 1) != 1)
			break;
		for (unsigned i = 0; i < c->nout && len < sizeof(b->frame); i++) {
			size_t l = c->iov[i].iov_len;

			if (l > sizeof(b->frame) - len)
				l = sizeof(b->frame) - len;
			memcpy(b->frame + len, c->iov[i].iov_base, l);
			len += l;
		}
		need = len;
		while (cap < need && nb < (mrg ? sizeof(b->rxc) / sizeof(b->rxc[0]) : 1)) {
			if (vq_dev_pop_burst(rx, &b->rxc[nb], 1) != 1)
				break;
			cap += b->rxc[nb++].in_len;
		}
		if (cap < need) {
			/* no room: both wait for the front-end */
			vq_dev_unpop(rx, b->rxc, nb);
			vq_dev_unpop(tx, c, 1);
			break;
		}
		h->num_buffers = (uint16_t)nb;
		chains_write(b->rxc, nb, b->frame, len);
		for (unsigned k = 0; k < nb; k++) {
			uint32_t l = need < b->rxc[k].in_len ? (uint32_t)need : b->rxc[k].in_len;

			vq_dev_push(rx, b->rxc[k].id, b->rxc[k].ndesc, l);
			need -= l;
		}
		rxpushed++;
		vq_dev_push(tx, c->id, c->ndesc, 0);
		done++;
	}
	if (done) {
		vq_dev_flush(tx);
		if (vq_dev_needs_call(tx) && txr->call_fd >= 0)
			eventfd_write(txr->call_fd, 1);
	}
	if (rxpushed) {
		vq_dev_flush(rx);
		if (vq_dev_needs_call(rx) && rxr->call_fd >= 0)
			eventfd_write(rxr->call_fd, 1);
		__atomic_add_fetch(&b->echoed, rxpushed, __ATOMIC_RELEASE);
	}
	return done;
}

static void *be_dev_main(void *arg)
{
	struct be *b = arg;

	while (!LOAD(b->stop)) {
		unsigned moved = 0;

		pthread_mutex_lock(&b->lock);
		if (LOAD(b->echo))
			for (unsigned qp = 0; qp < VU_MAX_QUEUE_PAIRS; qp++)
				if (b->running[2 * qp] && b->running[2 * qp + 1] &&
				    !vq_dev_broken(&b->dev.vring[2 * qp]->vq) &&
				    !vq_dev_broken(&b->dev.vring[2 * qp + 1]->vq))
					moved += be_echo(b, qp);
		pthread_mutex_unlock(&b->lock);
		if (!moved)
			usleep(100);
	}
	return NULL;
}

struct be_opts {
	uint64_t features, protocol;
	unsigned queue_pairs;
	bool server;       /* back-end listens */
};

static void be_start(struct be *b, const char *path, const struct be_opts *o)
{
	memset(b, 0, sizeof(*b));
	pthread_mutex_init(&b->lock, NULL);
	vu_dev_init(&b->dev, &(struct vu_dev_config){
		.features = o->features ? o->features : BE_FEATURES,
		.protocol_features = o->protocol == ~0ull ? 0 : o->protocol ? o->protocol : BE_PROTOCOL,
		.queue_pairs = o->queue_pairs ? o->queue_pairs : 1,
		.ops = &be_ops,
		.opaque = b,
	});
	snprintf(b->path, sizeof(b->path), "%s", path);
	b->server = o->server;
	b->listen_fd = -1;
	if (b->server) {
		b->listen_fd = vu_socket_listen(path, 0600);
		assert_true(b->listen_fd >= 0);
	}
	b->echo = true;
	b->allow_connect = true;
	assert_int_equal(pthread_create(&b->ctl_thread, NULL, be_ctl_main, b), 0);
	assert_int_equal(pthread_create(&b->dev_thread, NULL, be_dev_main, b), 0);
}

static void be_stop(struct be *b)
{
	STORE(b->stop, true);
	pthread_join(b->dev_thread, NULL);
	pthread_join(b->ctl_thread, NULL);
	if (b->listen_fd >= 0) {
		close(b->listen_fd);
		unlink(b->path);
	}
	pthread_mutex_destroy(&b->lock);
}

/* ---- fixture ---- */

struct fx {
	char dir[64];
	char path[108];
	int base_fds;
	struct be be;
	bool be_started;
	struct vu_fe *fe;
	uint32_t seq;
	uint8_t sent[64][MAX_FRAME]; /* frames in flight, by seq % 64 */
	uint32_t sent_len[64];
};

/*
 * Stop the device's echo and wait out a pass already under way (a pass
 * holds the lock), so that what the test sends next stays in the ring
 * for the test to take.
 */
static void echo_off(struct fx *f)
{
	STORE(f->be.echo, false);
	pthread_mutex_lock(&f->be.lock);
	pthread_mutex_unlock(&f->be.lock);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int count_maps(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, name))
			n++;
	fclose(f);
	return n;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/uvnet-vufe-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/vhost.sock", f->dir);
	f->base_fds = count_fds();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vu_fe_destroy(f->fe);
	if (f->be_started)
		be_stop(&f->be);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Back-end listening, front-end connecting (the common uvnetd setup). */
static int fx_connect(struct fx *f, const struct be_opts *bo, struct vu_fe_config cfg)
{
	struct be_opts o = *bo;
	int rc;

	cfg.path = f->path;
	o.server = !cfg.server;
	be_start(&f->be, f->path, &o);
	f->be_started = true;
	if (!cfg.timeout_ms)
		cfg.timeout_ms = 5000;
	rc = vu_fe_create(&cfg, &f->fe, NULL);
	assert_int_equal(rc, 0);
	rc = vu_fe_connect(f->fe);
	if (rc)
		print_message("# vu_fe_connect: %s (%s)\n", strerror(-rc), vu_fe_error(f->fe));
	return rc;
}

/* ---- traffic ---- */

static void make_frame(struct fx *f, uint32_t seq, uint32_t len)
{
	uint8_t *p = f->sent[seq % 64];

	memset(p, 0xff, 6);
	memcpy(p + 6, "\x02\x00\x00\x00\x00\x01", 6);
	p[12] = 0x88;
	p[13] = 0xb5;
	memcpy(p + 14, &seq, 4);
	for (uint32_t i = 18; i < len; i++)
		p[i] = (uint8_t)(seq * 7 + i);
	f->sent_len[seq % 64] = len;
}

static void check_frame(struct fx *f, const struct vu_fe_frame *fr, uint32_t seq)
{
	static uint8_t buf[MAX_FRAME];
	uint32_t len = f->sent_len[seq % 64];

	assert_int_equal(fr->len, len);
	assert_int_equal(vu_fe_frame_copy(fr, buf, sizeof(buf)), len);
	assert_memory_equal(buf, f->sent[seq % 64], len);
}

static uint32_t size_for(uint32_t seq, uint32_t max)
{
	static const uint32_t sizes[] = { 60, 64, 128, 511, 512, 1000, 1514, 2000, 4000, 9000 };
	uint32_t s = sizes[seq % (sizeof(sizes) / sizeof(sizes[0]))];

	return s > max ? 60 + seq % 400 : s;
}

/*
 * Send `count` frames on queue pair qp (at most 32 in flight) and check
 * that each comes back, in order and intact.  Returns the highest number
 * of buffers one frame took.
 */
static unsigned echo_frames(struct fx *f, unsigned qp, unsigned count, uint32_t max_len,
			    bool event_mode)
{
	uint32_t next_rx = f->seq, next_tx = f->seq, end = f->seq + count;
	unsigned max_bufs = 0;
	int64_t deadline = now_ms() + 10000;

	while (next_rx != end) {
		struct vu_fe_pkt pkts[8];
		struct vu_fe_frame fr[16];
		unsigned n = 0;
		int got;

		assert_true(now_ms() < deadline);
		while (n < 8 && next_tx + n != end && next_tx + n - next_rx < 32) {
			uint32_t s = next_tx + n;

			make_frame(f, s, size_for(s, max_len));
			pkts[n] = (struct vu_fe_pkt){ f->sent[s % 64], f->sent_len[s % 64], NULL };
			n++;
		}
		if (n) {
			got = vu_fe_tx_burst(f->fe, qp, pkts, n);
			assert_true(got >= 0);
			next_tx += (uint32_t)got;
		}
		if (event_mode && next_tx == end) {
			int w = vu_fe_wait(f->fe, qp, VU_FE_WAIT_RX, 2000);

			assert_true(w >= 0);
		}
		got = vu_fe_rx_burst(f->fe, qp, fr, 16);
		if (got < 0)
			print_message("# rx_burst: %s: %s\n", strerror(-got),
				      vu_fe_queue_error(f->fe, qp));
		assert_true(got >= 0);
		for (int i = 0; i < got; i++) {
			check_frame(f, &fr[i], next_rx);
			if (fr[i].nbufs > max_bufs)
				max_bufs = fr[i].nbufs;
			next_rx++;
		}
		if (!got && !n)
			sched_yield();
	}
	f->seq = end;
	return max_bufs;
}

/* ---- tests: negotiation ---- */

static void negotiates_defaults_and_shares_one_region(void **state)
{
	struct fx *f = *state;
	struct vu_fe_stats st;

	assert_int_equal(fx_connect(f, &(struct be_opts){ 0 }, (struct vu_fe_config){ 0 }), 0);
	assert_true(vu_fe_connected(f->fe));
	assert_int_equal(vu_fe_generation(f->fe), 1);
	assert_int_equal(vu_fe_features(f->fe),
			 F(VIRTIO_F_VERSION_1) | F(VIRTIO_RING_F_EVENT_IDX) |
			 F(VIRTIO_RING_F_INDIRECT_DESC) | F(VIRTIO_NET_F_MRG_RXBUF));
	assert_int_equal(vu_fe_protocol_features(f->fe),
			 P(VHOST_USER_PROTOCOL_F_MQ) | P(VHOST_USER_PROTOCOL_F_REPLY_ACK));
	assert_int_equal(vu_fe_hdr_len(f->fe), 12);
	assert_int_equal(vu_fe_queue_pairs(f->fe), 1);
	/* The back-end saw the same, and both rings run: with REPLY_ACK the
	 * connect returned only after every request was acted on. */
	pthread_mutex_lock(&f->be.lock);
	assert_int_equal(f->be.dev.features,
			 vu_fe_features(f->fe) | F(VHOST_USER_F_PROTOCOL_FEATURES));
	assert_int_equal(f->be.dev.protocol_features, vu_fe_protocol_features(f->fe));
	assert_non_null(f->be.dev.mem);
	assert_int_equal(f->be.dev.mem->nregions, 1);
	assert_true(f->be.dev.mem->regions[0].gpa == f->be.dev.mem->regions[0].uva);
	assert_true(f->be.running[0] && f->be.running[1]);
	assert_int_equal(f->be.dev.vring[0]->num, 256);
	assert_int_equal(f->be.dev.vring[0]->vq.layout, VQ_SPLIT);
	pthread_mutex_unlock(&f->be.lock);
	echo_frames(f, 0, 200, 1514, false);
	vu_fe_get_stats(f->fe, 0, &st);
	assert_int_equal(st.tx_packets, 200);
	assert_int_equal(st.rx_packets, 200);
	assert_int_equal(st.rx_errors, 0);
}

static void without_reply_ack(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_connect(f, &(struct be_opts){ .protocol = P(VHOST_USER_PROTOCOL_F_MQ) },
				    (struct vu_fe_config){ 0 }), 0);
	assert_int_equal(vu_fe_protocol_features(f->fe), P(VHOST_USER_PROTOCOL_F_MQ));
	echo_frames(f, 0, 100, 1514, false);
}

static void without_protocol_features(void **state)
{
	struct fx *f = *state;

	/* No VHOST_USER_F_PROTOCOL_FEATURES: rings start enabled, no acks. */
	assert_int_equal(fx_connect(f, &(struct be_opts){
		.features = BE_FEATURES & ~F(VHOST_USER_F_PROTOCOL_FEATURES), .protocol = ~0ull },
		(struct vu_fe_config){ 0 }), 0);
	assert_int_equal(vu_fe_protocol_features(f->fe), 0);
	echo_frames(f, 0, 100, 1514, false);
}

static void missing_required_feature_fails(void **state)
{
	struct fx *f = *state;
	int rc = fx_connect(f, &(struct be_opts){ .features = BE_FEATURES & ~F(VIRTIO_F_RING_PACKED) },
			    (struct vu_fe_config){
				    .features = VU_FE_FEATURES_DEFAULT | F(VIRTIO_F_RING_PACKED),
				    .required = F(VIRTIO_F_RING_PACKED) });

	assert_int_equal(rc, -ENOTSUP);
	assert_non_null(strstr(vu_fe_error(f->fe), "RING_PACKED"));
	assert_false(vu_fe_connected(f->fe));
	assert_int_equal(vu_fe_tx_burst(f->fe, 0, NULL, 0), -ENOTCONN);
}

static void too_many_queue_pairs_fails(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_connect(f, &(struct be_opts){ .queue_pairs = 2 },
				    (struct vu_fe_config){ .queue_pairs = 3 }), -ERANGE);
	assert_non_null(strstr(vu_fe_error(f->fe), "3 queue pairs"));
}

static void multiqueue_without_mq_fails(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_connect(f, &(struct be_opts){ .queue_pairs = 2,
		.protocol = P(VHOST_USER_PROTOCOL_F_REPLY_ACK) },
		(struct vu_fe_config){ .queue_pairs = 2 }), -ENOTSUP);
	assert_non_null(strstr(vu_fe_error(f->fe), "MQ"));
}

static void refused_request_is_reported(void **state)
{
	struct fx *f = *state;
	struct be_opts o = { 0 };
	struct vu_fe_config cfg = { .path = f->path, .timeout_ms = 5000 };

	o.server = true;
	be_start(&f->be, f->path, &o);
	f->be_started = true;
	f->be.start_rc = -EBUSY; /* the device cannot start a ring */
	assert_int_equal(vu_fe_create(&cfg, &f->fe, NULL), 0);
	assert_int_equal(vu_fe_connect(f->fe), -EIO);
	assert_non_null(strstr(vu_fe_error(f->fe), "refused SET_VRING_ENABLE"));
	assert_false(vu_fe_connected(f->fe));
}

static void bad_config_is_refused(void **state)
{
	struct fx *f = *state;
	struct vu_fe *fe = NULL;
	struct error e;

	assert_int_equal(vu_fe_create(&(struct vu_fe_config){ .path = f->path, .queue_size = 100 },
				      &fe, &e), -EINVAL);
	assert_null(fe);
	assert_int_equal(e.code, -EINVAL);
	assert_non_null(strstr(e.msg, "queue size 100"));
	assert_int_equal(vu_fe_create(&(struct vu_fe_config){ .path = f->path, .queue_pairs = 9 },
				      &fe, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "9 queue pairs"));
	assert_int_equal(vu_fe_create(&(struct vu_fe_config){ .path = NULL }, &fe, &e), -EINVAL);
	assert_string_equal(e.msg, "no socket path");
	assert_int_equal(vu_fe_create(&(struct vu_fe_config){ .path = f->path, .rx_buf_size = 16 },
				      &fe, NULL), -EINVAL);
	/* a packed ring may have any size */
	assert_int_equal(vu_fe_create(&(struct vu_fe_config){ .path = f->path, .queue_size = 100,
		.features = VU_FE_FEATURES_DEFAULT | F(VIRTIO_F_RING_PACKED),
		.required = F(VIRTIO_F_RING_PACKED) }, &fe, NULL), 0);
	vu_fe_destroy(fe);
}

static void no_backend_times_out(void **state)
{
	struct fx *f = *state;
	int64_t t0 = now_ms();

	assert_int_equal(vu_fe_create(&(struct vu_fe_config){ .path = f->path, .timeout_ms = 300 },
				      &f->fe, NULL), 0);
	assert_int_equal(vu_fe_connect(f->fe), -ENOENT);
	assert_true(now_ms() - t0 >= 250);
	vu_fe_destroy(f->fe);
	f->fe = NULL;
	assert_int_equal(vu_fe_create(&(struct vu_fe_config){ .path = f->path, .timeout_ms = 200,
		.server = true }, &f->fe, NULL), 0);
	assert_int_equal(vu_fe_connect(f->fe), -ETIMEDOUT);
}

/* ---- tests: traffic ---- */

struct variant {
	const char *name;
	uint64_t features;
	bool split_hdr;
	unsigned rx_buf, qsize;
	bool more_bufs; /* mergeable: some frames must take several buffers */
	uint64_t gpa_base; /* 0: guest addresses are ours */
};

static void run_variant(struct fx *f, const struct variant *v)
{
	uint64_t want = F(VIRTIO_F_VERSION_1) | v->features;
	unsigned max_bufs;
	uint32_t max_len = v->features & F(VIRTIO_NET_F_MRG_RXBUF) ? MAX_FRAME
				: (v->rx_buf ? v->rx_buf : 2048) - HDR_LEN;

	print_message("# variant %s\n", v->name);
	assert_int_equal(fx_connect(f, &(struct be_opts){ 0 }, (struct vu_fe_config){
		.features = want, .required = want, .split_hdr = v->split_hdr,
		.rx_buf_size = v->rx_buf, .tx_buf_size = MAX_FRAME + HDR_LEN,
		.queue_size = v->qsize, .gpa_base = v->gpa_base }), 0);
	assert_int_equal(vu_fe_features(f->fe), want);
	pthread_mutex_lock(&f->be.lock);
	/* the memory's guest address, distinct from ours when asked */
	if (v->gpa_base) {
		assert_int_equal(f->be.dev.mem->regions[0].gpa, v->gpa_base);
		assert_true(f->be.dev.mem->regions[0].uva != v->gpa_base);
	} else {
		assert_int_equal(f->be.dev.mem->regions[0].gpa, f->be.dev.mem->regions[0].uva);
	}
	assert_int_equal(f->be.dev.vring[1]->vq.layout,
			 want & F(VIRTIO_F_RING_PACKED) ? VQ_PACKED : VQ_SPLIT);
	pthread_mutex_unlock(&f->be.lock);
	/* enough frames to wrap every ring a few times */
	max_bufs = echo_frames(f, 0, 3000, max_len, false);
	if (v->more_bufs)
		assert_true(max_bufs > 1);
	else
		assert_int_equal(max_bufs, 1);
	assert_null(vu_fe_queue_error(f->fe, 0));
}

#define MRG F(VIRTIO_NET_F_MRG_RXBUF)
#define EVI F(VIRTIO_RING_F_EVENT_IDX)
#define IND F(VIRTIO_RING_F_INDIRECT_DESC)
#define INO F(VIRTIO_F_IN_ORDER)
#define PKD F(VIRTIO_F_RING_PACKED)

static const struct variant variants[] = {
	{ "split, mergeable, event idx, small rx buffers", MRG | EVI, false, 512, 0, true, 0 },
	{ "split, not mergeable", EVI, false, 0, 0, false, 0 },
	{ "split, no event idx, mergeable", MRG, false, 1024, 0, true, 0 },
	{ "split, in order, mergeable", MRG | EVI | INO, false, 700, 0, true, 0 },
	{ "split, header descriptors, indirect", EVI | IND, true, 0, 0, false, 0 },
	{ "split, header descriptors, no indirect", EVI, true, 0, 64, false, 0 },
	{ "packed, mergeable", PKD | MRG | EVI, false, 512, 0, true, 0 },
	{ "packed, not mergeable, odd size", PKD | EVI, false, 0, 100, false, 0 },
	{ "packed, no event idx, in order", PKD | MRG | INO, false, 0, 0, true, 0 },
	{ "packed, header descriptors, indirect", PKD | EVI | IND, true, 0, 0, false, 0 },
	{ "packed, header descriptors, no indirect, in order", PKD | INO, true, 0, 32, false, 0 },
	{ "split, guest addresses not ours, header descriptors, indirect", EVI | IND, true, 0, 0,
	  false, 0x40000000 },
	{ "packed, guest addresses not ours, mergeable", PKD | MRG | EVI, false, 512, 0, true,
	  0x100000000ull },
};

#define VARIANT_TEST(i)                                                   \
	static void variant_##i(void **state)                             \
	{                                                                 \
		run_variant(*state, &variants[i]);                        \
	}
VARIANT_TEST(0)
VARIANT_TEST(1)
VARIANT_TEST(2)
VARIANT_TEST(3)
VARIANT_TEST(4)
VARIANT_TEST(5)
VARIANT_TEST(6)
VARIANT_TEST(7)
VARIANT_TEST(8)
VARIANT_TEST(9)
VARIANT_TEST(10)
VARIANT_TEST(11)
VARIANT_TEST(12)

static void two_queue_pairs(void **state)
{
	struct fx *f = *state;
	struct vu_fe_stats s0, s1;

	assert_int_equal(fx_connect(f, &(struct be_opts){ .queue_pairs = 2 },
				    (struct vu_fe_config){ .queue_pairs = 2 }), 0);
	assert_int_equal(vu_fe_queue_pairs(f->fe), 2);
	echo_frames(f, 0, 300, 1514, false);
	echo_frames(f, 1, 300, 1514, false);
	vu_fe_get_stats(f->fe, 0, &s0);
	vu_fe_get_stats(f->fe, 1, &s1);
	assert_int_equal(s0.rx_packets, 300);
	assert_int_equal(s1.rx_packets, 300);
	assert_int_equal(vu_fe_tx_burst(f->fe, 2, NULL, 0), -EINVAL);
}

static void event_mode(void **state)
{
	struct fx *f = *state;
	struct vu_fe_stats st;
	struct vu_fe_frame fr[4];
	int64_t t0;

	assert_int_equal(fx_connect(f, &(struct be_opts){ 0 }, (struct vu_fe_config){ 0 }), 0);
	/* nothing to receive: a timeout */
	t0 = now_ms();
	assert_int_equal(vu_fe_wait(f->fe, 0, VU_FE_WAIT_RX, 100), 0);
	assert_true(now_ms() - t0 >= 90);
	echo_frames(f, 0, 500, 1514, true);
	vu_fe_get_stats(f->fe, 0, &st);
	assert_true(st.waits > 0);
	/* a frame that arrives while we sleep wakes us */
	make_frame(f, f->seq, 100);
	assert_int_equal(vu_fe_tx_burst(f->fe, 0, &(struct vu_fe_pkt){ f->sent[f->seq % 64], 100, NULL }, 1), 1);
	assert_int_equal(vu_fe_wait(f->fe, VU_FE_ALL_QUEUES, VU_FE_WAIT_RX | VU_FE_WAIT_TX, 5000), 1);
	t0 = now_ms();
	while (vu_fe_rx_burst(f->fe, 0, fr, 4) == 0)
		assert_true(now_ms() - t0 < 5000);
	check_frame(f, &fr[0], f->seq);
	f->seq++;
}

static void tx_ring_full_and_oversized_frames(void **state)
{
	struct fx *f = *state;
	struct vu_fe_pkt pkts[32];
	struct vu_fe_stats st;
	unsigned total = 0;
	int n;

	assert_int_equal(fx_connect(f, &(struct be_opts){ 0 }, (struct vu_fe_config){ .queue_size = 64 }), 0);
	echo_off(f); /* nobody consumes */
	make_frame(f, 0, 60);
	for (unsigned i = 0; i < 32; i++)
		pkts[i] = (struct vu_fe_pkt){ f->sent[0], 60, NULL };
	while ((n = vu_fe_tx_burst(f->fe, 0, pkts, 32)) > 0)
		total += (unsigned)n;
	assert_int_equal(n, 0);
	assert_int_equal(total, 64);
	/* a frame larger than a TX buffer is taken and dropped */
	pkts[0].len = vu_fe_max_tx_frame(f->fe) + 1;
	assert_int_equal(vu_fe_tx_burst(f->fe, 0, pkts, 1), 1);
	vu_fe_get_stats(f->fe, 0, &st);
	assert_int_equal(st.tx_packets, 64);
	assert_int_equal(st.tx_dropped, 1);
	assert_true(st.tx_full >= 1);
	/* once the device runs again, everything comes back */
	STORE(f->be.echo, true);
	{
		struct vu_fe_frame fr[32];
		unsigned got = 0;
		int64_t t0 = now_ms();

		while (got < 64) {
			n = vu_fe_rx_burst(f->fe, 0, fr, 32);
			assert_true(n >= 0);
			got += (unsigned)n;
			assert_true(now_ms() - t0 < 5000);
		}
		assert_int_equal(got, 64);
	}
	f->seq = 0;
	echo_frames(f, 0, 200, 1514, false);
}

/* ---- tests: the back-end goes away ---- */

static bool wait_until_down(struct fx *f)
{
	int64_t t0 = now_ms();

	while (vu_fe_connected(f->fe))
		if (now_ms() - t0 > 3000)
			return false;
		else
			usleep(1000);
	return true;
}

static void backend_gone_gives_clean_errors(void **state)
{
	struct fx *f = *state;
	struct vu_fe_frame fr[4];
	struct vu_fe_pkt p;

	assert_int_equal(fx_connect(f, &(struct be_opts){ 0 }, (struct vu_fe_config){ 0 }), 0);
	echo_frames(f, 0, 100, 1514, false);
	STORE(f->be.allow_connect, false);
	STORE(f->be.drop, true);
	assert_true(wait_until_down(f));
	make_frame(f, 0, 60);
	p = (struct vu_fe_pkt){ f->sent[0], 60, NULL };
	assert_int_equal(vu_fe_tx_burst(f->fe, 0, &p, 1), -ENOTCONN);
	assert_int_equal(vu_fe_rx_burst(f->fe, 0, fr, 4), -ENOTCONN);
	assert_int_equal(vu_fe_rx_release(f->fe, 0), -ENOTCONN);
	assert_int_equal(vu_fe_wait(f->fe, 0, VU_FE_WAIT_RX, 1000), -ENOTCONN);
	assert_non_null(strstr(vu_fe_error(f->fe), "closed the connection"));
	assert_int_equal(vu_fe_generation(f->fe), 1);
}

static void destroy_while_connected_leaves_nothing(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_connect(f, &(struct be_opts){ 0 }, (struct vu_fe_config){ .queue_pairs = 1 }), 0);
	echo_frames(f, 0, 50, 1514, false);
	vu_fe_destroy(f->fe);
	f->fe = NULL;
	/* GET_VRING_BASE stopped both rings before the socket closed */
	pthread_mutex_lock(&f->be.lock);
	assert_false(f->be.running[0]);
	assert_false(f->be.running[1]);
	pthread_mutex_unlock(&f->be.lock);
	be_stop(&f->be);
	f->be_started = false;
	assert_int_equal(count_fds(), f->base_fds);
	assert_int_equal(count_maps("uvnet-virtio-user"), 0);
}

static void reconnect(struct fx *f, bool fe_server, bool thread)
{
	struct vu_fe_frame fr[4];
	int64_t t0;

	assert_int_equal(fx_connect(f, &(struct be_opts){ 0 }, (struct vu_fe_config){
		.server = fe_server, .reconnect = true, .no_thread = !thread }), 0);
	echo_frames(f, 0, 300, 1514, false);
	/* Leave a burst in the application's hands across the reconnect. */
	make_frame(f, f->seq, 200);
	assert_int_equal(vu_fe_tx_burst(f->fe, 0, &(struct vu_fe_pkt){ f->sent[f->seq % 64], 200, NULL }, 1), 1);
	t0 = now_ms();
	while (vu_fe_rx_burst(f->fe, 0, fr, 4) != 1)
		assert_true(now_ms() - t0 < 5000);
	STORE(f->be.drop, true);
	t0 = now_ms();
	while (vu_fe_generation(f->fe) < 2) {
		if (!thread)
			vu_fe_service(f->fe, 10);
		else
			usleep(1000);
		assert_true(now_ms() - t0 < 5000);
	}
	/* The frame we still hold was not given to the new back-end. */
	check_frame(f, &fr[0], f->seq);
	f->seq++;
	assert_true(vu_fe_connected(f->fe));
	assert_true(LOAD(f->be.connects) >= 2);
	echo_frames(f, 0, 300, 1514, false);
	/* and the wait in event mode survives a reconnect */
	STORE(f->be.drop, true);
	if (thread) {
		int w = vu_fe_wait(f->fe, 0, VU_FE_WAIT_RX, 3000);

		assert_true(w == 1 || w == -ENOTCONN || w == 0);
		t0 = now_ms();
		while (vu_fe_generation(f->fe) < 3)
			assert_true(now_ms() - t0 < 5000);
	} else {
		t0 = now_ms();
		while (vu_fe_generation(f->fe) < 3) {
			vu_fe_service(f->fe, 10);
			assert_true(now_ms() - t0 < 5000);
		}
	}
	echo_frames(f, 0, 100, 1514, true);
}

static void reconnect_client_mode(void **state)
{
	reconnect(*state, false, true);
}

static void reconnect_server_mode(void **state)
{
	reconnect(*state, true, true);
}

static void reconnect_without_thread(void **state)
{
	reconnect(*state, false, false);
}

/* ---- tests: a misbehaving back-end ---- */

/* Pop one RX chain on the device side (pair 0), under the device lock. */
static struct vq_chain *pop_rx(struct fx *f)
{
	static struct vq_chain c;
	int64_t t0 = now_ms();

	for (;;) {
		int n;

		pthread_mutex_lock(&f->be.lock);
		n = vq_dev_pop_burst(&f->be.dev.vring[0]->vq, &c, 1);
		if (n == 1)
			return &c; /* still locked */
		pthread_mutex_unlock(&f->be.lock);
		assert_true(now_ms() - t0 < 3000);
		usleep(1000);
	}
}

static void bad_used_id_is_detected(void **state)
{
	struct fx *f = *state;
	struct vu_fe_frame fr[4];
	struct vq_dev *vq;

	assert_int_equal(fx_connect(f, &(struct be_opts){ 0 }, (struct vu_fe_config){ 0 }), 0);
	echo_frames(f, 0, 50, 1514, false);
	echo_off(f);
	pop_rx(f);
	vq = &f->be.dev.vring[0]->vq;
	vq_dev_push(vq, (uint16_t)(vq->size + 5), 1, 64); /* an id never handed out */
	vq_dev_flush(vq);
	pthread_mutex_unlock(&f->be.lock);
	assert_int_equal(vu_fe_rx_burst(f->fe, 0, fr, 4), -EIO);
	assert_non_null(vu_fe_queue_error(f->fe, 0));
	assert_non_null(strstr(vu_fe_queue_error(f->fe, 0), "not in flight"));
	assert_int_equal(vu_fe_rx_burst(f->fe, 0, fr, 4), -EIO);
	/* the other ring and the connection go on */
	assert_true(vu_fe_connected(f->fe));
	make_frame(f, 0, 60);
	assert_int_equal(vu_fe_tx_burst(f->fe, 0, &(struct vu_fe_pkt){ f->sent[0], 60, NULL }, 1), 1);
}

static void bad_used_length_is_detected(void **state)
{
	struct fx *f = *state;
	struct vu_fe_frame fr[4];
	struct vq_chain *c;
	struct vq_dev *vq;

	assert_int_equal(fx_connect(f, &(struct be_opts){ 0 }, (struct vu_fe_config){
		.features = F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_RING_PACKED), .required = F(VIRTIO_F_RING_PACKED) }), 0);
	echo_off(f);
	c = pop_rx(f);
	vq = &f->be.dev.vring[0]->vq;
	vq_dev_push(vq, c->id, c->ndesc, c->in_len + 1);
	vq_dev_flush(vq);
	pthread_mutex_unlock(&f->be.lock);
	assert_int_equal(vu_fe_rx_burst(f->fe, 0, fr, 4), -EIO);
	assert_non_null(strstr(vu_fe_queue_error(f->fe, 0), "bytes used"));
}

static void bad_tx_used_id(struct fx *f, bool packed)
{
	struct vu_fe_pkt pkts[32];
	struct vq_chain c;
	struct vq_dev *vq;
	int rc = 0;

	assert_int_equal(fx_connect(f, &(struct be_opts){ 0 }, (struct vu_fe_config){ .queue_size = 64,
		.features = VU_FE_FEATURES_DEFAULT | (packed ? F(VIRTIO_F_RING_PACKED) : 0),
		.required = packed ? F(VIRTIO_F_RING_PACKED) : 0 }), 0);
	echo_off(f);
	make_frame(f, 0, 60);
	for (unsigned i = 0; i < 32; i++)
		pkts[i] = (struct vu_fe_pkt){ f->sent[0], 60, NULL };
	assert_int_equal(vu_fe_tx_burst(f->fe, 0, pkts, 32), 32);
	pthread_mutex_lock(&f->be.lock);
	vq = &f->be.dev.vring[1]->vq;
	assert_int_equal(vq_dev_pop_burst(vq, &c, 1), 1);
	vq_dev_push(vq, (uint16_t)(c.id ^ 0x20), 1, 0); /* an id that is free */
	vq_dev_push(vq, c.id, c.ndesc, 0);
	vq_dev_flush(vq);
	pthread_mutex_unlock(&f->be.lock);
	/* The front-end reclaims when it runs short: keep sending. */
	for (unsigned i = 0; i < 10 && rc >= 0; i++)
		rc = vu_fe_tx_burst(f->fe, 0, pkts, 32);
	assert_int_equal(rc, -EIO);
	assert_non_null(strstr(vu_fe_queue_error(f->fe, 0), "not in flight"));
}

static void bad_tx_used_id_is_detected(void **state)
{
	bad_tx_used_id(*state, false);
}

static void bad_tx_used_id_is_detected_packed(void **state)
{
	bad_tx_used_id(*state, true);
}

/*
 * A packed TX ring whose device leaves a length in used descriptors (as
 * DPDK's vhost does: the one the driver wrote) goes on: the length of a
 * buffer the device only reads means nothing.
 */
static void packed_tx_used_length_is_ignored(void **state)
{
	struct fx *f = *state;
	struct vu_fe_pkt pkts[32];
	struct vq_chain c[32];
	struct vq_dev *vq;
	int n, rc = 0;

	assert_int_equal(fx_connect(f, &(struct be_opts){ 0 }, (struct vu_fe_config){ .queue_size = 64,
		.features = VU_FE_FEATURES_DEFAULT | F(VIRTIO_F_RING_PACKED),
		.required = F(VIRTIO_F_RING_PACKED) }), 0);
	echo_off(f);
	make_frame(f, 0, 60);
	for (unsigned i = 0; i < 32; i++)
		pkts[i] = (struct vu_fe_pkt){ f->sent[0], 60, NULL };
	for (unsigned round = 0; round < 8; round++) {
		assert_int_equal(vu_fe_tx_burst(f->fe, 0, pkts, 32), 32);
		pthread_mutex_lock(&f->be.lock);
		vq = &f->be.dev.vring[1]->vq;
		n = vq_dev_pop_burst(vq, c, 32);
		assert_int_equal(n, 32);
		for (int i = 0; i < n; i++)
			vq_dev_push(vq, c[i].id, c[i].ndesc, c[i].out_len);
		vq_dev_flush(vq);
		pthread_mutex_unlock(&f->be.lock);
	}
	rc = vu_fe_tx_burst(f->fe, 0, pkts, 32);
	assert_int_equal(rc, 32);
	assert_null(vu_fe_queue_error(f->fe, 0));
	STORE(f->be.echo, true);
}

static void bad_num_buffers_is_dropped(void **state)
{
	struct fx *f = *state;
	struct vu_fe_frame fr[4];
	struct vu_fe_stats st;
	struct vq_chain *c;
	struct vq_dev *vq;
	struct virtio_net_hdr_mrg_rxbuf h = { .num_buffers = 0 };

	assert_int_equal(fx_connect(f, &(struct be_opts){ 0 }, (struct vu_fe_config){ 0 }), 0);
	echo_off(f);
	/* num_buffers 0, then a frame too short for its header, then 5000 */
	for (unsigned k = 0; k < 3; k++) {
		c = pop_rx(f);
		vq = &f->be.dev.vring[0]->vq;
		h.num_buffers = k == 2 ? 5000 : 0;
		chains_write(c, 1, (const uint8_t *)&h, sizeof(h));
		vq_dev_push(vq, c->id, c->ndesc, k == 1 ? 4 : 100);
		vq_dev_flush(vq);
		pthread_mutex_unlock(&f->be.lock);
	}
	assert_int_equal(vu_fe_rx_burst(f->fe, 0, fr, 4), 0);
	vu_fe_get_stats(f->fe, 0, &st);
	assert_int_equal(st.rx_errors, 3);
	assert_null(vu_fe_queue_error(f->fe, 0));
	/* the dropped buffers went back; traffic goes on */
	STORE(f->be.echo, true);
	echo_frames(f, 0, 600, 1514, false);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(negotiates_defaults_and_shares_one_region),
		T(without_reply_ack),
		T(without_protocol_features),
		T(missing_required_feature_fails),
		T(too_many_queue_pairs_fails),
		T(multiqueue_without_mq_fails),
		T(refused_request_is_reported),
		T(bad_config_is_refused),
		T(no_backend_times_out),
		T(variant_0),
		T(variant_1),
		T(variant_2),
		T(variant_3),
		T(variant_4),
		T(variant_5),
		T(variant_6),
		T(variant_7),
		T(variant_8),
		T(variant_9),
		T(variant_10),
		T(variant_11),
		T(variant_12),
		T(two_queue_pairs),
		T(event_mode),
		T(tx_ring_full_and_oversized_frames),
		T(backend_gone_gives_clean_errors),
		T(destroy_while_connected_leaves_nothing),
		T(reconnect_client_mode),
		T(reconnect_server_mode),
		T(reconnect_without_thread),
		T(bad_used_id_is_detected),
		T(bad_used_length_is_detected),
		T(bad_tx_used_id_is_detected),
		T(bad_tx_used_id_is_detected_packed),
		T(packed_tx_used_length_is_ignored),
		T(bad_num_buffers_is_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
