/* SPDX-License-Identifier: MIT */
/*
 * Captures through the bridge: "in" records a frame as the port delivered
 * it (its tag included, dropped or not), "out" as the port will send it
 * (the egress tag of its VLAN mode); a capture sees only its port and its
 * directions, several captures of one port each get every frame, a full
 * capture drops without touching forwarding, and a bridge without
 * captures counts nothing observed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "switch/bridge.h"

#include "frame_fixture.h"

struct rec_port {
	struct port base;
	unsigned n;
};

static unsigned rec_tx(struct port *p, unsigned worker, struct frame *const *f,
		       const bool *tagged, unsigned n)
{
	(void)worker, (void)f, (void)tagged;
	((struct rec_port *)p)->n += n;
	return n;
}

static const struct port_ops rec_ops = { .kind = "rec", .tx_burst = rec_tx };

struct env {
	struct bridge *br;
	struct rec_port port[3];
	struct fwd_scratch *s;
};

/* port 0 carries every VLAN, port 1 is an access port of VLAN 10, port 2
 * a trunk of 10 and 20. */
static void env_init(struct env *e)
{
	struct bridge_port_cfg cfg[3];
	struct error err;

	memset(e, 0, sizeof(*e));
	for (unsigned i = 0; i < 3; i++)
		bridge_port_cfg_init(&cfg[i]);
	port_vlan_set_access(&cfg[1].vlan, 10);
	assert_int_equal(port_vlan_parse_trunks(&cfg[2].vlan, "10,20", &err), 0);
	e->br = bridge_new("br");
	e->s = calloc(1, sizeof(*e->s));
	for (unsigned i = 0; i < 3; i++) {
		e->port[i].base.ops = &rec_ops;
		assert_int_equal(bridge_add_port(e->br, &e->port[i].base, &cfg[i]), 0);
	}
}

/* Captures are freed by the test; the sets the bridge still points to by bridge_free. */
static void env_fini(struct env *e)
{
	bridge_free(e->br);
	free(e->s);
}

static struct port_capture *capture(struct env *e, unsigned port, unsigned dir, uint32_t snaplen)
{
	struct port_capture *c = port_capture_new(dir, snaplen, 1, CAPTURE_RING_MIN);
	struct port_capture_set *set;

	assert_non_null(c);
	set = port_capture_set_with(e->br->capture[port], c);
	assert_non_null(set);
	free(bridge_set_capture(e->br, &e->port[port].base, set));
	return c;
}

/* test_frame() with byte 59 = mark. */
static void make(struct frame *f, struct iovec *iov, uint8_t *buf, uint8_t dst, uint8_t src,
		 uint16_t vlan, uint8_t mark)
{
	test_frame(f, iov, buf, dst, src, vlan);
	buf[59] = mark;
}

/* The next record of c's worker-0 ring, copied out (NULL: none). */
static const struct capture_rec *next(struct port_capture *c, uint8_t *data)
{
	const struct capture_rec *r = capture_ring_peek(c->ring[0]);
	static struct capture_rec copy;

	if (!r)
		return NULL;
	copy = *r;
	memcpy(data, r + 1, r->caplen);
	capture_ring_pop(c->ring[0], r);
	return &copy;
}

static void in_is_the_frame_as_received_out_is_as_the_port_sends_it(void **state)
{
	struct env e;
	struct frame f[2];
	struct iovec iov[2];
	uint8_t buf[2][60], data[256];
	struct port_capture *c2 = NULL, *c1 = NULL;
	const struct capture_rec *r;

	(void)state;
	env_init(&e);
	c2 = capture(&e, 2, PORT_CAPTURE_IN | PORT_CAPTURE_OUT, PORT_CAPTURE_SNAPLEN_MAX);
	c1 = capture(&e, 1, PORT_CAPTURE_OUT, PORT_CAPTURE_SNAPLEN_MAX);
	/* in by trunk port 2: VLAN 10 (to the access port, untagged there, and
	 * to port 0, tagged), and VLAN 30, which port 2 does not carry */
	make(&f[0], &iov[0], buf[0], 0xff, 0xa, 10, 1);
	make(&f[1], &iov[1], buf[1], 0xff, 0xa, 30, 2);
	bridge_forward(e.s, &e.port[2].base, f, 2, 0);
	assert_int_equal(e.port[1].n, 1);
	/* port 2 in: both frames, tags and all, the dropped one too */
	r = next(c2, data);
	assert_non_null(r);
	assert_int_equal(r->len, 60);
	assert_memory_equal(data, buf[0], 60);
	r = next(c2, data);
	assert_non_null(r);
	assert_memory_equal(data, buf[1], 60);
	assert_null(next(c2, data)); /* nothing went out by port 2 */
	/* port 1 out: the VLAN 10 frame without its tag, 56 bytes */
	r = next(c1, data);
	assert_non_null(r);
	assert_int_equal(r->len, 56);
	assert_int_equal(r->caplen, 56);
	assert_memory_equal(data, buf[0], 12);
	assert_int_equal(data[12], 0x08);
	assert_int_equal(data[55], 1);
	assert_null(next(c1, data));
	/* from port 1 to port 2 (trunk): leaves tagged with 10 */
	make(&f[0], &iov[0], buf[0], 0xff, 0xb, 0, 3);
	bridge_forward(e.s, &e.port[1].base, f, 1, 0);
	r = next(c2, data);
	assert_non_null(r);
	assert_int_equal(r->len, 64);
	assert_int_equal(data[12], 0x81);
	assert_int_equal(data[15], 10);
	assert_int_equal(data[16], 0x08);
	assert_int_equal(data[63], 3);
	assert_null(next(c1, data)); /* port 1 sent nothing, and c1 takes no "in" */
	port_capture_free(c1);
	port_capture_free(c2);
	env_fini(&e);
}

static void each_capture_of_a_port_gets_every_frame_cut_at_its_snaplen(void **state)
{
	struct env e;
	struct frame f;
	struct iovec iov;
	uint8_t buf[60], data[256];
	struct port_capture *a, *b;
	const struct capture_rec *r;

	(void)state;
	env_init(&e);
	a = capture(&e, 0, PORT_CAPTURE_IN, 20);
	b = capture(&e, 0, PORT_CAPTURE_IN, PORT_CAPTURE_SNAPLEN_MAX);
	assert_int_equal(e.br->capture[0]->n, 2);
	make(&f, &iov, buf, 0xff, 0xa, 0, 9);
	bridge_forward(e.s, &e.port[0].base, &f, 1, 0);
	r = next(a, data);
	assert_int_equal(r->len, 60);
	assert_int_equal(r->caplen, 20);
	assert_memory_equal(data, buf, 20);
	r = next(b, data);
	assert_int_equal(r->caplen, 60);
	port_capture_free(a);
	port_capture_free(b);
	env_fini(&e);
}

static void a_full_capture_drops_and_forwarding_goes_on(void **state)
{
	struct env e;
	struct frame f[32];
	struct iovec iov[32];
	uint8_t buf[32][60];
	struct port_capture *c;

	(void)state;
	env_init(&e);
	c = capture(&e, 0, PORT_CAPTURE_IN, PORT_CAPTURE_SNAPLEN_MAX);
	for (unsigned i = 0; i < 32; i++)
		make(&f[i], &iov[i], buf[i], 0xff, 0xa, 0, (uint8_t)i);
	/* 88 bytes a record: 46 fit in 4096 */
	for (unsigned k = 0; k < 4; k++)
		bridge_forward(e.s, &e.port[0].base, f, 32, 0);
	assert_int_equal(e.port[1].n, 0); /* port 1 is an access port of VLAN 10 */
	assert_int_equal(e.port[2].n, 0); /* port 2 does not carry VLAN 0 */
	assert_int_equal(port_capture_written(c), 46);
	assert_int_equal(port_capture_dropped(c), 128 - 46);
	port_capture_free(c);
	env_fini(&e);
}

static void captures_and_mirrors_are_counted_as_observers(void **state)
{
	struct env e;
	struct port_capture *c;
	struct port_capture_set *set;

	(void)state;
	env_init(&e);
	assert_int_equal(e.br->observed, 0);
	c = capture(&e, 0, PORT_CAPTURE_IN, 64);
	assert_int_equal(e.br->observed, 1);
	free(bridge_set_mirrors(e.br, calloc(1, sizeof(struct mirror_table))));
	assert_int_equal(e.br->observed, 2);
	free(bridge_set_mirrors(e.br, NULL));
	set = port_capture_set_without(e.br->capture[0], c);
	assert_int_equal(set->n, 0);
	free(set);
	free(bridge_set_capture(e.br, &e.port[0].base, NULL));
	assert_int_equal(e.br->observed, 0);
	port_capture_free(c);
	env_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_is_the_frame_as_received_out_is_as_the_port_sends_it),
		cmocka_unit_test(each_capture_of_a_port_gets_every_frame_cut_at_its_snaplen),
		cmocka_unit_test(a_full_capture_drops_and_forwarding_goes_on),
		cmocka_unit_test(captures_and_mirrors_are_counted_as_observers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
