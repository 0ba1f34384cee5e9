/* SPDX-License-Identifier: MIT */
/*
 * Users and groups of the host, named by people (owner=, group=,
 * socket-group=): a name of 1-32 characters of "A-Z a-z 0-9 . _ -", not
 * starting with '-' (a trailing '$' allowed, as useradd's), looked up in
 * the host's user database, or a decimal id.  Control thread only (the
 * lookups use getpwnam()/getgrnam()).
 */
#ifndef UVNET_UTIL_ACCOUNT_H
#define UVNET_UTIL_ACCOUNT_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

#define ACCOUNT_NAME_MAX 33     /* 32 characters */

/* Is s a name or a decimal id as above (nothing is looked up)? */
bool account_valid(const char *s);

/* The uid of user s, or its id; -EINVAL (not a name), -ENOENT (no such
 * user) with e saying so ("'x' is not a user name or id"). */
int account_user(const char *s, uid_t *uid, struct error *e);
/* The same for groups. */
int account_group(const char *s, gid_t *gid, struct error *e);

#endif
