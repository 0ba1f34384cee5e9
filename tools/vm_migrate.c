/* SPDX-License-Identifier: MIT */
/*
 * `uvnet-vm migrate NAME`: live migration of a running VM to a new QEMU
 * process on the same host (a QEMU upgrade, a move to another port),
 * without the guest noticing more than a few ms of pause.
 *
 * The `uvnet-vm run` that owns the VM does the work, since it is QEMU's
 * parent and holds its monitor: `migrate` writes the request
 * (RUN-DIR/NAME.migrate-req, held locked while it runs: one migration at
 * a time), sends the run SIGUSR2 and prints the progress the run writes
 * to RUN-DIR/NAME.migrate until its last line, "completed ..." or
 * "failed ...".  The run (vm_migrate_serve()):
 *
 *   1. adds a vhost-user port for the destination on the VM's bridge
 *      (vm-NAME and vn-NAME alternate; so do the socket files),
 *   2. starts a second QEMU with the same command line plus
 *      -incoming unix:RUN-DIR/NAME.incoming (console log appended),
 *   3. QMP migrate on the source (max-bandwidth as asked), query-migrate
 *      every 500 ms, written out as progress,
 *   4. completed: the source QEMU quits, its port is removed, the run and
 *      the record (NAME.json) follow the new QEMU: `stop`, `console`,
 *      `list` and the run's own exit status are about it from then on;
 *   5. failed (QEMU says so, the destination died, the time ran out): the
 *      migration is cancelled, the destination killed, its port removed;
 *      the source goes on running (resumed if it had been paused).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control/client.h"
#include "tools/vm.h"
#include "tools/vm_qemu.h"
#include "tools/vm_record.h"
#include "util/parse.h"
#include "util/proc.h"

#define MIGRATE_DEFAULT_TIMEOUT 600

/* ---- in the run ---- */

static FILE *progress;

static void say(const char *fmt_, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt_, ...)
{
	va_list ap;

	va_start(ap, fmt_);
	if (progress) {
		va_list aq;

		va_copy(aq, ap);
		vfprintf(progress, fmt_, aq);
		va_end(aq);
		fputc('\n', progress);
		fflush(progress);
	}
	va_end(ap);
}

/* The request's parameters: max_bandwidth (MiB/s, 0: QEMU's default
 * raised to 1 GiB/s, the link is a local socket) and timeout (s). */
static void read_request(const char *name, unsigned long long *bw, unsigned *timeout)
{
	char path[PATH_MAX], buf[128];
	FILE *f;

	*bw = 1024;
	*timeout = MIGRATE_DEFAULT_TIMEOUT;
	vm_path(path, sizeof(path), name, "migrate-req");
	if (!(f = fopen(path, "re")))
		return;
	while (fgets(buf, sizeof(buf), f)) {
		unsigned long long v;

		if (sscanf(buf, "max_bandwidth=%llu", &v) == 1 && v)
			*bw = v;
		else if (sscanf(buf, "timeout=%llu", &v) == 1 && v && v <= 86400)
			*timeout = (unsigned)v;
	}
	fclose(f);
}

static bool port_cmd(const char *verb, const char *a, const char *b, const char *c, const char *d,
		     const char *e_, char *why, size_t len)
{
	struct json_object *r;
	struct error e;

	if (control_requestv(vm_control, &r, &e, verb, a, b, c, d, e_, NULL)) {
		snprintf(why, len, "%s %s: %s", verb, a, e.msg);
		return false;
	}
	json_object_put(r);
	return true;
}

/* The destination's names: the other of vm-NAME / vn-NAME and of the two
 * sets of socket files. */
static void destination_names(const struct vm *src, struct vm *dst)
{
	const char *name = src->o->name;
	bool second = !strncmp(src->port, "vm-", 3);
	char suffix[32];

	snprintf(dst->port, sizeof(dst->port), "%s-%s", second ? "vn" : "vm", name);
	vm_path(dst->sock, sizeof(dst->sock), name, second ? "m.sock" : "sock");
	if (src->o->user) {
		char dir[PATH_MAX];

		vm_path(dir, sizeof(dir), name, "d");
		fmt(dst->cons, sizeof(dst->cons), "%s/console%s", dir, second ? ".m" : "");
		fmt(dst->qmp, sizeof(dst->qmp), "%s/qmp%s", dir, second ? ".m" : "");
	} else {
		snprintf(suffix, sizeof(suffix), "%sconsole", second ? "m." : "");
		vm_path(dst->cons, sizeof(dst->cons), name, suffix);
		snprintf(suffix, sizeof(suffix), "%sqmp", second ? "m." : "");
		vm_path(dst->qmp, sizeof(dst->qmp), name, suffix);
	}
}

static void kill_and_reap(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	for (int i = 0; i < 50 && waitpid(pid, &st, WNOHANG) != pid; i++)
		usleep(100000);
	if (proc_alive(pid)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
}

/* The record follows the new QEMU. */
static void record_follows(const struct vm *vm)
{
	struct json_object *rec = vm_record_read(vm->o->name);

	if (!rec)
		return;
	json_object_object_add(rec, "qemu_pid", json_object_new_int(vm->qemu));
	json_object_object_add(rec, "qemu_start", json_object_new_uint64(proc_start_time(vm->qemu)));
	json_object_object_add(rec, "port", json_object_new_string(vm->port));
	json_object_object_add(rec, "socket", json_object_new_string(vm->sock));
	json_object_object_add(rec, "console", json_object_new_string(vm->tty ? "" : vm->cons));
	json_object_object_add(rec, "qmp", json_object_new_string(vm->qmp));
	json_object_object_add(rec, "migrated", json_object_new_int64((int64_t)time(NULL)));
	vm_record_write(vm->o->name, rec);
	json_object_put(rec);
}

static const char *status_of(struct json_object *info)
{
	return info ? jstr(info, "status") : "";
}

static long long ram_field(struct json_object *info, const char *key)
{
	struct json_object *ram, *v;

	if (!json_object_object_get_ex(info, "ram", &ram) || !json_object_object_get_ex(ram, key, &v))
		return 0;
	return (long long)json_object_get_int64(v);
}

/*
 * Migrate: the source is vm, the destination built in dst.  Returns true
 * when the VM now runs in dst's QEMU (why says how it went either way).
 */
static bool migrate(struct vm *vm, struct vm *dst, unsigned long long bw, unsigned timeout,
		    char *why, size_t len)
{
	char args[PATH_MAX + 64], incoming[PATH_MAX + 8], path[PATH_MAX];
	struct json_object *info = NULL;
	time_t deadline = time(NULL) + timeout;
	const char *st;
	int status;

	vm_path(path, sizeof(path), vm->o->name, "incoming");
	unlink(path);
	snprintf(incoming, sizeof(incoming), "unix:%s", path);
	dst->incoming = incoming;
	dst->log_append = true;
	dst->qemu = start_qemu(dst, dst->accel, dst->tty);
	dst->incoming = NULL;
	if (dst->qemu < 0) {
		snprintf(why, len, "cannot start the destination QEMU: %s", strerror(errno));
		return false;
	}
	say("destination QEMU pid %d on port %s", (int)dst->qemu, dst->port);
	qmp_connect(dst);
	for (int i = 0; i < 200 && access(path, F_OK); i++) {
		if (waitpid(dst->qemu, &status, WNOHANG) == dst->qemu) {
			dst->qemu = -1;
			snprintf(why, len, "the destination QEMU exited before it listened");
			return false;
		}
		usleep(50000);
	}
	snprintf(args, sizeof(args), "{\"max-bandwidth\":%llu,\"downtime-limit\":300}", bw << 20);
	json_object_put(qmp_call(vm, "migrate-set-parameters", args, 5000, why, len));
	snprintf(args, sizeof(args), "{\"uri\":\"%s\"}", incoming);
	info = qmp_call(vm, "migrate", args, 10000, why, len);
	if (!info)
		return false;
	json_object_put(info);
	info = NULL;
	for (;;) {
		usleep(500000);
		json_object_put(info);
		info = qmp_call(vm, "query-migrate", NULL, 5000, why, len);
		st = status_of(info);
		if (!strcmp(st, "completed"))
			break;
		if (!strcmp(st, "failed") || !strcmp(st, "cancelled")) {
			snprintf(why, len, "QEMU: migration %s%s%s", st, info ? ": " : "",
				 info ? jstr(info, "error-desc") : "");
			json_object_put(info);
			return false;
		}
		if (waitpid(dst->qemu, &status, WNOHANG) == dst->qemu) {
			dst->qemu = -1;
			snprintf(why, len, "the destination QEMU died (%s %d)",
				 WIFSIGNALED(status) ? "signal" : "exit status",
				 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			json_object_put(info);
			return false;
		}
		if (time(NULL) > deadline) {
			snprintf(why, len, "not done after %u s", timeout);
			json_object_put(info);
			return false;
		}
		say("%s: %lld of %lld MiB sent, %lld MiB remaining, pass %lld", st[0] ? st : "starting",
		    ram_field(info, "transferred") >> 20, ram_field(info, "total") >> 20,
		    ram_field(info, "remaining") >> 20, ram_field(info, "dirty-sync-count"));
	}
	snprintf(why, len, "completed in %lld ms (downtime %lld ms, %lld MiB sent)",
		 (long long)json_object_get_int64(json_object_object_get(info, "total-time")),
		 (long long)json_object_get_int64(json_object_object_get(info, "downtime")),
		 ram_field(info, "transferred") >> 20);
	json_object_put(info);
	return true;
}

/* After a failure: the migration cancelled, the destination gone, the
 * source running. */
static void roll_back(struct vm *vm, struct vm *dst)
{
	char why[256];
	struct json_object *r;

	json_object_put(qmp_call(vm, "migrate_cancel", NULL, 5000, why, sizeof(why)));
	if (dst->qemu > 0)
		kill_and_reap(dst->qemu);
	if (dst->qmp_fd >= 0)
		close(dst->qmp_fd);
	dst->qmp_fd = -1;
	if (dst->port_added)
		port_cmd("del-port", dst->port, NULL, NULL, NULL, NULL, why, sizeof(why));
	unlink(dst->qmp);
	unlink(dst->cons);
	/* a source stopped for the last pass resumes */
	r = qmp_call(vm, "query-status", NULL, 5000, why, sizeof(why));
	if (r && strcmp(jstr(r, "status"), "running")) {
		json_object_put(qmp_call(vm, "cont", NULL, 5000, why, sizeof(why)));
		say("the source QEMU was %s: resumed", jstr(r, "status"));
	}
	json_object_put(r);
}

void vm_migrate_serve(struct vm *vm)
{
	char path[PATH_MAX], why[PATH_MAX + 512], q_opt[32], path_opt[PATH_MAX + 8];
	static struct vm dst; /* 64 KiB of monitor buffer: not on the stack */
	unsigned long long bw;
	unsigned timeout;
	pid_t old;
	int status;

	dst = *vm;
	vm_path(path, sizeof(path), vm->o->name, "migrate");
	progress = fopen(path, "we");
	read_request(vm->o->name, &bw, &timeout);
	note("%s: live migration to a new QEMU asked for", vm->o->name);
	if (vm->tty) {
		say("failed: the console is the run's terminal: a second QEMU cannot share it");
		goto out;
	}
	if (vm->o->ovn_lsp[0]) {
		say("failed: a VM on OVN logical port %s cannot migrate yet (two ports cannot bind "
		    "one logical port)", vm->o->ovn_lsp);
		goto out;
	}
	dst.qmp_fd = -1;
	dst.qmp_len = 0;
	dst.qmp_id = 0;
	dst.reason[0] = '\0';
	dst.port_added = false;
	dst.qemu = -1;
	destination_names(vm, &dst);
	unlink(dst.qmp);
	unlink(dst.cons);
	snprintf(path_opt, sizeof(path_opt), "path=%s", dst.sock);
	snprintf(q_opt, sizeof(q_opt), "queues=%u", vm->o->queues);
	if (!port_cmd("add-port", vm->bridge, dst.port, "type=vhost-user", path_opt, q_opt, why,
		      sizeof(why))) {
		say("failed: %s", why);
		goto out;
	}
	dst.port_added = true;
	if (vm->o->user && chown(dst.sock, vm->o->uid, vm->o->gid)) {
		snprintf(why, sizeof(why), "cannot give %s to %s: %s", dst.sock, vm->o->user,
			 strerror(errno));
		roll_back(vm, &dst);
		say("failed: %s", why);
		goto out;
	}
	if (!migrate(vm, &dst, bw, timeout, why, sizeof(why))) {
		roll_back(vm, &dst);
		note("%s: migration failed: %s; the VM goes on in QEMU pid %d", vm->o->name, why,
		     (int)vm->qemu);
		say("failed: %s; the VM goes on in QEMU pid %d on port %s", why, (int)vm->qemu, vm->port);
		goto out;
	}
	/* the source: paused for good; it quits, its port goes */
	old = vm->qemu;
	json_object_put(qmp_call(vm, "quit", NULL, 5000, path, sizeof(path)));
	for (int i = 0; i < 100 && waitpid(old, &status, WNOHANG) != old; i++)
		usleep(100000);
	if (proc_alive(old))
		kill_and_reap(old);
	if (vm->qmp_fd >= 0)
		close(vm->qmp_fd);
	port_cmd("del-port", vm->port, NULL, NULL, NULL, NULL, path, sizeof(path));
	unlink(vm->qmp);
	unlink(vm->cons);
	/* the run follows the new QEMU */
	vm->qemu = dst.qemu;
	vm->qmp_fd = dst.qmp_fd;
	memcpy(vm->qmp_buf, dst.qmp_buf, dst.qmp_len);
	vm->qmp_len = dst.qmp_len;
	vm->qmp_id = dst.qmp_id;
	snprintf(vm->port, sizeof(vm->port), "%s", dst.port);
	snprintf(vm->sock, sizeof(vm->sock), "%s", dst.sock);
	snprintf(vm->cons, sizeof(vm->cons), "%s", dst.cons);
	snprintf(vm->qmp, sizeof(vm->qmp), "%s", dst.qmp);
	record_follows(vm);
	note("%s: migrated: %s; now QEMU pid %d on port %s", vm->o->name, why, (int)vm->qemu,
	     vm->port);
	say("completed: %s; now QEMU pid %d on port %s", why, (int)vm->qemu, vm->port);
out:
	if (progress)
		fclose(progress);
	progress = NULL;
}

/* ---- the command ---- */

static int cmd_fail(int fd, const char *req)
{
	unlink(req);
	close(fd);
	return 1;
}

int cmd_migrate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max-bandwidth", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char req[PATH_MAX], prog[PATH_MAX], line[1024];
	unsigned long long bw = 0;
	unsigned timeout = MIGRATE_DEFAULT_TIMEOUT;
	struct json_object *rec;
	unsigned long long start;
	const char *name;
	FILE *f = NULL;
	uint64_t v;
	pid_t pid;
	int fd, c;

	optind = 0; /* a fresh scan that permutes: options may follow NAME */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (!parse_uint(optarg, 1, 1 << 20, &v))
				die(2, "--max-bandwidth: '%s' is not a number of MiB/s", optarg);
			bw = v;
			break;
		case 't':
			if (!parse_uint(optarg, 1, 86400, &v))
				die(2, "--timeout: '%s' is not a number of seconds (up to 86400)", optarg);
			timeout = (unsigned)v;
			break;
		case 'h': usage(stdout, "migrate"); return 0;
		default: usage(stderr, "migrate"); exit(2);
		}
	}
	if (optind != argc - 1)
		die(2, "migrate: usage: migrate NAME [--max-bandwidth MIB_S] [--timeout S]");
	name = argv[optind];
	if (!valid_name(name) || !(rec = vm_record_read(name)))
		die(1, "migrate: no VM named %s in %s", name, vm_run_dir);
	pid = jint(rec, "pid");
	start = (unsigned long long)json_object_get_uint64(json_object_object_get(rec, "pid_start"));
	json_object_put(rec);
	if (!proc_alive(pid) || !start || proc_start_time(pid) != start)
		die(1, "migrate: %s has no running uvnet-vm run (stale record)", name);
	vm_path(req, sizeof(req), name, "migrate-req");
	vm_path(prog, sizeof(prog), name, "migrate");
	fd = open(req, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB))
		die(1, "migrate: a migration of %s is under way", name);
	if (ftruncate(fd, 0) || dprintf(fd, "max_bandwidth=%llu\ntimeout=%u\n", bw, timeout) < 0)
		die(1, "migrate: cannot write %s: %s", req, strerror(errno));
	unlink(prog);
	if (kill(pid, SIGUSR2))
		die(1, "migrate: cannot signal uvnet-vm run (pid %d): %s", (int)pid, strerror(errno));
	/* the run's progress, line by line, until its last */
	for (unsigned waited = 0; waited < (timeout + 60) * 10; waited++) {
		if (!f)
			f = fopen(prog, "re");
		while (f && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			printf("%s: %s\n", name, line);
			fflush(stdout);
			if (!strncmp(line, "completed", 9)) {
				fclose(f);
				unlink(prog);
				unlink(req);
				close(fd);
				return 0;
			}
			if (!strncmp(line, "failed", 6)) {
				fclose(f);
				unlink(prog);
				return cmd_fail(fd, req);
			}
		}
		if (f)
			clearerr(f);
		if (!proc_alive(pid)) {
			note("%s: uvnet-vm run (pid %d) ended during the migration", name, (int)pid);
			if (f)
				fclose(f);
			return cmd_fail(fd, req);
		}
		usleep(100000);
	}
	note("%s: no end of the migration from uvnet-vm run (pid %d)", name, (int)pid);
	if (f)
		fclose(f);
	return cmd_fail(fd, req);
}
