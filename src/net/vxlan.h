/* SPDX-License-Identifier: MIT */
/*
 * VXLAN (RFC 7348) framing, without sockets: the 8-byte VXLAN header, its
 * validation on receipt, the UDP source port chosen from the inner flow,
 * and the outer IPv4 + UDP + VXLAN headers of an encapsulated frame.
 *
 *   VXLAN header:  flags (0x08: VNI valid) | 24 reserved bits |
 *                  24-bit VNI | 8 reserved bits
 *
 * Receipt is as strict as Linux's vxlan driver, stricter than RFC 7348
 * §5's "reserved bits ignored on receipt": any flag other than I, or a
 * non-zero reserved field, drops the packet.  Extension formats (GBP,
 * GPE) set those bits and change what follows; a plain-Ethernet receiver
 * must not take such a packet for an Ethernet frame.
 */
#ifndef UVNET_NET_VXLAN_H
#define UVNET_NET_VXLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/frame.h"

#define VXLAN_HLEN 8
#define VXLAN_FLAG_I 0x08            /* the VNI field is valid */
#define VXLAN_VNI_MAX 0xffffffu      /* 24 bits */
#define VXLAN_DEFAULT_PORT 4789      /* IANA */
#define VXLAN_IP4_HLEN 20
#define VXLAN_UDP_HLEN 8
/* Outer bytes in front of the inner Ethernet frame: IPv4 + UDP + VXLAN. */
#define VXLAN_OUTER4_LEN (VXLAN_IP4_HLEN + VXLAN_UDP_HLEN + VXLAN_HLEN)
/* What the tunnel costs an inner L3 MTU: outer headers + inner Ethernet. */
#define VXLAN_OVERHEAD4 (VXLAN_OUTER4_LEN + 14)
/* RFC 7348 §5: source ports from the dynamic range 49152-65535. */
#define VXLAN_SPORT_MIN 49152
#define VXLAN_SPORT_RANGE 16384
#define VXLAN_MIN_INNER 14           /* an Ethernet header */

/* Why a received VXLAN payload (the UDP payload) was refused. */
enum vxlan_rx_err {
	VXLAN_RX_OK = 0,
	VXLAN_RX_TRUNCATED,  /* shorter than the VXLAN header */
	VXLAN_RX_FLAGS,      /* I flag missing, or another flag set */
	VXLAN_RX_RESERVED,   /* a reserved field not zero */
	VXLAN_RX_RUNT,       /* inner frame shorter than an Ethernet header */
	VXLAN_RX_NERR
};

/* Short names of the reasons ("truncated", ...), for counters. */
const char *vxlan_rx_err_name(enum vxlan_rx_err e);

/* Write the VXLAN header for vni (<= VXLAN_VNI_MAX) into h[0..8). */
void vxlan_hdr_put(uint8_t *h, uint32_t vni);

/*
 * Check a UDP payload of len bytes: a valid VXLAN header followed by at
 * least an Ethernet header.  On VXLAN_RX_OK, *vni is set; it is also set
 * (to the VNI field as sent) on VXLAN_RX_RUNT and VXLAN_RX_RESERVED, so a
 * caller can tell which tunnel the bad packet claims to belong to.
 */
enum vxlan_rx_err vxlan_parse(const uint8_t *p, size_t len, uint32_t *vni);

/* UDP source port for an inner flow hash: spread over 49152-65535. */
static inline uint16_t vxlan_src_port(uint32_t hash)
{
	return (uint16_t)(VXLAN_SPORT_MIN + (((uint64_t)hash * VXLAN_SPORT_RANGE) >> 32));
}

/*
 * The outer headers of one encapsulated frame of inner_len bytes, into
 * p[0..VXLAN_OUTER4_LEN): IPv4 (no options, DF set, TTL 64, ID 0 as RFC
 * 6864 allows for atomic datagrams, header checksum filled in), UDP (zero
 * checksum, as RFC 7348 §5 recommends for IPv4), VXLAN.  Addresses are in
 * network order (s_addr), ports in host order.  saddr 0 asks the kernel
 * (a raw IP_HDRINCL socket) to pick the source.  false if the packet
 * would exceed 65535 bytes.
 */
bool vxlan_outer4_put(uint8_t *p, uint32_t saddr, uint32_t daddr, uint16_t sport,
		      uint16_t dport, uint32_t vni, size_t inner_len);

/* Why a frame could not be encapsulated. */
enum vxlan_tx_err {
	VXLAN_TX_OK = 0,
	VXLAN_TX_TOO_BIG,    /* the encapsulation would exceed the limit */
	VXLAN_TX_BAD,        /* offload request that cannot be completed, or
				bytes missing from the frame's iovecs */
	VXLAN_TX_NOROOM,     /* alloc() gave no room */
};

/* One tunnel's encapsulation of frames, and where the packets go. */
struct vxlan_encap {
	uint32_t saddr, daddr;       /* network order; saddr may be 0 */
	uint16_t dport;              /* host order */
	uint32_t vni;
	size_t max_inner;            /* largest inner frame (underlay MTU - 36) */
	size_t max_seg_inner;        /* the same for GSO segments (<= max_inner:
					the port's MTU may be lower) */
	/* Room for one packet of len bytes (valid until the caller sends
	 * it), or NULL; unalloc() takes back the last one. */
	uint8_t *(*alloc)(void *arg, size_t len);
	void (*unalloc)(void *arg);
	void *arg;
	/* Another tunnel's outer headers (Geneve): outer_len bytes in front
	 * of each inner frame, written by put_outer() once the inner frame
	 * is in place and complete (its checksum may cover it).  NULL:
	 * VXLAN's (vxlan_outer4_put(), VXLAN_OUTER4_LEN bytes); max_inner
	 * is the caller's to size for either. */
	size_t outer_len;
	bool (*put_outer)(const struct vxlan_encap *x, uint8_t *p, uint16_t sport,
			  size_t inner_len);
	void *outer_arg;
};

/*
 * Encapsulate frame f (f->l2_len set, as the bridge does), leaving with
 * an 802.1Q tag if `tagged` (frame_egress_init()), into one packet or, for
 * a GSO frame, one per segment: outer headers (vxlan_outer4_put() or
 * x->put_outer(), UDP source port from flow_hash()) then the inner frame, with its
 * offloads completed in the copy: a NEEDS_CSUM checksum filled in, a
 * TSO/UFO frame cut into segments no larger than max_seg_inner (smaller
 * than the sender's gso_size if need be).  The frame's bytes are read
 * once per packet and never written.  On an error partway through a GSO
 * frame, the segments already made stay with the caller.
 */
enum vxlan_tx_err vxlan_encap_frame(const struct vxlan_encap *x, const struct frame *f,
				    bool tagged);

#endif
