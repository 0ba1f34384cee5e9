/* SPDX-License-Identifier: MIT */
/*
 * dnsmasq as a network's DHCP and DNS server, supervised the way libvirt
 * does it: our child in its own session, bound to the gateway interface
 * only, ready once it wrote its pid file, reaped and restarted with a
 * backoff when it dies, stopped with the network.  A dnsmasq an earlier,
 * SIGKILLed uvnetd left behind (its change of user clears the parent-death
 * signal) is found by its --pid-file argument and stopped first.
 */
#ifndef UVNET_DAEMON_DNSMASQ_H
#define UVNET_DAEMON_DNSMASQ_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include "util/error.h"

#define DNSMASQ_READY_MS 5000   /* how long a starting dnsmasq may take */
#define DNSMASQ_BACKOFF_MAX 30  /* seconds between restarts, at most */
#define DNSMASQ_ARGS_MAX 32
#define DNSMASQ_LOG_MAX (1 << 20)  /* bytes of log kept per run (then LOG.1) */

struct dnsmasq {
	/* what to serve; set before dnsmasq_start() */
	char label[32];             /* for logs: the network's name */
	char ifname[IFNAMSIZ];
	uint32_t lo, hi;            /* the DHCP range */
	unsigned prefix;
	bool no_router;             /* isolated: no default gateway option */
	bool no_upstream;           /* isolated: DNS for the network's own names
				       only (no resolv.conf, no /etc/hosts) */
	char pid_path[PATH_MAX], lease_path[PATH_MAX], log_path[PATH_MAX];
	/* the address reservations: a conf file of dhcp-host= lines, given
	 * to dnsmasq once dnsmasq_set_hosts() wrote it (hosts).  Not a
	 * dhcp-hostsfile re-read on SIGHUP: dnsmasq reads those after it
	 * dropped to its own user, which cannot enter the root-only state
	 * directory; a conf file is read at start, as root. */
	char hosts_path[PATH_MAX];
	bool hosts;
	/* supervision */
	pid_t pid;                  /* 0: not running */
	time_t since;               /* monotonic time of its last start */
	time_t retry;               /* restart it then; 0: nothing scheduled */
	unsigned backoff, restarts;
};

/* The command line for dm (argv[0] = bin); the strings live in *a. */
struct dnsmasq_args {
	char *argv[DNSMASQ_ARGS_MAX];
	char a_if[64], a_pid[PATH_MAX + 16], a_lease[PATH_MAX + 24], a_range[128], a_max[64];
	char a_hosts[PATH_MAX + 16];
};
void dnsmasq_build_args(const struct dnsmasq *dm, char *bin, struct dnsmasq_args *a);

/* Write hosts_path (len bytes of buf: dhcp-host= lines; through a
 * temporary file, mode 0600) and restart a running dnsmasq to read it
 * (its leases stay in the lease file).  0 or -errno, e says why. */
int dnsmasq_set_hosts(struct dnsmasq *dm, const char *buf, size_t len, struct error *e);

/* Start it and wait until it is ready; errors name "dnsmasq" and carry
 * its last log line when it exited. */
int dnsmasq_start(struct dnsmasq *dm, struct error *e);

/* Stop it (SIGTERM, then SIGKILL after 3 s) and remove its pid file. */
void dnsmasq_stop(struct dnsmasq *dm);

/* Once a second: reap a dead dnsmasq and restart it when its time comes:
 * after 1 s, twice as long each time it dies again within 10 s of
 * starting, at most DNSMASQ_BACKOFF_MAX s. */
void dnsmasq_tick(struct dnsmasq *dm, time_t now);

/* One line of dnsmasq's lease file, "EXPIRY MAC IP HOSTNAME [CLIENT-ID]"
 * ("*" for none; EXPIRY 0 = never), split in place.  False for lines that
 * are not IPv4 leases ("duid ...", IPv6). */
struct dnsmasq_lease {
	long long expiry;
	const char *mac, *ip, *hostname, *client_id;   /* "" for none */
};
bool dnsmasq_parse_lease(char *line, struct dnsmasq_lease *out);

time_t dnsmasq_now(void);       /* the monotonic clock the supervision uses */

#endif
