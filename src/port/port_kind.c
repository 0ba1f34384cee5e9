/* SPDX-License-Identifier: MIT */
/* The registry of port kinds (port_kind.h). */
#include "port/port_kind.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The built-in kinds, one line each; the order is the one users see. */
static const struct port_kind *const builtin[] = {
	&vhost_port_kind,
	&tap_port_kind,
	&afpacket_port_kind,
	&vxlan_port_kind,
	&ovn_tunnel_port_kind,
};

#define NBUILTIN (sizeof(builtin) / sizeof(builtin[0]))

_Static_assert(NBUILTIN <= PORT_KIND_MAX, "PORT_KIND_MAX leaves room for the built-in kinds");

static const struct port_kind *registered[PORT_KIND_MAX - NBUILTIN];
static unsigned nregistered;

const struct port_kind *port_kind_find(const char *name)
{
	for (unsigned i = 0; i < NBUILTIN; i++)
		if (!strcmp(builtin[i]->name, name))
			return builtin[i];
	for (unsigned i = 0; i < nregistered; i++)
		if (!strcmp(registered[i]->name, name))
			return registered[i];
	return NULL;
}

int port_kind_register(const struct port_kind *k)
{
	if (!k->name || !*k->name || !k->create)
		return -EINVAL;
	if (port_kind_find(k->name))
		return -EEXIST;
	if (nregistered == sizeof(registered) / sizeof(registered[0]))
		return -ENOSPC;
	registered[nregistered++] = k;
	return 0;
}

void port_kind_foreach(void (*fn)(const struct port_kind *k, void *arg), void *arg)
{
	for (unsigned i = 0; i < NBUILTIN; i++)
		fn(builtin[i], arg);
	for (unsigned i = 0; i < nregistered; i++)
		fn(registered[i], arg);
}

struct name_list {
	const char *sep;
	char buf[ERROR_MSG_MAX];
	size_t len;
};

static void add_name(const struct port_kind *k, void *arg)
{
	struct name_list *l = arg;
	int n;

	if (l->len >= sizeof(l->buf))
		return;
	n = snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%s", l->len ? l->sep : "",
		     k->name);
	l->len += n > 0 ? (size_t)n : 0;
}

int port_create(const char *kind, const char *name, struct port_opts *o, struct port_env *env,
		struct port **out, struct error *e)
{
	const struct port_kind *k = kind ? port_kind_find(kind) : NULL;
	struct name_list known = { .sep = kind ? ", " : "|" };

	if (k)
		return k->create(name, o, env, out, e);
	port_kind_foreach(add_name, &known);
	if (!kind)
		return error_set(e, -EINVAL, "type: a port needs type=%s", known.buf);
	return error_set(e, -EINVAL, "type: '%s' is not a port type (%s)", kind, known.buf);
}
