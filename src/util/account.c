/* SPDX-License-Identifier: MIT */
#include "util/account.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "util/parse.h"

/* The largest id that is not (uid_t)-1 / (gid_t)-1, "no change" to chown(). */
#define ACCOUNT_ID_MAX 4294967294u

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

bool account_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	uint64_t id;

	if (n == 0 || n >= ACCOUNT_NAME_MAX || s[0] == '-')
		return false;
	if (s[0] >= '0' && s[0] <= '9' && strspn(s, "0123456789") == n)
		return parse_uint(s, 0, ACCOUNT_ID_MAX, &id);
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i]) && !(s[i] == '$' && i > 0 && i == n - 1))
			return false;
	return true;
}

static bool numeric(const char *s, uint64_t *id)
{
	return parse_uint(s, 0, ACCOUNT_ID_MAX, id);
}

int account_user(const char *s, uid_t *uid, struct error *e)
{
	struct passwd *pw;
	uint64_t id;

	if (!account_valid(s))
		return error_set(e, -EINVAL, "'%s' is not a user name or id", s ? s : "");
	if (numeric(s, &id)) {
		*uid = (uid_t)id;
		return 0;
	}
	errno = 0;
	if (!(pw = getpwnam(s)))
		return error_set(e, -ENOENT, "no user named '%s'", s);
	*uid = pw->pw_uid;
	return 0;
}

int account_group(const char *s, gid_t *gid, struct error *e)
{
	struct group *gr;
	uint64_t id;

	if (!account_valid(s))
		return error_set(e, -EINVAL, "'%s' is not a group name or id", s ? s : "");
	if (numeric(s, &id)) {
		*gid = (gid_t)id;
		return 0;
	}
	errno = 0;
	if (!(gr = getgrnam(s)))
		return error_set(e, -ENOENT, "no group named '%s'", s);
	*gid = gr->gr_gid;
	return 0;
}
