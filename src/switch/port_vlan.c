/* SPDX-License-Identifier: MIT */
/*
 * Per-port VLAN configuration: parsing and formatting trunk lists (the
 * per-frame decisions are inline in port_vlan.h).
 */
#include "switch/port_vlan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/parse.h"

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
	size_t n = strspn(*s, "0123456789");
	uint64_t v;

	if (!n)
		return "not a VLAN id";
	if (n > 4 || (parse_uint_n(*s, n, 0, 9999, &v) && v > VLAN_ID_MAX))
		return "VLAN id above 4095";
	if (!parse_uint_n(*s, n, 0, VLAN_ID_MAX, &v))
		return "not a VLAN id (no leading zeros)";
	*id = (unsigned)v;
	*s += n;
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

int port_vlan_parse_trunks(struct port_vlan *pv, const char *list, struct error *e)
{
	uint64_t map[sizeof(pv->trunks) / sizeof(pv->trunks[0])] = { 0 };
	const char *item = list;

	for (;;) {
		const char *end = strchrnul(item, ',');
		const char *why = parse_item(item, end, map);

		if (why)
			return error_set(e, -EINVAL, "VLAN list item \"%.*s\": %s",
					 (int)(end - item), item, why);
		if (!*end)
			break;
		item = end + 1;
	}
	memcpy(pv->trunks, map, sizeof(map));
	pv->mode = PORT_VLAN_TRUNK;
	return 0;
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

		if (!port_vlan_map_has(map, v))
			continue;
		while (end < VLAN_ID_MAX && port_vlan_map_has(map, end + 1))
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
