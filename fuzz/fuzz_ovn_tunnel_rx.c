/* SPDX-License-Identifier: MIT */
/*
 * The OVN tunnel port's receive path (ovn_map_rx_frame()): a UDP payload
 * from anyone, Geneve or OVN's VXLAN by the first input byte, from a
 * known chassis or not by the second, checked against a fixed map of two
 * datapaths and rewritten in place into a tagged frame.  What it accepts
 * must lie inside the input, carry a tag of a datapath's VLAN and keep
 * the inner frame's bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "port/ovn_map.h"

#define IP_A 0x0201fa0au

static struct ovn_map *map(void)
{
	static struct ovn_map *m;
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 1 };
	int a, d1, d2;

	if (m)
		return m;
	m = ovn_map_new();
	a = ovn_map_add_chassis(m, IP_A);
	d1 = ovn_map_add_dp(m, 1, 11);
	d2 = ovn_map_add_dp(m, 2, 12);
	if (!m || a < 0 || d1 < 0 || d2 < 0 || ovn_map_add_local(m, (unsigned)d1, 1, 0) < 0 ||
	    ovn_map_add_local(m, (unsigned)d2, 2, 1) < 0 ||
	    ovn_map_add_mac(m, (unsigned)d1, mac, (unsigned)a, 3) < 0 ||
	    ovn_map_add_member(m, (unsigned)d1, false, (unsigned)a) < 0 || ovn_map_finish(m))
		abort();
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf, *copy;
	size_t off = 0, len = 0;
	bool vxlan;
	uint32_t src;
	int rc, vlan;

	if (size < 2)
		return 0;
	vxlan = data[0] & 1;
	src = data[1] & 1 ? IP_A : 0x0901fa0au;
	data += 2;
	size -= 2;
	/* exactly the input's bytes: ASan sees any read or write past them */
	buf = malloc(size ? size : 1);
	copy = malloc(size ? size : 1);
	memcpy(buf, data, size);
	memcpy(copy, data, size);
	rc = ovn_map_rx_frame(map(), vxlan, src, buf, size, &off, &len);
	if (rc == 0) {
		if (off + len != size || len < 18 || off < 1)
			abort();
		vlan = (buf[off + 14] & 0x0f) << 8 | buf[off + 15];
		if (buf[off + 12] != 0x81 || buf[off + 13] != 0 || (vlan != 11 && vlan != 12))
			abort();
		/* addresses, then everything after the tag, as received */
		if (memcmp(buf + off, copy + off + 4, 12) ||
		    memcmp(buf + off + 16, copy + off + 16, len - 16))
			abort();
	} else if (rc < 0) {
		abort();
	}
	free(buf);
	free(copy);
	return 0;
}
