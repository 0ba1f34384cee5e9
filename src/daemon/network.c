/* SPDX-License-Identifier: MIT */
/*
 * Networks (see network.h): the libvirt `default` network on uvnetd's data
 * plane.  A started nat network is
 *
 *   bridge NAME ── port uv-NAME (tap) ── kernel: 192.168.x.1/24 on uv-NAME
 *                                         dnsmasq --interface=uv-NAME
 *                                         nft table ip uvnet-NAME (masquerade)
 *
 * The bridge and the port are made with the ordinary control verbs (add-br,
 * add-port), the tap's MAC and address over rtnetlink (libmnl), the rules
 * by `nft -f -` (one transaction per change), and dnsmasq is our child:
 * watched once a second, restarted with a backoff when it dies, killed on
 * net-stop and when uvnetd exits (an atexit handler; PR_SET_PDEATHSIG when
 * uvnetd is killed outright; a table left by a killed daemon is replaced
 * when the network starts again).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "util/log.h"
#include "util/proc.h"
#include "daemon/network.h"

LOG_MODULE("network");

#define ERRLEN NETWORK_ERR_MAX
#define DNSMASQ_READY_MS 5000   /* how long a starting dnsmasq may take */
#define DNSMASQ_BACKOFF_MAX 30  /* seconds between restarts, at most */

enum net_mode { NET_NAT, NET_ISOLATED, NET_BRIDGE };
static const char *const mode_names[] = { "nat", "isolated", "bridge" };

struct network {
	char name[NETWORK_NAME_MAX];
	enum net_mode mode;
	uint32_t net;               /* nat/isolated: subnet (host byte order) */
	unsigned prefix;
	uint32_t lo, hi;            /* DHCP range */
	char uplink[IFNAMSIZ];      /* as defined; "" = the default route's device */
	bool started;               /* wanted (persisted): net-start'ed, not stopped */
	bool active;
	/* while active */
	char port[IFNAMSIZ];        /* uv-NAME: the gateway tap or the uplink's afpacket port */
	char out[IFNAMSIZ];         /* nat: uplink in use ("" = any but our own) */
	bool table;                 /* our nft table is loaded */
	pid_t dns_pid;              /* 0: not running */
	time_t dns_since;           /* monotonic time of its last start */
	time_t dns_retry;           /* restart it then; 0: nothing scheduled */
	unsigned dns_backoff, dns_restarts;
};

static struct network *nets[NETWORK_MAX];
static struct daemon *the_d;    /* one daemon per process */
static int tick_fd = -1;
static int internal_calls;      /* > 0: our own add-br/del-br are running */


static time_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* ---- addresses ---- */

static uint32_t mask_of(unsigned prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

static uint32_t gateway_of(const struct network *n)
{
	return n->net + 1;
}

static uint32_t broadcast_of(const struct network *n)
{
	return n->net | ~mask_of(n->prefix);
}

static const char *ip_str(uint32_t a, char *buf)
{
	struct in_addr x = { htonl(a) };

	return inet_ntop(AF_INET, &x, buf, INET_ADDRSTRLEN);
}

static bool parse_ip(const char *s, uint32_t *a)
{
	struct in_addr x;

	if (inet_pton(AF_INET, s, &x) != 1)
		return false;
	*a = ntohl(x.s_addr);
	return true;
}

static bool overlaps(uint32_t a, unsigned pa, uint32_t b, unsigned pb)
{
	uint32_t m = mask_of(pa < pb ? pa : pb);

	return (a & m) == (b & m);
}

static void subnet_str(const struct network *n, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", ip_str(n->net, ip), n->prefix);
}

/* "A.B.C.D/P", P from 8 to 30, no host bits, a unicast range. */
static bool parse_subnet(const char *s, uint32_t *net, unsigned *prefix, char *err)
{
	char addr[INET_ADDRSTRLEN], ip[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	unsigned long p;
	char *end;

	if (!slash || (size_t)(slash - s) >= sizeof(addr)) {
		control_fail(err, "subnet: '%s' is not an IPv4 network like 192.168.122.0/24", s);
		return false;
	}
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	p = strtoul(slash + 1, &end, 10);
	if (!parse_ip(addr, net) || *end || end == slash + 1 || slash[1] == '-' || slash[1] == '+') {
		control_fail(err, "subnet: '%s' is not an IPv4 network like 192.168.122.0/24", s);
		return false;
	}
	if (p < 8 || p > 30) {
		control_fail(err, "subnet: '%s': the prefix length must be from 8 to 30", s);
		return false;
	}
	*prefix = (unsigned)p;
	if (*net & ~mask_of(*prefix)) {
		control_fail(err, "subnet: '%s' has host bits set (the network is %s/%u)", s,
		     ip_str(*net & mask_of(*prefix), ip), *prefix);
		return false;
	}
	if ((*net >> 24) == 0 || (*net >> 24) == 127 || (*net >> 24) >= 224 ||
	    overlaps(*net, *prefix, 0xa9fe0000u, 16)) {
		control_fail(err, "subnet: '%s' is not a unicast range a network can use", s);
		return false;
	}
	return true;
}

/* ---- rtnetlink (libmnl) ---- */

static char nl_rxbuf[32768];

/* Send one request; run cb on every answer until the ack or the end of
 * the dump.  0 or -errno (the kernel's, for a refused request). */
static int nl_talk(struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	struct timeval tv = { .tv_sec = 3 };
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	unsigned portid, seq;
	int rc;

	if (!nl)
		return -errno;
	seq = req->nlmsg_seq = (unsigned)time(NULL);
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		rc = -errno;
		mnl_socket_close(nl);
		return rc;
	}
	portid = mnl_socket_get_portid(nl);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, nl_rxbuf, sizeof(nl_rxbuf));

		if (n < 0) {
			rc = -errno;
			break;
		}
		rc = mnl_cb_run(nl_rxbuf, (size_t)n, seq, portid, cb, data);
		if (rc == MNL_CB_ERROR) {
			rc = errno ? -errno : -EIO;
			break;
		}
		if (rc == MNL_CB_STOP) {
			rc = 0;
			break;
		}
	}
	mnl_socket_close(nl);
	return rc;
}

/* Set a link's MAC address and bring it up. */
static int nl_link_setup(unsigned ifindex, const uint8_t mac[6])
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return nl_talk(nlh, NULL, NULL);
}

static int nl_addr_add(unsigned ifindex, uint32_t addr, unsigned prefix, uint32_t brd)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(addr));
	mnl_attr_put_u32(nlh, IFA_ADDRESS, htonl(addr));
	mnl_attr_put_u32(nlh, IFA_BROADCAST, htonl(brd));
	return nl_talk(nlh, NULL, NULL);
}

struct addr_walk {
	uint32_t net;
	unsigned prefix;
	const char *skip;           /* an interface whose addresses are ours */
	char hit[80];               /* the first overlapping address, "A/P on IF" */
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_walk *w = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	char ifname[IF_NAMESIZE] = "?", ip[INET_ADDRSTRLEN];
	uint32_t addr = 0;
	bool have = false;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET || w->hit[0])
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		unsigned t = mnl_attr_get_type(a);

		if ((t == IFA_LOCAL || (t == IFA_ADDRESS && !have)) &&
		    mnl_attr_validate(a, MNL_TYPE_U32) >= 0) {
			addr = ntohl(mnl_attr_get_u32(a));
			have = true;
		}
	}
	if_indextoname(ifa->ifa_index, ifname);
	if (have && strcmp(ifname, w->skip) && overlaps(addr, ifa->ifa_prefixlen, w->net, w->prefix))
		snprintf(w->hit, sizeof(w->hit), "%s/%u on %s", ip_str(addr, ip), ifa->ifa_prefixlen,
			 ifname);
	return MNL_CB_OK;
}

/* An IPv4 address of this namespace inside net/prefix (not on `skip`):
 * written to hit, returns true. */
static bool kernel_overlap(uint32_t net, unsigned prefix, const char *skip, char *hit, size_t len)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct addr_walk w = { net, prefix, skip, "" };
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	if (nl_talk(nlh, addr_cb, &w))
		return false;
	snprintf(hit, len, "%s", w.hit);
	return w.hit[0] != '\0';
}

struct route_walk {
	unsigned oif;
	uint32_t metric;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_walk *w = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	uint32_t table = rtm->rtm_table, oif = 0, metric = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET || rtm->rtm_dst_len ||
	    rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			continue;
		switch (mnl_attr_get_type(a)) {
		case RTA_TABLE: table = mnl_attr_get_u32(a); break;
		case RTA_OIF: oif = mnl_attr_get_u32(a); break;
		case RTA_PRIORITY: metric = mnl_attr_get_u32(a); break;
		}
	}
	if (table == RT_TABLE_MAIN && oif && (!w->oif || metric < w->metric)) {
		w->oif = oif;
		w->metric = metric;
	}
	return MNL_CB_OK;
}

/* The device of this namespace's IPv4 default route; false if none. */
static bool default_route_dev(char out[IFNAMSIZ])
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct route_walk w = { 0, 0 };
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	return !nl_talk(nlh, route_cb, &w) && w.oif && if_indextoname(w.oif, out);
}

/* ---- child processes ---- */

static const char *find_prog(const char *name, char *buf, size_t len)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin",
					    "/usr/local/sbin", "/usr/local/bin" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, len, "%s/%s", dirs[i], name);
		if (!access(buf, X_OK))
			return buf;
	}
	return NULL;
}

/* fork + exec with stdin = in, stdout = stderr = out, default signal
 * dispositions and mask (uvnetd blocks the ones its signalfd takes), and
 * SIGTERM when uvnetd dies.  Only async-signal-safe calls in the child. */
static pid_t spawn(char *const argv[], int in, int out, bool own_session)
{
	pid_t parent = getpid(), pid = fork();
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	if (pid)
		return pid;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	if (own_session)
		setsid();
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	close_range(3, ~0u, 0);
	execv(argv[0], argv);
	_exit(127);
}

static void reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* Run `nft -f -` with `rules` as its input.  0, or -1 with err set. */
static int nft_run(const char *rules, char *err)
{
	char bin[64], out[4096], *line, *save;
	char *argv[] = { bin, "-f", "-", NULL };
	int in[2], res[2], status = 0;
	size_t len = 0, left = strlen(rules);
	const char *p = rules;
	struct pollfd pfd;
	pid_t pid;

	if (!find_prog("nft", bin, sizeof(bin)))
		return control_fail(err, "nft: not found (install nftables)"), -1;
	if (pipe2(in, O_CLOEXEC))
		return control_fail(err, "nft: pipe: %s", strerror(errno)), -1;
	if (pipe2(res, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		return control_fail(err, "nft: pipe: %s", strerror(errno)), -1;
	}
	pid = spawn(argv, in[0], res[1], false);
	close(in[0]);
	close(res[1]);
	while (pid > 0 && left) {
		ssize_t w = write(in[1], p, left);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p += w;
		left -= (size_t)w;
	}
	close(in[1]);
	pfd = (struct pollfd){ .fd = res[0], .events = POLLIN };
	while (pid > 0 && len < sizeof(out) - 1 && poll(&pfd, 1, 10000) > 0) {
		ssize_t r = read(res[0], out + len, sizeof(out) - 1 - len);

		if (r <= 0)
			break;
		len += (size_t)r;
	}
	out[len] = '\0';
	close(res[0]);
	if (pid < 0)
		return control_fail(err, "nft: cannot start: %s", strerror(errno)), -1;
	reap(pid, &status);
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "Error"))
			break;
	control_fail(err, "nft: %s", line ? line : out[0] ? out : "failed");
	return -1;
}

/* ---- files in the state directory ---- */

/* DIR/NAME.SUFFIX, DIR the state file's directory, made absolute: dnsmasq
 * changes its working directory. */
static void state_file(const struct network *n, const char *suffix, char *buf, size_t len)
{
	const char *sp = the_d && the_d->state_path ? the_d->state_path : "/run/uvnet/uvnetd.state";
	const char *slash = strrchr(sp, '/');
	char cwd[2048] = "";

	if (sp[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	snprintf(buf, len, "%s%s%.*s/%s.%s", cwd, cwd[0] ? "/" : "", slash ? (int)(slash - sp) : 1,
		 slash ? sp : ".", n->name, suffix);
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

/* ---- dnsmasq ---- */

/* Does process pid run with this exact argument? */
static bool proc_has_arg(pid_t pid, const char *arg)
{
	char path[64], cmd[8192];
	size_t len = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	for (ssize_t r; len < sizeof(cmd) - 1 && (r = read(fd, cmd + len, sizeof(cmd) - 1 - len)) > 0;)
		len += (size_t)r;
	close(fd);
	cmd[len] = '\0';
	for (size_t i = 0; i < len; i += strlen(cmd + i) + 1)
		if (!strcmp(cmd + i, arg))
			return true;
	return false;
}

/* A dnsmasq an earlier uvnetd left running (it was SIGKILLed: dnsmasq's
 * change of user clears PR_SET_PDEATHSIG): one whose command line carries
 * our --pid-file (its pid file names it, unless someone removed the file:
 * then /proc is searched). */
static void dnsmasq_kill_stale(const struct network *n, const char *pidf)
{
	char want[4200], comm[32];
	FILE *f = fopen(pidf, "re");
	long pid = 0;
	DIR *proc;
	struct dirent *de;

	snprintf(want, sizeof(want), "--pid-file=%s", pidf);
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1 || pid <= 1 || !proc_has_arg((pid_t)pid, want))
			pid = 0;
		fclose(f);
	}
	for (proc = pid ? NULL : opendir("/proc"); proc && (de = readdir(proc));) {
		char path[300];
		long p = strtol(de->d_name, NULL, 10);
		FILE *c;

		if (p <= 1)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/comm", p);
		if (!(c = fopen(path, "re")))
			continue;
		if (!fgets(comm, sizeof(comm), c))
			comm[0] = '\0';
		fclose(c);
		if (!strcmp(comm, "dnsmasq\n") && proc_has_arg((pid_t)p, want)) {
			pid = p;
			break;
		}
	}
	if (proc)
		closedir(proc);
	if (!pid || !proc_alive((pid_t)pid))
		return;
	log_warn("%s: stopping dnsmasq pid %ld, left by an earlier uvnetd", n->name, pid);
	kill((pid_t)pid, SIGTERM);
	for (int ms = 0; ms < 2000 && proc_alive((pid_t)pid); ms += 10)
		usleep(10000);
	if (proc_alive((pid_t)pid))
		kill((pid_t)pid, SIGKILL);
	for (int ms = 0; ms < 1000 && proc_alive((pid_t)pid); ms += 10)
		usleep(10000);
}

static int dnsmasq_start(struct network *n, char *err)
{
	char bin[64], pidf[4096], leasef[4096], logf[4096], why[512];
	char a_if[64], a_pid[4200], a_lease[4200], a_range[128], a_max[64];
	char lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN], mask[INET_ADDRSTRLEN];
	char *argv[24];
	unsigned k = 0;
	int nul, logfd;
	pid_t pid;

	if (!find_prog("dnsmasq", bin, sizeof(bin)))
		return control_fail(err, "dnsmasq: not found (install dnsmasq-base)"), -1;
	state_file(n, "dnsmasq.pid", pidf, sizeof(pidf));
	state_file(n, "leases", leasef, sizeof(leasef));
	state_file(n, "dnsmasq.log", logf, sizeof(logf));
	snprintf(a_if, sizeof(a_if), "--interface=%s", n->port);
	snprintf(a_pid, sizeof(a_pid), "--pid-file=%s", pidf);
	snprintf(a_lease, sizeof(a_lease), "--dhcp-leasefile=%s", leasef);
	snprintf(a_range, sizeof(a_range), "--dhcp-range=%s,%s,%s,1h", ip_str(n->lo, lo),
		 ip_str(n->hi, hi), ip_str(mask_of(n->prefix), mask));
	snprintf(a_max, sizeof(a_max), "--dhcp-lease-max=%u", n->hi - n->lo + 1);
	argv[k++] = bin;
	argv[k++] = "--keep-in-foreground";
	argv[k++] = "--conf-file=/dev/null";
	argv[k++] = "--bind-interfaces";
	argv[k++] = a_if;
	argv[k++] = "--except-interface=lo";
	argv[k++] = "--strict-order";
	argv[k++] = a_pid;
	argv[k++] = a_range;
	argv[k++] = a_lease;
	argv[k++] = a_max;
	argv[k++] = "--dhcp-no-override";
	argv[k++] = "--dhcp-authoritative";
	argv[k++] = "--log-facility=-";
	if (n->mode == NET_ISOLATED)
		argv[k++] = "--dhcp-option=3"; /* no router: nowhere to go */
	argv[k] = NULL;

	dnsmasq_kill_stale(n, pidf);
	unlink(pidf);
	logfd = open(logf, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (logfd < 0 || nul < 0) {
		int e = errno;

		if (logfd >= 0)
			close(logfd);
		if (nul >= 0)
			close(nul);
		return control_fail(err, "dnsmasq: cannot open %s: %s", logf, strerror(e)), -1;
	}
	pid = spawn(argv, nul, logfd, true);
	close(nul);
	close(logfd);
	if (pid < 0)
		return control_fail(err, "dnsmasq: cannot start: %s", strerror(errno)), -1;
	/* Ready once it wrote its pid file (sockets bound, privileges dropped). */
	for (int ms = 0; ms < DNSMASQ_READY_MS; ms += 10) {
		struct stat st;
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			last_line(logf, why, sizeof(why));
			return control_fail(err, "dnsmasq: %s", strncmp(why, "dnsmasq: ", 9) ? why : why + 9), -1;
		}
		if (!stat(pidf, &st) && st.st_size > 0) {
			n->dns_pid = pid;
			n->dns_since = mono_now();
			n->dns_retry = 0;
			log_info("%s: dnsmasq pid %d serves %s-%s on %s", n->name, (int)pid, lo, hi,
				 n->port);
			return 0;
		}
		usleep(10000);
	}
	kill(pid, SIGKILL);
	reap(pid, NULL);
	return control_fail(err, "dnsmasq: not ready after %d s (see %s)", DNSMASQ_READY_MS / 1000, logf), -1;
}

static void dnsmasq_stop(struct network *n)
{
	char pidf[4096];
	pid_t pid = n->dns_pid;

	n->dns_retry = 0;
	if (pid > 0) {
		int status;

		kill(pid, SIGTERM);
		for (int ms = 0; ms < 3000; ms += 10) {
			if (waitpid(pid, &status, WNOHANG) == pid) {
				pid = 0;
				break;
			}
			usleep(10000);
		}
		if (pid) {
			kill(pid, SIGKILL);
			reap(pid, NULL);
		}
		n->dns_pid = 0;
	}
	state_file(n, "dnsmasq.pid", pidf, sizeof(pidf));
	unlink(pidf);
}

/* Once a second: reap a dead dnsmasq, restart it when its time comes: after
 * 1 s, and twice as long each time it dies again within 10 s of starting
 * (up to DNSMASQ_BACKOFF_MAX s). */
static void on_tick(void *arg)
{
	time_t now = mono_now();
	uint64_t ticks;

	(void)arg;
	if (read(tick_fd, &ticks, sizeof(ticks)) < 0)
		return;
	for (unsigned i = 0; i < NETWORK_MAX; i++) {
		struct network *n = nets[i];
		char err[ERRLEN];
		int status;

		if (!n || !n->active || n->mode == NET_BRIDGE)
			continue;
		if (n->dns_pid > 0 && waitpid(n->dns_pid, &status, WNOHANG) == n->dns_pid) {
			n->dns_backoff = now - n->dns_since < 10
				? (n->dns_backoff ? n->dns_backoff * 2 : 1) : 1;
			if (n->dns_backoff > DNSMASQ_BACKOFF_MAX)
				n->dns_backoff = DNSMASQ_BACKOFF_MAX;
			log_warn("%s: dnsmasq (pid %d) %s %d; restarting it in %u s", n->name,
				 (int)n->dns_pid, WIFSIGNALED(status) ? "killed by signal" : "exited with status",
				 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), n->dns_backoff);
			n->dns_pid = 0;
			n->dns_retry = now + n->dns_backoff;
		}
		if (!n->dns_pid && n->dns_retry && now >= n->dns_retry) {
			n->dns_restarts++;
			if (dnsmasq_start(n, err)) {
				n->dns_backoff = !n->dns_backoff ? 1 : n->dns_backoff * 2 > DNSMASQ_BACKOFF_MAX
					? DNSMASQ_BACKOFF_MAX : n->dns_backoff * 2;
				n->dns_retry = now + n->dns_backoff;
				log_error("%s: %s; trying again in %u s", n->name, err, n->dns_backoff);
			}
		}
	}
}

/* ---- nftables ---- */

static int nft_apply(struct network *n, char *err)
{
	char rules[2048], sub[32], in[64], out[64], gw[INET_ADDRSTRLEN];
	int len;

	subnet_str(n, sub, sizeof(sub));
	snprintf(in, sizeof(in), "iifname \"%s\"", n->port);
	if (n->out[0])
		snprintf(out, sizeof(out), "oifname \"%s\"", n->out);
	else
		snprintf(out, sizeof(out), "oifname != \"%s\"", n->port);
	/* "add, delete, add" in one transaction: replaces a table a killed
	 * daemon left behind, and fails as a whole. */
	len = snprintf(rules, sizeof(rules),
		       "table ip uvnet-%s\n"
		       "delete table ip uvnet-%s\n"
		       "table ip uvnet-%s {\n"
		       "\tchain forward {\n"
		       "\t\ttype filter hook forward priority filter; policy accept;\n",
		       n->name, n->name, n->name);
	if (n->mode == NET_NAT)
		len += snprintf(rules + len, sizeof(rules) - (size_t)len,
				"\t\toifname \"%s\" ip daddr %s ct state established,related accept\n"
				"\t\toifname \"%s\" drop\n"
				"\t\t%s ip saddr %s %s accept\n"
				"\t\t%s drop\n"
				"\t}\n"
				"\tchain postrouting {\n"
				"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
				"\t\tip saddr %s ip daddr 224.0.0.0/24 return\n"
				"\t\tip saddr %s ip daddr 255.255.255.255 return\n"
				"\t\tip saddr %s ip daddr != %s %s masquerade\n"
				"\t}\n}\n",
				n->port, sub, n->port, in, sub, out, in, sub, sub, sub, sub, out);
	else /* isolated: no forwarding either way, and of the host only the gateway */
		len += snprintf(rules + len, sizeof(rules) - (size_t)len,
				"\t\t%s drop\n"
				"\t\toifname \"%s\" drop\n"
				"\t}\n"
				"\tchain input {\n"
				"\t\ttype filter hook input priority filter; policy accept;\n"
				"\t\t%s fib daddr type local ip daddr != %s drop\n"
				"\t}\n}\n",
				in, n->port, in, ip_str(gateway_of(n), gw));
	if (len >= (int)sizeof(rules))
		return control_fail(err, "nft: rule set too long"), -1;
	if (nft_run(rules, err))
		return -1;
	n->table = true;
	return 0;
}

static void nft_remove(struct network *n)
{
	char rules[128], err[ERRLEN];

	if (!n->table)
		return;
	snprintf(rules, sizeof(rules), "table ip uvnet-%s\ndelete table ip uvnet-%s\n", n->name, n->name);
	if (nft_run(rules, err))
		log_error("%s: cannot delete table ip uvnet-%s: %s", n->name, n->name, err);
	n->table = false;
}

static int enable_forwarding(char *err)
{
	int fd = open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "1\n", 2) != 2) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return control_fail(err, "forwarding: cannot enable IPv4 forwarding: %s", strerror(e)), -1;
	}
	close(fd);
	return 0;
}

/* ---- bridges and ports, through the ordinary verbs ---- */

/* Run a control request from inside the daemon: no state file write
 * (the verb that called us writes it once), and del-br / del-port may
 * touch a network's own bridge and port.  words end with NULL. */
static int internal(struct daemon *d, char *err, const char *const *words)
{
	struct json_object *argv = json_object_new_array(), *rep, *okv, *e;
	bool was = d->loading;
	int rc = 0;

	for (; *words; words++)
		json_object_array_add(argv, json_object_new_string(*words));
	internal_calls++;
	d->loading = true;
	rep = control_execute(d, argv);
	d->loading = was;
	internal_calls--;
	if (!json_object_object_get_ex(rep, "ok", &okv) || !json_object_get_boolean(okv)) {
		rc = -1;
		if (err)
			snprintf(err, ERRLEN, "%s", json_object_object_get_ex(rep, "error", &e)
				 ? json_object_get_string(e) : "failed");
	}
	json_object_put(argv);
	json_object_put(rep);
	return rc;
}

static void gateway_mac(const struct network *n, uint8_t mac[6])
{
	uint32_t h = 2166136261u;

	for (const char *c = n->name; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	/* locally administered, unicast: 02:75:76 ("uv") + 24 bits of the name */
	mac[0] = 0x02, mac[1] = 0x75, mac[2] = 0x76;
	mac[3] = (uint8_t)(h >> 16), mac[4] = (uint8_t)(h >> 8), mac[5] = (uint8_t)h;
}

static void network_teardown(struct daemon *d, struct network *n)
{
	const char *del[] = { "del-br", n->name, NULL };
	char err[ERRLEN];

	dnsmasq_stop(n);
	nft_remove(n);
	if (daemon_find_bridge(d, n->name) && internal(d, err, del))
		log_error("%s: %s", n->name, err);
	n->active = false;
	n->out[0] = '\0';
}

static void ensure_tick(struct daemon *d)
{
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };

	if (tick_fd >= 0)
		return;
	tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (tick_fd < 0 || timerfd_settime(tick_fd, 0, &its, NULL) ||
	    d->env.watch(&d->env, tick_fd, on_tick, d)) {
		log_error("cannot set up the dnsmasq watch timer: %s", strerror(errno));
		if (tick_fd >= 0)
			close(tick_fd);
		tick_fd = -1;
	}
}

static int network_start(struct daemon *d, struct network *n, char *err)
{
	char sub[32], hit[80], e2[ERRLEN];
	const char *addbr[] = { "add-br", n->name, NULL };
	char ifname_opt[40], dev_opt[40];
	const char *addtap[] = { "add-port", n->name, n->port, "type=tap", ifname_opt, NULL };
	const char *addafp[] = { "add-port", n->name, n->port, "type=afpacket", dev_opt, NULL };
	unsigned ifindex;
	uint8_t mac[6];
	int rc;

	snprintf(n->port, sizeof(n->port), "uv-%s", n->name);
	snprintf(ifname_opt, sizeof(ifname_opt), "ifname=%s", n->port);
	snprintf(dev_opt, sizeof(dev_opt), "dev=%s", n->uplink);
	n->out[0] = '\0';
	if (daemon_find_bridge(d, n->name))
		return control_fail(err, "name: a bridge named %s already exists", n->name), -1;
	if (daemon_find_port(d, n->port))
		return control_fail(err, "name: a port named %s already exists", n->port), -1;
	if (n->mode == NET_BRIDGE) {
		if (!if_nametoindex(n->uplink))
			return control_fail(err, "uplink: no interface named %s", n->uplink), -1;
		if (internal(d, err, addbr))
			return -1;
		if (internal(d, err, addafp)) {
			snprintf(e2, sizeof(e2), "%s", err);
			control_fail(err, "uplink: %s", e2);
			goto undo;
		}
		n->active = true;
		log_info("%s started: bridge %s, uplink %s (afpacket port %s)", n->name,
			 n->name, n->uplink, n->port);
		return 0;
	}
	subnet_str(n, sub, sizeof(sub));
	if (kernel_overlap(n->net, n->prefix, n->port, hit, sizeof(hit)))
		return control_fail(err, "subnet: %s overlaps %s", sub, hit), -1;
	if (n->mode == NET_NAT) {
		if (n->uplink[0]) {
			if (!if_nametoindex(n->uplink))
				return control_fail(err, "uplink: no interface named %s", n->uplink), -1;
			snprintf(n->out, sizeof(n->out), "%s", n->uplink);
		} else if (default_route_dev(n->out) && !strcmp(n->out, n->port)) {
			n->out[0] = '\0';
		}
	}
	if (internal(d, err, addbr))
		return -1;
	if (internal(d, err, addtap))
		goto undo;
	gateway_mac(n, mac);
	ifindex = if_nametoindex(n->port);
	if (!ifindex || (rc = nl_link_setup(ifindex, mac)) ||
	    (rc = nl_addr_add(ifindex, gateway_of(n), n->prefix, broadcast_of(n)))) {
		control_fail(err, "subnet: cannot configure %s on %s: %s", sub, n->port,
		     strerror(ifindex ? -rc : ENODEV));
		goto undo;
	}
	if (nft_apply(n, err) || (n->mode == NET_NAT && enable_forwarding(err)) ||
	    dnsmasq_start(n, err))
		goto undo;
	ensure_tick(d);
	n->dns_backoff = 0;
	n->dns_restarts = 0;
	n->active = true;
	log_info("%s started (%s): bridge %s, gateway port %s, %s, uplink %s", n->name,
		 mode_names[n->mode], n->name, n->port, sub,
		 n->mode == NET_ISOLATED ? "none" : n->out[0] ? n->out : "any");
	return 0;
undo:
	network_teardown(d, n);
	return -1;
}

static void network_stop(struct daemon *d, struct network *n)
{
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++) {
		struct daemon_port *dp = &d->ports[i];

		if (dp->port && dp->br && !strcmp(dp->br->name, n->name) && strcmp(dp->port->name, n->port))
			log_warn("%s: stopping takes port %s with it", n->name, dp->port->name);
	}
	network_teardown(d, n);
	log_info("%s stopped", n->name);
}

/* ---- lookups ---- */

static struct network *find_net(const char *name)
{
	for (unsigned i = 0; i < NETWORK_MAX; i++)
		if (nets[i] && !strcmp(nets[i]->name, name))
			return nets[i];
	return NULL;
}

const char *network_owning_bridge(const char *bridge)
{
	struct network *n = find_net(bridge);

	return !internal_calls && n && n->active ? n->name : NULL;
}

const char *network_owning_port(const char *port)
{
	if (internal_calls)
		return NULL;
	for (unsigned i = 0; i < NETWORK_MAX; i++)
		if (nets[i] && nets[i]->active && !strcmp(nets[i]->port, port))
			return nets[i]->name;
	return NULL;
}

/* ---- exit ---- */

static void network_atexit(void)
{
	for (unsigned i = 0; i < NETWORK_MAX; i++) {
		struct network *n = nets[i];

		if (!n)
			continue;
		if (n->active) {
			/* uvnetd tore the bridges and ports down already */
			dnsmasq_stop(n);
			nft_remove(n);
			log_info("%s: dnsmasq and rules removed at exit", n->name);
		}
		free(n);
		nets[i] = NULL;
	}
	if (tick_fd >= 0)
		close(tick_fd);
	tick_fd = -1;
}

static void attach_daemon(struct daemon *d)
{
	if (!the_d)
		atexit(network_atexit);
	the_d = d;
}

/* ---- verbs ---- */

static bool valid_net_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= NETWORK_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && !strchr("-_.", s[i]))
			return false;
	return true;
}

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] <= ' ' || s[i] == '"' || s[i] == '\\' ||
		    (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* Another network whose subnet overlaps net/prefix. */
static struct network *net_overlapping(uint32_t net, unsigned prefix, const struct network *self)
{
	for (unsigned i = 0; i < NETWORK_MAX; i++) {
		struct network *n = nets[i];

		if (n && n != self && n->mode != NET_BRIDGE && overlaps(n->net, n->prefix, net, prefix))
			return n;
	}
	return NULL;
}

/* 192.168.122.0/24, else the next free 192.168.X.0/24. */
static bool pick_subnet(struct network *n, bool check_kernel)
{
	char hit[80];

	for (uint32_t x = 122; x < 255; x++) {
		uint32_t net = 0xc0a80000u | x << 8;

		if (!net_overlapping(net, 24, n) &&
		    !(check_kernel && kernel_overlap(net, 24, "", hit, sizeof(hit)))) {
			n->net = net;
			n->prefix = 24;
			return true;
		}
	}
	return false;
}

static bool parse_range(struct network *n, const char *s, char *err)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], sub[32], ip[INET_ADDRSTRLEN];
	const char *comma = strchr(s, ',');
	uint32_t x[2];

	subnet_str(n, sub, sizeof(sub));
	if (!comma || (size_t)(comma - s) >= sizeof(a) || strlen(comma + 1) >= sizeof(b)) {
		control_fail(err, "dhcp-range: '%s' is not START,END (two IPv4 addresses)", s);
		return false;
	}
	memcpy(a, s, (size_t)(comma - s));
	a[comma - s] = '\0';
	strcpy(b, comma + 1);
	if (!parse_ip(a, &x[0]) || !parse_ip(b, &x[1])) {
		control_fail(err, "dhcp-range: '%s' is not START,END (two IPv4 addresses)", s);
		return false;
	}
	for (int i = 0; i < 2; i++) {
		if ((x[i] & mask_of(n->prefix)) != n->net) {
			control_fail(err, "dhcp-range: %s is not inside the subnet %s", ip_str(x[i], ip), sub);
			return false;
		}
		if (x[i] == n->net || x[i] == broadcast_of(n) || x[i] == gateway_of(n)) {
			control_fail(err, "dhcp-range: %s is the subnet's %s address", ip_str(x[i], ip),
			     x[i] == n->net ? "network" : x[i] == gateway_of(n) ? "gateway" : "broadcast");
			return false;
		}
	}
	if (x[0] > x[1]) {
		control_fail(err, "dhcp-range: the start %s is above the end %s", a, b);
		return false;
	}
	n->lo = x[0];
	n->hi = x[1];
	return true;
}

struct json_object *network_define(struct daemon *d, struct json_object *argv, char *err)
{
	static const char *const keys[] = { "mode", "subnet", "dhcp-range", "uplink" };
	const char *val[4] = { NULL, NULL, NULL, NULL };
	const char *name = control_word(argv, 1);
	struct network *n, *other;
	char sub[32], hit[80];
	unsigned slot;

	attach_daemon(d);
	if (!valid_net_name(name))
		return control_fail(err, "name: '%s' is not a valid network name (1-%d of A-Z a-z 0-9 - _ .)",
			    name, NETWORK_NAME_MAX - 1);
	if (find_net(name))
		return control_fail(err, "name: network %s already exists", name);
	for (size_t i = 2; i < json_object_array_length(argv); i++) {
		const char *w = control_word(argv, i), *eq = strchr(w, '=');
		size_t k;

		for (k = 0; eq && k < 4; k++)
			if (strlen(keys[k]) == (size_t)(eq - w) && !strncmp(keys[k], w, (size_t)(eq - w)))
				break;
		if (!eq)
			return control_fail(err, "%s: expected key=value", w);
		if (k == 4)
			return control_fail(err, "%.*s: unknown option (mode, subnet, dhcp-range, uplink)",
				    (int)(eq - w), w);
		if (val[k])
			return control_fail(err, "%s: given twice", keys[k]);
		val[k] = eq + 1;
	}
	for (slot = 0; slot < NETWORK_MAX && nets[slot]; slot++)
		;
	if (slot == NETWORK_MAX)
		return control_fail(err, "name: the daemon already has %d networks", NETWORK_MAX);
	if (!val[0])
		return control_fail(err, "mode: net-define needs mode=nat|isolated|bridge");
	n = calloc(1, sizeof(*n));
	if (!n)
		return control_fail(err, "name: out of memory");
	snprintf(n->name, sizeof(n->name), "%s", name);
	for (n->mode = NET_NAT; n->mode <= NET_BRIDGE; n->mode++)
		if (!strcmp(val[0], mode_names[n->mode]))
			break;
	if (n->mode > NET_BRIDGE) {
		control_fail(err, "mode: '%s' is not nat, isolated or bridge", val[0]);
		goto bad;
	}
	if (val[3]) {
		if (!valid_ifname(val[3])) {
			control_fail(err, "uplink: '%s' is not an interface name", val[3]);
			goto bad;
		}
		snprintf(n->uplink, sizeof(n->uplink), "%s", val[3]);
	}
	if (n->mode == NET_BRIDGE) {
		if (val[1] || val[2]) {
			control_fail(err, "%s: a mode=bridge network has no %s of its own (it is the uplink's)",
			     val[1] ? "subnet" : "dhcp-range", val[1] ? "subnet" : "DHCP");
			goto bad;
		}
		if (!val[3]) {
			control_fail(err, "uplink: a mode=bridge network needs uplink=DEV");
			goto bad;
		}
		for (unsigned i = 0; i < NETWORK_MAX; i++)
			if (nets[i] && nets[i]->mode == NET_BRIDGE && !strcmp(nets[i]->uplink, n->uplink)) {
				control_fail(err, "uplink: %s is already the uplink of network %s", n->uplink,
				     nets[i]->name);
				goto bad;
			}
	} else {
		if (n->mode == NET_ISOLATED && val[3]) {
			control_fail(err, "uplink: an isolated network has no uplink");
			goto bad;
		}
		if (val[1]) {
			if (!parse_subnet(val[1], &n->net, &n->prefix, err))
				goto bad;
			subnet_str(n, sub, sizeof(sub));
			if ((other = net_overlapping(n->net, n->prefix, n))) {
				char osub[32];

				subnet_str(other, osub, sizeof(osub));
				control_fail(err, "subnet: %s overlaps network %s (%s)", sub, other->name, osub);
				goto bad;
			}
			/* Not when replaying the state file: a definition is never lost
			 * (net-start checks again). */
			if (!d->loading && kernel_overlap(n->net, n->prefix, "", hit, sizeof(hit))) {
				control_fail(err, "subnet: %s overlaps %s", sub, hit);
				goto bad;
			}
		} else if (!pick_subnet(n, !d->loading)) {
			control_fail(err, "subnet: no free 192.168.X.0/24 left; give subnet=CIDR");
			goto bad;
		}
		if (val[2]) {
			if (!parse_range(n, val[2], err))
				goto bad;
		} else {
			n->lo = gateway_of(n) + 1;
			n->hi = broadcast_of(n) - 1;
		}
	}
	nets[slot] = n;
	subnet_str(n, sub, sizeof(sub));
	log_info("%s defined: mode=%s%s%s%s%s", n->name, mode_names[n->mode],
		 n->mode == NET_BRIDGE ? "" : " subnet=", n->mode == NET_BRIDGE ? "" : sub,
		 n->uplink[0] ? " uplink=" : "", n->uplink);
	return json_object_new_object();
bad:
	free(n);
	return NULL;
}

static struct network *net_arg(struct json_object *argv, char *err)
{
	struct network *n = find_net(control_word(argv, 1));

	if (!n)
		control_fail(err, "name: no network named %s", control_word(argv, 1));
	return n;
}

struct json_object *network_undefine(struct daemon *d, struct json_object *argv, char *err)
{
	struct network *n;
	char path[4096];

	attach_daemon(d);
	if (!(n = net_arg(argv, err)))
		return NULL;
	if (n->active)
		return control_fail(err, "name: network %s is active (net-stop it first)", n->name);
	for (unsigned i = 0; i < NETWORK_MAX; i++)
		if (nets[i] == n)
			nets[i] = NULL;
	state_file(n, "leases", path, sizeof(path));
	unlink(path);
	state_file(n, "dnsmasq.log", path, sizeof(path));
	unlink(path);
	log_info("%s undefined", n->name);
	free(n);
	return json_object_new_object();
}

struct json_object *network_start_verb(struct daemon *d, struct json_object *argv, char *err)
{
	struct network *n;

	attach_daemon(d);
	if (!(n = net_arg(argv, err)))
		return NULL;
	if (n->active)
		return control_fail(err, "name: network %s is already active", n->name);
	if (network_start(d, n, err))
		return NULL;
	n->started = true;
	return json_object_new_object();
}

struct json_object *network_stop_verb(struct daemon *d, struct json_object *argv, char *err)
{
	struct network *n;

	attach_daemon(d);
	if (!(n = net_arg(argv, err)))
		return NULL;
	if (!n->active)
		return control_fail(err, "name: network %s is not active", n->name);
	network_stop(d, n);
	n->started = false;
	return json_object_new_object();
}

static struct json_object *net_json(const struct network *n)
{
	struct json_object *o = json_object_new_object();
	char sub[32], ip[INET_ADDRSTRLEN], range[2 * INET_ADDRSTRLEN + 1];

	json_object_object_add(o, "name", json_object_new_string(n->name));
	json_object_object_add(o, "mode", json_object_new_string(mode_names[n->mode]));
	json_object_object_add(o, "active", json_object_new_boolean(n->active));
	json_object_object_add(o, "autostart", json_object_new_boolean(n->started));
	json_object_object_add(o, "bridge", json_object_new_string(n->name));
	json_object_object_add(o, "port", json_object_new_string(n->active ? n->port : ""));
	if (n->mode != NET_BRIDGE) {
		subnet_str(n, sub, sizeof(sub));
		json_object_object_add(o, "subnet", json_object_new_string(sub));
		json_object_object_add(o, "gateway", json_object_new_string(ip_str(gateway_of(n), ip)));
		snprintf(range, sizeof(range), "%s,", ip_str(n->lo, ip));
		strcat(range, ip_str(n->hi, ip));
		json_object_object_add(o, "dhcp_range", json_object_new_string(range));
	}
	/* nat: the uplink in use (when active) or as defined ("" = the default
	 * route's device, "*" = any: there was no default route) */
	if (n->mode == NET_NAT && n->active)
		json_object_object_add(o, "uplink", json_object_new_string(n->out[0] ? n->out : "*"));
	else if (n->mode != NET_ISOLATED)
		json_object_object_add(o, "uplink", json_object_new_string(n->uplink));
	if (n->active && n->mode != NET_BRIDGE) {
		json_object_object_add(o, "dnsmasq_pid", json_object_new_int(n->dns_pid));
		json_object_object_add(o, "dnsmasq_restarts", json_object_new_int((int)n->dns_restarts));
	}
	return o;
}

struct json_object *network_list(struct daemon *d, struct json_object *argv, char *err)
{
	struct json_object *res = json_object_new_object(), *arr = json_object_new_array();

	(void)argv, (void)err;
	attach_daemon(d);
	for (unsigned i = 0; i < NETWORK_MAX; i++)
		if (nets[i])
			json_object_array_add(arr, net_json(nets[i]));
	json_object_object_add(res, "networks", arr);
	return res;
}

/* dnsmasq's lease file, as libvirt reads virbr0.status: one lease a line,
 * "EXPIRY MAC IP HOSTNAME CLIENT-ID" ("*" for none; EXPIRY 0 = never). */
struct json_object *network_dhcp_leases(struct daemon *d, struct json_object *argv, char *err)
{
	struct json_object *res, *arr;
	struct network *n;
	char path[4096], line[1024];
	time_t now = time(NULL);
	FILE *f;

	attach_daemon(d);
	if (!(n = net_arg(argv, err)))
		return NULL;
	if (n->mode == NET_BRIDGE)
		return control_fail(err, "name: network %s (mode=bridge) has no DHCP server of its own", n->name);
	res = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(res, "network", json_object_new_string(n->name));
	json_object_object_add(res, "prefix", json_object_new_int((int)n->prefix));
	state_file(n, "leases", path, sizeof(path));
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *w[5], *save = NULL, *p = line;
		struct json_object *o;
		uint32_t ip;
		int k;

		for (k = 0; k < 5 && (w[k] = strtok_r(p, " \t\n", &save)); k++)
			p = NULL;
		if (k < 4 || !parse_ip(w[2], &ip))
			continue; /* "duid ..." and IPv6 lines */
		if (strtoll(w[0], NULL, 10) && strtoll(w[0], NULL, 10) < now)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "expiry", json_object_new_int64(strtoll(w[0], NULL, 10)));
		json_object_object_add(o, "mac", json_object_new_string(w[1]));
		json_object_object_add(o, "ip", json_object_new_string(w[2]));
		json_object_object_add(o, "hostname", json_object_new_string(strcmp(w[3], "*") ? w[3] : ""));
		json_object_object_add(o, "client_id",
				       json_object_new_string(k == 5 && strcmp(w[4], "*") ? w[4] : ""));
		json_object_array_add(arr, o);
	}
	if (f)
		fclose(f);
	json_object_object_add(res, "leases", arr);
	return res;
}

/* ---- state file ---- */

struct json_object *network_snapshot(void)
{
	struct json_object *arr = json_object_new_array();

	for (unsigned i = 0; i < NETWORK_MAX; i++) {
		struct network *n = nets[i];
		struct json_object *o;
		char buf[64], ip[INET_ADDRSTRLEN];

		if (!n)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(n->name));
		json_object_object_add(o, "mode", json_object_new_string(mode_names[n->mode]));
		if (n->mode != NET_BRIDGE) {
			subnet_str(n, buf, sizeof(buf));
			json_object_object_add(o, "subnet", json_object_new_string(buf));
			snprintf(buf, sizeof(buf), "%s,", ip_str(n->lo, ip));
			strcat(buf, ip_str(n->hi, ip));
			json_object_object_add(o, "dhcp-range", json_object_new_string(buf));
		}
		if (n->uplink[0])
			json_object_object_add(o, "uplink", json_object_new_string(n->uplink));
		json_object_object_add(o, "started", json_object_new_boolean(n->started));
		json_object_array_add(arr, o);
	}
	return arr;
}

void network_load(struct daemon *d, struct json_object *networks)
{
	static const char *const keys[] = { "mode", "subnet", "dhcp-range", "uplink" };

	attach_daemon(d);
	for (size_t i = 0; i < json_object_array_length(networks); i++) {
		struct json_object *o = json_object_array_get_idx(networks, i), *v, *words, *res;
		char err[ERRLEN] = "", buf[128];
		struct network *n;

		if (!json_object_object_get_ex(o, "name", &v)) {
			log_error("a network without a name; skipped");
			continue;
		}
		words = json_object_new_array();
		json_object_array_add(words, json_object_new_string("net-define"));
		json_object_array_add(words, json_object_get(v));
		for (size_t k = 0; k < 4; k++)
			if (json_object_object_get_ex(o, keys[k], &v)) {
				snprintf(buf, sizeof(buf), "%s=%s", keys[k], json_object_get_string(v));
				json_object_array_add(words, json_object_new_string(buf));
			}
		res = network_define(d, words, err);
		json_object_put(words);
		if (!res) {
			log_error("network %zu: %s", i, err);
			continue;
		}
		json_object_put(res);
		n = find_net(json_object_get_string(json_object_object_get(o, "name")));
		if (n && json_object_object_get_ex(o, "started", &v) && json_object_get_boolean(v)) {
			n->started = true;
			if (network_start(d, n, err))
				log_error("%s: not started again: %s", n->name, err);
		}
	}
}
