/* SPDX-License-Identifier: MIT */
/*
 * A network's socket directory (sockdir.h): made with its group and mode,
 * watched with inotify from the control thread's loop, its sockets
 * attached as client-mode vhost-user ports through the daemon API.
 *
 *   RUN_DIR/          the admin's (/run/uvnet): must be searchable by front-ends
 *     net/            uvnetd's, 0755
 *       default/      uvnetd's, group socket-group, 2770
 *         vm1.sock    QEMU's (server) -> port vm1, client mode, owner "default"
 */
#include "daemon/sockdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/psec_spec.h"
#include "util/clock.h"
#include "util/log.h"

LOG_MODULE("sockdir");

#define SOCKDIR_SUFFIX ".sock"
/* Entries looked at in one scan or removal: a directory someone filled
 * with junk does not hold the loop. */
#define SOCKDIR_SCAN_MAX 4096
/* Refusals logged per second and directory (the rest are counted). */
#define SOCKDIR_LOG_MAX 8
#define SOCKDIR_WATCH_MASK                                                              \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | \
	 IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)

static void refuse(struct sockdir *sd, const char *file, const char *why)
{
	if (sd->logged >= SOCKDIR_LOG_MAX) {
		sd->unlogged++;
		return;
	}
	sd->logged++;
	log_warn("%s: %s/%.*s not attached: %s", sd->net, sd->path, NAME_MAX, file, why);
}

/* ---- the directories ---- */

/* Open dir `name` under parent, made with mode if missing; it must be
 * uvnetd's (not a symlink, our uid).  The fd or -errno, e saying why. */
static int own_dir(int parent, const char *shown, const char *name, mode_t mode, struct error *e)
{
	struct stat st;
	int fd;

	if (mkdirat(parent, name, 0700) && errno != EEXIST)
		return error_set(e, -errno, "socket directory: cannot make %s: %s", shown, strerror(errno));
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_set(e, -errno, "socket directory: cannot open %s: %s%s", shown,
				 strerror(errno), errno == ELOOP || errno == ENOTDIR ? " (remove it)" : "");
	if (fstat(fd, &st) || st.st_uid != geteuid()) {
		close(fd);
		return error_set(e, -EPERM, "socket directory: %s belongs to uid %u, not to uvnetd (remove it)",
				 shown, (unsigned)st.st_uid);
	}
	if (fchmod(fd, mode)) {
		close(fd);
		return error_set(e, -errno, "socket directory: cannot chmod %s: %s", shown, strerror(errno));
	}
	return fd;
}

/* The directories above must be searchable by the front-ends' user:
 * say so when one is not (it is the admin's to change). */
static void check_search(const char *run_dir)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s", run_dir);
	for (char *slash = p + strlen(p); slash; slash = strrchr(p, '/')) {
		*slash = '\0';
		if (!stat(slash == p ? "/" : p, &st) && !(st.st_mode & S_IXOTH)) {
			log_warn("%s is not searchable by other users (mode %04o): a front-end that is not root cannot reach the socket directories below it",
				 slash == p ? "/" : p, (unsigned)(st.st_mode & 07777));
			return;
		}
		if (slash == p)
			return;
	}
}

static int make_dirs(struct sockdir *sd, const char *run_dir, gid_t gid, struct error *e)
{
	char shown[PATH_MAX];
	int run, net, dir, rc;

	run = open(run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (run < 0)
		return error_set(e, -errno, "socket directory: cannot open %s: %s", run_dir, strerror(errno));
	snprintf(shown, sizeof(shown), "%s/net", run_dir);
	net = own_dir(run, shown, "net", 0755, e);
	close(run);
	if (net < 0)
		return net;
	/* 0700 until it has its group: no moment at which another group
	 * could use it */
	dir = own_dir(net, sd->path, sd->net, 0700, e);
	close(net);
	if (dir < 0)
		return dir;
	if (fchown(dir, (uid_t)-1, gid) || fchmod(dir, 02770)) {
		rc = -errno;
		close(dir);
		return error_set(e, rc, "socket directory: cannot give %s to group %u: %s", sd->path,
				 (unsigned)gid, strerror(-rc));
	}
	sd->dir_fd = dir;
	check_search(run_dir);
	return 0;
}

/* ---- ports ---- */

static struct sockdir_port *find(struct sockdir *sd, const char *name)
{
	for (unsigned i = 0; i < sd->nports; i++)
		if (!strcmp(sd->ports[i].name, name))
			return &sd->ports[i];
	return NULL;
}

static void drop(struct sockdir *sd, struct sockdir_port *sp)
{
	*sp = sd->ports[--sd->nports];
}

static void detach(struct sockdir *sd, struct sockdir_port *sp, const char *why)
{
	struct error e;

	if (daemon_find_port(sd->d, sp->name) && daemon_del_port(sd->d, NULL, sp->name, sd->net, &e))
		log_error("%s: %s", sd->net, e.msg);
	else
		log_info("%s: port %s removed: %s", sd->net, sp->name, why);
	drop(sd, sp);
}

/* "vm1.sock" -> "vm1": a valid port name starting with a letter or digit. */
static bool port_name(const char *file, char name[PORT_NAME_MAX])
{
	size_t n = strlen(file), s = strlen(SOCKDIR_SUFFIX);

	if (n <= s || n - s >= PORT_NAME_MAX || strcmp(file + n - s, SOCKDIR_SUFFIX))
		return false;
	memcpy(name, file, n - s);
	name[n - s] = '\0';
	return daemon_valid_name(name, PORT_NAME_MAX) &&
	       ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
		(name[0] >= '0' && name[0] <= '9'));
}

static bool is_socket(struct sockdir *sd, const char *file)
{
	struct stat st;

	return !fstatat(sd->dir_fd, file, &st, AT_SYMLINK_NOFOLLOW) && S_ISSOCK(st.st_mode);
}

/* A file appeared: attach it if it is a socket we may take. */
static void consider(struct sockdir *sd, const char *file)
{
	char name[PORT_NAME_MAX], path[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
	char words[2][sizeof(path) + 8];
	const char *opts[] = { "type=vhost-user", words[0], words[1],
			       "port-security=" PSEC_SPEC_LEARN };
	struct error e;

	if (!port_name(file, name)) {
		refuse(sd, file, "not NAME.sock with NAME a port name (1-31 of A-Z a-z 0-9 - _ ., starting with a letter or digit)");
		return;
	}
	if (find(sd, name)) /* attached already (a scan after the event) */
		return;
	if (!is_socket(sd, file)) {
		refuse(sd, file, "not a socket");
		return;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", sd->path, file) >=
	    sizeof(((struct sockaddr_un *)0)->sun_path)) {
		refuse(sd, file, "its path is longer than a unix socket's 107 bytes (use a shorter --control directory)");
		return;
	}
	if (sd->nports == SOCKDIR_MAX_PORTS) {
		refuse(sd, file, "the directory already has its most ports (128)");
		return;
	}
	if (daemon_find_port(sd->d, name)) {
		snprintf(e.msg, sizeof(e.msg), "a port named %s already exists (rename the socket)", name);
		refuse(sd, file, e.msg);
		return;
	}
	snprintf(words[0], sizeof(words[0]), "path=%s", path);
	snprintf(words[1], sizeof(words[1]), "mode=client");
	if (daemon_add_port(sd->d, sd->net, name, opts, sd->learn ? 4 : 3, sd->net, &e)) {
		refuse(sd, file, e.msg);
		return;
	}
	sd->ports[sd->nports++] = (struct sockdir_port){ .since_ms = clock_mono_ms() };
	snprintf(sd->ports[sd->nports - 1].name, PORT_NAME_MAX, "%s", name);
	log_info("%s: %s attached as port %s", sd->net, path, name);
}

/* A file went away (deleted, renamed out). */
static void gone(struct sockdir *sd, const char *file)
{
	char name[PORT_NAME_MAX];
	struct sockdir_port *sp;

	if (port_name(file, name) && (sp = find(sd, name)))
		detach(sd, sp, "its socket file was removed");
}

/* ---- inotify ---- */

static void unwatch(struct sockdir *sd)
{
	if (sd->ifd >= 0) {
		loop_unwatch(&sd->d->loop, sd->ifd);
		close(sd->ifd);
	}
	sd->ifd = -1;
}

static void on_event(struct sockdir *sd, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW) {
		log_warn("%s: too many changes in %s at once: looking at it afresh", sd->net, sd->path);
		sockdir_scan(sd);
	} else if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
		log_error("%s: %s was removed or moved: no more sockets attached from it (net-stop and net-start the network)",
			  sd->net, sd->path);
		unwatch(sd);
	} else if (ev->len && (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
		consider(sd, ev->name);
	} else if (ev->len && (ev->mask & (IN_DELETE | IN_MOVED_FROM))) {
		gone(sd, ev->name);
	}
}

/* One read's worth per call: the loop comes back while there is more. */
static void on_events(void *arg)
{
	struct sockdir *sd = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(sd->ifd, buf, sizeof(buf));

	for (ssize_t off = 0; n > 0 && off + (ssize_t)sizeof(struct inotify_event) <= n;) {
		const struct inotify_event *ev = (const void *)(buf + off);

		off += (ssize_t)(sizeof(*ev) + ev->len);
		if (off > n)
			break;
		on_event(sd, ev);
		if (sd->ifd < 0)
			return;
	}
}

int sockdir_start(struct sockdir *sd, struct daemon *d, const char *net, const char *run_dir,
		  gid_t gid, bool learn, struct error *e)
{
	int rc;

	*sd = (struct sockdir){ .d = d, .net = net, .learn = learn, .ifd = -1, .dir_fd = -1 };
	if ((size_t)snprintf(sd->path, sizeof(sd->path), "%s/net/%s", run_dir, net) >= sizeof(sd->path))
		return error_set(e, -ENAMETOOLONG, "socket directory: %s/net/%s is too long", run_dir, net);
	if ((rc = make_dirs(sd, run_dir, gid, e)))
		return rc;
	sd->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (sd->ifd < 0)
		return error_set(e, -errno, "socket directory: inotify: %s", strerror(errno));
	if (inotify_add_watch(sd->ifd, sd->path, SOCKDIR_WATCH_MASK) < 0) {
		rc = error_set(e, -errno, "socket directory: cannot watch %s: %s", sd->path, strerror(errno));
	} else if ((rc = loop_watch(&d->loop, sd->ifd, on_events, sd))) {
		error_set(e, rc, "socket directory: cannot watch %s: %s", sd->path, strerror(-rc));
	}
	if (rc) {
		close(sd->ifd);
		sd->ifd = -1;
		close(sd->dir_fd);
		sd->dir_fd = -1;
	}
	return rc;
}

void sockdir_scan(struct sockdir *sd)
{
	unsigned seen = 0;
	struct dirent *de;
	DIR *dir;

	if (sd->dir_fd < 0)
		return;
	for (unsigned i = sd->nports; i-- > 0;) {
		char file[PORT_NAME_MAX + sizeof(SOCKDIR_SUFFIX)];

		snprintf(file, sizeof(file), "%s%s", sd->ports[i].name, SOCKDIR_SUFFIX);
		if (!is_socket(sd, file))
			detach(sd, &sd->ports[i], "its socket file is gone");
	}
	dir = fdopendir(openat(sd->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!dir) {
		log_error("%s: cannot read %s: %s", sd->net, sd->path, strerror(errno));
		return;
	}
	while ((de = readdir(dir)) && seen++ < SOCKDIR_SCAN_MAX)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			consider(sd, de->d_name);
	if (de)
		log_warn("%s: %s holds more than %d entries: only the first were looked at", sd->net,
			 sd->path, SOCKDIR_SCAN_MAX);
	closedir(dir);
}

void sockdir_tick(struct sockdir *sd)
{
	uint64_t now = clock_mono_ms();

	if (sd->unlogged)
		log_warn("%s: %u more file(s) in %s not attached (not logged)", sd->net, sd->unlogged,
			 sd->path);
	sd->logged = sd->unlogged = 0;
	for (unsigned i = sd->nports; i-- > 0;) {
		struct sockdir_port *sp = &sd->ports[i];
		struct daemon_port *dp = daemon_find_port(sd->d, sp->name);
		enum port_peer peer;

		if (!dp) { /* taken down with its bridge */
			drop(sd, sp);
			continue;
		}
		peer = dp->port->ops->peer ? dp->port->ops->peer(dp->port) : PORT_PEER_UP;
		if (peer == PORT_PEER_UP)
			sp->seen_up = true;
		else if (peer == PORT_PEER_GONE && (sp->seen_up || now - sp->since_ms >= SOCKDIR_GRACE_MS))
			detach(sd, sp, "nobody listens on its socket file any more (its front-end is gone)");
	}
}

/* Empty the directory (bounded) and remove it; what stays is logged. */
static void remove_dir(struct sockdir *sd)
{
	unsigned seen = 0;
	struct dirent *de;
	DIR *dir = fdopendir(openat(sd->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));

	while (dir && (de = readdir(dir)) && seen++ < SOCKDIR_SCAN_MAX)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    unlinkat(sd->dir_fd, de->d_name, 0) && errno == EISDIR)
			unlinkat(sd->dir_fd, de->d_name, AT_REMOVEDIR);
	if (dir)
		closedir(dir);
	if (rmdir(sd->path) && errno != ENOENT)
		log_warn("%s: cannot remove %s: %s (remove it yourself)", sd->net, sd->path,
			 strerror(errno));
}

void sockdir_stop(struct sockdir *sd, bool remove)
{
	if (!sd->d)
		return;
	unwatch(sd);
	while (sd->nports)
		detach(sd, &sd->ports[0], remove ? "the network stops" : "uvnetd stops");
	if (remove)
		remove_dir(sd);
	if (sd->dir_fd >= 0)
		close(sd->dir_fd);
	sd->dir_fd = -1;
	sd->d = NULL;
}
