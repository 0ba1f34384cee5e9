/* SPDX-License-Identifier: MIT */
/*
 * Mirrors: add-mirror's words through the strict parser (every refusal
 * names the bad word) and back; and through the bridge: frames selected
 * by ingress, by egress, by VLAN reach the output once however often they
 * are selected, tagged as the output's VLAN mode sends them, and the
 * output takes no part in switching (its frames dropped, not learned,
 * nothing flooded or forwarded to it).
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

/* ---- the spec ---- */

static int parse(struct mirror_spec *m, struct error *e, const char *w0, ...)
{
	const char *w[16];
	unsigned n = 0;
	va_list ap;

	va_start(ap, w0);
	for (const char *x = w0; x && n < 16; x = va_arg(ap, const char *))
		w[n++] = x;
	va_end(ap);
	return mirror_spec_parse(m, w, n, e);
}

#define REFUSED(want, ...)                                                  \
	do {                                                               \
		struct mirror_spec m_;                                     \
		struct error e_ = { 0 };                                   \
		assert_int_not_equal(parse(&m_, &e_, __VA_ARGS__, NULL), 0); \
		assert_string_equal(e_.msg, want);                         \
	} while (0)

static void the_parser_refuses_by_name(void **state)
{
	(void)state;
	REFUSED("output: missing (output=PORT: where the mirrored frames go)", "m0", "select-src=a");
	REFUSED("select-src, select-dst: give at least one (which ports to mirror)", "m0", "output=o");
	REFUSED("colour: unknown mirror option (select-src=, select-dst=, select-vlan=, output=)",
		"m0", "colour=blue", "output=o");
	REFUSED("select-src: given twice", "m0", "select-src=a", "select-src=b", "output=o");
	REFUSED("select-src: port a named twice", "m0", "select-src=a,b,a", "output=o");
	REFUSED("select-dst: '' is not a port name (1-31 of A-Z a-z 0-9 - _ .)", "m0", "select-dst=a,,b",
		"output=o");
	REFUSED("select-dst: 'a b' is not a port name (1-31 of A-Z a-z 0-9 - _ .)", "m0", "select-dst=a b",
		"output=o");
	REFUSED("output: o is also selected (a port cannot mirror to itself)", "m0", "select-dst=o",
		"output=o");
	REFUSED("select-vlan: VLAN list item \"4096\": VLAN id above 4095", "m0", "select-src=a",
		"select-vlan=10,4096", "output=o");
	REFUSED("mirror: 'm/0' is not a valid name (1-31 of A-Z a-z 0-9 - _ .)", "m/0", "select-src=a",
		"output=o");
	REFUSED("select: x: unknown mirror option (select-src=, select-dst=, select-vlan=, output=)",
		"m0", "select: x", "output=o");
}

static void words_make_the_same_mirror_again(void **state)
{
	struct mirror_spec m, again;
	struct error e;
	char *w[4];
	const char *words[5];
	int n;

	(void)state;
	assert_int_equal(parse(&m, &e, "m0", "output=o", "select-vlan=20-22,10", "select-dst=c",
			       "select-src=a,b", NULL), 0);
	assert_int_equal(m.nsrc, 2);
	assert_string_equal(m.src[1], "b");
	assert_true(m.some_vlans);
	assert_true(port_vlan_map_has(m.vlans, 21));
	assert_false(port_vlan_map_has(m.vlans, 11));
	n = mirror_spec_words(&m, w);
	assert_int_equal(n, 4);
	assert_string_equal(w[0], "select-src=a,b");
	assert_string_equal(w[1], "select-dst=c");
	assert_string_equal(w[2], "select-vlan=10,20-22");
	assert_string_equal(w[3], "output=o");
	words[0] = "m0";
	for (int i = 0; i < n; i++)
		words[i + 1] = w[i];
	assert_int_equal(mirror_spec_parse(&again, words, (unsigned)n + 1, &e), 0);
	assert_memory_equal(&m, &again, sizeof(m));
	for (int i = 0; i < n; i++)
		free(w[i]);
	/* a deleted port leaves the lists; the mirror still names the others */
	assert_true(mirror_spec_uses(&m, "b"));
	mirror_spec_unselect(&m, "a");
	mirror_spec_unselect(&m, "c");
	assert_false(mirror_spec_uses(&m, "a"));
	assert_int_equal(m.nsrc, 1);
	assert_string_equal(m.src[0], "b");
	assert_int_equal(m.ndst, 0);
	assert_true(mirror_spec_uses(&m, "o"));
}

/* ---- through the bridge ---- */

struct rec_port {
	struct port base;
	unsigned n;
	const struct frame *got[64];
	bool tagged[64];
};

static unsigned rec_tx(struct port *p, unsigned worker, struct frame *const *f,
		       const bool *tagged, unsigned n)
{
	struct rec_port *r = (struct rec_port *)p;

	(void)worker;
	for (unsigned i = 0; i < n && r->n < 64; i++) {
		r->tagged[r->n] = tagged[i];
		r->got[r->n++] = f[i];
	}
	return n;
}

static const struct port_ops rec_ops = { .kind = "rec", .tx_burst = rec_tx };

#define NPORTS 4

struct env {
	struct bridge *br;
	struct rec_port port[NPORTS];
	struct fwd_scratch *s;
	struct mirror_table *t;
};

/* Four ports carrying every VLAN; the mirror table starts empty. */
static void env_init(struct env *e)
{
	struct bridge_port_cfg all;

	bridge_port_cfg_init(&all);
	memset(e, 0, sizeof(*e));
	e->br = bridge_new("br");
	e->s = calloc(1, sizeof(*e->s));
	e->t = calloc(1, sizeof(*e->t));
	for (unsigned i = 0; i < NPORTS; i++) {
		e->port[i].base.ops = &rec_ops;
		assert_int_equal(bridge_add_port(e->br, &e->port[i].base, &all), 0);
	}
}

static void env_fini(struct env *e)
{
	bridge_free(e->br); /* and the published table */
	free(e->s);
}

/* Rule: ingress of `src` ports, egress of `dst` ports (bitmasks of slots), to out. */
static void rule(struct env *e, unsigned src, unsigned dst, int vlan, unsigned out)
{
	struct mirror_rule *r = &e->t->rule[e->t->n++];

	r->src[0] = src;
	r->dst[0] = dst;
	if (vlan >= 0) {
		r->some_vlans = true;
		r->vlans[vlan / 64] |= 1ull << (vlan % 64);
	}
	r->out = (uint16_t)out;
	mirror_set_bit(e->t->outputs, out);
}

static void publish(struct env *e)
{
	struct mirror_table *copy = malloc(sizeof(*copy));

	*copy = *e->t;
	free(bridge_set_mirrors(e->br, copy));
}

static void forward(struct env *e, unsigned in, struct frame *f, unsigned n)
{
	for (unsigned i = 0; i < NPORTS; i++)
		e->port[i].n = 0;
	bridge_forward(e->s, &e->port[in].base, f, n, 0);
}

static int where(struct env *e, uint8_t mac)
{
	uint8_t m[6] = { 0x02, 0, 0, 0, 0, mac };

	return fdb_lookup(e->br->fdb, m, 0, 0);
}

static void ingress_selection_and_the_output_out_of_switching(void **state)
{
	struct env e;
	struct frame f[2];
	struct iovec iov[2];
	uint8_t buf[2][60];

	(void)state;
	env_init(&e);
	rule(&e, 1u << 0, 0, -1, 3);
	publish(&e);
	/* from 0, flooded: 1 and 2 get it, and 3 as the mirror */
	test_frame(&f[0], &iov[0], buf[0], 0xff, 0xa, 0);
	forward(&e, 0, f, 1);
	assert_int_equal(e.port[1].n, 1);
	assert_int_equal(e.port[2].n, 1);
	assert_int_equal(e.port[3].n, 1);
	assert_ptr_equal(e.port[3].got[0], &f[0]);
	/* from 1, not selected: flooded to 0 and 2, not to the output */
	test_frame(&f[0], &iov[0], buf[0], 0xff, 0xb, 0);
	forward(&e, 1, f, 1);
	assert_int_equal(e.port[0].n, 1);
	assert_int_equal(e.port[2].n, 1);
	assert_int_equal(e.port[3].n, 0);
	/* from the output: dropped, counted, not learned */
	test_frame(&f[0], &iov[0], buf[0], 0xa, 0xc, 0);
	test_frame(&f[1], &iov[1], buf[1], 0xff, 0xc, 0);
	forward(&e, 3, f, 2);
	assert_int_equal(e.port[0].n + e.port[1].n + e.port[2].n, 0);
	assert_int_equal(port_read(&e.port[3].base, false).dropped, 2);
	assert_int_equal(where(&e, 0xc), -1);
	/* a unicast to a MAC learned on the output before it became one goes nowhere */
	free(bridge_set_mirrors(e.br, NULL));
	test_frame(&f[0], &iov[0], buf[0], 0xff, 0xd, 0);
	forward(&e, 3, f, 1);
	assert_int_equal(where(&e, 0xd), 3);
	publish(&e);
	test_frame(&f[0], &iov[0], buf[0], 0xd, 0xb, 0);
	forward(&e, 1, f, 1);
	assert_int_equal(e.port[0].n + e.port[2].n + e.port[3].n, 0);
	free(e.t);
	env_fini(&e);
}

static void egress_selection_and_at_most_once(void **state)
{
	struct env e;
	struct frame f[3];
	struct iovec iov[3];
	uint8_t buf[3][60];

	(void)state;
	env_init(&e);
	test_frame(&f[0], &iov[0], buf[0], 0xff, 0xb, 0); /* b on 1, c on 2 */
	forward(&e, 1, f, 1);
	test_frame(&f[0], &iov[0], buf[0], 0xff, 0xc, 0);
	forward(&e, 2, f, 1);
	/* egress of 1 to 3; and a second mirror selecting 0's ingress and 1, 2's
	 * egress, to the same output */
	rule(&e, 0, 1u << 1, -1, 3);
	rule(&e, 1u << 0, 1u << 1 | 1u << 2, -1, 3);
	publish(&e);
	test_frame(&f[0], &iov[0], buf[0], 0xb, 0xa, 0); /* to 1: both mirrors, three ways */
	test_frame(&f[1], &iov[1], buf[1], 0xff, 0xa, 0); /* flooded to 1 and 2 */
	test_frame(&f[2], &iov[2], buf[2], 0xb, 0xc, 0); /* from 2 to 1: egress of 1 */
	forward(&e, 0, f, 2);
	assert_int_equal(e.port[3].n, 2);
	assert_ptr_equal(e.port[3].got[0], &f[0]);
	assert_ptr_equal(e.port[3].got[1], &f[1]);
	forward(&e, 2, &f[2], 1);
	assert_int_equal(e.port[1].n, 1);
	assert_int_equal(e.port[3].n, 1);
	/* from 1 to 2: 2's egress is selected by the second mirror only */
	test_frame(&f[0], &iov[0], buf[0], 0xc, 0xb, 0);
	forward(&e, 1, f, 1);
	assert_int_equal(e.port[3].n, 1);
	free(e.t);
	env_fini(&e);
}

static void vlan_selection_and_the_outputs_tagging(void **state)
{
	struct env e;
	struct frame f[2];
	struct iovec iov[2];
	uint8_t buf[2][60];
	struct bridge_port_cfg access, *old;

	(void)state;
	env_init(&e);
	rule(&e, 1u << 0, 0, 20, 3);
	publish(&e);
	test_frame(&f[0], &iov[0], buf[0], 0xff, 0xa, 20);
	test_frame(&f[1], &iov[1], buf[1], 0xff, 0xa, 30);
	forward(&e, 0, f, 2);
	assert_int_equal(e.port[3].n, 1);
	assert_ptr_equal(e.port[3].got[0], &f[0]);
	assert_true(e.port[3].tagged[0]); /* a port of every VLAN sends 20 tagged */
	/* an access port of another VLAN as the output: the frame leaves untagged */
	bridge_port_cfg_init(&access);
	port_vlan_set_access(&access.vlan, 5);
	assert_int_equal(bridge_set_port_cfg(e.br, &e.port[3].base, &access, &old), 0);
	free(old);
	forward(&e, 0, f, 2);
	assert_int_equal(e.port[3].n, 1);
	assert_false(e.port[3].tagged[0]);
	free(e.t);
	env_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_parser_refuses_by_name),
		cmocka_unit_test(words_make_the_same_mirror_again),
		cmocka_unit_test(ingress_selection_and_the_output_out_of_switching),
		cmocka_unit_test(egress_selection_and_at_most_once),
		cmocka_unit_test(vlan_selection_and_the_outputs_tagging),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
