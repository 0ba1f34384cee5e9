/* SPDX-License-Identifier: MIT */
/*
 * The one way uvnet reports a failure with a reason.
 *
 * Functions return 0 or a negative errno.  One that can say *why* takes a
 * `struct error *` and fills it where the fault is known (the layer that
 * parsed the bad field, met the bad descriptor, got the refusal); the
 * layer that talks to a person prints e->msg.  A message names the bad
 * thing first ("tag: '4096' is not a VLAN id (0-4095)").
 *
 *	if (value > 4095)
 *		return error_set(e, -EINVAL, "tag: '%s' is not a VLAN id (0-4095)", s);
 *
 * A caller that adds context wraps the message: error_prefix(e, "port %s", name)
 * turns "tag: ..." into "port vm1: tag: ...".  `e` may be NULL: the code is
 * still returned.  Objects that stay broken (a ring, a connection) keep
 * their reason in a struct error of their own.
 */
#ifndef UVNET_UTIL_ERROR_H
#define UVNET_UTIL_ERROR_H

#include <stdarg.h>

#define ERROR_MSG_MAX 256

struct error {
	int code;                   /* negative errno; 0 = no error */
	char msg[ERROR_MSG_MAX];
};

/* Record code and the formatted message; returns code. */
int error_set(struct error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same with a va_list (for a function that formats on behalf of its
 * caller); returns code. */
int error_vset(struct error *e, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Put "PREFIX: " in front of the message already recorded; returns e->code. */
int error_prefix(struct error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void error_clear(struct error *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}

#endif
