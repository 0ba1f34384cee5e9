/* SPDX-License-Identifier: MIT */
#include "daemon/dnsmasq.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/child.h"
#include "daemon/ipv4.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/proc.h"

LOG_MODULE("dnsmasq");

time_t dnsmasq_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void dnsmasq_build_args(const struct dnsmasq *dm, char *bin, struct dnsmasq_args *a)
{
	char lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN], mask[INET_ADDRSTRLEN];
	unsigned k = 0;

	snprintf(a->a_if, sizeof(a->a_if), "--interface=%s", dm->ifname);
	snprintf(a->a_pid, sizeof(a->a_pid), "--pid-file=%s", dm->pid_path);
	snprintf(a->a_lease, sizeof(a->a_lease), "--dhcp-leasefile=%s", dm->lease_path);
	snprintf(a->a_range, sizeof(a->a_range), "--dhcp-range=%s,%s,%s,1h", ipv4_str(dm->lo, lo),
		 ipv4_str(dm->hi, hi), ipv4_str(ipv4_mask(dm->prefix), mask));
	snprintf(a->a_max, sizeof(a->a_max), "--dhcp-lease-max=%u", dm->hi - dm->lo + 1);
	a->argv[k++] = bin;
	a->argv[k++] = "--keep-in-foreground";
	a->argv[k++] = "--conf-file=/dev/null";
	a->argv[k++] = "--bind-interfaces";
	a->argv[k++] = a->a_if;
	a->argv[k++] = "--except-interface=lo";
	a->argv[k++] = "--strict-order";
	a->argv[k++] = a->a_pid;
	a->argv[k++] = a->a_range;
	a->argv[k++] = a->a_lease;
	a->argv[k++] = a->a_max;
	a->argv[k++] = "--dhcp-no-override";
	a->argv[k++] = "--dhcp-authoritative";
	a->argv[k++] = "--log-facility=-";
	/* one line per DHCP transaction adds up: only errors and warnings */
	a->argv[k++] = "--quiet-dhcp";
	a->argv[k++] = "--quiet-dhcp6";
	a->argv[k++] = "--quiet-ra";
	if (dm->hosts) {
		snprintf(a->a_hosts, sizeof(a->a_hosts), "--conf-file=%s", dm->hosts_path);
		a->argv[k++] = a->a_hosts;
	}
	if (dm->no_router)
		a->argv[k++] = "--dhcp-option=3"; /* no router: nowhere to go */
	if (dm->no_upstream) {
		/* no server to forward to, none learnt later, and not the
		 * host's own names: a query is a way out of the network */
		a->argv[k++] = "--no-resolv";
		a->argv[k++] = "--no-poll";
		a->argv[k++] = "--no-hosts";
	}
	a->argv[k] = NULL;
}

/* The last non-empty line of a file, for error messages. */
static void last_line(const char *path, char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen(path, "re");

	snprintf(buf, len, "exited");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			snprintf(buf, len, "%s", line);
	}
	fclose(f);
}

/* The pid of a dnsmasq whose command line carries `want` (our --pid-file):
 * its pid file names it, unless someone removed the file: then /proc is
 * searched.  0 if none. */
static pid_t find_stale(const char *pid_path, const char *want)
{
	FILE *f = fopen(pid_path, "re");
	uint64_t pid = 0;
	char line[32];
	DIR *proc;
	struct dirent *de;

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		line[strcspn(line, "\n")] = '\0';
		if (!parse_uint(line, 2, INT_MAX, &pid) || !child_has_arg((pid_t)pid, want))
			pid = 0;
		fclose(f);
	}
	for (proc = pid ? NULL : opendir("/proc"); proc && (de = readdir(proc));) {
		char path[300], comm[32];
		uint64_t p;
		FILE *c;

		if (!parse_uint(de->d_name, 2, INT_MAX, &p))
			continue;
		snprintf(path, sizeof(path), "/proc/%llu/comm", (unsigned long long)p);
		if (!(c = fopen(path, "re")))
			continue;
		if (!fgets(comm, sizeof(comm), c))
			comm[0] = '\0';
		fclose(c);
		if (!strcmp(comm, "dnsmasq\n") && child_has_arg((pid_t)p, want)) {
			pid = p;
			break;
		}
	}
	if (proc)
		closedir(proc);
	return (pid_t)pid;
}

/* Not our child any more: waitpid cannot tell when it is gone. */
static void kill_stale(const struct dnsmasq *dm, const char *want)
{
	pid_t pid = find_stale(dm->pid_path, want);

	if (!pid || !proc_alive(pid))
		return;
	log_warn("%s: stopping dnsmasq pid %d, left by an earlier uvnetd", dm->label, (int)pid);
	kill(pid, SIGTERM);
	for (int ms = 0; ms < 2000 && proc_alive(pid); ms += 10)
		usleep(10000);
	if (proc_alive(pid))
		kill(pid, SIGKILL);
	for (int ms = 0; ms < 1000 && proc_alive(pid); ms += 10)
		usleep(10000);
}

/* The log is appended to by each run: past DNSMASQ_LOG_MAX it is kept as
 * LOG.1 (replacing an older one) and a new one started. */
static void rotate_log(const char *log_path)
{
	char old[PATH_MAX + 4];
	struct stat st;

	if (stat(log_path, &st) || st.st_size < DNSMASQ_LOG_MAX)
		return;
	snprintf(old, sizeof(old), "%s.1", log_path);
	if (rename(log_path, old))
		log_warn("cannot rotate %s: %s", log_path, strerror(errno));
}

static pid_t spawn_logged(struct dnsmasq_args *a, const char *log_path, struct error *e)
{
	int nul, logfd;
	pid_t pid;

	rotate_log(log_path);
	logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);

	nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (logfd < 0 || nul < 0) {
		int rc = -errno;

		if (logfd >= 0)
			close(logfd);
		if (nul >= 0)
			close(nul);
		return error_set(e, rc, "dnsmasq: cannot open %s: %s", log_path, strerror(-rc));
	}
	pid = child_spawn(a->argv, nul, logfd, true);
	close(nul);
	close(logfd);
	if (pid < 0)
		return error_set(e, (int)pid, "dnsmasq: cannot start: %s", strerror((int)-pid));
	return pid;
}

/* Ready once it wrote its pid file (sockets bound, privileges dropped). */
static int wait_ready(struct dnsmasq *dm, pid_t pid, struct error *e)
{
	char why[512];

	for (int ms = 0; ms < DNSMASQ_READY_MS; ms += 10) {
		struct stat st;
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			last_line(dm->log_path, why, sizeof(why));
			return error_set(e, -EIO, "dnsmasq: %s",
					 strncmp(why, "dnsmasq: ", 9) ? why : why + 9);
		}
		if (!stat(dm->pid_path, &st) && st.st_size > 0)
			return 0;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	child_reap(pid, NULL);
	return error_set(e, -ETIMEDOUT, "dnsmasq: not ready after %d s (see %s)",
			 DNSMASQ_READY_MS / 1000, dm->log_path);
}

int dnsmasq_start(struct dnsmasq *dm, struct error *e)
{
	char bin[64], lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN];
	struct dnsmasq_args a;
	pid_t pid;
	int rc;

	if (!child_find_prog("dnsmasq", bin, sizeof(bin)))
		return error_set(e, -ENOENT, "dnsmasq: not found (install dnsmasq-base)");
	dnsmasq_build_args(dm, bin, &a);
	kill_stale(dm, a.a_pid);
	unlink(dm->pid_path);
	pid = spawn_logged(&a, dm->log_path, e);
	if (pid < 0)
		return (int)pid;
	rc = wait_ready(dm, pid, e);
	if (rc)
		return rc;
	dm->pid = pid;
	dm->since = dnsmasq_now();
	dm->retry = 0;
	log_info("%s: dnsmasq pid %d serves %s-%s on %s", dm->label, (int)pid, ipv4_str(dm->lo, lo),
		 ipv4_str(dm->hi, hi), dm->ifname);
	return 0;
}

static unsigned next_backoff(unsigned b)
{
	return !b ? 1 : b * 2 > DNSMASQ_BACKOFF_MAX ? DNSMASQ_BACKOFF_MAX : b * 2;
}

int dnsmasq_set_hosts(struct dnsmasq *dm, const char *buf, size_t len, struct error *e)
{
	char tmp[PATH_MAX + 8];
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", dm->hosts_path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len || fsync(fd) ||
	    rename(tmp, dm->hosts_path))
		rc = -(errno ? errno : EIO);
	if (fd >= 0)
		close(fd);
	if (rc) {
		unlink(tmp);
		return error_set(e, rc, "dnsmasq: writing %s: %s", dm->hosts_path, strerror(-rc));
	}
	dm->hosts = true;
	if (dm->pid <= 0)
		return 0;
	/* a conf file is read once, at start */
	dnsmasq_stop(dm);
	rc = dnsmasq_start(dm, e);
	if (rc) { /* the tick tries again, as after a crash */
		dm->backoff = next_backoff(dm->backoff);
		dm->retry = dnsmasq_now() + dm->backoff;
	}
	return rc;
}

void dnsmasq_stop(struct dnsmasq *dm)
{
	dm->retry = 0;
	if (dm->pid > 0)
		child_stop(dm->pid, 3000);
	dm->pid = 0;
	unlink(dm->pid_path);
}

void dnsmasq_tick(struct dnsmasq *dm, time_t now)
{
	struct error e;
	int status;

	if (dm->pid > 0 && waitpid(dm->pid, &status, WNOHANG) == dm->pid) {
		dm->backoff = now - dm->since < 10 ? next_backoff(dm->backoff) : 1;
		log_warn("%s: dnsmasq (pid %d) %s %d; restarting it in %u s", dm->label, (int)dm->pid,
			 WIFSIGNALED(status) ? "killed by signal" : "exited with status",
			 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), dm->backoff);
		dm->pid = 0;
		dm->retry = now + dm->backoff;
	}
	if (!dm->pid && dm->retry && now >= dm->retry) {
		dm->restarts++;
		if (dnsmasq_start(dm, &e)) {
			dm->backoff = next_backoff(dm->backoff);
			dm->retry = now + dm->backoff;
			log_error("%s: %s; trying again in %u s", dm->label, e.msg, dm->backoff);
		}
	}
}

bool dnsmasq_parse_lease(char *line, struct dnsmasq_lease *out)
{
	char *w[5], *save = NULL, *p = line;
	uint64_t expiry;
	uint32_t ip;
	int k;

	for (k = 0; k < 5 && (w[k] = strtok_r(p, " \t\n", &save)); k++)
		p = NULL;
	if (k < 4 || !ipv4_parse(w[2], &ip))
		return false;
	if (!parse_uint(w[0], 0, INT64_MAX, &expiry))
		return false;
	out->expiry = (long long)expiry;
	out->mac = w[1];
	out->ip = w[2];
	out->hostname = strcmp(w[3], "*") ? w[3] : "";
	out->client_id = k == 5 && strcmp(w[4], "*") ? w[4] : "";
	return true;
}
