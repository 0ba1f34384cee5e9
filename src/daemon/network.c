/* SPDX-License-Identifier: MIT */
/*
 * Network definitions and their lifecycle (see network.h).  A started nat
 * network is
 *
 *   bridge NAME ── port uv-NAME (tap) ── kernel: 192.168.x.1/24 on uv-NAME
 *                                         dnsmasq --interface=uv-NAME
 *                                         nft table ip uvnet-NAME (masquerade)
 */
#include "daemon/network.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/nft.h"
#include "daemon/rtnl.h"
#include "util/log.h"
#include "util/parse.h"

LOG_MODULE("network");

static const char *const mode_names[] = { "nat", "isolated", "bridge" };

enum { OPT_MODE, OPT_SUBNET, OPT_RANGE, OPT_UPLINK, OPT_GROUP, OPT_SOCKET_PSEC, OPT_COUNT };
static const char *const option_keys[OPT_COUNT] = { "mode", "subnet", "dhcp-range", "uplink",
						    "socket-group", "socket-port-security" };

/* Without socket-group=: libvirt's QEMU user's group where it exists. */
#define DEFAULT_SOCKET_GROUP "libvirt-qemu"

/* ---- definitions ---- */

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

static int split_options(const char *const *opts, unsigned n, const char *val[OPT_COUNT],
			 struct error *e)
{
	for (unsigned i = 0; i < n; i++) {
		const char *w = opts[i], *eq = strchr(w, '=');
		unsigned k;

		if (!eq)
			return error_set(e, -EINVAL, "%s: expected key=value", w);
		for (k = 0; k < OPT_COUNT; k++)
			if (strlen(option_keys[k]) == (size_t)(eq - w) &&
			    !strncmp(option_keys[k], w, (size_t)(eq - w)))
				break;
		if (k == OPT_COUNT)
			return error_set(e, -EINVAL, "%.*s: unknown option (mode, subnet, dhcp-range, uplink, socket-group, socket-port-security)",
					 (int)(eq - w), w);
		if (val[k])
			return error_set(e, -EINVAL, "%s: given twice", option_keys[k]);
		val[k] = eq + 1;
	}
	return 0;
}

static struct network *overlapping(struct network *const *others, unsigned n,
				   const struct ipv4_subnet *s)
{
	for (unsigned i = 0; i < n; i++)
		if (others[i] && others[i]->mode != NETWORK_BRIDGE &&
		    ipv4_overlaps(others[i]->subnet.net, others[i]->subnet.prefix, s->net, s->prefix))
			return others[i];
	return NULL;
}

/* 192.168.122.0/24, else the next free 192.168.X.0/24. */
static bool pick_subnet(struct network *n, struct network *const *others, unsigned nothers,
			bool check_kernel)
{
	char hit[80];

	for (uint32_t x = 122; x < 255; x++) {
		struct ipv4_subnet s = { 0xc0a80000u | x << 8, 24 };

		if (!overlapping(others, nothers, &s) &&
		    !(check_kernel && rtnl_find_overlap(s.net, 24, "", hit, sizeof(hit)))) {
			n->subnet = s;
			return true;
		}
	}
	return false;
}

static int parse_bridge_mode(struct network *n, const char *val[OPT_COUNT],
			     struct network *const *others, unsigned nothers, struct error *e)
{
	if (val[OPT_SUBNET] || val[OPT_RANGE])
		return error_set(e, -EINVAL, "%s: a mode=bridge network has no %s of its own (it is the uplink's)",
				 val[OPT_SUBNET] ? "subnet" : "dhcp-range",
				 val[OPT_SUBNET] ? "subnet" : "DHCP");
	if (!val[OPT_UPLINK])
		return error_set(e, -EINVAL, "uplink: a mode=bridge network needs uplink=DEV");
	for (unsigned i = 0; i < nothers; i++)
		if (others[i] && others[i]->mode == NETWORK_BRIDGE && !strcmp(others[i]->uplink, n->uplink))
			return error_set(e, -EEXIST, "uplink: %s is already the uplink of network %s",
					 n->uplink, others[i]->name);
	return 0;
}

static int parse_routed_mode(struct network *n, const char *val[OPT_COUNT],
			     struct network *const *others, unsigned nothers, bool check_kernel,
			     struct error *e)
{
	char sub[IPV4_SUBNET_STRLEN], osub[IPV4_SUBNET_STRLEN], hit[80];
	struct network *other;
	int rc;

	if (n->mode == NETWORK_ISOLATED && val[OPT_UPLINK])
		return error_set(e, -EINVAL, "uplink: an isolated network has no uplink");
	if (val[OPT_SUBNET]) {
		if ((rc = ipv4_parse_subnet(val[OPT_SUBNET], &n->subnet, e)))
			return rc;
		ipv4_subnet_str(&n->subnet, sub);
		if ((other = overlapping(others, nothers, &n->subnet)))
			return error_set(e, -EEXIST, "subnet: %s overlaps network %s (%s)", sub, other->name,
					 ipv4_subnet_str(&other->subnet, osub));
		if (check_kernel && rtnl_find_overlap(n->subnet.net, n->subnet.prefix, "", hit, sizeof(hit)))
			return error_set(e, -EEXIST, "subnet: %s overlaps %s", sub, hit);
	} else if (!pick_subnet(n, others, nothers, check_kernel)) {
		return error_set(e, -ENOSPC, "subnet: no free 192.168.X.0/24 left; give subnet=CIDR");
	}
	if (val[OPT_RANGE])
		return ipv4_parse_range(val[OPT_RANGE], &n->subnet, &n->lo, &n->hi, e);
	n->lo = ipv4_gateway(&n->subnet) + 1;
	n->hi = ipv4_broadcast(&n->subnet) - 1;
	return 0;
}

static int parse_mode(const char *s, enum network_mode *m, struct error *e)
{
	if (!s)
		return error_set(e, -EINVAL, "mode: net-define needs mode=nat|isolated|bridge");
	for (unsigned i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(s, mode_names[i])) {
			*m = (enum network_mode)i;
			return 0;
		}
	return error_set(e, -EINVAL, "mode: '%s' is not nat, isolated or bridge", s);
}

/* A group name or id; that it exists is checked again at each start. */
static int parse_socket_group(struct network *n, const char *s, bool check_kernel, struct error *e)
{
	gid_t gid;

	if (!account_valid(s))
		return error_set(e, -EINVAL, "socket-group: '%s' is not a group name or id", s);
	if (check_kernel && account_group(s, &gid, e))
		return error_prefix(e, "socket-group");
	snprintf(n->socket_group, sizeof(n->socket_group), "%s", s);
	return 0;
}

int network_parse(const char *name, const char *const *opts, unsigned nopts,
		  struct network *const *others, unsigned nothers, bool check_kernel,
		  struct network **out, struct error *e)
{
	const char *val[OPT_COUNT] = { NULL };
	struct network *n;
	int rc;

	if (!daemon_valid_name(name, NETWORK_NAME_MAX))
		return error_set(e, -EINVAL, "name: '%s' is not a valid network name (1-%d of A-Z a-z 0-9 - _ .)",
				 name, NETWORK_NAME_MAX - 1);
	if ((rc = split_options(opts, nopts, val, e)))
		return rc;
	n = calloc(1, sizeof(*n));
	if (!n)
		return error_set(e, -ENOMEM, "name: out of memory");
	snprintf(n->name, sizeof(n->name), "%s", name);
	rc = parse_mode(val[OPT_MODE], &n->mode, e);
	if (!rc && val[OPT_UPLINK]) {
		if (valid_ifname(val[OPT_UPLINK]))
			snprintf(n->uplink, sizeof(n->uplink), "%s", val[OPT_UPLINK]);
		else
			rc = error_set(e, -EINVAL, "uplink: '%s' is not an interface name", val[OPT_UPLINK]);
	}
	if (!rc && val[OPT_GROUP])
		rc = parse_socket_group(n, val[OPT_GROUP], check_kernel, e);
	if (!rc && val[OPT_SOCKET_PSEC]) {
		if (!strcmp(val[OPT_SOCKET_PSEC], "off"))
			n->socket_psec_off = true;
		else if (strcmp(val[OPT_SOCKET_PSEC], "learn"))
			rc = error_set(e, -EINVAL, "socket-port-security: '%s' is not learn (the "
				       "default) or off", val[OPT_SOCKET_PSEC]);
	}
	if (!rc)
		rc = n->mode == NETWORK_BRIDGE ? parse_bridge_mode(n, val, others, nothers, e)
		     : parse_routed_mode(n, val, others, nothers, check_kernel, e);
	if (rc) {
		free(n);
		return rc;
	}
	*out = n;
	return 0;
}

void network_free(struct network *n)
{
	free(n);
}

/* ---- lifecycle ---- */

/* Locally administered, unicast: 02:75:76 ("uv") + 24 bits of the name. */
static void gateway_mac(const struct network *n, uint8_t mac[6])
{
	uint32_t h = 2166136261u;

	for (const char *c = n->name; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	mac[0] = 0x02;
	mac[1] = 0x75;
	mac[2] = 0x76;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

static void file_path(const struct network *n, const char *state_dir, const char *suffix,
		      char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.%s", state_dir, n->name, suffix);
}

#define IP_FORWARD "/proc/sys/net/ipv4/ip_forward"

/* A NAT network needs IPv4 forwarding; remember whether it was off, so
 * that the last NAT network to stop puts it back as it found it. */
static int enable_forwarding(struct daemon *d, struct error *e)
{
	char was = '0';
	int fd = open(IP_FORWARD, O_RDWR | O_CLOEXEC);

	if (fd < 0 || read(fd, &was, 1) != 1 || (was != '1' && pwrite(fd, "1\n", 2, 0) != 2)) {
		int rc = -errno;

		if (fd >= 0)
			close(fd);
		return error_set(e, rc, "forwarding: cannot enable IPv4 forwarding: %s", strerror(-rc));
	}
	close(fd);
	if (was != '1') {
		d->ip_forward_changed = true;
		log_info("IPv4 forwarding turned on (it was off; off again when the last NAT network stops)");
	}
	return 0;
}

static void restore_forwarding(struct daemon *d, const struct network *stopping)
{
	int fd;

	if (!d->ip_forward_changed)
		return;
	for (unsigned i = 0; i < NETWORK_MAX; i++)
		if (d->networks[i] && d->networks[i] != stopping && d->networks[i]->active &&
		    d->networks[i]->mode == NETWORK_NAT)
			return;
	fd = open(IP_FORWARD, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0\n", 2) != 2)
		log_error("cannot turn IPv4 forwarding off again: %s", strerror(errno));
	else
		log_info("IPv4 forwarding turned off again (uvnetd had turned it on)");
	if (fd >= 0)
		close(fd);
	d->ip_forward_changed = false;
}

static int load_rules(struct network *n, struct error *e)
{
	struct nft_network spec = { n->name, n->mode == NETWORK_ISOLATED, n->subnet, n->port, n->out };
	char rules[NFT_RULES_MAX];
	int rc;

	if (nft_render_table(&spec, rules, sizeof(rules)) < 0)
		return error_set(e, -ENOSPC, "nft: rule set too long");
	rc = nft_load(rules, e);
	if (!rc)
		n->table = true;
	return rc;
}

static void remove_rules(struct network *n)
{
	char rules[128];
	struct error e;

	if (!n->table)
		return;
	nft_render_delete(n->name, rules, sizeof(rules));
	if (nft_load(rules, &e))
		log_error("%s: cannot delete table ip uvnet-%s: %s", n->name, n->name, e.msg);
	n->table = false;
}

static void teardown(struct network *n, struct daemon *d, bool for_good)
{
	struct error e;

	sockdir_stop(&n->sockdir, for_good);
	dnsmasq_stop(&n->dns);
	n->res.n = 0; /* the guests' ports go with the bridge */
	remove_rules(n);
	if (n->mode == NETWORK_NAT)
		restore_forwarding(d, n);
	if (daemon_find_bridge(d, n->name) && daemon_del_bridge(d, n->name, n->name, &e))
		log_error("%s: %s", n->name, e.msg);
	n->active = false;
	n->out[0] = '\0';
}

static int start_bridge_mode(struct network *n, struct daemon *d, struct error *e)
{
	char dev[40];
	const char *opts[] = { "type=afpacket", dev };
	int rc;

	snprintf(dev, sizeof(dev), "dev=%s", n->uplink);
	if (!if_nametoindex(n->uplink))
		return error_set(e, -ENODEV, "uplink: no interface named %s", n->uplink);
	if ((rc = daemon_add_bridge(d, n->name, n->name, e)))
		return rc;
	if ((rc = daemon_add_port(d, n->name, n->port, opts, 2, n->name, e))) {
		error_prefix(e, "uplink");
		teardown(n, d, false);
		return rc;
	}
	n->active = true;
	log_info("%s started: bridge %s, uplink %s (afpacket port %s)", n->name, n->name, n->uplink,
		 n->port);
	return 0;
}

/* nat: out through the uplink given, else the default route's device
 * (none, or our own: any). */
static int pick_out(struct network *n, struct error *e)
{
	if (n->mode != NETWORK_NAT)
		return 0;
	if (n->uplink[0]) {
		if (!if_nametoindex(n->uplink))
			return error_set(e, -ENODEV, "uplink: no interface named %s", n->uplink);
		snprintf(n->out, sizeof(n->out), "%s", n->uplink);
	} else if (rtnl_default_route_dev(n->out) && !strcmp(n->out, n->port)) {
		n->out[0] = '\0';
	}
	return 0;
}

static int configure_gateway(struct network *n, struct error *e)
{
	char sub[IPV4_SUBNET_STRLEN];
	unsigned ifindex = if_nametoindex(n->port);
	uint8_t mac[6];
	int rc = -ENODEV;

	gateway_mac(n, mac);
	if (ifindex && !(rc = rtnl_link_up(ifindex, mac)))
		rc = rtnl_addr_add(ifindex, ipv4_gateway(&n->subnet), n->subnet.prefix,
				   ipv4_broadcast(&n->subnet));
	if (rc)
		return error_set(e, rc, "subnet: cannot configure %s on %s: %s",
				 ipv4_subnet_str(&n->subnet, sub), n->port, strerror(-rc));
	return 0;
}

static void dnsmasq_setup(struct network *n, const char *state_dir)
{
	struct dnsmasq *dm = &n->dns;

	snprintf(dm->label, sizeof(dm->label), "%s", n->name);
	snprintf(dm->ifname, sizeof(dm->ifname), "%s", n->port);
	dm->lo = n->lo;
	dm->hi = n->hi;
	dm->prefix = n->subnet.prefix;
	dm->no_router = n->mode == NETWORK_ISOLATED;
	dm->no_upstream = n->mode == NETWORK_ISOLATED;
	file_path(n, state_dir, "dnsmasq.pid", dm->pid_path, sizeof(dm->pid_path));
	file_path(n, state_dir, "leases", dm->lease_path, sizeof(dm->lease_path));
	file_path(n, state_dir, "dnsmasq.log", dm->log_path, sizeof(dm->log_path));
	file_path(n, state_dir, "dhcp-hosts", dm->hosts_path, sizeof(dm->hosts_path));
	dm->backoff = 0;
	dm->restarts = 0;
}

static int start_routed_mode(struct network *n, struct daemon *d, const char *state_dir,
			     struct error *e)
{
	char sub[IPV4_SUBNET_STRLEN], hit[80], ifname[40];
	const char *opts[] = { "type=tap", ifname };
	int rc;

	snprintf(ifname, sizeof(ifname), "ifname=%s", n->port);
	ipv4_subnet_str(&n->subnet, sub);
	if (rtnl_find_overlap(n->subnet.net, n->subnet.prefix, n->port, hit, sizeof(hit)))
		return error_set(e, -EEXIST, "subnet: %s overlaps %s", sub, hit);
	if ((rc = pick_out(n, e)) || (rc = daemon_add_bridge(d, n->name, n->name, e)))
		return rc;
	dnsmasq_setup(n, state_dir);
	n->res.n = 0;
	if ((rc = daemon_add_port(d, n->name, n->port, opts, 2, n->name, e)) ||
	    (rc = configure_gateway(n, e)) || (rc = load_rules(n, e)) ||
	    (rc = dnsmasq_set_hosts(&n->dns, "", 0, e)) ||
	    (n->mode == NETWORK_NAT && (rc = enable_forwarding(d, e))) ||
	    (rc = dnsmasq_start(&n->dns, e))) {
		teardown(n, d, false);
		return rc;
	}
	n->active = true;
	log_info("%s started (%s): bridge %s, gateway port %s, %s, uplink %s", n->name,
		 mode_names[n->mode], n->name, n->port, sub,
		 n->mode == NETWORK_ISOLATED ? "none" : n->out[0] ? n->out : "any");
	return 0;
}

/* socket-group=, else libvirt-qemu where that group exists, else root. */
static int socket_gid(const struct network *n, gid_t *gid, struct error *e)
{
	if (n->socket_group[0])
		return account_group(n->socket_group, gid, e) ? error_prefix(e, "socket-group") : 0;
	if (account_group(DEFAULT_SOCKET_GROUP, gid, e))
		*gid = 0;
	return 0;
}

int network_start(struct network *n, struct daemon *d, const char *state_dir,
		  const char *run_dir, struct error *e)
{
	gid_t gid;
	int rc;

	snprintf(n->port, sizeof(n->port), "uv-%s", n->name);
	n->out[0] = '\0';
	if (daemon_find_bridge(d, n->name))
		return error_set(e, -EEXIST, "name: a bridge named %s already exists", n->name);
	if (daemon_find_port(d, n->port))
		return error_set(e, -EEXIST, "name: a port named %s already exists", n->port);
	if ((rc = socket_gid(n, &gid, e)))
		return rc;
	rc = n->mode == NETWORK_BRIDGE ? start_bridge_mode(n, d, e)
	     : start_routed_mode(n, d, state_dir, e);
	if (!rc && (rc = sockdir_start(&n->sockdir, d, n->name, run_dir, gid,
						  !n->socket_psec_off, e))) {
		teardown(n, d, false);
		return rc;
	}
	if (!rc)
		log_info("%s: socket directory %s (group %u)", n->name, n->sockdir.path, (unsigned)gid);
	return rc;
}

void network_scan(struct network *n)
{
	if (n->active)
		sockdir_scan(&n->sockdir);
}

void network_stop(struct network *n, struct daemon *d, bool for_good)
{
	if (!n->active)
		return;
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++) {
		struct daemon_port *dp = &d->ports[i];

		if (dp->port && !strcmp(dp->br->sw->name, n->name) && strcmp(dp->owner, n->name))
			log_warn("%s: stopping takes port %s with it", n->name, dp->port->name);
	}
	teardown(n, d, for_good);
	log_info("%s stopped", n->name);
}

void network_tick(struct network *n)
{
	if (n->active && n->mode != NETWORK_BRIDGE)
		dnsmasq_tick(&n->dns, dnsmasq_now());
	if (n->active)
		sockdir_tick(&n->sockdir);
}

/* ---- descriptions ---- */

static void add_str(struct json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, json_object_new_string(val));
}

static void range_str(const struct network *n, char *buf, size_t len)
{
	char lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN];

	snprintf(buf, len, "%s,%s", ipv4_str(n->lo, lo), ipv4_str(n->hi, hi));
}

struct json_object *network_describe(const struct network *n)
{
	struct json_object *o = json_object_new_object();
	char sub[IPV4_SUBNET_STRLEN], ip[INET_ADDRSTRLEN], range[2 * INET_ADDRSTRLEN + 1];

	add_str(o, "name", n->name);
	add_str(o, "mode", mode_names[n->mode]);
	json_object_object_add(o, "active", json_object_new_boolean(n->active));
	json_object_object_add(o, "autostart", json_object_new_boolean(n->started));
	add_str(o, "bridge", n->name);
	add_str(o, "port", n->active ? n->port : "");
	add_str(o, "socket_group", n->socket_group);
	add_str(o, "socket_dir", n->active ? n->sockdir.path : "");
	add_str(o, "socket_port_security", n->socket_psec_off ? "off" : "learn");
	if (n->mode != NETWORK_BRIDGE) {
		add_str(o, "subnet", ipv4_subnet_str(&n->subnet, sub));
		add_str(o, "gateway", ipv4_str(ipv4_gateway(&n->subnet), ip));
		range_str(n, range, sizeof(range));
		add_str(o, "dhcp_range", range);
	}
	/* nat: the uplink in use (when active) or as defined ("" = the default
	 * route's device, "*" = any: there was no default route) */
	if (n->mode == NETWORK_NAT && n->active)
		add_str(o, "uplink", n->out[0] ? n->out : "*");
	else if (n->mode != NETWORK_ISOLATED)
		add_str(o, "uplink", n->uplink);
	if (n->active && n->mode != NETWORK_BRIDGE) {
		json_object_object_add(o, "dnsmasq_pid", json_object_new_int(n->dns.pid));
		json_object_object_add(o, "dnsmasq_restarts", json_object_new_int((int)n->dns.restarts));
		json_object_object_add(o, "reservations", net_reserve_json(&n->res));
	}
	return o;
}

struct json_object *network_definition(const struct network *n)
{
	struct json_object *o = json_object_new_object();
	char buf[64];

	add_str(o, "name", n->name);
	add_str(o, "mode", mode_names[n->mode]);
	if (n->mode != NETWORK_BRIDGE) {
		add_str(o, "subnet", ipv4_subnet_str(&n->subnet, buf));
		range_str(n, buf, sizeof(buf));
		add_str(o, "dhcp-range", buf);
	}
	if (n->uplink[0])
		add_str(o, "uplink", n->uplink);
	if (n->socket_group[0])
		add_str(o, "socket-group", n->socket_group);
	if (n->socket_psec_off)
		add_str(o, "socket-port-security", "off");
	json_object_object_add(o, "started", json_object_new_boolean(n->started));
	if (n->res.n)
		json_object_object_add(o, "reservations", net_reserve_json(&n->res));
	return o;
}

/* dnsmasq's lease file, as libvirt reads virbr0.status. */
int network_leases(const struct network *n, const char *state_dir, struct json_object **out,
		   struct error *e)
{
	struct json_object *res, *arr;
	char line[1024], path[PATH_MAX];
	time_t now = time(NULL);
	FILE *f;

	if (n->mode == NETWORK_BRIDGE)
		return error_set(e, -EINVAL, "name: network %s (mode=bridge) has no DHCP server of its own",
				 n->name);
	res = json_object_new_object();
	arr = json_object_new_array();
	add_str(res, "network", n->name);
	json_object_object_add(res, "prefix", json_object_new_int((int)n->subnet.prefix));
	file_path(n, state_dir, "leases", path, sizeof(path));
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		struct dnsmasq_lease l;
		struct json_object *o;

		if (!dnsmasq_parse_lease(line, &l) || (l.expiry && l.expiry < now))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "expiry", json_object_new_int64(l.expiry));
		add_str(o, "mac", l.mac);
		add_str(o, "ip", l.ip);
		add_str(o, "hostname", l.hostname);
		add_str(o, "client_id", l.client_id);
		json_object_array_add(arr, o);
	}
	if (f)
		fclose(f);
	json_object_object_add(res, "leases", arr);
	*out = res;
	return 0;
}

/* ---- address reservations ---- */

/* dnsmasq's dhcp-host lines rewritten from the table, and read. */
static void sync_hosts(struct network *n)
{
	static char buf[NET_RESERVE_MAX * 40];
	int len = net_reserve_render(&n->res, buf, sizeof(buf));
	struct error e;

	if (len < 0 || dnsmasq_set_hosts(&n->dns, buf, (size_t)len, &e))
		log_error("%s: the DHCP reservations are not in force: %s", n->name,
			  len < 0 ? "they do not fit the hosts file buffer" : e.msg);
}

/* The addresses dnsmasq leased to MACs other than mac (unexpired); mac's
 * own last one (expired or not) into *own, 0 if none. */
static unsigned leased_to_others(const struct network *n, const uint8_t mac[6], uint32_t *out,
				 unsigned cap, uint32_t *own)
{
	time_t now = time(NULL);
	unsigned k = 0;
	char line[1024];
	FILE *f = fopen(n->dns.lease_path, "re");

	while (f && k < cap && fgets(line, sizeof(line), f)) {
		struct dnsmasq_lease l;
		uint8_t m[6];
		uint32_t ip;

		if (!dnsmasq_parse_lease(line, &l) || !parse_mac(l.mac, m) || !ipv4_parse(l.ip, &ip))
			continue;
		if (!memcmp(m, mac, 6))
			*own = ip;
		else if (!l.expiry || l.expiry >= now)
			out[k++] = ip;
	}
	if (f)
		fclose(f);
	return k;
}

int network_reserve(struct network *n, const uint8_t mac[6], const char *port, uint32_t *ip,
		    struct error *e)
{
	static uint32_t leased[NET_RESERVE_MAX];
	uint32_t own = 0;
	unsigned nleased;
	int rc;

	if (n->mode == NETWORK_BRIDGE || !n->active)
		return error_set(e, -EINVAL, "network %s %s", n->name, n->mode == NETWORK_BRIDGE ?
				 "(mode=bridge) has no DHCP server of its own" : "is not active");
	/* a guest coming back (its domain restarted) gets the address it had */
	nleased = leased_to_others(n, mac, leased, NET_RESERVE_MAX, &own);
	rc = net_reserve(&n->res, n->lo, n->hi, mac, port, leased, nleased, own, ip, e);
	if (rc < 0) {
		error_prefix(e, "network %s", n->name);
		return rc;
	}
	if (rc) /* new: a port coming back (a replay) has its entry already */
		sync_hosts(n);
	return 0;
}

void network_release(struct network *n, const char *port)
{
	if (net_reserve_release(&n->res, port))
		sync_hosts(n);
}

void network_load_reservations(struct network *n, struct json_object *a)
{
	unsigned skipped;

	if (!n->active || n->mode == NETWORK_BRIDGE)
		return;
	net_reserve_load(&n->res, a, n->lo, n->hi, &skipped);
	if (skipped)
		log_warn("%s: %u reservation(s) in the state file dropped (malformed, repeated "
			 "or outside the DHCP range)", n->name, skipped);
	sync_hosts(n);
}

void network_remove_files(const struct network *n, const char *state_dir)
{
	char path[PATH_MAX];

	file_path(n, state_dir, "leases", path, sizeof(path));
	unlink(path);
	file_path(n, state_dir, "dnsmasq.log", path, sizeof(path));
	unlink(path);
	file_path(n, state_dir, "dhcp-hosts", path, sizeof(path));
	unlink(path);
}
