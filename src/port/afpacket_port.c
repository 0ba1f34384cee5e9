/* SPDX-License-Identifier: MIT */
/*
 * afpacket port: attach to an existing kernel netdev (a veth end, a NIC)
 * with a raw AF_PACKET socket.  PACKET_VNET_HDR carries offload state both
 * ways, as on a tap; recvmmsg/sendmmsg move a whole burst per syscall.
 *
 * The kernel takes a received frame's 802.1Q/802.1ad tag out of the bytes
 * (into skb->vlan_tci: a NIC's VLAN offload, or the receive path's own
 * untagging) before a packet socket sees it; PACKET_AUXDATA hands it back
 * (tp_vlan_tci), and the port puts it back in front of the EtherType, so
 * the switch sees the frame as it was on the wire and trunks work on an
 * uplink.  Each buffer keeps 4 bytes of headroom for that.
 */
#include <errno.h>
#include <json-c/json.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/log.h"
#include "net/iov.h"
#include "net/vnet_hdr.h"
#include "port/port_kind.h"

LOG_MODULE("afpacket");

#define AFP_HDR_LEN sizeof(struct virtio_net_hdr)
#define AFP_BUF_LEN (65536 + ETH_HLEN_TAGGED)
#define AFP_TAG_ROOM 4       /* headroom for a tag the kernel took out */
#define AFP_TX_IOV 68
#define AFP_CMSG_LEN CMSG_SPACE(sizeof(struct tpacket_auxdata))

struct afpacket_port {
	struct port base;
	char dev[IFNAMSIZ];
	struct port_queue pq;
	struct virtio_net_hdr hdr[FRAME_BURST];
	uint8_t *buf[FRAME_BURST];   /* AFP_TAG_ROOM + AFP_BUF_LEN each */
	union { char b[AFP_CMSG_LEN]; struct cmsghdr align; } cmsg[FRAME_BURST];
	struct iovec frame_iov[FRAME_BURST];
	int tx_fd;            /* a second socket, so tx needs no lock with rx */
};

static struct afpacket_port *to_ap(struct port *p)
{
	return (struct afpacket_port *)p;
}

/*
 * The tag the kernel took out of frame i, if any: TPID and TCI.  Kernels
 * before 3.0 set no TP_STATUS_VLAN_VALID; a TCI of 0 then means none.
 */
static bool stripped_tag(struct msghdr *mh, uint16_t *tpid, uint16_t *tci)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		struct tpacket_auxdata aux;

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
		    c->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		if (!(aux.tp_status & TP_STATUS_VLAN_VALID) && !aux.tp_vlan_tci)
			return false;
		*tpid = aux.tp_status & TP_STATUS_VLAN_TPID_VALID ? aux.tp_vlan_tpid : ETH_P_8021Q;
		*tci = aux.tp_vlan_tci;
		return true;
	}
	return false;
}

/* Put a stripped tag back: the addresses move 4 bytes into the headroom,
 * the tag goes between them and the EtherType; offsets past the Ethernet
 * header move with it. */
static uint8_t *restore_tag(uint8_t *frame, struct virtio_net_hdr *h, uint16_t tpid, uint16_t tci)
{
	uint8_t *start = frame - AFP_TAG_ROOM;

	memmove(start, frame, 12);
	start[12] = (uint8_t)(tpid >> 8);
	start[13] = (uint8_t)tpid;
	start[14] = (uint8_t)(tci >> 8);
	start[15] = (uint8_t)tci;
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		h->csum_start = (uint16_t)(h->csum_start + AFP_TAG_ROOM);
	if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		h->hdr_len = (uint16_t)(h->hdr_len + AFP_TAG_ROOM);
	return start;
}

static unsigned afp_rx_burst(struct port_queue *pq, struct frame *f, unsigned n)
{
	struct afpacket_port *ap = pq->priv;
	struct mmsghdr mm[FRAME_BURST];
	struct iovec iov[FRAME_BURST][2];
	unsigned out = 0, bad = 0;
	uint64_t bytes = 0;
	int got;

	for (unsigned i = 0; i < n; i++) {
		iov[i][0] = (struct iovec){ &ap->hdr[i], AFP_HDR_LEN };
		iov[i][1] = (struct iovec){ ap->buf[i] + AFP_TAG_ROOM, AFP_BUF_LEN };
		mm[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = iov[i], .msg_iovlen = 2,
						       .msg_control = ap->cmsg[i].b,
						       .msg_controllen = sizeof(ap->cmsg[i].b) } };
	}
	got = recvmmsg(pq->fd, mm, n, MSG_DONTWAIT, NULL);
	for (int i = 0; i < got; i++) {
		size_t len = mm[i].msg_len > AFP_HDR_LEN ? mm[i].msg_len - AFP_HDR_LEN : 0;
		uint8_t *start = ap->buf[i] + AFP_TAG_ROOM;
		uint16_t tpid, tci;

		if (len < ETH_MIN_LEN || mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
			bad++;
			continue;
		}
		if (stripped_tag(&mm[i].msg_hdr, &tpid, &tci)) {
			start = restore_tag(start, &ap->hdr[i], tpid, tci);
			len += AFP_TAG_ROOM;
		}
		if (vnet_hdr_validate(&ap->hdr[i], len)) {
			bad++;
			continue;
		}
		ap->frame_iov[i] = (struct iovec){ start, len };
		f[out] = (struct frame){ .iov = &ap->frame_iov[i], .niov = 1,
					 .len = (uint32_t)len, .vnet = ap->hdr[i] };
		memcpy(f[out].eth, start, len < ETH_HLEN_TAGGED ? len : ETH_HLEN_TAGGED);
		bytes += len;
		out++;
	}
	port_count(port_rx(&ap->base, (unsigned)pq->worker), out, bytes, 0, bad);
	return out;
}

static void afp_rx_done(struct port_queue *pq)
{
	(void)pq;
}

struct afp_tx {
	struct virtio_net_hdr hdr;
	struct frame_egress e;
	struct iovec iov[AFP_TX_IOV];
};

static bool build_msg(struct afp_tx *t, struct msghdr *mh, const struct frame *f, bool tagged)
{
	struct iov_cursor cur;
	unsigned n = 2;
	size_t left;
	void *p;

	frame_egress_init(&t->e, f, tagged);
	t->hdr = f->vnet;
	if (t->hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		t->hdr.csum_start = (uint16_t)(t->hdr.csum_start + t->e.csum_shift);
	if (t->hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		t->hdr.hdr_len = (uint16_t)(t->hdr.hdr_len + t->e.csum_shift);
	t->iov[0] = (struct iovec){ &t->hdr, AFP_HDR_LEN };
	t->iov[1] = (struct iovec){ t->e.prefix, t->e.prefix_len };
	iov_cursor_init(&cur, f->iov, f->niov);
	iov_cursor_skip(&cur, f->off + t->e.src_off);
	for (left = f->len - t->e.src_off; left && n < AFP_TX_IOV; n++) {
		size_t k = iov_cursor_chunk(&cur, &p);

		if (!k)
			return false;
		if (k > left)
			k = left;
		t->iov[n] = (struct iovec){ p, k };
		iov_cursor_skip(&cur, k);
		left -= k;
	}
	*mh = (struct msghdr){ .msg_iov = t->iov, .msg_iovlen = n };
	return !left;
}

static unsigned afp_tx_burst(struct port *p, unsigned worker, struct frame *const *f,
			     const bool *tagged, unsigned n)
{
	struct afpacket_port *ap = to_ap(p);
	struct afp_tx t[FRAME_BURST];
	struct mmsghdr mm[FRAME_BURST];
	unsigned k = 0, bad = 0;
	uint64_t bytes = 0;
	int sent;

	(void)worker;
	for (unsigned i = 0; i < n; i++) {
		if (!build_msg(&t[k], &mm[k].msg_hdr, f[i], tagged[i])) {
			bad++;
			continue;
		}
		bytes += f[i]->len;
		k++;
	}
	sent = k ? sendmmsg(ap->tx_fd, mm, k, MSG_DONTWAIT) : 0;
	if (sent < 0)
		sent = 0;
	if ((unsigned)sent < k)
		bytes = 0; /* partial: count packets only */
	port_count(port_tx(p, worker), (unsigned)sent, bytes, k - (unsigned)sent, bad);
	return (unsigned)sent;
}

static bool afp_arm(struct port_queue *pq)
{
	(void)pq;
	return false;
}

static void afp_disarm(struct port_queue *pq)
{
	(void)pq;
}

static void afp_describe(struct port *p, struct json_object *o)
{
	json_object_object_add(o, "dev", json_object_new_string(to_ap(p)->dev));
}

static void afp_free(struct afpacket_port *ap)
{
	if (ap->pq.fd >= 0)
		close(ap->pq.fd);
	if (ap->tx_fd >= 0)
		close(ap->tx_fd);
	for (unsigned b = 0; b < FRAME_BURST; b++)
		free(ap->buf[b]);
	free(ap);
}

static void afp_destroy(struct port *p)
{
	struct afpacket_port *ap = to_ap(p);

	ap->base.env->detach(ap->base.env, &ap->pq);
	afp_free(ap);
}

static const struct port_ops afpacket_ops = {
	.kind = "afpacket",
	.rx_burst = afp_rx_burst,
	.rx_done = afp_rx_done,
	.tx_burst = afp_tx_burst,
	.arm = afp_arm,
	.disarm = afp_disarm,
	.describe = afp_describe,
	.destroy = afp_destroy,
};

/* A raw socket bound to the device, exchanging virtio_net_hdr-prefixed
 * frames; rx sockets also see everything (promiscuous), not our own tx. */
static int open_socket(unsigned ifindex, bool rx)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = rx ? htons(ETH_P_ALL) : 0,
				   .sll_ifindex = (int)ifindex };
	struct packet_mreq mr = { .mr_ifindex = (int)ifindex, .mr_type = PACKET_MR_PROMISC };
	int one = 1, fd, e;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, rx ? htons(ETH_P_ALL) : 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
	    (rx && setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one))) ||
	    (rx && setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one))) ||
	    (rx && setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr))) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int afp_create(const char *name, struct port_opts *o, struct port_env *env,
		      struct port **out, struct error *e)
{
	const char *dev = port_opt_get(o, "dev");
	struct afpacket_port *ap;
	unsigned ifindex;
	int rc;

	if (!dev || !*dev || strlen(dev) >= IFNAMSIZ)
		return error_set(e, -EINVAL, "dev: an afpacket port needs dev=INTERFACE");
	rc = port_opts_check_unused(o, e);
	if (rc)
		return rc;
	ifindex = if_nametoindex(dev);
	if (!ifindex)
		return error_set(e, -ENODEV, "dev: no interface named '%s'", dev);
	ap = calloc(1, sizeof(*ap));
	if (!ap)
		return error_set(e, -ENOMEM, "out of memory");
	port_init(&ap->base, name, &afpacket_ops, env);
	snprintf(ap->dev, sizeof(ap->dev), "%s", dev);
	port_queue_init(&ap->pq, &ap->base, 0, open_socket(ifindex, true), ap);
	ap->tx_fd = open_socket(ifindex, false);
	for (unsigned b = 0; b < FRAME_BURST; b++)
		if (!(ap->buf[b] = malloc(AFP_TAG_ROOM + AFP_BUF_LEN)))
			rc = -ENOMEM;
	if (ap->pq.fd < 0 || ap->tx_fd < 0 || rc) {
		rc = ap->pq.fd < 0 ? ap->pq.fd : ap->tx_fd < 0 ? ap->tx_fd : rc;
		error_set(e, rc, "dev: cannot attach to '%s': %s", dev, strerror(-rc));
		afp_free(ap);
		return rc;
	}
	rc = env->attach(env, &ap->pq, e);
	if (rc) {
		afp_free(ap);
		return rc;
	}
	log_info("%s: attached to %s", name, dev);
	*out = &ap->base;
	return 0;
}

const struct port_kind afpacket_port_kind = {
	.name = "afpacket",
	.options = "dev=INTERFACE",
	.create = afp_create,
};
