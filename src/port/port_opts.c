/* SPDX-License-Identifier: MIT */
/* key=value options of a port, shared by every kind. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/port.h"

const char *port_opt_get(struct port_opts *o, const char *key)
{
	for (unsigned i = 0; i < o->n; i++)
		if (!strcmp(o->kv[i].key, key)) {
			o->kv[i].used = true;
			return o->kv[i].value;
		}
	return NULL;
}

int port_opts_check_unused(const struct port_opts *o, char *err, size_t errlen)
{
	for (unsigned i = 0; i < o->n; i++)
		if (!o->kv[i].used) {
			snprintf(err, errlen, "%s: unknown option for this port type", o->kv[i].key);
			return -EINVAL;
		}
	return 0;
}

int port_opt_uint(struct port_opts *o, const char *key, unsigned min, unsigned max,
		  unsigned *out, char *err, size_t errlen)
{
	const char *v = port_opt_get(o, key);
	unsigned long n;
	char *end;

	if (!v)
		return 0;
	n = strtoul(v, &end, 10);
	if (*end || end == v || n < min || n > max) {
		snprintf(err, errlen, "%s: '%s' is not a number from %u to %u", key, v, min, max);
		return -EINVAL;
	}
	*out = (unsigned)n;
	return 0;
}
