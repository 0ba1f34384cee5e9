/* SPDX-License-Identifier: MIT */
/*
 * Internet checksum.  The bulk loop adds 64-bit words into a 128-bit
 * accumulator (an add/adc pair per word, no carry test in the loop); the
 * carries gathered in the high half are folded back in at the end, which
 * is exact because 2^64 = 1 modulo 2^64 - 1, a multiple of 0xffff.
 */
#include "net/csum.h"

#include <arpa/inet.h>
#include <string.h>

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The last len < 8 bytes as one word; every piece stays at an even
 * offset, so shifts by multiples of 16 bits are not needed. */
static inline uint64_t load_tail(const uint8_t *p, size_t len)
{
	uint64_t v = 0;
	uint32_t w;
	uint16_t h;

	if (len & 4) {
		memcpy(&w, p, 4);
		v += w;
		p += 4;
	}
	if (len & 2) {
		memcpy(&h, p, 2);
		v += h;
		p += 2;
	}
	if (len & 1)
		v += *p;
	return v;
}

static inline uint32_t fold128(unsigned __int128 acc)
{
	uint64_t lo = (uint64_t)acc, hi = (uint64_t)(acc >> 64);
	uint64_t s = lo + hi;

	s += s < hi;
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	unsigned __int128 acc = sum;

	for (; len >= 32; len -= 32, p += 32) {
		acc += load64(p);
		acc += load64(p + 8);
		acc += load64(p + 16);
		acc += load64(p + 24);
	}
	for (; len >= 8; len -= 8, p += 8)
		acc += load64(p);
	acc += load_tail(p, len);
	return fold128(acc);
}

uint32_t csum_cursor(struct iov_cursor *c, size_t len, uint32_t sum)
{
	size_t done = 0;
	void *p;

	while (done < len) {
		size_t k = iov_cursor_chunk(c, &p);

		if (k == 0)
			break;
		if (k > len - done)
			k = len - done;
		sum = csum_block_add(sum, csum_partial(p, k, 0), done);
		iov_cursor_skip(c, k);
		done += k;
	}
	return sum;
}

uint32_t csum_iov(const struct iovec *iov, unsigned n, size_t off, size_t len,
		  uint32_t sum)
{
	struct iov_cursor c;

	iov_cursor_init(&c, iov, n);
	if (iov_cursor_skip(&c, off) < off)
		return sum;
	return csum_cursor(&c, len, sum);
}

uint32_t csum_pseudo_v4(const void *saddr, const void *daddr, uint8_t proto,
			uint16_t len)
{
	uint32_t s, d;

	memcpy(&s, saddr, 4);
	memcpy(&d, daddr, 4);
	return csum_add(csum_add(s, d), htonl((uint32_t)proto << 16 | len));
}

uint32_t csum_pseudo_v6(const void *saddr, const void *daddr, uint8_t proto,
			uint32_t len)
{
	uint32_t sum = csum_add(htonl(len), htonl(proto));

	sum = csum_partial(saddr, 16, sum);
	return csum_partial(daddr, 16, sum);
}
