/* SPDX-License-Identifier: MIT */
/*
 * Forwarding a burst through a bridge of recording ports: learning,
 * unicast to a learned port, flooding the unknown, never back out of the
 * ingress port, and the per-burst address memo never mixing up frames that
 * differ only in VLAN or in address, nor missing a host that moved; and
 * counting in the forwarding thread's own counter slot.
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

/* A port that records which frames it was given. */
struct rec_port {
	struct port base;
	unsigned n;
	const struct frame *got[64];
};

static unsigned rec_tx(struct port *p, unsigned worker, struct frame *const *f,
		       const bool *tagged, unsigned n)
{
	struct rec_port *r = (struct rec_port *)p;

	(void)worker;
	(void)tagged;
	for (unsigned i = 0; i < n && r->n < 64; i++)
		r->got[r->n++] = f[i];
	return n;
}

static const struct port_ops rec_ops = { .kind = "rec", .tx_burst = rec_tx };

struct env {
	struct bridge *br;
	struct rec_port port[3];
	struct fwd_scratch *s;
};

/* Three trunk-everything ports on one bridge. */
static void env_init(struct env *e)
{
	struct bridge_port_cfg all;

	bridge_port_cfg_init(&all);
	memset(e, 0, sizeof(*e));
	e->br = bridge_new("br");
	e->s = calloc(1, sizeof(*e->s));
	assert_non_null(e->br);
	assert_non_null(e->s);
	for (unsigned i = 0; i < 3; i++) {
		e->port[i].base.ops = &rec_ops;
		assert_int_equal(bridge_add_port(e->br, &e->port[i].base, &all), 0);
	}
}

static void env_fini(struct env *e)
{
	bridge_free(e->br);
	free(e->s);
}

static void forward(struct env *e, unsigned in, struct frame *f, unsigned n)
{
	for (unsigned i = 0; i < 3; i++)
		e->port[i].n = 0;
	bridge_forward(e->s, &e->port[in].base, f, n, 0);
}

/* Host `mac` says something (a broadcast) on port `in`: learned there. */
static void announce(struct env *e, unsigned in, uint8_t mac, uint16_t vlan)
{
	struct frame f;
	struct iovec iov;
	uint8_t buf[60];

	test_frame(&f, &iov, buf, 0xff, mac, vlan);
	forward(e, in, &f, 1);
}

static int where(struct env *e, uint8_t mac, uint16_t vlan)
{
	uint8_t m[6] = { 0x02, 0, 0, 0, 0, mac };

	return fdb_lookup(e->br->fdb, m, vlan, 0);
}

static void a_source_is_learned_in_each_vlan_it_sends_in(void **state)
{
	struct env e;
	struct frame f[4];
	struct iovec iov[4];
	uint8_t buf[4][60];

	(void)state;
	env_init(&e);
	/* one host, four frames in a burst: VLANs 2, 3, 3, 2 */
	test_frame(&f[0], &iov[0], buf[0], 0xee, 0xa, 2);
	test_frame(&f[1], &iov[1], buf[1], 0xee, 0xa, 3);
	test_frame(&f[2], &iov[2], buf[2], 0xee, 0xa, 3);
	test_frame(&f[3], &iov[3], buf[3], 0xee, 0xa, 2);
	forward(&e, 0, f, 4);
	assert_int_equal(where(&e, 0xa, 2), 0);
	assert_int_equal(where(&e, 0xa, 3), 0);
	assert_int_equal(where(&e, 0xa, 4), -1);
	/* unknown destination: every frame flooded to both other ports */
	assert_int_equal(e.port[1].n, 4);
	assert_int_equal(e.port[2].n, 4);
	env_fini(&e);
}

static void a_destination_is_looked_up_per_vlan_and_per_address(void **state)
{
	struct env e;
	struct frame f[5];
	struct iovec iov[5];
	uint8_t buf[5][60];

	(void)state;
	env_init(&e);
	/* host b learned on port 1 in VLAN 2, host c on port 2 in VLAN 2 */
	announce(&e, 1, 0xb, 2);
	announce(&e, 2, 0xc, 2);
	/* from port 0: b in VLAN 2, b in VLAN 3 (unknown there), b, c, b */
	test_frame(&f[0], &iov[0], buf[0], 0xb, 0xa, 2);
	test_frame(&f[1], &iov[1], buf[1], 0xb, 0xa, 3);
	test_frame(&f[2], &iov[2], buf[2], 0xb, 0xa, 2);
	test_frame(&f[3], &iov[3], buf[3], 0xc, 0xa, 2);
	test_frame(&f[4], &iov[4], buf[4], 0xb, 0xa, 2);
	forward(&e, 0, f, 5);
	assert_int_equal(e.port[1].n, 4); /* f0, f1 (flooded), f2, f4 */
	assert_ptr_equal(e.port[1].got[0], &f[0]);
	assert_ptr_equal(e.port[1].got[1], &f[1]);
	assert_ptr_equal(e.port[1].got[2], &f[2]);
	assert_ptr_equal(e.port[1].got[3], &f[4]);
	assert_int_equal(e.port[2].n, 2); /* f1 (flooded), f3 */
	assert_ptr_equal(e.port[2].got[0], &f[1]);
	assert_ptr_equal(e.port[2].got[1], &f[3]);
	env_fini(&e);
}

static void a_frame_never_goes_back_where_it_came_from(void **state)
{
	struct env e;
	struct frame f[2];
	struct iovec iov[2];
	uint8_t buf[2][60];

	(void)state;
	env_init(&e);
	announce(&e, 1, 0xb, 0);
	/* b is on port 1; a frame to b arriving on port 1 goes nowhere */
	test_frame(&f[0], &iov[0], buf[0], 0xb, 0xd, 0);
	test_frame(&f[1], &iov[1], buf[1], 0xb, 0xd, 0);
	forward(&e, 1, f, 2);
	assert_int_equal(e.port[0].n + e.port[1].n + e.port[2].n, 0);
	env_fini(&e);
}

static void a_host_moving_within_a_burst_is_looked_up_where_it_went(void **state)
{
	struct env e;
	struct frame f[2];
	struct iovec iov[2];
	uint8_t buf[2][60];

	(void)state;
	env_init(&e);
	announce(&e, 1, 0xb, 0);
	/* b is on port 1; then from port 0: a -> b, and b itself (it moved) */
	test_frame(&f[0], &iov[0], buf[0], 0xb, 0xa, 0);
	test_frame(&f[1], &iov[1], buf[1], 0xb, 0xb, 0);
	forward(&e, 0, f, 2);
	assert_int_equal(where(&e, 0xb, 0), 0);
	assert_int_equal(e.port[1].n, 1); /* only the frame sent before the move */
	assert_ptr_equal(e.port[1].got[0], &f[0]);
	assert_int_equal(e.port[2].n, 0);
	env_fini(&e);
}

/* Each thread counts in its own slot; a read sums them. */
static void drops_are_counted_per_worker_and_summed(void **state)
{
	struct env e;
	struct frame f[2];
	struct iovec iov[2];
	uint8_t buf[2][60];
	struct port_counters tx;

	(void)state;
	env_init(&e);
	announce(&e, 1, 0x0b, 0);
	e.port[1].base.mtu = 20; /* a 60-byte frame does not fit: dropped */
	test_frame(&f[0], &iov[0], buf[0], 0x0b, 0x0a, 0);
	test_frame(&f[1], &iov[1], buf[1], 0x0b, 0x0a, 0);
	bridge_forward(e.s, &e.port[0].base, &f[0], 1, 3);
	bridge_forward(e.s, &e.port[0].base, &f[1], 1, PORT_SLOT_CONTROL);
	assert_int_equal(e.port[1].n, 0);
	assert_int_equal(e.port[1].base.counters[3].tx.dropped, 1);
	assert_int_equal(e.port[1].base.counters[PORT_SLOT_CONTROL].tx.dropped, 1);
	tx = port_read(&e.port[1].base, true);
	assert_int_equal(tx.dropped, 2);
	assert_int_equal(tx.packets, 0);
	assert_int_equal(port_read(&e.port[1].base, false).dropped, 0);
	env_fini(&e);
}

/* Give port i of the bridge a configuration (port-security text or NULL,
 * max-macs), the way set-port does: swap, then free the old one. */
static void configure(struct env *e, unsigned i, const char *sec, unsigned max_macs)
{
	struct bridge_port_cfg c, *old = NULL;

	bridge_port_cfg_init(&c);
	c.max_macs = max_macs;
	if (sec) {
		assert_int_equal(port_sec_parse(&c.sec, sec, NULL), 0);
		c.secure = true;
	}
	assert_int_equal(bridge_set_port_cfg(e->br, &e->port[i].base, &c, &old), 0);
	free(old);
}

/* A secured port: frames from another MAC are dropped, counted under
 * eth-src in the forwarding thread's slot and as rx drops, and not
 * learned; its own MAC goes through and is the only one learned. */
static void port_security_drops_spoofed_sources_and_learns_only_its_mac(void **state)
{
	struct env e;
	struct frame f[3];
	struct iovec iov[3];
	uint8_t buf[3][60];
	struct bridge_port_counters c;

	(void)state;
	env_init(&e);
	configure(&e, 0, "02:00:00:00:00:0a", 0);
	test_frame(&f[0], &iov[0], buf[0], 0xff, 0x0a, 0);  /* its own */
	test_frame(&f[1], &iov[1], buf[1], 0xff, 0x0b, 0);  /* spoofed */
	test_frame(&f[2], &iov[2], buf[2], 0xff, 0x0c, 0);  /* spoofed */
	bridge_forward(e.s, &e.port[0].base, f, 3, 2);
	assert_int_equal(e.port[1].n, 1);
	assert_ptr_equal(e.port[1].got[0], &f[0]);
	assert_int_equal(where(&e, 0x0a, 0), 0);
	assert_int_equal(where(&e, 0x0b, 0), -1);
	assert_int_equal(where(&e, 0x0c, 0), -1);
	assert_int_equal(e.br->counters[0][2].sec_drops[PORT_SEC_ETH_SRC], 2);
	c = bridge_port_counters(e.br, &e.port[0].base);
	assert_int_equal(c.sec_drops[PORT_SEC_ETH_SRC], 2);
	assert_int_equal(port_read(&e.port[0].base, false).dropped, 2);
	/* the other ports are not secured: anything goes */
	announce(&e, 1, 0x0b, 0);
	assert_int_equal(where(&e, 0x0b, 0), 1);
	/* set-port port-security=off: the port may send as anyone again */
	configure(&e, 0, NULL, 0);
	announce(&e, 0, 0x0c, 0);
	assert_int_equal(where(&e, 0x0c, 0), 0);
	env_fini(&e);
}

/* max-macs: a port cycling source MACs gets N learned and the rest
 * refused (counted); its frames still flow; the other ports still learn. */
static void max_macs_caps_what_one_port_can_fill(void **state)
{
	struct env e;
	struct bridge_port_counters c;

	(void)state;
	env_init(&e);
	configure(&e, 0, NULL, 4);
	for (uint8_t m = 0x10; m < 0x20; m++)
		announce(&e, 0, m, 0);
	assert_int_equal(fdb_port_entries(e.br->fdb, 0), 4);
	assert_int_equal(e.port[1].n, 1); /* the last one was still flooded */
	c = bridge_port_counters(e.br, &e.port[0].base);
	assert_int_equal(c.mac_limit, 12);
	assert_int_equal(c.fdb_full, 0);
	announce(&e, 1, 0x0b, 0);
	assert_int_equal(where(&e, 0x0b, 0), 1);
	/* a known host cannot be moved onto the full port either */
	announce(&e, 0, 0x0b, 0);
	assert_int_equal(where(&e, 0x0b, 0), 1);
	assert_int_equal(bridge_port_counters(e.br, &e.port[0].base).mac_limit, 13);
	env_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_source_is_learned_in_each_vlan_it_sends_in),
		cmocka_unit_test(a_destination_is_looked_up_per_vlan_and_per_address),
		cmocka_unit_test(a_frame_never_goes_back_where_it_came_from),
		cmocka_unit_test(a_host_moving_within_a_burst_is_looked_up_where_it_went),
		cmocka_unit_test(drops_are_counted_per_worker_and_summed),
		cmocka_unit_test(port_security_drops_spoofed_sources_and_learns_only_its_mac),
		cmocka_unit_test(max_macs_caps_what_one_port_can_fill),
	};
	return cmocka_run_group_tests_name("bridge", tests, NULL, NULL);
}
