/* SPDX-License-Identifier: MIT */
/* The helpers every uvnet-vm command uses (vm.h). */
#include "tools/vm.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/client.h"
#include "util/parse.h"

#ifndef UVNET_GUEST_SCRIPTS
#define UVNET_GUEST_SCRIPTS ""
#endif

const char *vm_control = CONTROL_DEFAULT_SOCKET;

static void vmessage(const char *fmt, va_list ap)
{
	fprintf(stderr, "uvnet-vm: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	exit(status);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
}

bool fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < len;
}

const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_string(v)
		? json_object_get_string(v) : "";
}

int jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int(v) : 0;
}

bool valid_name(const char *s)
{
	return parse_name_n(s, strlen(s), VM_NAME_MAX_LEN + 1);
}

static bool executable(char *out, size_t len, const char *dir, const char *script)
{
	return fmt(out, len, "%s/%s", dir, script) && !access(out, X_OK);
}

bool find_guest_script(const char *script, char *out, size_t len)
{
	char exe[PATH_MAX], dir[PATH_MAX];
	const char *env = getenv("UVNET_GUEST_SCRIPTS");
	ssize_t n;

	if (env && *env && executable(out, len, env, script))
		return true;
	if (UVNET_GUEST_SCRIPTS[0] && executable(out, len, UVNET_GUEST_SCRIPTS, script))
		return true;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	if (strrchr(exe, '/'))
		*strrchr(exe, '/') = '\0';
	if (fmt(dir, sizeof(dir), "%s/../../scripts/guest", exe) && executable(out, len, dir, script))
		return true;
	return fmt(dir, sizeof(dir), "%s/../share/uvnet/guest", exe) &&
	       executable(out, len, dir, script);
}

const char *cache_dir(void)
{
	const char *c = getenv("UVNET_CACHE");

	return c && *c ? c : "/var/cache/uvnet";
}
