/* SPDX-License-Identifier: MIT */
/* The daemon fuzz targets' sandbox and daemon (fuzz_daemon.h). */
#include "fuzz_daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "util/log.h"

static char workdir[] = "/tmp/uvnet-fuzz-daemon.XXXXXX";

static void die(const char *what)
{
	fprintf(stderr, "fuzz_daemon: %s: %s (the daemon targets need namespaces: run as root)\n",
		what, strerror(errno));
	exit(1);
}

static void remove_workdir(void)
{
	rmdir(workdir); /* emptied after every input */
}

static void sandbox(void)
{
	int flags = CLONE_NEWNS | CLONE_NEWNET;

	if (geteuid() != 0)
		flags |= CLONE_NEWUSER;
	if (unshare(flags))
		die("unshare");
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die("making mounts private");
	if (mount("tmpfs", "/usr/sbin", "tmpfs", MS_RDONLY, "size=4k"))
		die("hiding /usr/sbin");
	/* /sbin is a link to usr/sbin on a merged-/usr system */
	if (mount("tmpfs", "/sbin", "tmpfs", MS_RDONLY, "size=4k") && errno != ENOTDIR &&
	    errno != EBUSY && errno != EINVAL)
		die("hiding /sbin");
	if (!mkdtemp(workdir))
		die("temporary directory");
	atexit(remove_workdir);
}

/* libFuzzer reads and writes its corpus relative to where it started: the
 * daemon works in workdir only while it runs an input. */
static int home_fd = -1;

static void enter(void)
{
	if (home_fd < 0 && (home_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die("the working directory");
	if (chdir(workdir))
		die("temporary directory");
}

struct daemon *fuzz_daemon(void)
{
	static struct daemon d;
	static bool started;
	struct daemon_config cfg = { .control_path = "ctl.sock", .workers = 1, .poll = POLL_EVENT };
	struct error e;

	if (started) {
		enter();
		return &d;
	}
	sandbox();
	enter();
	log_set_level(LOG_LEVEL_ERROR);
	if (log_set_file("/dev/null"))
		die("log");
	if (daemon_start(&d, &cfg, &e)) {
		fprintf(stderr, "fuzz_daemon: %s\n", e.msg);
		exit(1);
	}
	started = true;
	return &d;
}

void fuzz_daemon_reset(struct daemon *d)
{
	struct error e;
	struct dirent *de;
	DIR *dir;

	for (unsigned i = 0; i < NETWORK_MAX; i++) {
		struct network *n = d->networks[i];

		if (!n)
			continue;
		if (n->active)
			daemon_net_stop(d, n->name, &e);
		daemon_net_undefine(d, n->name, &e);
	}
	for (unsigned b = 0; b < DAEMON_MAX_BRIDGES; b++)
		if (d->bridges[b].sw) {
			char name[BRIDGE_NAME_MAX], owner[NETWORK_NAME_MAX];

			snprintf(name, sizeof(name), "%s", d->bridges[b].sw->name);
			snprintf(owner, sizeof(owner), "%s", d->bridges[b].owner);
			daemon_del_bridge(d, name, owner[0] ? owner : NULL, &e);
		}
	d->dirty = false;
	if ((dir = opendir("."))) {
		while ((de = readdir(dir)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlink(de->d_name);
		closedir(dir);
	}
	if (fchdir(home_fd))
		die("back to the working directory");
}

bool fuzz_daemon_input_ok(const uint8_t *data, size_t size)
{
	return !memchr(data, '/', size) && !memchr(data, '\\', size);
}
