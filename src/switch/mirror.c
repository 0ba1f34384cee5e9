/* SPDX-License-Identifier: MIT */
/*
 * Mirrors as an operator writes them (mirror.h): the strict parser of
 * add-mirror's words, and the words that make a mirror again (the state
 * file, show).  Everything here runs on the control thread.
 */
#include "switch/mirror.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/parse.h"

static bool in_list(const char (*list)[PORT_NAME_MAX], unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

/* "a,b,c" into list (at most MIRROR_MAX_SELECT distinct port names). */
static int parse_ports(const char *key, const char *v, char (*list)[PORT_NAME_MAX], unsigned *n,
		       struct error *e)
{
	*n = 0;
	for (const char *item = v;; ) {
		const char *end = strchrnul(item, ',');
		size_t len = (size_t)(end - item);

		if (!parse_name_n(item, len, PORT_NAME_MAX))
			return error_set(e, -EINVAL, "%s: '%.*s' is not a port name (1-%d of A-Z a-z 0-9 - _ .)",
					 key, (int)(len > 64 ? 64 : len), item, PORT_NAME_MAX - 1);
		if (*n == MIRROR_MAX_SELECT)
			return error_set(e, -E2BIG, "%s: more than %d ports", key, MIRROR_MAX_SELECT);
		memcpy(list[*n], item, len);
		list[*n][len] = '\0';
		if (in_list(list, *n, list[*n]))
			return error_set(e, -EINVAL, "%s: port %s named twice", key, list[*n]);
		(*n)++;
		if (!*end)
			return 0;
		item = end + 1;
	}
}

static int parse_vlans(struct mirror_spec *m, const char *v, struct error *e)
{
	struct port_vlan pv;
	struct error why;

	port_vlan_init(&pv);
	if (port_vlan_parse_trunks(&pv, v, &why))
		return error_set(e, -EINVAL, "select-vlan: %s", why.msg);
	memcpy(m->vlans, pv.trunks, sizeof(m->vlans));
	m->some_vlans = true;
	return 0;
}

/* One key=value word; `seen` marks the keys given so far. */
static int parse_word(struct mirror_spec *m, const char *w, unsigned *seen, struct error *e)
{
	static const char *const keys[] = { "select-src", "select-dst", "select-vlan", "output" };
	const char *eq = strchr(w, '=');
	size_t klen = eq ? (size_t)(eq - w) : 0;
	unsigned k;

	for (k = 0; k < 4; k++)
		if (eq && strlen(keys[k]) == klen && !strncmp(w, keys[k], klen))
			break;
	if (k == 4)
		return error_set(e, -EINVAL, "%.*s: unknown mirror option (select-src=, select-dst=, "
				 "select-vlan=, output=)", eq ? (int)(klen > 64 ? 64 : klen) : 64, w);
	if (*seen & 1u << k)
		return error_set(e, -EINVAL, "%s: given twice", keys[k]);
	*seen |= 1u << k;
	switch (k) {
	case 0: return parse_ports(keys[k], eq + 1, m->src, &m->nsrc, e);
	case 1: return parse_ports(keys[k], eq + 1, m->dst, &m->ndst, e);
	case 2: return parse_vlans(m, eq + 1, e);
	default:
		if (!parse_name_n(eq + 1, strlen(eq + 1), PORT_NAME_MAX))
			return error_set(e, -EINVAL, "output: '%.64s' is not a port name", eq + 1);
		snprintf(m->output, sizeof(m->output), "%s", eq + 1);
		return 0;
	}
}

int mirror_spec_parse(struct mirror_spec *m, const char *const *w, unsigned n, struct error *e)
{
	unsigned seen = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	if (n == 0 || !parse_name_n(w[0], strlen(w[0]), MIRROR_NAME_MAX))
		return error_set(e, -EINVAL, "mirror: '%.64s' is not a valid name (1-%d of A-Z a-z 0-9 - _ .)",
				 n ? w[0] : "", MIRROR_NAME_MAX - 1);
	snprintf(m->name, sizeof(m->name), "%s", w[0]);
	for (unsigned i = 1; i < n; i++)
		if ((rc = parse_word(m, w[i], &seen, e)))
			return rc;
	if (!m->output[0])
		return error_set(e, -EINVAL, "output: missing (output=PORT: where the mirrored frames go)");
	if (!m->nsrc && !m->ndst)
		return error_set(e, -EINVAL, "select-src, select-dst: give at least one (which ports to mirror)");
	if (in_list(m->src, m->nsrc, m->output) || in_list(m->dst, m->ndst, m->output))
		return error_set(e, -EINVAL, "output: %s is also selected (a port cannot mirror to itself)",
				 m->output);
	return 0;
}

static char *join(const char *key, const char (*list)[PORT_NAME_MAX], unsigned n)
{
	size_t len = strlen(key) + 2 + (size_t)n * PORT_NAME_MAX;
	char *s = malloc(len), *p;

	if (!s)
		return NULL;
	p = s + sprintf(s, "%s=", key);
	for (unsigned i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", list[i]);
	return s;
}

static char *vlan_word(const struct mirror_spec *m)
{
	struct port_vlan pv;
	char *s = malloc(PORT_VLAN_FORMAT_MAX + 16), *list;

	if (!s)
		return NULL;
	port_vlan_init(&pv);
	pv.mode = PORT_VLAN_TRUNK;
	memcpy(pv.trunks, m->vlans, sizeof(pv.trunks));
	port_vlan_format(&pv, s, PORT_VLAN_FORMAT_MAX); /* "trunk LIST" */
	list = strchr(s, ' ') + 1;
	memmove(s + strlen("select-vlan="), list, strlen(list) + 1);
	memcpy(s, "select-vlan=", strlen("select-vlan="));
	return s;
}

int mirror_spec_words(const struct mirror_spec *m, char *w[4])
{
	int n = 0;

	if (m->nsrc)
		w[n++] = join("select-src", m->src, m->nsrc);
	if (m->ndst)
		w[n++] = join("select-dst", m->dst, m->ndst);
	if (m->some_vlans)
		w[n++] = vlan_word(m);
	if (asprintf(&w[n++], "output=%s", m->output) < 0)
		w[n - 1] = NULL;
	for (int i = 0; i < n; i++)
		if (!w[i]) {
			for (int k = 0; k < n; k++)
				free(w[k]);
			return -ENOMEM;
		}
	return n;
}

bool mirror_spec_uses(const struct mirror_spec *m, const char *name)
{
	return !strcmp(m->output, name) || in_list(m->src, m->nsrc, name) ||
	       in_list(m->dst, m->ndst, name);
}

static void drop_from(char (*list)[PORT_NAME_MAX], unsigned *n, const char *name)
{
	for (unsigned i = 0; i < *n; i++)
		if (!strcmp(list[i], name)) {
			memmove(list[i], list[i + 1], (size_t)(*n - i - 1) * PORT_NAME_MAX);
			(*n)--;
			return;
		}
}

void mirror_spec_unselect(struct mirror_spec *m, const char *name)
{
	drop_from(m->src, &m->nsrc, name);
	drop_from(m->dst, &m->ndst, name);
}
