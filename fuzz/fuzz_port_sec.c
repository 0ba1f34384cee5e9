/* SPDX-License-Identifier: MIT */
/*
 * The port-security classifier (switch/port_sec.c) on frames from anyone.
 * Input: a configuration selector byte, a layout byte (how the frame is
 * cut into buffers), then the frame.  The frame is first classified by the
 * VLAN ingress the bridge runs (a mode picked from the selector), then
 * checked:
 *  - every read stays inside the frame's buffers (each its own
 *    allocation: ASan sees one byte too far);
 *  - the verdict is the same whatever the buffers' cut;
 *  - a frame let through has the port's MAC as its source, and with
 *    addresses listed, an IPv4 frame let through comes from a listed
 *    address or 0.0.0.0 (DHCP);
 *  - with selector bit 8, the port is learning (port_sec_learning(), its
 *    latch empty): a frame let through has a unicast non-zero source, the
 *    one latched, and IPv4 from 0.0.0.0 only; nothing else is latched.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "switch/port_sec.h"
#include "switch/port_vlan.h"

static const char *const configs[] = {
	"02:00:00:00:00:0a",
	"02:00:00:00:00:0a,10.0.0.5",
	"02:00:00:00:00:0a,10.0.0.0/24,2001:db8::5",
	"02:00:00:00:00:0a,2001:db8::/64,fe80::/10",
};

/* The frame cut into pieces of 1 + layout % 16 bytes, each its own allocation. */
static unsigned cut(const uint8_t *p, size_t len, unsigned piece, struct iovec *iov, unsigned max)
{
	unsigned n = 0;

	for (size_t off = 0; off < len && n < max; n++) {
		size_t k = len - off < piece ? len - off : piece;

		iov[n].iov_base = malloc(k);
		memcpy(iov[n].iov_base, p + off, k);
		iov[n].iov_len = k;
		off += k;
	}
	return n;
}

static int check(const struct port_sec *ps, struct frame *f, const struct iovec *iov,
		 unsigned niov)
{
	f->iov = iov;
	f->niov = (uint16_t)niov;
	return ps->latch ? port_sec_check_learn(ps, f) : port_sec_check(ps, f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iovec one[1], many[1024];
	uint64_t latch = 0;
	uint8_t latched[6];
	struct port_sec ps;
	struct port_vlan pv;
	struct frame f = { 0 };
	uint16_t vlan, l2_len;
	size_t len;
	unsigned sel, n;
	int r1, r2;

	if (size < 2 + ETH_MIN_LEN || size > 2 + 4096)
		return 0;
	sel = data[0];
	if (port_sec_parse(&ps, configs[sel % 4], NULL))
		abort();
	if (sel & 8)
		port_sec_learning(&ps, &latch);
	port_vlan_init(&pv);
	if (sel & 4)
		port_vlan_set_access(&pv, 10);
	len = size - 2;
	memcpy(f.eth, data + 2, len < ETH_HLEN_TAGGED ? len : ETH_HLEN_TAGGED);
	f.len = (uint32_t)len;
	if (!port_vlan_ingress(&pv, f.eth, len, &vlan, &l2_len) || len < l2_len)
		return 0;
	f.vlan = vlan;
	f.l2_len = (uint8_t)l2_len;
	cut(data + 2, len, (unsigned)len, one, 1);
	n = cut(data + 2, len, 1 + data[1] % 16u, many, 1024);
	r1 = check(&ps, &f, one, 1);
	r2 = check(&ps, &f, many, n);
	if (r1 != r2 || r1 < PORT_SEC_PASS || r1 >= PORT_SEC_NREASONS)
		abort();
	if ((sel & 8) && port_sec_latched_mac(latch, latched)) {
		if ((latched[0] & 1) || !(latched[0] | latched[1] | latched[2] | latched[3] |
					 latched[4] | latched[5]) || memcmp(latched, data + 8, 6))
			abort();
		memcpy(ps.mac, latched, 6);
	}
	if (r1 == PORT_SEC_PASS) {
		const uint8_t *b = data + 2;

		if (memcmp(b + 6, ps.mac, 6) || ((sel & 8) && !latch))
			abort();
		/* IPv4 with a source that is neither listed nor 0.0.0.0 */
		if (ps.ip && (b[l2_len - 2] << 8 | b[l2_len - 1]) == 0x0800 && len >= l2_len + 20u) {
			uint32_t src;
			bool ok = false;

			memcpy(&src, b + l2_len + 12, 4);
			for (unsigned i = 0; i < ps.n4; i++)
				ok |= (src & ps.v4[i].mask) == ps.v4[i].net;
			if (!ok && src)
				abort();
		}
	}
	free(one[0].iov_base);
	for (unsigned i = 0; i < n; i++)
		free(many[i].iov_base);
	return 0;
}
