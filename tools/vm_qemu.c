/* SPDX-License-Identifier: MIT */
/* QEMU for a `uvnet-vm run`, and its monitor (vm_qemu.h). */
#include "tools/vm_qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tools/vm.h"
#include "util/proc.h"

/* ---- the accelerator ---- */

const char *pick_accel(const char *given)
{
	static char buf[16];
	char path[PATH_MAX], script[PATH_MAX];
	const char *env = getenv("UVNET_ACCEL");
	FILE *f;

	if (given)
		return given;
	if (env && *env)
		return env;
	snprintf(path, sizeof(path), "%s/accel", cache_dir());
	if ((f = fopen(path, "re"))) {
		bool got = fgets(buf, sizeof(buf), f) != NULL;

		fclose(f);
		buf[strcspn(buf, "\n")] = '\0';
		if (got && (!strcmp(buf, "kvm") || !strcmp(buf, "tcg")))
			return buf;
	}
	if (access("/dev/kvm", R_OK | W_OK))
		return "tcg";
	if (find_guest_script("pick-accel.sh", script, sizeof(script)) && (f = popen(script, "re"))) {
		bool got = fgets(buf, sizeof(buf), f) != NULL;

		pclose(f);
		buf[strcspn(buf, "\n")] = '\0';
		if (got && (!strcmp(buf, "kvm") || !strcmp(buf, "tcg")))
			return buf;
	}
	note("cannot tell whether KVM works here (no scripts/guest/pick-accel.sh): using TCG; "
	     "--accel kvm to override");
	return "tcg";
}

/* ---- the command line ---- */

bool qemu_escape(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s; s++) {
		if (n + 2 >= len)
			return false;
		out[n++] = *s;
		if (*s == ',')
			out[n++] = ',';
	}
	out[n] = '\0';
	return true;
}

/* The paths QEMU reads as option values, commas doubled. */
struct escaped {
	char cons[2 * PATH_MAX], log[2 * PATH_MAX], qmp[2 * PATH_MAX], sock[2 * PATH_MAX];
	char disk[2 * PATH_MAX];
};

static void escape_paths(struct escaped *x, const struct vm *vm)
{
	/* every buffer is twice the longest path: it always fits */
	qemu_escape(vm->cons, x->cons, sizeof(x->cons));
	qemu_escape(vm->log, x->log, sizeof(x->log));
	qemu_escape(vm->qmp, x->qmp, sizeof(x->qmp));
	qemu_escape(vm->sock, x->sock, sizeof(x->sock));
	qemu_escape(vm->o->disk ? vm->o->disk_path : "", x->disk, sizeof(x->disk));
}

/* The option values QEMU's command line points into. */
struct qemu_cmdline {
	struct escaped x;
	char mem[64], memobj[128], smp[16], append[4096], serial[PATH_MAX * 4 + 64];
	char qmpdev[PATH_MAX * 2 + 64], netchr[PATH_MAX * 2 + 64], netdev[128], dev[256];
	char drive[PATH_MAX * 2 + 64];
	const char *argv[64 + 256];
	int argc;
};

static void arg(struct qemu_cmdline *q, const char *a)
{
	q->argv[q->argc++] = a;
}

static void arg2(struct qemu_cmdline *q, const char *opt, const char *value)
{
	arg(q, opt);
	arg(q, value);
}

/* The serial console (on a socket for `console`, or this terminal) and the
 * monitor, each on a chardev. */
static void chardevs(struct qemu_cmdline *q, bool tty, bool append)
{
	const char *app = append ? "on" : "off";

	if (tty)
		snprintf(q->serial, sizeof(q->serial), "stdio,id=ser0,signal=off,logfile=%s,logappend=%s",
			 q->x.log, app);
	else
		snprintf(q->serial, sizeof(q->serial),
			 "socket,id=ser0,path=%s,server=on,wait=off,logfile=%s,logappend=%s", q->x.cons,
			 q->x.log, app);
	snprintf(q->qmpdev, sizeof(q->qmpdev), "socket,id=qmp,path=%s,server=on,wait=off", q->x.qmp);
}

/* The vhost-user NIC on the port's socket. */
static void nic(struct qemu_cmdline *q, const struct vm *vm, const char *accel)
{
	const struct run_opts *o = vm->o;

	snprintf(q->netchr, sizeof(q->netchr), "socket,id=net0,path=%s,reconnect=1", q->x.sock);
	if (o->queues > 1)
		snprintf(q->netdev, sizeof(q->netdev), "vhost-user,id=n0,chardev=net0,queues=%u", o->queues);
	else
		snprintf(q->netdev, sizeof(q->netdev), "vhost-user,id=n0,chardev=net0");
	/* QEMU 7.2 crashes with MSI-X on a vhost-user NIC under TCG: vectors=0 */
	if (!strcmp(accel, "tcg"))
		snprintf(q->dev, sizeof(q->dev), "virtio-net-pci,netdev=n0,mac=%s,vectors=0%s", o->mac,
			 o->queues > 1 ? ",mq=on" : "");
	else if (o->queues > 1)
		snprintf(q->dev, sizeof(q->dev), "virtio-net-pci,netdev=n0,mac=%s,mq=on,vectors=%u", o->mac,
			 2 * o->queues + 2);
	else
		snprintf(q->dev, sizeof(q->dev), "virtio-net-pci,netdev=n0,mac=%s", o->mac);
}

/*
 * Under TCG, 8 KiB more than asked.  QEMU before 9.0 (upstream 03bfc2188f,
 * not in Debian 12's 7.2) syncs the dirty bitmap of a RAM block whose size
 * is a multiple of 256 KiB by a fast path that does not re-arm TCG's dirty
 * tracking, and a guest migrated under TCG loses some of its own stores
 * (docs/migration.md).  Any other size takes the path that does.
 */
static unsigned long long ram_kib(unsigned long long mib, const char *accel)
{
	return mib * 1024 + (strcmp(accel, "tcg") ? 0 : 8);
}

/* The whole command line, in q->argv (NULL-terminated). */
static void qemu_cmdline(struct qemu_cmdline *q, const struct vm *vm, const char *accel, bool tty)
{
	const struct run_opts *o = vm->o;
	const int max = (int)(sizeof(q->argv) / sizeof(q->argv[0])) - 1;

	snprintf(q->mem, sizeof(q->mem), "%lluK", ram_kib(o->mem_mib, accel));
	snprintf(q->memobj, sizeof(q->memobj), "memory-backend-memfd,id=mem,size=%lluK,share=on",
		 ram_kib(o->mem_mib, accel));
	snprintf(q->smp, sizeof(q->smp), "%u", o->cpus);
	snprintf(q->append, sizeof(q->append), "console=ttyS0%s%s", o->cmdline ? " " : "",
		 o->cmdline ? o->cmdline : "");
	escape_paths(&q->x, vm);
	chardevs(q, tty, vm->log_append);
	nic(q, vm, accel);

	q->argc = 0;
	arg(q, o->qemu);
	arg2(q, "-name", o->name);
	arg2(q, "-sandbox", QEMU_SANDBOX);
	arg2(q, "-accel", accel);
	if (!strcmp(accel, "kvm"))
		arg2(q, "-cpu", "host");
	arg2(q, "-m", q->mem);
	arg2(q, "-smp", q->smp);
	arg(q, "-nodefaults");
	arg(q, "-no-user-config");
	arg2(q, "-display", "none");
	arg(q, "-no-reboot");
	arg2(q, "-object", q->memobj);
	arg2(q, "-numa", "node,memdev=mem");
	arg2(q, "-kernel", o->kernel);
	arg2(q, "-initrd", o->initrd);
	arg2(q, "-append", q->append);
	arg2(q, "-chardev", q->serial);
	arg2(q, "-serial", "chardev:ser0");
	arg2(q, "-chardev", q->qmpdev);
	arg2(q, "-mon", "chardev=qmp,mode=control");
	arg2(q, "-chardev", q->netchr);
	arg2(q, "-netdev", q->netdev);
	arg2(q, "-device", q->dev);
	if (o->disk) {
		/* the format is what the operator said (raw by default), never
		 * what the image's first bytes say: a guest writes those */
		snprintf(q->drive, sizeof(q->drive), "file=%s,if=virtio,format=%s", q->x.disk,
			 o->disk_format);
		arg2(q, "-drive", q->drive);
	}
	if (vm->incoming) /* a migration's destination: waits for the state */
		arg2(q, "-incoming", vm->incoming);
	for (int i = 0; i < o->nextra && q->argc < max; i++)
		arg(q, o->extra[i]);
	q->argv[q->argc] = NULL;
}

/* ---- starting it ---- */

/* In the child: --user's identity taken (before the parent-death signal,
 * which a change of credentials clears), the signals uvnet-vm blocks
 * unblocked, gone when uvnet-vm goes, and (with the console on a socket)
 * off the terminal. */
static void exec_qemu(const char *const argv[], const struct run_opts *o, bool tty, int nul)
{
	sigset_t none;

	if (o->user && (initgroups(o->user, o->gid) || setgid(o->gid) || setuid(o->uid) ||
			setuid(0) == 0)) {
		fprintf(stderr, "uvnet-vm: --user %s: cannot become that user: %s\n", o->user,
			strerror(errno));
		_exit(127);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM); /* a SIGKILLed uvnet-vm takes QEMU along */
	if (!tty) {
		setpgid(0, 0);  /* the terminal's Ctrl-C is ours to pass on */
		dup2(nul, 0);
	}
	execvp(argv[0], (char **)argv);
	fprintf(stderr, "uvnet-vm: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

pid_t start_qemu(struct vm *vm, const char *accel, bool tty)
{
	struct qemu_cmdline q;
	int nul;
	pid_t pid;

	qemu_cmdline(&q, vm, accel, tty);
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	pid = fork();
	if (pid == 0)
		exec_qemu(q.argv, vm->o, tty, nul);
	if (nul >= 0)
		close(nul);
	return pid;
}

/* ---- the monitor (QMP) ---- */

void qmp_send(struct vm *vm, const char *cmd)
{
	char line[128];

	if (vm->qmp_fd < 0)
		return;
	snprintf(line, sizeof(line), "{\"execute\":\"%s\"}\n", cmd);
	if (write(vm->qmp_fd, line, strlen(line)) < 0) {
		close(vm->qmp_fd);
		vm->qmp_fd = -1;
	}
}

void qmp_connect(struct vm *vm)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	fmt(sa.sun_path, sizeof(sa.sun_path), "%s", vm->qmp);
	for (int i = 0; i < 200 && proc_alive(vm->qemu); i++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			vm->qmp_fd = fd;
			qmp_send(vm, "qmp_capabilities");
			return;
		}
		if (fd >= 0)
			close(fd);
		usleep(50000);
	}
	note("no QMP connection to QEMU: the exit status will not tell a reboot from a poweroff");
}

/* One line from the monitor: remember a SHUTDOWN event's reason; the
 * parsed message, or NULL. */
static struct json_object *qmp_line(struct vm *vm, const char *line)
{
	struct json_object *m = json_tokener_parse(line), *data;

	if (m && !strcmp(jstr(m, "event"), "SHUTDOWN") &&
	    json_object_object_get_ex(m, "data", &data))
		snprintf(vm->reason, sizeof(vm->reason), "%s", jstr(data, "reason"));
	return m;
}

/* Read once; each complete line to qmp_line(); stops after the message
 * with id `want` (0: none), which is returned.  -1 on EOF or error (the
 * monitor is closed). */
static int qmp_read_lines(struct vm *vm, unsigned want, struct json_object **out)
{
	ssize_t r = read(vm->qmp_fd, vm->qmp_buf + vm->qmp_len, sizeof(vm->qmp_buf) - 1 - vm->qmp_len);
	char *line, *nl;

	if (r <= 0) {
		close(vm->qmp_fd);
		vm->qmp_fd = -1;
		return -1;
	}
	vm->qmp_len += (size_t)r;
	vm->qmp_buf[vm->qmp_len] = '\0';
	line = vm->qmp_buf;
	while ((nl = strchr(line, '\n'))) {
		struct json_object *m, *id;

		*nl = '\0';
		m = qmp_line(vm, line);
		line = nl + 1;
		if (want && m && json_object_object_get_ex(m, "id", &id) &&
		    (unsigned)json_object_get_int64(id) == want && !*out) {
			*out = m;
			continue;
		}
		json_object_put(m);
	}
	vm->qmp_len -= (size_t)(line - vm->qmp_buf);
	memmove(vm->qmp_buf, line, vm->qmp_len);
	if (vm->qmp_len == sizeof(vm->qmp_buf) - 1)
		vm->qmp_len = 0; /* a line that long is not QMP's */
	return 0;
}

void qmp_read(struct vm *vm)
{
	struct json_object *none = NULL;

	qmp_read_lines(vm, 0, &none);
}

struct json_object *qmp_call(struct vm *vm, const char *cmd, const char *args_json,
			     int timeout_ms, char *why, size_t why_len)
{
	char line[1024];
	struct json_object *reply = NULL, *ret, *err;
	int waited = 0;

	if (vm->qmp_fd < 0) {
		snprintf(why, why_len, "no monitor connection");
		return NULL;
	}
	vm->qmp_id++;
	if (!fmt(line, sizeof(line), "{\"execute\":\"%s\",%s%s%s\"id\":%u}\n", cmd,
		 args_json ? "\"arguments\":" : "", args_json ? args_json : "", args_json ? "," : "",
		 vm->qmp_id) ||
	    write(vm->qmp_fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		snprintf(why, why_len, "%s: cannot send it to the monitor", cmd);
		return NULL;
	}
	while (!reply) {
		struct pollfd p = { .fd = vm->qmp_fd, .events = POLLIN };

		if (waited >= timeout_ms) {
			snprintf(why, why_len, "%s: no answer from QEMU within %d ms", cmd, timeout_ms);
			return NULL;
		}
		if (poll(&p, 1, 100) <= 0) {
			waited += 100;
			continue;
		}
		if (qmp_read_lines(vm, vm->qmp_id, &reply)) {
			snprintf(why, why_len, "%s: QEMU closed its monitor", cmd);
			return NULL;
		}
	}
	if (json_object_object_get_ex(reply, "return", &ret)) {
		ret = json_object_get(ret);
		json_object_put(reply);
		return ret;
	}
	snprintf(why, why_len, "%s: %s", cmd,
		 json_object_object_get_ex(reply, "error", &err) ? jstr(err, "desc") : "bad answer");
	json_object_put(reply);
	return NULL;
}
