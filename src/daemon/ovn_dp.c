/* SPDX-License-Identifier: MIT */
/* The OVN chassis's data path from the Southbound (ovn_dp.h). */
#include "daemon/ovn_dp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DPS 4094

bool ovn_dp_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	int end = 0;

	if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			 &end) != 6 || (s[end] && s[end] != ' '))
		return false;
	for (unsigned i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return true;
}

struct build {
	struct ovsdb_cache *sb;
	const char *chassis, *encap_type;
	struct ovn_map *m;
	/* datapaths of ours: Datapath_Binding UUID -> map index */
	const char *dp_uuid[MAX_DPS];
	int dp_index[MAX_DPS];
	unsigned ndp;
	/* VIF ports of our datapaths on remote chassis, for the FDB rows */
	struct vif { int dp, chassis; uint16_t key; } *vifs;
	unsigned nvifs, cap_vifs;
};

static struct ovsdb_table *table(struct build *b, const char *name)
{
	return ovsdb_cache_table(b->sb, name);
}

static int our_dp(const struct build *b, const char *uuid)
{
	for (unsigned i = 0; uuid && i < b->ndp; i++)
		if (!strcasecmp(b->dp_uuid[i], uuid))
			return b->dp_index[i];
	return -1;
}

/* The map index of a remote chassis (its encap of our type), or -1. */
static int remote_chassis(struct build *b, const char *uuid)
{
	const struct ovsdb_row *ch;
	struct in_addr a;

	if (!uuid || (b->chassis && !strcasecmp(uuid, b->chassis)) ||
	    !(ch = ovsdb_table_get(table(b, "Chassis"), uuid)))
		return -1;
	for (size_t k = 0; k < ovsdb_row_count(ch, "encaps"); k++) {
		const struct ovsdb_row *en = ovsdb_table_get(table(b, "Encap"),
			ovsdb_atom_uuid(ovsdb_row_elem(ch, "encaps", k)));
		const char *t = ovsdb_row_str(en, "type"), *ip = ovsdb_row_str(en, "ip");

		if (t && ip && !strcmp(t, b->encap_type) && inet_pton(AF_INET, ip, &a) == 1 && a.s_addr)
			return ovn_map_add_chassis(b->m, a.s_addr);
	}
	return -1;
}

/* VLAN of datapath key k: the one it has, else k itself when free, else
 * the first free one; 0 if none is left. */
static uint16_t vlan_of(uint32_t vlan_key[OVN_MAP_VLANS], uint32_t k)
{
	for (unsigned v = OVN_DP_VLAN_MIN; v <= OVN_DP_VLAN_MAX; v++)
		if (vlan_key[v] == k)
			return (uint16_t)v;
	if (k >= OVN_DP_VLAN_MIN && k <= OVN_DP_VLAN_MAX && !vlan_key[k]) {
		vlan_key[k] = k;
		return (uint16_t)k;
	}
	for (unsigned v = OVN_DP_VLAN_MIN; v <= OVN_DP_VLAN_MAX; v++)
		if (!vlan_key[v]) {
			vlan_key[v] = k;
			return (uint16_t)v;
		}
	return 0;
}

/* Bound ports: their datapath, VLAN and key; the map's datapaths. */
static int add_locals(struct build *b, struct ovn_dp_port *ports, unsigned n,
		      uint32_t vlan_key[OVN_MAP_VLANS], struct error *e)
{
	struct ovsdb_table *pbt = table(b, "Port_Binding"), *dpt = table(b, "Datapath_Binding");
	bool used[OVN_MAP_VLANS] = { false };

	for (unsigned i = 0; i < n; i++) {
		const struct ovsdb_row *pb = b->chassis && ports[i].lport ?
			ovsdb_table_find_str(pbt, "logical_port", ports[i].lport) : NULL;
		const char *dpu = ovsdb_row_uuid(pb, "datapath");
		int64_t k = ovsdb_row_int(ovsdb_table_get(dpt, dpu), "tunnel_key", 0);
		int64_t key = ovsdb_row_int(pb, "tunnel_key", 0);

		ports[i].vlan = OVN_DP_PARKED;
		ports[i].key = 0;
		ports[i].dp_key = 0;
		if (!pb || !ovsdb_row_has_ref(pb, "chassis", b->chassis) || k <= 0 ||
		    k > 0xffffff || key <= 0 || key >= OVN_MAP_MC_MIN)
			continue;
		ports[i].dp_key = (uint32_t)k;
		ports[i].key = (uint16_t)key;
		if (our_dp(b, dpu) < 0) {
			uint16_t v = vlan_of(vlan_key, (uint32_t)k);
			int idx;

			if (!v)
				return error_set(e, -ENOSPC, "%s: no internal VLAN left for datapath %lld",
						 ports[i].lport, (long long)k);
			if ((idx = ovn_map_add_dp(b->m, (uint32_t)k, v)) < 0)
				return error_set(e, idx, "datapath %lld: %s", (long long)k, strerror(-idx));
			b->dp_uuid[b->ndp] = dpu;
			b->dp_index[b->ndp++] = idx;
			used[v] = true;
		}
		ports[i].vlan = b->m->dp[our_dp(b, dpu)].vlan;
		if (ovn_map_add_local(b->m, (unsigned)our_dp(b, dpu), ports[i].key, ports[i].slot) < 0)
			return error_set(e, -EINVAL, "%s: bridge slot %u out of range", ports[i].lport,
					 ports[i].slot);
	}
	for (unsigned v = OVN_DP_VLAN_MIN; v <= OVN_DP_VLAN_MAX; v++)
		if (!used[v])
			vlan_key[v] = 0; /* no local port left in that datapath */
	return 0;
}

static int add_vif(struct build *b, int dp, int chassis, uint16_t key)
{
	if (b->nvifs == b->cap_vifs) {
		unsigned cap = b->cap_vifs ? 2 * b->cap_vifs : 64;
		struct vif *v = realloc(b->vifs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->vifs = v;
		b->cap_vifs = cap;
	}
	b->vifs[b->nvifs++] = (struct vif){ dp, chassis, key };
	return 0;
}

/* MACs of our datapaths' VIF ports: remote ones with their chassis,
 * ours as local (the bridge delivers those). */
static int add_macs(struct build *b, struct error *e)
{
	OVSDB_FOR_EACH_ROW(pb, table(b, "Port_Binding")) {
		int dp = our_dp(b, ovsdb_row_uuid(pb, "datapath"));
		const char *type = ovsdb_row_str(pb, "type"), *ch = ovsdb_row_uuid(pb, "chassis");
		int64_t key = ovsdb_row_int(pb, "tunnel_key", 0);
		int c;

		if (dp < 0 || (type && type[0]) || !ch || key <= 0 || key >= OVN_MAP_MC_MIN)
			continue;
		if (b->chassis && !strcasecmp(ch, b->chassis))
			c = OVN_MAP_LOCAL;
		else if ((c = remote_chassis(b, ch)) < 0)
			continue; /* no tunnel of our type to it */
		else if (add_vif(b, dp, c, (uint16_t)key))
			return error_set(e, -ENOMEM, "out of memory");
		for (size_t i = 0; i < ovsdb_row_count(pb, "mac"); i++) {
			uint8_t mac[6];
			int rc;

			if (!ovn_dp_parse_mac(json_object_get_string(ovsdb_row_elem(pb, "mac", i)), mac))
				continue; /* "unknown", "router", "dynamic" */
			rc = ovn_map_add_mac(b->m, (unsigned)dp, mac, (unsigned)c, (uint16_t)key);
			if (rc == -ENOMEM || rc == -ENOSPC)
				return error_set(e, rc, "too many logical port MACs");
		}
	}
	return 0;
}

/* The map index of our datapath with tunnel key k, or -1. */
static int dp_by_key(const struct build *b, int64_t k)
{
	for (unsigned i = 0; i < b->ndp; i++)
		if (b->m->dp[b->dp_index[i]].key == k)
			return b->dp_index[i];
	return -1;
}

/*
 * MACs that other chassis learned on their `unknown`-address VIFs (the
 * FDB table, written by their ovn-controllers: mac, dp_key, port_key):
 * unicast to that chassis and port instead of to _MC_unknown.  A row
 * naming no remote VIF of our datapaths is ignored; a MAC a logical port
 * has keeps that port (added before).
 */
static int add_fdb(struct build *b, struct error *e)
{
	OVSDB_FOR_EACH_ROW(f, table(b, "FDB")) {
		const char *s = ovsdb_row_str(f, "mac");
		int64_t pk = ovsdb_row_int(f, "port_key", 0);
		int dp = dp_by_key(b, ovsdb_row_int(f, "dp_key", 0));
		uint8_t mac[6];

		if (dp < 0 || !s || strlen(s) != 17 || !ovn_dp_parse_mac(s, mac))
			continue;
		for (unsigned i = 0; i < b->nvifs; i++) {
			int rc;

			if (b->vifs[i].dp != dp || b->vifs[i].key != pk)
				continue;
			rc = ovn_map_add_mac(b->m, (unsigned)dp, mac, (unsigned)b->vifs[i].chassis,
					     b->vifs[i].key);
			if (rc == -ENOMEM || rc == -ENOSPC)
				return error_set(e, rc, "too many logical port MACs");
			break;
		}
	}
	return 0;
}

/* The chassis of _MC_flood and _MC_unknown of our datapaths. */
static int add_groups(struct build *b, struct error *e)
{
	OVSDB_FOR_EACH_ROW(mg, table(b, "Multicast_Group")) {
		int dp = our_dp(b, ovsdb_row_uuid(mg, "datapath"));
		const char *name = ovsdb_row_str(mg, "name");
		bool unknown;

		if (dp < 0 || !name)
			continue;
		if (!strcmp(name, "_MC_flood"))
			unknown = false;
		else if (!strcmp(name, "_MC_unknown"))
			unknown = true;
		else
			continue;
		for (size_t i = 0; i < ovsdb_row_count(mg, "ports"); i++) {
			const struct ovsdb_row *pb = ovsdb_table_get(table(b, "Port_Binding"),
				ovsdb_atom_uuid(ovsdb_row_elem(mg, "ports", i)));
			int c = remote_chassis(b, ovsdb_row_uuid(pb, "chassis"));
			int rc;

			if (c < 0)
				continue;
			rc = ovn_map_add_member(b->m, (unsigned)dp, unknown, (unsigned)c);
			if (rc == -ENOMEM || rc == -ENOSPC)
				return error_set(e, rc, "too many multicast group members");
		}
	}
	return 0;
}

int ovn_dp_build(struct ovsdb_cache *sb, const char *chassis, const char *encap_type,
		 struct ovn_dp_port *ports, unsigned n, uint32_t vlan_key[OVN_MAP_VLANS],
		 struct ovn_map **out, struct error *e)
{
	struct build *b = calloc(1, sizeof(*b));
	int rc;

	*out = NULL;
	if (!b || !(b->m = ovn_map_new())) {
		free(b);
		return error_set(e, -ENOMEM, "out of memory");
	}
	b->sb = sb;
	b->chassis = chassis;
	b->encap_type = encap_type;
	if (!(rc = add_locals(b, ports, n, vlan_key, e)) && !(rc = add_macs(b, e)) &&
	    !(rc = add_fdb(b, e)) && !(rc = add_groups(b, e)) && (rc = ovn_map_finish(b->m)))
		error_set(e, rc, "out of memory");
	if (rc)
		ovn_map_free(b->m);
	else
		*out = b->m;
	free(b->vifs);
	free(b);
	return rc;
}
