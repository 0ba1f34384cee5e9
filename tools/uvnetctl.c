/* SPDX-License-Identifier: MIT */
/*
 * uvnetctl: configure and inspect a running uvnetd, in the manner of
 * ovs-vsctl.  Sends the command words to the daemon's control socket
 * (control/client.h) and prints the reply, as text or (--json) as it came.
 * The verbs, their word counts and their help come from the table the
 * daemon dispatches on (control/verbs.h).
 *
 * Exit status: 0 done, 1 the daemon refused or could not be reached,
 * 2 a usage error (found here, before anything is sent).
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/client.h"
#include "control/verbs.h"
#include "tools/uvnetctl_capture.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2

static void usage(FILE *to)
{
	fprintf(to, "usage: uvnetctl [--control PATH] [--json] COMMAND [ARG...]\n\n");
	verb_print_usage(to);
	fprintf(to,
		"\nOptions:\n"
		"  --control PATH   the daemon's control socket (default " CONTROL_DEFAULT_SOCKET ")\n"
		"                   (also --control=PATH)\n"
		"  --json           print the reply as JSON\n"
		"  --help           this text\n\n"
		"Options go anywhere on the line (uvnetctl show --json, uvnetctl --json show).\n"
		"After COMMAND only these exact spellings are options; every other word,\n"
		"tag=-1 included, goes to the daemon.  A word after -- is never an option.\n");
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

static void print_names(const char *title, struct json_object *a)
{
	if (!json_object_array_length(a))
		return;
	printf("        %s:", title);
	for (size_t i = 0; i < json_object_array_length(a); i++)
		printf("%s%s", i ? "," : " ", json_object_get_string(json_object_array_get_idx(a, i)));
	printf("\n");
}

static void print_mirrors(struct json_object *ms)
{
	for (size_t i = 0; ms && i < json_object_array_length(ms); i++) {
		struct json_object *m = json_object_array_get_idx(ms, i);

		printf("    Mirror %s\n", str(m, "name"));
		print_names("select_src", get(m, "select_src"));
		print_names("select_dst", get(m, "select_dst"));
		if (get(m, "select_vlan"))
			printf("        select_vlan: %s\n", str(m, "select_vlan"));
		printf("        output: %s\n", str(m, "output"));
	}
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
		print_mirrors(get(br, "mirrors"));
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

/* Port security and policing drops by reason, and MACs not learned; every
 * port's line if `all` (stats PORT), else only the ports with something
 * to show. */
static void print_security(struct json_object *ports, bool all)
{
	bool title = false;

	for (size_t i = 0; i < json_object_array_length(ports); i++) {
		struct json_object *p = json_object_array_get_idx(ports, i);
		struct json_object *sec = get(p, "security_drops");
		uint64_t sum = json_object_get_uint64(get(p, "max_macs_refused")) +
			       json_object_get_uint64(get(p, "fdb_full_refused")) +
			       json_object_get_uint64(get(p, "policing"));

		json_object_object_foreach(sec, k0, v0) {
			(void)k0;
			sum += json_object_get_uint64(v0);
		}
		if (!sum && !all)
			continue;
		if (!title)
			printf("\n%-16s %s\n", "port",
			       "dropped by port security or policing / MACs not learned");
		title = true;
		printf("%-16s", str(p, "name"));
		json_object_object_foreach(sec, k, v)
			if (all || json_object_get_uint64(v))
				printf(" %s=%s", k, json_object_get_string(v));
		if (all || json_object_get_uint64(get(p, "policing")))
			printf(" policing=%s", str(p, "policing"));
		printf(" max-macs-refused=%s fdb-full-refused=%s\n", str(p, "max_macs_refused"),
		       str(p, "fdb_full_refused"));
	}
}

static void print_bridges(struct json_object *brs)
{
	if (!brs)
		return;
	printf("\n%-16s %12s %12s %14s %12s %16s\n", "bridge", "fdb_entries", "capacity",
	       "learned", "moved", "refused (full)");
	for (size_t i = 0; i < json_object_array_length(brs); i++) {
		struct json_object *b = json_object_array_get_idx(brs, i);

		printf("%-16s %12s %12s %14s %12s %16s\n", str(b, "name"), str(b, "fdb_entries"),
		       str(b, "fdb_capacity"), str(b, "fdb_learned"), str(b, "fdb_moved"),
		       str(b, "fdb_full_drops"));
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
	print_security(ports, !get(res, "workers"));
	print_bridges(get(res, "bridges"));
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
	printf("%s of %s entries used; new MACs refused because the table was full: %s\n",
	       str(res, "fdb_entries"), str(res, "fdb_capacity"), str(res, "fdb_full_drops"));
}

/* One line per step, as ovs-appctl ofproto/trace; the verdict last. */
static void print_trace(struct json_object *res)
{
	struct json_object *pol = get(res, "policing"), *ports = get(res, "ports");
	const char *v = str(res, "verdict");

	printf("bridge %s, in-port %s: %s frame, dl-type %s, %s bytes\n", str(res, "bridge"),
	       str(res, "in_port"), get(res, "vlan_tag") ? "tagged" : "untagged", str(res, "dl_type"),
	       str(res, "len"));
	if (get(res, "vlan_tag"))
		printf("  tag: VLAN %s\n", str(res, "vlan_tag"));
	if (pol)
		printf("  policing: %s (%s bytes of tokens now)\n",
		       json_object_get_boolean(get(pol, "conforms")) ? "conforms" : "exceeds: dropped",
		       str(pol, "tokens_bytes"));
	if (!strcmp(v, "vlan"))
		printf("  vlan: dropped: %s does not admit this frame's tag (show: its vlan)\n",
		       str(res, "in_port"));
	if (get(res, "port_security_learn"))
		printf("  port security (network:learn): %s\n", str(res, "port_security_learn"));
	if (!strcmp(v, "port security"))
		printf("  port security: dropped: %s\n", str(res, "port_security"));
	if (get(res, "vlan")) {
		printf("  vlan: classified into VLAN %s\n", str(res, "vlan"));
		if (get(res, "fdb_port"))
			printf("  fdb: dl-dst learned on %s\n", str(res, "fdb_port"));
		else
			printf("  fdb: %s: flood\n", !strcmp(str(res, "lookup"), "multicast") ?
			       "broadcast/multicast dl-dst" : "dl-dst not learned");
	}
	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		struct json_object *p = json_object_array_get_idx(ports, i);

		if (json_object_get_boolean(get(p, "output")))
			printf("  output: %s (%s%s)\n", str(p, "port"), get(p, "tag") ? "tag " : "untagged",
			       str(p, "tag"));
		else if (!strcmp(str(p, "drop"), "mtu"))
			printf("  not output: %s (longer than its mtu %s)\n", str(p, "port"), str(p, "mtu"));
		else
			printf("  not output: %s (does not carry VLAN %s)\n", str(p, "port"), str(res, "vlan"));
	}
	printf("verdict: %s%s\n", !strcmp(v, "forward") || !strcmp(v, "no output") ? "" : "drop: ", v);
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

/* ovn-show LSP */
static void print_lport(struct json_object *res)
{
	const char *const lists[] = { "addresses", "port_security" };

	printf("logical port %s (%s), datapath %s, key %s: %s%s\n", str(res, "logical_port"),
	       *str(res, "type") ? str(res, "type") : "VIF", str(res, "datapath_key"),
	       str(res, "tunnel_key"), *str(res, "chassis") ? "on chassis " : "on no chassis",
	       str(res, "chassis"));
	for (unsigned k = 0; k < 2; k++) {
		struct json_object *a = get(res, lists[k]);

		printf("    %s:", lists[k]);
		for (size_t i = 0; i < json_object_array_length(a); i++)
			printf(" \"%s\"", json_object_get_string(json_object_array_get_idx(a, i)));
		printf("\n");
	}
}

static void print_ovn(struct json_object *res)
{
	struct json_object *c = get(res, "connection"), *ports = get(res, "ports");
	struct json_object *others = get(res, "remote_chassis"), *enc = get(res, "encap");

	printf("chassis %s (%s), encap %s %s, bridge %s\n", str(res, "chassis"),
	       json_object_get_boolean(get(res, "registered")) ? "registered" : "not registered",
	       str(enc, "type"), str(enc, "ip"), str(res, "bridge"));
	printf("    southbound: %s %s%s%s\n", str(c, "state"), str(c, "remote"),
	       *str(c, "schema") ? ", schema " : "", str(c, "schema"));
	if (*str(c, "last_error"))
		printf("    last error: %s\n", str(c, "last_error"));
	if (*str(res, "problem"))
		printf("    problem: %s\n", str(res, "problem"));
	for (size_t i = 0; i < json_object_array_length(get(res, "notes")); i++)
		printf("    note: %s\n", json_object_get_string(json_object_array_get_idx(get(res, "notes"), i)));
	for (size_t i = 0; i < json_object_array_length(ports); i++) {
		struct json_object *p = json_object_array_get_idx(ports, i);

		printf("    port %s: logical port %s", str(p, "port"), str(p, "logical_port"));
		if (get(p, "datapath_key"))
			printf(" (datapath %s, key %s)", str(p, "datapath_key"), str(p, "tunnel_key"));
		printf(": %s", str(p, "state"));
		if (get(p, "vlan"))
			printf(", internal VLAN %s", str(p, "vlan"));
		if (*str(p, "port_security"))
			printf(", port security %s (%s)", str(p, "port_security"), str(p, "port_security_from"));
		if (*str(p, "port_security_note"))
			printf(" [%s]", str(p, "port_security_note"));
		printf("\n");
	}
	if (get(res, "data_path")) {
		struct json_object *dp = get(res, "data_path"), *ls = get(dp, "logical_switches");

		printf("    data path: tunnel port %s, %zu logical switches, %s remote chassis, %s MACs\n",
		       *str(dp, "tunnel_port") ? str(dp, "tunnel_port") : "(none)",
		       json_object_array_length(ls), str(dp, "remote_chassis"), str(dp, "macs"));
		for (size_t i = 0; i < json_object_array_length(ls); i++) {
			struct json_object *x = json_object_array_get_idx(ls, i);

			printf("      datapath %s: VLAN %s, flood to %s chassis, unknown to %s\n",
			       str(x, "datapath_key"), str(x, "vlan"), str(x, "flood_chassis"),
			       str(x, "unknown_chassis"));
		}
		if (*str(dp, "problem"))
			printf("      problem: %s\n", str(dp, "problem"));
	}
	for (size_t i = 0; i < json_object_array_length(others); i++) {
		struct json_object *o = json_object_array_get_idx(others, i), *e = get(o, "encaps");

		printf("    chassis %s:", str(o, "name"));
		for (size_t k = 0; k < json_object_array_length(e); k++)
			printf(" %s %s", str(json_object_array_get_idx(e, k), "type"),
			       str(json_object_array_get_idx(e, k), "ip"));
		printf("\n");
	}
}

struct cmdline {
	const char *control;
	bool json, help;
	int nwords;
	char **words;   /* COMMAND [ARG...], in order, options taken out */
};

/* The rule: --json, --help, --control PATH and --control=PATH are options
 * wherever they stand; before COMMAND any other word starting with '-' is
 * an error; after COMMAND it is a word; after "--" everything is a word.
 * 0, or EXIT_USAGE with the message printed. */
static int parse_cmdline(int argc, char **argv, struct cmdline *cl)
{
	bool options = true;

	*cl = (struct cmdline){ .control = CONTROL_DEFAULT_SOCKET };
	cl->words = calloc((size_t)argc, sizeof(*cl->words));
	if (!cl->words) {
		fprintf(stderr, "uvnetctl: out of memory\n");
		return EXIT_REFUSED;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (options && !strcmp(a, "--")) {
			options = false;
		} else if (options && !strcmp(a, "--json")) {
			cl->json = true;
		} else if (options && !strcmp(a, "--help")) {
			cl->help = true;
		} else if (options && !strncmp(a, "--control=", 10)) {
			cl->control = a + 10;
		} else if (options && !strcmp(a, "--control")) {
			if (i + 1 == argc) {
				fprintf(stderr, "uvnetctl: --control: needs a PATH\n");
				return EXIT_USAGE;
			}
			cl->control = argv[++i];
		} else if (options && !cl->nwords && a[0] == '-' && a[1]) {
			fprintf(stderr, "uvnetctl: %s: unknown option (see uvnetctl --help)\n", a);
			return EXIT_USAGE;
		} else {
			cl->words[cl->nwords++] = argv[i];
		}
	}
	if (!cl->control[0]) {
		fprintf(stderr, "uvnetctl: --control: needs a PATH\n");
		return EXIT_USAGE;
	}
	return 0;
}

/* The verb and its word count, checked against the table: -1 (and the
 * message printed) for a verb the daemon would refuse unread. */
static int check_words(const struct cmdline *cl)
{
	const struct verb_info *v;
	unsigned nargs;
	int id;

	if (!cl->nwords) {
		usage(stderr);
		return -1;
	}
	id = verb_find(cl->words[0]);
	if (id < 0) {
		fprintf(stderr, "uvnetctl: %s: unknown command (see uvnetctl --help)\n", cl->words[0]);
		return -1;
	}
	v = &verb_table[id];
	nargs = (unsigned)cl->nwords - 1;
	if (nargs < v->min_words || nargs > v->max_words) {
		fprintf(stderr, "uvnetctl: %s: usage: uvnetctl %s\n", v->name, v->synopsis);
		return -1;
	}
	return id;
}

static void print_result(int verb, struct json_object *res, bool json)
{
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PRETTY));
		return;
	}
	switch (verb) {
	case VERB_SHOW: print_show(res); break;
	case VERB_STATS: print_stats(res); break;
	case VERB_FDB_SHOW: print_fdb(res); break;
	case VERB_TRACE: print_trace(res); break;
	case VERB_NET_LIST: print_net_list(res); break;
	case VERB_NET_DHCP_LEASES: print_leases(res); break;
	case VERB_OVN_SHOW:
		if (get(res, "logical_port"))
			print_lport(res);
		else
			print_ovn(res);
		break;
	default: break; /* the other verbs print nothing when they succeed */
	}
}

/* Send the words; print the reply.  0 or EXIT_REFUSED. */
static int run(const struct cmdline *cl, int verb)
{
	struct json_object *req = json_object_new_array(), *res;
	struct error e = { 0 };
	int rc = 0;

	for (int i = 0; i < cl->nwords; i++)
		json_object_array_add(req, json_object_new_string(cl->words[i]));
	if (control_request(cl->control, req, &res, &e)) {
		fprintf(stderr, "uvnetctl: %s\n", e.msg);
		rc = EXIT_REFUSED;
	} else {
		print_result(verb, res, cl->json);
		json_object_put(res);
	}
	json_object_put(req);
	return rc;
}

int main(int argc, char **argv)
{
	struct cmdline cl;
	int verb, rc;

	rc = parse_cmdline(argc, argv, &cl);
	if (!rc && cl.help) {
		usage(stdout);
	} else if (!rc) {
		verb = check_words(&cl);
		if (verb == VERB_CAPTURE) /* a stream, not one reply */
			rc = uvnetctl_capture(cl.control, cl.words + 1, cl.nwords - 1);
		else
			rc = verb < 0 ? EXIT_USAGE : run(&cl, verb);
	}
	free(cl.words);
	return rc;
}
