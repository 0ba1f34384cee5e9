/* SPDX-License-Identifier: MIT */
/*
 * uvnet-vm: start a QEMU guest on a uvnetd network, in the manner of
 * virt-install / virsh.  `run` (vm_run.c) makes a vhost-user port for the
 * guest on the network's bridge over uvnetd's control socket, starts QEMU
 * (vm_qemu.c) with shared memfd guest memory and a vhost-user
 * virtio-net-pci NIC, stays in the foreground until the guest is gone, and
 * removes the port.  It keeps a record of each running VM under the run
 * directory (vm_record.h), which `list`, `stop` (here) and `console`
 * (vm_console.c) read.
 *
 * This file: the command line, --help, and the small commands.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "control/client.h"
#include "tools/vm.h"
#include "tools/vm_qemu.h"
#include "tools/vm_record.h"
#include "util/parse.h"
#include "util/proc.h"

#define STR(x) STR_(x)
#define STR_(x) #x

/* ---- --help ---- */

static const struct {
	const char *command, *text;
} help[] = {
	{ "run",
	  "  run --name NAME --net NETWORK|ovn:LSP[,mac=MAC][,queues=N] [options] [-- QEMU-ARG...]\n"
	  "        boot a guest on a uvnetd network; stays in the foreground until the\n"
	  "        guest is gone, exits 0 when it powered off\n"
	  "      --kernel FILE     guest kernel (default: the one uvnet-vm build-guest made)\n"
	  "      --initrd FILE     its initramfs (same default)\n"
	  "      --cmdline ARGS    more kernel command line (console=ttyS0 is always there)\n"
	  "      --disk PATH[,format=raw|qcow2]\n"
	  "                        a virtio disk; its format is never guessed (default raw)\n"
	  "      --user USER       run QEMU as USER, not root (its vhost-user socket,\n"
	  "                        console and monitor are made that user's)\n"
	  "      --mem SIZE        memory: MiB, or with a K/M/G suffix (default 256, at least "
	  STR(VM_MIN_MEM_MIB) ")\n"
	  "      --cpus N          vCPUs (default 1)\n"
	  "      --console log|tty log: the console goes to NAME.log and a socket that\n"
	  "                        `uvnet-vm console NAME` attaches to (default); tty: this terminal\n"
	  "      --serial-log PATH where the console log goes (default RUN-DIR/NAME.log)\n"
	  "      --accel kvm|tcg   default: $UVNET_ACCEL, else what scripts/guest/pick-accel.sh\n"
	  "                        found works here (cached), else tcg\n"
	  "      --qemu PATH       QEMU binary (default qemu-system-x86_64)\n" },
	{ "list",
	  "  list [--json]         VMs with a record in the run directory, their state and address\n" },
	{ "stop",
	  "  stop NAME [--powerdown] [--timeout S]\n"
	  "                        stop a VM: SIGTERM to its uvnet-vm run, which ends QEMU and\n"
	  "                        removes the port; --powerdown asks the guest first (ACPI)\n" },
	{ "migrate",
	  "  migrate NAME [--max-bandwidth MIB_S] [--timeout S]\n"
	  "                        live-migrate a running VM to a new QEMU process on a new\n"
	  "                        port of its network (same command line, -incoming); prints\n"
	  "                        the progress; the record and its uvnet-vm run follow the new\n"
	  "                        QEMU.  On failure the VM goes on where it was.  Exits 0 when\n"
	  "                        it moved (default bandwidth 1024 MiB/s, timeout 600 s)\n" },
	{ "console",
	  "  console NAME          attach to a VM's serial console (Ctrl-] leaves; without a\n"
	  "                        terminal it sends stdin and leaves 1 s after stdin ends\n"
	  "                        and the console went quiet)\n" },
	{ "build-guest",
	  "  build-guest           build (or find cached) the small test guest: kernel + initramfs\n"
	  "                        with busybox and iperf3, whose init takes uvnet.dhcp=1 and\n"
	  "                        uvnet.ip=ADDR/PREFIX on the kernel command line\n" },
};

void usage(FILE *to, const char *command)
{
	fputs("usage: uvnet-vm [--control PATH] [--run-dir DIR] COMMAND [ARG...]\n\n", to);
	for (size_t i = 0; i < sizeof(help) / sizeof(help[0]); i++)
		if (!command || !strcmp(command, help[i].command))
			fputs(help[i].text, to);
	fputs("\n"
	      "  --control PATH   uvnetd's control socket (default " CONTROL_DEFAULT_SOCKET ")\n"
	      "  --run-dir DIR    VM records (default: the control socket's directory + /vms)\n"
	      "  --help           this text\n", to);
}

/* COMMAND --help (the only argument): its help on stdout, and exit 0. */
static void help_asked(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		usage(stdout, argv[0]);
		exit(0);
	}
}

/* ---- list ---- */

/* The leases of network net, from uvnetd, looked up once per network
 * (cache: network -> leases array or null). */
static struct json_object *leases_of(struct json_object *cache, const char *net)
{
	struct json_object *leases, *res;
	struct error e;

	if (json_object_object_get_ex(cache, net, &leases))
		return leases;
	leases = NULL;
	if (!control_requestv(vm_control, &res, &e, "net-dhcp-leases", net, NULL)) {
		leases = json_object_get(json_object_object_get(res, "leases"));
		json_object_put(res);
	}
	json_object_object_add(cache, net, leases);
	return leases;
}

/* The record of name with its "state" (running or stale) and, when its
 * network leased it one, its "ip". */
static struct json_object *list_entry(const char *name, struct json_object *lease_cache)
{
	struct json_object *rec = vm_record_read(name), *leases;

	if (!rec)
		return NULL;
	json_object_object_add(rec, "state", json_object_new_string(
		proc_alive(jint(rec, "pid")) ? "running" : "stale"));
	/* none for an ovn:LSP VM, or a network gone since: no address */
	leases = strncmp(jstr(rec, "network"), "ovn:", 4) ? leases_of(lease_cache, jstr(rec, "network")) : NULL;
	for (size_t i = 0; json_object_is_type(leases, json_type_array) &&
			   i < json_object_array_length(leases); i++) {
		struct json_object *l = json_object_array_get_idx(leases, i);

		if (!strcasecmp(jstr(l, "mac"), jstr(rec, "mac")))
			json_object_object_add(rec, "ip", json_object_new_string(jstr(l, "ip")));
	}
	return rec;
}

static void print_list(struct json_object *all)
{
	printf("%-16s %-8s %-12s %-17s %-15s %-8s %s\n", "Name", "State", "Network", "MAC", "IP",
	       "PID", "Console log");
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *r = json_object_array_get_idx(all, i);

		printf("%-16s %-8s %-12s %-17s %-15s %-8d %s\n", jstr(r, "name"), jstr(r, "state"),
		       jstr(r, "network"), jstr(r, "mac"), *jstr(r, "ip") ? jstr(r, "ip") : "-",
		       jint(r, "pid"), jstr(r, "serial_log"));
	}
}

static int cmd_list(int argc, char **argv)
{
	struct json_object *all = json_object_new_array(), *lease_cache = json_object_new_object();
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	struct dirent *de;
	DIR *dir;

	help_asked(argc, argv);
	if (argc > 1 && !json)
		die(2, "list: unexpected argument '%s'", argv[1]);
	dir = opendir(vm_run_dir);
	while (dir && (de = readdir(dir))) {
		size_t n = strlen(de->d_name);
		struct json_object *rec;
		char name[256];

		if (n < 6 || strcmp(de->d_name + n - 5, ".json"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(n - 5), de->d_name);
		if ((rec = list_entry(name, lease_cache)))
			json_object_array_add(all, rec);
	}
	if (dir)
		closedir(dir);
	if (json)
		printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY));
	else
		print_list(all);
	json_object_put(all);
	json_object_put(lease_cache);
	return 0;
}

/* ---- stop ---- */

/*
 * Is pid still the process the record says it is (started at `start`)?  A
 * pid is reused once its process is gone: a record left behind by a
 * SIGKILLed run may name someone else's process by now.
 */
static bool still_same(const char *name, const char *what, pid_t pid, struct json_object *rec,
		       const char *start_key)
{
	struct json_object *v;
	unsigned long long start;

	if (!proc_alive(pid))
		return false;
	if (!json_object_object_get_ex(rec, start_key, &v)) {
		note("%s: the record has no start time for %s (pid %d): not signalling it", name,
		     what, (int)pid);
		return false;
	}
	start = (unsigned long long)json_object_get_uint64(v);
	if (!start || proc_start_time(pid) != start) {
		note("%s: pid %d is no longer its %s: left alone", name, (int)pid, what);
		return false;
	}
	return true;
}

/* Ask the `uvnet-vm run` at pid to end (SIGUSR1 first with powerdown, then
 * SIGTERM; SIGKILL when it is still there 15 s later).  True when it ended
 * by itself: it tidied up. */
static bool stop_run(const char *name, struct json_object *rec, bool powerdown, double timeout)
{
	pid_t pid = jint(rec, "pid");

	if (!still_same(name, "uvnet-vm run", pid, rec, "pid_start"))
		return false;
	if (powerdown) {
		kill(pid, SIGUSR1);
		for (int i = 0; i < timeout * 10 && proc_alive(pid); i++)
			usleep(100000);
	}
	if (proc_alive(pid))
		kill(pid, SIGTERM);
	for (int i = 0; i < 150 && proc_alive(pid); i++)
		usleep(100000);
	if (!proc_alive(pid))
		return true;
	note("%s: uvnet-vm run (pid %d) did not stop: killing it", name, (int)pid);
	kill(pid, SIGKILL);
	return false;
}

/* SIGKILL to the VM's QEMU if its pid still is that QEMU. */
static void kill_qemu(const char *name, struct json_object *rec)
{
	pid_t qemu = jint(rec, "qemu_pid");

	if (still_same(name, "QEMU", qemu, rec, "qemu_start"))
		kill(qemu, SIGKILL);
}

/* Nobody left to tidy up after the VM rec describes: do it here. */
static void tidy_after(const char *name, struct json_object *rec)
{
	struct json_object *r;
	struct error e;

	kill_qemu(name, rec);
	if (!control_requestv(vm_control, &r, &e, "del-port", jstr(rec, "port"), NULL))
		json_object_put(r);
	else if (!strstr(e.msg, "no port named"))
		note("%s: could not remove port %s: %s", name, jstr(rec, "port"), e.msg);
	vm_record_remove(name);
}

static int cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "powerdown", no_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct json_object *rec;
	bool powerdown = false;
	double timeout = 15;
	const char *name;
	int c;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'p': powerdown = true; break;
		case 't':
			if (!parse_decimal(optarg, 86400, &timeout))
				die(2, "--timeout: '%s' is not a number of seconds (up to 86400)", optarg);
			break;
		case 'h': usage(stdout, "stop"); return 0;
		default: usage(stderr, "stop"); exit(2);
		}
	}
	if (optind != argc - 1)
		die(2, "stop: usage: stop NAME [--powerdown] [--timeout S]");
	name = argv[optind];
	if (!valid_name(name) || !(rec = vm_record_read(name)))
		die(1, "stop: no VM named %s in %s", name, vm_run_dir);
	if (!stop_run(name, rec, powerdown, timeout))
		tidy_after(name, rec);
	json_object_put(rec);
	printf("%s stopped\n", name);
	return 0;
}

/* ---- build-guest ---- */

static int cmd_build_guest(int argc, char **argv)
{
	char script[PATH_MAX];

	help_asked(argc, argv);
	if (argc != 1)
		die(2, "build-guest: no arguments expected");
	if (!find_guest_script("build-guest.sh", script, sizeof(script)))
		die(1, "build-guest: scripts/guest/build-guest.sh not found (set UVNET_GUEST_SCRIPTS)");
	fprintf(stderr, "uvnet-vm: running %s (prints kernel= and initrd=; uvnet-vm run uses them by "
		"default)\n", script);
	execl(script, script, (char *)NULL);
	die(1, "build-guest: cannot run %s: %s", script, strerror(errno));
}

/* ---- the command line ---- */

/* `run` takes --control and --run-dir too: look for them before the
 * default run directory is worked out. */
static void run_dir_options(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--control") && i + 1 < argc)
			vm_control = argv[i + 1];
		else if (!strncmp(argv[i], "--control=", 10))
			vm_control = argv[i] + 10;
		else if (!strcmp(argv[i], "--run-dir") && i + 1 < argc)
			vm_run_dir_set(argv[i + 1]);
		else if (!strncmp(argv[i], "--run-dir=", 10))
			vm_run_dir_set(argv[i] + 10);
	}
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", cmd_run },
	{ "list", cmd_list },
	{ "stop", cmd_stop },
	{ "console", cmd_console },
	{ "migrate", cmd_migrate },
	{ "build-guest", cmd_build_guest },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 'c' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *cmd;
	int c;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'c': vm_control = optarg; break;
		case 'r': vm_run_dir_set(optarg); break;
		case 'h': usage(stdout, NULL); return 0;
		default: usage(stderr, NULL); return 2;
		}
	}
	if (optind == argc) {
		usage(stderr, NULL);
		return 2;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 1;
	if (!strcmp(cmd, "run"))
		run_dir_options(argc, argv);
	vm_run_dir_default(vm_control);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc, argv);
	if (!strcmp(cmd, "help")) {
		usage(stdout, NULL);
		return 0;
	}
	die(2, "%s: unknown command (see uvnet-vm --help)", cmd);
}
