/* SPDX-License-Identifier: MIT */
/*
 * VXLAN tunnel port (RFC 7348), point to point as in OVS: one port per
 * (remote, VNI), so the bridge's FDB learns the MACs behind each remote on
 * that remote's port.
 *
 *   add-port BR P type=vxlan remote=IP vni=N [local=IP] [dstport=4789] [mtu=N]
 *
 * Endpoints.  Ports with the same local address and UDP port share one
 * endpoint: a UDP socket bound to local:dstport (the kernel then answers
 * no ICMP port-unreachable, and checks outer UDP checksums for us), read
 * with recvmmsg, and a raw IPPROTO_RAW socket (IP_HDRINCL, send only: it
 * never gets copies of received packets) written with sendmmsg.  We write
 * the outer IPv4 header ourselves, so DF is set and the UDP source port
 * comes from the inner flow hash; the kernel fills in the IP ID and, with
 * no local=, the source address.  A raw socket never fragments: a packet
 * over the device MTU fails with EMSGSIZE.
 *
 * Demultiplexing.  The endpoint's socket is one port_queue, polled by one
 * worker.  rx_burst() reads a batch, finds each packet's port by (source
 * address, VNI) in the endpoint's table, and returns the frames of one
 * port at a time, naming that port in q->port (the worker reads q->port
 * after rx_burst() to forward the burst); the rest of the batch waits for
 * the next calls, which come at once.  The table only changes while the
 * queue is detached from its worker (env->detach waits for the burst in
 * flight), so workers read it without locks.  A new port joins the table
 * just after add-port completes (an eventfd watch on the control thread),
 * once it is on a bridge: a packet for it can never reach the switch with
 * a port that has no bridge yet.
 *
 * Drops, counted by reason on the port they can be pinned to (its
 * `drops`, plus rx.errors for malformed packets and rx.dropped for an
 * unknown VNI from its remote) and on the endpoint (shown by every port
 * of it): packets from a remote no port has, a VNI no port has for that
 * remote, a short or malformed VXLAN header, an inner frame shorter than
 * an Ethernet header.
 *
 * Transmit.  Frames from the bridge may carry offload requests (partial
 * checksum, TSO/UFO from a guest or a tap); the underlay gets plain UDP,
 * so vxlan_encap_frame() completes them: each packet is copied once into
 * a per-worker arena behind its outer headers, checksums filled in, GSO
 * frames cut into segments that fit the tunnel.  A burst leaves in one
 * sendmmsg (more if the arena or the message array fills up).
 *
 * MTU.  The underlay MTU is the route's to the remote (IP_MTU of a UDP
 * socket connected to it), refreshed every second; the port's mtu (the
 * bridge's egress check) is mtu= if given, else the underlay MTU - 50.
 * (add-port sets the port's mtu after the constructor, 0 without mtu=;
 * the ready callback just after it puts the derived value back.)
 * Whatever the mtu, an encapsulated packet longer than the underlay MTU
 * is dropped and counted (too_big), never fragmented.  IPv4 underlays
 * only.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/log.h"
#include "port/port_kind.h"
#include "net/vxlan.h"

LOG_MODULE("vxlan");

#define VX_BUF_LEN 65536            /* any UDP payload fits */
#define VX_TX_BATCH 64              /* messages per sendmmsg */
#define VX_ARENA (256 * 1024)       /* bytes of packets per sendmmsg */
#define VX_BUCKETS 64               /* power of two */
#define VX_SOCKBUF (4 << 20)
#define VX_DEFAULT_UNDERLAY 1500    /* until a route to the remote shows up */

/* Drop reasons; the first ones mirror enum vxlan_rx_err. */
enum vx_drop {
	VXD_TRUNCATED = VXLAN_RX_TRUNCATED - 1,
	VXD_FLAGS = VXLAN_RX_FLAGS - 1,
	VXD_RESERVED = VXLAN_RX_RESERVED - 1,
	VXD_RUNT = VXLAN_RX_RUNT - 1,
	VXD_VNI,            /* rx: a VNI no port has for that remote */
	VXD_REMOTE,         /* rx: a source no port has (endpoint only) */
	VXD_TOO_BIG,        /* tx: longer than the underlay MTU */
	VXD_OFFLOAD,        /* tx: an offload request we cannot complete */
	VXD_NO_ROUTE,       /* tx: no route to the remote */
	VXD_BUSY,           /* tx: socket buffer full */
	VXD_SEND,           /* tx: another send error */
	VXD_N
};

static const char *const drop_names[VXD_N] = {
	[VXD_TRUNCATED] = "truncated", [VXD_FLAGS] = "bad_flags",
	[VXD_RESERVED] = "reserved", [VXD_RUNT] = "runt", [VXD_VNI] = "unknown_vni",
	[VXD_REMOTE] = "unknown_remote", [VXD_TOO_BIG] = "too_big",
	[VXD_OFFLOAD] = "bad_offload", [VXD_NO_ROUTE] = "no_route", [VXD_BUSY] = "tx_busy",
	[VXD_SEND] = "send_error",
};

_Static_assert(VXD_RUNT + 1 == VXLAN_RX_NERR - 1, "vx_drop mirrors vxlan_rx_err");

struct vxlan_port;

/* Per-worker transmit state: packets built and waiting for sendmmsg. */
struct vx_tx {
	pthread_mutex_t lock;   /* workers, and the control thread's injections */
	uint8_t *arena;
	size_t used;
	unsigned n;
	struct mmsghdr mm[VX_TX_BATCH];
	struct iovec iov[VX_TX_BATCH];
	uint8_t owner[VX_TX_BATCH];   /* frame index in the tx_burst() call */
};

struct vxlan_ep {
	struct vxlan_ep *next;        /* all endpoints (control thread) */
	struct port_env *env;
	uint32_t local;               /* bound address, network order; 0: any */
	uint16_t port;                /* host order */
	int tx_fd;
	struct port_queue pq;         /* fd: the UDP socket */
	struct vxlan_port *all;       /* every port of the endpoint */
	unsigned nports, nactive;
	bool attached;
	bool attach_logged;         /* said once why no worker polls it */
	/* the receive table: active ports, by (remote, vni) and by remote */
	struct vxlan_port *exact[VX_BUCKETS];
	struct vxlan_port *by_remote[VX_BUCKETS];
	/* receive batch (the polling worker's) */
	uint8_t *buf[FRAME_BURST];
	struct sockaddr_in from[FRAME_BURST];
	struct iovec frame_iov[FRAME_BURST];
	struct vxlan_port *dst[FRAME_BURST]; /* NULL: dropped or taken */
	uint32_t len[FRAME_BURST];
	unsigned nmsg, first, pending;
	uint64_t drops[VXD_N];        /* atomic */
	uint64_t rx_packets;          /* atomic: frames delivered to its ports */
	unsigned ntx;
	struct vx_tx *tx;
};

struct vxlan_port {
	struct port base;
	struct vxlan_ep *ep;
	struct vxlan_port *ep_next;   /* ep->all */
	struct vxlan_port *hnext, *rnext;  /* ep->exact, ep->by_remote */
	bool active;                  /* in the receive table */
	uint32_t remote, local, vni;  /* addresses in network order */
	uint32_t src;                 /* outer source written (local or 0) */
	uint16_t dstport;
	unsigned user_mtu;
	unsigned underlay_mtu;        /* atomic; 0 while there is no route */
	uint32_t route_src;           /* the route's source address */
	int probe_fd;                 /* UDP, connected to remote:dstport */
	bool probe_connected;
	int ready_fd;                 /* eventfd: enable after add-port */
	struct sockaddr_in dst;
	uint64_t drops[VXD_N];        /* atomic */
};

static struct vxlan_ep *endpoints; /* control thread only */

static void probe_route(struct vxlan_port *vp);

static struct vxlan_port *to_vp(struct port *p)
{
	return (struct vxlan_port *)p;
}

static void count_drop(uint64_t *c, enum vx_drop why, uint64_t n)
{
	__atomic_fetch_add(&c[why], n, __ATOMIC_RELAXED);
}

static unsigned hash_remote(uint32_t remote)
{
	return (remote * 0x9e3779b1u) >> 26 & (VX_BUCKETS - 1);
}

static unsigned hash_exact(uint32_t remote, uint32_t vni)
{
	return ((remote ^ vni * 0x85ebca6bu) * 0x9e3779b1u) >> 26 & (VX_BUCKETS - 1);
}

/* ---- receive ---- */

static struct vxlan_port *lookup(struct vxlan_ep *ep, uint32_t remote, uint32_t vni)
{
	for (struct vxlan_port *vp = ep->exact[hash_exact(remote, vni)]; vp; vp = vp->hnext)
		if (vp->remote == remote && vp->vni == vni)
			return vp;
	return NULL;
}

static struct vxlan_port *lookup_remote(struct vxlan_ep *ep, uint32_t remote)
{
	for (struct vxlan_port *vp = ep->by_remote[hash_remote(remote)]; vp; vp = vp->rnext)
		if (vp->remote == remote)
			return vp;
	return NULL;
}

/* The port packet i of the batch goes to, or NULL (counted). */
static struct vxlan_port *classify(struct vxlan_ep *ep, unsigned i, const struct mmsghdr *m)
{
	const struct sockaddr_in *from = &ep->from[i];
	struct vxlan_port *any, *vp = NULL;
	enum vxlan_rx_err err;
	uint32_t vni = 0;

	if (m->msg_hdr.msg_namelen < sizeof(*from) || from->sin_family != AF_INET ||
	    !(any = lookup_remote(ep, from->sin_addr.s_addr))) {
		count_drop(ep->drops, VXD_REMOTE, 1);
		return NULL;
	}
	err = m->msg_hdr.msg_flags & MSG_TRUNC ? VXLAN_RX_TRUNCATED
					       : vxlan_parse(ep->buf[i], m->msg_len, &vni);
	if (err == VXLAN_RX_OK || err == VXLAN_RX_RESERVED || err == VXLAN_RX_RUNT)
		vp = lookup(ep, from->sin_addr.s_addr, vni);
	if (err != VXLAN_RX_OK) {
		vp = vp ? vp : any;
		count_drop(ep->drops, (enum vx_drop)(err - 1), 1);
		count_drop(vp->drops, (enum vx_drop)(err - 1), 1);
		port_count(port_rx(&vp->base, (unsigned)ep->pq.worker), 0, 0, 0, 1);
		return NULL;
	}
	if (!vp) {
		count_drop(ep->drops, VXD_VNI, 1);
		count_drop(any->drops, VXD_VNI, 1);
		port_count(port_rx(&any->base, (unsigned)ep->pq.worker), 0, 0, 1, 0);
		return NULL;
	}
	return vp;
}

static void receive_batch(struct vxlan_ep *ep, unsigned n)
{
	struct mmsghdr mm[FRAME_BURST];
	struct iovec iov[FRAME_BURST];
	int got;

	for (unsigned i = 0; i < n; i++) {
		iov[i] = (struct iovec){ ep->buf[i], VX_BUF_LEN };
		mm[i] = (struct mmsghdr){ .msg_hdr = {
			.msg_name = &ep->from[i], .msg_namelen = sizeof(ep->from[i]),
			.msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	got = recvmmsg(ep->pq.fd, mm, n, MSG_DONTWAIT, NULL);
	ep->nmsg = got > 0 ? (unsigned)got : 0;
	ep->first = 0;
	ep->pending = 0;
	for (unsigned i = 0; i < ep->nmsg; i++) {
		ep->dst[i] = classify(ep, i, &mm[i]);
		ep->len[i] = mm[i].msg_len;
		if (ep->dst[i])
			ep->pending++;
	}
}

/* Hand out the frames of the first port with any left in the batch. */
static unsigned vx_rx_burst(struct port_queue *pq, struct frame *f, unsigned n)
{
	struct vxlan_ep *ep = pq->priv;
	struct vxlan_port *vp;
	unsigned out = 0;
	uint64_t bytes = 0;

	if (!ep->pending)
		receive_batch(ep, n < FRAME_BURST ? n : FRAME_BURST);
	while (ep->first < ep->nmsg && !ep->dst[ep->first])
		ep->first++;
	if (ep->first == ep->nmsg)
		return 0;
	vp = ep->dst[ep->first];
	for (unsigned i = ep->first; i < ep->nmsg && out < n; i++) {
		uint32_t len;

		if (ep->dst[i] != vp)
			continue;
		ep->dst[i] = NULL;
		ep->pending--;
		len = ep->len[i] - VXLAN_HLEN;
		ep->frame_iov[i] = (struct iovec){ ep->buf[i] + VXLAN_HLEN, len };
		f[out] = (struct frame){ .iov = &ep->frame_iov[i], .niov = 1, .len = len };
		memcpy(f[out].eth, ep->buf[i] + VXLAN_HLEN, len < ETH_HLEN_TAGGED ? len : ETH_HLEN_TAGGED);
		bytes += len;
		out++;
	}
	pq->port = &vp->base; /* the worker forwards this burst as vp's */
	port_count(port_rx(&vp->base, (unsigned)pq->worker), out, bytes, 0, 0);
	__atomic_fetch_add(&ep->rx_packets, out, __ATOMIC_RELAXED);
	return out;
}

static void vx_rx_done(struct port_queue *pq)
{
	(void)pq; /* the batch's buffers are reused once every frame is out */
}

/* The socket is level-triggered; frames left in the batch are work too. */
static bool vx_arm(struct port_queue *pq)
{
	return ((struct vxlan_ep *)pq->priv)->pending != 0;
}

static void vx_disarm(struct port_queue *pq)
{
	(void)pq;
}

/* ---- transmit ---- */

static enum vx_drop errno_reason(int e)
{
	switch (e) {
	case EAGAIN:
	case ENOBUFS:
		return VXD_BUSY;
	case EMSGSIZE:
		return VXD_TOO_BIG;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
		return VXD_NO_ROUTE;
	default:
		return VXD_SEND;
	}
}

/* status[i]: 0 for sent, else 1 + the reason frame i was dropped. */
static void tx_flush(struct vx_tx *t, int fd, uint8_t *status)
{
	unsigned i = 0;

	while (i < t->n) {
		int r = sendmmsg(fd, t->mm + i, t->n - i, MSG_DONTWAIT);
		enum vx_drop why;

		if (r > 0) {
			i += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		why = errno_reason(r < 0 ? errno : EIO);
		if (why == VXD_BUSY) { /* the rest would fail alike */
			for (; i < t->n; i++)
				if (!status[t->owner[i]])
					status[t->owner[i]] = (uint8_t)(1 + why);
			break;
		}
		if (!status[t->owner[i]])
			status[t->owner[i]] = (uint8_t)(1 + why);
		i++;
	}
	t->n = 0;
	t->used = 0;
}

/* The packets of one tx_burst() call: built in t, owned by frame `owner`. */
struct tx_call {
	struct vx_tx *t;
	struct vxlan_port *vp;
	unsigned owner;
	uint8_t *status;
};

/* Room for one packet of len bytes (flushing first if needed). */
static uint8_t *tx_slot(void *arg, size_t len)
{
	struct tx_call *c = arg;
	struct vx_tx *t = c->t;
	size_t span = (len + 63) & ~(size_t)63;
	uint8_t *p;

	if (span > VX_ARENA)
		return NULL;
	if (t->n == VX_TX_BATCH || t->used + span > VX_ARENA)
		tx_flush(t, c->vp->ep->tx_fd, c->status);
	p = t->arena + t->used;
	t->iov[t->n] = (struct iovec){ p, len };
	t->mm[t->n].msg_hdr = (struct msghdr){ .msg_name = &c->vp->dst,
					       .msg_namelen = sizeof(c->vp->dst),
					       .msg_iov = &t->iov[t->n], .msg_iovlen = 1 };
	t->owner[t->n] = (uint8_t)c->owner;
	t->used += span;
	t->n++;
	return p;
}

/* Take back the last slot (the frame turned out bad while being copied). */
static void tx_unslot(void *arg)
{
	struct vx_tx *t = ((struct tx_call *)arg)->t;

	t->n--;
	t->used -= (t->iov[t->n].iov_len + 63) & ~(size_t)63;
}

static unsigned underlay_mtu(const struct vxlan_port *vp)
{
	unsigned m = __atomic_load_n(&vp->underlay_mtu, __ATOMIC_RELAXED);

	return m ? m : VX_DEFAULT_UNDERLAY;
}

static unsigned vx_tx_burst(struct port *p, unsigned worker, struct frame *const *f,
			    const bool *tagged, unsigned n)
{
	struct vxlan_port *vp = to_vp(p);
	struct vxlan_ep *ep = vp->ep;
	struct vx_tx *t = &ep->tx[worker % ep->ntx];
	unsigned under = underlay_mtu(vp), mtu = __atomic_load_n(&p->mtu, __ATOMIC_RELAXED);
	uint8_t status[FRAME_BURST] = { 0 };
	unsigned sent = 0, dropped = 0, errors = 0;
	uint64_t bytes = 0;
	struct tx_call call = { .t = t, .vp = vp, .status = status };
	struct vxlan_encap x = {
		.saddr = vp->src, .daddr = vp->remote, .dport = vp->dstport, .vni = vp->vni,
		.max_inner = under > VXLAN_OUTER4_LEN ? under - VXLAN_OUTER4_LEN : 0,
		.alloc = tx_slot, .unalloc = tx_unslot, .arg = &call,
	};

	if (n > FRAME_BURST)
		n = FRAME_BURST;
	pthread_mutex_lock(&t->lock);
	for (unsigned i = 0; i < n; i++) {
		static const enum vx_drop why[] = {
			[VXLAN_TX_TOO_BIG] = VXD_TOO_BIG, [VXLAN_TX_BAD] = VXD_OFFLOAD,
			[VXLAN_TX_NOROOM] = VXD_TOO_BIG,
		};
		enum vxlan_tx_err rc;

		/* GSO segments also honour the port's MTU (mtu= may be lower):
		 * inner Ethernet header (12 + tag + 2) + L3 */
		x.max_seg_inner = mtu ? mtu + 14u + (tagged[i] ? 4u : 0u) : x.max_inner;
		call.owner = i;
		rc = vxlan_encap_frame(&x, f[i], tagged[i]);
		if (rc && !status[i])
			status[i] = (uint8_t)(1 + why[rc]);
	}
	tx_flush(t, ep->tx_fd, status);
	pthread_mutex_unlock(&t->lock);
	for (unsigned i = 0; i < n; i++) {
		enum vx_drop why = (enum vx_drop)(status[i] - 1);

		if (!status[i]) {
			sent++;
			bytes += f[i]->len;
			continue;
		}
		count_drop(vp->drops, why, 1);
		if (why == VXD_OFFLOAD || why == VXD_SEND)
			errors++;
		else
			dropped++;
	}
	port_count(port_tx(p, worker), sent, bytes, dropped, errors);
	return sent;
}

/* ---- the receive table (control thread) ---- */

static void ep_detach(struct vxlan_ep *ep)
{
	if (ep->attached)
		ep->env->detach(ep->env, &ep->pq);
	ep->attached = false;
}

/* Not polled yet when no worker can take it: tick tries again. */
static void ep_attach(struct vxlan_ep *ep)
{
	struct error e;

	if (!ep->attached && ep->nactive) {
		if (ep->env->attach(ep->env, &ep->pq, &e)) {
			if (!ep->attach_logged)
				log_error("vxlan endpoint: not receiving (trying again each second): %s",
					  e.msg);
			ep->attach_logged = true;
			return;
		}
		ep->attached = true;
		ep->attach_logged = false;
	}
}

/* Put vp in the receive table, once it is on a bridge. */
static void vx_enable(struct vxlan_port *vp)
{
	struct vxlan_ep *ep = vp->ep;
	unsigned h = hash_exact(vp->remote, vp->vni), r = hash_remote(vp->remote);

	if (vp->active || !vp->base.bridge)
		return;
	ep_detach(ep);
	vp->hnext = ep->exact[h];
	ep->exact[h] = vp;
	vp->rnext = ep->by_remote[r];
	ep->by_remote[r] = vp;
	vp->active = true;
	ep->nactive++;
	if (!ep->pq.port)
		ep->pq.port = &vp->base;
	ep_attach(ep);
}

static void unlink_from(struct vxlan_port **head, struct vxlan_port *vp, size_t next_off)
{
	for (struct vxlan_port **pp = head; *pp;
	     pp = (struct vxlan_port **)((char *)*pp + next_off))
		if (*pp == vp) {
			*pp = *(struct vxlan_port **)((char *)vp + next_off);
			return;
		}
}

static void vx_disable(struct vxlan_port *vp)
{
	struct vxlan_ep *ep = vp->ep;

	if (!vp->active)
		return;
	ep_detach(ep);
	unlink_from(&ep->exact[hash_exact(vp->remote, vp->vni)], vp,
		    offsetof(struct vxlan_port, hnext));
	unlink_from(&ep->by_remote[hash_remote(vp->remote)], vp,
		    offsetof(struct vxlan_port, rnext));
	vp->active = false;
	ep->nactive--;
	for (unsigned i = 0; i < ep->nmsg; i++)
		if (ep->dst[i] == vp) {
			ep->dst[i] = NULL;
			ep->pending--;
		}
	if (ep->pq.port == &vp->base) {
		ep->pq.port = NULL;
		for (struct vxlan_port *o = ep->all; o; o = o->ep_next)
			if (o->active)
				ep->pq.port = &o->base;
	}
	ep_attach(ep);
}

static void vx_on_ready(void *arg)
{
	struct vxlan_port *vp = arg;

	vp->base.env->unwatch(vp->base.env, vp->ready_fd);
	close(vp->ready_fd);
	vp->ready_fd = -1;
	probe_route(vp); /* add-port has just set mtu: 0 unless mtu= was given */
	vx_enable(vp);
}

/* ---- endpoints ---- */

static void ep_free(struct vxlan_ep *ep)
{
	if (ep->pq.fd >= 0)
		close(ep->pq.fd);
	if (ep->tx_fd >= 0)
		close(ep->tx_fd);
	for (unsigned b = 0; b < FRAME_BURST; b++)
		free(ep->buf[b]);
	for (unsigned i = 0; ep->tx && i < ep->ntx; i++) {
		pthread_mutex_destroy(&ep->tx[i].lock);
		free(ep->tx[i].arena);
	}
	free(ep->tx);
	free(ep);
}

static void set_buf(int fd, int force, int plain, int size)
{
	if (setsockopt(fd, SOL_SOCKET, force, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, plain, &size, sizeof(size));
}

static const char *ip_str(uint32_t a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static int ep_open(struct vxlan_ep *ep, struct error *e)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(ep->port),
				  .sin_addr.s_addr = ep->local };
	char a[INET_ADDRSTRLEN];
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set(e, -errno, "local: cannot open a UDP socket: %s", strerror(errno));
	ep->pq.fd = fd;
	set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, VX_SOCKBUF);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return error_set(e, -errno, "%s: cannot bind %s:%u: %s", ep->local ? "local" : "dstport",
				 ip_str(ep->local, a), ep->port, strerror(errno));
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return error_set(e, -errno, "remote: cannot open a raw IP socket: %s", strerror(errno));
	ep->tx_fd = fd;
	set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, VX_SOCKBUF);
	sa.sin_port = 0;
	if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) ||
	    (ep->local && bind(fd, (struct sockaddr *)&sa, sizeof(sa))))
		return error_set(e, -errno, "local: cannot set up the sending socket: %s",
				 strerror(errno));
	return 0;
}

/* The endpoint bound to local:port, shared or new, in *out. */
static int ep_get(struct port_env *env, uint32_t local, uint16_t port, struct vxlan_ep **out,
		  struct error *e)
{
	struct vxlan_ep *ep;
	int rc;

	for (ep = endpoints; ep; ep = ep->next)
		if (ep->local == local && ep->port == port) {
			*out = ep;
			return 0;
		}
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return error_set(e, -ENOMEM, "out of memory");
	*ep = (struct vxlan_ep){ .env = env, .local = local, .port = port, .tx_fd = -1,
				 .ntx = env->nworkers ? env->nworkers : 1 };
	port_queue_init(&ep->pq, NULL, 0, -1, ep);
	ep->tx = calloc(ep->ntx, sizeof(*ep->tx));
	rc = ep->tx ? 0 : -ENOMEM;
	for (unsigned i = 0; !rc && i < ep->ntx; i++) {
		pthread_mutex_init(&ep->tx[i].lock, NULL);
		if (!(ep->tx[i].arena = malloc(VX_ARENA)))
			rc = -ENOMEM;
	}
	for (unsigned b = 0; !rc && b < FRAME_BURST; b++)
		if (!(ep->buf[b] = malloc(VX_BUF_LEN)))
			rc = -ENOMEM;
	if (rc)
		error_set(e, rc, "out of memory");
	else
		rc = ep_open(ep, e);
	if (rc) {
		ep_free(ep);
		return rc;
	}
	ep->next = endpoints;
	endpoints = ep;
	*out = ep;
	return 0;
}

static void ep_put(struct vxlan_ep *ep)
{
	if (ep->nports)
		return;
	for (struct vxlan_ep **pp = &endpoints; *pp; pp = &(*pp)->next)
		if (*pp == ep) {
			*pp = ep->next;
			break;
		}
	ep_free(ep);
}

/* ---- control ---- */

/* Ask the route to the remote for the underlay MTU (and source address). */
static void probe_route(struct vxlan_port *vp)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(vp->dstport),
				  .sin_addr.s_addr = vp->remote };
	socklen_t sl = sizeof(sa);
	int mtu = 0;
	socklen_t ml = sizeof(mtu);
	unsigned m;

	if (!vp->probe_connected)
		vp->probe_connected = connect(vp->probe_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (!vp->probe_connected || getsockopt(vp->probe_fd, IPPROTO_IP, IP_MTU, &mtu, &ml) ||
	    mtu <= VXLAN_OVERHEAD4) {
		/* no route (yet): forget the old socket, try again next time */
		if (vp->probe_connected) {
			struct sockaddr unspec = { .sa_family = AF_UNSPEC };

			connect(vp->probe_fd, &unspec, sizeof(unspec));
			vp->probe_connected = false;
		}
		__atomic_store_n(&vp->underlay_mtu, 0, __ATOMIC_RELAXED);
		return;
	}
	if (getsockname(vp->probe_fd, (struct sockaddr *)&sa, &sl) == 0)
		vp->route_src = sa.sin_addr.s_addr;
	__atomic_store_n(&vp->underlay_mtu, (unsigned)mtu, __ATOMIC_RELAXED);
	m = vp->user_mtu ? vp->user_mtu : (unsigned)mtu - VXLAN_OVERHEAD4;
	if (__atomic_load_n(&vp->base.mtu, __ATOMIC_RELAXED) != m)
		__atomic_store_n(&vp->base.mtu, m, __ATOMIC_RELAXED);
}

static void vx_tick(struct port *p)
{
	struct vxlan_port *vp = to_vp(p);

	probe_route(vp);
	vx_enable(vp); /* if the ready event was missed */
	if (vp->ep)
		ep_attach(vp->ep); /* if no worker could take it before */
}

static void add_drops(struct json_object *o, const uint64_t *c, bool rx_only)
{
	struct json_object *d = json_object_new_object();

	for (unsigned i = 0; i < VXD_N; i++)
		if (!rx_only || i <= VXD_REMOTE)
			json_object_object_add(d, drop_names[i],
					       json_object_new_uint64(__atomic_load_n(&c[i], __ATOMIC_RELAXED)));
	json_object_object_add(o, "drops", d);
}

static void vx_describe(struct port *p, struct json_object *o)
{
	struct vxlan_port *vp = to_vp(p);
	struct vxlan_ep *ep = vp->ep;
	struct json_object *eo = json_object_new_object();
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN + 8];

	json_object_object_add(o, "remote", json_object_new_string(ip_str(vp->remote, a)));
	json_object_object_add(o, "local", json_object_new_string(
		ip_str(vp->local ? vp->local : vp->route_src, a)));
	json_object_object_add(o, "vni", json_object_new_int64(vp->vni));
	json_object_object_add(o, "dstport", json_object_new_int(vp->dstport));
	json_object_object_add(o, "underlay_mtu", json_object_new_int((int)vp->underlay_mtu));
	json_object_object_add(o, "receiving", json_object_new_boolean(vp->active));
	add_drops(o, vp->drops, false);
	snprintf(b, sizeof(b), "%s:%u", ip_str(ep->local, a), ep->port);
	json_object_object_add(eo, "bind", json_object_new_string(b));
	json_object_object_add(eo, "ports", json_object_new_int((int)ep->nports));
	json_object_object_add(eo, "rx_packets",
			       json_object_new_uint64(__atomic_load_n(&ep->rx_packets, __ATOMIC_RELAXED)));
	add_drops(eo, ep->drops, true);
	json_object_object_add(o, "endpoint", eo);
}

static void vx_free(struct vxlan_port *vp)
{
	struct vxlan_ep *ep = vp->ep;

	if (vp->ready_fd >= 0) {
		vp->base.env->unwatch(vp->base.env, vp->ready_fd);
		close(vp->ready_fd);
	}
	if (ep) {
		vx_disable(vp);
		for (struct vxlan_port **pp = &ep->all; *pp; pp = &(*pp)->ep_next)
			if (*pp == vp) {
				*pp = vp->ep_next;
				ep->nports--;
				break;
			}
		ep_put(ep);
	}
	if (vp->probe_fd >= 0)
		close(vp->probe_fd);
	free(vp);
}

static void vx_destroy(struct port *p)
{
	vx_free(to_vp(p));
}

static const struct port_ops vxlan_ops = {
	.kind = "vxlan",
	.rx_burst = vx_rx_burst,
	.rx_done = vx_rx_done,
	.tx_burst = vx_tx_burst,
	.arm = vx_arm,
	.disarm = vx_disarm,
	.describe = vx_describe,
	.tick = vx_tick,
	.destroy = vx_destroy,
};

/* A unicast IPv4 address; e names key. */
static int parse_ip4(const char *key, const char *s, uint32_t *out, struct error *e)
{
	struct in6_addr a6;
	uint32_t h;

	if (inet_pton(AF_INET, s, out) != 1) {
		if (inet_pton(AF_INET6, s, &a6) == 1)
			return error_set(e, -EAFNOSUPPORT,
					 "%s: '%s': IPv6 underlays are not supported (IPv4 only)", key, s);
		return error_set(e, -EINVAL, "%s: '%s' is not an IPv4 address", key, s);
	}
	h = ntohl(*out);
	if (h == 0 || h == 0xffffffffu || (h >> 28) == 0xe)
		return error_set(e, -EINVAL, "%s: '%s' is not a unicast address", key, s);
	return 0;
}

static int parse_opts(struct vxlan_port *vp, struct port_opts *o, struct error *e)
{
	const char *remote = port_opt_get(o, "remote"), *local = port_opt_get(o, "local");
	unsigned dstport = VXLAN_DEFAULT_PORT;
	int rc;

	if (!remote)
		return error_set(e, -EINVAL, "remote: a vxlan port needs remote=IPv4ADDRESS");
	if ((rc = parse_ip4("remote", remote, &vp->remote, e)))
		return rc;
	if (!port_opt_get(o, "vni"))
		return error_set(e, -EINVAL, "vni: a vxlan port needs vni=N (0-%u)", VXLAN_VNI_MAX);
	if ((rc = port_opt_uint(o, "vni", 0, VXLAN_VNI_MAX, &vp->vni, e)))
		return rc;
	if (local && (rc = parse_ip4("local", local, &vp->local, e)))
		return rc;
	if (port_opt_uint(o, "dstport", 1, 65535, &dstport, NULL))
		return error_set(e, -EINVAL, "dstport: '%s' is not a UDP port (1-65535)",
				 port_opt_get(o, "dstport"));
	vp->dstport = (uint16_t)dstport;
	/* the daemon has checked mtu= already, and sets the port's mtu */
	if ((rc = port_opt_uint(o, "mtu", 68, 65535, &vp->user_mtu, e)))
		return rc;
	return port_opts_check_unused(o, e);
}

static int vx_create(const char *name, struct port_opts *o, struct port_env *env,
		     struct port **out, struct error *e)
{
	struct vxlan_port *vp = calloc(1, sizeof(*vp));
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	struct vxlan_ep *ep = NULL;
	int rc;

	if (!vp)
		return error_set(e, -ENOMEM, "out of memory");
	port_init(&vp->base, name, &vxlan_ops, env);
	vp->probe_fd = vp->ready_fd = -1;
	rc = parse_opts(vp, o, e);
	if (rc)
		goto fail;
	vp->src = vp->local;
	vp->dst = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = vp->remote };
	vp->probe_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (vp->probe_fd < 0) {
		rc = error_set(e, -errno, "remote: cannot open a UDP socket: %s", strerror(errno));
		goto fail;
	}
	sa.sin_addr.s_addr = vp->local;
	if (vp->local && bind(vp->probe_fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = error_set(e, -errno, "local: %s is not an address of this host: %s",
			       ip_str(vp->local, a), strerror(errno));
		goto fail;
	}
	probe_route(vp);
	if (vp->user_mtu && vp->underlay_mtu && vp->user_mtu + VXLAN_OVERHEAD4 > vp->underlay_mtu) {
		rc = error_set(e, -EINVAL, "mtu: %u does not fit the underlay: the route to %s has "
			       "MTU %u, so at most %u", vp->user_mtu, ip_str(vp->remote, a),
			       vp->underlay_mtu, vp->underlay_mtu - VXLAN_OVERHEAD4);
		goto fail;
	}
	if (!vp->underlay_mtu)
		log_warn("%s: no route to %s yet: assuming an underlay MTU of %d", name,
			 ip_str(vp->remote, a), VX_DEFAULT_UNDERLAY);
	vp->base.mtu = vp->user_mtu ? vp->user_mtu : underlay_mtu(vp) - VXLAN_OVERHEAD4;
	rc = ep_get(env, vp->local, vp->dstport, &ep, e);
	if (rc)
		goto fail;
	for (struct vxlan_port *x = ep->all; x; x = x->ep_next)
		if (x->remote == vp->remote && x->vni == vp->vni) {
			rc = error_set(e, -EEXIST, "remote: port %s already tunnels VNI %u to %s",
				       x->base.name, vp->vni, ip_str(vp->remote, a));
			ep_put(ep);
			goto fail;
		}
	vp->ep = ep;
	vp->ep_next = ep->all;
	ep->all = vp;
	ep->nports++;
	/* Receive once add-port has put us on a bridge: just after it. */
	vp->ready_fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vp->ready_fd < 0 || env->watch(env, vp->ready_fd, vx_on_ready, vp)) {
		if (vp->ready_fd >= 0)
			close(vp->ready_fd);
		vp->ready_fd = -1; /* vx_tick() will enable it */
	}
	log_info("%s: vxlan: VNI %u to %s:%u from %s (underlay MTU %u, port MTU %u)", name, vp->vni,
		 ip_str(vp->remote, a), vp->dstport, ip_str(vp->local ? vp->local : vp->route_src, b),
		 vp->underlay_mtu, vp->base.mtu);
	*out = &vp->base;
	return 0;
fail:
	vx_free(vp);
	return rc;
}

const struct port_kind vxlan_port_kind = {
	.name = "vxlan",
	.options = "remote=IPv4ADDRESS vni=N [local=IPv4ADDRESS] [dstport=4789] [mtu=N]",
	.fixed_options = "mtu", /* checked against the underlay when made */
	.create = vx_create,
};
