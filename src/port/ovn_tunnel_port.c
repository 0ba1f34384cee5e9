/* SPDX-License-Identifier: MIT */
/*
 * The OVN tunnel port (ovn_tunnel_port.h): one per OVN chassis, the
 * trunk between the OVN bridge's internal VLANs and the other chassis.
 *
 * Sockets, as the VXLAN port's: a UDP socket bound to local:6081 (4789
 * in VXLAN mode; the kernel then checks outer UDP checksums and answers
 * no ICMP port-unreachable), read with recvmmsg, and a raw IPPROTO_RAW
 * socket bound to local (IP_HDRINCL, send only) written with sendmmsg:
 * we write the outer IPv4 header, so every packet leaves from the
 * registered encap IP (OVS ties a tunnel to its peer's address) with DF
 * set, and Geneve packets carry a complete UDP checksum (geneve.h).
 *
 * Transmit.  The bridge hands the port frames of the datapaths' VLANs
 * (tagged; the tag never goes on the wire).  ovn_map_route() says where
 * each goes: one chassis for a known MAC, every chassis of _MC_flood for
 * broadcast and multicast (the sender replicates), _MC_unknown's for an
 * unknown unicast MAC, or nowhere (counted by reason).  Each copy is
 * encapsulated by vxlan_encap_frame() with Geneve's outer headers (or
 * VXLAN's), which completes the frame's offload requests.
 *
 * Receive.  ovn_map_rx_frame(): the framing checked (geneve_parse(),
 * vxlan_parse()), the sender a known chassis, the VNI a datapath of ours,
 * the egress key a local port of it or a multicast group; the inner frame
 * then gets its datapath's VLAN tag, written in place into the bytes the
 * tunnel header leaves in front of it (no copy), and the bridge delivers
 * it within that VLAN: by its MAC to the bound port (the daemon keeps
 * the bridge's FDB entries for bound ports' MACs fresh), flooded to the
 * datapath's local ports for the multicast keys.  The bridge never sends
 * a frame back out the port it came in by, so a receiver never floods
 * to other chassis.
 *
 * The map is read by workers without locks: the control thread publishes
 * a new one with a release store and frees the old one only after a
 * worker sync.
 */
#include "port/ovn_tunnel_port.h"

#include <errno.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <json-c/json.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/geneve.h"
#include "net/vxlan.h"
#include "port/port_kind.h"
#include "util/log.h"

LOG_MODULE("ovn-tunnel");

#define OT_BUF_LEN 65536
#define OT_TX_BATCH 64
#define OT_ARENA (256 * 1024)
#define OT_SOCKBUF (4 << 20)
#define OT_DEFAULT_UNDERLAY 1500
#define TAG_LEN 4                   /* an 802.1Q tag */

/* Transmit drops besides the map's. */
enum ot_tx_drop {
	OTT_NO_MAP,       /* no map set yet */
	OTT_TOO_BIG,      /* longer than the underlay MTU */
	OTT_OFFLOAD,      /* an offload request we cannot complete */
	OTT_BUSY,         /* socket buffer full */
	OTT_SEND,         /* another send error */
	OTT_N
};

static const char *const tx_drop_names[OTT_N] = {
	[OTT_NO_MAP] = "no_map", [OTT_TOO_BIG] = "too_big", [OTT_OFFLOAD] = "bad_offload",
	[OTT_BUSY] = "tx_busy", [OTT_SEND] = "send_error",
};

#define RX_REASONS (OVN_MAP_RX_MAP + OVN_MAP_NDROP)

struct ot_tx {
	pthread_mutex_t lock;
	uint8_t *arena;
	size_t used;
	unsigned n;
	struct mmsghdr mm[OT_TX_BATCH];
	struct iovec iov[OT_TX_BATCH];
	struct sockaddr_in to[OT_TX_BATCH];
	uint8_t owner[OT_TX_BATCH];
};

struct ot_port {
	struct port base;
	bool vxlan;
	uint32_t local;               /* network order */
	uint16_t udp_port;
	int tx_fd;
	struct port_queue pq;         /* fd: the UDP socket */
	bool attached;
	struct ovn_map *map;          /* atomic pointer */
	unsigned underlay_mtu;        /* atomic */
	uint8_t *buf[FRAME_BURST];
	struct iovec frame_iov[FRAME_BURST];
	unsigned ntx;
	struct ot_tx *tx;
	uint64_t rx_drops[RX_REASONS];     /* atomic */
	uint64_t tx_map_drops[OVN_MAP_NDROP];
	uint64_t tx_drops[OTT_N];
	uint64_t copies;                   /* packets sent, replicas included */
};

static const struct port_ops ot_ops;

static struct ot_port *to_op(struct port *p)
{
	return (struct ot_port *)p;
}

static void count(uint64_t *c, unsigned i, uint64_t n)
{
	__atomic_fetch_add(&c[i], n, __ATOMIC_RELAXED);
}

bool ovn_tunnel_port_is(const struct port *p)
{
	return p && p->ops == &ot_ops;
}

struct ovn_map *ovn_tunnel_port_swap(struct port *p, struct ovn_map *m)
{
	return __atomic_exchange_n(&to_op(p)->map, m, __ATOMIC_ACQ_REL);
}

const struct ovn_map *ovn_tunnel_port_map(const struct port *p)
{
	return __atomic_load_n(&((const struct ot_port *)p)->map, __ATOMIC_ACQUIRE);
}

/* ---- receive ---- */

static unsigned ot_rx_burst(struct port_queue *q, struct frame *f, unsigned n)
{
	struct ot_port *op = q->priv;
	const struct ovn_map *m = __atomic_load_n(&op->map, __ATOMIC_ACQUIRE);
	struct sockaddr_in from[FRAME_BURST];
	struct mmsghdr mm[FRAME_BURST];
	struct iovec iov[FRAME_BURST];
	unsigned out = 0, bad = 0, dropped = 0, worker = (unsigned)q->worker;
	uint64_t bytes = 0;
	int got;

	if (n > FRAME_BURST)
		n = FRAME_BURST;
	for (unsigned i = 0; i < n; i++) {
		iov[i] = (struct iovec){ op->buf[i], OT_BUF_LEN };
		mm[i] = (struct mmsghdr){ .msg_hdr = {
			.msg_name = &from[i], .msg_namelen = sizeof(from[i]),
			.msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	got = recvmmsg(q->fd, mm, n, MSG_DONTWAIT, NULL);
	for (int i = 0; i < got; i++) {
		size_t off, flen;
		int rc;

		if (mm[i].msg_hdr.msg_flags & MSG_TRUNC)
			rc = 1 + (op->vxlan ? (int)VXLAN_RX_TRUNCATED : (int)GENEVE_RX_TRUNCATED);
		else if (!m)
			rc = OVN_MAP_RX_MAP + OVN_MAP_NO_DATAPATH;
		else
			rc = ovn_map_rx_frame(m, op->vxlan, from[i].sin_addr.s_addr, op->buf[i],
					       mm[i].msg_len, &off, &flen);
		if (rc) {
			count(op->rx_drops, (unsigned)rc, 1);
			if (rc < OVN_MAP_RX_MAP)
				bad++;
			else
				dropped++;
			continue;
		}
		op->frame_iov[out] = (struct iovec){ op->buf[i] + off, flen };
		f[out] = (struct frame){ .iov = &op->frame_iov[out], .niov = 1, .len = (uint32_t)flen };
		memcpy(f[out].eth, op->buf[i] + off, ETH_HLEN_TAGGED);
		bytes += flen - TAG_LEN;
		out++;
	}
	port_count(port_rx(&op->base, worker), out, bytes, dropped, bad);
	return out;
}

static void ot_rx_done(struct port_queue *q)
{
	(void)q;
}

static bool ot_arm(struct port_queue *q)
{
	(void)q; /* level-triggered socket, nothing kept between bursts */
	return false;
}

static void ot_disarm(struct port_queue *q)
{
	(void)q;
}

/* ---- transmit ---- */

static enum ot_tx_drop errno_reason(int e)
{
	switch (e) {
	case EAGAIN:
	case ENOBUFS:
		return OTT_BUSY;
	case EMSGSIZE:
		return OTT_TOO_BIG;
	default:
		return OTT_SEND;
	}
}

/* status[i]: 0 while frame i has a copy sent (or none tried), else 1 +
 * the reason its last copy failed; sent[i]: copies that left. */
struct tx_call {
	struct ot_port *op;
	struct ot_tx *t;
	unsigned owner;
	uint32_t daddr;
	uint16_t ingress, egress;
	uint8_t *status;
	uint8_t *sent;
};

static void tx_flush(struct tx_call *c)
{
	struct ot_tx *t = c->t;
	unsigned i = 0;

	while (i < t->n) {
		int r = sendmmsg(c->op->tx_fd, t->mm + i, t->n - i, MSG_DONTWAIT);
		enum ot_tx_drop why;

		if (r > 0) {
			for (int k = 0; k < r; k++)
				c->sent[t->owner[i + (unsigned)k]]++;
			i += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		why = errno_reason(r < 0 ? errno : EIO);
		c->status[t->owner[i]] = (uint8_t)(1 + why);
		i++;
	}
	t->n = 0;
	t->used = 0;
}

static uint8_t *tx_slot(void *arg, size_t len)
{
	struct tx_call *c = arg;
	struct ot_tx *t = c->t;
	size_t span = (len + 63) & ~(size_t)63;
	uint8_t *p;

	if (span > OT_ARENA)
		return NULL;
	if (t->n == OT_TX_BATCH || t->used + span > OT_ARENA)
		tx_flush(c);
	p = t->arena + t->used;
	t->iov[t->n] = (struct iovec){ p, len };
	t->to[t->n] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = c->daddr };
	t->mm[t->n].msg_hdr = (struct msghdr){ .msg_name = &t->to[t->n],
					       .msg_namelen = sizeof(t->to[t->n]),
					       .msg_iov = &t->iov[t->n], .msg_iovlen = 1 };
	t->owner[t->n] = (uint8_t)c->owner;
	t->used += span;
	t->n++;
	return p;
}

static void tx_unslot(void *arg)
{
	struct ot_tx *t = ((struct tx_call *)arg)->t;

	t->n--;
	t->used -= (t->iov[t->n].iov_len + 63) & ~(size_t)63;
}

static bool geneve_outer(const struct vxlan_encap *x, uint8_t *p, uint16_t sport, size_t inner_len)
{
	const struct tx_call *c = x->outer_arg;

	return geneve_outer4_put(p, x->saddr, x->daddr, sport, x->vni, c->ingress, c->egress,
				 inner_len);
}

static unsigned underlay_mtu(const struct ot_port *op)
{
	unsigned m = __atomic_load_n(&op->underlay_mtu, __ATOMIC_RELAXED);

	return m ? m : OT_DEFAULT_UNDERLAY;
}

static size_t outer_len(const struct ot_port *op)
{
	return op->vxlan ? VXLAN_OUTER4_LEN : GENEVE_OUTER4_LEN;
}

static unsigned ot_tx_burst(struct port *p, unsigned worker, struct frame *const *f,
			    const bool *tagged, unsigned n)
{
	struct ot_port *op = to_op(p);
	const struct ovn_map *m = __atomic_load_n(&op->map, __ATOMIC_ACQUIRE);
	struct ot_tx *t = &op->tx[worker % op->ntx];
	unsigned under = underlay_mtu(op), mtu = __atomic_load_n(&p->mtu, __ATOMIC_RELAXED);
	uint8_t status[FRAME_BURST] = { 0 }, sent[FRAME_BURST] = { 0 }, tried[FRAME_BURST] = { 0 };
	unsigned nsent = 0, dropped = 0, errors = 0, copies = 0;
	uint64_t bytes = 0;
	struct tx_call call = { .op = op, .t = t, .status = status, .sent = sent };
	struct vxlan_encap x = {
		.saddr = op->local, .dport = op->udp_port,
		.max_inner = under > outer_len(op) ? under - outer_len(op) : 0,
		.alloc = tx_slot, .unalloc = tx_unslot, .arg = &call,
	};

	(void)tagged; /* the internal tag never leaves */
	if (!op->vxlan) {
		x.outer_len = GENEVE_OUTER4_LEN;
		x.put_outer = geneve_outer;
		x.outer_arg = &call;
	}
	if (n > FRAME_BURST)
		n = FRAME_BURST;
	if (!m) {
		count(op->tx_drops, OTT_NO_MAP, n);
		port_count(port_tx(p, worker), 0, 0, n, 0);
		return 0;
	}
	pthread_mutex_lock(&t->lock);
	for (unsigned i = 0; i < n; i++) {
		struct ovn_map_dest d[OVN_MAP_MAX_DESTS];
		enum ovn_map_drop why = OVN_MAP_OK;
		unsigned nd = ovn_map_route(m, f[i]->vlan, f[i]->in_port, frame_dst(f[i]), d,
					    &call.ingress, &why);

		if (!nd) {
			count(op->tx_map_drops, why, 1);
			status[i] = 0xff;
			continue;
		}
		x.max_seg_inner = mtu ? mtu + 14u : x.max_inner;
		call.owner = i;
		for (unsigned k = 0; k < nd; k++) {
			static const enum ot_tx_drop xwhy[] = {
				[VXLAN_TX_TOO_BIG] = OTT_TOO_BIG, [VXLAN_TX_BAD] = OTT_OFFLOAD,
				[VXLAN_TX_NOROOM] = OTT_TOO_BIG,
			};
			enum vxlan_tx_err rc;

			call.daddr = x.daddr = d[k].ip;
			call.egress = d[k].egress;
			x.vni = op->vxlan ? ovn_map_vxlan_vni(m->dp[m->vlan_dp[f[i]->vlan]].key, d[k].egress)
					  : m->dp[m->vlan_dp[f[i]->vlan]].key;
			tried[i]++;
			rc = vxlan_encap_frame(&x, f[i], false);
			if (rc)
				status[i] = (uint8_t)(1 + xwhy[rc]);
		}
	}
	tx_flush(&call);
	pthread_mutex_unlock(&t->lock);
	for (unsigned i = 0; i < n; i++) {
		copies += sent[i];
		if (sent[i]) {
			nsent++;
			bytes += f[i]->len - f[i]->l2_len + ETH_HLEN_UNTAGGED;
		} else if (status[i] == 0xff) {
			dropped++;
		} else {
			enum ot_tx_drop why = status[i] ? (enum ot_tx_drop)(status[i] - 1) : OTT_SEND;

			count(op->tx_drops, why, 1);
			if (why == OTT_OFFLOAD || why == OTT_SEND)
				errors++;
			else
				dropped++;
		}
	}
	__atomic_fetch_add(&op->copies, copies, __ATOMIC_RELAXED);
	port_count(port_tx(p, worker), nsent, bytes, dropped, errors);
	return nsent;
}

/* ---- control ---- */

/* The MTU of the interface holding the local address. */
static void probe_mtu(struct ot_port *op)
{
	struct ifaddrs *ifa, *i;
	unsigned mtu = 0;

	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next) {
		struct ifreq ifr = { 0 };
		int fd;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr != op->local)
			continue;
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->ifa_name);
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
			mtu = (unsigned)ifr.ifr_mtu;
		if (fd >= 0)
			close(fd);
		break;
	}
	freeifaddrs(ifa);
	if (mtu > outer_len(op) + 14 + 68) {
		__atomic_store_n(&op->underlay_mtu, mtu, __ATOMIC_RELAXED);
		if (!op->base.mtu || op->base.mtu > mtu - outer_len(op) - 14)
			__atomic_store_n(&op->base.mtu, (unsigned)(mtu - outer_len(op) - 14),
					 __ATOMIC_RELAXED);
	}
}

static void ot_tick(struct port *p)
{
	probe_mtu(to_op(p));
}

static const char *ip_str(uint32_t a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static void ot_describe(struct port *p, struct json_object *o)
{
	struct ot_port *op = to_op(p);
	const struct ovn_map *m = ovn_tunnel_port_map(p);
	struct json_object *rx = json_object_new_object(), *tx = json_object_new_object();
	char a[INET_ADDRSTRLEN];

	json_object_object_add(o, "local", json_object_new_string(ip_str(op->local, a)));
	json_object_object_add(o, "encap", json_object_new_string(op->vxlan ? "vxlan" : "geneve"));
	json_object_object_add(o, "dstport", json_object_new_int(op->udp_port));
	json_object_object_add(o, "underlay_mtu", json_object_new_int((int)underlay_mtu(op)));
	json_object_object_add(o, "datapaths", json_object_new_int(m ? (int)m->ndp : 0));
	json_object_object_add(o, "chassis", json_object_new_int(m ? (int)m->nchassis : 0));
	json_object_object_add(o, "macs", json_object_new_int(m ? (int)m->nmacs : 0));
	json_object_object_add(o, "copies_sent",
			       json_object_new_uint64(__atomic_load_n(&op->copies, __ATOMIC_RELAXED)));
	for (unsigned err = 1; err < (op->vxlan ? VXLAN_RX_NERR : GENEVE_RX_NERR); err++)
		json_object_object_add(rx, op->vxlan ? vxlan_rx_err_name(err) : geneve_rx_err_name(err),
				       json_object_new_uint64(__atomic_load_n(&op->rx_drops[1 + err],
									      __ATOMIC_RELAXED)));
	for (unsigned d = 1; d < OVN_MAP_NDROP; d++)
		json_object_object_add(rx, ovn_map_drop_name(d), json_object_new_uint64(
			__atomic_load_n(&op->rx_drops[OVN_MAP_RX_MAP + d], __ATOMIC_RELAXED)));
	for (unsigned i = 1; i < OVN_MAP_NDROP; i++)
		json_object_object_add(tx, ovn_map_drop_name(i), json_object_new_uint64(
			__atomic_load_n(&op->tx_map_drops[i], __ATOMIC_RELAXED)));
	for (unsigned i = 0; i < OTT_N; i++)
		json_object_object_add(tx, tx_drop_names[i], json_object_new_uint64(
			__atomic_load_n(&op->tx_drops[i], __ATOMIC_RELAXED)));
	json_object_object_add(o, "rx_drops", rx);
	json_object_object_add(o, "tx_drops", tx);
}

static void ot_free(struct ot_port *op)
{
	if (op->attached)
		op->base.env->detach(op->base.env, &op->pq);
	if (op->pq.fd >= 0)
		close(op->pq.fd);
	if (op->tx_fd >= 0)
		close(op->tx_fd);
	for (unsigned b = 0; b < FRAME_BURST; b++)
		free(op->buf[b]);
	for (unsigned i = 0; op->tx && i < op->ntx; i++) {
		pthread_mutex_destroy(&op->tx[i].lock);
		free(op->tx[i].arena);
	}
	free(op->tx);
	ovn_map_free(op->map); /* the port is off the bridge and synced */
	free(op);
}

static void ot_destroy(struct port *p)
{
	ot_free(to_op(p));
}

static const struct port_ops ot_ops = {
	.kind = "ovn-tunnel",
	.rx_burst = ot_rx_burst,
	.rx_done = ot_rx_done,
	.tx_burst = ot_tx_burst,
	.arm = ot_arm,
	.disarm = ot_disarm,
	.describe = ot_describe,
	.tick = ot_tick,
	.destroy = ot_destroy,
};

static void set_buf(int fd, int force, int plain, int size)
{
	if (setsockopt(fd, SOL_SOCKET, force, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, plain, &size, sizeof(size));
}

static int open_sockets(struct ot_port *op, struct error *e)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(op->udp_port),
				  .sin_addr.s_addr = op->local };
	char a[INET_ADDRSTRLEN];
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set(e, -errno, "local: cannot open a UDP socket: %s", strerror(errno));
	op->pq.fd = fd;
	set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, OT_SOCKBUF);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return error_set(e, -errno, "local: cannot bind %s:%u: %s", ip_str(op->local, a),
				 op->udp_port, strerror(errno));
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return error_set(e, -errno, "local: cannot open a raw IP socket: %s", strerror(errno));
	op->tx_fd = fd;
	set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, OT_SOCKBUF);
	sa.sin_port = 0;
	if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return error_set(e, -errno, "local: cannot set up the sending socket: %s",
				 strerror(errno));
	return 0;
}

static int ot_create(const char *name, struct port_opts *o, struct port_env *env,
		     struct port **out, struct error *e)
{
	struct ot_port *op = calloc(1, sizeof(*op));
	const char *local = port_opt_get(o, "local"), *encap = port_opt_get(o, "encap");
	char a[INET_ADDRSTRLEN];
	int rc = 0;

	if (!op)
		return error_set(e, -ENOMEM, "out of memory");
	port_init(&op->base, name, &ot_ops, env);
	op->tx_fd = -1;
	port_queue_init(&op->pq, &op->base, 0, -1, op);
	if (!local || inet_pton(AF_INET, local, &op->local) != 1 || !op->local) {
		rc = error_set(e, -EINVAL, "local: an ovn-tunnel port needs local=IPv4ADDRESS");
		goto fail;
	}
	if (encap && strcmp(encap, "geneve") && strcmp(encap, "vxlan")) {
		rc = error_set(e, -EINVAL, "encap: '%s' is not geneve or vxlan", encap);
		goto fail;
	}
	op->vxlan = encap && !strcmp(encap, "vxlan");
	op->udp_port = op->vxlan ? VXLAN_DEFAULT_PORT : GENEVE_PORT;
	if ((rc = port_opt_uint(o, "mtu", 68, 65535, &op->base.mtu, e)) ||
	    (rc = port_opts_check_unused(o, e)))
		goto fail;
	op->ntx = env->nworkers ? env->nworkers : 1;
	op->tx = calloc(op->ntx, sizeof(*op->tx));
	rc = op->tx ? 0 : -ENOMEM;
	for (unsigned i = 0; !rc && i < op->ntx; i++) {
		pthread_mutex_init(&op->tx[i].lock, NULL);
		if (!(op->tx[i].arena = malloc(OT_ARENA)))
			rc = -ENOMEM;
	}
	for (unsigned b = 0; !rc && b < FRAME_BURST; b++)
		if (!(op->buf[b] = malloc(OT_BUF_LEN)))
			rc = -ENOMEM;
	if (rc) {
		error_set(e, rc, "out of memory");
		goto fail;
	}
	if ((rc = open_sockets(op, e)))
		goto fail;
	probe_mtu(op);
	if ((rc = env->attach(env, &op->pq, e))) /* polled once it is on a bridge */
		goto fail;
	op->attached = true;
	log_info("%s: OVN %s tunnel from %s:%u (underlay MTU %u, port MTU %u)", name,
		 op->vxlan ? "VXLAN" : "Geneve", ip_str(op->local, a), op->udp_port, underlay_mtu(op),
		 op->base.mtu);
	*out = &op->base;
	return 0;
fail:
	ot_free(op);
	return rc;
}

const struct port_kind ovn_tunnel_port_kind = {
	.name = "ovn-tunnel",
	.options = "local=IPv4ADDRESS [encap=geneve|vxlan] (made by ovn-set)",
	.create = ot_create,
};
