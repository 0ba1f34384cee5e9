/* SPDX-License-Identifier: MIT */
/*
 * TAP port: a kernel network interface whose other side is us.  With
 * IFF_VNET_HDR every frame carries a virtio_net_hdr, and TUNSETOFFLOAD
 * lets the kernel hand us (and take from us) frames with partial
 * checksums and 64 KB TSO frames: one syscall per 64 KB instead of per
 * 1.5 KB.  With queues=N the interface is multiqueue (IFF_MULTI_QUEUE),
 * one fd per queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util/log.h"
#include "net/iov.h"
#include "net/vnet_hdr.h"
#include "port/port_kind.h"

LOG_MODULE("tap");

#define TAP_HDR_LEN sizeof(struct virtio_net_hdr_mrg_rxbuf)
#define TAP_BUF_LEN (65536 + ETH_HLEN_TAGGED)
#define TAP_TX_IOV 70

struct tap_queue {
	struct port_queue pq;
	struct tap_port *tp;
	struct virtio_net_hdr_mrg_rxbuf hdr[FRAME_BURST];
	uint8_t *buf[FRAME_BURST];
	struct iovec frame_iov[FRAME_BURST];
};

struct tap_port {
	struct port base;
	char ifname[IFNAMSIZ];
	unsigned nqueues;
	struct tap_queue q[PORT_MAX_QUEUES];
};

static struct tap_port *to_tp(struct port *p)
{
	return (struct tap_port *)p;
}

static unsigned tap_rx_burst(struct port_queue *pq, struct frame *f, unsigned n)
{
	struct tap_queue *q = pq->priv;
	unsigned got = 0, bad = 0;
	uint64_t bytes = 0;

	while (got < n) {
		struct iovec iov[2] = {
			{ &q->hdr[got], TAP_HDR_LEN }, { q->buf[got], TAP_BUF_LEN },
		};
		ssize_t r = readv(pq->fd, iov, 2);
		size_t len;

		if (r < 0)
			break; /* EAGAIN: drained */
		len = (size_t)r > TAP_HDR_LEN ? (size_t)r - TAP_HDR_LEN : 0;
		if (len < ETH_MIN_LEN || vnet_hdr_validate(&q->hdr[got].hdr, len)) {
			bad++;
			continue;
		}
		q->frame_iov[got] = (struct iovec){ q->buf[got], len };
		f[got] = (struct frame){
			.iov = &q->frame_iov[got], .niov = 1, .len = (uint32_t)len,
			.vnet = q->hdr[got].hdr,
		};
		memcpy(f[got].eth, q->buf[got], len < ETH_HLEN_TAGGED ? len : ETH_HLEN_TAGGED);
		bytes += len;
		got++;
	}
	port_count(port_rx(&q->tp->base, (unsigned)pq->worker), got, bytes, 0, bad);
	return got;
}

static void tap_rx_done(struct port_queue *pq)
{
	(void)pq; /* the read buffers are reused by the next burst */
}

/* One writev per frame: header, rewritten L2 header, the frame's bytes. */
static bool tap_send(int fd, const struct frame *f, bool tagged)
{
	struct virtio_net_hdr_mrg_rxbuf h = { .hdr = f->vnet };
	struct iovec iov[TAP_TX_IOV];
	struct frame_egress e;
	struct iov_cursor cur;
	unsigned n = 2;
	size_t left;
	void *p;

	frame_egress_init(&e, f, tagged);
	if (h.hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		h.hdr.csum_start = (uint16_t)(h.hdr.csum_start + e.csum_shift);
	if (h.hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		h.hdr.hdr_len = (uint16_t)(h.hdr.hdr_len + e.csum_shift);
	iov[0] = (struct iovec){ &h, TAP_HDR_LEN };
	iov[1] = (struct iovec){ e.prefix, e.prefix_len };
	iov_cursor_init(&cur, f->iov, f->niov);
	iov_cursor_skip(&cur, f->off + e.src_off);
	for (left = f->len - e.src_off; left && n < TAP_TX_IOV; n++) {
		size_t k = iov_cursor_chunk(&cur, &p);

		if (!k)
			return false;
		if (k > left)
			k = left;
		iov[n] = (struct iovec){ p, k };
		iov_cursor_skip(&cur, k);
		left -= k;
	}
	return !left && writev(fd, iov, (int)n) == (ssize_t)(TAP_HDR_LEN + e.len);
}

static unsigned tap_tx_burst(struct port *p, unsigned worker, struct frame *const *f,
			     const bool *tagged, unsigned n)
{
	struct tap_port *tp = to_tp(p);
	int fd = tp->q[worker % tp->nqueues].pq.fd;
	unsigned sent = 0;
	uint64_t bytes = 0;

	for (unsigned i = 0; i < n; i++)
		if (tap_send(fd, f[i], tagged[i])) {
			sent++;
			bytes += f[i]->len;
		}
	port_count(port_tx(p, worker), sent, bytes, n - sent, 0);
	return sent;
}

/* A tap fd is level-triggered in epoll: nothing to arm. */
static bool tap_arm(struct port_queue *pq)
{
	(void)pq;
	return false;
}

static void tap_disarm(struct port_queue *pq)
{
	(void)pq;
}

static void tap_describe(struct port *p, struct json_object *o)
{
	struct tap_port *tp = to_tp(p);

	json_object_object_add(o, "ifname", json_object_new_string(tp->ifname));
	json_object_object_add(o, "queues", json_object_new_int((int)tp->nqueues));
}

static void tap_free(struct tap_port *tp)
{
	for (unsigned i = 0; i < PORT_MAX_QUEUES; i++) {
		struct tap_queue *q = &tp->q[i];

		if (q->pq.fd >= 0)
			close(q->pq.fd);
		for (unsigned b = 0; b < FRAME_BURST; b++)
			free(q->buf[b]);
	}
	free(tp);
}

static void tap_destroy(struct port *p)
{
	struct tap_port *tp = to_tp(p);

	for (unsigned i = 0; i < tp->nqueues; i++)
		tp->base.env->detach(tp->base.env, &tp->q[i].pq);
	tap_free(tp);
}

static const struct port_ops tap_ops = {
	.kind = "tap",
	.rx_burst = tap_rx_burst,
	.rx_done = tap_rx_done,
	.tx_burst = tap_tx_burst,
	.arm = tap_arm,
	.disarm = tap_disarm,
	.describe = tap_describe,
	.destroy = tap_destroy,
};

static int open_queue(struct tap_port *tp, struct error *e)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int hdr_len = TAP_HDR_LEN;
	unsigned offload = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return error_set(e, -errno, "tap: cannot open /dev/net/tun: %s", strerror(errno));
	if (tp->nqueues > 1)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tp->ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) ||
	    ioctl(fd, TUNSETOFFLOAD, offload)) {
		int rc = -errno;

		close(fd);
		return error_set(e, rc, "ifname: cannot set up tap '%s': %s", tp->ifname, strerror(-rc));
	}
	snprintf(tp->ifname, sizeof(tp->ifname), "%s", ifr.ifr_name);
	return fd;
}

static int link_up(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			rc = -errno;
	} else {
		rc = -errno;
	}
	close(s);
	return rc;
}

static int parse_opts(struct tap_port *tp, const char *name, struct port_opts *o,
		      struct error *e)
{
	const char *ifname = port_opt_get(o, "ifname");

	if (!ifname)
		ifname = name;
	if (!*ifname || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/') || strchr(ifname, ' '))
		return error_set(e, -EINVAL, "ifname: '%s' is not a valid interface name (1-%d characters)",
				 ifname, IFNAMSIZ - 1);
	snprintf(tp->ifname, sizeof(tp->ifname), "%s", ifname);
	tp->nqueues = 1;
	if (port_opt_uint(o, "queues", 1, PORT_MAX_QUEUES, &tp->nqueues, e))
		return -EINVAL;
	return port_opts_check_unused(o, e);
}

static int tap_create(const char *name, struct port_opts *o, struct port_env *env,
		      struct port **out, struct error *e)
{
	struct tap_port *tp = calloc(1, sizeof(*tp));
	int rc;

	if (!tp)
		return error_set(e, -ENOMEM, "out of memory");
	port_init(&tp->base, name, &tap_ops, env);
	for (unsigned i = 0; i < PORT_MAX_QUEUES; i++) {
		tp->q[i].tp = tp;
		port_queue_init(&tp->q[i].pq, &tp->base, i, -1, &tp->q[i]);
	}
	rc = parse_opts(tp, name, o, e);
	for (unsigned i = 0; !rc && i < tp->nqueues; i++) {
		struct tap_queue *q = &tp->q[i];
		int fd = open_queue(tp, e);

		if (fd < 0) {
			rc = fd;
			break;
		}
		q->pq.fd = fd;
		for (unsigned b = 0; b < FRAME_BURST && !rc; b++)
			if (!(q->buf[b] = malloc(TAP_BUF_LEN)))
				rc = error_set(e, -ENOMEM, "out of memory");
	}
	if (!rc && (rc = link_up(tp->ifname)))
		error_set(e, rc, "ifname: cannot bring '%s' up: %s", tp->ifname, strerror(-rc));
	if (rc) {
		tap_free(tp);
		return rc;
	}
	for (unsigned i = 0; i < tp->nqueues; i++) {
		rc = env->attach(env, &tp->q[i].pq, e);
		if (rc) {
			tap_destroy(&tp->base); /* detaches those attached */
			return rc;
		}
	}
	log_info("%s: tap %s up with %u queue(s)", name, tp->ifname, tp->nqueues);
	*out = &tp->base;
	return 0;
}

const struct port_kind tap_port_kind = {
	.name = "tap",
	.options = "[ifname=NAME] [queues=N]",
	.create = tap_create,
};
