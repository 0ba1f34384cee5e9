/* SPDX-License-Identifier: MIT */
/* key=value options of a port, shared by every kind (port_opts.h). */
#include "port/port_opts.h"

#include <errno.h>
#include <string.h>

#include "util/parse.h"

const char *port_opt_get(struct port_opts *o, const char *key)
{
	for (unsigned i = 0; i < o->n; i++)
		if (!strcmp(o->kv[i].key, key)) {
			o->kv[i].used = true;
			return o->kv[i].value;
		}
	return NULL;
}

int port_opts_check_unused(const struct port_opts *o, struct error *e)
{
	for (unsigned i = 0; i < o->n; i++)
		if (!o->kv[i].used)
			return error_set(e, -EINVAL, "%s: unknown option for this port type",
					 o->kv[i].key);
	return 0;
}

int port_opt_uint(struct port_opts *o, const char *key, unsigned min, unsigned max,
		  unsigned *out, struct error *e)
{
	const char *v = port_opt_get(o, key);
	uint64_t n;

	if (!v)
		return 0;
	/* strtoul would take " 10", "+10" and "-18446744073709551606" */
	if (!parse_uint(v, min, max, &n))
		return error_set(e, -EINVAL, "%s: '%s' is not a number from %u to %u", key, v,
				 min, max);
	*out = (unsigned)n;
	return 0;
}
