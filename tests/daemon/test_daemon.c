/* SPDX-License-Identifier: MIT */
/*
 * The daemon's typed API (src/daemon/daemon.c, daemon_net.c) and the
 * control verbs on top of it (src/daemon/verbs.c), against a fake port
 * kind: bridges and ports made, refused and torn down, what show, stats
 * and fdb-show answer, who may delete what a network made, how malformed
 * requests are answered, and network definitions (never started: that
 * needs nft and dnsmasq; net-define with a subnet reads the host's
 * addresses over rtnetlink).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "control/verbs.h"
#include "daemon/daemon.h"
#include "daemon/verbs.h"
#include "port/port_kind.h"
#include "util/error.h"

#include "daemon_fixture.h"

static unsigned fake_alive(void)
{
	return fake_created - fake_destroyed;
}

#define SHOW_TAIL "],\"workers\":1,\"poll\":\"event\"}"

static void show_is(struct daemon *d, const char *bridges)
{
	char *got = RESULT(d, "show"), want[4096];

	snprintf(want, sizeof(want), "{\"bridges\":[%s" SHOW_TAIL, bridges);
	assert_string_equal(got, want);
	free(got);
}

/* ---- bridges ---- */

static void bridges_are_added_and_listed(void **state)
{
	struct daemon *d = fixture_daemon(state);
	char *r;

	show_is(d, "");
	r = RESULT(d, "add-br", "br0");
	assert_string_equal(r, "{}");
	free(r);
	OK(d, "add-br", "br-1.x_Y");
	show_is(d, "{\"name\":\"br0\",\"ports\":[]},{\"name\":\"br-1.x_Y\",\"ports\":[]}");
	assert_non_null(daemon_find_bridge(d, "br0"));
	assert_null(daemon_find_bridge(d, "br"));
	assert_string_equal(daemon_find_bridge(d, "br0")->owner, "");
}

static void a_bridge_name_is_taken_once(void **state)
{
	struct daemon *d = fixture_daemon(state);
	struct error e = { 0 };

	OK(d, "add-br", "br0");
	FAILS(d, "bridge: br0 already exists", "add-br", "br0");
	assert_int_equal(daemon_add_bridge(d, "br0", "netx", &e), -EEXIST);
	assert_string_equal(e.msg, "bridge: br0 already exists");
	show_is(d, "{\"name\":\"br0\",\"ports\":[]}");
}

static void bad_bridge_names_are_refused(void **state)
{
	static const char *const bad[] = {
		"", "a b", "x/y", "../etc", "br0;", "br\"0", "\xc3\xa9", "tab\t",
		"0123456789012345678901234567890123", /* 34 characters */
	};
	struct daemon *d = fixture_daemon(state);
	char msg[ERROR_MSG_MAX];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(msg, sizeof(msg), "bridge: '%s' is not a valid name (1-31 of A-Z a-z 0-9 - _ .)",
			 bad[i]);
		FAILS(d, msg, "add-br", bad[i]);
	}
	/* 31 characters is the longest name */
	OK(d, "add-br", "0123456789012345678901234567890");
	FAILS(d, "bridge: '01234567890123456789012345678901' is not a valid name (1-31 of A-Z a-z 0-9 - _ .)",
	      "add-br", "01234567890123456789012345678901");
	show_is(d, "{\"name\":\"0123456789012345678901234567890\",\"ports\":[]}");
}

static void the_bridge_table_fills_up(void **state)
{
	struct daemon *d = fixture_daemon(state);
	char name[16], msg[ERROR_MSG_MAX];

	for (unsigned i = 0; i < DAEMON_MAX_BRIDGES; i++) {
		snprintf(name, sizeof(name), "b%u", i);
		OK(d, "add-br", name);
	}
	snprintf(msg, sizeof(msg), "bridge: the daemon already has %d bridges", DAEMON_MAX_BRIDGES);
	FAILS(d, msg, "add-br", "one-more");
	OK(d, "del-br", "b7");
	OK(d, "add-br", "one-more");
	assert_ptr_equal(daemon_find_bridge(d, "one-more"), &d->bridges[7]);
}

/* ---- ports ---- */

static void ports_are_added_with_vlans_and_mtu(void **state)
{
	struct daemon *d = fixture_daemon(state);
	struct daemon_port *dp;
	char *r;

	OK(d, "add-br", "br0");
	r = RESULT(d, "add-port", "br0", "p1", "type=fake");
	assert_string_equal(r, "{}");
	free(r);
	OK(d, "add-port", "br0", "p2", "tag=10", "type=fake", "colour=red");
	OK(d, "add-port", "br0", "p3", "type=fake", "trunks=10,20-22", "tag=5", "mtu=9000");
	OK(d, "add-port", "br0", "p4", "type=fake", "trunks=0,4095", "mtu=68");
	OK(d, "add-port", "br0", "p5", "type=fake", "tag=0", "mtu=65535");
	assert_int_equal(fake_created, 5);
	assert_int_equal(fake_destroyed, 0);
	show_is(d, "{\"name\":\"br0\",\"ports\":["
		   "{\"name\":\"p1\",\"type\":\"fake\",\"vlan\":\"all\",\"colour\":\"none\"},"
		   "{\"name\":\"p2\",\"type\":\"fake\",\"vlan\":\"access tag=10\",\"colour\":\"red\"},"
		   "{\"name\":\"p3\",\"type\":\"fake\",\"vlan\":\"trunk 10,20-22 native=5\",\"mtu\":9000,\"colour\":\"none\"},"
		   "{\"name\":\"p4\",\"type\":\"fake\",\"vlan\":\"trunk 0,4095\",\"mtu\":68,\"colour\":\"none\"},"
		   "{\"name\":\"p5\",\"type\":\"fake\",\"vlan\":\"access tag=0\",\"mtu\":65535,\"colour\":\"none\"}"
		   "]}");
	dp = daemon_find_port(d, "p2");
	assert_non_null(dp);
	assert_ptr_equal(dp->br, daemon_find_bridge(d, "br0"));
	assert_string_equal(dp->owner, "");
	assert_ptr_equal(dp->port->bridge, dp->br->sw);
	/* the words it was made with, as given, for the state file */
	r = json_text(dp->options);
	assert_string_equal(r, "[\"tag=10\",\"type=fake\",\"colour=red\"]");
	free(r);
}

/* Each is refused with exactly msg, nothing created or left behind. */
static void bad_port(struct daemon *d, const char *msg, const char *const *opts, unsigned n)
{
	const char *w[24] = { "add-port", "br0", "px" };
	unsigned created = fake_created, destroyed = fake_destroyed;
	struct json_object *rep, *err;

	assert_true(n + 3 <= 24);
	memcpy(w + 3, opts, n * sizeof(*opts));
	rep = request_words(d, w, n + 3);
	if (!json_object_object_get_ex(rep, "error", &err) || strcmp(json_object_get_string(err), msg))
		fail_msg("%s: expected \"%s\", got %s", opts[0], msg, json_object_to_json_string(rep));
	json_object_put(rep);
	assert_null(daemon_find_port(d, "px"));
	/* refused before the kind made one, or made and destroyed */
	assert_int_equal(fake_created - created, fake_destroyed - destroyed);
}

#define BAD_PORT(d, msg, ...) \
	bad_port((d), (msg), (const char *[]){ __VA_ARGS__ }, \
		 sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *))

static void bad_port_options_are_refused(void **state)
{
	struct daemon *d = fixture_daemon(state);

	OK(d, "add-br", "br0");
	BAD_PORT(d, "tag: '-1' is not a VLAN id (0-4095)", "type=fake", "tag=-1");
	BAD_PORT(d, "tag: '4096' is not a VLAN id (0-4095)", "type=fake", "tag=4096");
	BAD_PORT(d, "tag: '+10' is not a VLAN id (0-4095)", "type=fake", "tag=+10");
	BAD_PORT(d, "tag: '010' is not a VLAN id (0-4095)", "type=fake", "tag=010");
	BAD_PORT(d, "tag: '' is not a VLAN id (0-4095)", "type=fake", "tag=");
	BAD_PORT(d, "tag: '-18446744073709551606' is not a VLAN id (0-4095)", "type=fake",
		 "tag=-18446744073709551606");
	BAD_PORT(d, "mtu: '67' is not a number from 68 to 65535", "type=fake", "mtu=67");
	BAD_PORT(d, "mtu: '65536' is not a number from 68 to 65535", "type=fake", "mtu=65536");
	BAD_PORT(d, "mtu: '1500 ' is not a number from 68 to 65535", "type=fake", "mtu=1500 ");
	BAD_PORT(d, "tag: given twice", "type=fake", "tag=1", "tag=2");
	BAD_PORT(d, "type: given twice", "type=fake", "type=fake");
	BAD_PORT(d, "colour: given twice", "colour=red", "type=fake", "colour=red");
	BAD_PORT(d, "colour=red: more than 16 options", "type=fake", "a1=1", "a2=1", "a3=1", "a4=1",
		 "a5=1", "a6=1", "a7=1", "a8=1", "a9=1", "a10=1", "a11=1", "a12=1", "a13=1", "a14=1",
		 "a15=1", "colour=red");
	BAD_PORT(d, "type: a port needs type=vhost-user|tap|afpacket|vxlan|ovn-tunnel|fake", "tag=10");
	BAD_PORT(d, "type: a port needs type=vhost-user|tap|afpacket|vxlan|ovn-tunnel|fake", "colour=red");
	BAD_PORT(d, "type: 'bogus' is not a port type (vhost-user, tap, afpacket, vxlan, ovn-tunnel, fake)",
		 "type=bogus");
	BAD_PORT(d, "type: '' is not a port type (vhost-user, tap, afpacket, vxlan, ovn-tunnel, fake)", "type=");
	BAD_PORT(d, "flavour: unknown option for this port type", "type=fake", "flavour=mint");
	BAD_PORT(d, "colour: 'ultraviolet-ish-x' is not a colour", "type=fake",
		 "colour=ultraviolet-ish-x");
	BAD_PORT(d, "colour: expected key=value", "type=fake", "colour");
	BAD_PORT(d, "=x: expected key=value", "type=fake", "=x");
	assert_int_equal(fake_alive(), 0);
	show_is(d, "{\"name\":\"br0\",\"ports\":[]}");
}

static void trunks_are_checked_by_the_switch_layer(void **state)
{
	struct daemon *d = fixture_daemon(state);
	struct json_object *rep, *err;

	OK(d, "add-br", "br0");
	rep = request(d, "add-port", "br0", "px", "type=fake", "trunks=10,4096", NULL);
	assert_true(json_object_object_get_ex(rep, "error", &err));
	assert_memory_equal(json_object_get_string(err), "trunks: ", 8);
	json_object_put(rep);
	assert_null(daemon_find_port(d, "px"));
	assert_int_equal(fake_created, 0);
}

static void port_names_and_bridges_are_checked(void **state)
{
	struct daemon *d = fixture_daemon(state);

	OK(d, "add-br", "br0");
	OK(d, "add-br", "br1");
	FAILS(d, "bridge: no bridge named nob", "add-port", "nob", "p1", "type=fake");
	FAILS(d, "port: 'a/b' is not a valid name (1-31 of A-Z a-z 0-9 - _ .)", "add-port", "br0",
	      "a/b", "type=fake");
	FAILS(d, "port: '' is not a valid name (1-31 of A-Z a-z 0-9 - _ .)", "add-port", "br0", "",
	      "type=fake");
	OK(d, "add-port", "br0", "p1", "type=fake");
	/* port names are the daemon's, not a bridge's */
	FAILS(d, "port: p1 already exists", "add-port", "br0", "p1", "type=fake");
	FAILS(d, "port: p1 already exists", "add-port", "br1", "p1", "type=fake");
	assert_int_equal(fake_created, 1);
	show_is(d, "{\"name\":\"br0\",\"ports\":[{\"name\":\"p1\",\"type\":\"fake\",\"vlan\":\"all\",\"colour\":\"none\"}]},"
		   "{\"name\":\"br1\",\"ports\":[]}");
}

static void a_full_bridge_destroys_the_port_it_made(void **state)
{
	struct daemon *d = fixture_daemon(state);
	static const char *const opts[] = { "type=fake" };
	char name[16], msg[ERROR_MSG_MAX];
	struct error e = { 0 };

	OK(d, "add-br", "br0");
	/* through the API: no state file written per port */
	for (unsigned i = 0; i < BRIDGE_MAX_PORTS; i++) {
		snprintf(name, sizeof(name), "p%u", i);
		assert_int_equal(daemon_add_port(d, "br0", name, opts, 1, NULL, &e), 0);
	}
	snprintf(msg, sizeof(msg), "bridge: br0 has %d ports already", BRIDGE_MAX_PORTS);
	FAILS(d, msg, "add-port", "br0", "extra", "type=fake");
	assert_int_equal(fake_created, BRIDGE_MAX_PORTS + 1);
	assert_int_equal(fake_destroyed, 1);
	assert_null(daemon_find_port(d, "extra"));
	OK(d, "del-br", "br0");
	assert_int_equal(fake_alive(), 0);
}

/* A kind with nothing but destroy(): no describe(), no tick(). */
static unsigned bare_destroyed;

static void bare_destroy(struct port *p)
{
	bare_destroyed++;
	free(p);
}

static const struct port_ops bare_ops = { .kind = "bare", .destroy = bare_destroy };

static int bare_create(const char *name, struct port_opts *o, struct port_env *env,
		       struct port **out, struct error *e)
{
	struct port *p;
	int rc;

	if ((rc = port_opts_check_unused(o, e)))
		return rc;
	if (!(p = calloc(1, sizeof(*p))))
		return error_set(e, -ENOMEM, "out of memory");
	port_init(p, name, &bare_ops, env);
	*out = p;
	return 0;
}

static const struct port_kind bare_kind = { .name = "bare", .create = bare_create };

static void a_kind_without_describe_is_shown(void **state)
{
	struct daemon *d = fixture_daemon(state);

	if (!port_kind_find("bare"))
		assert_int_equal(port_kind_register(&bare_kind), 0);
	OK(d, "add-br", "br0");
	OK(d, "add-port", "br0", "b1", "type=bare", "mtu=1400");
	show_is(d, "{\"name\":\"br0\",\"ports\":[{\"name\":\"b1\",\"type\":\"bare\",\"vlan\":\"all\",\"mtu\":1400}]}");
	OK(d, "stats", "b1");
	OK(d, "del-br", "br0");
	assert_int_equal(bare_destroyed, 1);
}

/* ---- inspection ---- */

static void stats_and_fdb_show_answer_in_shape(void **state)
{
	static const char zero[] = "{\"packets\":0,\"bytes\":0,\"dropped\":0,\"errors\":0}";
	struct daemon *d = fixture_daemon(state);
	struct json_object *res, *workers, *w0, *v;
	char *r, want[1024];

	OK(d, "add-br", "br0");
	OK(d, "add-port", "br0", "p1", "type=fake");
	OK(d, "add-port", "br0", "p2", "type=fake", "tag=3");

	r = RESULT(d, "stats", "p2");
	snprintf(want, sizeof(want),
		 "{\"ports\":[{\"name\":\"p2\",\"bridge\":\"br0\",\"type\":\"fake\",\"rx\":%s,\"tx\":%s,"
		 "\"security_drops\":{\"eth-src\":0,\"arp-sha\":0,\"arp-spa\":0,\"ipv4-src\":0,"
		 "\"ipv6-src\":0,\"nd\":0,\"dhcp-server\":0,\"dhcp-client\":0,\"ra-redirect\":0,"
		 "\"nested-tag\":0,\"malformed\":0,\"learning\":0},\"max_macs_refused\":0,\"fdb_full_refused\":0,\"policing\":0}]}",
		 zero, zero);
	assert_string_equal(r, want);
	free(r);
	FAILS(d, "port: no port named p3", "stats", "p3");

	r = RESULT(d, "stats");
	res = json_tokener_parse(r);
	free(r);
	assert_non_null(res);
	assert_true(json_object_object_get_ex(res, "ports", &v));
	assert_int_equal(json_object_array_length(v), 2);
	assert_string_equal(json_object_get_string(json_object_object_get(
				    json_object_array_get_idx(v, 0), "name")), "p1");
	assert_true(json_object_object_get_ex(res, "workers", &workers));
	assert_int_equal(json_object_array_length(workers), 1);
	w0 = json_object_array_get_idx(workers, 0);
	assert_int_equal(json_object_get_int(json_object_object_get(w0, "id")), 0);
	assert_int_equal(json_object_get_int(json_object_object_get(w0, "cpu")), -1);
	assert_int_equal(json_object_get_int(json_object_object_get(w0, "frames")), 0);
	{
		static const char *const keys[] = { "id", "cpu", "frames", "bursts", "sleeps",
						     "busy_cycles", "cycles_per_frame" };
		unsigned n = 0;

		json_object_object_foreach(w0, key, val) {
			(void)val;
			assert_true(n < 7);
			assert_string_equal(key, keys[n]);
			n++;
		}
		assert_int_equal(n, 7);
	}
	assert_true(json_object_object_get_ex(res, "bridges", &v));
	assert_string_equal(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN),
			    "[{\"name\":\"br0\",\"fdb_entries\":0,\"fdb_capacity\":8192,"
			    "\"fdb_learned\":0,\"fdb_moved\":0,\"fdb_full_drops\":0}]");
	json_object_put(res);

	r = RESULT(d, "fdb-show", "br0");
	assert_string_equal(r, "{\"bridge\":\"br0\",\"entries\":[],\"fdb_entries\":0,"
			    "\"fdb_capacity\":8192,\"fdb_learned\":0,\"fdb_moved\":0,\"fdb_full_drops\":0}");
	free(r);
	FAILS(d, "bridge: no bridge named nob", "fdb-show", "nob");

	OK(d, "del-br", "br0");
	r = RESULT(d, "stats");
	assert_memory_equal(r, "{\"ports\":[],\"bridges\":[],\"workers\":[{\"id\":0,", 44);
	free(r);
}

/* ---- set-port ---- */

static const char *words_of(struct daemon *d, const char *port)
{
	return json_object_to_json_string(daemon_find_port(d, port)->options);
}

static void set_port_changes_what_the_switch_does_and_the_words(void **state)
{
	struct daemon *d = fixture_daemon(state);
	const struct bridge_port_cfg *cfg;
	struct daemon_port *dp;

	OK(d, "add-br", "br0");
	OK(d, "add-port", "br0", "p1", "type=fake", "colour=red", "tag=10");
	dp = daemon_find_port(d, "p1");
	OK(d, "set-port", "p1", "port-security=02:00:00:00:00:0A,10.0.0.5", "max-macs=4", "mtu=1400");
	cfg = bridge_port_cfg(dp->br->sw, dp->port);
	assert_true(cfg->secure);
	assert_int_equal(cfg->max_macs, 4);
	assert_int_equal(dp->port->mtu, 1400);
	show_is(d, "{\"name\":\"br0\",\"ports\":[{\"name\":\"p1\",\"type\":\"fake\",\"vlan\":\"access tag=10\","
		   "\"port_security\":\"02:00:00:00:00:0a,10.0.0.5\",\"max_macs\":4,\"macs\":0,"
		   "\"mtu\":1400,\"colour\":\"red\"}]}");
	assert_string_equal(words_of(d, "p1"),
			    "[ \"type=fake\", \"colour=red\", \"tag=10\", "
			    "\"port-security=02:00:00:00:00:0A,10.0.0.5\", \"max-macs=4\", \"mtu=1400\" ]");
	/* access to trunk: tag= removed, trunks= added */
	OK(d, "set-port", "p1", "tag=", "trunks=10,20");
	cfg = bridge_port_cfg(dp->br->sw, dp->port);
	assert_int_equal(cfg->vlan.mode, PORT_VLAN_TRUNK);
	assert_true(cfg->secure); /* the rest kept */
	assert_string_equal(words_of(d, "p1"),
			    "[ \"type=fake\", \"colour=red\", \"port-security=02:00:00:00:00:0A,10.0.0.5\", "
			    "\"max-macs=4\", \"mtu=1400\", \"trunks=10,20\" ]");
	/* a bad value changes nothing */
	FAILS(d, "port p1: tag: '4096' is not a VLAN id (0-4095)", "set-port", "p1", "tag=4096");
	FAILS(d, "port p1: port-security: '10.0.0.256' is not an IPv4 or IPv6 address[/LEN]",
	      "set-port", "p1", "port-security=02:00:00:00:00:0a,10.0.0.256");
	FAILS(d, "port p1: max-macs: 'x' is not a number from 0 (no limit) to 8192", "set-port", "p1",
	      "max-macs=x");
	FAILS(d, "port p1: mtu: '67' is not a number from 68 to 65535", "set-port", "p1", "mtu=67");
	FAILS(d, "port-security: network:MAC and network:learn are for add-port (the address is "
	      "reserved with the port); give port-security=MAC,IP", "set-port", "p1",
	      "port-security=network:learn");
	FAILS(d, "port-security: network:learn takes its address from a network, and br0 is not a "
	      "network's bridge (give port-security=MAC,IP)", "add-port", "br0", "p2", "type=fake",
	      "port-security=network:learn");
	FAILS(d, "port-security: 'network:learn,10.0.0.5' is neither network:learn nor network:MAC "
	      "with a unicast MAC like 52:54:00:12:34:56", "add-port", "br0", "p2", "type=fake",
	      "port-security=network:learn,10.0.0.5");
	assert_true(bridge_port_cfg(dp->br->sw, dp->port)->vlan.mode == PORT_VLAN_TRUNK);
	assert_int_equal(dp->port->mtu, 1400);
	/* what the kind owns, or nobody knows */
	FAILS(d, "colour: a fake port cannot change it at run time (del-port and add-port)",
	      "set-port", "p1", "colour=blue");
	FAILS(d, "type: a fake port cannot change it at run time (del-port and add-port)",
	      "set-port", "p1", "type=tap");
	FAILS(d, "size: unknown option for a fake port", "set-port", "p1", "size=3");
	FAILS(d, "port: no port named p9", "set-port", "p9", "tag=1");
	FAILS(d, "tag: expected key=value", "set-port", "p1", "tag");
	FAILS(d, "set-port: usage: set-port PORT KEY=VALUE...", "set-port", "p1");
	/* off, and back to the kind's defaults */
	OK(d, "set-port", "p1", "port-security=off", "max-macs=", "mtu=");
	cfg = bridge_port_cfg(dp->br->sw, dp->port);
	assert_false(cfg->secure);
	assert_int_equal(cfg->max_macs, 0);
	assert_int_equal(dp->port->mtu, 0);
	assert_string_equal(words_of(d, "p1"), "[ \"type=fake\", \"colour=red\", \"trunks=10,20\" ]");
}

/* ---- deleting ---- */

static void ingress_policing_is_set_shown_and_kept_in_the_words(void **state)
{
	struct daemon *d = fixture_daemon(state);
	const struct bridge_port_cfg *cfg;
	struct daemon_port *dp;

	OK(d, "add-br", "br0");
	OK(d, "add-port", "br0", "p1", "type=fake", "ingress-policing-rate=10000");
	dp = daemon_find_port(d, "p1");
	cfg = bridge_port_cfg(dp->br->sw, dp->port);
	assert_int_equal(cfg->police.rate_kbps, 10000);
	assert_int_equal(cfg->police.burst_kbit, 0);
	show_is(d, "{\"name\":\"br0\",\"ports\":[{\"name\":\"p1\",\"type\":\"fake\",\"vlan\":\"all\","
		   "\"ingress_policing\":\"rate 10000 kbit/s, burst 8000 kbit\",\"colour\":\"none\"}]}");
	OK(d, "set-port", "p1", "ingress-policing-burst=500", "ingress-policing-rate=2000");
	cfg = bridge_port_cfg(dp->br->sw, dp->port);
	assert_int_equal(cfg->police.rate_kbps, 2000);
	assert_int_equal(cfg->police.burst_kbit, 500);
	assert_string_equal(words_of(d, "p1"),
			    "[ \"type=fake\", \"ingress-policing-rate=2000\", "
			    "\"ingress-policing-burst=500\" ]");
	FAILS(d, "port p1: ingress-policing-rate: '-1' is not a number from 0 to 4294967295 "
		 "(kbit/s; 0: off)", "set-port", "p1", "ingress-policing-rate=-1");
	FAILS(d, "ingress-policing-burst: '4294967296' is not a number from 0 to 4294967295 "
		 "(kbit; 0: 8000)", "add-port", "br0", "p2", "type=fake",
	      "ingress-policing-burst=4294967296");
	/* back to the default: off */
	OK(d, "set-port", "p1", "ingress-policing-rate=");
	assert_int_equal(bridge_port_cfg(dp->br->sw, dp->port)->police.rate_kbps, 0);
	assert_string_equal(words_of(d, "p1"), "[ \"type=fake\", \"ingress-policing-burst=500\" ]");
}

static void ports_are_deleted_with_or_without_their_bridge(void **state)
{
	struct daemon *d = fixture_daemon(state);

	OK(d, "add-br", "br0");
	OK(d, "add-br", "br1");
	OK(d, "add-port", "br0", "p1", "type=fake");
	OK(d, "add-port", "br0", "p2", "type=fake");
	OK(d, "add-port", "br1", "p3", "type=fake");

	FAILS(d, "bridge: port p1 is not on bridge br1", "del-port", "br1", "p1");
	FAILS(d, "bridge: port p1 is not on bridge nob", "del-port", "nob", "p1");
	assert_non_null(daemon_find_port(d, "p1"));
	assert_int_equal(fake_destroyed, 0);

	OK(d, "del-port", "br0", "p1");
	assert_int_equal(fake_destroyed, 1);
	assert_null(daemon_find_port(d, "p1"));
	OK(d, "del-port", "p3");
	assert_int_equal(fake_destroyed, 2);
	FAILS(d, "port: no port named p3", "del-port", "p3");
	FAILS(d, "port: no port named p1", "del-port", "br0", "p1");
	assert_int_equal(fake_destroyed, 2);
	show_is(d, "{\"name\":\"br0\",\"ports\":[{\"name\":\"p2\",\"type\":\"fake\",\"vlan\":\"all\",\"colour\":\"none\"}]},"
		   "{\"name\":\"br1\",\"ports\":[]}");
	/* the name is free again, on any bridge */
	OK(d, "add-port", "br1", "p1", "type=fake");
	assert_ptr_equal(daemon_find_port(d, "p1")->br, daemon_find_bridge(d, "br1"));
}

static void deleting_a_bridge_takes_its_ports_only(void **state)
{
	struct daemon *d = fixture_daemon(state);

	OK(d, "add-br", "br0");
	OK(d, "add-br", "br1");
	OK(d, "add-port", "br0", "p1", "type=fake");
	OK(d, "add-port", "br1", "p2", "type=fake");
	OK(d, "add-port", "br0", "p3", "type=fake");
	OK(d, "add-port", "br0", "p4", "type=fake");
	OK(d, "del-br", "br0");
	assert_int_equal(fake_destroyed, 3);
	assert_null(daemon_find_bridge(d, "br0"));
	assert_null(daemon_find_port(d, "p1"));
	assert_null(daemon_find_port(d, "p3"));
	assert_null(daemon_find_port(d, "p4"));
	assert_non_null(daemon_find_port(d, "p2"));
	show_is(d, "{\"name\":\"br1\",\"ports\":[{\"name\":\"p2\",\"type\":\"fake\",\"vlan\":\"all\",\"colour\":\"none\"}]}");
	FAILS(d, "bridge: no bridge named br0", "del-br", "br0");
	/* the ports' slots and names are free again */
	OK(d, "add-br", "br0");
	OK(d, "add-port", "br0", "p1", "type=fake");
	OK(d, "add-port", "br0", "p3", "type=fake");
	assert_int_equal(fake_alive(), 3);
}

/* ---- what a network made ---- */

static void what_a_network_made_only_it_may_delete(void **state)
{
	static const char *const opts[] = { "type=fake", "colour=blue" };
	struct daemon *d = fixture_daemon(state);
	struct error e = { 0 };

	assert_int_equal(daemon_add_bridge(d, "netx", "netx", &e), 0);
	assert_int_equal(daemon_add_port(d, "netx", "uv-netx", opts, 2, "netx", &e), 0);
	assert_string_equal(daemon_find_bridge(d, "netx")->owner, "netx");
	assert_string_equal(daemon_find_port(d, "uv-netx")->owner, "netx");
	/* an operator's port on it is the operator's */
	OK(d, "add-port", "netx", "vm1", "type=fake");
	OK(d, "add-port", "netx", "vm2", "type=fake");
	assert_string_equal(daemon_find_port(d, "vm1")->owner, "");

	FAILS(d, "bridge: netx belongs to network netx (net-stop it instead)", "del-br", "netx");
	FAILS(d, "port: uv-netx belongs to network netx (net-stop it instead)", "del-port", "uv-netx");
	FAILS(d, "port: uv-netx belongs to network netx (net-stop it instead)", "del-port", "netx",
	      "uv-netx");
	assert_int_equal(daemon_del_bridge(d, "netx", NULL, &e), -EPERM);
	assert_int_equal(daemon_del_bridge(d, "netx", "nety", &e), -EPERM);
	assert_string_equal(e.msg, "bridge: netx belongs to network netx (net-stop it instead)");
	assert_int_equal(daemon_del_port(d, NULL, "uv-netx", "nety", &e), -EPERM);
	assert_string_equal(e.msg, "port: uv-netx belongs to network netx (net-stop it instead)");
	assert_int_equal(fake_destroyed, 0);
	assert_non_null(daemon_find_bridge(d, "netx"));
	assert_non_null(daemon_find_port(d, "uv-netx"));

	OK(d, "del-port", "vm1");
	assert_int_equal(fake_destroyed, 1);
	/* a network may delete an operator's port too */
	assert_int_equal(daemon_del_port(d, "netx", "vm2", "netx", &e), 0);
	assert_int_equal(daemon_del_port(d, "netx", "uv-netx", "netx", &e), 0);
	assert_int_equal(fake_destroyed, 3);
	assert_int_equal(daemon_add_port(d, "netx", "uv-netx", opts, 2, "netx", &e), 0);
	assert_int_equal(daemon_del_bridge(d, "netx", "netx", &e), 0);
	assert_int_equal(fake_alive(), 0);
	assert_null(daemon_find_bridge(d, "netx"));
	show_is(d, "");
}

/* ---- requests ---- */

static void request_fails(struct daemon *d, struct json_object *req, const char *msg)
{
	struct verb_takeover t;
	struct json_object *rep = verbs_execute(d, req, &t), *ok, *err;

	assert_non_null(rep);
	assert_true(json_object_object_get_ex(rep, "ok", &ok));
	assert_false(json_object_get_boolean(ok));
	assert_true(json_object_object_get_ex(rep, "error", &err));
	assert_string_equal(json_object_get_string(err), msg);
	assert_false(json_object_object_get_ex(rep, "result", NULL));
	json_object_put(rep);
	json_object_put(req);
}

static void malformed_requests_are_answered(void **state)
{
	static const char not_array[] = "request: expected a JSON array of words";
	struct daemon *d = fixture_daemon(state);
	struct json_object *req;

	request_fails(d, json_tokener_parse("{\"verb\":\"show\"}"), not_array);
	request_fails(d, json_object_new_string("show"), not_array);
	request_fails(d, json_object_new_int(7), not_array);
	request_fails(d, json_object_new_array(), not_array);
	request_fails(d, NULL, not_array);
	request_fails(d, json_tokener_parse("[\"add-br\", 5]"), "request: every word must be a string");
	request_fails(d, json_tokener_parse("[\"show\", null]"), "request: every word must be a string");
	request_fails(d, json_tokener_parse("[[\"show\"]]"), "request: every word must be a string");
	request_fails(d, json_tokener_parse("[true]"), "request: every word must be a string");

	req = json_object_new_array();
	for (int i = 0; i < 33; i++)
		json_object_array_add(req, json_object_new_string(i ? "x" : "show"));
	request_fails(d, req, "request: more than 32 words");
	/* 32 words is a request, of the wrong length for show */
	req = json_object_new_array();
	for (int i = 0; i < 32; i++)
		json_object_array_add(req, json_object_new_string(i ? "x" : "show"));
	request_fails(d, req, "show: usage: show");

	FAILS(d, "frobnicate: unknown command (try uvnetctl --help)", "frobnicate");
	FAILS(d, ": unknown command (try uvnetctl --help)", "");
	FAILS(d, "SHOW: unknown command (try uvnetctl --help)", "SHOW");
	FAILS(d, "add-br: usage: add-br BRIDGE", "add-br");
	FAILS(d, "add-br: usage: add-br BRIDGE", "add-br", "a", "b");
	FAILS(d, "del-port: usage: del-port [BRIDGE] PORT", "del-port");
	FAILS(d, "add-port: usage: add-port BRIDGE PORT type=KIND [key=value...]", "add-port", "br0",
	      "p1");
	FAILS(d, "show: usage: show", "show", "br0");
	assert_null(daemon_find_bridge(d, "a"));
}

/* Every verb: too few and too many words get its usage line. */
static void wrong_word_counts_get_the_verbs_usage(void **state)
{
	struct daemon *d = fixture_daemon(state);
	const char *w[32];
	char msg[ERROR_MSG_MAX];

	for (unsigned i = 0; i < 32; i++)
		w[i] = "w";
	for (unsigned v = 0; v < VERB_COUNT; v++) {
		const struct verb_info *vi = &verb_table[v];
		struct json_object *rep, *err;

		w[0] = vi->name;
		snprintf(msg, sizeof(msg), "%s: usage: %s", vi->name, vi->synopsis);
		for (unsigned n = 0; n < 31; n++) {
			if (n >= vi->min_words && n <= vi->max_words)
				continue;
			rep = request_words(d, w, n + 1);
			if (!json_object_object_get_ex(rep, "error", &err) ||
			    strcmp(json_object_get_string(err), msg))
				fail_msg("%s with %u words: %s", vi->name, n,
					 json_object_to_json_string(rep));
			json_object_put(rep);
		}
	}
}

/* Every row of the verb table reaches a handler: with a plausible word
 * count each verb answers something other than "unknown command" or its
 * usage (nothing here exists, so most answer "no such thing"). */
static void every_verb_has_a_handler(void **state)
{
	struct daemon *d = fixture_daemon(state);
	static const char *const words[] = { "nothing", "nothing", "type=fake", "x=1", "y=2" };
	unsigned answered = 0;

	for (unsigned v = 0; v < VERB_COUNT; v++) {
		const struct verb_info *vi = &verb_table[v];
		const char *w[8] = { vi->name };
		struct json_object *rep, *err;
		const char *msg;

		assert_int_equal(verb_find(vi->name), (int)v);
		assert_true(vi->min_words <= 5);
		for (unsigned i = 0; i < vi->min_words; i++)
			w[1 + i] = words[i];
		rep = request_words(d, w, vi->min_words + 1);
		msg = json_object_object_get_ex(rep, "error", &err) ? json_object_get_string(err) : "";
		print_message("# %s: %s\n", vi->name, json_object_to_json_string(rep));
		assert_null(strstr(msg, "unknown command"));
		assert_null(strstr(msg, "usage:"));
		answered++;
		json_object_put(rep);
	}
	assert_int_equal(answered, VERB_COUNT);
	assert_int_equal(verb_find("nothing"), -1);
	/* none of them made anything */
	assert_null(daemon_find_bridge(d, "nothing"));
	assert_null(daemon_find_net(d, "nothing"));
	assert_int_equal(fake_created, 0);
}

/* ---- networks, defined but never started ---- */

static void networks_are_defined_listed_and_undefined(void **state)
{
	struct daemon *d = fixture_daemon(state);
	struct json_object *res, *nets;
	char *r;

	r = RESULT(d, "net-list");
	assert_string_equal(r, "{\"networks\":[]}");
	free(r);
	OK(d, "net-define", "netk", "mode=isolated", "subnet=10.250.41.0/24");
	OK(d, "net-define", "netn", "mode=nat", "subnet=10.250.42.0/24",
	   "dhcp-range=10.250.42.100,10.250.42.199", "uplink=lo");
	OK(d, "net-define", "netb", "mode=bridge", "uplink=lo", "socket-group=0",
	   "socket-port-security=off");
	r = RESULT(d, "net-list");
	assert_string_equal(r,
		"{\"networks\":["
		"{\"name\":\"netk\",\"mode\":\"isolated\",\"active\":false,\"autostart\":false,"
		"\"bridge\":\"netk\",\"port\":\"\",\"socket_group\":\"\",\"socket_dir\":\"\","
		"\"socket_port_security\":\"learn\","
		"\"subnet\":\"10.250.41.0/24\",\"gateway\":\"10.250.41.1\","
		"\"dhcp_range\":\"10.250.41.2,10.250.41.254\"},"
		"{\"name\":\"netn\",\"mode\":\"nat\",\"active\":false,\"autostart\":false,"
		"\"bridge\":\"netn\",\"port\":\"\",\"socket_group\":\"\",\"socket_dir\":\"\","
		"\"socket_port_security\":\"learn\","
		"\"subnet\":\"10.250.42.0/24\",\"gateway\":\"10.250.42.1\","
		"\"dhcp_range\":\"10.250.42.100,10.250.42.199\",\"uplink\":\"lo\"},"
		"{\"name\":\"netb\",\"mode\":\"bridge\",\"active\":false,\"autostart\":false,"
		"\"bridge\":\"netb\",\"port\":\"\",\"socket_group\":\"0\",\"socket_dir\":\"\","
		"\"socket_port_security\":\"off\",\"uplink\":\"lo\"}]}");
	free(r);
	/* defining makes nothing on the switch */
	show_is(d, "");

	FAILS(d, "name: network netk already exists", "net-define", "netk", "mode=nat");
	FAILS(d, "socket-port-security: 'on' is not learn (the default) or off", "net-define",
	      "netx", "mode=nat", "subnet=10.250.43.0/24", "socket-port-security=on");
	FAILS(d, "socket-group: 'a b' is not a group name or id", "net-define", "netx", "mode=nat",
	      "subnet=10.250.43.0/24", "socket-group=a b");
	FAILS(d, "socket-group: no group named 'no-such-group-uvnet'", "net-define", "netx",
	      "mode=nat", "subnet=10.250.43.0/24", "socket-group=no-such-group-uvnet");
	FAILS(d, "subnet: 10.250.41.128/25 overlaps network netk (10.250.41.0/24)", "net-define",
	      "neto", "mode=nat", "subnet=10.250.41.128/25");
	FAILS(d, "subnet: 10.0.0.0/8 overlaps network netk (10.250.41.0/24)", "net-define", "neto",
	      "mode=nat", "subnet=10.0.0.0/8");
	FAILS(d, "uplink: lo is already the uplink of network netb", "net-define", "neto",
	      "mode=bridge", "uplink=lo");
	FAILS(d, "subnet: '10.250.43.1/24' has host bits set (the network is 10.250.43.0/24)",
	      "net-define", "neto", "mode=nat", "subnet=10.250.43.1/24");
	FAILS(d, "dhcp-range: 10.250.43.1 is the subnet's gateway address", "net-define", "neto",
	      "mode=nat", "subnet=10.250.43.0/24", "dhcp-range=10.250.43.1,10.250.43.9");
	FAILS(d, "mode: net-define needs mode=nat|isolated|bridge", "net-define", "neto");
	FAILS(d, "mode: 'open' is not nat, isolated or bridge", "net-define", "neto", "mode=open");
	FAILS(d, "colour: unknown option (mode, subnet, dhcp-range, uplink, socket-group, socket-port-security)", "net-define", "neto",
	      "mode=nat", "colour=red");
	FAILS(d, "mode: given twice", "net-define", "neto", "mode=nat", "mode=nat");
	FAILS(d, "uplink: an isolated network has no uplink", "net-define", "neto", "mode=isolated",
	      "subnet=10.250.44.0/24", "uplink=lo");
	FAILS(d, "name: 'thirteen-char' is not a valid network name (1-12 of A-Z a-z 0-9 - _ .)",
	      "net-define", "thirteen-char", "mode=nat", "subnet=10.250.45.0/24");
	assert_null(daemon_find_net(d, "neto"));

	/* never started */
	FAILS(d, "name: network netk is not active", "net-stop", "netk");
	FAILS(d, "name: no network named nope", "net-start", "nope");
	FAILS(d, "name: no network named nope", "net-dhcp-leases", "nope");
	FAILS(d, "name: network netb (mode=bridge) has no DHCP server of its own", "net-dhcp-leases",
	      "netb");
	r = RESULT(d, "net-dhcp-leases", "netk");
	assert_string_equal(r, "{\"network\":\"netk\",\"prefix\":24,\"leases\":[]}");
	free(r);

	OK(d, "net-undefine", "netk");
	FAILS(d, "name: no network named netk", "net-undefine", "netk");
	assert_null(daemon_find_net(d, "netk"));
	/* its subnet is free again */
	OK(d, "net-define", "neto", "mode=nat", "subnet=10.250.41.128/25");
	r = RESULT(d, "net-list");
	res = json_tokener_parse(r);
	free(r);
	assert_true(json_object_object_get_ex(res, "networks", &nets));
	assert_int_equal(json_object_array_length(nets), 3);
	json_object_put(res);
	OK(d, "net-undefine", "netn");
	OK(d, "net-undefine", "netb");
	OK(d, "net-undefine", "neto");
	r = RESULT(d, "net-list");
	assert_string_equal(r, "{\"networks\":[]}");
	free(r);
}

static void without_a_subnet_a_free_192_168_x_is_picked(void **state)
{
	struct daemon *d = fixture_daemon(state);
	struct network *a, *b;
	char sa[IPV4_SUBNET_STRLEN], sb[IPV4_SUBNET_STRLEN];

	OK(d, "net-define", "neta", "mode=nat");
	OK(d, "net-define", "netb", "mode=isolated");
	a = daemon_find_net(d, "neta");
	b = daemon_find_net(d, "netb");
	assert_non_null(a);
	assert_non_null(b);
	print_message("# picked %s and %s\n", ipv4_subnet_str(&a->subnet, sa),
		      ipv4_subnet_str(&b->subnet, sb));
	assert_int_equal(a->subnet.prefix, 24);
	assert_int_equal(a->subnet.net >> 16, 0xc0a8);
	assert_true(((a->subnet.net >> 8) & 0xff) >= 122);
	assert_true(b->subnet.net > a->subnet.net); /* the next free one, not the same */
	assert_int_equal(a->lo, a->subnet.net + 2);
	assert_int_equal(a->hi, a->subnet.net + 254);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(bridges_are_added_and_listed),
		T(a_bridge_name_is_taken_once),
		T(bad_bridge_names_are_refused),
		T(the_bridge_table_fills_up),
		T(ports_are_added_with_vlans_and_mtu),
		T(bad_port_options_are_refused),
		T(trunks_are_checked_by_the_switch_layer),
		T(port_names_and_bridges_are_checked),
		T(a_full_bridge_destroys_the_port_it_made),
		T(a_kind_without_describe_is_shown),
		T(stats_and_fdb_show_answer_in_shape),
		T(set_port_changes_what_the_switch_does_and_the_words),
		T(ingress_policing_is_set_shown_and_kept_in_the_words),
		T(ports_are_deleted_with_or_without_their_bridge),
		T(deleting_a_bridge_takes_its_ports_only),
		T(what_a_network_made_only_it_may_delete),
		T(malformed_requests_are_answered),
		T(wrong_word_counts_get_the_verbs_usage),
		T(every_verb_has_a_handler),
		T(networks_are_defined_listed_and_undefined),
		T(without_a_subnet_a_free_192_168_x_is_picked),
	};
	return cmocka_run_group_tests_name("daemon", tests, NULL, NULL);
}
