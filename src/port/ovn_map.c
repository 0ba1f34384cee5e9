/* SPDX-License-Identifier: MIT */
/* The OVN tunnel port's table (ovn_map.h). */
#include "port/ovn_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/geneve.h"
#include "net/vxlan.h"

static const char *const drop_names[OVN_MAP_NDROP] = {
	[OVN_MAP_OK] = "ok", [OVN_MAP_NO_DATAPATH] = "no_datapath",
	[OVN_MAP_NO_INGRESS] = "no_ingress_port", [OVN_MAP_LOCAL_DST] = "local_destination",
	[OVN_MAP_UNKNOWN_DST] = "unknown_destination", [OVN_MAP_NO_CHASSIS] = "no_chassis",
	[OVN_MAP_UNKNOWN_EGRESS] = "unknown_egress", [OVN_MAP_UNKNOWN_REMOTE] = "unknown_remote",
};

const char *ovn_map_drop_name(enum ovn_map_drop d)
{
	return (unsigned)d < OVN_MAP_NDROP ? drop_names[d] : "?";
}

struct ovn_map *ovn_map_new(void)
{
	struct ovn_map *m = calloc(1, sizeof(*m));

	if (m)
		memset(m->vlan_dp, 0xff, sizeof(m->vlan_dp));
	return m;
}

void ovn_map_free(struct ovn_map *m)
{
	if (!m)
		return;
	free(m->chassis_ip);
	free(m->dp);
	free(m->macs);
	free(m->locals);
	free(m->members);
	free(m->mb);
	free(m);
}

/* Room for one more element in *arr (n used, *cap allocated). */
static int grow(void *arr, size_t n, size_t *cap, size_t size)
{
	void **a = arr, *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 8;
	if (c > 65535)
		c = 65535;
	if (n >= c)
		return -ENOSPC;
	p = realloc(*a, c * size);
	if (!p)
		return -ENOMEM;
	*a = p;
	*cap = c;
	return 0;
}

int ovn_map_add_chassis(struct ovn_map *m, uint32_t ip)
{
	int rc;

	for (unsigned i = 0; i < m->nchassis; i++)
		if (m->chassis_ip[i] == ip)
			return (int)i;
	if (m->finished)
		return -EINVAL;
	if ((rc = grow(&m->chassis_ip, m->nchassis, &m->cap_chassis, sizeof(*m->chassis_ip))))
		return rc;
	m->chassis_ip[m->nchassis] = ip;
	return (int)m->nchassis++;
}

int ovn_map_add_dp(struct ovn_map *m, uint32_t key, uint16_t vlan)
{
	int rc;

	if (m->finished || vlan >= OVN_MAP_VLANS || key == 0)
		return -EINVAL;
	for (unsigned i = 0; i < m->ndp; i++)
		if (m->dp[i].key == key || m->dp[i].vlan == vlan)
			return -EEXIST;
	if ((rc = grow(&m->dp, m->ndp, &m->cap_dp, sizeof(*m->dp))))
		return rc;
	m->dp[m->ndp] = (struct ovn_map_dp){ .key = key, .vlan = vlan };
	return (int)m->ndp++;
}

int ovn_map_add_member(struct ovn_map *m, unsigned dp, bool unknown, unsigned chassis)
{
	int rc;

	if (m->finished || dp >= m->ndp || chassis >= m->nchassis)
		return -EINVAL;
	if (unknown)
		m->dp[dp].has_unknown = true;
	for (unsigned i = 0; i < m->nmb; i++)
		if (m->mb[i].dp == dp && m->mb[i].group == unknown && m->mb[i].chassis == chassis)
			return (int)i;
	if ((rc = grow(&m->mb, m->nmb, &m->cap_mb, sizeof(*m->mb))))
		return rc;
	m->mb[m->nmb] = (struct ovn_map_member){ (uint16_t)dp, unknown, (uint16_t)chassis };
	return (int)m->nmb++;
}

int ovn_map_add_mac(struct ovn_map *m, unsigned dp, const uint8_t mac[6], unsigned chassis,
		    uint16_t key)
{
	int rc;

	if (m->finished || dp >= m->ndp || (chassis != OVN_MAP_LOCAL && chassis >= m->nchassis) ||
	    (mac[0] & 1))
		return -EINVAL;
	for (unsigned i = 0; i < m->nmacs; i++)
		if (m->macs[i].dp == dp && !memcmp(m->macs[i].mac, mac, 6))
			return -EEXIST; /* the first port with a MAC keeps it */
	if ((rc = grow(&m->macs, m->nmacs, &m->cap_macs, sizeof(*m->macs))))
		return rc;
	m->macs[m->nmacs] = (struct ovn_map_mac){ .dp = (uint16_t)dp, .chassis = (uint16_t)chassis,
						  .key = key };
	memcpy(m->macs[m->nmacs].mac, mac, 6);
	return (int)m->nmacs++;
}

int ovn_map_add_local(struct ovn_map *m, unsigned dp, uint16_t key, unsigned slot)
{
	int rc;

	if (m->finished || dp >= m->ndp || slot >= OVN_MAP_MAX_PORTS || key == 0 ||
	    key >= OVN_MAP_MC_MIN)
		return -EINVAL;
	if ((rc = grow(&m->locals, m->nlocals, &m->cap_locals, sizeof(*m->locals))))
		return rc;
	m->locals[m->nlocals] = (struct ovn_map_local){ (uint16_t)dp, key };
	m->in_key[slot] = key;
	return (int)m->nlocals++;
}

static int cmp_mac(const void *a, const void *b)
{
	const struct ovn_map_mac *x = a, *y = b;

	if (x->dp != y->dp)
		return x->dp < y->dp ? -1 : 1;
	return memcmp(x->mac, y->mac, 6);
}

static int cmp_local(const void *a, const void *b)
{
	const struct ovn_map_local *x = a, *y = b;

	if (x->dp != y->dp)
		return x->dp < y->dp ? -1 : 1;
	return (x->key > y->key) - (x->key < y->key);
}

static int cmp_member(const void *a, const void *b)
{
	const struct ovn_map_member *x = a, *y = b;

	if (x->dp != y->dp)
		return x->dp < y->dp ? -1 : 1;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return (x->chassis > y->chassis) - (x->chassis < y->chassis);
}

static int cmp_dp(const void *a, const void *b)
{
	const struct ovn_map_dp *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

int ovn_map_finish(struct ovn_map *m)
{
	uint16_t order[OVN_MAP_VLANS]; /* old dp index -> new one */
	struct ovn_map_dp *sorted;

	if (m->finished)
		return 0;
	/* datapaths by key; renumber what refers to them */
	if (m->ndp) {
		sorted = malloc(m->ndp * sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
		memcpy(sorted, m->dp, m->ndp * sizeof(*sorted));
		qsort(sorted, m->ndp, sizeof(*sorted), cmp_dp);
		for (unsigned i = 0; i < m->ndp; i++)
			for (unsigned k = 0; k < m->ndp; k++)
				if (sorted[k].key == m->dp[i].key)
					order[i] = (uint16_t)k;
		memcpy(m->dp, sorted, m->ndp * sizeof(*sorted));
		free(sorted);
		for (unsigned i = 0; i < m->nmacs; i++)
			m->macs[i].dp = order[m->macs[i].dp];
		for (unsigned i = 0; i < m->nlocals; i++)
			m->locals[i].dp = order[m->locals[i].dp];
		for (unsigned i = 0; i < m->nmb; i++)
			m->mb[i].dp = order[m->mb[i].dp];
	}
	if (m->nmacs)
		qsort(m->macs, m->nmacs, sizeof(*m->macs), cmp_mac);
	if (m->nlocals)
		qsort(m->locals, m->nlocals, sizeof(*m->locals), cmp_local);
	if (m->nmb)
		qsort(m->mb, m->nmb, sizeof(*m->mb), cmp_member);
	m->members = calloc(m->nmb ? m->nmb : 1, sizeof(*m->members));
	if (!m->members)
		return -ENOMEM;
	for (unsigned i = 0; i < m->nmb; i++) {
		struct ovn_map_dp *dp = &m->dp[m->mb[i].dp];

		m->members[i] = m->mb[i].chassis;
		if (m->mb[i].group) {
			if (!dp->nunknown++)
				dp->unknown = i;
		} else if (!dp->nflood++) {
			dp->flood = i;
		}
	}
	for (unsigned i = 0; i < m->ndp; i++)
		m->vlan_dp[m->dp[i].vlan] = (int16_t)i;
	m->finished = true;
	return 0;
}

/* memcmp() of n bytes; an empty array may be NULL (memcmp must not see it). */
static bool same(const void *a, const void *b, size_t n)
{
	return !n || !memcmp(a, b, n);
}

bool ovn_map_equal(const struct ovn_map *a, const struct ovn_map *b)
{
	if (!a || !b)
		return a == b;
	return a->nchassis == b->nchassis && a->ndp == b->ndp && a->nmacs == b->nmacs &&
	       a->nlocals == b->nlocals && a->nmb == b->nmb &&
	       same(a->chassis_ip, b->chassis_ip, a->nchassis * sizeof(*a->chassis_ip)) &&
	       same(a->dp, b->dp, a->ndp * sizeof(*a->dp)) &&
	       same(a->macs, b->macs, a->nmacs * sizeof(*a->macs)) &&
	       same(a->locals, b->locals, a->nlocals * sizeof(*a->locals)) &&
	       same(a->members, b->members, a->nmb * sizeof(*a->members)) &&
	       !memcmp(a->in_key, b->in_key, sizeof(a->in_key));
}

const struct ovn_map_dp *ovn_map_dp_of_vlan(const struct ovn_map *m, unsigned vlan)
{
	int i = vlan < OVN_MAP_VLANS ? m->vlan_dp[vlan] : -1;

	return i >= 0 ? &m->dp[i] : NULL;
}

const struct ovn_map_dp *ovn_map_dp_of_key(const struct ovn_map *m, uint32_t key)
{
	unsigned lo = 0, hi = m->ndp;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (m->dp[mid].key == key)
			return &m->dp[mid];
		if (m->dp[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct ovn_map_mac *find_mac(const struct ovn_map *m, uint16_t dp, const uint8_t mac[6])
{
	struct ovn_map_mac k = { .dp = dp };

	memcpy(k.mac, mac, 6);
	return m->nmacs ? bsearch(&k, m->macs, m->nmacs, sizeof(k), cmp_mac) : NULL;
}

static bool is_local(const struct ovn_map *m, uint16_t dp, uint16_t key)
{
	struct ovn_map_local k = { dp, key };

	return m->nlocals && bsearch(&k, m->locals, m->nlocals, sizeof(k), cmp_local);
}

static unsigned group(const struct ovn_map *m, uint32_t first, uint32_t n, uint16_t egress,
		      struct ovn_map_dest *d, enum ovn_map_drop *why)
{
	if (n > OVN_MAP_MAX_DESTS)
		n = OVN_MAP_MAX_DESTS;
	for (unsigned i = 0; i < n; i++)
		d[i] = (struct ovn_map_dest){ m->chassis_ip[m->members[first + i]], egress };
	if (!n)
		*why = OVN_MAP_NO_CHASSIS;
	return n;
}

unsigned ovn_map_route(const struct ovn_map *m, unsigned vlan, unsigned slot,
		       const uint8_t dst[6], struct ovn_map_dest *d, uint16_t *ingress,
		       enum ovn_map_drop *why)
{
	const struct ovn_map_dp *dp = ovn_map_dp_of_vlan(m, vlan);
	const struct ovn_map_mac *mac;
	uint16_t dpi;

	if (!dp) {
		*why = OVN_MAP_NO_DATAPATH;
		return 0;
	}
	dpi = (uint16_t)(dp - m->dp);
	*ingress = slot < OVN_MAP_MAX_PORTS ? m->in_key[slot] : 0;
	if (!*ingress) {
		*why = OVN_MAP_NO_INGRESS;
		return 0;
	}
	if (dst[0] & 1)
		return group(m, dp->flood, dp->nflood, OVN_MAP_MC_FLOOD, d, why);
	mac = find_mac(m, dpi, dst);
	if (mac && mac->chassis == OVN_MAP_LOCAL) {
		*why = OVN_MAP_LOCAL_DST;
		return 0;
	}
	if (mac) {
		d[0] = (struct ovn_map_dest){ m->chassis_ip[mac->chassis], mac->key };
		return 1;
	}
	if (!dp->has_unknown) {
		*why = OVN_MAP_UNKNOWN_DST;
		return 0;
	}
	return group(m, dp->unknown, dp->nunknown, OVN_MAP_MC_UNKNOWN, d, why);
}

int ovn_map_receive(const struct ovn_map *m, uint32_t src_ip, uint32_t key, uint16_t egress,
		    enum ovn_map_drop *why)
{
	const struct ovn_map_dp *dp;
	bool known = false;

	for (unsigned i = 0; i < m->nchassis && !known; i++)
		known = m->chassis_ip[i] == src_ip;
	if (!known) {
		*why = OVN_MAP_UNKNOWN_REMOTE;
		return -1;
	}
	if (!(dp = ovn_map_dp_of_key(m, key))) {
		*why = OVN_MAP_NO_DATAPATH;
		return -1;
	}
	if (egress < OVN_MAP_MC_MIN && !is_local(m, (uint16_t)(dp - m->dp), egress)) {
		*why = OVN_MAP_UNKNOWN_EGRESS;
		return -1;
	}
	return dp->vlan;
}

uint32_t ovn_map_vxlan_vni(uint32_t dp_key, uint16_t egress)
{
	uint32_t e = egress >= OVN_MAP_MC_MIN ? 0x800u | (egress & 0x7ffu) : egress & 0xfffu;

	return e << 12 | (dp_key & 0xfffu);
}

void ovn_map_vxlan_split(uint32_t vni, uint32_t *dp_key, uint16_t *egress)
{
	uint32_t e = vni >> 12 & 0xfffu;

	*dp_key = vni & 0xfffu;
	*egress = (uint16_t)(e & 0x800u ? OVN_MAP_MC_MIN | (e & 0x7ffu) : e);
}

int ovn_map_rx_frame(const struct ovn_map *m, bool vxlan, uint32_t src_ip, uint8_t *buf,
		      size_t len, size_t *off, size_t *flen)
{
	enum ovn_map_drop why = OVN_MAP_OK;
	uint32_t key;
	uint16_t egress;
	size_t hlen;
	uint8_t *fr;
	int vlan;

	if (vxlan) {
		uint32_t vni = 0;
		enum vxlan_rx_err err = vxlan_parse(buf, len, &vni);

		if (err)
			return 1 + (int)err;
		ovn_map_vxlan_split(vni, &key, &egress);
		hlen = VXLAN_HLEN;
	} else {
		struct geneve_info gi;
		enum geneve_rx_err err = geneve_parse(buf, len, &gi);

		if (err)
			return 1 + (int)err;
		key = gi.vni;
		egress = gi.egress;
		hlen = gi.hlen;
	}
	vlan = ovn_map_receive(m, src_ip, key, egress, &why);
	if (vlan < 0)
		return OVN_MAP_RX_MAP + (int)why;
	/* the tag goes where the tunnel header's last 4 bytes were */
	fr = buf + hlen - 4;
	memmove(fr, buf + hlen, 12);
	fr[12] = 0x81;
	fr[13] = 0x00;
	fr[14] = (uint8_t)(vlan >> 8 & 0x0f);
	fr[15] = (uint8_t)vlan;
	*off = hlen - 4;
	*flen = len - hlen + 4;
	return 0;
}
