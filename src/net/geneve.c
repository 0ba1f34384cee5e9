/* SPDX-License-Identifier: MIT */
/* Geneve framing for OVN (geneve.h). */
#include "net/geneve.h"

#include <string.h>

#include "net/csum.h"

static const char *const err_names[GENEVE_RX_NERR] = {
	[GENEVE_RX_OK] = "ok", [GENEVE_RX_TRUNCATED] = "truncated",
	[GENEVE_RX_VERSION] = "version", [GENEVE_RX_CONTROL] = "control",
	[GENEVE_RX_PROTO] = "not_ethernet", [GENEVE_RX_CRITICAL] = "critical_option",
	[GENEVE_RX_NO_OVN_OPT] = "no_ovn_option", [GENEVE_RX_RUNT] = "runt",
};

const char *geneve_rx_err_name(enum geneve_rx_err e)
{
	return (unsigned)e < GENEVE_RX_NERR ? err_names[e] : "?";
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

void geneve_ovn_put(uint8_t *h, uint32_t vni, uint16_t ingress, uint16_t egress)
{
	uint32_t keys = (uint32_t)(ingress & GENEVE_INGRESS_MAX) << 16 | egress;

	h[0] = (4 + 4) / 4;              /* Ver 0; OptLen: option header + data, in words */
	h[1] = 0;                        /* O = C = 0: OVN's option is critical,
					    but C is optional to set (RFC 8926 §3.4) */
	put16(h + 2, GENEVE_PROTO_ETH);
	h[4] = (uint8_t)(vni >> 16);
	h[5] = (uint8_t)(vni >> 8);
	h[6] = (uint8_t)vni;
	h[7] = 0;
	put16(h + 8, GENEVE_OVN_CLASS);
	h[10] = GENEVE_OVN_TYPE;
	h[11] = 1;                       /* one data word */
	h[12] = (uint8_t)(keys >> 24);
	h[13] = (uint8_t)(keys >> 16);
	h[14] = (uint8_t)(keys >> 8);
	h[15] = (uint8_t)keys;
}

enum geneve_rx_err geneve_parse(const uint8_t *p, size_t len, struct geneve_info *out)
{
	size_t hlen, off = GENEVE_BASE_LEN;
	bool ovn = false;

	if (len < GENEVE_BASE_LEN)
		return GENEVE_RX_TRUNCATED;
	if (p[0] >> 6)
		return GENEVE_RX_VERSION;
	hlen = GENEVE_BASE_LEN + (size_t)(p[0] & 0x3f) * 4;
	if (len < hlen)
		return GENEVE_RX_TRUNCATED;
	if (p[1] & 0x80)
		return GENEVE_RX_CONTROL;
	if (get16(p + 2) != GENEVE_PROTO_ETH)
		return GENEVE_RX_PROTO;
	out->vni = (uint32_t)p[4] << 16 | (uint32_t)p[5] << 8 | p[6];
	out->ingress = out->egress = 0;
	while (off < hlen) {
		size_t olen;
		uint16_t cls;
		uint8_t type;

		if (hlen - off < 4)
			return GENEVE_RX_TRUNCATED;
		cls = get16(p + off);
		type = p[off + 2];
		olen = 4 + (size_t)(p[off + 3] & 0x1f) * 4;
		if (hlen - off < olen)
			return GENEVE_RX_TRUNCATED;
		if (cls == GENEVE_OVN_CLASS && type == GENEVE_OVN_TYPE && olen == 8) {
			uint32_t keys = (uint32_t)p[off + 4] << 24 | (uint32_t)p[off + 5] << 16 |
					(uint32_t)p[off + 6] << 8 | p[off + 7];

			out->ingress = (uint16_t)(keys >> 16 & GENEVE_INGRESS_MAX);
			out->egress = (uint16_t)keys;
			ovn = true;
		} else if (type & GENEVE_OPT_CRITICAL) {
			return GENEVE_RX_CRITICAL;
		}
		off += olen;
	}
	if (!ovn)
		return GENEVE_RX_NO_OVN_OPT;
	if (len - hlen < 14)
		return GENEVE_RX_RUNT;
	out->hlen = hlen;
	return GENEVE_RX_OK;
}

bool geneve_outer4_put(uint8_t *p, uint32_t saddr, uint32_t daddr, uint16_t sport, uint32_t vni,
		       uint16_t ingress, uint16_t egress, size_t inner_len)
{
	size_t udp_len = 8 + GENEVE_OVN_LEN + inner_len, ip_len = 20 + udp_len;
	uint8_t *ip = p, *udp = p + 20;
	uint16_t check;

	if (ip_len > 65535)
		return false;
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)ip_len);
	put16(ip + 4, 0);
	put16(ip + 6, 0x4000);           /* DF */
	ip[8] = 64;
	ip[9] = 17;
	put16(ip + 10, 0);
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	check = csum_fold(csum_partial(ip, 20, 0));
	memcpy(ip + 10, &check, 2);      /* native store: see csum.h */
	put16(udp, sport);
	put16(udp + 2, GENEVE_PORT);
	put16(udp + 4, (uint16_t)udp_len);
	put16(udp + 6, 0);
	geneve_ovn_put(udp + 8, vni, ingress, egress);
	check = csum_fold(csum_partial(udp, udp_len,
				       csum_pseudo_v4(&saddr, &daddr, 17, (uint16_t)udp_len)));
	if (check == 0)
		check = 0xffff;          /* RFC 768: 0 means "no checksum" */
	memcpy(udp + 6, &check, 2);
	return true;
}
