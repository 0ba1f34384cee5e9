/* SPDX-License-Identifier: MIT */
/*
 * The Internet checksum (RFC 1071).
 *
 * A partial sum is a 32-bit ones'-complement accumulator over bytes taken
 * in memory order as host-order 16-bit words, as in Linux: csum_fold()
 * turns it into the 16-bit checksum, to be stored with a plain native
 * 16-bit store (memcpy), never byte-swapped.  Pseudo-header sums are in
 * the same convention, so all of them add with csum_add().
 */
#ifndef UVNET_NET_CSUM_H
#define UVNET_NET_CSUM_H

#include <stddef.h>
#include <stdint.h>

#include "net/iov.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "uvnet assumes a little-endian host");

static inline uint32_t csum_add(uint32_t a, uint32_t b)
{
	uint32_t r = a + b;

	return r + (r < b);
}

/* Add the sum of a block that began `off` bytes into the summed range: a
 * block starting at an odd offset has its bytes in swapped word halves. */
static inline uint32_t csum_block_add(uint32_t sum, uint32_t part, size_t off)
{
	if (off & 1)
		part = part >> 8 | part << 24;
	return csum_add(sum, part);
}

/* The checksum: the complemented 16-bit fold of a partial sum. */
static inline uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* sum plus the bytes of buf[0 .. len). */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);

/* sum plus len bytes at the cursor, which moves past them (fewer if the
 * array ends first). */
uint32_t csum_cursor(struct iov_cursor *c, size_t len, uint32_t sum);

/* sum plus len bytes at offset off of an iovec array. */
uint32_t csum_iov(const struct iovec *iov, unsigned n, size_t off, size_t len,
		  uint32_t sum);

/* TCP/UDP pseudo-header sums.  Addresses point at network-order bytes
 * (4 or 16); len is the L4 length (header + payload) in host order. */
uint32_t csum_pseudo_v4(const void *saddr, const void *daddr, uint8_t proto,
			uint16_t len);
uint32_t csum_pseudo_v6(const void *saddr, const void *daddr, uint8_t proto,
			uint32_t len);

#endif
