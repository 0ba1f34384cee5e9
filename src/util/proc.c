/* SPDX-License-Identifier: MIT */
#include "util/proc.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/parse.h"

/* /proc/PID/stat after the command name (which may hold ')'): "S ppid ...";
 * NULL when there is no such process. */
static const char *read_stat(pid_t pid, char *buf, size_t len)
{
	char path[64], *rp;
	ssize_t r;
	int fd;

	if (pid <= 0)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r <= 0)
		return NULL;
	buf[r] = '\0';
	rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' ? rp + 2 : NULL;
}

bool proc_alive(pid_t pid)
{
	char buf[1024];
	const char *st = read_stat(pid, buf, sizeof(buf));

	return st && st[0] != 'Z' && st[0] != 'X';
}

unsigned long long proc_start_time(pid_t pid)
{
	char buf[1024];
	const char *p = read_stat(pid, buf, sizeof(buf));
	uint64_t v;

	/* the state is field 3; starttime field 22 */
	for (int field = 3; p && field < 22; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || !parse_uint_n(p, strcspn(p, " "), 0, UINT64_MAX, &v))
		return 0;
	return v;
}
