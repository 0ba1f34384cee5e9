/* SPDX-License-Identifier: MIT */
/* A network's address reservations (net_reserve.h). */
#include "daemon/net_reserve.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "daemon/ipv4.h"
#include "util/parse.h"

#define MAC_FMT "%02x:%02x:%02x:%02x:%02x:%02x"
#define MAC_ARGS(m) (m)[0], (m)[1], (m)[2], (m)[3], (m)[4], (m)[5]

struct net_reservation *net_reserve_find(struct net_reservations *rs, const uint8_t mac[6])
{
	for (unsigned i = 0; i < rs->n; i++)
		if (!memcmp(rs->r[i].mac, mac, 6))
			return &rs->r[i];
	return NULL;
}

static bool taken(const struct net_reservations *rs, uint32_t ip, const uint32_t *avoid,
		  unsigned navoid)
{
	for (unsigned i = 0; i < rs->n; i++)
		if (rs->r[i].ip == ip)
			return true;
	for (unsigned i = 0; i < navoid; i++)
		if (avoid[i] == ip)
			return true;
	return false;
}

int net_reserve(struct net_reservations *rs, uint32_t lo, uint32_t hi, const uint8_t mac[6],
		const char *port, const uint32_t *avoid, unsigned navoid, uint32_t prefer,
		uint32_t *ip, struct error *e)
{
	struct net_reservation *had = net_reserve_find(rs, mac);
	char a[INET_ADDRSTRLEN];

	if (had && strcmp(had->port, port))
		return error_set(e, -EEXIST, "mac: " MAC_FMT " has %s reserved already, for port %s",
				 MAC_ARGS(mac), ipv4_str(had->ip, a), had->port);
	if (had) {
		*ip = had->ip;
		return 0;
	}
	if (rs->n == NET_RESERVE_MAX)
		return error_set(e, -ENOSPC, "mac: the network holds %d reservations, its most",
				 NET_RESERVE_MAX);
	if (prefer < lo || prefer > hi || taken(rs, prefer, avoid, navoid))
		prefer = 0;
	for (uint64_t c = prefer ? prefer : lo; c <= hi; c++) {
		if (taken(rs, (uint32_t)c, avoid, navoid))
			continue;
		struct net_reservation *r = &rs->r[rs->n++];

		memcpy(r->mac, mac, 6);
		r->ip = (uint32_t)c;
		snprintf(r->port, sizeof(r->port), "%s", port);
		*ip = r->ip;
		return 1;
	}
	return error_set(e, -ENOSPC, "mac: no address left for " MAC_FMT " in the DHCP range "
			 "(%u reserved, %u leased to others)", MAC_ARGS(mac), rs->n, navoid);
}

unsigned net_reserve_release(struct net_reservations *rs, const char *port)
{
	unsigned gone = 0;

	for (unsigned i = 0; i < rs->n;) {
		if (strcmp(rs->r[i].port, port)) {
			i++;
			continue;
		}
		rs->r[i] = rs->r[--rs->n];
		gone++;
	}
	return gone;
}

int net_reserve_render(const struct net_reservations *rs, char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned i = 0; i < rs->n; i++) {
		char a[INET_ADDRSTRLEN];
		int k = snprintf(buf + off, len - off, "dhcp-host=" MAC_FMT ",%s\n", MAC_ARGS(rs->r[i].mac),
				 ipv4_str(rs->r[i].ip, a));

		if (k < 0 || (size_t)k >= len - off)
			return -ENOSPC;
		off += (size_t)k;
	}
	return (int)off;
}

struct json_object *net_reserve_json(const struct net_reservations *rs)
{
	struct json_object *arr = json_object_new_array();

	for (unsigned i = 0; i < rs->n; i++) {
		struct json_object *o = json_object_new_object();
		char mac[18], a[INET_ADDRSTRLEN];

		snprintf(mac, sizeof(mac), MAC_FMT, MAC_ARGS(rs->r[i].mac));
		json_object_object_add(o, "mac", json_object_new_string(mac));
		json_object_object_add(o, "ip", json_object_new_string(ipv4_str(rs->r[i].ip, a)));
		json_object_object_add(o, "port", json_object_new_string(rs->r[i].port));
		json_object_array_add(arr, o);
	}
	return arr;
}

static bool load_one(struct net_reservations *rs, struct json_object *o, uint32_t lo, uint32_t hi)
{
	struct json_object *jm, *ji, *jp;
	struct net_reservation r = { 0 };
	const char *port;

	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "mac", &jm) ||
	    !json_object_object_get_ex(o, "ip", &ji) || !json_object_object_get_ex(o, "port", &jp) ||
	    !json_object_is_type(jm, json_type_string) || !json_object_is_type(ji, json_type_string) ||
	    !json_object_is_type(jp, json_type_string))
		return false;
	port = json_object_get_string(jp);
	if (!parse_mac(json_object_get_string(jm), r.mac) || (r.mac[0] & 1) ||
	    !ipv4_parse(json_object_get_string(ji), &r.ip) || r.ip < lo || r.ip > hi || !*port ||
	    strlen(port) >= sizeof(r.port) || net_reserve_find(rs, r.mac) ||
	    taken(rs, r.ip, NULL, 0) || rs->n == NET_RESERVE_MAX)
		return false;
	strcpy(r.port, port);
	rs->r[rs->n++] = r;
	return true;
}

void net_reserve_load(struct net_reservations *rs, struct json_object *a, uint32_t lo, uint32_t hi,
		      unsigned *skipped)
{
	size_t n = json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;

	*skipped = a && !json_object_is_type(a, json_type_array);
	for (size_t i = 0; i < n; i++)
		*skipped += !load_one(rs, json_object_array_get_idx(a, i), lo, hi);
}
