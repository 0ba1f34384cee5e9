/* SPDX-License-Identifier: MIT */
/*
 * `uvnet-vm run`: check the arguments, find the network's bridge, take the
 * VM's name (a lock in the run directory), add a vhost-user port for it
 * over uvnetd's control socket, start QEMU (vm_qemu.h), write NAME.json,
 * and stay until QEMU is gone; then remove the port and the files (also on
 * SIGTERM, SIGINT and SIGHUP).  SIGUSR1 asks the guest to power off;
 * SIGUSR2 migrates it to a new QEMU (`uvnet-vm migrate`, vm_migrate.c).
 *
 * Exit status: 0 when the guest powered off, 1 when it rebooted, panicked
 * or QEMU failed (or on an error before it started), 2 on a usage error,
 * 128+N when stopped by signal N.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control/client.h"
#include "tools/vm.h"
#include "tools/vm_qemu.h"
#include "tools/vm_record.h"
#include "util/parse.h"
#include "util/proc.h"

/* ---- the arguments ---- */

/* A unicast MAC address, not all zeros. */
static bool parse_unicast_mac(const char *s, uint8_t mac[6])
{
	return parse_mac(s, mac) && !(mac[0] & 1) &&
	       (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

/* SIZE in MiB: "512", "512M", "1G", "262144K", "1.5G" is not taken. */
static bool parse_mem(const char *s, unsigned long long *mib)
{
	const char *end = s + strspn(s, "0123456789");
	uint64_t v;

	if (!parse_uint_n(s, (size_t)(end - s), 0, (1ull << 40) - 1, &v))
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

static void default_mac(const char *name, char out[18])
{
	uint32_t h = 2166136261u;

	for (const char *c = name; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	snprintf(out, 18, "52:54:00:%02x:%02x:%02x", (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
}

static void parse_net(struct run_opts *o, const char *spec)
{
	char buf[256], *save = NULL, *tok;
	uint8_t mac[6];

	if (strlen(spec) >= sizeof(buf))
		die(2, "--net: '%s' is too long", spec);
	strcpy(buf, spec);
	tok = strtok_r(buf, ",", &save);
	if (!tok || strchr(tok, '='))
		die(2, "--net: give the network first: --net NETWORK|ovn:LSP[,mac=MAC][,queues=N]");
	if (strlen(tok) >= sizeof(o->netname))
		die(2, "--net: '%s' is too long", tok);
	snprintf(o->netname, sizeof(o->netname), "%s", tok);
	if (!strncmp(tok, "ovn:", 4)) {
		if (!tok[4] || strlen(tok + 4) >= sizeof(o->ovn_lsp))
			die(2, "--net: ovn:LSP needs a logical port name of 1-%zu characters",
			    sizeof(o->ovn_lsp) - 1);
		for (const char *c = tok + 4; *c; c++)
			if (*c <= ' ' || *c > '~')
				die(2, "--net: '%s': a logical port name has no spaces or control characters", tok);
		snprintf(o->ovn_lsp, sizeof(o->ovn_lsp), "%s", tok + 4);
	}
	while ((tok = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(tok, '=');

		if (!eq)
			die(2, "--net: '%s': expected key=value (mac=, queues=)", tok);
		*eq = '\0';
		if (!strcmp(tok, "mac")) {
			if (!parse_unicast_mac(eq + 1, mac))
				die(2, "--net: mac=%s is not a unicast MAC address like 52:54:00:12:34:56",
				    eq + 1);
			snprintf(o->mac, sizeof(o->mac), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
				 mac[2], mac[3], mac[4], mac[5]);
		} else if (!strcmp(tok, "queues")) {
			uint64_t q;

			if (!parse_uint(eq + 1, 1, VM_MAX_QUEUES, &q))
				die(2, "--net: queues=%s is not a number from 1 to %d", eq + 1, VM_MAX_QUEUES);
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

/* PATH[,format=raw|qcow2]: the format is said, never guessed (default
 * raw).  Only a trailing ",format=" is an option: commas before it belong
 * to the path (QEMU gets them escaped). */
static void parse_disk(struct run_opts *o)
{
	const char *comma = strrchr(o->disk, ',');
	size_t len = strlen(o->disk);

	o->disk_format = "raw";
	if (comma && !strncmp(comma, ",format=", 8)) {
		o->disk_format = comma + 8;
		len = (size_t)(comma - o->disk);
		if (strcmp(o->disk_format, "raw") && strcmp(o->disk_format, "qcow2"))
			die(2, "--disk: format=%s is not raw or qcow2", o->disk_format);
	}
	if (!len || len >= sizeof(o->disk_path))
		die(2, "--disk: '%s' is not PATH[,format=raw|qcow2]", o->disk);
	memcpy(o->disk_path, o->disk, len);
	o->disk_path[len] = '\0';
	check_file("--disk", o->disk_path);
}

/* --user USER: who QEMU runs as (never root). */
static void parse_user(struct run_opts *o)
{
	struct passwd *pw = getpwnam(o->user);

	if (!pw)
		die(2, "--user: no user named '%s'", o->user);
	if (pw->pw_uid == 0)
		die(2, "--user: '%s' is root: leave --user out to run QEMU as root", o->user);
	o->uid = pw->pw_uid;
	o->gid = pw->pw_gid;
	if (geteuid() != 0)
		die(2, "--user: only root can run QEMU as another user");
}

static const struct option run_options[] = {
	{ "name", required_argument, NULL, 'n' },
	{ "net", required_argument, NULL, 'N' },
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "cmdline", required_argument, NULL, 'a' },
	{ "disk", required_argument, NULL, 'd' },
	{ "user", required_argument, NULL, 'u' },
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

/* The options into o, as given; QEMU's own arguments (after --) too. */
static void read_options(int argc, char **argv, struct run_opts *o)
{
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "+", run_options, NULL)) != -1) {
		switch (c) {
		case 'n': o->name = optarg; break;
		case 'N': o->net = optarg; break;
		case 'k': o->kernel = optarg; break;
		case 'i': o->initrd = optarg; break;
		case 'a': o->cmdline = optarg; break;
		case 'd': o->disk = optarg; break;
		case 'u': o->user = optarg; break;
		case 'C': o->console = optarg; break;
		case 'S': o->serial_log = optarg; break;
		case 'A': o->accel = optarg; break;
		case 'q': o->qemu = optarg; break;
		case 'x': vm_control = optarg; break;
		case 'r': vm_run_dir_set(optarg); break;
		case 'm':
			if (!parse_mem(optarg, &o->mem_mib))
				die(2, "--mem: '%s' is not a size like 512, 512M or 1G", optarg);
			break;
		case 'c':
			if (!parse_uint(optarg, 1, 255, &v))
				die(2, "--cpus: '%s' is not a number from 1 to 255", optarg);
			o->cpus = (unsigned)v;
			break;
		case 'h': usage(stdout, "run"); exit(0);
		default: usage(stderr, "run"); exit(2);
		}
	}
	o->extra = argv + optind;
	o->nextra = argc - optind;
	if (o->nextra && strcmp(argv[optind - 1], "--"))
		die(2, "run: unexpected argument '%s' (QEMU arguments go after --)", argv[optind]);
}

/* The guest uvnet-vm build-guest made, when no --kernel was given. */
static void default_guest(struct run_opts *o, char *kbuf, char *ibuf, size_t len)
{
	snprintf(kbuf, len, "%s/guest/vmlinuz", cache_dir());
	if (access(kbuf, F_OK))
		die(1, "--kernel: not given, and no guest was built (uvnet-vm build-guest makes one)");
	o->kernel = kbuf;
	if (!o->initrd) {
		snprintf(ibuf, len, "%s/guest/initrd.img", cache_dir());
		o->initrd = ibuf;
	}
}

/* Every option checked, the defaults filled in (dies on the first fault). */
static void check_options(struct run_opts *o, char *kbuf, char *ibuf, size_t len)
{
	const char *env_qemu = getenv("UVNET_QEMU");

	if (!o->name)
		die(2, "--name: run needs --name NAME");
	if (!valid_name(o->name))
		die(2, "--name: '%s' is not a valid VM name (1-%d of A-Z a-z 0-9 - _ .)", o->name,
		    VM_NAME_MAX_LEN);
	if (!o->net)
		die(2, "--net: run needs --net NETWORK (uvnetctl net-list shows them)");
	parse_net(o, o->net);
	if (!o->mac[0] && !o->ovn_lsp[0]) /* ovn:LSP: the logical port's (find_bridge) */
		default_mac(o->name, o->mac);
	if (o->mem_mib < VM_MIN_MEM_MIB)
		die(2, "--mem: %llu MiB is too little memory (at least %d MiB)", o->mem_mib,
		    VM_MIN_MEM_MIB);
	if (strcmp(o->console, "log") && strcmp(o->console, "tty"))
		die(2, "--console: '%s' is not log or tty", o->console);
	if (o->accel && strcmp(o->accel, "kvm") && strcmp(o->accel, "tcg"))
		die(2, "--accel: '%s' is not kvm or tcg", o->accel);
	if (!o->kernel)
		default_guest(o, kbuf, ibuf, len);
	check_file("--kernel", o->kernel);
	if (!o->initrd)
		die(2, "--initrd: run --kernel needs --initrd too");
	check_file("--initrd", o->initrd);
	if (o->disk)
		parse_disk(o);
	if (o->user)
		parse_user(o);
	if (!o->qemu)
		o->qemu = env_qemu && *env_qemu ? env_qemu : "qemu-system-x86_64";
	if (!strcmp(o->console, "tty") && !isatty(0))
		die(2, "--console tty: standard input is not a terminal");
}

/* ---- the network, the name, the port ---- */

/* The first MAC of a logical port's addresses ("MAC IP...", "unknown",
 * "router", "dynamic"...) into mac; false when it has none. */
static bool first_mac(struct json_object *addresses, char mac[18])
{
	for (size_t i = 0; i < json_object_array_length(addresses); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(addresses, i));
		char word[18];
		uint8_t m[6];

		if (!s || strcspn(s, " ") != 17)
			continue;
		memcpy(word, s, 17);
		word[17] = '\0';
		if (parse_unicast_mac(word, m)) {
			snprintf(mac, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
			return true;
		}
	}
	return false;
}

/* --net ovn:LSP: the OVN bridge (ovn-set's bridge=) and, without mac=,
 * the logical port's first MAC, from uvnetd's copy of the Southbound. */
static void find_ovn_port(struct vm *vm)
{
	struct run_opts *o = vm->o;
	struct json_object *lp;
	struct error e = { 0 };

	if (control_requestv(vm_control, &lp, &e, "ovn-show", o->ovn_lsp, NULL))
		die(1, "--net %s: %s", o->netname, e.msg);
	if (*jstr(lp, "type"))
		die(1, "--net %s: logical port %s is of type '%s': a VM binds a VIF port (type \"\")",
		    o->netname, o->ovn_lsp, jstr(lp, "type"));
	snprintf(vm->bridge, sizeof(vm->bridge), "%s", jstr(lp, "bridge"));
	if (!o->mac[0] && !first_mac(json_object_object_get(lp, "addresses"), o->mac))
		die(1, "--net %s: logical port %s has no MAC in its addresses (ovn-nbctl "
		    "lsp-set-addresses %s \"MAC IP\"): give --net %s,mac=MAC", o->netname, o->ovn_lsp,
		    o->ovn_lsp, o->netname);
	json_object_put(lp);
}

/* The bridge of the network o->netname, which must exist and run; or the
 * OVN bridge for ovn:LSP. */
static void find_bridge(struct vm *vm)
{
	const char *netname = vm->o->netname;
	struct json_object *nets, *list, *net = NULL;
	struct error e = { 0 };
	bool active;

	if (vm->o->ovn_lsp[0]) {
		find_ovn_port(vm);
		return;
	}
	if (control_requestv(vm_control, &nets, &e, "net-list", NULL))
		die(1, "%s", e.msg);
	list = json_object_object_get(nets, "networks");
	for (size_t i = 0; i < json_object_array_length(list); i++)
		if (!strcmp(jstr(json_object_array_get_idx(list, i), "name"), netname))
			net = json_object_array_get_idx(list, i);
	if (net)
		snprintf(vm->bridge, sizeof(vm->bridge), "%s", jstr(net, "bridge"));
	active = net && json_object_get_boolean(json_object_object_get(net, "active"));
	json_object_put(nets);
	if (!net)
		die(1, "--net: no network named %s (uvnetctl net-list shows them)", netname);
	if (!active)
		die(1, "--net: network %s is not active (uvnetctl net-start %s)", netname, netname);
}

/* With --user, QEMU (as that user) makes its console and monitor sockets
 * in RUN-DIR/NAME.d, a directory of that user's (the run directory stays
 * root's), and writes a console log it cannot create itself. */
static void user_files(struct vm *vm)
{
	const struct run_opts *o = vm->o;
	char dir[PATH_MAX];
	struct stat st;
	int fd;

	vm_path(dir, sizeof(dir), o->name, "d");
	if ((mkdir(dir, 0700) && errno != EEXIST) || lstat(dir, &st) || !S_ISDIR(st.st_mode) ||
	    chown(dir, o->uid, o->gid) || chmod(dir, 0700))
		die(1, "--user: cannot make %s for %s: %s", dir, o->user, strerror(errno));
	if (!fmt(vm->cons, sizeof(vm->cons), "%s/console", dir) ||
	    !fmt(vm->qmp, sizeof(vm->qmp), "%s/qmp", dir))
		die(1, "--run-dir: '%s' is too long", vm_run_dir);
	unlink(vm->cons);
	unlink(vm->qmp);
	/* a log made here is given to the user; one that exists is left as it is */
	fd = open(vm->log, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd >= 0) {
		if (fchown(fd, o->uid, o->gid))
			note("--user: cannot give %s to %s: %s", vm->log, o->user, strerror(errno));
		close(fd);
	}
}

/* The VM's files in the run directory. */
static void name_files(struct vm *vm)
{
	const char *name = vm->o->name;

	vm_path(vm->lock_path, sizeof(vm->lock_path), name, "lock");
	vm_path(vm->sock, sizeof(vm->sock), name, "sock");
	vm_path(vm->cons, sizeof(vm->cons), name, "console");
	vm_path(vm->qmp, sizeof(vm->qmp), name, "qmp");
	if (vm->o->serial_log)
		snprintf(vm->log, sizeof(vm->log), "%s", vm->o->serial_log);
	else
		vm_path(vm->log, sizeof(vm->log), name, "log");
	if (strlen(vm->cons) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		die(1, "--run-dir: '%s' is too long for socket paths", vm_run_dir);
}

/* One run per name: a lock held for as long as we live (the fd stays
 * open).  A record without a live run (a SIGKILLed uvnet-vm): its port
 * is taken down. */
static void take_name(struct vm *vm)
{
	const char *name = vm->o->name;
	struct json_object *rec, *r;
	struct error e;
	int lock;

	vm_run_dir_create();
	name_files(vm);
	lock = open(vm->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB)) {
		int pid = 0;

		if ((rec = vm_record_read(name)))
			pid = jint(rec, "pid");
		json_object_put(rec);
		die(1, "--name: a VM named %s is already running (pid %d)", name, pid);
	}
	if ((rec = vm_record_read(name))) {
		if (!control_requestv(vm_control, &r, &e, "del-port", jstr(rec, "port"), NULL))
			json_object_put(r);
		json_object_put(rec);
	}
}

static void remove_port(struct vm *vm);

static void add_port(struct vm *vm)
{
	char path_opt[PATH_MAX + 8], q_opt[32], id_opt[sizeof(vm->o->ovn_lsp) + 16];
	struct json_object *r;
	struct error e;

	snprintf(vm->port, sizeof(vm->port), "vm-%s", vm->o->name);
	snprintf(path_opt, sizeof(path_opt), "path=%s", vm->sock);
	snprintf(q_opt, sizeof(q_opt), "queues=%u", vm->o->queues);
	snprintf(id_opt, sizeof(id_opt), "iface-id=%s", vm->o->ovn_lsp);
	/* ovn:LSP: bound to the logical port, its port security the binding's */
	if (control_requestv(vm_control, &r, &e, "add-port", vm->bridge, vm->port, "type=vhost-user",
			     path_opt, q_opt, vm->o->ovn_lsp[0] ? id_opt : NULL, NULL)) {
		unlink(vm->lock_path);
		die(1, "add-port %s %s: %s", vm->bridge, vm->port, e.msg);
	}
	json_object_put(r);
	vm->port_added = true;
	/* uvnetd made the socket root's, 0600: QEMU as --user must open it */
	if (vm->o->user && chown(vm->sock, vm->o->uid, vm->o->gid)) {
		note("--user: cannot give %s to %s: %s", vm->sock, vm->o->user, strerror(errno));
		remove_port(vm);
		unlink(vm->lock_path);
		exit(1);
	}
}

static void remove_port(struct vm *vm)
{
	struct json_object *r;
	struct error e;

	if (!vm->port_added)
		return;
	if (!control_requestv(vm_control, &r, &e, "del-port", vm->port, NULL))
		json_object_put(r);
	else if (!strstr(e.msg, "no port named"))
		note("could not remove port %s: %s", vm->port, e.msg);
	vm->port_added = false;
}

/* ---- QEMU running ---- */

/* SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2 blocked, read from the
 * returned signalfd. */
static int watch_signals(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	return signalfd(-1, &mask, SFD_CLOEXEC);
}

static void write_run_record(const struct vm *vm, const char *accel, bool tty)
{
	const struct run_opts *o = vm->o;
	struct json_object *rec = json_object_new_object();

	json_object_object_add(rec, "name", json_object_new_string(o->name));
	json_object_object_add(rec, "pid", json_object_new_int(getpid()));
	json_object_object_add(rec, "qemu_pid", json_object_new_int(vm->qemu));
	/* with the pids, the start times name the processes for good: stop
	 * signals a pid only while it is still the one started here */
	json_object_object_add(rec, "pid_start", json_object_new_uint64(proc_start_time(getpid())));
	json_object_object_add(rec, "qemu_start",
			       json_object_new_uint64(proc_start_time(vm->qemu)));
	json_object_object_add(rec, "user", json_object_new_string(o->user ? o->user : "root"));
	json_object_object_add(rec, "disk", json_object_new_string(o->disk ? o->disk_path : ""));
	json_object_object_add(rec, "disk_format",
			       json_object_new_string(o->disk ? o->disk_format : ""));
	json_object_object_add(rec, "network", json_object_new_string(o->netname));
	json_object_object_add(rec, "bridge", json_object_new_string(vm->bridge));
	json_object_object_add(rec, "port", json_object_new_string(vm->port));
	json_object_object_add(rec, "mac", json_object_new_string(o->mac));
	json_object_object_add(rec, "socket", json_object_new_string(vm->sock));
	json_object_object_add(rec, "console", json_object_new_string(tty ? "" : vm->cons));
	json_object_object_add(rec, "serial_log", json_object_new_string(vm->log));
	json_object_object_add(rec, "qmp", json_object_new_string(vm->qmp));
	json_object_object_add(rec, "control", json_object_new_string(vm_control));
	json_object_object_add(rec, "accel", json_object_new_string(accel));
	json_object_object_add(rec, "mem_mib", json_object_new_int64((int64_t)o->mem_mib));
	json_object_object_add(rec, "cpus", json_object_new_int((int)o->cpus));
	json_object_object_add(rec, "started", json_object_new_int64((int64_t)time(NULL)));
	vm_record_write(o->name, rec);
	json_object_put(rec);
}

static void announce(const struct vm *vm, const char *accel, bool tty)
{
	const struct run_opts *o = vm->o;
	bool other = strcmp(vm_control, CONTROL_DEFAULT_SOCKET) != 0;

	note("%s: QEMU pid %d (%s, %llu MiB, %u vCPU), port %s on network %s, MAC %s", o->name,
	     (int)vm->qemu, accel, o->mem_mib, o->cpus, vm->port, o->netname, o->mac);
	if (!tty)
		note("%s: console: uvnet-vm%s%s console %s; log: %s", o->name,
		     other ? " --control " : "", other ? vm_control : "", o->name, vm->log);
}

/* SIGTERM, SIGINT or SIGHUP: QEMU ended (SIGKILL after 10 s), the port
 * and the files removed; 128 + the signal. */
static int stop_on_signal(struct vm *vm, unsigned signo)
{
	int status;

	note("%s: signal %u: stopping QEMU", vm->o->name, signo);
	kill(vm->qemu, SIGTERM);
	for (int i = 0; i < 100 && waitpid(vm->qemu, &status, WNOHANG) != vm->qemu; i++)
		usleep(100000);
	if (proc_alive(vm->qemu)) {
		kill(vm->qemu, SIGKILL);
		waitpid(vm->qemu, &status, 0);
	}
	remove_port(vm);
	vm_record_remove(vm->o->name);
	note("%s: stopped", vm->o->name);
	return 128 + (int)signo;
}

/* Until QEMU is gone: -1 with its wait status in *status, or what
 * stop_on_signal() returned. */
static int wait_for_qemu(struct vm *vm, int sfd, int *status)
{
	for (;;) {
		struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN },
					 { .fd = vm->qmp_fd, .events = POLLIN } };
		struct signalfd_siginfo si;

		if (poll(pfd, vm->qmp_fd >= 0 ? 2 : 1, -1) < 0)
			continue;
		if (vm->qmp_fd >= 0 && pfd[1].revents)
			qmp_read(vm);
		if (!(pfd[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		switch (si.ssi_signo) {
		case SIGCHLD:
			if (waitpid(vm->qemu, status, WNOHANG) == vm->qemu)
				return -1;
			break;
		case SIGUSR1:
			note("%s: asking the guest to power off (ACPI)", vm->o->name);
			qmp_send(vm, "system_powerdown");
			break;
		case SIGUSR2:
			vm_migrate_serve(vm);
			/* the QEMU that ended meanwhile may be the one we follow now */
			if (waitpid(vm->qemu, status, WNOHANG) == vm->qemu)
				return -1;
			break;
		default:
			return stop_on_signal(vm, si.ssi_signo);
		}
	}
}

/* QEMU is gone: read whatever its monitor still had to say, tidy up, and
 * tell how the guest ended (the exit status of run). */
static int finish(struct vm *vm, int status)
{
	const char *name = vm->o->name;

	while (vm->qmp_fd >= 0 && poll(&(struct pollfd){ .fd = vm->qmp_fd, .events = POLLIN }, 1, 200) > 0)
		qmp_read(vm);
	if (vm->qmp_fd >= 0)
		close(vm->qmp_fd);
	remove_port(vm);
	vm_record_remove(name);
	if (WIFSIGNALED(status)) {
		note("%s: QEMU was killed by signal %d", name, WTERMSIG(status));
		return 1;
	}
	if (WEXITSTATUS(status)) {
		note("%s: QEMU failed (exit status %d)", name, WEXITSTATUS(status));
		return 1;
	}
	if (!strcmp(vm->reason, "guest-shutdown") || !vm->reason[0]) {
		note("%s: the guest powered off", name);
		return 0;
	}
	if (!strcmp(vm->reason, "guest-reset"))
		note("%s: the guest rebooted (or panicked with panic=N): QEMU ran with -no-reboot", name);
	else if (!strcmp(vm->reason, "guest-panic"))
		note("%s: the guest panicked", name);
	else
		note("%s: QEMU stopped (%s)", name, vm->reason);
	return 1;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { .mem_mib = 256, .cpus = 1, .queues = 1, .console = "log" };
	struct vm vm = { .o = &o, .qmp_fd = -1 };
	char kbuf[PATH_MAX], ibuf[PATH_MAX];
	const char *accel;
	int sfd, status = 0, rc;
	bool tty;

	read_options(argc, argv, &o);
	check_options(&o, kbuf, ibuf, sizeof(kbuf));
	tty = !strcmp(o.console, "tty");
	find_bridge(&vm);
	take_name(&vm);
	if (o.user)
		user_files(&vm);
	add_port(&vm);
	accel = pick_accel(o.accel);
	vm.accel = accel;
	vm.tty = tty;
	sfd = watch_signals();
	if (sfd < 0) {
		remove_port(&vm);
		vm_record_remove(o.name);
		die(1, "signalfd: %s", strerror(errno));
	}
	unlink(vm.qmp);
	unlink(vm.cons);
	vm.qemu = start_qemu(&vm, accel, tty);
	if (vm.qemu < 0) {
		remove_port(&vm);
		vm_record_remove(o.name);
		die(1, "cannot start QEMU: %s", strerror(errno));
	}
	write_run_record(&vm, accel, tty);
	announce(&vm, accel, tty);
	qmp_connect(&vm);
	rc = wait_for_qemu(&vm, sfd, &status);
	return rc >= 0 ? rc : finish(&vm, status);
}
