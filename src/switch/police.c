/* SPDX-License-Identifier: MIT */
/* Ingress policing: the token bucket as GCRA (police.h). */
#include "switch/police.h"

#include <time.h>

/* 8 bits a byte, 16 units a ns, 1e6 ns a second over 1000 bits: the
 * units a byte costs at 1 kbit/s, << 16. */
#define BYTE_COST_1KBPS ((uint64_t)8 * POLICE_UNITS_PER_NS * 1000000 << 16)

void police_cfg_init(struct police_cfg *c, uint32_t rate_kbps, uint32_t burst_kbit)
{
	unsigned __int128 depth;

	*c = (struct police_cfg){ .rate_kbps = rate_kbps, .burst_kbit = burst_kbit };
	if (!rate_kbps)
		return;
	c->byte_cost = BYTE_COST_1KBPS / rate_kbps;
	/* 125 bytes a kbit; at most 2^32 kbit * 125 * 2^39: fits 128 bits */
	depth = (unsigned __int128)(burst_kbit ? burst_kbit : POLICE_DEFAULT_BURST_KBIT) * 125 *
		c->byte_cost >> 16;
	c->depth = depth > UINT64_MAX / 4 ? UINT64_MAX / 4 : (uint64_t)depth;
}

uint64_t police_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: no syscall */
	return ((uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec) * POLICE_UNITS_PER_NS;
}

/* Pay for the frames one by one from time t: the verdicts; *t moves on. */
static uint32_t pay_each(const struct police_cfg *c, const struct frame *f, unsigned n,
			 uint64_t now, uint64_t *t)
{
	uint32_t pass = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t cost = police_cost(c, f[i].len);

		/* the debt after paying must stay within the bucket */
		if (*t - now + cost <= c->depth) {
			*t += cost;
			pass |= 1u << i;
		}
	}
	return pass;
}

uint32_t police_burst(const struct police_cfg *c, struct police_bucket *b,
		      const struct frame *f, unsigned n, uint64_t now)
{
	uint64_t old = __atomic_load_n(&b->tat, __ATOMIC_RELAXED), t, bytes = 0, all_cost;
	uint32_t all = police_all(n), pass;

	/* Under the rate, the usual case, the whole burst fits: one
	 * multiplication for it, not one a frame.  (A runt shorter than the
	 * header, which VLAN admission drops anyway, lowers the sum by what
	 * it lacks.) */
	for (unsigned i = 0; i < n; i++)
		bytes += f[i].len;
	bytes = bytes > (uint64_t)n * POLICE_HDR_LEN ? bytes - (uint64_t)n * POLICE_HDR_LEN : 0;
	all_cost = (uint64_t)((unsigned __int128)bytes * c->byte_cost >> 16);
	do {
		t = old > now ? old : now;
		if (t - now + all_cost <= c->depth) {
			t += all_cost;
			pass = all;
		} else {
			pass = pay_each(c, f, n, now, &t);
		}
		if (t == old)
			break; /* nothing paid and nothing to refill: no store */
	} while (!__atomic_compare_exchange_n(&b->tat, &old, t, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return pass;
}

bool police_peek(const struct police_cfg *c, const struct police_bucket *b, uint32_t len,
		 uint64_t now, uint64_t *tokens)
{
	uint64_t tat = __atomic_load_n(&b->tat, __ATOMIC_RELAXED);
	uint64_t debt = tat > now ? tat - now : 0;

	*tokens = debt >= c->depth || !c->byte_cost ? 0 :
		  (uint64_t)(((unsigned __int128)(c->depth - debt) << 16) / c->byte_cost);
	return debt + police_cost(c, len) <= c->depth;
}

void police_reset(struct police_bucket *b)
{
	__atomic_store_n(&b->tat, 0, __ATOMIC_RELAXED);
}
