/* SPDX-License-Identifier: MIT */
/* The run directory and the VM records in it (vm_record.h). */
#include "tools/vm_record.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/vm.h"

char vm_run_dir[PATH_MAX];

void vm_run_dir_set(const char *dir)
{
	snprintf(vm_run_dir, sizeof(vm_run_dir), "%s", dir);
}

void vm_run_dir_default(const char *control)
{
	const char *slash = strrchr(control, '/');

	if (vm_run_dir[0])
		return;
	snprintf(vm_run_dir, sizeof(vm_run_dir), "%.*s/vms", slash ? (int)(slash - control) : 1,
		 slash ? control : ".");
}

void vm_run_dir_create(void)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", vm_run_dir);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		die(1, "--run-dir: cannot create %s: %s", vm_run_dir, strerror(errno));
}

void vm_path(char *buf, size_t len, const char *name, const char *suffix)
{
	if (!fmt(buf, len, "%s/%s.%s", vm_run_dir, name, suffix))
		die(1, "--run-dir: '%s' is too long", vm_run_dir);
}

struct json_object *vm_record_read(const char *name)
{
	char path[PATH_MAX];

	vm_path(path, sizeof(path), name, "json");
	return access(path, F_OK) ? NULL : json_object_from_file(path);
}

void vm_record_write(const char *name, struct json_object *rec)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];

	vm_path(path, sizeof(path), name, "json");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_object_to_file_ext(tmp, rec, JSON_C_TO_STRING_PRETTY) || rename(tmp, path))
		note("cannot write %s: %s", path, strerror(errno));
}

void vm_record_remove(const char *name)
{
	static const char *const suffixes[] = { "json", "qmp", "console", "lock", "m.qmp",
						"m.console", "migrate", "migrate-req", "incoming" };
	char path[PATH_MAX];

	char sub[PATH_MAX + 16];

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		vm_path(path, sizeof(path), name, suffixes[i]);
		unlink(path);
	}
	/* --user's directory: QEMU's console and monitor sockets */
	vm_path(path, sizeof(path), name, "d");
	snprintf(sub, sizeof(sub), "%s/console", path);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/qmp", path);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/console.m", path);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/qmp.m", path);
	unlink(sub);
	rmdir(path);
}
