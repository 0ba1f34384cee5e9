/* SPDX-License-Identifier: MIT */
/*
 * uvnetctl: configure and inspect a running uvnetd, in the manner of
 * ovs-vsctl.  Sends the command words to the daemon's control socket as a
 * JSON array and prints the reply, as text or (--json) as it came.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CONTROL "/run/uvnet/uvnetd.sock"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: uvnetctl [--control PATH] [--json] COMMAND [ARG...]\n\n"
		"Bridges and ports:\n"
		"  add-br BRIDGE                    create a bridge\n"
		"  del-br BRIDGE                    delete a bridge and its ports\n"
		"  add-port BRIDGE PORT type=vhost-user path=SOCKET [mode=server|client] [queues=N]\n"
		"  add-port BRIDGE PORT type=tap [ifname=NAME] [queues=N]\n"
		"  add-port BRIDGE PORT type=afpacket dev=NETDEV\n"
		"  add-port BRIDGE PORT type=vxlan remote=IP vni=N [local=IP] [dstport=4789]\n"
		"      any port also takes: tag=VLAN (access), trunks=LIST (e.g. 10,20-30), mtu=N\n"
		"  del-port [BRIDGE] PORT           delete a port\n"
		"Inspection:\n"
		"  show                             bridges, ports and their state\n"
		"  stats [PORT]                     packet, byte, drop and error counters\n"
		"  fdb-show BRIDGE                  learned MAC addresses\n"
		"Networks (a bridge + gateway, DHCP and NAT, like libvirt's):\n"
		"  net-define NAME mode=nat|isolated|bridge [subnet=CIDR] [dhcp-range=START,END]\n"
		"             [uplink=DEV]          define a network (subnet default: a free\n"
		"                                   192.168.X.0/24; uplink default: the default\n"
		"                                   route's device; bridge mode needs uplink=)\n"
		"  net-start NAME | net-stop NAME   start (bridge, gateway tap, dnsmasq, rules) / stop\n"
		"  net-undefine NAME                forget a stopped network\n"
		"  net-list                         networks and their state\n"
		"  net-dhcp-leases NAME             the DHCP leases of a network\n\n"
		"  --control PATH   the daemon's control socket (default " DEFAULT_CONTROL ")\n"
		"  --json           print the reply as JSON\n"
		"  --help           this text\n");
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "uvnetctl: --control: path too long\n");
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "uvnetctl: cannot connect to %s: %s (is uvnetd running?)\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static struct json_object *transact(const char *path, struct json_object *req)
{
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	static char buf[1 << 20];
	size_t len = 0;
	ssize_t r;
	int fd = connect_to(path);

	if (fd < 0)
		return NULL;
	if (write(fd, text, strlen(text)) < 0 || write(fd, "\n", 1) < 0) {
		fprintf(stderr, "uvnetctl: sending the request: %s\n", strerror(errno));
		close(fd);
		return NULL;
	}
	while (len < sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = '\0';
	return json_tokener_parse(buf);
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static void print_show(struct json_object *res)
{
	struct json_object *brs = get(res, "bridges");

	for (size_t b = 0; b < json_object_array_length(brs); b++) {
		struct json_object *br = json_object_array_get_idx(brs, b);
		struct json_object *ports = get(br, "ports");

		printf("Bridge %s\n", str(br, "name"));
		for (size_t p = 0; p < json_object_array_length(ports); p++) {
			struct json_object *po = json_object_array_get_idx(ports, p);

			printf("    Port %s\n", str(po, "name"));
			json_object_object_foreach(po, key, val) {
				if (!strcmp(key, "name") || json_object_is_type(val, json_type_array))
					continue;
				printf("        %s: %s\n", key, json_object_get_string(val));
			}
		}
	}
	printf("workers: %s, poll: %s\n", str(res, "workers"), str(res, "poll"));
}

static void print_workers(struct json_object *ws)
{
	if (!ws)
		return;
	printf("\n%-8s %4s %14s %12s %10s %16s\n", "worker", "cpu", "frames", "bursts", "sleeps",
	       "cycles/frame");
	for (size_t i = 0; i < json_object_array_length(ws); i++) {
		struct json_object *w = json_object_array_get_idx(ws, i);

		printf("%-8s %4s %14s %12s %10s %16.1f\n", str(w, "id"), str(w, "cpu"),
		       str(w, "frames"), str(w, "bursts"), str(w, "sleeps"),
		       json_object_get_double(get(w, "cycles_per_frame")));
	}
}

static void print_stats(struct json_object *res)
{
	struct json_object *ports = get(res, "ports");

	printf("%-16s %-10s %12s %14s %9s %9s %12s %14s %9s %9s\n", "port", "type", "rx_packets",
	       "rx_bytes", "rx_drop", "rx_err", "tx_packets", "tx_bytes", "tx_drop", "tx_err");
	for (size_t i = 0; i < json_object_array_length(ports); i++) {
		struct json_object *p = json_object_array_get_idx(ports, i);
		struct json_object *rx = get(p, "rx"), *tx = get(p, "tx");

		printf("%-16s %-10s %12s %14s %9s %9s %12s %14s %9s %9s\n", str(p, "name"),
		       str(p, "type"), str(rx, "packets"), str(rx, "bytes"), str(rx, "dropped"),
		       str(rx, "errors"), str(tx, "packets"), str(tx, "bytes"), str(tx, "dropped"),
		       str(tx, "errors"));
	}
	print_workers(get(res, "workers"));
}

static void print_fdb(struct json_object *res)
{
	struct json_object *e = get(res, "entries");

	printf(" %-16s %4s  %-17s  %s\n", "port", "VLAN", "MAC", "Age");
	for (size_t i = 0; i < json_object_array_length(e); i++) {
		struct json_object *x = json_object_array_get_idx(e, i);

		printf(" %-16s %4s  %-17s  %s\n", str(x, "port"), str(x, "vlan"), str(x, "mac"),
		       str(x, "age"));
	}
}

static void print_net_list(struct json_object *res)
{
	struct json_object *nets = get(res, "networks");

	printf("%-12s %-8s %-8s %-9s %-18s %-15s %-31s %s\n", "Name", "Mode", "State", "Autostart",
	       "Subnet", "Gateway", "DHCP range", "Uplink");
	for (size_t i = 0; i < json_object_array_length(nets); i++) {
		struct json_object *n = json_object_array_get_idx(nets, i);
		const char *up = str(n, "uplink");

		printf("%-12s %-8s %-8s %-9s %-18s %-15s %-31s %s\n", str(n, "name"), str(n, "mode"),
		       json_object_get_boolean(get(n, "active")) ? "active" : "inactive",
		       json_object_get_boolean(get(n, "autostart")) ? "yes" : "no",
		       get(n, "subnet") ? str(n, "subnet") : "-", get(n, "gateway") ? str(n, "gateway") : "-",
		       get(n, "dhcp_range") ? str(n, "dhcp_range") : "-",
		       !get(n, "uplink") ? "-" : !*up ? "(default route)" : !strcmp(up, "*") ? "(any)" : up);
	}
}

static void print_leases(struct json_object *res)
{
	struct json_object *l = get(res, "leases");

	printf("%-20s %-18s %-19s %-16s %s\n", "Expiry Time", "MAC address", "IP address", "Hostname",
	       "Client ID");
	for (size_t i = 0; i < json_object_array_length(l); i++) {
		struct json_object *x = json_object_array_get_idx(l, i);
		time_t t = (time_t)json_object_get_int64(get(x, "expiry"));
		char when[32] = "never", ip[64];
		struct tm tm;

		if (t && localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		snprintf(ip, sizeof(ip), "%s/%s", str(x, "ip"), str(res, "prefix"));
		printf("%-20s %-18s %-19s %-16s %s\n", when, str(x, "mac"), ip,
		       *str(x, "hostname") ? str(x, "hostname") : "-",
		       *str(x, "client_id") ? str(x, "client_id") : "-");
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *control = DEFAULT_CONTROL;
	struct json_object *req, *rep, *okv;
	bool json = false;
	int c, status;

	/* "+": options end at the command, so "add-port ... tag=-1" stays intact */
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'c': control = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	req = json_object_new_array();
	for (int i = optind; i < argc; i++)
		json_object_array_add(req, json_object_new_string(argv[i]));
	rep = transact(control, req);
	json_object_put(req);
	if (!rep) {
		if (errno != ECONNREFUSED && errno != ENOENT)
			fprintf(stderr, "uvnetctl: no valid reply from uvnetd\n");
		return 1;
	}
	if (!json_object_object_get_ex(rep, "ok", &okv) || !json_object_get_boolean(okv)) {
		fprintf(stderr, "uvnetctl: %s\n", str(rep, "error"));
		status = 1;
	} else {
		struct json_object *res = get(rep, "result");
		const char *verb = argv[optind];

		status = 0;
		if (json)
			printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PRETTY));
		else if (!strcmp(verb, "show"))
			print_show(res);
		else if (!strcmp(verb, "stats"))
			print_stats(res);
		else if (!strcmp(verb, "fdb-show"))
			print_fdb(res);
		else if (!strcmp(verb, "net-list"))
			print_net_list(res);
		else if (!strcmp(verb, "net-dhcp-leases"))
			print_leases(res);
	}
	json_object_put(rep);
	return status;
}
