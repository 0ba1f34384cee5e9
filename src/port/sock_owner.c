/* SPDX-License-Identifier: MIT */
#include "port/sock_owner.h"

#include <errno.h>

#include "util/account.h"
#include "util/parse.h"

int sock_owner_parse(struct port_opts *o, bool server, struct sock_owner *out, struct error *e)
{
	static const char *const keys[] = { "owner", "group", "perm" };
	const char *val[3];

	*out = (struct sock_owner){ (uid_t)-1, (gid_t)-1, SOCK_OWNER_DEFAULT_MODE };
	for (unsigned i = 0; i < 3; i++) {
		val[i] = port_opt_get(o, keys[i]);
		if (val[i] && !server)
			return error_set(e, -EINVAL,
					 "%s: only a port in server mode makes its socket (this one connects to the front-end's)",
					 keys[i]);
	}
	if (val[0] && account_user(val[0], &out->uid, e))
		return error_prefix(e, "owner");
	if (val[1] && account_group(val[1], &out->gid, e))
		return error_prefix(e, "group");
	if (val[2] && !parse_octal_mode(val[2], 0777, &out->mode))
		return error_set(e, -EINVAL, "perm: '%s' is not a mode of 1-4 octal digits up to 0777",
				 val[2]);
	return 0;
}
