/* SPDX-License-Identifier: MIT */
/*
 * vhost-user port: a virtio-net device whose driver is a QEMU guest (or a
 * virtio-user front-end).  The vhost-user back-end (src/vhost/) negotiates
 * and hands us rings; this file gives them virtio-net meaning:
 *
 *   guest TX ring (odd index)  -> frames into the switch   (dequeue: rx_burst)
 *   switch frames -> guest RX ring (even index)            (enqueue: tx_burst)
 *
 * Names say the direction as the guest sees it, as DPDK's
 * rte_vhost_enqueue_burst()/dequeue_burst() do: enqueue into the guest
 * (vhost_enqueue.c), dequeue from it (here).
 *
 * A guest TX ring is polled by one worker.  A guest RX ring is written by
 * whichever worker forwards to it, under that ring's spinlock; stopping it
 * takes the same lock, so after queue_stop() nobody touches it.
 *
 * A port offers up to `queues=` queue pairs (GET_QUEUE_NUM) but pays only
 * for those the front-end starts: a pair's data-path state (the TX ring's
 * chains, the RX ring's pool of buffers) is allocated when one of its
 * rings first starts and kept until the port goes, so a worker that still
 * holds a pointer to it (a stale pick of an RX ring) never finds it freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <linux/vhost.h>

#include "net/flow.h"
#include "util/log.h"
#include "net/iov.h"
#include "net/vnet_hdr.h"
#include "port/port_kind.h"
#include "port/sock_owner.h"
#include "port/vhost_enqueue.h"
#include "port/vhost_rxmap.h"
#include "vhost/vu_dev.h"
#include "vhost/vu_socket.h"

LOG_MODULE("vhost");

#define VHOST_PORT_FEATURES                                                    \
	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_RING_PACKED) |       \
	 (1ull << VIRTIO_F_IN_ORDER) | (1ull << VIRTIO_RING_F_INDIRECT_DESC) | \
	 (1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << VIRTIO_NET_F_MRG_RXBUF) | \
	 (1ull << VIRTIO_NET_F_CSUM) | (1ull << VIRTIO_NET_F_GUEST_CSUM) |     \
	 (1ull << VIRTIO_NET_F_HOST_TSO4) | (1ull << VIRTIO_NET_F_HOST_TSO6) | \
	 (1ull << VIRTIO_NET_F_HOST_ECN) | (1ull << VIRTIO_NET_F_HOST_UFO) |   \
	 (1ull << VIRTIO_NET_F_GUEST_TSO4) | (1ull << VIRTIO_NET_F_GUEST_TSO6) | \
	 (1ull << VIRTIO_NET_F_GUEST_ECN) | (1ull << VIRTIO_NET_F_GUEST_UFO) | \
	 (1ull << VIRTIO_NET_F_GUEST_ANNOUNCE) | (1ull << VHOST_F_LOG_ALL) |    \
	 (1ull << VHOST_USER_F_PROTOCOL_FEATURES))

#define VHOST_PORT_PROTOCOL_FEATURES                                           \
	((1ull << VHOST_USER_PROTOCOL_F_MQ) | (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
	 (1ull << VHOST_USER_PROTOCOL_F_RARP) | (1ull << VHOST_USER_PROTOCOL_F_NET_MTU) | \
	 (1ull << VHOST_USER_PROTOCOL_F_BACKEND_REQ) |                                   \
	 (1ull << VHOST_USER_PROTOCOL_F_STATUS) | (1ull << VHOST_USER_PROTOCOL_F_LOG_SHMFD))

/* GET_QUEUE_NUM without queues=: what a guest of a few vCPUs asks for;
 * a larger maximum costs nothing until the front-end starts the rings. */
#define VHOST_DEFAULT_QUEUE_PAIRS 8

/* A message must arrive whole within this (the tick checks each second). */
#define VHOST_MSG_DEADLINE_MS 1500

_Static_assert(VU_MAX_QUEUE_PAIRS <= VHOST_RXMAP_MAX, "an RX map holds every pair");
_Static_assert(FRAME_BURST <= 64, "enqueue_spread() keeps a burst in a 64-bit mask");
/* Client mode: a new port tries again after 20 ms, 40 ms ... up to 1 s
 * (a front-end creates its socket file, then listens), then the tick
 * tries once a second. */
#define VHOST_RETRY_FIRST_MS 20
#define VHOST_RETRY_LAST_MS 1000

/* A guest TX ring, as a source of frames (dequeued). */
struct dequeue_ring {
	struct port_queue pq;
	struct vhost_port *vp;
	unsigned vring;
	struct vu_vring *vr;       /* the ring, while attached to a worker */
	unsigned npopped;
	bool broken_logged;
	uint64_t packets;          /* frames taken from this ring */
	struct vq_chain chains[FRAME_BURST];
};

struct vhost_port {
	struct port base;
	char path[108];
	bool server;
	unsigned queue_pairs;
	struct sock_owner owner;   /* server mode: who may connect */
	int listen_fd;
	bool accept_paused;        /* out of fds: listen_fd unwatched until tick */
	time_t next_connect;       /* client mode: when to retry */
	int retry_fd;              /* client mode, new port: fast retries; -1 after */
	unsigned retry_ms;
	int connect_err;           /* client mode: the last attempt's -errno, 0 */
	bool warned_unsealed;
	struct vu_dev dev;
	/* NULL until one of the pair's rings first starts; freed with the
	 * port.  Written by the control thread, read by workers (acquire). */
	struct vhost_qp *qp[VU_MAX_QUEUE_PAIRS];
	struct vhost_rxmap rxmap;  /* the RX rings running: enqueue spreads over them */
};

/* A queue pair's data-path state. */
struct vhost_qp {
	struct dequeue_ring dequeue;        /* guest TX ring */
	struct vhost_enqueue_ring enqueue;  /* guest RX ring */
};

static struct vhost_port *to_vp(struct port *p)
{
	return (struct vhost_port *)p;
}

static void signal_call(int fd)
{
	if (fd >= 0)
		eventfd_write(fd, 1);
}

/* ---- dequeue: guest TX ring -> switch ---- */

/*
 * Turn one chain into a frame; false (and counted) if the guest sent junk.
 * DATA_VALID is dropped: a driver must not set it (VIRTIO 1.2 5.1.6.2),
 * and a guest's word that its bytes were checked must not reach another.
 */
static bool chain_to_frame(const struct vq_chain *c, unsigned hdr_len, struct frame *f)
{
	struct iov_cursor cur;
	uint32_t len, eth_len;

	if (c->flags & VQ_CHAIN_F_OVERSIZE || c->nout == 0 || c->out_len < hdr_len + ETH_MIN_LEN)
		return false;
	len = c->out_len - hdr_len;
	if (len > VHOST_MAX_FRAME)
		return false;
	eth_len = len < ETH_HLEN_TAGGED ? len : ETH_HLEN_TAGGED;
	if (c->iov[0].iov_len >= hdr_len + eth_len) {
		/* the usual layout: header and frame start in one buffer */
		const uint8_t *p = c->iov[0].iov_base;

		memcpy(&f->vnet, p, sizeof(f->vnet));
		memcpy(f->eth, p + hdr_len, eth_len);
		f->iov = c->iov;
		f->niov = c->nout;
		f->off = hdr_len;
		f->len = len;
		f->vnet.flags &= (uint8_t)~VIRTIO_NET_HDR_F_DATA_VALID;
		return !vnet_hdr_validate(&f->vnet, len);
	}
	memset(&f->vnet, 0, sizeof(f->vnet));
	iov_cursor_init(&cur, c->iov, c->nout);
	iov_cursor_read(&cur, &f->vnet, sizeof(f->vnet)); /* the mrg field is not ours */
	iov_cursor_skip(&cur, hdr_len - sizeof(f->vnet));
	f->vnet.flags &= (uint8_t)~VIRTIO_NET_HDR_F_DATA_VALID;
	if (vnet_hdr_validate(&f->vnet, len))
		return false;
	f->iov = &cur.iov[cur.idx];
	f->niov = (uint16_t)(cur.n - cur.idx);
	f->off = (uint32_t)cur.off;
	f->len = len;
	iov_cursor_read(&cur, f->eth, eth_len);
	return true;
}

/*
 * Ask for the line where each chain's frame starts, all before the first
 * is read: chain_to_frame() reads the Ethernet header there, from a line
 * the sending CPU has just written, and asked for together the transfers
 * overlap.  (The virtio header before it is usually on a line that stays
 * shared: see frame_start() in vhost_enqueue.c.)
 */
static void prefetch_frames(const struct vq_chain *c, int n, unsigned hdr_len)
{
	for (int i = 0; i < n; i++)
		if (c[i].nout && c[i].iov[0].iov_len > hdr_len)
			__builtin_prefetch((const uint8_t *)c[i].iov[0].iov_base + hdr_len);
}

static unsigned dequeue_burst(struct port_queue *pq, struct frame *f, unsigned n)
{
	struct dequeue_ring *q = pq->priv;
	struct vq_dev *vq = &q->vr->vq;
	unsigned hdr_len = vnet_hdr_len(q->vp->dev.features);
	unsigned out = 0, bad = 0;
	uint64_t bytes = 0;
	int got = vq_dev_pop_burst(vq, q->chains, n);

	if (got < 0) {
		if (!q->broken_logged) {
			log_error("%s: vring %u broken, stopped: %s", q->vp->base.name, q->vring,
				vq_dev_broken(vq));
			/* SET_VRING_ERR: tell the front-end (fd fixed while running) */
			signal_call(q->vr->err_fd);
		}
		q->broken_logged = true;
		pq->broken = true;
		got = 0;
	}
	prefetch_frames(q->chains, got, hdr_len);
	for (int i = 0; i < got; i++) {
		if (!chain_to_frame(&q->chains[i], hdr_len, &f[out])) {
			bad++;
			continue;
		}
		bytes += f[out].len;
		out++;
	}
	q->npopped = (unsigned)got;
	counter_add(&q->packets, out);
	port_count(port_rx(&q->vp->base, (unsigned)pq->worker), out, bytes, 0, bad);
	return out;
}

/* Frames are copied out by now: give every chain back to the guest. */
static void dequeue_done(struct port_queue *pq)
{
	struct dequeue_ring *q = pq->priv;
	struct vu_vring *vr = q->vr;
	unsigned n = q->npopped;

	if (!n)
		return;
	if (vr->vq.feat.in_order) {
		unsigned ndesc = 0;

		for (unsigned i = 0; i < n; i++)
			ndesc += q->chains[i].ndesc;
		vq_dev_push_in_order(&vr->vq, q->chains[n - 1].id, (uint16_t)n, ndesc);
	} else {
		for (unsigned i = 0; i < n; i++)
			vq_dev_push(&vr->vq, q->chains[i].id, q->chains[i].ndesc, 0);
	}
	vq_dev_flush(&vr->vq);
	q->npopped = 0;
	if (vq_dev_needs_call(&vr->vq))
		signal_call(vr->call_fd);
}

static bool dequeue_arm(struct port_queue *pq)
{
	struct dequeue_ring *q = pq->priv;

	if (pq->fd < 0)
		return true; /* the front-end gave no kick fd: poll */
	return vq_dev_enable_kick(&q->vr->vq);
}

static void dequeue_disarm(struct port_queue *pq)
{
	struct dequeue_ring *q = pq->priv;
	eventfd_t v;

	if (pq->fd >= 0)
		eventfd_read(pq->fd, &v); /* non-blocking: just clears it */
	vq_dev_disable_kick(&q->vr->vq);
}

/* ---- enqueue: switch -> guest RX ring ---- */

static unsigned enqueue_ring(struct vhost_port *vp, unsigned worker, unsigned qi,
			struct frame *const *f, const bool *tagged, unsigned n)
{
	struct vhost_qp *qp = __atomic_load_n(&vp->qp[qi], __ATOMIC_ACQUIRE);
	struct vhost_enqueue_ring *q;
	struct vhost_enqueue_result r;

	if (!qp) { /* no RX ring ever ran */
		port_count(port_tx(&vp->base, worker), 0, 0, n, 0);
		return 0;
	}
	q = &qp->enqueue;
	pthread_spin_lock(&q->lock);
	r = vhost_enqueue_burst(q, f, tagged, n);
	pthread_spin_unlock(&q->lock);
	port_count(port_tx(&vp->base, worker), r.sent, r.bytes, r.dropped, r.errors);
	return r.sent;
}

/*
 * Several RX rings run: spread flows over them by hash, as RSS would, so
 * one flow always lands on one ring (no reorder).  Frames for one ring
 * are gathered in burst order and written with one lock and one flush.
 */
static unsigned enqueue_spread(struct vhost_port *vp, unsigned worker, unsigned nrx,
			       struct frame *const *f, const bool *tagged, unsigned n)
{
	uint8_t qi[FRAME_BURST];
	struct frame *batch[FRAME_BURST];
	bool btag[FRAME_BURST];
	uint64_t left = n == 64 ? ~0ull : (1ull << n) - 1;
	unsigned sent = 0;

	for (unsigned i = 0; i < n; i++)
		qi[i] = (uint8_t)vhost_rxmap_pick(&vp->rxmap, nrx, flow_hash(f[i]));
	while (left) {
		unsigned first = (unsigned)__builtin_ctzll(left), m = 0;

		for (unsigned i = first; i < n; i++) {
			if (!(left & (1ull << i)) || qi[i] != qi[first])
				continue;
			batch[m] = f[i];
			btag[m++] = tagged[i];
			left &= ~(1ull << i);
		}
		sent += enqueue_ring(vp, worker, qi[first], batch, btag, m);
	}
	return sent;
}

static unsigned enqueue_burst(struct port *p, unsigned worker, struct frame *const *f,
			       const bool *tagged, unsigned n)
{
	struct vhost_port *vp = to_vp(p);
	unsigned nrx = vhost_rxmap_count(&vp->rxmap), sent = 0;

	if (nrx <= 1)
		return enqueue_ring(vp, worker, vhost_rxmap_pick(&vp->rxmap, nrx, 0), f, tagged, n);
	for (unsigned done = 0; done < n; done += FRAME_BURST) {
		unsigned k = n - done < FRAME_BURST ? n - done : FRAME_BURST;

		sent += enqueue_spread(vp, worker, nrx, f + done, tagged + done, k);
	}
	return sent;
}

/* ---- vhost-user back-end callbacks (control thread) ---- */

static void qp_free(struct vhost_qp *qp)
{
	if (!qp)
		return;
	pthread_spin_destroy(&qp->enqueue.lock);
	vhost_enqueue_fini(&qp->enqueue);
	free(qp);
}

/* Queue pair i's state, allocated the first time one of its rings
 * starts; NULL when out of memory. */
static struct vhost_qp *qp_get(struct vhost_port *vp, unsigned i)
{
	struct vhost_qp *qp = vp->qp[i];

	if (qp)
		return qp;
	qp = calloc(1, sizeof(*qp));
	if (!qp)
		return NULL;
	qp->dequeue = (struct dequeue_ring){ .vp = vp, .vring = 2 * i + 1 };
	port_queue_init(&qp->dequeue.pq, &vp->base, i, -1, &qp->dequeue);
	pthread_spin_init(&qp->enqueue.lock, PTHREAD_PROCESS_PRIVATE);
	if (vhost_enqueue_init(&qp->enqueue, vp->base.name, 2 * i)) {
		qp_free(qp);
		return NULL;
	}
	/* initialised before a worker can see it */
	__atomic_store_n(&vp->qp[i], qp, __ATOMIC_RELEASE);
	return qp;
}

static int queue_start(void *opaque, unsigned idx)
{
	struct vhost_port *vp = opaque;
	struct vu_vring *vr = vu_dev_vring(&vp->dev, idx);
	struct vhost_qp *qp = qp_get(vp, idx / 2);
	struct error e;
	int rc;

	if (!qp) {
		log_error("%s: vring %u not started: out of memory", vp->base.name, idx);
		return -ENOMEM;
	}
	if (idx % 2 == 0) {
		struct vhost_enqueue_ring *q = &qp->enqueue;

		pthread_spin_lock(&q->lock);
		vhost_enqueue_start(q, &vr->vq, vr->call_fd, vp->dev.features);
		q->err_fd = vr->err_fd;
		pthread_spin_unlock(&q->lock);
		vhost_rxmap_add(&vp->rxmap, idx / 2); /* frames may come now */
	} else {
		struct dequeue_ring *q = &qp->dequeue;

		q->vr = vr;
		if (vr->kick_fd >= 0)
			fcntl(vr->kick_fd, F_SETFL, fcntl(vr->kick_fd, F_GETFL) | O_NONBLOCK);
		q->pq.fd = vr->kick_fd;
		q->pq.broken = false;
		q->broken_logged = false;
		q->npopped = 0;
		rc = vp->base.env->attach(vp->base.env, &q->pq, &e);
		if (rc) {
			log_error("%s: vring %u not started: %s", vp->base.name, idx, e.msg);
			return rc;
		}
	}
	if (vp->dev.unsealed_regions && !vp->warned_unsealed) {
		vp->warned_unsealed = true;
		log_info("%s: %u guest memory region(s) are not sealed against "
			 "shrinking (hugetlbfs, tmpfs): a front-end that truncates them "
			 "breaks its own rings", vp->base.name, vp->dev.unsealed_regions);
	}
	log_info("%s: vring %u started: %u entries, %s, base %#x, features %#llx",
		 vp->base.name, idx, vr->num, vr->vq.layout == VQ_PACKED ? "packed" : "split",
		 vq_dev_base(&vr->vq), (unsigned long long)vp->dev.features);
	return 0;
}

static void queue_stop(void *opaque, unsigned idx)
{
	struct vhost_port *vp = opaque;
	unsigned in_flight;

	/* a ring that started has its pair's state */
	if (idx % 2 == 0) {
		struct vhost_enqueue_ring *q = &vp->qp[idx / 2]->enqueue;

		/* no new picks of it; a worker that picked it already finds
		 * it stopped once it has the lock */
		vhost_rxmap_remove(&vp->rxmap, idx / 2);
		pthread_spin_lock(&q->lock);
		q->vq = NULL;
		pthread_spin_unlock(&q->lock);
	} else {
		vp->base.env->detach(vp->base.env, &vp->qp[idx / 2]->dequeue.pq);
	}
	/* Hand-over (GET_VRING_BASE, a migration): a burst never keeps a
	 * chain past its end, so nothing popped may be left unused, or the
	 * next owner of the ring would see those buffers neither used nor
	 * available. */
	in_flight = vq_dev_in_flight(&vu_dev_vring(&vp->dev, idx)->vq);
	if (in_flight)
		log_error("%s: vring %u stopped with %u buffers in flight", vp->base.name, idx,
			  in_flight);
	log_info("%s: vring %u stopped at base %#x%s", vp->base.name, idx,
		 vq_dev_base(&vu_dev_vring(&vp->dev, idx)->vq),
		 vu_dev_logging(&vp->dev) ? " (dirty log on)" : "");
}

/* After a migration QEMU asks us to announce the guest's MAC: a RARP
 * broadcast from it, so that switches learn where it now is. */
static void send_rarp(void *opaque, const uint8_t mac[6])
{
	struct vhost_port *vp = opaque;
	static const uint8_t rarp_tail[] = {
		0x80, 0x35,             /* EtherType RARP */
		0x00, 0x01, 0x08, 0x00, /* Ethernet, IPv4 */
		6, 4, 0x00, 0x03,       /* sizes, op: reverse request */
	};
	uint8_t pkt[60] = { 0 };
	struct iovec iov = { pkt, sizeof(pkt) };
	struct frame f = { .iov = &iov, .niov = 1, .len = sizeof(pkt), .l2_len = 14 };

	memset(pkt, 0xff, 6);
	memcpy(pkt + 6, mac, 6);
	memcpy(pkt + 12, rarp_tail, sizeof(rarp_tail));
	memcpy(pkt + 22, mac, 6);
	memcpy(pkt + 32, mac, 6);
	memcpy(f.eth, pkt, ETH_HLEN_TAGGED);
	vp->base.env->inject(vp->base.env, &vp->base, &f);
}

static void set_mtu(void *opaque, unsigned mtu)
{
	struct vhost_port *vp = opaque;

	vp->base.mtu = mtu;
	log_info("%s: guest MTU %u", vp->base.name, mtu);
}

static const struct vu_dev_ops dev_ops = {
	.queue_start = queue_start,
	.queue_stop = queue_stop,
	.send_rarp = send_rarp,
	.set_mtu = set_mtu,
};

/* ---- connection handling (control thread) ---- */

static void drop_connection(struct vhost_port *vp, const char *why)
{
	if (vp->dev.sock < 0)
		return;
	log_warn("%s: vhost-user connection dropped: %s", vp->base.name, why);
	vp->base.env->unwatch(vp->base.env, vp->dev.sock);
	vu_dev_disconnect(&vp->dev);
	vp->next_connect = 0;
}

static void on_message(void *arg)
{
	struct vhost_port *vp = arg;
	struct error why;

	if (vu_dev_handle(&vp->dev, &why))
		drop_connection(vp, why.msg);
}

static void take_connection(struct vhost_port *vp, int sock)
{
	int rc = vp->base.env->watch(vp->base.env, sock, on_message, vp);

	if (rc) {
		log_error("%s: refusing a vhost-user connection on %s: cannot watch it: %s",
			  vp->base.name, vp->path, strerror(-rc));
		close(sock);
		return;
	}
	vu_dev_connect(&vp->dev, sock);
	vp->warned_unsealed = false;
	log_info("%s: vhost-user front-end connected on %s", vp->base.name, vp->path);
}

static void on_accept(void *arg);

/* accept() failed for want of fds: the listening socket stays readable,
 * so leave it alone until the next tick instead of spinning on it. */
static void pause_accepting(struct vhost_port *vp, int err)
{
	log_warn("%s: cannot accept on %s: %s; trying again in 1 s", vp->base.name, vp->path,
		 strerror(err));
	vp->base.env->unwatch(vp->base.env, vp->listen_fd);
	vp->accept_paused = true;
}

static void resume_accepting(struct vhost_port *vp)
{
	if (vp->accept_paused && vp->listen_fd >= 0 &&
	    !vp->base.env->watch(vp->base.env, vp->listen_fd, on_accept, vp))
		vp->accept_paused = false;
}

static void on_accept(void *arg)
{
	struct vhost_port *vp = arg;
	int sock = vu_socket_accept(vp->listen_fd);

	if (sock == -EMFILE || sock == -ENFILE || sock == -ENOBUFS || sock == -ENOMEM)
		pause_accepting(vp, -sock);
	if (sock < 0)
		return;
	if (vp->dev.sock >= 0) {
		log_warn("%s: refusing a second vhost-user connection on %s", vp->base.name, vp->path);
		close(sock);
		return;
	}
	take_connection(vp, sock);
}

/* Client mode: one attempt that cannot block (a front-end whose backlog
 * is full is tried again later); its outcome kept for vhost_peer(). */
static bool try_connect(struct vhost_port *vp)
{
	int sock = vu_socket_try_connect(vp->path);

	vp->connect_err = sock < 0 ? sock : 0;
	if (sock < 0)
		return false;
	take_connection(vp, sock);
	return true;
}

static void stop_retrying(struct vhost_port *vp)
{
	if (vp->retry_fd < 0)
		return;
	vp->base.env->unwatch(vp->base.env, vp->retry_fd);
	close(vp->retry_fd);
	vp->retry_fd = -1;
}

static void arm_retry(struct vhost_port *vp)
{
	struct itimerspec its = { .it_value = { .tv_sec = vp->retry_ms / 1000,
						.tv_nsec = (long)(vp->retry_ms % 1000) * 1000000 } };

	if (timerfd_settime(vp->retry_fd, 0, &its, NULL))
		stop_retrying(vp);
}

static void on_retry(void *arg)
{
	struct vhost_port *vp = arg;
	uint64_t n;

	if (read(vp->retry_fd, &n, sizeof(n)) < 0)
		return;
	if (vp->dev.sock >= 0 || try_connect(vp) || vp->retry_ms >= VHOST_RETRY_LAST_MS) {
		stop_retrying(vp);
		return;
	}
	vp->retry_ms *= 2;
	arm_retry(vp);
}

/* A new client port connects at once, and soon again if the front-end
 * is not listening yet; without a timer, the tick tries once a second. */
static void start_connecting(struct vhost_port *vp)
{
	if (try_connect(vp))
		return;
	vp->retry_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (vp->retry_fd < 0)
		return;
	if (vp->base.env->watch(vp->base.env, vp->retry_fd, on_retry, vp)) {
		close(vp->retry_fd);
		vp->retry_fd = -1;
		return;
	}
	vp->retry_ms = VHOST_RETRY_FIRST_MS;
	arm_retry(vp);
}

/*
 * The front-end shrank memory it handed over (the SIGBUS handler put zero
 * pages in its place: virtio/guest_fault.h).  Rings a worker polls break
 * themselves at their next burst; this breaks the others too (an idle
 * guest's TX ring, an RX ring nothing was sent to, any ring when the dirty
 * log shrank), so that show says why.  The mappings go when the front-end
 * disconnects or the port is deleted.
 */
static void break_on_fault(struct vhost_port *vp)
{
	char why[ERROR_MSG_MAX];

	if (!vu_dev_fault_reason(&vp->dev, why, sizeof(why)))
		return;
	for (unsigned i = 0; i < 2 * vp->queue_pairs; i++) {
		struct vu_vring *vr = vu_dev_vring(&vp->dev, i);

		/* a ring that started has its pair's state */
		if (!vr || !vr->started || vq_dev_broken(&vr->vq))
			continue;
		if (i % 2 == 0) {
			struct vhost_enqueue_ring *q = &vp->qp[i / 2]->enqueue;

			pthread_spin_lock(&q->lock);
			vq_dev_break(&vr->vq, why);
			q->broken_logged = true;
			pthread_spin_unlock(&q->lock);
		} else {
			struct dequeue_ring *q = &vp->qp[i / 2]->dequeue;

			vp->base.env->detach(vp->base.env, &q->pq); /* now ours */
			vq_dev_break(&vr->vq, why);
			q->pq.broken = q->broken_logged = true;
		}
		log_error("%s: vring %u broken, stopped: %s", vp->base.name, i, why);
		signal_call(vr->err_fd);
	}
}

/* Once a second: break the rings of a front-end that shrank its memory,
 * drop a front-end that left a message unfinished
 * (the control thread never waits for it), accept again after running
 * out of fds, and in client mode (re)connect to the front-end's socket. */
static void vhost_tick(struct port *p)
{
	struct vhost_port *vp = to_vp(p);
	time_t now = time(NULL);

	break_on_fault(vp);
	if (vu_dev_waiting_ms(&vp->dev) >= VHOST_MSG_DEADLINE_MS)
		drop_connection(vp, "a message left unfinished for more than 1.5 s");
	resume_accepting(vp);
	if (vp->server || vp->dev.sock >= 0 || now < vp->next_connect || vp->retry_fd >= 0)
		return;
	vp->next_connect = now + 1;
	try_connect(vp);
}

static enum port_peer vhost_peer(struct port *p)
{
	struct vhost_port *vp = to_vp(p);

	if (vp->dev.sock >= 0)
		return PORT_PEER_UP;
	return vp->connect_err == -ENOENT || vp->connect_err == -ECONNREFUSED ? PORT_PEER_GONE
									       : PORT_PEER_TRYING;
}

/* Queue pairs with a ring running. */
static unsigned queues_enabled(const struct vhost_port *vp)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vp->queue_pairs; i++) {
		const struct vu_vring *rx = vu_dev_vring(&vp->dev, 2 * i);
		const struct vu_vring *tx = vu_dev_vring(&vp->dev, 2 * i + 1);

		n += (rx && rx->started) || (tx && tx->started);
	}
	return n;
}

static uint64_t read_count(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* Ring i: its state (vr NULL: not named by the connected front-end, if
 * any) and its pair's counters. */
static struct json_object *describe_vring(const struct vhost_port *vp, unsigned i,
					  const struct vu_vring *vr)
{
	const struct vhost_qp *qp = vp->qp[i / 2];
	struct json_object *r = json_object_new_object();
	bool running = vr && vr->started;

	json_object_object_add(r, "index", json_object_new_int((int)i));
	json_object_object_add(r, "running", json_object_new_boolean(running));
	json_object_object_add(r, "packets", json_object_new_uint64(
		!qp ? 0 : read_count(i % 2 ? &qp->dequeue.packets : &qp->enqueue.packets)));
	if (i % 2 == 0)
		json_object_object_add(r, "discarded", json_object_new_uint64(
			qp ? read_count(&qp->enqueue.discarded) : 0));
	if (running)
		json_object_object_add(r, "size", json_object_new_int((int)vr->num));
	if (running && vq_dev_broken(&vr->vq))
		json_object_object_add(r, "broken", json_object_new_string(vq_dev_broken(&vr->vq)));
	return r;
}

static void vhost_describe(struct port *p, struct json_object *o)
{
	struct vhost_port *vp = to_vp(p);
	struct json_object *rings = json_object_new_array();

	json_object_object_add(o, "path", json_object_new_string(vp->path));
	json_object_object_add(o, "mode", json_object_new_string(vp->server ? "server" : "client"));
	json_object_object_add(o, "queues", json_object_new_int((int)vp->queue_pairs));
	json_object_object_add(o, "connected", json_object_new_boolean(vp->dev.sock >= 0));
	if (vp->dev.sock >= 0) {
		json_object_object_add(o, "features",
				       json_object_new_uint64(vp->dev.features));
		json_object_object_add(o, "dirty_log",
				       json_object_new_boolean(vu_dev_logging(&vp->dev)));
		json_object_object_add(o, "unsealed_regions",
				       json_object_new_int((int)vp->dev.unsealed_regions));
	}
	/* the rings the front-end named, and those that ran since the port
	 * was added (their counters stay) */
	for (unsigned i = 0; i < 2 * vp->queue_pairs; i++) {
		struct vu_vring *vr = vu_dev_vring(&vp->dev, i);

		if (vr || vp->qp[i / 2])
			json_object_array_add(rings, describe_vring(vp, i, vr));
	}
	json_object_object_add(o, "queues_enabled", json_object_new_int((int)queues_enabled(vp)));
	json_object_object_add(o, "vrings", rings);
}

static void vhost_destroy(struct port *p)
{
	struct vhost_port *vp = to_vp(p);

	stop_retrying(vp);
	if (vp->dev.sock >= 0)
		vp->base.env->unwatch(vp->base.env, vp->dev.sock);
	vu_dev_disconnect(&vp->dev);
	if (vp->listen_fd >= 0) {
		if (!vp->accept_paused)
			vp->base.env->unwatch(vp->base.env, vp->listen_fd);
		close(vp->listen_fd);
		unlink(vp->path);
	}
	for (unsigned i = 0; i < VU_MAX_QUEUE_PAIRS; i++)
		qp_free(vp->qp[i]);
	free(vp);
}

static const struct port_ops vhost_ops = {
	.kind = "vhost-user",
	.rx_burst = dequeue_burst,
	.rx_done = dequeue_done,
	.tx_burst = enqueue_burst,
	.arm = dequeue_arm,
	.disarm = dequeue_disarm,
	.describe = vhost_describe,
	.tick = vhost_tick,
	.peer = vhost_peer,
	.destroy = vhost_destroy,
};

static int parse_opts(struct vhost_port *vp, struct port_opts *o, struct error *e)
{
	const char *path = port_opt_get(o, "path");
	const char *mode = port_opt_get(o, "mode");

	if (!path || !*path)
		return error_set(e, -EINVAL, "path: a vhost-user port needs path=SOCKET");
	if (strlen(path) >= sizeof(vp->path))
		return error_set(e, -EINVAL, "path: '%s' is longer than %zu bytes", path,
				 sizeof(vp->path) - 1);
	strcpy(vp->path, path);
	if (mode && strcmp(mode, "server") && strcmp(mode, "client"))
		return error_set(e, -EINVAL, "mode: '%s' is not server or client", mode);
	vp->server = !mode || !strcmp(mode, "server");
	vp->queue_pairs = VHOST_DEFAULT_QUEUE_PAIRS;
	if (port_opt_uint(o, "queues", 1, VU_MAX_QUEUE_PAIRS, &vp->queue_pairs, e) ||
	    sock_owner_parse(o, vp->server, &vp->owner, e))
		return -EINVAL;
	return port_opts_check_unused(o, e);
}

static int vhost_create(const char *name, struct port_opts *o, struct port_env *env,
			struct port **out, struct error *e)
{
	struct vhost_port *vp = calloc(1, sizeof(*vp));
	int rc;

	if (!vp)
		return error_set(e, -ENOMEM, "out of memory");
	port_init(&vp->base, name, &vhost_ops, env);
	vp->retry_fd = -1;
	rc = parse_opts(vp, o, e);
	if (rc) {
		free(vp);
		return rc;
	}
	vp->listen_fd = -1;
	vu_dev_init(&vp->dev, &(struct vu_dev_config){
		.features = VHOST_PORT_FEATURES | (vp->queue_pairs > 1 ? 1ull << VIRTIO_NET_F_MQ : 0),
		.protocol_features = VHOST_PORT_PROTOCOL_FEATURES,
		.queue_pairs = vp->queue_pairs,
		.ops = &dev_ops,
		.opaque = vp,
	});
	if (vp->server) {
		rc = vu_socket_listen_as(vp->path, vp->owner.mode, vp->owner.uid, vp->owner.gid);
		if (rc < 0) {
			error_set(e, rc, "path: cannot listen on '%s': %s", vp->path,
				  rc == -EEXIST ? "a file that is not a socket is there"
				  : rc == -EADDRINUSE ? "a process accepts on the socket there"
				  : strerror(-rc));
			vhost_destroy(&vp->base);
			return rc;
		}
		vp->listen_fd = rc;
		rc = env->watch(env, vp->listen_fd, on_accept, vp);
		if (rc) {
			error_set(e, rc, "path: cannot watch '%s': %s", vp->path, strerror(-rc));
			vp->accept_paused = true; /* not watched: nothing to unwatch */
			vhost_destroy(&vp->base);
			return rc;
		}
	} else {
		start_connecting(vp);
	}
	*out = &vp->base;
	return 0;
}

const struct port_kind vhost_port_kind = {
	.name = "vhost-user",
	.options = "path=SOCKET [mode=server|client] [queues=N] [owner=USER] [group=GROUP] [perm=OCTAL]",
	/* a guest: as many MACs as a few nested guests or containers need */
	.default_max_macs = 64,
	.create = vhost_create,
};
