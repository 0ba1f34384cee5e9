/* SPDX-License-Identifier: MIT */
/*
 * The daemon's observers, through the verbs: mirrors added, refused by
 * name, shown, published to the bridge, saved and replayed, and gone with
 * their output port or bridge; captures refused by name, and a capture's
 * stream over a socket pair: the reply's connection handed over, a frame
 * the bridge saw, END with the counts once the client shuts its side,
 * END with the reason when the port is deleted, and a client that does
 * not read: the daemon goes on, the frames it could not keep counted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "control/capture_stream.h"
#include "daemon/daemon.h"
#include "daemon/verbs.h"

#include "daemon_fixture.h"

static void three_ports(struct daemon *d)
{
	OK(d, "add-br", "br0");
	OK(d, "add-br", "br1");
	OK(d, "add-port", "br0", "p1", "type=fake");
	OK(d, "add-port", "br0", "p2", "type=fake");
	OK(d, "add-port", "br0", "p3", "type=fake");
	OK(d, "add-port", "br1", "q1", "type=fake");
}

static void mirrors_are_checked_shown_and_published(void **state)
{
	struct daemon *d = fixture_daemon(state);
	struct mirror_table *t;
	char *r;

	three_ports(d);
	FAILS(d, "bridge: no bridge named nob", "add-mirror", "nob", "m0", "select-src=p1", "output=p3");
	FAILS(d, "port: no port named p9 on bridge br0", "add-mirror", "br0", "m0", "select-src=p1,p9",
	      "output=p3");
	FAILS(d, "port: no port named q1 on bridge br0", "add-mirror", "br0", "m0", "select-src=p1",
	      "output=q1");
	FAILS(d, "output: missing (output=PORT: where the mirrored frames go)", "add-mirror", "br0",
	      "m0", "select-src=p1");
	OK(d, "add-mirror", "br0", "m0", "select-src=p1", "select-vlan=10,12-13", "output=p3");
	FAILS(d, "mirror: m0 already exists on br0", "add-mirror", "br0", "m0", "select-src=p2",
	      "output=p3");
	FAILS(d, "select: p3 is the output of mirror m0", "add-mirror", "br0", "m1", "select-dst=p3",
	      "output=p2");
	FAILS(d, "output: p1 is selected by mirror m0", "add-mirror", "br0", "m1", "select-dst=p2",
	      "output=p1");
	OK(d, "add-mirror", "br0", "m1", "select-dst=p1,p2", "output=p3");
	r = RESULT(d, "show");
	assert_non_null(strstr(r, "\"mirrors\":["
			       "{\"name\":\"m0\",\"select_src\":[\"p1\"],\"select_dst\":[],"
			       "\"select_vlan\":\"10,12-13\",\"output\":\"p3\"},"
			       "{\"name\":\"m1\",\"select_src\":[],\"select_dst\":[\"p1\",\"p2\"],"
			       "\"output\":\"p3\"}]"));
	free(r);
	t = daemon_find_bridge(d, "br0")->sw->mirrors;
	assert_non_null(t);
	assert_int_equal(t->n, 2);
	assert_true(mirror_is_output(t, daemon_find_port(d, "p3")->port->index));
	assert_false(mirror_is_output(t, daemon_find_port(d, "p1")->port->index));
	assert_true(mirror_bit(t->rule[1].dst, daemon_find_port(d, "p2")->port->index));
	assert_true(port_vlan_map_has(t->rule[0].vlans, 13));
	FAILS(d, "mirror: no mirror named m9 on br0", "del-mirror", "br0", "m9");
	OK(d, "del-mirror", "br0", "m0");
	OK(d, "del-mirror", "br0", "m1");
	assert_null(daemon_find_bridge(d, "br0")->sw->mirrors);
	assert_int_equal(daemon_find_bridge(d, "br0")->sw->observed, 0);
}

static void a_mirror_goes_with_its_output_bridge_or_last_selected_port(void **state)
{
	struct daemon *d = fixture_daemon(state);
	char *r;

	three_ports(d);
	OK(d, "add-mirror", "br0", "m0", "select-src=p1,p2", "output=p3");
	OK(d, "del-port", "p1");
	r = RESULT(d, "show");
	assert_non_null(strstr(r, "{\"name\":\"m0\",\"select_src\":[\"p2\"],\"select_dst\":[],\"output\":\"p3\"}"));
	free(r);
	OK(d, "del-port", "p3");
	r = RESULT(d, "show");
	assert_null(strstr(r, "mirrors"));
	free(r);
	assert_null(daemon_find_bridge(d, "br0")->sw->mirrors);
	/* and with the last port it selects */
	OK(d, "add-port", "br0", "p3", "type=fake");
	OK(d, "add-mirror", "br0", "m0", "select-src=p2", "output=p3");
	OK(d, "del-port", "p2");
	assert_null(daemon_find_bridge(d, "br0")->sw->mirrors);
	r = RESULT(d, "show");
	assert_null(strstr(r, "mirrors"));
	free(r);
	OK(d, "add-port", "br0", "p2", "type=fake");
	OK(d, "add-port", "br0", "p4", "type=fake");
	OK(d, "add-mirror", "br0", "m1", "select-dst=p2", "output=p4");
	OK(d, "del-br", "br0");
	OK(d, "add-br", "br0");
	OK(d, "add-port", "br0", "p4", "type=fake");
	OK(d, "add-port", "br0", "p2", "type=fake");
	OK(d, "add-mirror", "br0", "m1", "select-dst=p2", "output=p4"); /* the name is free again */
}

static void mirrors_are_saved_and_replayed(void **state)
{
	struct fixture *f = *state;
	struct daemon *d = fixture_daemon(state);
	struct error e = { 0 };
	char *show1, *show2;

	three_ports(d);
	OK(d, "add-mirror", "br0", "m0", "output=p3", "select-vlan=7", "select-dst=p2", "select-src=p1");
	show1 = RESULT(d, "show");
	fixture_stop(f);
	d = fixture_start(f);
	assert_int_equal(daemon_load_state(d, &e), 0);
	show2 = RESULT(d, "show");
	assert_string_equal(show2, show1);
	assert_non_null(daemon_find_bridge(d, "br0")->sw->mirrors);
	free(show1);
	free(show2);
}

static void capture_options_are_refused_by_name(void **state)
{
	struct daemon *d = fixture_daemon(state);

	three_ports(d);
	FAILS(d, "port: no port named p9", "capture", "p9");
	FAILS(d, "direction: 'sideways' is not in, out or both", "capture", "p1", "direction=sideways");
	FAILS(d, "snaplen: '0' is not a number from 1 to 262144", "capture", "p1", "snaplen=0");
	FAILS(d, "snaplen: '262145' is not a number from 1 to 262144", "capture", "p1", "snaplen=262145");
	FAILS(d, "-w: not a capture option (direction=, snaplen=), or given twice", "capture", "p1", "-w");
	FAILS(d, "direction=in: not a capture option (direction=, snaplen=), or given twice", "capture",
	      "p1", "direction=out", "direction=in");
	/* accepted, and with no connection to take it, ended at once */
	OK(d, "capture", "p1", "direction=in", "snaplen=64");
	assert_int_equal(capture_count(d, daemon_find_port(d, "p1")), 0);
	assert_null(daemon_find_bridge(d, "br0")->sw->capture[daemon_find_port(d, "p1")->port->index]);
}

/* Start a capture of `port` whose connection is one end of a socket pair;
 * the other end, after the reply line, is returned. */
static int start_capture(struct daemon *d, const char *port)
{
	struct json_object *req = json_object_new_array(), *rep, *ok;
	struct verb_takeover t;
	int sv[2];

	json_object_array_add(req, json_object_new_string("capture"));
	json_object_array_add(req, json_object_new_string(port));
	rep = verbs_execute(d, req, &t);
	assert_true(json_object_object_get_ex(rep, "ok", &ok) && json_object_get_boolean(ok));
	assert_non_null(t.take);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
	t.take(t.arg, sv[0]);
	json_object_put(rep);
	json_object_put(req);
	return sv[1];
}

/* Run the loop until the next message is whole; it in *m, its bytes in buf. */
static void next_msg(struct daemon *d, int fd, uint8_t *buf, size_t *len,
		     struct capture_stream_msg *m)
{
	struct error e;

	for (unsigned i = 0; i < 500; i++) {
		ssize_t r = recv(fd, buf + *len, 4096 - *len, MSG_DONTWAIT);
		long k;

		if (r > 0)
			*len += (size_t)r;
		k = capture_stream_next(buf, *len, m, &e);
		assert_true(k >= 0);
		if (k > 0) {
			static uint8_t copy[4096];

			memcpy(copy, buf, (size_t)k);
			memmove(buf, buf + k, *len - (size_t)k);
			*len -= (size_t)k;
			if (m->data)
				m->data = copy + sizeof(struct capture_stream_hdr);
			return;
		}
		loop_run_once(&d->loop, 20);
	}
	fail_msg("no whole message from the capture");
}

static void inject(struct daemon *d, const char *port, uint8_t mark)
{
	uint8_t buf[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0 };
	struct iovec iov = { buf, sizeof(buf) };
	struct frame f = { .iov = &iov, .niov = 1, .len = sizeof(buf) };

	buf[59] = mark;
	memcpy(f.eth, buf, ETH_HLEN_TAGGED);
	d->env.inject(&d->env, daemon_find_port(d, port)->port, &f);
}

static void a_capture_streams_frames_and_ends_with_the_counts(void **state)
{
	struct daemon *d = fixture_daemon(state);
	struct capture_stream_msg m;
	uint8_t buf[4096];
	size_t len = 0;
	int fd;

	OK(d, "add-br", "br0");
	OK(d, "add-port", "br0", "p1", "type=fake"); /* alone: nothing is forwarded anywhere */
	fd = start_capture(d, "p1");
	assert_int_equal(capture_count(d, daemon_find_port(d, "p1")), 1);
	inject(d, "p1", 0x11);
	inject(d, "p1", 0x22);
	next_msg(d, fd, buf, &len, &m);
	assert_int_equal(m.type, CAPTURE_STREAM_FRAME);
	assert_int_equal(m.len, 60);
	assert_int_equal(m.data[59], 0x11);
	next_msg(d, fd, buf, &len, &m);
	assert_int_equal(m.data[59], 0x22);
	shutdown(fd, SHUT_WR);
	next_msg(d, fd, buf, &len, &m);
	assert_int_equal(m.type, CAPTURE_STREAM_END);
	assert_int_equal(m.end.frames, 2);
	assert_int_equal(m.end.dropped, 0);
	assert_int_equal(m.end.reason, CAPTURE_END_STOPPED);
	for (unsigned i = 0; i < 50 && capture_count(d, daemon_find_port(d, "p1")); i++)
		loop_run_once(&d->loop, 20);
	assert_int_equal(d->captures.c[0] == NULL, 1);
	close(fd);
}

static void deleting_the_port_ends_its_capture_with_the_reason(void **state)
{
	struct daemon *d = fixture_daemon(state);
	struct capture_stream_msg m;
	uint8_t buf[4096];
	size_t len = 0;
	int fd;

	OK(d, "add-br", "br0");
	OK(d, "add-port", "br0", "p1", "type=fake");
	fd = start_capture(d, "p1");
	inject(d, "p1", 0x33);
	OK(d, "del-port", "p1");
	next_msg(d, fd, buf, &len, &m);
	assert_int_equal(m.data[59], 0x33);
	next_msg(d, fd, buf, &len, &m);
	assert_int_equal(m.type, CAPTURE_STREAM_END);
	assert_int_equal(m.end.frames, 1);
	assert_int_equal(m.end.reason, CAPTURE_END_PORT_DELETED);
	close(fd);
	/* and a client that vanished: its capture is released */
	OK(d, "add-port", "br0", "p1", "type=fake");
	fd = start_capture(d, "p1");
	close(fd);
	inject(d, "p1", 0x44);
	for (unsigned i = 0; i < 50 && d->captures.c[0]; i++)
		loop_run_once(&d->loop, 20);
	assert_null(d->captures.c[0]);
	assert_int_equal(daemon_find_bridge(d, "br0")->sw->observed, 0);
}

/* A client that does not read: its socket fills, then its rings; the
 * daemon goes on answering and counts what it could not keep. */
static void a_client_that_does_not_read_costs_its_own_frames_only(void **state)
{
	struct daemon *d = fixture_daemon(state);
	struct capture_stream_msg m;
	uint8_t buf[4096];
	uint64_t got = 0;
	size_t len = 0;
	int fd;

	OK(d, "add-br", "br0");
	OK(d, "add-port", "br0", "p1", "type=fake");
	fd = start_capture(d, "p1");
	for (unsigned i = 0; i < 40000; i++) {
		inject(d, "p1", (uint8_t)i);
		if (i % 1000 == 0)
			loop_run_once(&d->loop, 0);
	}
	for (unsigned i = 0; i < 10; i++)
		loop_run_once(&d->loop, 20);
	OK(d, "show"); /* the control thread is not stuck on the client */
	shutdown(fd, SHUT_WR);
	for (;;) {
		next_msg(d, fd, buf, &len, &m);
		if (m.type == CAPTURE_STREAM_END)
			break;
		got++;
	}
	assert_int_equal(m.end.frames, got);
	assert_true(m.end.dropped > 0);
	assert_int_equal(m.end.frames + m.end.dropped, 40000);
	close(fd);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(mirrors_are_checked_shown_and_published),
		T(a_mirror_goes_with_its_output_bridge_or_last_selected_port),
		T(mirrors_are_saved_and_replayed),
		T(capture_options_are_refused_by_name),
		T(a_capture_streams_frames_and_ends_with_the_counts),
		T(deleting_the_port_ends_its_capture_with_the_reason),
		T(a_client_that_does_not_read_costs_its_own_frames_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
