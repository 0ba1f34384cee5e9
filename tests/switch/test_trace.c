/* SPDX-License-Identifier: MIT */
/*
 * `uvnetctl trace` (switch/trace.c) against a bridge of four ports: a
 * learned destination goes to its port only, an unknown one floods with
 * each port's tag, a tag the in-port does not admit is a VLAN drop, a
 * spoofed source a port-security drop (a learning port's trace latches
 * nothing), a long frame is not output where
 * the MTU is smaller, an empty bucket a policing drop, a mirror's output
 * port neither sends nor is sent to; the trace learns
 * nothing; and the words are parsed strictly.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "switch/mirror.h"
#include "switch/trace.h"
#include "util/parse.h"

static unsigned null_tx(struct port *p, unsigned worker, struct frame *const *f,
			const bool *tagged, unsigned n)
{
	(void)p, (void)worker, (void)f, (void)tagged;
	return n;
}

static const struct port_ops null_ops = { .kind = "null", .tx_burst = null_tx };

/* p0: all VLANs; p1: access 10; p2: trunk 10,20; p3: all, mtu 1000. */
struct env {
	struct bridge *br;
	struct port port[4];
	struct fwd_scratch *s;
};

static void env_init(struct env *e)
{
	struct bridge_port_cfg c;
	struct error err;

	memset(e, 0, sizeof(*e));
	e->br = bridge_new("br");
	e->s = calloc(1, sizeof(*e->s));
	assert_non_null(e->br);
	assert_non_null(e->s);
	for (unsigned i = 0; i < 4; i++) {
		bridge_port_cfg_init(&c);
		if (i == 1)
			assert_int_equal(port_vlan_set_access(&c.vlan, 10), 0);
		if (i == 2)
			assert_int_equal(port_vlan_parse_trunks(&c.vlan, "10,20", &err), 0);
		e->port[i].ops = &null_ops;
		e->port[i].mtu = i == 3 ? 1000 : 0;
		assert_int_equal(bridge_add_port(e->br, &e->port[i], &c), 0);
	}
}

/* Give port i configuration c, as set-port does. */
static void set_cfg(struct env *e, unsigned i, const struct bridge_port_cfg *c)
{
	struct bridge_port_cfg *old;

	assert_int_equal(bridge_set_port_cfg(e->br, &e->port[i], c, &old), 0);
	free(old);
}

static void env_fini(struct env *e)
{
	bridge_free(e->br);
	free(e->s);
}

/* Parse the words (NULL-terminated) and trace them from their in-port. */
static void run(struct env *e, struct trace_result *r, const char *w0, ...)
{
	const char *w[8];
	unsigned n = 0;
	struct trace_frame tf;
	struct error err;
	va_list ap;

	va_start(ap, w0);
	for (const char *x = w0; x && n < 8; x = va_arg(ap, const char *))
		w[n++] = x;
	va_end(ap);
	assert_int_equal(trace_parse(w, n, &tf, &err), 0);
	assert_int_equal(trace_run(e->br, &e->port[tf.in_port[1] - '0'], &tf, 1000, 1000 * 16, r), 0);
}

static void put(struct env *e, unsigned in, const char *src)
{
	struct frame f;
	struct iovec iov;
	uint8_t buf[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	assert_true(parse_mac(src, buf + 6));
	buf[12] = 0x08;
	iov = (struct iovec){ buf, 60 };
	f = (struct frame){ .iov = &iov, .niov = 1, .len = 60 };
	memcpy(f.eth, buf, ETH_HLEN_TAGGED);
	bridge_forward(e->s, &e->port[in], &f, 1, 0);
}

/* Out of port `slot`? -1: not listed, else why (DECIDE_EGRESS_*); *tagged. */
static int out(const struct trace_result *r, unsigned slot, bool *tagged)
{
	for (unsigned i = 0; i < r->nout; i++)
		if (r->out[i].port == slot) {
			*tagged = r->out[i].tagged;
			return (int)r->out[i].why;
		}
	return -1;
}

static void a_learned_destination_goes_to_its_port_only(void **state)
{
	struct env e;
	struct trace_result r;
	bool tagged;

	(void)state;
	env_init(&e);
	put(&e, 3, "02:00:00:00:00:03");
	run(&e, &r, "in-port=p0", "dl-src=02:00:00:00:00:01", "dl-dst=02:00:00:00:00:03", NULL);
	assert_int_equal(r.verdict, TRACE_FORWARD);
	assert_int_equal(r.dst, 3);
	assert_int_equal(r.nout, 1);
	assert_int_equal(out(&r, 3, &tagged), DECIDE_EGRESS_OK);
	assert_false(tagged);
	/* the trace learned nothing: 02:..:01 is still unknown */
	run(&e, &r, "in-port=p3", "dl-src=02:00:00:00:00:03", "dl-dst=02:00:00:00:00:01", NULL);
	assert_int_equal(r.dst, -1);
	/* learned on the in-port itself: nowhere */
	run(&e, &r, "in-port=p3", "dl-src=02:00:00:00:00:09", "dl-dst=02:00:00:00:00:03", NULL);
	assert_int_equal(r.verdict, TRACE_NO_OUTPUT);
	assert_int_equal(r.nout, 0);
	env_fini(&e);
}

static void an_unknown_destination_floods_with_each_ports_tag(void **state)
{
	struct env e;
	struct trace_result r;
	bool tagged;

	(void)state;
	env_init(&e);
	run(&e, &r, "in-port=p0", "dl-src=02:00:00:00:00:01", "dl-dst=02:00:00:00:00:07",
	    "vlan=10", NULL);
	assert_int_equal(r.verdict, TRACE_FORWARD);
	assert_int_equal(r.vlan, 10);
	assert_int_equal(r.dst, -1);
	assert_int_equal(r.nout, 3);
	assert_int_equal(out(&r, 1, &tagged), DECIDE_EGRESS_OK);
	assert_false(tagged);                      /* access port: untagged */
	assert_int_equal(out(&r, 2, &tagged), DECIDE_EGRESS_OK);
	assert_true(tagged);                       /* trunk: tag 10 */
	assert_int_equal(out(&r, 3, &tagged), DECIDE_EGRESS_OK);
	assert_true(tagged);
	/* VLAN 30: the access and the trunk port do not carry it */
	run(&e, &r, "in-port=p0", "dl-src=02:00:00:00:00:01", "dl-dst=ff:ff:ff:ff:ff:ff",
	    "vlan=30", NULL);
	assert_true(r.multicast);
	assert_int_equal(out(&r, 1, &tagged), DECIDE_EGRESS_VLAN);
	assert_int_equal(out(&r, 2, &tagged), DECIDE_EGRESS_VLAN);
	assert_int_equal(out(&r, 3, &tagged), DECIDE_EGRESS_OK);
	env_fini(&e);
}

static void a_tag_the_port_does_not_admit_is_a_vlan_drop(void **state)
{
	struct env e;
	struct trace_result r;

	(void)state;
	env_init(&e);
	run(&e, &r, "in-port=p1", "dl-src=02:00:00:00:00:01", "dl-dst=02:00:00:00:00:02",
	    "vlan=20", NULL);
	assert_int_equal(r.verdict, TRACE_DROP_VLAN);
	assert_int_equal(r.nout, 0);
	run(&e, &r, "in-port=p2", "dl-src=02:00:00:00:00:01", "dl-dst=02:00:00:00:00:02",
	    "vlan=30", NULL);
	assert_int_equal(r.verdict, TRACE_DROP_VLAN);
	env_fini(&e);
}

static void a_mirror_output_port_takes_no_part_in_switching(void **state)
{
	struct env e;
	struct trace_result r;
	struct mirror_table *t = calloc(1, sizeof(*t));
	bool tagged;

	(void)state;
	env_init(&e);
	assert_non_null(t);
	t->n = 1;
	t->rule[0].out = 3;
	mirror_set_bit(t->rule[0].src, 0);
	mirror_set_bit(t->outputs, 3);
	free(bridge_set_mirrors(e.br, t));
	/* a flood from p0 leaves by p1 and p2, not by the mirror's output */
	run(&e, &r, "in-port=p0", "dl-src=02:00:00:00:00:01", "dl-dst=02:00:00:00:00:07",
	    "vlan=10", NULL);
	assert_int_equal(r.verdict, TRACE_FORWARD);
	assert_int_equal(r.nout, 2);
	assert_int_equal(out(&r, 3, &tagged), -1);
	/* what the output port sends goes nowhere */
	run(&e, &r, "in-port=p3", "dl-src=02:00:00:00:00:03", "dl-dst=02:00:00:00:00:01", NULL);
	assert_int_equal(r.verdict, TRACE_DROP_MIRROR_OUTPUT);
	assert_int_equal(r.nout, 0);
	free(bridge_set_mirrors(e.br, NULL));
	env_fini(&e);
}

static void a_spoofed_source_is_a_port_security_drop(void **state)
{
	struct env e;
	struct trace_result r;
	struct bridge_port_cfg c;
	struct error err;

	(void)state;
	env_init(&e);
	c = *bridge_port_cfg(e.br, &e.port[0]);
	assert_int_equal(port_sec_parse(&c.sec, "02:00:00:00:00:01", &err), 0);
	c.secure = true;
	set_cfg(&e, 0, &c);
	run(&e, &r, "in-port=p0", "dl-src=02:00:00:00:00:66", "dl-dst=02:00:00:00:00:02", NULL);
	assert_int_equal(r.verdict, TRACE_DROP_SECURITY);
	assert_int_equal(r.sec, PORT_SEC_ETH_SRC);
	run(&e, &r, "in-port=p0", "dl-src=02:00:00:00:00:01", "dl-dst=02:00:00:00:00:02", NULL);
	assert_int_equal(r.verdict, TRACE_FORWARD);
	env_fini(&e);
}

/* A learning port: the trace says what would be latched, and latches nothing. */
static void a_trace_on_a_learning_port_latches_nothing(void **state)
{
	struct env e;
	struct trace_result r;
	struct bridge_port_cfg c;

	(void)state;
	env_init(&e);
	c = *bridge_port_cfg(e.br, &e.port[0]);
	port_sec_learning(&c.sec, NULL);
	c.secure = c.learn = true;
	set_cfg(&e, 0, &c);
	run(&e, &r, "in-port=p0", "dl-src=ff:ff:ff:ff:ff:ff", "dl-dst=02:00:00:00:00:02", NULL);
	assert_int_equal(r.verdict, TRACE_DROP_SECURITY);
	assert_int_equal(r.sec, PORT_SEC_ETH_SRC);
	assert_true(r.learning);
	assert_false(r.latches);
	assert_int_equal(r.latch, 0);
	run(&e, &r, "in-port=p0", "dl-src=02:00:00:00:00:66", "dl-dst=02:00:00:00:00:02",
	    "dl-type=0x88b5", NULL);
	assert_int_equal(r.verdict, TRACE_FORWARD);
	assert_true(r.latches);
	assert_int_equal(r.latch, PORT_SEC_LATCHED | 0x020000000066ull);
	assert_int_equal(bridge_port_latch(e.br, &e.port[0]), 0);
	/* once a frame latched for real, the trace judges against it */
	__atomic_store_n(bridge_port_cfg(e.br, &e.port[0])->sec.latch,
			 PORT_SEC_LATCHED | 0x020000000001ull, __ATOMIC_RELEASE);
	run(&e, &r, "in-port=p0", "dl-src=02:00:00:00:00:66", "dl-dst=02:00:00:00:00:02",
	    "dl-type=0x88b5", NULL);
	assert_int_equal(r.sec, PORT_SEC_ETH_SRC);
	assert_false(r.latches);
	env_fini(&e);
}

static void a_frame_over_a_ports_mtu_is_not_output_there(void **state)
{
	struct env e;
	struct trace_result r;
	bool tagged;

	(void)state;
	env_init(&e);
	run(&e, &r, "in-port=p0", "dl-src=02:00:00:00:00:01", "dl-dst=02:00:00:00:00:02",
	    "len=1014", NULL);                        /* 1000 bytes of payload: fits */
	assert_int_equal(out(&r, 3, &tagged), DECIDE_EGRESS_OK);
	run(&e, &r, "in-port=p0", "dl-src=02:00:00:00:00:01", "dl-dst=02:00:00:00:00:02",
	    "len=1015", NULL);
	assert_int_equal(out(&r, 3, &tagged), DECIDE_EGRESS_MTU);
	assert_int_equal(r.out[2].mtu, 1000);
	assert_int_equal(out(&r, 2, &tagged), DECIDE_EGRESS_VLAN); /* untagged: not on trunk 10,20 */
	env_fini(&e);
}

static void an_empty_bucket_is_a_policing_drop(void **state)
{
	struct env e;
	struct trace_result r;
	struct bridge_port_cfg c;

	(void)state;
	env_init(&e);
	c = *bridge_port_cfg(e.br, &e.port[0]);
	police_cfg_init(&c.police, 1, 8);             /* 1000 bytes */
	set_cfg(&e, 0, &c);
	run(&e, &r, "in-port=p0", "dl-src=02:00:00:00:00:01", "dl-dst=02:00:00:00:00:02",
	    "len=1014", NULL);
	assert_true(r.policed);
	assert_true(r.police_pass);
	assert_int_equal(r.police_tokens, 1000);
	run(&e, &r, "in-port=p0", "dl-src=02:00:00:00:00:01", "dl-dst=02:00:00:00:00:02",
	    "len=1015", NULL);
	assert_int_equal(r.verdict, TRACE_DROP_POLICING);
	env_fini(&e);
}

static void the_words_are_parsed_strictly(void **state)
{
	static const struct { const char *w[4]; const char *msg; } bad[] = {
		{ { "in-port=p0", "dl-src=02:00:00:00:00:01", "vlan=1", NULL }, "dl-dst=: missing" },
		{ { "in-port=p0", "in-port=p1", NULL }, "in-port: given twice" },
		{ { "dl-src=02:00:00:00:00", NULL }, "dl-src: '02:00:00:00:00' is not a MAC" },
		{ { "dl-type=800", NULL }, "dl-type: '800' is not an EtherType" },
		{ { "dl-type=0x10000", NULL }, "dl-type: '0x10000' is not an EtherType" },
		{ { "vlan=4096", NULL }, "vlan: '4096' is not a VLAN id" },
		{ { "len=13", NULL }, "len: '13' is not a frame length" },
		{ { "colour=red", NULL }, "colour=red: expected in-port=" },
		{ { "in-port=", NULL }, "in-port: '' is not a port name" },
	};
	const char *good[] = { "dl-dst=ff:ff:ff:ff:ff:ff", "in-port=p0", "dl-type=0x86DD",
			       "dl-src=02:00:00:00:00:01", "vlan=0", "len=18" };
	struct trace_frame tf;
	struct error e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned n = 0;

		while (n < 4 && bad[i].w[n])
			n++;
		assert_int_equal(trace_parse(bad[i].w, n, &tf, &e), -EINVAL);
		if (strncmp(e.msg, bad[i].msg, strlen(bad[i].msg)))
			fail_msg("%s: got '%s'", bad[i].msg, e.msg);
	}
	assert_int_equal(trace_parse(good, 6, &tf, &e), 0);
	assert_int_equal(tf.type, 0x86dd);
	assert_true(tf.tagged);
	assert_int_equal(tf.vlan, 0);
	assert_int_equal(tf.len, 18);
	assert_string_equal(tf.in_port, "p0");
	assert_int_equal(trace_parse(good, 5, &tf, &e), 0);
	assert_int_equal(tf.len, 60);                 /* the default */
	good[5] = "len=17";
	assert_int_equal(trace_parse(good, 6, &tf, &e), -EINVAL); /* a tag needs 18 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_learned_destination_goes_to_its_port_only),
		cmocka_unit_test(an_unknown_destination_floods_with_each_ports_tag),
		cmocka_unit_test(a_tag_the_port_does_not_admit_is_a_vlan_drop),
		cmocka_unit_test(a_spoofed_source_is_a_port_security_drop),
		cmocka_unit_test(a_mirror_output_port_takes_no_part_in_switching),
		cmocka_unit_test(a_trace_on_a_learning_port_latches_nothing),
		cmocka_unit_test(a_frame_over_a_ports_mtu_is_not_output_there),
		cmocka_unit_test(an_empty_bucket_is_a_policing_drop),
		cmocka_unit_test(the_words_are_parsed_strictly),
	};

	return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
