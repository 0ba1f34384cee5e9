/* SPDX-License-Identifier: MIT */
/*
 * A port's options: the "key=value" words of add-port (or of the state
 * file), shared by every port kind.  port_opt_get() marks a key as used;
 * once a kind has read everything it knows, port_opts_check_unused() names
 * the first key nobody asked for ("colour: unknown option for this port
 * type").  Values are not copied: they point into the caller's words.
 */
#ifndef UVNET_PORT_PORT_OPTS_H
#define UVNET_PORT_PORT_OPTS_H

#include <stdbool.h>

#include "util/error.h"

#define PORT_MAX_OPTS 16

struct port_opts {
	unsigned n;
	struct { char key[32]; const char *value; bool used; } kv[PORT_MAX_OPTS];
};

/* The value of key, or NULL; marks key as used. */
const char *port_opt_get(struct port_opts *o, const char *key);

/*
 * An optional number: *out is left alone when key is absent.  The value
 * must be a number as util/parse.h's parse_uint() reads them (decimal
 * digits only: no sign, space, "0x" or leading zero) from min to max, else
 * -EINVAL with "KEY: 'VALUE' is not a number from MIN to MAX".
 */
int port_opt_uint(struct port_opts *o, const char *key, unsigned min, unsigned max,
		  unsigned *out, struct error *e);

/* -EINVAL naming the first key no port_opt_get() asked for; else 0. */
int port_opts_check_unused(const struct port_opts *o, struct error *e);

#endif
