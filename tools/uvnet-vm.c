/* SPDX-License-Identifier: MIT */
/*
 * uvnet-vm: start a QEMU guest on a uvnetd network, in the manner of
 * virt-install / virsh.  `run` makes a vhost-user port for the guest on the
 * network's bridge (over uvnetd's control socket, as uvnetctl does), starts
 * QEMU with shared memfd guest memory and a vhost-user virtio-net-pci NIC,
 * stays in the foreground until the guest is gone, and removes the port
 * (also on SIGTERM, SIGINT and SIGHUP).  It keeps a record of each running
 * VM under the run directory (default: the control socket's directory +
 * /vms): NAME.json (pids, port, files), NAME.sock (vhost-user), NAME.console
 * (the serial console, a socket `console` attaches to), NAME.log (everything
 * the console printed), NAME.qmp (QEMU's monitor, ours).
 *
 * Exit status of `run`: 0 when the guest powered off, 1 when it rebooted,
 * panicked or QEMU failed (or on an error before it started), 2 on a usage
 * error, 128+N when stopped by signal N.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "util/proc.h"

#define DEFAULT_CONTROL "/run/uvnet/uvnetd.sock"
#define MIN_MEM_MIB 128
#define NAME_MAX_LEN 28         /* the port is "vm-" NAME: at most 31 characters */
#define MAX_QUEUES 8

#ifndef UVNET_GUEST_SCRIPTS
#define UVNET_GUEST_SCRIPTS ""
#endif

static const char *prog = "uvnet-vm";

static void usage(FILE *to)
{
	fprintf(to,
		"usage: uvnet-vm [--control PATH] [--run-dir DIR] COMMAND [ARG...]\n\n"
		"  run --name NAME --net NETWORK[,mac=MAC][,queues=N] [options] [-- QEMU-ARG...]\n"
		"        boot a guest on a uvnetd network; stays in the foreground until the\n"
		"        guest is gone, exits 0 when it powered off\n"
		"      --kernel FILE     guest kernel (default: the one uvnet-vm build-guest made)\n"
		"      --initrd FILE     its initramfs (same default)\n"
		"      --cmdline ARGS    more kernel command line (console=ttyS0 is always there)\n"
		"      --disk IMAGE      a virtio disk (raw or qcow2)\n"
		"      --mem SIZE        memory: MiB, or with a K/M/G suffix (default 256, at least %d)\n"
		"      --cpus N          vCPUs (default 1)\n"
		"      --console log|tty log: the console goes to NAME.log and a socket that\n"
		"                        `uvnet-vm console NAME` attaches to (default); tty: this terminal\n"
		"      --serial-log PATH where the console log goes (default RUN-DIR/NAME.log)\n"
		"      --accel kvm|tcg   default: $UVNET_ACCEL, else what scripts/guest/pick-accel.sh\n"
		"                        found works here (cached), else tcg\n"
		"      --qemu PATH       QEMU binary (default qemu-system-x86_64)\n"
		"  list [--json]         VMs with a record in the run directory, their state and address\n"
		"  stop NAME [--powerdown] [--timeout S]\n"
		"                        stop a VM: SIGTERM to its uvnet-vm run, which ends QEMU and\n"
		"                        removes the port; --powerdown asks the guest first (ACPI)\n"
		"  console NAME          attach to a VM's serial console (Ctrl-] leaves; without a\n"
		"                        terminal it sends stdin and leaves 1 s after stdin ends\n"
		"                        and the console went quiet)\n"
		"  build-guest           build (or find cached) the small test guest: kernel + initramfs\n"
		"                        with busybox and iperf3, whose init takes uvnet.dhcp=1 and\n"
		"                        uvnet.ip=ADDR/PREFIX on the kernel command line\n\n"
		"  --control PATH   uvnetd's control socket (default " DEFAULT_CONTROL ")\n"
		"  --run-dir DIR    VM records (default: the control socket's directory + /vms)\n"
		"  --help           this text\n",
		MIN_MEM_MIB);
}

static void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- uvnetd's control socket ---- */

static const char *control = DEFAULT_CONTROL;
static char run_dir[PATH_MAX];

/* Send the words, return the reply's "result"; NULL with *error set (a
 * static string) when the daemon said no or could not be reached. */
static struct json_object *ctl(const char **error, const char *w0, ...)
{
	static char buf[1 << 20], msg[512];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct json_object *req = json_object_new_array(), *rep, *okv, *res = NULL, *e;
	const char *text;
	size_t len = 0;
	ssize_t r;
	va_list ap;
	int fd;

	va_start(ap, w0);
	for (const char *w = w0; w; w = va_arg(ap, const char *))
		json_object_array_add(req, json_object_new_string(w));
	va_end(ap);
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	*error = msg;
	if (strlen(control) >= sizeof(sa.sun_path)) {
		snprintf(msg, sizeof(msg), "--control: path too long");
		json_object_put(req);
		return NULL;
	}
	strcpy(sa.sun_path, control);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(msg, sizeof(msg), "cannot connect to %s: %s (is uvnetd running?)", control,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		json_object_put(req);
		return NULL;
	}
	if (write(fd, text, strlen(text)) < 0 || write(fd, "\n", 1) < 0) {
		snprintf(msg, sizeof(msg), "sending to %s: %s", control, strerror(errno));
		close(fd);
		json_object_put(req);
		return NULL;
	}
	json_object_put(req);
	while (len < sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = '\0';
	rep = json_tokener_parse(buf);
	if (!rep) {
		snprintf(msg, sizeof(msg), "no valid reply from uvnetd");
		return NULL;
	}
	if (json_object_object_get_ex(rep, "ok", &okv) && json_object_get_boolean(okv) &&
	    json_object_object_get_ex(rep, "result", &res)) {
		json_object_get(res);
	} else {
		snprintf(msg, sizeof(msg), "%s", json_object_object_get_ex(rep, "error", &e)
			 ? json_object_get_string(e) : "uvnetd refused the request");
		res = NULL;
	}
	json_object_put(rep);
	return res;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_string(v)
		? json_object_get_string(v) : "";
}

static int jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int(v) : 0;
}

/* ---- small helpers ---- */

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
				       &v[4], &v[5], &end) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[3 * i]) || !isxdigit((unsigned char)s[3 * i + 1]) ||
		    (i < 5 && s[3 * i + 2] != ':'))
			return false;
		mac[i] = (uint8_t)v[i];
	}
	/* unicast, not all zeros */
	return !(mac[0] & 1) && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

/* SIZE in MiB: "512", "512M", "1G", "262144K", "1.5G" is not taken. */
static bool parse_mem(const char *s, unsigned long long *mib)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s || *s == '-')
		return false;
	if (!strcasecmp(end, "") || !strcasecmp(end, "m") || !strcasecmp(end, "mib") ||
	    !strcasecmp(end, "mb"))
		*mib = v;
	else if (!strcasecmp(end, "g") || !strcasecmp(end, "gib") || !strcasecmp(end, "gb"))
		*mib = v * 1024;
	else if (!strcasecmp(end, "k") || !strcasecmp(end, "kib") || !strcasecmp(end, "kb"))
		*mib = v / 1024;
	else
		return false;
	return v < (1ull << 40);
}

/* snprintf that says whether everything fitted. */
static bool fmt(char *buf, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));

static bool fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < len;
}

static void path_in_run_dir(char *buf, size_t len, const char *name, const char *suffix)
{
	if ((size_t)snprintf(buf, len, "%s/%s.%s", run_dir, name, suffix) >= len)
		die(1, "--run-dir: '%s' is too long", run_dir);
}

static void mkdirs(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		die(1, "--run-dir: cannot create %s: %s", path, strerror(errno));
}

static struct json_object *read_record(const char *name)
{
	char path[PATH_MAX];

	path_in_run_dir(path, sizeof(path), name, "json");
	return access(path, F_OK) ? NULL : json_object_from_file(path);
}

static void write_record(const char *name, struct json_object *rec)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];

	path_in_run_dir(path, sizeof(path), name, "json");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_object_to_file_ext(tmp, rec, JSON_C_TO_STRING_PRETTY) || rename(tmp, path))
		note("cannot write %s: %s", path, strerror(errno));
}

/* Where scripts/guest lives: $UVNET_GUEST_SCRIPTS, the source tree this
 * was built from, or next to the binary. */
static bool find_guest_script(const char *script, char *out, size_t len)
{
	char exe[PATH_MAX];
	const char *env = getenv("UVNET_GUEST_SCRIPTS");
	ssize_t n;

	if (env && *env) {
		snprintf(out, len, "%s/%s", env, script);
		if (!access(out, X_OK))
			return true;
	}
	if (UVNET_GUEST_SCRIPTS[0]) {
		snprintf(out, len, "%s/%s", UVNET_GUEST_SCRIPTS, script);
		if (!access(out, X_OK))
			return true;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')))
			*slash = '\0';
		if (fmt(out, len, "%s/../../scripts/guest/%s", exe, script) && !access(out, X_OK))
			return true;
		if (fmt(out, len, "%s/../share/uvnet/guest/%s", exe, script) && !access(out, X_OK))
			return true;
	}
	return false;
}

static const char *cache_dir(void)
{
	const char *c = getenv("UVNET_CACHE");

	return c && *c ? c : "/var/cache/uvnet";
}

/* kvm or tcg: --accel, $UVNET_ACCEL, pick-accel.sh's cached answer, or
 * pick-accel.sh itself (it boots a probe guest under KVM once: a /dev/kvm
 * that opens may still hang a real guest), else tcg. */
static const char *pick_accel(const char *given)
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

/* ---- run ---- */

struct run_opts {
	const char *name, *net, *kernel, *initrd, *cmdline, *disk, *console, *serial_log, *accel;
	const char *qemu;
	unsigned long long mem_mib;
	unsigned cpus, queues;
	char mac[18];
	char **extra;
	int nextra;
};

struct vm {
	struct run_opts *o;
	char port[40], bridge[64], sock[PATH_MAX], cons[PATH_MAX], log[PATH_MAX], qmp[PATH_MAX];
	char rec_path[PATH_MAX], lock_path[PATH_MAX];
	pid_t qemu;
	int qmp_fd;
	char qmp_buf[65536];
	size_t qmp_len;
	char reason[64];            /* the SHUTDOWN event's reason */
	bool port_added;
};

static void remove_port(struct vm *vm)
{
	const char *err;
	struct json_object *r;

	if (!vm->port_added)
		return;
	r = ctl(&err, "del-port", vm->port, NULL);
	if (!r && !strstr(err, "no port named"))
		note("could not remove port %s: %s", vm->port, err);
	json_object_put(r);
	vm->port_added = false;
}

static void cleanup_files(struct vm *vm)
{
	unlink(vm->rec_path);
	unlink(vm->qmp);
	unlink(vm->cons);
	unlink(vm->lock_path);
}

static void default_mac(const char *name, char out[18])
{
	uint32_t h = 2166136261u;

	for (const char *c = name; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	snprintf(out, 18, "52:54:00:%02x:%02x:%02x", (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
}

static void parse_net(struct run_opts *o, const char *spec, char *netname, size_t len)
{
	char buf[256], *save = NULL, *tok;
	uint8_t mac[6];

	if (strlen(spec) >= sizeof(buf))
		die(2, "--net: '%s' is too long", spec);
	strcpy(buf, spec);
	tok = strtok_r(buf, ",", &save);
	if (!tok || strchr(tok, '='))
		die(2, "--net: give the network first: --net NETWORK[,mac=MAC][,queues=N]");
	snprintf(netname, len, "%s", tok);
	while ((tok = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(tok, '=');

		if (!eq)
			die(2, "--net: '%s': expected key=value (mac=, queues=)", tok);
		*eq = '\0';
		if (!strcmp(tok, "mac")) {
			if (!parse_mac(eq + 1, mac))
				die(2, "--net: mac=%s is not a unicast MAC address like 52:54:00:12:34:56",
				    eq + 1);
			snprintf(o->mac, sizeof(o->mac), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
				 mac[2], mac[3], mac[4], mac[5]);
		} else if (!strcmp(tok, "queues")) {
			char *end;
			unsigned long q = strtoul(eq + 1, &end, 10);

			if (*end || end == eq + 1 || q < 1 || q > MAX_QUEUES)
				die(2, "--net: queues=%s is not a number from 1 to %d", eq + 1, MAX_QUEUES);
			o->queues = (unsigned)q;
		} else {
			die(2, "--net: '%s' is not an option of --net (mac=, queues=)", tok);
		}
	}
}

static void check_file(const char *opt, const char *path)
{
	struct stat st;

	if (stat(path, &st))
		die(1, "%s: %s: %s", opt, path, strerror(errno));
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		die(1, "%s: %s is not a file", opt, path);
	if (access(path, R_OK))
		die(1, "%s: %s: %s", opt, path, strerror(errno));
}

static const char *disk_format(const char *path)
{
	unsigned char magic[4] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, magic, 4) != 4)
			magic[0] = 0;
		close(fd);
	}
	return !memcmp(magic, "QFI\xfb", 4) ? "qcow2" : "raw";
}

static void qmp_send(struct vm *vm, const char *cmd)
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

static void qmp_connect(struct vm *vm)
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

/* Read what QEMU's monitor said; remember the reason of a SHUTDOWN event. */
static void qmp_read(struct vm *vm)
{
	ssize_t r = read(vm->qmp_fd, vm->qmp_buf + vm->qmp_len, sizeof(vm->qmp_buf) - 1 - vm->qmp_len);
	char *line, *nl;

	if (r <= 0) {
		close(vm->qmp_fd);
		vm->qmp_fd = -1;
		return;
	}
	vm->qmp_len += (size_t)r;
	vm->qmp_buf[vm->qmp_len] = '\0';
	line = vm->qmp_buf;
	while ((nl = strchr(line, '\n'))) {
		struct json_object *m, *data;

		*nl = '\0';
		m = json_tokener_parse(line);
		if (m && !strcmp(jstr(m, "event"), "SHUTDOWN") &&
		    json_object_object_get_ex(m, "data", &data))
			snprintf(vm->reason, sizeof(vm->reason), "%s", jstr(data, "reason"));
		json_object_put(m);
		line = nl + 1;
	}
	vm->qmp_len -= (size_t)(line - vm->qmp_buf);
	memmove(vm->qmp_buf, line, vm->qmp_len);
	if (vm->qmp_len == sizeof(vm->qmp_buf) - 1)
		vm->qmp_len = 0; /* a line that long is not QMP's */
}

static pid_t start_qemu(struct vm *vm, const char *accel, bool tty)
{
	struct run_opts *o = vm->o;
	char mem[64], memobj[128], smp[16], append[4096], serial[PATH_MAX * 2 + 64];
	char qmpdev[PATH_MAX + 64], netchr[PATH_MAX + 64], netdev[128], dev[256], drive[PATH_MAX + 64];
	const char *argv[64 + 256];
	int k = 0, nul;
	pid_t pid;

	snprintf(mem, sizeof(mem), "%lluM", o->mem_mib);
	snprintf(memobj, sizeof(memobj), "memory-backend-memfd,id=mem,size=%lluM,share=on", o->mem_mib);
	snprintf(smp, sizeof(smp), "%u", o->cpus);
	snprintf(append, sizeof(append), "console=ttyS0%s%s", o->cmdline ? " " : "",
		 o->cmdline ? o->cmdline : "");
	if (tty)
		snprintf(serial, sizeof(serial), "stdio,id=ser0,signal=off,logfile=%s,logappend=off",
			 vm->log);
	else
		snprintf(serial, sizeof(serial),
			 "socket,id=ser0,path=%s,server=on,wait=off,logfile=%s,logappend=off", vm->cons,
			 vm->log);
	snprintf(qmpdev, sizeof(qmpdev), "socket,id=qmp,path=%s,server=on,wait=off", vm->qmp);
	snprintf(netchr, sizeof(netchr), "socket,id=net0,path=%s,reconnect=1", vm->sock);
	if (o->queues > 1)
		snprintf(netdev, sizeof(netdev), "vhost-user,id=n0,chardev=net0,queues=%u", o->queues);
	else
		snprintf(netdev, sizeof(netdev), "vhost-user,id=n0,chardev=net0");
	/* QEMU 7.2 crashes with MSI-X on a vhost-user NIC under TCG: vectors=0 */
	if (!strcmp(accel, "tcg"))
		snprintf(dev, sizeof(dev), "virtio-net-pci,netdev=n0,mac=%s,vectors=0%s", o->mac,
			 o->queues > 1 ? ",mq=on" : "");
	else if (o->queues > 1)
		snprintf(dev, sizeof(dev), "virtio-net-pci,netdev=n0,mac=%s,mq=on,vectors=%u", o->mac,
			 2 * o->queues + 2);
	else
		snprintf(dev, sizeof(dev), "virtio-net-pci,netdev=n0,mac=%s", o->mac);

	argv[k++] = o->qemu;
	argv[k++] = "-name";
	argv[k++] = o->name;
	argv[k++] = "-accel";
	argv[k++] = accel;
	if (!strcmp(accel, "kvm")) {
		argv[k++] = "-cpu";
		argv[k++] = "host";
	}
	argv[k++] = "-m";
	argv[k++] = mem;
	argv[k++] = "-smp";
	argv[k++] = smp;
	argv[k++] = "-nodefaults";
	argv[k++] = "-no-user-config";
	argv[k++] = "-display";
	argv[k++] = "none";
	argv[k++] = "-no-reboot";
	argv[k++] = "-object";
	argv[k++] = memobj;
	argv[k++] = "-numa";
	argv[k++] = "node,memdev=mem";
	argv[k++] = "-kernel";
	argv[k++] = o->kernel;
	argv[k++] = "-initrd";
	argv[k++] = o->initrd;
	argv[k++] = "-append";
	argv[k++] = append;
	argv[k++] = "-chardev";
	argv[k++] = serial;
	argv[k++] = "-serial";
	argv[k++] = "chardev:ser0";
	argv[k++] = "-chardev";
	argv[k++] = qmpdev;
	argv[k++] = "-mon";
	argv[k++] = "chardev=qmp,mode=control";
	argv[k++] = "-chardev";
	argv[k++] = netchr;
	argv[k++] = "-netdev";
	argv[k++] = netdev;
	argv[k++] = "-device";
	argv[k++] = dev;
	if (o->disk) {
		snprintf(drive, sizeof(drive), "file=%s,if=virtio,format=%s", o->disk,
			 disk_format(o->disk));
		argv[k++] = "-drive";
		argv[k++] = drive;
	}
	for (int i = 0; i < o->nextra && k < (int)(sizeof(argv) / sizeof(argv[0])) - 1; i++)
		argv[k++] = o->extra[i];
	argv[k] = NULL;

	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	pid = fork();
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* a SIGKILLed uvnet-vm takes QEMU along */
		if (!tty) {
			setpgid(0, 0);  /* the terminal's Ctrl-C is ours to pass on */
			dup2(nul, 0);
		}
		execvp(argv[0], (char **)argv);
		fprintf(stderr, "%s: cannot run %s: %s\n", prog, argv[0], strerror(errno));
		_exit(127);
	}
	if (nul >= 0)
		close(nul);
	return pid;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "net", required_argument, NULL, 'N' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'a' },
		{ "disk", required_argument, NULL, 'd' },
		{ "mem", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "console", required_argument, NULL, 'C' },
		{ "serial-log", required_argument, NULL, 'S' },
		{ "accel", required_argument, NULL, 'A' },
		{ "qemu", required_argument, NULL, 'q' },
		{ "control", required_argument, NULL, 'x' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct run_opts o = { .mem_mib = 256, .cpus = 1, .queues = 1, .console = "log" };
	char netname[64], kbuf[PATH_MAX], ibuf[PATH_MAX];
	struct json_object *nets, *net = NULL, *rec, *r;
	const char *err, *accel;
	struct vm vm = { .o = &o, .qmp_fd = -1 };
	sigset_t mask;
	int c, sfd, lock, status = 0, rc;
	bool tty, active;
	char *end;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'n': o.name = optarg; break;
		case 'N': o.net = optarg; break;
		case 'k': o.kernel = optarg; break;
		case 'i': o.initrd = optarg; break;
		case 'a': o.cmdline = optarg; break;
		case 'd': o.disk = optarg; break;
		case 'C': o.console = optarg; break;
		case 'S': o.serial_log = optarg; break;
		case 'A': o.accel = optarg; break;
		case 'q': o.qemu = optarg; break;
		case 'x': control = optarg; break;
		case 'r': snprintf(run_dir, sizeof(run_dir), "%s", optarg); break;
		case 'm':
			if (!parse_mem(optarg, &o.mem_mib))
				die(2, "--mem: '%s' is not a size like 512, 512M or 1G", optarg);
			break;
		case 'c':
			o.cpus = (unsigned)strtoul(optarg, &end, 10);
			if (*end || end == optarg || o.cpus < 1 || o.cpus > 255)
				die(2, "--cpus: '%s' is not a number from 1 to 255", optarg);
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	o.extra = argv + optind;
	o.nextra = argc - optind;
	if (o.nextra && strcmp(argv[optind - 1], "--"))
		die(2, "run: unexpected argument '%s' (QEMU arguments go after --)", argv[optind]);
	if (!o.name)
		die(2, "--name: run needs --name NAME");
	if (!valid_name(o.name))
		die(2, "--name: '%s' is not a valid VM name (1-%d of A-Z a-z 0-9 - _ .)", o.name,
		    NAME_MAX_LEN);
	if (!o.net)
		die(2, "--net: run needs --net NETWORK (uvnetctl net-list shows them)");
	parse_net(&o, o.net, netname, sizeof(netname));
	if (!o.mac[0])
		default_mac(o.name, o.mac);
	if (o.mem_mib < MIN_MEM_MIB)
		die(2, "--mem: %llu MiB is too little memory (at least %d MiB)", o.mem_mib, MIN_MEM_MIB);
	if (strcmp(o.console, "log") && strcmp(o.console, "tty"))
		die(2, "--console: '%s' is not log or tty", o.console);
	if (o.accel && strcmp(o.accel, "kvm") && strcmp(o.accel, "tcg"))
		die(2, "--accel: '%s' is not kvm or tcg", o.accel);
	if (!o.kernel) {
		snprintf(kbuf, sizeof(kbuf), "%s/guest/vmlinuz", cache_dir());
		if (access(kbuf, F_OK))
			die(1, "--kernel: not given, and no guest was built (uvnet-vm build-guest makes one)");
		o.kernel = kbuf;
		if (!o.initrd) {
			snprintf(ibuf, sizeof(ibuf), "%s/guest/initrd.img", cache_dir());
			o.initrd = ibuf;
		}
	}
	check_file("--kernel", o.kernel);
	if (!o.initrd)
		die(2, "--initrd: run --kernel needs --initrd too");
	check_file("--initrd", o.initrd);
	if (o.disk)
		check_file("--disk", o.disk);
	if (!o.qemu)
		o.qemu = getenv("UVNET_QEMU") && *getenv("UVNET_QEMU") ? getenv("UVNET_QEMU")
									: "qemu-system-x86_64";
	tty = !strcmp(o.console, "tty");
	if (tty && !isatty(0))
		die(2, "--console tty: standard input is not a terminal");

	/* The network must exist and run. */
	nets = ctl(&err, "net-list", NULL);
	if (!nets)
		die(1, "%s", err);
	r = json_object_object_get(nets, "networks");
	for (size_t i = 0; i < json_object_array_length(r); i++)
		if (!strcmp(jstr(json_object_array_get_idx(r, i), "name"), netname))
			net = json_object_array_get_idx(r, i);
	if (net)
		snprintf(vm.bridge, sizeof(vm.bridge), "%s", jstr(net, "bridge"));
	active = net && json_object_get_boolean(json_object_object_get(net, "active"));
	json_object_put(nets);
	if (!net)
		die(1, "--net: no network named %s (uvnetctl net-list shows them)", netname);
	if (!active)
		die(1, "--net: network %s is not active (uvnetctl net-start %s)", netname, netname);

	/* One run per name: a lock held for as long as we live. */
	mkdirs(run_dir);
	path_in_run_dir(vm.lock_path, sizeof(vm.lock_path), o.name, "lock");
	path_in_run_dir(vm.rec_path, sizeof(vm.rec_path), o.name, "json");
	path_in_run_dir(vm.sock, sizeof(vm.sock), o.name, "sock");
	path_in_run_dir(vm.cons, sizeof(vm.cons), o.name, "console");
	path_in_run_dir(vm.qmp, sizeof(vm.qmp), o.name, "qmp");
	if (o.serial_log)
		snprintf(vm.log, sizeof(vm.log), "%s", o.serial_log);
	else
		path_in_run_dir(vm.log, sizeof(vm.log), o.name, "log");
	if (strlen(vm.cons) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		die(1, "--run-dir: '%s' is too long for socket paths", run_dir);
	lock = open(vm.lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB)) {
		int pid = 0;

		if ((rec = read_record(o.name)))
			pid = jint(rec, "pid");
		json_object_put(rec);
		die(1, "--name: a VM named %s is already running (pid %d)", o.name, pid);
	}
	/* A record without a live run: a SIGKILLed uvnet-vm.  Take its port. */
	if ((rec = read_record(o.name))) {
		r = ctl(&err, "del-port", jstr(rec, "port"), NULL);
		json_object_put(r);
		json_object_put(rec);
	}
	snprintf(vm.port, sizeof(vm.port), "vm-%s", o.name);
	{
		char path_opt[PATH_MAX + 8], q_opt[32];

		snprintf(path_opt, sizeof(path_opt), "path=%s", vm.sock);
		snprintf(q_opt, sizeof(q_opt), "queues=%u", o.queues);
		r = ctl(&err, "add-port", vm.bridge, vm.port, "type=vhost-user", path_opt, q_opt, NULL);
		if (!r) {
			unlink(vm.lock_path);
			die(1, "add-port %s %s: %s", vm.bridge, vm.port, err);
		}
		json_object_put(r);
		vm.port_added = true;
	}
	accel = pick_accel(o.accel);

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	unlink(vm.qmp);
	unlink(vm.cons);
	vm.qemu = start_qemu(&vm, accel, tty);
	if (vm.qemu < 0) {
		remove_port(&vm);
		cleanup_files(&vm);
		die(1, "cannot start QEMU: %s", strerror(errno));
	}

	rec = json_object_new_object();
	json_object_object_add(rec, "name", json_object_new_string(o.name));
	json_object_object_add(rec, "pid", json_object_new_int(getpid()));
	json_object_object_add(rec, "qemu_pid", json_object_new_int(vm.qemu));
	json_object_object_add(rec, "network", json_object_new_string(netname));
	json_object_object_add(rec, "bridge", json_object_new_string(vm.bridge));
	json_object_object_add(rec, "port", json_object_new_string(vm.port));
	json_object_object_add(rec, "mac", json_object_new_string(o.mac));
	json_object_object_add(rec, "socket", json_object_new_string(vm.sock));
	json_object_object_add(rec, "console", json_object_new_string(tty ? "" : vm.cons));
	json_object_object_add(rec, "serial_log", json_object_new_string(vm.log));
	json_object_object_add(rec, "qmp", json_object_new_string(vm.qmp));
	json_object_object_add(rec, "control", json_object_new_string(control));
	json_object_object_add(rec, "accel", json_object_new_string(accel));
	json_object_object_add(rec, "mem_mib", json_object_new_int64((int64_t)o.mem_mib));
	json_object_object_add(rec, "cpus", json_object_new_int((int)o.cpus));
	json_object_object_add(rec, "started", json_object_new_int64((int64_t)time(NULL)));
	write_record(o.name, rec);
	json_object_put(rec);
	note("%s: QEMU pid %d (%s, %llu MiB, %u vCPU), port %s on network %s, MAC %s", o.name,
	     (int)vm.qemu, accel, o.mem_mib, o.cpus, vm.port, netname, o.mac);
	if (!tty)
		note("%s: console: uvnet-vm%s%s console %s; log: %s", o.name,
		     strcmp(control, DEFAULT_CONTROL) ? " --control " : "",
		     strcmp(control, DEFAULT_CONTROL) ? control : "", o.name, vm.log);
	qmp_connect(&vm);

	for (bool done = false; !done;) {
		struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN },
					 { .fd = vm.qmp_fd, .events = POLLIN } };
		struct signalfd_siginfo si;

		if (poll(pfd, vm.qmp_fd >= 0 ? 2 : 1, -1) < 0)
			continue;
		if (vm.qmp_fd >= 0 && pfd[1].revents)
			qmp_read(&vm);
		if (!(pfd[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		switch (si.ssi_signo) {
		case SIGCHLD:
			if (waitpid(vm.qemu, &status, WNOHANG) == vm.qemu)
				done = true;
			break;
		case SIGUSR1:
			note("%s: asking the guest to power off (ACPI)", o.name);
			qmp_send(&vm, "system_powerdown");
			break;
		default:
			/* SIGTERM, SIGINT, SIGHUP: stop QEMU, then tidy up below */
			note("%s: signal %u: stopping QEMU", o.name, si.ssi_signo);
			kill(vm.qemu, SIGTERM);
			for (int i = 0; i < 100 && waitpid(vm.qemu, &status, WNOHANG) != vm.qemu; i++)
				usleep(100000);
			if (proc_alive(vm.qemu)) {
				kill(vm.qemu, SIGKILL);
				waitpid(vm.qemu, &status, 0);
			}
			remove_port(&vm);
			cleanup_files(&vm);
			note("%s: stopped", o.name);
			return 128 + (int)si.ssi_signo;
		}
	}
	/* QEMU is gone: read whatever its monitor still had to say. */
	while (vm.qmp_fd >= 0 && poll(&(struct pollfd){ .fd = vm.qmp_fd, .events = POLLIN }, 1, 200) > 0)
		qmp_read(&vm);
	if (vm.qmp_fd >= 0)
		close(vm.qmp_fd);
	remove_port(&vm);
	cleanup_files(&vm);
	if (WIFSIGNALED(status)) {
		note("%s: QEMU was killed by signal %d", o.name, WTERMSIG(status));
		return 1;
	}
	if (WEXITSTATUS(status)) {
		note("%s: QEMU failed (exit status %d)", o.name, WEXITSTATUS(status));
		return 1;
	}
	if (!strcmp(vm.reason, "guest-shutdown") || (!vm.reason[0] && !WEXITSTATUS(status))) {
		note("%s: the guest powered off", o.name);
		return 0;
	}
	rc = 1;
	if (!strcmp(vm.reason, "guest-reset"))
		note("%s: the guest rebooted (or panicked with panic=N): QEMU ran with -no-reboot", o.name);
	else if (!strcmp(vm.reason, "guest-panic"))
		note("%s: the guest panicked", o.name);
	else
		note("%s: QEMU stopped (%s)", o.name, vm.reason);
	return rc;
}

/* ---- list / stop / console ---- */

static int cmd_list(int argc, char **argv)
{
	struct json_object *all = json_object_new_array(), *leases_by_net = json_object_new_object();
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	struct dirent *de;
	DIR *dir;

	if (argc > 1 && !json)
		die(2, "list: unexpected argument '%s'", argv[1]);
	dir = opendir(run_dir);
	while (dir && (de = readdir(dir))) {
		size_t n = strlen(de->d_name);
		struct json_object *rec, *leases, *res;
		const char *err, *net;
		char name[256];

		if (n < 6 || strcmp(de->d_name + n - 5, ".json"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(n - 5), de->d_name);
		if (!(rec = read_record(name)))
			continue;
		json_object_object_add(rec, "state", json_object_new_string(
			proc_alive(jint(rec, "pid")) ? "running" : "stale"));
		net = jstr(rec, "network");
		if (!json_object_object_get_ex(leases_by_net, net, &leases)) {
			res = ctl(&err, "net-dhcp-leases", net, NULL);
			leases = res ? json_object_get(json_object_object_get(res, "leases")) : NULL;
			json_object_put(res);
			json_object_object_add(leases_by_net, net, leases);
		}
		for (size_t i = 0; i < json_object_array_length(leases); i++) {
			struct json_object *l = json_object_array_get_idx(leases, i);

			if (!strcasecmp(jstr(l, "mac"), jstr(rec, "mac")))
				json_object_object_add(rec, "ip", json_object_new_string(jstr(l, "ip")));
		}
		json_object_array_add(all, rec);
	}
	if (dir)
		closedir(dir);
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY));
	} else {
		printf("%-16s %-8s %-12s %-17s %-15s %-8s %s\n", "Name", "State", "Network", "MAC", "IP",
		       "PID", "Console log");
		for (size_t i = 0; i < json_object_array_length(all); i++) {
			struct json_object *r = json_object_array_get_idx(all, i);

			printf("%-16s %-8s %-12s %-17s %-15s %-8d %s\n", jstr(r, "name"), jstr(r, "state"),
			       jstr(r, "network"), jstr(r, "mac"), *jstr(r, "ip") ? jstr(r, "ip") : "-",
			       jint(r, "pid"), jstr(r, "serial_log"));
		}
	}
	json_object_put(all);
	json_object_put(leases_by_net);
	return 0;
}

static int cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "powerdown", no_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ 0 },
	};
	struct json_object *rec, *r;
	bool powerdown = false;
	double timeout = 15;
	const char *name, *err;
	pid_t pid, qemu;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'p': powerdown = true; break;
		case 't':
			timeout = strtod(optarg, &end);
			if (*end || end == optarg || timeout < 0)
				die(2, "--timeout: '%s' is not a number of seconds", optarg);
			break;
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc - 1)
		die(2, "stop: usage: stop NAME [--powerdown] [--timeout S]");
	name = argv[optind];
	if (!valid_name(name) || !(rec = read_record(name)))
		die(1, "stop: no VM named %s in %s", name, run_dir);
	pid = jint(rec, "pid");
	qemu = jint(rec, "qemu_pid");
	if (proc_alive(pid)) {
		if (powerdown) {
			kill(pid, SIGUSR1);
			for (int i = 0; i < timeout * 10 && proc_alive(pid); i++)
				usleep(100000);
		}
		if (proc_alive(pid))
			kill(pid, SIGTERM);
		for (int i = 0; i < 150 && proc_alive(pid); i++)
			usleep(100000);
		if (!proc_alive(pid)) {
			json_object_put(rec);
			printf("%s stopped\n", name);
			return 0;
		}
		note("%s: uvnet-vm run (pid %d) did not stop: killing it", name, (int)pid);
		kill(pid, SIGKILL);
	}
	/* Nobody left to tidy up: do it here. */
	if (proc_alive(qemu)) {
		char path[64], comm[64] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", (int)qemu);
		if ((f = fopen(path, "re"))) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
		}
		if (strstr(comm, "qemu"))
			kill(qemu, SIGKILL);
	}
	r = ctl(&err, "del-port", jstr(rec, "port"), NULL);
	if (!r && !strstr(err, "no port named"))
		note("%s: could not remove port %s: %s", name, jstr(rec, "port"), err);
	json_object_put(r);
	{
		char path[PATH_MAX];
		const char *const suffixes[] = { "json", "qmp", "console", "lock" };

		for (size_t i = 0; i < 4; i++) {
			path_in_run_dir(path, sizeof(path), name, suffixes[i]);
			unlink(path);
		}
	}
	json_object_put(rec);
	printf("%s stopped\n", name);
	return 0;
}

static struct termios saved_tio;

static void restore_tty(void)
{
	tcsetattr(0, TCSANOW, &saved_tio);
}

static int cmd_console(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct json_object *rec;
	bool tty = isatty(0), running;
	const char *name;
	int fd;

	if (argc != 2)
		die(2, "console: usage: console NAME");
	name = argv[1];
	rec = valid_name(name) ? read_record(name) : NULL;
	running = rec && proc_alive(jint(rec, "pid"));
	if (running)
		fmt(sa.sun_path, sizeof(sa.sun_path), "%s", jstr(rec, "console"));
	json_object_put(rec);
	if (!running)
		die(1, "console: no running VM named %s in %s", name, run_dir);
	if (!sa.sun_path[0])
		die(1, "console: %s's console is the terminal it was started from", name);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die(1, "console: cannot connect to %s: %s", sa.sun_path, strerror(errno));
	if (tty) {
		struct termios raw;

		tcgetattr(0, &saved_tio);
		raw = saved_tio;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
		atexit(restore_tty);
		fprintf(stderr, "Connected to %s's console; Ctrl-] leaves.\r\n", name);
	}
	for (bool in_open = true;;) {
		struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
		char buf[4096];
		ssize_t n;

		int n_ready = poll(pfd, in_open ? 2 : 1, in_open ? -1 : 1000);

		if (n_ready < 0 && errno != EINTR)
			break;
		if (!n_ready)
			break; /* stdin ended and the guest has been quiet for a second */
		if (pfd[0].revents) {
			n = read(fd, buf, sizeof(buf));
			if (n <= 0 || write(1, buf, (size_t)n) != n)
				break;
		}
		if (in_open && pfd[1].revents) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0) {
				in_open = false; /* stdin ended: print what still comes */
				continue;
			}
			if (tty && memchr(buf, 0x1d, (size_t)n))
				break;
			if (write(fd, buf, (size_t)n) != n)
				break;
		}
	}
	if (tty)
		fprintf(stderr, "\r\n");
	close(fd);
	return 0;
}

static int cmd_build_guest(int argc, char **argv)
{
	char script[PATH_MAX];

	(void)argv;
	if (argc != 1)
		die(2, "build-guest: no arguments expected");
	if (!find_guest_script("build-guest.sh", script, sizeof(script)))
		die(1, "build-guest: scripts/guest/build-guest.sh not found (set UVNET_GUEST_SCRIPTS)");
	fprintf(stderr, "%s: running %s (prints kernel= and initrd=; uvnet-vm run uses them by "
		"default)\n", prog, script);
	execl(script, script, (char *)NULL);
	die(1, "build-guest: cannot run %s: %s", script, strerror(errno));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 'c' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *cmd;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'c': control = optarg; break;
		case 'r': snprintf(run_dir, sizeof(run_dir), "%s", optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 1;
	/* `run` takes --control and --run-dir too: look for them before the
	 * default run directory is worked out. */
	if (!strcmp(cmd, "run")) {
		for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
			if (!strcmp(argv[i], "--control") && i + 1 < argc)
				control = argv[i + 1];
			else if (!strncmp(argv[i], "--control=", 10))
				control = argv[i] + 10;
			else if (!strcmp(argv[i], "--run-dir") && i + 1 < argc)
				snprintf(run_dir, sizeof(run_dir), "%s", argv[i + 1]);
			else if (!strncmp(argv[i], "--run-dir=", 10))
				snprintf(run_dir, sizeof(run_dir), "%s", argv[i] + 10);
		}
	}
	if (!run_dir[0]) {
		const char *slash = strrchr(control, '/');

		snprintf(run_dir, sizeof(run_dir), "%.*s/vms", slash ? (int)(slash - control) : 1,
			 slash ? control : ".");
	}
	if (!strcmp(cmd, "run"))
		rc = cmd_run(argc, argv);
	else if (!strcmp(cmd, "list"))
		rc = cmd_list(argc, argv);
	else if (!strcmp(cmd, "stop"))
		rc = cmd_stop(argc, argv);
	else if (!strcmp(cmd, "console"))
		rc = cmd_console(argc, argv);
	else if (!strcmp(cmd, "build-guest"))
		rc = cmd_build_guest(argc, argv);
	else if (!strcmp(cmd, "help"))
		usage(stdout), rc = 0;
	else
		die(2, "%s: unknown command (see uvnet-vm --help)", cmd);
	return rc;
}
