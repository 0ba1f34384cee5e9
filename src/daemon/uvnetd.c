/* SPDX-License-Identifier: MIT */
/*
 * uvnetd: the vhost data plane and L2 switch daemon.  The main thread is
 * the control plane (control socket, vhost-user sockets, signals, a 1 s
 * timer); worker threads move packets.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "daemon/control.h"
#include "daemon/daemon.h"
#include "daemon/metrics.h"
#include "util/ab.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/parse.h"
#include "virtio/guest_fault.h"

LOG_MODULE("uvnetd");

#define DEFAULT_DIR "/run/uvnet"
#define DEFAULT_CONTROL DEFAULT_DIR "/uvnetd.sock"
#define STATE_DIR "/var/lib/uvnet"

struct options {
	bool foreground;
	const char *control, *state, *pid_file, *log_file, *cpu_list, *control_group, *metrics;
	unsigned workers;
	enum poll_mode poll;
	enum log_level level;
};

static void usage(FILE *to)
{
	fprintf(to,
		"usage: uvnetd [options]\n"
		"The uvnet vhost-user data plane and L2 switch; configure it with uvnetctl.\n\n"
		"  --foreground          stay attached to the terminal, log to stderr\n"
		"  --control PATH        control socket (default " DEFAULT_DIR "/uvnetd.sock)\n"
		"  --control-group GROUP members of GROUP may use the control socket too\n"
		"                        (mode 0660; default: root only, 0600)\n"
		"  --state PATH          state file, rewritten on every change and replayed at\n"
		"                        start (default " STATE_DIR "/uvnetd.state; with\n"
		"                        another --control, " STATE_DIR "/NAME-HASH.state\n"
		"                        named after the control socket's absolute path)\n"
		"  --workers N           data-plane threads, 1-%d (default 1)\n"
		"  --cpu-list LIST       pin workers to these CPUs, e.g. 0,1 or 0-3\n"
		"  --poll MODE           event (sleep when idle), adaptive (spin briefly, then\n"
		"                        sleep; default) or busy (never sleep)\n"
		"  --log-level LEVEL     error, warn, info (default) or debug\n"
		"  --log-file PATH       log here (default: stderr, or " DEFAULT_DIR "/uvnetd.log\n"
		"                        in the background)\n"
		"  --pid-file PATH       write the pid here (default " DEFAULT_DIR "/uvnetd.pid)\n"
		"  --metrics ADDR:PORT   serve Prometheus metrics at http://ADDR:PORT/metrics\n"
		"                        (an IPv4 address, or an IPv6 one in brackets:\n"
		"                        127.0.0.1:9100, [::1]:9100; default: off)\n"
		"  --help                this text\n",
		WORKER_MAX);
}

/* "0,2-3": CPU numbers and ranges (strict numbers, util/parse.h). */
static int parse_cpu_list(const char *s, int *cpus, unsigned max)
{
	unsigned n = 0;

	for (;;) {
		size_t len = strcspn(s, ","), dash = strcspn(s, "-");
		uint64_t a, b;

		if (dash < len) {
			if (!parse_uint_n(s, dash, 0, 4095, &a) ||
			    !parse_uint_n(s + dash + 1, len - dash - 1, a, 4095, &b))
				return -1;
		} else if (!parse_uint_n(s, len, 0, 4095, &a)) {
			return -1;
		} else {
			b = a;
		}
		for (uint64_t c = a; c <= b; c++) {
			if (n == max)
				return -1;
			cpus[n++] = (int)c;
		}
		if (!s[len])
			return (int)n;
		s += len + 1;
	}
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "control", required_argument, NULL, 'c' },
		{ "control-group", required_argument, NULL, 'g' },
		{ "state", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ "cpu-list", required_argument, NULL, 'C' },
		{ "poll", required_argument, NULL, 'p' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "log-file", required_argument, NULL, 'L' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*o = (struct options){
		.control = DEFAULT_CONTROL, .state = NULL,
		.pid_file = DEFAULT_DIR "/uvnetd.pid", .workers = 1, .poll = POLL_ADAPTIVE,
		.level = LOG_LEVEL_INFO,
	};
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		uint64_t v;

		switch (c) {
		case 'f': o->foreground = true; break;
		case 'c': o->control = optarg; break;
		case 'g': o->control_group = optarg; break;
		case 's': o->state = optarg; break;
		case 'C': o->cpu_list = optarg; break;
		case 'L': o->log_file = optarg; break;
		case 'P': o->pid_file = optarg; break;
		case 'm': {
			struct sockaddr_storage ss;
			unsigned len;

			if (!parse_hostport(optarg, &ss, &len)) {
				fprintf(stderr, "uvnetd: --metrics: '%s' is not ADDR:PORT (an IPv4 address, "
					"or an IPv6 one in brackets, and a port 1-65535: 127.0.0.1:9100, "
					"[::1]:9100)\n", optarg);
				return -1;
			}
			o->metrics = optarg;
			break;
		}
		case 'w':
			if (!parse_uint(optarg, 1, WORKER_MAX, &v)) {
				fprintf(stderr, "uvnetd: --workers: '%s' is not a number from 1 to %d\n",
					optarg, WORKER_MAX);
				return -1;
			}
			o->workers = (unsigned)v;
			break;
		case 'p':
			if (!poll_mode_parse(optarg, &o->poll)) {
				fprintf(stderr, "uvnetd: --poll: '%s' is not event, adaptive or busy\n", optarg);
				return -1;
			}
			break;
		case 'l':
			if (!log_level_parse(optarg, &o->level)) {
				fprintf(stderr, "uvnetd: --log-level: '%s' is not error, warn, info or debug\n",
					optarg);
				return -1;
			}
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "uvnetd: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* --control-group: a group name (or a number); (gid_t)-1 without one. */
static int control_gid(const char *group, gid_t *gid)
{
	struct group *g;
	uint64_t v;

	*gid = (gid_t)-1;
	if (!group)
		return 0;
	if ((g = getgrnam(group)))
		*gid = g->gr_gid;
	else if (parse_uint(group, 0, (gid_t)-2, &v))
		*gid = (gid_t)v;
	else
		return -1;
	return 0;
}

/*
 * Every vhost-user connection, ring eventfd, tap queue and control client
 * is an fd: take the hard limit (as ovs-vswitchd does), so that running
 * out is the administrator's choice, not a default of 1024.
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl)) {
		log_warn("RLIMIT_NOFILE: %s", strerror(errno));
		return;
	}
	if (rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		log_warn("cannot raise RLIMIT_NOFILE to %llu: %s", (unsigned long long)rl.rlim_max,
			 strerror(errno));
}

static void make_parent_dir(const char *path)
{
	char dir[4096];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
}

static void write_pid(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		log_warn("cannot write pid file %s: %s", path, strerror(errno));
		return;
	}
	fprintf(f, "%d\n", getpid());
	fclose(f);
}

/*
 * Without --state: the default control socket keeps its state in
 * STATE_DIR/uvnetd.state; any other in STATE_DIR/NAME-HASH.state, NAME its
 * file name and HASH a hash of its absolute path, so two daemons with
 * different --control never share a state file.
 */
static void default_state_path(const char *control, char *buf, size_t len)
{
	char abs[PATH_MAX], cwd[PATH_MAX] = "";
	const char *base = strrchr(control, '/') ? strrchr(control, '/') + 1 : control;
	uint32_t h = 2166136261u;
	size_t blen = strcspn(base, ".");

	if (!strcmp(control, DEFAULT_CONTROL)) {
		snprintf(buf, len, "%s/uvnetd.state", STATE_DIR);
		return;
	}
	if (control[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	snprintf(abs, sizeof(abs), "%s%s%s", cwd, cwd[0] ? "/" : "", control);
	for (const char *c = abs; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	snprintf(buf, len, "%s/%.*s-%08x.state", STATE_DIR, (int)(blen ? blen : 6),
		 blen ? base : "uvnetd", h);
}

static void make_dirs(const struct options *o, const char *state)
{
	make_parent_dir(o->control);
	make_parent_dir(state);
	make_parent_dir(o->pid_file);
	if (o->log_file)
		make_parent_dir(o->log_file);
}

static int go_background(const struct options *o)
{
	const char *lf = o->log_file ? o->log_file : DEFAULT_DIR "/uvnetd.log";

	if (!o->foreground) {
		make_parent_dir(lf);
		if (log_set_file(lf) || daemon(0, 0)) {
			fprintf(stderr, "uvnetd: cannot go to the background (log %s): %s\n", lf,
				strerror(errno));
			return -1;
		}
	} else if (o->log_file && log_set_file(o->log_file)) {
		fprintf(stderr, "uvnetd: cannot open log file %s: %s\n", o->log_file, strerror(errno));
		return -1;
	}
	return 0;
}

/* The process: the daemon, its control socket, the metrics endpoint, the
 * signals that stop it. */
struct uvnetd {
	struct daemon d;
	struct control_server control;
	struct metrics_server metrics;
	bool metrics_on;
	int signal_fd;
};

static void on_signal(void *arg)
{
	struct uvnetd *u = arg;
	struct signalfd_siginfo si;

	if (read(u->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		log_info("signal %u: shutting down", si.ssi_signo);
		u->d.loop.stopping = true;
	}
}

/* Blocked in every thread (the workers inherit the mask), taken by a
 * signalfd the loop watches. */
static int block_signals(struct uvnetd *u, struct error *e)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	u->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (u->signal_fd < 0)
		return error_set(e, -errno, "signalfd: %s", strerror(errno));
	/* SIGBUS from guest memory a front-end shrank breaks its port only */
	int rc = guest_fault_install();
	return rc ? error_set(e, rc, "SIGBUS handler: %s", strerror(-rc)) : 0;
}

static int start(struct uvnetd *u, const struct options *o, const char *state, int listen_fd,
		 int metrics_fd, const int *cpus, unsigned ncpus)
{
	struct daemon_config cfg = { o->control, state, o->workers, o->poll,
				     ncpus ? cpus : NULL, ncpus };
	struct error e;
	int rc;

	if ((rc = block_signals(u, &e)) || (rc = daemon_start(&u->d, &cfg, &e)) ||
	    (rc = control_start(&u->control, &u->d, o->control, listen_fd, &e)))
		goto fail;
	if (metrics_fd >= 0) {
		if ((rc = metrics_start(&u->metrics, &u->d, o->metrics, metrics_fd, &e)))
			goto fail;
		u->metrics_on = true;
	}
	rc = loop_watch(&u->d.loop, u->signal_fd, on_signal, u);
	if (!rc)
		return 0;
	error_set(&e, rc, "signalfd: cannot watch it: %s", strerror(-rc));
fail:
	log_error("start-up failed: %s", e.msg);
	return -1;
}

static void run(struct uvnetd *u)
{
	struct error e;

	while (!u->d.loop.stopping) {
		time_t now;

		loop_run_once(&u->d.loop, 1000);
		now = clock_coarse_s();
		control_expire(&u->control, now);
		if (u->metrics_on)
			metrics_expire(&u->metrics, now);
		if (daemon_save_state(&u->d, &e))
			log_error("%s", e.msg);
	}
}

int main(int argc, char **argv)
{
	static struct uvnetd u;
	char state[PATH_MAX];
	struct options o;
	int cpus[256], ncpus = 0, listen_fd, metrics_fd = -1;
	struct error e;
	struct rlimit rl;
	gid_t gid;

	if (parse_args(argc, argv, &o))
		return 2;
	if (control_gid(o.control_group, &gid)) {
		fprintf(stderr, "uvnetd: --control-group: no group named '%s'\n", o.control_group);
		return 2;
	}
	if (o.cpu_list && (ncpus = parse_cpu_list(o.cpu_list, cpus, 256)) <= 0) {
		fprintf(stderr, "uvnetd: --cpu-list: '%s' is not a list like 0,2-3\n", o.cpu_list);
		return 2;
	}
	if (o.state)
		snprintf(state, sizeof(state), "%s", o.state);
	else
		default_state_path(o.control, state, sizeof(state));
	log_set_level(o.level);
#ifdef UVNET_AB_TOGGLE
	ab_init();
	log_warn("A/B toggle build (bench/ab): SIGUSR1 runs the old way, SIGUSR2 the new");
#endif
	raise_fd_limit();
	make_dirs(&o, state);
	listen_fd = control_listen(o.control, gid, &e);
	if (listen_fd < 0) {
		fprintf(stderr, "uvnetd: %s\n", e.msg);
		return 1;
	}
	if (o.metrics && (metrics_fd = metrics_listen(o.metrics, &e)) < 0) {
		fprintf(stderr, "uvnetd: %s\n", e.msg);
		close(listen_fd);
		unlink(o.control);
		return 1;
	}
	if (go_background(&o) || start(&u, &o, state, listen_fd, metrics_fd, cpus, (unsigned)ncpus))
		return 1;
	write_pid(o.pid_file);
	if (daemon_load_state(&u.d, &e))
		log_error("%s", e.msg);
	getrlimit(RLIMIT_NOFILE, &rl);
	log_info("ready: control %s (%s), state %s, %u worker(s), %s polling, %llu fds%s%s", o.control,
		 o.control_group ? "mode 0660, --control-group" : "mode 0600", state, o.workers,
		 poll_mode_name(o.poll), (unsigned long long)rl.rlim_cur,
		 o.metrics ? ", metrics on http://" : "", o.metrics ? o.metrics : "");
	run(&u);
	control_stop(&u.control);
	if (u.metrics_on)
		metrics_stop(&u.metrics);
	daemon_stop(&u.d);
	unlink(o.pid_file);
	log_info("stopped");
	return 0;
}
