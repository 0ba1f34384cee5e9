/* SPDX-License-Identifier: MIT */
/* The running guest RX rings of a vhost-user port (vhost_rxmap.h). */
#include "port/vhost_rxmap.h"

static void set_entry(struct vhost_rxmap *m, unsigned i, unsigned qi)
{
	__atomic_store_n(&m->q[i], (uint8_t)qi, __ATOMIC_RELAXED);
}

void vhost_rxmap_add(struct vhost_rxmap *m, unsigned qi)
{
	unsigned n = m->count, at = 0;

	if (qi >= VHOST_RXMAP_MAX)
		return;
	while (at < n && m->q[at] < qi)
		at++;
	if (at < n && m->q[at] == qi)
		return;
	/* shift up from the end: a reader sees old or duplicated entries */
	for (unsigned i = n; i > at; i--)
		set_entry(m, i, m->q[i - 1]);
	set_entry(m, at, qi);
	__atomic_store_n(&m->count, n + 1, __ATOMIC_RELEASE);
}

void vhost_rxmap_remove(struct vhost_rxmap *m, unsigned qi)
{
	unsigned n = m->count, at = 0;

	while (at < n && m->q[at] != qi)
		at++;
	if (at == n)
		return;
	/* shrink first: a reader with the old count still sees valid indexes */
	__atomic_store_n(&m->count, n - 1, __ATOMIC_RELEASE);
	for (unsigned i = at; i + 1 < n; i++)
		set_entry(m, i, m->q[i + 1]);
}
