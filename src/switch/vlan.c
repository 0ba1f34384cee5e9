/* SPDX-License-Identifier: MIT */
/*
 * Per-port VLAN configuration: parsing and formatting trunk lists, and the
 * ingress classification and egress decision per frame (see vlan.h for the
 * rules of each mode).
 */
#include "vlan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ETH_HDR_LEN 14
#define VLAN_TAG_LEN 4

static bool has(const uint64_t *map, unsigned vlan)
{
	return map[vlan / 64] >> (vlan % 64) & 1;
}

void port_vlan_init(struct port_vlan *pv)
{
	memset(pv, 0, sizeof(*pv));
}

int port_vlan_set_access(struct port_vlan *pv, uint16_t tag)
{
	if (tag > VLAN_ID_MAX)
		return -EINVAL;
	pv->mode = PORT_VLAN_ACCESS;
	pv->tag = tag;
	return 0;
}

int port_vlan_set_native(struct port_vlan *pv, uint16_t vlan)
{
	if (vlan > VLAN_ID_MAX)
		return -EINVAL;
	pv->has_native = true;
	pv->native = vlan;
	return 0;
}

/* Decimal VLAN id at *s, advancing *s past it; NULL or why it is bad. */
static const char *parse_id(const char **s, unsigned *id)
{
	const char *p = *s;
	unsigned v = 0;

	if (*p < '0' || *p > '9')
		return "not a VLAN id";
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > VLAN_ID_MAX)
			return "VLAN id above 4095";
	}
	*id = v;
	*s = p;
	return NULL;
}

/* Add item [item, end), "N" or "N-M", to map; NULL or why it is bad. */
static const char *parse_item(const char *item, const char *end, uint64_t *map)
{
	const char *p = item, *why;
	unsigned lo, hi;

	if (item == end)
		return "empty item";
	why = parse_id(&p, &lo);
	if (why)
		return why;
	hi = lo;
	if (*p == '-') {
		p++;
		why = parse_id(&p, &hi);
		if (why)
			return why;
		if (hi < lo)
			return "reversed range";
	}
	if (p != end)
		return "not a VLAN id or range";
	for (unsigned v = lo; v <= hi; v++)
		map[v / 64] |= 1ull << (v % 64);
	return NULL;
}

int port_vlan_parse_trunks(struct port_vlan *pv, const char *list,
			   char *err, size_t errlen)
{
	uint64_t map[sizeof(pv->trunks) / sizeof(pv->trunks[0])] = { 0 };
	const char *item = list;

	for (;;) {
		const char *end = strchrnul(item, ',');
		const char *why = parse_item(item, end, map);

		if (why) {
			if (err)
				snprintf(err, errlen, "VLAN list item \"%.*s\": %s",
					 (int)(end - item), item, why);
			return -EINVAL;
		}
		if (!*end)
			break;
		item = end + 1;
	}
	memcpy(pv->trunks, map, sizeof(map));
	pv->mode = PORT_VLAN_TRUNK;
	return 0;
}

/* VLAN of a frame whose tag says `vid` (0: no tag, or a priority tag), or -1. */
static int classify(const struct port_vlan *pv, unsigned vid)
{
	switch (pv->mode) {
	case PORT_VLAN_ACCESS:
		return vid ? -1 : pv->tag;
	case PORT_VLAN_TRUNK:
		if (vid)
			return has(pv->trunks, vid) ||
			       (pv->has_native && vid == pv->native) ? (int)vid : -1;
		if (pv->has_native)
			return pv->native;
		return has(pv->trunks, 0) ? 0 : -1;
	case PORT_VLAN_ALL:
		break;
	}
	return (int)vid;
}

bool vlan_ingress(const struct port_vlan *pv, const uint8_t *eth, size_t len,
		  uint16_t *vlan, uint16_t *l2_len)
{
	uint16_t hlen = ETH_HDR_LEN;
	unsigned vid = 0;
	int v;

	if (len < ETH_HDR_LEN)
		return false;
	if ((eth[12] << 8 | eth[13]) == VLAN_TPID) {
		if (len < ETH_HDR_LEN + VLAN_TAG_LEN)
			return false;
		vid = (eth[14] << 8 | eth[15]) & VLAN_ID_MAX;
		hlen += VLAN_TAG_LEN;
	}
	v = classify(pv, vid);
	if (v < 0)
		return false;
	*vlan = (uint16_t)v;
	*l2_len = hlen;
	return true;
}

bool vlan_egress(const struct port_vlan *pv, uint16_t vlan, bool *tagged)
{
	bool native;

	if (vlan > VLAN_ID_MAX)
		return false;
	switch (pv->mode) {
	case PORT_VLAN_ACCESS:
		*tagged = false;
		return vlan == pv->tag;
	case PORT_VLAN_TRUNK:
		native = pv->has_native && vlan == pv->native;
		*tagged = vlan != 0 && !native;
		return native || has(pv->trunks, vlan);
	case PORT_VLAN_ALL:
		break;
	}
	*tagged = vlan != 0;
	return true;
}

/* Appending snprintf: len counts what would have been written. */
struct sbuf {
	char *buf;
	size_t size, len;
};

static void __attribute__((format(printf, 2, 3)))
put(struct sbuf *s, const char *fmt, ...)
{
	size_t room = s->len < s->size ? s->size - s->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? s->buf + s->len : NULL, room, fmt, ap);
	va_end(ap);
	s->len += (size_t)n;
}

static void put_list(struct sbuf *s, const uint64_t *map)
{
	const char *sep = "";

	for (unsigned v = 0; v <= VLAN_ID_MAX; v++) {
		unsigned end = v;

		if (!has(map, v))
			continue;
		while (end < VLAN_ID_MAX && has(map, end + 1))
			end++;
		if (end == v)
			put(s, "%s%u", sep, v);
		else
			put(s, "%s%u-%u", sep, v, end);
		sep = ",";
		v = end;
	}
}

int port_vlan_format(const struct port_vlan *pv, char *buf, size_t size)
{
	struct sbuf s = { buf, size, 0 };

	switch (pv->mode) {
	case PORT_VLAN_ACCESS:
		put(&s, "access tag=%u", pv->tag);
		break;
	case PORT_VLAN_TRUNK:
		put(&s, "trunk ");
		put_list(&s, pv->trunks);
		if (pv->has_native)
			put(&s, " native=%u", pv->native);
		break;
	case PORT_VLAN_ALL:
		put(&s, "all");
		break;
	}
	return s.len < size ? 0 : -ENOSPC;
}
