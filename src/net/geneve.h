/* SPDX-License-Identifier: MIT */
/*
 * Geneve (RFC 8926) framing as OVN uses it, without sockets: the base
 * header, the one option OVN puts on every packet, its validation on
 * receipt, and the outer IPv4 + UDP headers with a complete UDP checksum
 * (OVS's userspace datapath ties a tunnel to the peer's encap IP and
 * drops packets whose checksum it cannot verify).
 *
 *   base header (8 bytes):  Ver(2) OptLen(6, in 4-byte words) | O C Rsvd(6) |
 *                           Protocol Type (0x6558: Ethernet) | VNI(24) Rsvd(8)
 *   option header (4 bytes): Class(16) | Type(8, high bit: critical) |
 *                           R(3) Length(5, in 4-byte words, not counting itself)
 *   OVN's option:           class 0x0102, type 0x80, length 1:
 *                           0(1) | logical ingress port key(15) | egress key(16)
 *
 * VNI = the logical datapath's tunnel key (Datapath_Binding.tunnel_key).
 * Receipt drops control packets (O), versions other than 0, payloads that
 * are not Ethernet, critical options other than OVN's, truncated options
 * and inner frames shorter than an Ethernet header.
 */
#ifndef UVNET_NET_GENEVE_H
#define UVNET_NET_GENEVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GENEVE_PORT 6081
#define GENEVE_BASE_LEN 8
#define GENEVE_PROTO_ETH 0x6558
#define GENEVE_VNI_MAX 0xffffffu
#define GENEVE_OVN_CLASS 0x0102
#define GENEVE_OVN_TYPE 0x80
#define GENEVE_OPT_CRITICAL 0x80          /* the type's high bit */
/* OVN's header: base + one option of one word. */
#define GENEVE_OVN_LEN (GENEVE_BASE_LEN + 4 + 4)
#define GENEVE_OUTER4_LEN (20 + 8 + GENEVE_OVN_LEN)
#define GENEVE_INGRESS_MAX 0x7fffu         /* 15 bits */
#define GENEVE_EGRESS_MAX 0xffffu          /* 16 bits */
/* Multicast groups OVN sends to (Multicast_Group.tunnel_key). */
#define OVN_MC_FLOOD 32768
#define OVN_MC_UNKNOWN 32769

enum geneve_rx_err {
	GENEVE_RX_OK = 0,
	GENEVE_RX_TRUNCATED,     /* shorter than its headers say */
	GENEVE_RX_VERSION,       /* Ver != 0 */
	GENEVE_RX_CONTROL,       /* O bit: a control packet */
	GENEVE_RX_PROTO,         /* not Ethernet */
	GENEVE_RX_CRITICAL,      /* a critical option we do not know */
	GENEVE_RX_NO_OVN_OPT,    /* no OVN option (not from an OVN chassis) */
	GENEVE_RX_RUNT,          /* inner frame shorter than an Ethernet header */
	GENEVE_RX_NERR
};

const char *geneve_rx_err_name(enum geneve_rx_err e);

struct geneve_info {
	uint32_t vni;
	uint16_t ingress, egress;   /* OVN's logical port keys */
	size_t hlen;                /* bytes before the inner frame */
};

/* Write OVN's Geneve header (GENEVE_OVN_LEN bytes); ingress is cut to 15
 * bits, vni to 24. */
void geneve_ovn_put(uint8_t *h, uint32_t vni, uint16_t ingress, uint16_t egress);

/* Check a UDP payload of len bytes (see above); on GENEVE_RX_OK, *out. */
enum geneve_rx_err geneve_parse(const uint8_t *p, size_t len, struct geneve_info *out);

/*
 * Outer IPv4 + UDP + OVN Geneve headers in front of the inner frame that
 * already follows them at p + GENEVE_OUTER4_LEN (inner_len bytes): IPv4
 * (DF, TTL 64, header checksum), UDP to GENEVE_PORT from sport with the
 * full checksum over pseudo header, headers and inner frame.  Addresses
 * in network order, must be the real ones (the checksum covers them).
 * False if the packet would exceed 65535 bytes.
 */
bool geneve_outer4_put(uint8_t *p, uint32_t saddr, uint32_t daddr, uint16_t sport, uint32_t vni,
		       uint16_t ingress, uint16_t egress, size_t inner_len);

#endif
