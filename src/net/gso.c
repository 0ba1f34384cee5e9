/* SPDX-License-Identifier: MIT */
/*
 * Segmentation of one large TCP frame (TSO, IPv4 or IPv6) or IPv4 UDP
 * datagram (UFO, as IP fragments) into frames that fit the wire.
 *
 * gso_init() copies the frame's first bytes out once, finds and checks the
 * headers in that copy and keeps their offsets; gso_next() builds each
 * segment's headers from the copy.  The payload is never parsed: it is
 * summed for the L4 checksum straight from the iovecs, by a cursor that
 * moves along with the segments, and handed back as (offset, length) for
 * the caller to copy.
 */
#include "net/gso.h"

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>

#include "net/csum.h"
#include "net/vnet_hdr.h"

#define VLAN_HLEN   4
#define ETH_TYPE    12 /* ethertype, and the inner one past a VLAN tag */
#define IP4_TOT_LEN offsetof(struct iphdr, tot_len)
#define IP4_ID      offsetof(struct iphdr, id)
#define IP4_FRAG    offsetof(struct iphdr, frag_off)
#define IP4_PROTO   offsetof(struct iphdr, protocol)
#define IP4_CHECK   offsetof(struct iphdr, check)
#define IP4_SADDR   offsetof(struct iphdr, saddr)
#define IP4_DADDR   offsetof(struct iphdr, daddr)
#define IP6_PLEN    offsetof(struct ip6_hdr, ip6_plen)
#define IP6_NXT     offsetof(struct ip6_hdr, ip6_nxt)
#define IP6_SRC     offsetof(struct ip6_hdr, ip6_src)
#define IP6_DST     offsetof(struct ip6_hdr, ip6_dst)
#define TCP_SEQ     offsetof(struct tcphdr, seq)
#define TCP_DOFF    12 /* data offset in the high nibble */
#define TCP_FLAGS   13
#define TCP_CHECK   offsetof(struct tcphdr, check)
#define UDP_LEN     offsetof(struct udphdr, len)
#define UDP_CHECK   offsetof(struct udphdr, check)

#define TCP_F_FIN 0x01
#define TCP_F_PSH 0x08
#define TCP_F_CWR 0x80

static inline uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return ntohs(v);
}

static inline uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return ntohl(v);
}

static inline void put16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, sizeof(v));
}

static inline void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, sizeof(v));
}

/* Store a checksum as csum_fold() returns it: native order. */
static inline void put_csum(uint8_t *p, uint16_t csum)
{
	memcpy(p, &csum, sizeof(csum));
}

static inline size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

static int kind_from(uint8_t gso_type, enum gso_kind *kind)
{
	switch (gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_TCPV4:
		*kind = GSO_TCP4;
		return 0;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		*kind = GSO_TCP6;
		return 0;
	case VIRTIO_NET_HDR_GSO_UDP:
		*kind = GSO_UDP4_FRAG;
		return 0;
	}
	return -EINVAL;
}

/* Ethernet with at most one 802.1Q tag: the ethertype of what follows. */
static uint16_t parse_eth(struct gso_state *s, size_t have)
{
	uint16_t type;

	if (have < ETH_HLEN)
		return 0;
	s->l3_off = ETH_HLEN;
	type = get16(s->hdr + ETH_TYPE);
	if (type != ETH_P_8021Q)
		return type;
	if (have < ETH_HLEN + VLAN_HLEN)
		return 0;
	s->l3_off += VLAN_HLEN;
	return get16(s->hdr + ETH_TYPE + VLAN_HLEN);
}

/* An unfragmented IPv4 packet of `proto` that ends where the frame does. */
static int parse_ip4(struct gso_state *s, size_t have, uint8_t proto)
{
	const uint8_t *ip = s->hdr + s->l3_off;
	size_t ihl;

	if (have < s->l3_off + sizeof(struct iphdr) || ip[0] >> 4 != 4)
		return -EINVAL;
	ihl = (ip[0] & 0xfu) * 4;
	if (ihl < sizeof(struct iphdr) || have < s->l3_off + ihl ||
	    s->l3_off + get16(ip + IP4_TOT_LEN) != s->end ||
	    (get16(ip + IP4_FRAG) & (IP_MF | IP_OFFMASK)) ||
	    ip[IP4_PROTO] != proto)
		return -EINVAL;
	s->l4_off = s->l3_off + ihl;
	s->ip_id = get16(ip + IP4_ID);
	return 0;
}

/* An IPv6 packet straight to TCP that ends where the frame does. */
static int parse_ip6(struct gso_state *s, size_t have)
{
	const uint8_t *ip = s->hdr + s->l3_off;

	if (have < s->l3_off + sizeof(struct ip6_hdr) || ip[0] >> 4 != 6 ||
	    ip[IP6_NXT] != IPPROTO_TCP ||
	    s->l3_off + sizeof(struct ip6_hdr) + get16(ip + IP6_PLEN) != s->end)
		return -EINVAL;
	s->l4_off = s->l3_off + sizeof(struct ip6_hdr);
	return 0;
}

/* A TCP header inside the copy, followed by at least one payload byte. */
static int parse_tcp(struct gso_state *s, size_t have)
{
	const uint8_t *th = s->hdr + s->l4_off;
	size_t doff;

	if (have < s->l4_off + sizeof(struct tcphdr))
		return -EINVAL;
	doff = (th[TCP_DOFF] >> 4) * 4u;
	if (doff < sizeof(struct tcphdr) || have < s->l4_off + doff ||
	    s->l4_off + doff == s->end)
		return -EINVAL;
	s->hdr_len = s->l4_off + doff;
	s->seq = get32(th + TCP_SEQ);
	return 0;
}

/* A UDP header whose length is the rest of the IP packet. */
static int parse_udp(struct gso_state *s, size_t have)
{
	if (have < s->l4_off + sizeof(struct udphdr) ||
	    get16(s->hdr + s->l4_off + UDP_LEN) != s->end - s->l4_off)
		return -EINVAL;
	s->hdr_len = s->l4_off + sizeof(struct udphdr);
	return 0;
}

static int parse_headers(struct gso_state *s, size_t have)
{
	uint16_t type = parse_eth(s, have);

	switch (s->kind) {
	case GSO_TCP4:
		if (type != ETH_P_IP || parse_ip4(s, have, IPPROTO_TCP) < 0)
			return -EINVAL;
		return parse_tcp(s, have);
	case GSO_TCP6:
		if (type != ETH_P_IPV6 || parse_ip6(s, have) < 0)
			return -EINVAL;
		return parse_tcp(s, have);
	case GSO_UDP4_FRAG:
		if (type != ETH_P_IP || parse_ip4(s, have, IPPROTO_UDP) < 0)
			return -EINVAL;
		return parse_udp(s, have);
	}
	return -EINVAL;
}

/* The sender's checksum request must name the L4 checksum we compute. */
static int check_csum_request(const struct gso_state *s,
			      const struct virtio_net_hdr *h)
{
	size_t field = s->kind == GSO_UDP4_FRAG ? UDP_CHECK : TCP_CHECK;

	return h->csum_start == s->l4_off && h->csum_offset == field ? 0 : -EINVAL;
}

static int set_seg_size(struct gso_state *s, unsigned gso_size, unsigned hint)
{
	unsigned size = hint && hint < gso_size ? hint : gso_size;

	if (s->kind == GSO_UDP4_FRAG)
		size &= ~7u;
	if (size == 0)
		return -EINVAL;
	s->seg_size = (uint16_t)size;
	return 0;
}

int gso_init(struct gso_state *s, const struct iovec *iov, unsigned n,
	     size_t off, size_t frame_len, const struct virtio_net_hdr *h,
	     unsigned mtu_payload_hint)
{
	size_t total = iov_length(iov, n), have;

	if (off > total || frame_len > total - off ||
	    vnet_hdr_validate(h, frame_len) < 0 || kind_from(h->gso_type, &s->kind) < 0)
		return -EINVAL;
	s->off = off;
	s->end = frame_len;
	have = iov_to_buf(iov, n, off, s->hdr, min_sz(frame_len, GSO_MAX_HDR));
	if (parse_headers(s, have) < 0 || check_csum_request(s, h) < 0 ||
	    set_seg_size(s, h->gso_size, mtu_payload_hint) < 0)
		return -EINVAL;
	s->pos = s->kind == GSO_UDP4_FRAG ? s->l4_off : s->hdr_len;
	iov_cursor_init(&s->cur, iov, n);
	iov_cursor_skip(&s->cur, off + s->hdr_len);
	return 0;
}

int gso_init_frame(struct gso_state *s, const struct frame *f, unsigned mtu_payload_hint)
{
	if (gso_init(s, f->iov, f->niov, f->off, f->len, &f->vnet, mtu_payload_hint) ||
	    s->l3_off != f->l2_len)
		return -EINVAL;
	return 0;
}

/* IPv4 length, ID and header checksum of a segment. */
static void ip4_fill(uint8_t *ip, size_t ihl, size_t tot_len, uint16_t id)
{
	put16(ip + IP4_TOT_LEN, (uint16_t)tot_len);
	put16(ip + IP4_ID, id);
	put_csum(ip + IP4_CHECK, 0);
	put_csum(ip + IP4_CHECK, csum_fold(csum_partial(ip, ihl, 0)));
}

static uint32_t pseudo_sum(const struct gso_state *s, const uint8_t *hdr,
			   uint8_t proto, size_t l4_len)
{
	const uint8_t *ip = hdr + s->l3_off;

	if (s->kind == GSO_TCP6)
		return csum_pseudo_v6(ip + IP6_SRC, ip + IP6_DST, proto,
				      (uint32_t)l4_len);
	return csum_pseudo_v4(ip + IP4_SADDR, ip + IP4_DADDR, proto,
			      (uint16_t)l4_len);
}

/* TCP checksum of a segment: its header, then its payload at the cursor. */
static void tcp_csum(struct gso_state *s, uint8_t *hdr, size_t payload_len)
{
	uint8_t *th = hdr + s->l4_off;
	size_t th_len = s->hdr_len - s->l4_off;
	uint32_t sum = pseudo_sum(s, hdr, IPPROTO_TCP, th_len + payload_len);

	put_csum(th + TCP_CHECK, 0);
	sum = csum_partial(th, th_len, sum);
	sum = csum_cursor(&s->cur, payload_len, sum);
	put_csum(th + TCP_CHECK, csum_fold(sum));
}

static void tso_next(struct gso_state *s, struct gso_seg *seg)
{
	size_t len = min_sz(s->seg_size, s->end - s->pos);
	size_t l3_len = s->hdr_len - s->l3_off + len;
	uint8_t *ip = seg->hdr + s->l3_off, *th = seg->hdr + s->l4_off;

	memcpy(seg->hdr, s->hdr, s->hdr_len);
	seg->hdr_len = s->hdr_len;
	seg->payload_off = s->off + s->pos;
	seg->payload_len = len;
	if (s->kind == GSO_TCP4)
		ip4_fill(ip, s->l4_off - s->l3_off, l3_len, s->ip_id++);
	else
		put16(ip + IP6_PLEN, (uint16_t)(l3_len - sizeof(struct ip6_hdr)));
	put32(th + TCP_SEQ, s->seq);
	if (s->pos != s->hdr_len)
		th[TCP_FLAGS] &= ~TCP_F_CWR;
	if (s->pos + len != s->end)
		th[TCP_FLAGS] &= ~(TCP_F_FIN | TCP_F_PSH);
	tcp_csum(s, seg->hdr, len);
	s->seq += (uint32_t)len;
	s->pos += len;
}

/* UDP checksum of the whole datagram, all of whose data is at the cursor. */
static void udp_csum(struct gso_state *s, uint8_t *hdr)
{
	uint8_t *uh = hdr + s->l4_off;
	size_t len = s->end - s->l4_off;
	uint32_t sum = pseudo_sum(s, hdr, IPPROTO_UDP, len);
	uint16_t csum;

	put_csum(uh + UDP_CHECK, 0);
	sum = csum_partial(uh, sizeof(struct udphdr), sum);
	sum = csum_cursor(&s->cur, len - sizeof(struct udphdr), sum);
	csum = csum_fold(sum);
	put_csum(uh + UDP_CHECK, csum ? csum : 0xffff);
}

/* The next IPv4 fragment: frag bytes of the IP payload from pos; the first
 * one carries the UDP header. */
static void ufo_next(struct gso_state *s, struct gso_seg *seg)
{
	size_t frag = min_sz(s->seg_size, s->end - s->pos);
	size_t ip_off = s->pos - s->l4_off;
	size_t hlen = ip_off ? s->l4_off : s->hdr_len;
	uint16_t frag_field = (uint16_t)(ip_off >> 3);
	uint8_t *ip = seg->hdr + s->l3_off;

	memcpy(seg->hdr, s->hdr, hlen);
	seg->hdr_len = hlen;
	seg->payload_off = s->off + s->pos + (hlen - s->l4_off);
	seg->payload_len = frag - (hlen - s->l4_off);
	if (s->pos + frag != s->end)
		frag_field |= IP_MF;
	put16(ip + IP4_FRAG, frag_field);
	ip4_fill(ip, s->l4_off - s->l3_off, s->l4_off - s->l3_off + frag, s->ip_id);
	if (!ip_off)
		udp_csum(s, seg->hdr);
	s->pos += frag;
}

bool gso_next(struct gso_state *s, struct gso_seg *seg)
{
	if (s->pos == s->end)
		return false;
	if (s->kind == GSO_UDP4_FRAG)
		ufo_next(s, seg);
	else
		tso_next(s, seg);
	return true;
}
