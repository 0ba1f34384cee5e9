/* SPDX-License-Identifier: MIT */
/*
 * The state file (src/daemon/state.c): what one daemon saves a second
 * one rebuilds, the file is written only when something changed, a file
 * that is not a state file is kept aside and the daemon starts empty, a
 * damaged part of one is skipped and the rest rebuilt, and the temporary
 * file is never followed through a symlink.  Networks are defined, never
 * started (that needs nft and dnsmasq).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/daemon.h"
#include "daemon/verbs.h"
#include "util/error.h"

#include "daemon_fixture.h"

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* The file as compact JSON (the pretty-printing is json-c's business). */
static char *file_json(const char *path)
{
	struct json_object *o = json_object_from_file(path);
	char *s;

	assert_non_null(o);
	s = json_text(o);
	json_object_put(o);
	return s;
}

/* How many files in f->dir start with prefix; the last one's name. */
static unsigned files_named(const struct fixture *f, const char *prefix, char *last, size_t len)
{
	DIR *dir = opendir(f->dir);
	struct dirent *de;
	unsigned n = 0;

	assert_non_null(dir);
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, prefix, strlen(prefix))) {
			n++;
			if (last)
				snprintf(last, len, "%s/%s", f->dir, de->d_name);
		}
	closedir(dir);
	return n;
}

static void build_a_switch(struct daemon *d)
{
	OK(d, "add-br", "gone");            /* a free slot before the others */
	OK(d, "add-br", "br0");
	OK(d, "add-br", "br1");
	OK(d, "del-br", "gone");
	OK(d, "add-port", "br0", "p1", "type=fake", "tag=10");
	OK(d, "add-port", "br0", "p2", "trunks=10,20", "tag=5", "mtu=9000", "type=fake", "colour=red");
	OK(d, "add-port", "br1", "p3", "type=fake");
	OK(d, "add-port", "br1", "p4", "type=fake");
	OK(d, "del-port", "p3");
	/* set-port rewrites the saved words: replaced in place of the old
	 * ones, added at the end, removed with an empty value */
	OK(d, "set-port", "p2", "mtu=", "tag=6", "port-security=02:00:00:00:00:0a,10.0.0.5",
	   "max-macs=4");
	OK(d, "net-define", "netk", "mode=isolated", "subnet=10.250.51.0/24",
	   "dhcp-range=10.250.51.10,10.250.51.20");
	OK(d, "net-define", "netb", "mode=bridge", "uplink=lo");
}

static const char saved[] =
	"{\"version\":1,"
	"\"bridges\":["
	"{\"name\":\"br0\",\"ports\":["
	"[\"add-port\",\"br0\",\"p1\",\"type=fake\",\"tag=10\"],"
	"[\"add-port\",\"br0\",\"p2\",\"trunks=10,20\",\"tag=6\",\"type=fake\",\"colour=red\","
	"\"port-security=02:00:00:00:00:0a,10.0.0.5\",\"max-macs=4\"]]},"
	"{\"name\":\"br1\",\"ports\":[[\"add-port\",\"br1\",\"p4\",\"type=fake\"]]}],"
	"\"networks\":["
	"{\"name\":\"netk\",\"mode\":\"isolated\",\"subnet\":\"10.250.51.0/24\","
	"\"dhcp-range\":\"10.250.51.10,10.250.51.20\",\"started\":false},"
	"{\"name\":\"netb\",\"mode\":\"bridge\",\"uplink\":\"lo\",\"started\":false}]}";

static void a_second_daemon_rebuilds_what_the_first_saved(void **state)
{
	struct fixture *f = *state;
	struct daemon *d = fixture_start(f);
	char *show1, *nets1, *text1, *show2, *nets2, *json;
	struct error e = { 0 };
	struct stat st;

	build_a_switch(d);
	show1 = RESULT(d, "show");
	nets1 = RESULT(d, "net-list");
	text1 = read_text(f->state);
	assert_non_null(text1);
	json = file_json(f->state);
	assert_string_equal(json, saved);
	free(json);
	assert_int_equal(stat(f->state, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	fixture_stop(f);
	assert_int_equal(fake_created, 4);
	assert_int_equal(fake_destroyed, 4);
	/* stopping leaves the file as it was */
	json = read_text(f->state);
	assert_string_equal(json, text1);
	free(json);

	d = fixture_start(f);
	assert_int_equal(daemon_load_state(d, &e), 0);
	assert_int_equal(e.code, 0);
	assert_int_equal(fake_created, 4 + 3);
	show2 = RESULT(d, "show");
	nets2 = RESULT(d, "net-list");
	assert_string_equal(show2, show1);
	assert_string_equal(nets2, nets1);
	assert_non_null(strstr(show2, "\"vlan\":\"trunk 10,20 native=6\",\"port_security\":\"02:00:00:00:00:0a,10.0.0.5\","
			   "\"max_macs\":4,\"macs\":0,\"colour\":\"red\""));
	/* loading wrote nothing */
	assert_false(d->dirty);
	json = read_text(f->state);
	assert_string_equal(json, text1);
	free(json);
	/* and the second daemon writes the same file the first one did */
	OK(d, "add-br", "tmp");
	OK(d, "del-br", "tmp");
	json = read_text(f->state);
	assert_string_equal(json, text1);
	free(json);
	/* its ports are the operator's again, with the words they were made
	 * with as set-port left them */
	assert_string_equal(daemon_find_port(d, "p2")->owner, "");
	json = json_text(daemon_find_port(d, "p2")->options);
	assert_string_equal(json, "[\"trunks=10,20\",\"tag=6\",\"type=fake\",\"colour=red\","
			    "\"port-security=02:00:00:00:00:0a,10.0.0.5\",\"max-macs=4\"]");
	free(json);
	free(show1);
	free(nets1);
	free(show2);
	free(nets2);
	free(text1);
}

static void a_networks_bridge_is_saved_with_only_the_operators_ports(void **state)
{
	static const char *const opts[] = { "type=fake" };
	struct fixture *f = *state;
	struct daemon *d = fixture_start(f);
	struct error e = { 0 };
	char *json, *saved;

	/* what a started network makes, without starting one */
	assert_int_equal(daemon_add_bridge(d, "netx", "netx", &e), 0);
	assert_int_equal(daemon_add_port(d, "netx", "uv-netx", opts, 1, "netx", &e), 0);
	OK(d, "add-port", "netx", "vm1", "type=fake");
	json = file_json(f->state);
	assert_string_equal(json, "{\"version\":1,\"bridges\":[{\"name\":\"netx\",\"network\":\"netx\","
				  "\"ports\":[[\"add-port\",\"netx\",\"vm1\",\"type=fake\"]]}],\"networks\":[]}");
	free(json);
	fixture_stop(f);

	/* without its network active, the bridge does not come back, nor its
	 * ports: that is reported, and the file as it was is kept aside */
	saved = read_text(f->state);
	d = fixture_start(f);
	assert_int_equal(daemon_load_state(d, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "1 part(s) of"));
	assert_int_equal(files_named(f, "uvnetd.state.corrupt-", NULL, 0), 1);
	assert_null(daemon_find_bridge(d, "netx"));
	assert_null(daemon_find_port(d, "vm1"));
	assert_int_equal(fake_created, 2);
	/* with its bridge there (as starting the network makes it), they do */
	fixture_stop(f);
	write_text(f->state, saved);
	free(saved);
	d = fixture_start(f);
	assert_int_equal(daemon_add_bridge(d, "netx", "netx", &e), 0);
	assert_int_equal(daemon_load_state(d, &e), 0);
	assert_non_null(daemon_find_port(d, "vm1"));
	assert_string_equal(daemon_find_port(d, "vm1")->owner, "");
	assert_int_equal(fake_created, 3);
}

/* ---- written only when something changed ---- */

static void the_file_is_written_only_after_a_change(void **state)
{
	struct fixture *f = *state;
	struct daemon *d = fixture_start(f);
	struct error e = { 0 };
	char *json;

	/* a new daemon has nothing to write */
	assert_int_equal(daemon_save_state(d, &e), 0);
	assert_false(exists(f->state));
	OK(d, "show");
	OK(d, "net-list");
	FAILS(d, "bridge: no bridge named br0", "del-br", "br0");
	assert_false(exists(f->state));

	OK(d, "add-br", "br0");
	assert_true(exists(f->state));
	assert_false(d->dirty);
	/* unlinked behind its back: nothing rewrites it until a change */
	assert_int_equal(unlink(f->state), 0);
	OK(d, "show");
	OK(d, "stats");
	OK(d, "fdb-show", "br0");
	FAILS(d, "bridge: br0 already exists", "add-br", "br0");
	FAILS(d, "type: 'bogus' is not a port type (vhost-user, tap, afpacket, vxlan, ovn-tunnel, fake)",
	      "add-port", "br0", "p1", "type=bogus");
	FAILS(d, "name: no network named nope", "net-stop", "nope");
	assert_int_equal(daemon_save_state(d, &e), 0);
	assert_false(exists(f->state));

	OK(d, "add-br", "br1");
	json = file_json(f->state);
	assert_string_equal(json, "{\"version\":1,\"bridges\":[{\"name\":\"br0\",\"ports\":[]},"
				  "{\"name\":\"br1\",\"ports\":[]}],\"networks\":[]}");
	free(json);

	/* the API marks changes dirty; the caller saves */
	assert_int_equal(unlink(f->state), 0);
	assert_int_equal(daemon_del_bridge(d, "br1", NULL, &e), 0);
	assert_true(d->dirty);
	assert_false(exists(f->state));
	assert_int_equal(daemon_save_state(d, &e), 0);
	assert_false(d->dirty);
	json = file_json(f->state);
	assert_string_equal(json, "{\"version\":1,\"bridges\":[{\"name\":\"br0\",\"ports\":[]}],\"networks\":[]}");
	free(json);
	fixture_stop(f);

	/* replaying the file does not write it */
	d = fixture_start(f);
	assert_int_equal(daemon_load_state(d, &e), 0);
	assert_non_null(daemon_find_bridge(d, "br0"));
	assert_int_equal(unlink(f->state), 0);
	assert_int_equal(daemon_save_state(d, &e), 0);
	OK(d, "show");
	assert_false(exists(f->state));
}

static void a_failed_write_is_reported_and_retried(void **state)
{
	struct fixture *f = *state;
	struct daemon *d = fixture_start(f);
	struct error e = { 0 };
	char tmp[PATH_MAX + 8], msg[PATH_MAX + 64];
	char *json;

	/* something that cannot be unlinked at STATE.tmp */
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->state);
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(daemon_add_bridge(d, "br0", NULL, &e), 0);
	assert_int_equal(daemon_save_state(d, &e), -EEXIST);
	snprintf(msg, sizeof(msg), "cannot write the state file %s: File exists", f->state);
	assert_string_equal(e.msg, msg);
	assert_true(d->dirty);
	assert_false(exists(f->state));
	/* the verb still succeeds (the switch changed); the file waits */
	OK(d, "add-br", "br1");
	assert_false(exists(f->state));
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(daemon_save_state(d, &e), 0);
	json = file_json(f->state);
	assert_string_equal(json, "{\"version\":1,\"bridges\":[{\"name\":\"br0\",\"ports\":[]},"
				  "{\"name\":\"br1\",\"ports\":[]}],\"networks\":[]}");
	free(json);
	assert_false(exists(tmp));
}

/* ---- the temporary file ---- */

static void a_symlink_at_the_temporary_file_is_not_followed(void **state)
{
	struct fixture *f = *state;
	struct daemon *d = fixture_start(f);
	char tmp[PATH_MAX + 8], target[PATH_MAX], absent[PATH_MAX];
	struct stat st;
	char *text, *json;

	snprintf(tmp, sizeof(tmp), "%s.tmp", f->state);
	fixture_path(f, "target", target, sizeof(target));
	fixture_path(f, "absent", absent, sizeof(absent));
	write_text(target, "precious\n");
	assert_int_equal(symlink(target, tmp), 0);
	OK(d, "add-br", "br0");
	text = read_text(target);
	assert_string_equal(text, "precious\n");
	free(text);
	assert_int_equal(lstat(f->state, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_false(exists(tmp));
	json = file_json(f->state);
	assert_string_equal(json, "{\"version\":1,\"bridges\":[{\"name\":\"br0\",\"ports\":[]}],\"networks\":[]}");
	free(json);

	/* nor one to a file that does not exist yet */
	assert_int_equal(symlink(absent, tmp), 0);
	OK(d, "add-br", "br1");
	assert_false(exists(absent));
	assert_false(exists(tmp));
	assert_int_equal(lstat(f->state, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	text = read_text(target);
	assert_string_equal(text, "precious\n");
	free(text);
}

static void show_empty(struct daemon *d)
{
	char *json = RESULT(d, "show");

	assert_string_equal(json, "{\"bridges\":[],\"workers\":1,\"poll\":\"event\"}");
	free(json);
}

/* ---- files that are not state files ---- */

/* Write text as the state file, start, load: the load's return. */
static int load_text(struct fixture *f, const char *text, struct error *e)
{
	struct daemon *d = fixture_start(f);

	write_text(f->state, text);
	error_clear(e);
	return daemon_load_state(d, e);
}

static void not_a_state_file(struct fixture *f, const char *text)
{
	static unsigned seen;
	struct error e;
	char aside[PATH_MAX], msg[PATH_MAX * 2 + 100], *kept, *json;

	print_message("# file %u\n", ++seen);
	assert_int_equal(load_text(f, text, &e), -EINVAL);
	assert_int_equal(files_named(f, "uvnetd.state.corrupt-", aside, sizeof(aside)), 1);
	snprintf(msg, sizeof(msg), "%s is not a uvnetd state file; starting empty, the file is kept as %s",
		 f->state, aside);
	assert_string_equal(e.msg, msg);
	assert_false(exists(f->state));
	kept = read_text(aside);
	assert_string_equal(kept, text);
	/* empty, and the first change does not touch the copy */
	show_empty(f->d);
	OK(f->d, "add-br", "br0");
	json = file_json(f->state);
	assert_string_equal(json, "{\"version\":1,\"bridges\":[{\"name\":\"br0\",\"ports\":[]}],\"networks\":[]}");
	free(json);
	json = read_text(aside);
	assert_string_equal(json, kept);
	free(json);
	free(kept);
	assert_int_equal(fake_created, 0);
	fixture_fini(f);
	fixture_init(f);
}

static void a_file_that_is_not_a_state_file_is_kept_aside(void **state)
{
	struct fixture *f = *state;

	not_a_state_file(f, "this is not JSON {\n");
	not_a_state_file(f, "");
	not_a_state_file(f, "{\"version\":1,\"bridges\":[{\"name\":\"br0\",\"ports\":[]}");  /* cut short */
	not_a_state_file(f, "[{\"name\":\"br0\",\"ports\":[]}]");
	not_a_state_file(f, "null");
	not_a_state_file(f, "\"bridges\"");
	not_a_state_file(f, "{\"version\":1}");
	not_a_state_file(f, "{\"version\":1,\"bridges\":{\"name\":\"br0\",\"ports\":[]}}");
	not_a_state_file(f, "{\"version\":1,\"bridges\":\"br0\"}");
	not_a_state_file(f, "{\"version\":1,\"bridges\":null,\"networks\":[]}");
}

static void no_state_file_is_an_empty_start(void **state)
{
	struct fixture *f = *state;
	struct daemon *d = fixture_start(f);
	struct error e = { 0 };

	assert_int_equal(daemon_load_state(d, &e), 0);
	assert_int_equal(e.code, 0);
	assert_false(exists(f->state));
	assert_int_equal(files_named(f, "uvnetd.state", NULL, 0), 0);
}

/* A state file with damaged parts: each is skipped, the rest rebuilt, and
 * the file is not set aside (it is a state file). */
static void damaged_parts_are_skipped(void **state)
{
	static const char text[] =
		"{\"version\":1,\"bridges\":["
		/* first, so a port of it listed under br0 could land here */
		"{\"name\":\"br1\",\"ports\":[[\"add-port\",\"br1\",\"q1\",\"type=fake\"]]},"
		"{\"name\":\"br0\",\"ports\":["
		"[\"add-port\",\"br0\",5,\"type=fake\"],"
		"[\"add-port\",\"br0\",\"p2\",\"type=fake\",\"tag=7\"],"
		"\"add-port br0 p3 type=fake\","
		"[],"
		"[\"add-port\",\"br0\"],"
		"[\"del-port\",\"br0\",\"p4\",\"type=fake\"],"
		"[\"add-port\",\"br1\",\"p5\",\"type=fake\"],"
		"[\"add-port\",\"br0\",\"p6\",\"type=bogus\"],"
		"[\"add-port\",\"br0\",\"p7\",\"type=fake\",7],"
		"[\"add-port\",\"br0\",\"bad/name\",\"type=fake\"],"
		"[\"add-port\",\"br0\",\"p8\",\"type=fake\",\"tag=4096\"],"
		"[\"add-port\",\"br0\",\"p2\",\"type=fake\"],"
		"[\"add-port\",\"br0\",\"p9\",\"type=fake\",\"a=1\",\"b=1\",\"c=1\",\"d=1\",\"e=1\","
		"\"f=1\",\"g=1\",\"h=1\",\"i=1\",\"j=1\",\"k=1\",\"l=1\",\"m=1\",\"n=1\",\"o=1\",\"p=1\","
		"\"q=1\",\"r=1\",\"s=1\",\"t=1\",\"u=1\"],"
		"null,"
		"{\"words\":[\"add-port\",\"br0\",\"p10\",\"type=fake\"]},"
		"[\"add-port\",\"br0\",\"p11\",\"type=fake\",\"colour=green\"]]},"
		/* a ports field that is not an array: that bridge is skipped */
		"{\"name\":\"br2\",\"ports\":{\"p12\":\"type=fake\"}},"
		"{\"name\":\"br3\",\"ports\":\"none\"},"
		"{\"name\":\"br4\"},"
		/* entries that are not bridges */
		"\"br5\",null,7,[],{\"ports\":[]},{\"name\":6,\"ports\":[]},"
		"{\"name\":\"bad/name\",\"ports\":[]},"
		"{\"name\":\"br1\",\"ports\":[[\"add-port\",\"br1\",\"q2\",\"type=fake\"]]},"
		"{\"name\":\"br6\",\"ports\":[]}"
		"],"
		"\"networks\":["
		"{\"mode\":\"nat\",\"subnet\":\"10.250.61.0/24\"},"
		"{\"name\":\"n1\",\"mode\":\"bogus\"},"
		"\"n2\",null,"
		"{\"name\":\"n3\",\"mode\":\"isolated\",\"subnet\":\"10.250.62.0/24\",\"started\":false},"
		"{\"name\":\"n4\",\"mode\":\"nat\",\"subnet\":\"10.250.62.128/25\"},"
		"{\"name\":\"n5\",\"mode\":\"nat\",\"subnet\":\"10.250.63.0/24\",\"dhcp-range\":\"1,2\"},"
		"{\"name\":\"n3\",\"mode\":\"nat\",\"subnet\":\"10.250.64.0/24\"},"
		"{\"name\":\"n6\",\"mode\":\"bridge\",\"uplink\":\"lo\",\"started\":false}"
		"]}";
	struct fixture *f = *state;
	struct error e;
	char *show, *nets, *kept, kept_name[PATH_MAX];

	/* what could not be rebuilt is reported; the file as it was is kept
	 * aside, and what was rebuilt is to be written at once */
	assert_int_equal(load_text(f, text, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "part(s) of"));
	assert_non_null(strstr(e.msg, "could not be restored"));
	assert_int_equal(files_named(f, "uvnetd.state.corrupt-", kept_name, sizeof(kept_name)), 1);
	kept = read_text(kept_name);
	assert_string_equal(kept, text);
	free(kept);
	show = RESULT(f->d, "show");
	assert_string_equal(show,
		"{\"bridges\":["
		"{\"name\":\"br1\",\"ports\":[{\"name\":\"q1\",\"type\":\"fake\",\"vlan\":\"all\",\"colour\":\"none\"}]},"
		"{\"name\":\"br0\",\"ports\":["
		"{\"name\":\"p2\",\"type\":\"fake\",\"vlan\":\"access tag=7\",\"colour\":\"none\"},"
		"{\"name\":\"p11\",\"type\":\"fake\",\"vlan\":\"all\",\"colour\":\"green\"}]},"
		"{\"name\":\"br6\",\"ports\":[]}"
		"],\"workers\":1,\"poll\":\"event\"}");
	free(show);
	/* q1, p2, p11 only: the others were refused before the kind saw them */
	assert_int_equal(fake_created, 3);
	assert_int_equal(fake_destroyed, 0);
	nets = RESULT(f->d, "net-list");
	assert_non_null(strstr(nets, "\"name\":\"n3\",\"mode\":\"isolated\""));
	assert_non_null(strstr(nets, "\"name\":\"n6\",\"mode\":\"bridge\""));
	assert_null(strstr(nets, "\"n1\""));
	assert_null(strstr(nets, "\"n2\""));
	assert_null(strstr(nets, "\"n4\""));
	assert_null(strstr(nets, "\"n5\""));
	assert_null(strstr(nets, "10.250.61."));
	assert_null(strstr(nets, "10.250.64."));
	free(nets);
	assert_true(f->d->dirty);
}

/* Only a JSON true starts a network again: "started": "false" (a string,
 * as a person editing the file might write it) is not true.  (Were it
 * taken for true, netl would start: as root, an afpacket port on lo.
 * Only mode=bridge here: a nat network started by mistake would load nft
 * rules, run dnsmasq and switch on IPv4 forwarding.) */
static void only_true_is_started(void **state)
{
	struct fixture *f = *state;
	struct error e;
	char *nets;

	assert_int_equal(load_text(f, "{\"bridges\":[],\"networks\":["
				      "{\"name\":\"netl\",\"mode\":\"bridge\",\"uplink\":\"lo\",\"started\":\"false\","
				      "\"socket-group\":\"gone-group\"}"
				      "]}", &e), 0);
	assert_null(daemon_find_bridge(f->d, "netl"));
	nets = RESULT(f->d, "net-list");
	assert_string_equal(nets, "{\"networks\":[{\"name\":\"netl\",\"mode\":\"bridge\",\"active\":false,"
				  "\"autostart\":false,\"bridge\":\"netl\",\"port\":\"\",\"socket_group\":\"gone-group\","
				  "\"socket_dir\":\"\",\"socket_port_security\":\"learn\",\"uplink\":\"lo\"}]}");
	free(nets);
	show_empty(f->d);
}

static void a_networks_list_that_is_not_an_array_is_ignored(void **state)
{
	struct fixture *f = *state;
	struct error e;
	char *nets;

	assert_int_equal(load_text(f, "{\"bridges\":[{\"name\":\"br0\",\"ports\":[]}],"
				      "\"networks\":{\"name\":\"n1\",\"mode\":\"nat\"}}", &e), 0);
	assert_non_null(daemon_find_bridge(f->d, "br0"));
	nets = RESULT(f->d, "net-list");
	assert_string_equal(nets, "{\"networks\":[]}");
	free(nets);
	assert_int_equal(files_named(f, "uvnetd.state.corrupt-", NULL, 0), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup_stopped, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(a_second_daemon_rebuilds_what_the_first_saved),
		T(a_networks_bridge_is_saved_with_only_the_operators_ports),
		T(the_file_is_written_only_after_a_change),
		T(a_failed_write_is_reported_and_retried),
		T(a_symlink_at_the_temporary_file_is_not_followed),
		T(a_file_that_is_not_a_state_file_is_kept_aside),
		T(no_state_file_is_an_empty_start),
		T(damaged_parts_are_skipped),
		T(only_true_is_started),
		T(a_networks_list_that_is_not_an_array_is_ignored),
	};
	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
