/* SPDX-License-Identifier: MIT */
/*
 * Test fixture for the packet layer: a seeded PRNG, a deliberately naive
 * RFC 1071 checksum to check the fast one against, a builder of Ethernet
 * frames (optional 802.1Q tag, IPv4 with options or IPv6, TCP with
 * options or UDP, patterned payload) as a guest would send them with
 * NEEDS_CSUM, and a scatterer that spreads a frame over separately
 * allocated buffers so that ASan catches any access past a piece.
 */
#ifndef UVNET_TESTS_NET_FIXTURE_H
#define UVNET_TESTS_NET_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>

#define FX_ETH_HLEN 14
#define FX_VLAN_HLEN 4
#define FX_TCP_FIN 0x01
#define FX_TCP_PSH 0x08
#define FX_TCP_ACK 0x10
#define FX_TCP_CWR 0x80

uint32_t fx_rand(uint64_t *state);

/* Naive sum of big-endian 16-bit words (a trailing byte is a high byte),
 * folded to 16 bits, not complemented.  A valid checksum over a range
 * that includes its own field gives 0xffff. */
uint16_t fx_ref_sum(const uint8_t *p, size_t len, uint32_t sum);

static inline uint16_t fx_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t fx_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | p[2] << 8 | p[3];
}

static inline void fx_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

struct fx_frame_spec {
	bool ipv6;
	bool vlan;
	bool udp;            /* else TCP */
	unsigned ip_opt;     /* IPv4 option bytes, a multiple of 4 */
	unsigned tcp_opt;    /* TCP option bytes, a multiple of 4 */
	uint8_t tcp_flags;
	uint32_t seq;
	size_t payload;      /* L4 payload bytes */
};

struct fx_frame {
	uint8_t *buf;
	size_t len;
	size_t l3, l4, hdr_len;     /* offsets; hdr_len: end of L4 header */
	struct virtio_net_hdr vh;   /* NEEDS_CSUM at the L4 checksum, and
				       the matching gso_type (gso_size 0) */
};

/* The L4 checksum field holds the pseudo-header sum, as a guest leaves
 * it for NEEDS_CSUM; the IPv4 header checksum is valid. */
void fx_frame_build(struct fx_frame *f, const struct fx_frame_spec *spec,
		    uint64_t seed);
void fx_frame_free(struct fx_frame *f);

/* Naive pseudo-header sum of a built IPv4 or IPv6 packet at ip. */
uint16_t fx_ref_pseudo(const uint8_t *ip, bool ipv6, uint8_t proto,
		       size_t l4_len);

/* True if the L4 checksum of the IP packet at ip (l4_len bytes of L4
 * from offset ihl) verifies. */
bool fx_l4_csum_ok(const uint8_t *ip, bool ipv6, size_t ihl, uint8_t proto,
		   size_t l4_len);

#define FX_SCATTER_MAX 2048

struct scatter {
	struct iovec iov[FX_SCATTER_MAX];
	unsigned n;
};

/* Copy buf into pieces of 0..max_piece bytes (random, seeded), each in a
 * buffer of its own. */
void fx_scatter(struct scatter *sc, const uint8_t *buf, size_t len,
		size_t max_piece, uint64_t seed);
/* Same, with the pieces ending at the given offsets (ascending), then
 * one last piece to len. */
void fx_scatter_at(struct scatter *sc, const uint8_t *buf, size_t len,
		   const size_t *cuts, unsigned ncuts);
void fx_gather(const struct scatter *sc, uint8_t *buf);
void fx_scatter_free(struct scatter *sc);

#endif
