/* SPDX-License-Identifier: MIT */
#include "net/flow.h"

#include <string.h>

#include "net/iov.h"

static uint32_t mix(uint32_t h, uint32_t v)
{
	h ^= v;
	h *= 0x9e3779b1u;
	return h ^ (h >> 15);
}

static uint32_t mix_bytes(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i += 4) {
		uint32_t v;

		memcpy(&v, p + i, 4);
		h = mix(h, v);
	}
	return h;
}

static uint32_t hash_ports(uint32_t h, const uint8_t *l4, size_t avail, uint8_t proto)
{
	if ((proto == 6 || proto == 17) && avail >= 4)
		h = mix_bytes(h, l4, 4);
	return h;
}

uint32_t flow_hash(const struct frame *f)
{
	uint8_t b[64];
	size_t n = iov_to_buf(f->iov, f->niov, f->off + f->l2_len, b, sizeof(b));
	uint16_t type = (uint16_t)(f->eth[f->l2_len - 2] << 8 | f->eth[f->l2_len - 1]);
	uint32_t h = 0x811c9dc5u;

	if (type == 0x0800 && n >= 20) {
		size_t ihl = (size_t)(b[0] & 15) * 4;
		bool fragment = (b[6] & 0x3f) || b[7]; /* MF or an offset: no ports */

		h = mix_bytes(h, b + 12, 8);
		if (!fragment && ihl >= 20 && ihl < n)
			h = hash_ports(h, b + ihl, n - ihl, b[9]);
		return h;
	}
	if (type == 0x86dd && n >= 40) {
		h = mix_bytes(h, b + 8, 32);
		return hash_ports(h, b + 40, n - 40, b[6]);
	}
	return mix_bytes(h, f->eth, 12);
}
