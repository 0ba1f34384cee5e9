/* SPDX-License-Identifier: MIT */
/*
 * Port security that locks on the first MAC a port sends from
 * (port_sec.h's learning configuration), the data path's half: a worker
 * latches the source of the first acceptable frame with one
 * compare-and-swap on the port's latch word, so of two queues racing
 * with two MACs exactly one wins; every later frame is judged against
 * the word.  The control thread reads it and installs the real lock.
 */
#include "switch/port_sec.h"

#include <string.h>

static uint64_t mac_word(const uint8_t *m)
{
	return (uint64_t)m[0] << 40 | (uint64_t)m[1] << 32 | (uint64_t)m[2] << 24 |
	       (uint64_t)m[3] << 16 | (uint64_t)m[4] << 8 | m[5];
}

enum port_sec_reason port_sec_check_learn(const struct port_sec *ps, const struct frame *f)
{
	uint16_t type = (uint16_t)(f->eth[f->l2_len - 2] << 8 | f->eth[f->l2_len - 1]);
	uint64_t src = mac_word(f->eth + 6), want = src | PORT_SEC_LATCHED;
	uint64_t cur = __atomic_load_n(ps->latch, __ATOMIC_ACQUIRE);
	struct port_sec locked;

	if (!cur) {
		/* never a group or zero address: the guest's own is neither */
		if (f->eth[6] & 1 || !src)
			return PORT_SEC_ETH_SRC;
		if (__atomic_compare_exchange_n(ps->latch, &cur, want, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			cur = want;
	}
	if (cur != want)
		return PORT_SEC_ETH_SRC;
	if (type == 0x0800) /* its DHCP waits for the address the lock will reserve */
		return PORT_SEC_LEARNING;
	port_sec_mac_only_ip(&locked, f->eth + 6);
	return port_sec_check_l3(&locked, f, type);
}
