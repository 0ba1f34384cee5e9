/* SPDX-License-Identifier: MIT */
/* Packet-layer test fixture: see net_fixture.h. */
#include "net_fixture.h"

#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

uint32_t fx_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return (uint32_t)(x >> 16);
}

uint16_t fx_ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len & 1) {
		sum += (uint32_t)p[len - 1] << 8;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)sum;
}

uint16_t fx_ref_pseudo(const uint8_t *ip, bool ipv6, uint8_t proto,
		       size_t l4_len)
{
	uint8_t ph[40];

	memset(ph, 0, sizeof(ph));
	if (ipv6) {
		memcpy(ph, ip + 8, 32);
		fx_put16(ph + 34, (uint16_t)l4_len);
		ph[39] = proto;
		return fx_ref_sum(ph, 40, 0);
	}
	memcpy(ph, ip + 12, 8);
	ph[9] = proto;
	fx_put16(ph + 10, (uint16_t)l4_len);
	return fx_ref_sum(ph, 12, 0);
}

bool fx_l4_csum_ok(const uint8_t *ip, bool ipv6, size_t ihl, uint8_t proto,
		   size_t l4_len)
{
	uint16_t sum = fx_ref_pseudo(ip, ipv6, proto, l4_len);

	return fx_ref_sum(ip + ihl, l4_len, sum) == 0xffff;
}

static size_t build_l2(uint8_t *p, const struct fx_frame_spec *spec)
{
	static const uint8_t macs[12] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56,
					  0x52, 0x54, 0, 0xab, 0xcd, 0xef };
	size_t off = 12;

	memcpy(p, macs, sizeof(macs));
	if (spec->vlan) {
		fx_put16(p + off, 0x8100);
		fx_put16(p + off + 2, 0x2064); /* PCP 1, VID 100 */
		off += FX_VLAN_HLEN;
	}
	fx_put16(p + off, spec->ipv6 ? 0x86dd : 0x0800);
	return off + 2;
}

static size_t build_ip4(uint8_t *ip, const struct fx_frame_spec *spec,
			size_t l4_len)
{
	size_t ihl = 20 + spec->ip_opt;

	ip[0] = (uint8_t)(0x40 | ihl / 4);
	ip[1] = 0x10;
	fx_put16(ip + 2, (uint16_t)(ihl + l4_len));
	fx_put16(ip + 4, 0x1234);
	fx_put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = spec->udp ? IPPROTO_UDP : IPPROTO_TCP;
	memcpy(ip + 12, (const uint8_t[]){ 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
	memset(ip + 20, 1, spec->ip_opt); /* NOPs */
	fx_put16(ip + 10, (uint16_t)~fx_ref_sum(ip, ihl, 0));
	return ihl;
}

static size_t build_ip6(uint8_t *ip, const struct fx_frame_spec *spec,
			size_t l4_len)
{
	ip[0] = 0x60;
	ip[1] = 0x01;
	fx_put16(ip + 2, 0x2345); /* flow label */
	fx_put16(ip + 4, (uint16_t)l4_len);
	ip[6] = spec->udp ? IPPROTO_UDP : IPPROTO_TCP;
	ip[7] = 64;
	ip[8] = 0x20; ip[9] = 0x01; ip[10] = 0x0d; ip[11] = 0xb8;
	ip[23] = 1;
	ip[24] = 0x20; ip[25] = 0x01; ip[26] = 0x0d; ip[27] = 0xb8;
	ip[39] = 2;
	return 40;
}

static size_t build_l4(uint8_t *th, const struct fx_frame_spec *spec,
		       size_t l4_len)
{
	size_t thl = 20 + spec->tcp_opt;

	fx_put16(th, 40000);
	fx_put16(th + 2, 5201);
	if (spec->udp) {
		fx_put16(th + 4, (uint16_t)l4_len);
		return 8;
	}
	th[4] = (uint8_t)(spec->seq >> 24);
	th[5] = (uint8_t)(spec->seq >> 16);
	th[6] = (uint8_t)(spec->seq >> 8);
	th[7] = (uint8_t)spec->seq;
	memcpy(th + 8, (const uint8_t[]){ 0xa1, 0xb2, 0xc3, 0xd4 }, 4); /* ack */
	th[12] = (uint8_t)(thl / 4 << 4);
	th[13] = spec->tcp_flags;
	fx_put16(th + 14, 502);
	memset(th + 20, 1, spec->tcp_opt);
	return thl;
}

static void fill_vnet_hdr(struct fx_frame *f, const struct fx_frame_spec *spec)
{
	f->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	f->vh.csum_start = (uint16_t)f->l4;
	f->vh.csum_offset = spec->udp ? 6 : 16;
	f->vh.hdr_len = (uint16_t)f->hdr_len;
	if (spec->udp)
		f->vh.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	else
		f->vh.gso_type = spec->ipv6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
			VIRTIO_NET_HDR_GSO_TCPV4;
}

void fx_frame_build(struct fx_frame *f, const struct fx_frame_spec *spec,
		    uint64_t seed)
{
	size_t l4_hlen = spec->udp ? 8 : 20 + spec->tcp_opt;
	size_t l4_len = l4_hlen + spec->payload, i;
	uint8_t *ip, proto = spec->udp ? IPPROTO_UDP : IPPROTO_TCP;

	memset(f, 0, sizeof(*f));
	f->buf = calloc(1, 18 + 60 + l4_len);
	f->l3 = build_l2(f->buf, spec);
	ip = f->buf + f->l3;
	f->l4 = f->l3 + (spec->ipv6 ? build_ip6(ip, spec, l4_len) :
			 build_ip4(ip, spec, l4_len));
	f->hdr_len = f->l4 + build_l4(f->buf + f->l4, spec, l4_len);
	f->len = f->hdr_len + spec->payload;
	for (i = 0; i < spec->payload; i++)
		f->buf[f->hdr_len + i] = (uint8_t)fx_rand(&seed);
	fx_put16(f->buf + f->l4 + (spec->udp ? 6 : 16),
		 fx_ref_pseudo(ip, spec->ipv6, proto, l4_len));
	fill_vnet_hdr(f, spec);
}

void fx_frame_free(struct fx_frame *f)
{
	free(f->buf);
	f->buf = NULL;
}

static void add_piece(struct scatter *sc, const uint8_t *p, size_t len)
{
	void *b = len ? malloc(len) : NULL;

	if (len)
		memcpy(b, p, len);
	sc->iov[sc->n++] = (struct iovec){ .iov_base = b, .iov_len = len };
}

void fx_scatter(struct scatter *sc, const uint8_t *buf, size_t len,
		size_t max_piece, uint64_t seed)
{
	size_t off = 0;

	sc->n = 0;
	while (off < len && sc->n < FX_SCATTER_MAX - 1) {
		size_t k = fx_rand(&seed) % (max_piece + 1);

		if (k > len - off)
			k = len - off;
		add_piece(sc, buf + off, k);
		off += k;
	}
	add_piece(sc, buf + off, len - off);
}

void fx_scatter_at(struct scatter *sc, const uint8_t *buf, size_t len,
		   const size_t *cuts, unsigned ncuts)
{
	size_t off = 0;

	sc->n = 0;
	for (unsigned i = 0; i < ncuts; i++) {
		add_piece(sc, buf + off, cuts[i] - off);
		off = cuts[i];
	}
	add_piece(sc, buf + off, len - off);
}

void fx_gather(const struct scatter *sc, uint8_t *buf)
{
	for (unsigned i = 0; i < sc->n; i++) {
		if (sc->iov[i].iov_len)
			memcpy(buf, sc->iov[i].iov_base, sc->iov[i].iov_len);
		buf += sc->iov[i].iov_len;
	}
}

void fx_scatter_free(struct scatter *sc)
{
	for (unsigned i = 0; i < sc->n; i++)
		free(sc->iov[i].iov_base);
	sc->n = 0;
}
