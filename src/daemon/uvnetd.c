/* SPDX-License-Identifier: MIT */
/*
 * uvnetd: the vhost data plane and L2 switch daemon.  The main thread is
 * the control plane (control socket, vhost-user sockets, signals, a 1 s
 * timer); worker threads move packets.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "util/ab.h"
#include "daemon/daemon.h"
#include "util/log.h"

LOG_MODULE("uvnetd");

#define DEFAULT_DIR "/run/uvnet"

struct options {
	bool foreground;
	const char *control, *state, *pid_file, *log_file, *cpu_list;
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
		"  --state PATH          state file, rewritten on every change and replayed at\n"
		"                        start (default " DEFAULT_DIR "/uvnetd.state)\n"
		"  --workers N           data-plane threads, 1-%d (default 1)\n"
		"  --cpu-list LIST       pin workers to these CPUs, e.g. 0,1 or 0-3\n"
		"  --poll MODE           event (sleep when idle), adaptive (spin briefly, then\n"
		"                        sleep; default) or busy (never sleep)\n"
		"  --log-level LEVEL     error, warn, info (default) or debug\n"
		"  --log-file PATH       log here (default: stderr, or " DEFAULT_DIR "/uvnetd.log\n"
		"                        in the background)\n"
		"  --pid-file PATH       write the pid here (default " DEFAULT_DIR "/uvnetd.pid)\n"
		"  --help                this text\n",
		WORKER_MAX);
}

static int parse_cpu_list(const char *s, int *cpus, unsigned max)
{
	unsigned n = 0;

	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s || a < 0 || a > 4095)
			return -1;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a || b > 4095)
				return -1;
		}
		for (long c = a; c <= b; c++) {
			if (n == max)
				return -1;
			cpus[n++] = (int)c;
		}
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return (int)n;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "control", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ "cpu-list", required_argument, NULL, 'C' },
		{ "poll", required_argument, NULL, 'p' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "log-file", required_argument, NULL, 'L' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*o = (struct options){
		.control = DEFAULT_DIR "/uvnetd.sock", .state = DEFAULT_DIR "/uvnetd.state",
		.pid_file = DEFAULT_DIR "/uvnetd.pid", .workers = 1, .poll = POLL_ADAPTIVE,
		.level = LOG_LEVEL_INFO,
	};
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'f': o->foreground = true; break;
		case 'c': o->control = optarg; break;
		case 's': o->state = optarg; break;
		case 'C': o->cpu_list = optarg; break;
		case 'L': o->log_file = optarg; break;
		case 'P': o->pid_file = optarg; break;
		case 'w':
			o->workers = (unsigned)strtoul(optarg, &end, 10);
			if (*end || end == optarg || o->workers < 1 || o->workers > WORKER_MAX) {
				fprintf(stderr, "uvnetd: --workers: '%s' is not a number from 1 to %d\n",
					optarg, WORKER_MAX);
				return -1;
			}
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

/* ---- control-thread fd watches (port_env) ---- */

static struct daemon *the_daemon(struct port_env *env)
{
	return (struct daemon *)((char *)env - offsetof(struct daemon, env));
}

static int env_watch(struct port_env *env, int fd, void (*cb)(void *), void *arg)
{
	struct daemon *d = the_daemon(env);
	struct epoll_event ev = { .events = EPOLLIN };

	for (unsigned i = 0; i < DAEMON_MAX_WATCHES; i++) {
		if (d->watches[i])
			continue;
		d->watches[i] = malloc(sizeof(struct watch));
		if (!d->watches[i])
			return -ENOMEM;
		*d->watches[i] = (struct watch){ fd, cb, arg };
		ev.data.ptr = d->watches[i];
		return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
	}
	return -ENOSPC;
}

static void env_unwatch(struct port_env *env, int fd)
{
	struct daemon *d = the_daemon(env);

	for (unsigned i = 0; i < DAEMON_MAX_WATCHES; i++)
		if (d->watches[i] && d->watches[i]->fd == fd) {
			epoll_ctl(d->epfd, EPOLL_CTL_DEL, fd, NULL);
			/* an event for it may still be in this round's list */
			d->watches[i]->cb = NULL;
			d->watches[i]->fd = -1;
			return;
		}
}

static void reap_watches(struct daemon *d)
{
	for (unsigned i = 0; i < DAEMON_MAX_WATCHES; i++)
		if (d->watches[i] && !d->watches[i]->cb) {
			free(d->watches[i]);
			d->watches[i] = NULL;
		}
}

static void env_attach(struct port_env *env, struct port_queue *q)
{
	worker_pool_attach(&the_daemon(env)->pool, q);
}

static void env_detach(struct port_env *env, struct port_queue *q)
{
	worker_pool_detach(&the_daemon(env)->pool, q);
}

/* Frames made by the control thread (RARP announcements) go through the
 * bridge like any other; scratch space is the control thread's own. */
static void env_inject(struct port_env *env, struct port *p, struct frame *f)
{
	static struct fwd_scratch scratch;

	(void)env;
	if (p->bridge)
		bridge_forward(&scratch, p, f, 1, PORT_SLOT_CONTROL);
}

/* ---- lifecycle ---- */

void daemon_clear(struct daemon *d)
{
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++) {
		struct daemon_port *dp = &d->ports[i];

		if (!dp->port)
			continue;
		bridge_remove_port(dp->br, dp->port);
		worker_pool_sync(&d->pool);
		dp->port->ops->destroy(dp->port);
		json_object_put(dp->args);
		*dp = (struct daemon_port){ 0 };
	}
	for (unsigned b = 0; b < DAEMON_MAX_BRIDGES; b++)
		if (d->bridges[b]) {
			bridge_free(d->bridges[b]);
			d->bridges[b] = NULL;
		}
}

static void on_signal(void *arg)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;

	if (read(d->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		log_info("signal %u: shutting down", si.ssi_signo);
		d->stopping = true;
	}
}

static void on_timer(void *arg)
{
	struct daemon *d = arg;
	uint64_t ticks;
	struct timespec ts;

	if (read(d->timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	for (unsigned b = 0; b < DAEMON_MAX_BRIDGES; b++)
		if (d->bridges[b])
			fdb_age(d->bridges[b]->fdb,
				(uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++)
		if (d->ports[i].port && d->ports[i].port->ops->tick)
			d->ports[i].port->ops->tick(d->ports[i].port);
}

/* Blocked in every thread (workers inherit the mask), taken by signalfd. */
static void block_signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, mask, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int setup_fds(struct daemon *d, sigset_t *mask)
{
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->signal_fd = signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->epfd < 0 || d->signal_fd < 0 || d->timer_fd < 0 ||
	    timerfd_settime(d->timer_fd, 0, &its, NULL))
		return -errno;
	if (env_watch(&d->env, d->signal_fd, on_signal, d) ||
	    env_watch(&d->env, d->timer_fd, on_timer, d) ||
	    env_watch(&d->env, d->control_fd, control_on_accept, d))
		return -errno;
	return 0;
}

static void run(struct daemon *d)
{
	while (!d->stopping) {
		struct epoll_event ev[32];
		int n = epoll_wait(d->epfd, ev, 32, -1);

		for (int i = 0; i < n; i++) {
			struct watch *w = ev[i].data.ptr;

			if (w->cb)
				w->cb(w->arg);
		}
		reap_watches(d);
	}
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

int main(int argc, char **argv)
{
	static struct daemon d;
	struct options o;
	int cpus[256], ncpus = 0, rc;
	sigset_t mask;

	if (parse_args(argc, argv, &o))
		return 2;
	if (o.cpu_list && (ncpus = parse_cpu_list(o.cpu_list, cpus, 256)) <= 0) {
		fprintf(stderr, "uvnetd: --cpu-list: '%s' is not a list like 0,2-3\n", o.cpu_list);
		return 2;
	}
	log_set_level(o.level);
#ifdef UVNET_AB_TOGGLE
	ab_init();
	log_warn("A/B toggle build (bench/ab): SIGUSR1 runs the old way, SIGUSR2 the new");
#endif
	d.control_path = o.control;
	d.state_path = o.state;
	d.env = (struct port_env){ env_attach, env_detach, env_watch, env_unwatch, env_inject, o.workers };
	make_parent_dir(o.control);
	make_parent_dir(o.state);
	rc = control_listen(&d);
	if (rc) {
		fprintf(stderr, "uvnetd: cannot listen on %s: %s\n", o.control, strerror(-rc));
		return 1;
	}
	if (!o.foreground) {
		const char *lf = o.log_file ? o.log_file : DEFAULT_DIR "/uvnetd.log";

		make_parent_dir(lf);
		if (log_set_file(lf) || daemon(0, 0)) {
			fprintf(stderr, "uvnetd: cannot go to the background (log %s): %s\n", lf,
				strerror(errno));
			return 1;
		}
	} else if (o.log_file && log_set_file(o.log_file)) {
		fprintf(stderr, "uvnetd: cannot open log file %s: %s\n", o.log_file, strerror(errno));
		return 1;
	}
	block_signals(&mask);
	rc = worker_pool_start(&d.pool, o.workers, o.poll, cpus, (unsigned)ncpus);
	if (!rc)
		rc = setup_fds(&d, &mask);
	if (rc) {
		log_error("start-up failed: %s", strerror(-rc));
		return 1;
	}
	make_parent_dir(o.pid_file);
	write_pid(o.pid_file);
	state_load(&d);
	log_info("ready: control %s, %u worker(s), %s polling", o.control, o.workers,
		 poll_mode_name(o.poll));
	run(&d);
	/* Ports go first: their rings stop while the workers still run, so
	 * every popped chain is completed before the memory is unmapped. */
	daemon_clear(&d);
	worker_pool_stop(&d.pool);
	unlink(o.control);
	unlink(o.pid_file);
	log_info("stopped");
	return 0;
}
