/* SPDX-License-Identifier: MIT */
/*
 * Port security that locks on the first MAC (port_sec_learning(),
 * switch/port_sec_learn.c): group and zero sources are never latched,
 * the first unicast one is and every other is dropped afterwards, the
 * latched MAC may send no IPv4 until the lock comes (DHCP with no address
 * after it), two threads
 * racing two MACs latch exactly one, and the bridge binds each port's
 * configuration to its own latch, cleared for a new port.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "switch/bridge.h"
#include "switch/decide.h"
#include "switch/port_sec.h"

static const uint8_t guest[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
static const uint8_t forged[6] = { 0x52, 0x54, 0, 0x66, 0x66, 0x66 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
static const uint8_t zero[6] = { 0 };

struct pkt {
	uint8_t b[300];
	size_t len;
	struct iovec iov;
	struct frame f;
};

/* An Ethernet frame from src of EtherType type with `len` bytes of body
 * (IPv4 UDP sport->dport from 0.0.0.0, or from 10.0.0.9 when !dhcp). */
static struct frame *mk(struct pkt *p, const uint8_t *src, uint16_t type, bool dhcp)
{
	memset(p, 0, sizeof(*p));
	memset(p->b, 0xff, 6);
	memcpy(p->b + 6, src, 6);
	p->b[12] = (uint8_t)(type >> 8), p->b[13] = (uint8_t)type;
	p->len = 60;
	if (type == 0x0800) {
		uint8_t *h = p->b + 14;

		h[0] = 0x45, h[2] = 1, h[3] = 28 + 244 - 256, h[8] = 64, h[9] = 17;
		if (!dhcp)
			h[12] = 10, h[15] = 9;
		memset(h + 16, 0xff, 4);
		h[21] = 68, h[23] = 67;
		/* BOOTP: a DISCOVER with chaddr src */
		h[28] = 1, h[29] = 1, h[30] = 6;
		memcpy(h + 28 + 28, src, 6);
		h[28 + 236] = 0x63, h[28 + 237] = 0x82, h[28 + 238] = 0x53, h[28 + 239] = 0x63;
		h[28 + 240] = 53, h[28 + 241] = 1, h[28 + 242] = 1, h[28 + 243] = 255;
		p->len = 14 + 28 + 244;
	}
	p->iov = (struct iovec){ p->b, p->len };
	p->f = (struct frame){ .iov = &p->iov, .niov = 1, .len = (uint32_t)p->len, .l2_len = 14 };
	memcpy(p->f.eth, p->b, ETH_HLEN_TAGGED);
	return &p->f;
}

static uint64_t latch;
static struct port_sec ps;

static int reset(void **state)
{
	(void)state;
	latch = 0;
	port_sec_learning(&ps, &latch);
	return 0;
}

static void group_and_zero_sources_are_never_latched(void **state)
{
	struct pkt p;
	(void)state;
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, bcast, 0x0800, true)), PORT_SEC_ETH_SRC);
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, mcast, 0x86dd, false)), PORT_SEC_ETH_SRC);
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, zero, 0x0800, true)), PORT_SEC_ETH_SRC);
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, zero, 0x0806, false)), PORT_SEC_ETH_SRC);
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, zero, 0x88b5, false)), PORT_SEC_ETH_SRC);
	assert_int_equal(latch, 0);
}

static void the_first_unicast_source_is_latched_and_no_other(void **state)
{
	struct pkt p;
	uint8_t m[6];
	(void)state;
	assert_false(port_sec_latched_mac(latch, m));
	/* a DHCP DISCOVER latches, and waits */
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, guest, 0x0800, true)), PORT_SEC_LEARNING);
	assert_true(port_sec_latched_mac(latch, m));
	assert_memory_equal(m, guest, 6);
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, guest, 0x88b5, false)), PORT_SEC_PASS);
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, forged, 0x88b5, false)), PORT_SEC_ETH_SRC);
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, forged, 0x0800, true)), PORT_SEC_ETH_SRC);
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, zero, 0x88b5, false)), PORT_SEC_ETH_SRC);
	assert_true(port_sec_latched_mac(latch, m));
	assert_memory_equal(m, guest, 6);
}

/* Not even DHCP: an offer now would be for another address than the
 * one the lock reserves. */
static void latched_but_not_locked_sends_no_ipv4(void **state)
{
	struct pkt p;
	(void)state;
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, guest, 0x0800, true)), PORT_SEC_LEARNING);
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, guest, 0x0800, true)), PORT_SEC_LEARNING);
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, guest, 0x0800, false)), PORT_SEC_LEARNING);
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, guest, 0x88b5, false)), PORT_SEC_PASS);
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, forged, 0x0800, true)), PORT_SEC_ETH_SRC);
}

/* A non-IP frame first latches too (an LLDP or a gratuitous frame). */
static void any_ethertype_can_latch(void **state)
{
	struct pkt p;
	uint8_t m[6];
	(void)state;
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, forged, 0x88b5, false)), PORT_SEC_PASS);
	assert_true(port_sec_latched_mac(latch, m));
	assert_memory_equal(m, forged, 6);
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, guest, 0x0800, true)), PORT_SEC_ETH_SRC);
	assert_int_equal(port_sec_check_learn(&ps, mk(&p, guest, 0x0806, false)), PORT_SEC_ETH_SRC);
}

#define RACE_FRAMES 20000

struct racer {
	const uint8_t *mac;
	unsigned passed;
	pthread_barrier_t *go;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct pkt p;

	mk(&p, r->mac, 0x88b5, false);
	pthread_barrier_wait(r->go);
	for (unsigned i = 0; i < RACE_FRAMES; i++)
		r->passed += port_sec_check_learn(&ps, &p.f) == PORT_SEC_PASS;
	return NULL;
}

/* Two queues of one port, two MACs, at once: exactly one latched, and
 * every frame of the other dropped. */
static void two_queues_racing_two_macs_latch_exactly_one(void **state)
{
	for (int round = 0; round < 50; round++) {
		pthread_barrier_t go;
		struct racer r[2] = { { guest, 0, &go }, { forged, 0, &go } };
		pthread_t t[2];
		uint8_t m[6];

		reset(state);
		pthread_barrier_init(&go, NULL, 2);
		for (int i = 0; i < 2; i++)
			assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&go);
		assert_true(port_sec_latched_mac(latch, m));
		int w = !memcmp(m, guest, 6) ? 0 : 1;

		assert_memory_equal(m, r[w].mac, 6);
		assert_int_equal(r[w].passed, RACE_FRAMES);
		assert_int_equal(r[!w].passed, 0);
	}
}

static void the_lock_with_no_address_keeps_dhcp(void **state)
{
	struct port_sec lock;
	struct pkt p;
	(void)state;
	port_sec_mac_only_ip(&lock, guest);
	assert_null(lock.latch);
	assert_int_equal(port_sec_check(&lock, mk(&p, guest, 0x0800, true)), PORT_SEC_PASS);
	assert_int_equal(port_sec_check(&lock, mk(&p, guest, 0x0800, false)), PORT_SEC_IPV4_SRC);
	assert_int_equal(port_sec_check(&lock, mk(&p, forged, 0x0800, true)), PORT_SEC_ETH_SRC);
}

/* The bridge gives each learning port its own latch, zero when it is
 * added, and decide_security() judges its frames by it. */
static void the_bridge_binds_a_latch_per_port(void **state)
{
	struct bridge *br = bridge_new("br0");
	struct port a = { 0 }, b = { 0 };
	struct bridge_port_cfg cfg, *old;
	struct pkt p;
	(void)state;
	assert_non_null(br);
	bridge_port_cfg_init(&cfg);
	cfg.secure = cfg.learn = true;
	port_sec_learning(&cfg.sec, NULL);
	assert_int_equal(bridge_add_port(br, &a, &cfg), 0);
	assert_int_equal(bridge_add_port(br, &b, &cfg), 0);
	assert_ptr_not_equal(bridge_port_cfg(br, &a)->sec.latch, bridge_port_cfg(br, &b)->sec.latch);
	/* the switch's decision goes through the learning check */
	assert_int_equal(decide_security(bridge_port_cfg(br, &a), mk(&p, guest, 0x88b5, false)),
			 PORT_SEC_PASS);
	assert_int_equal(bridge_port_latch(br, &a), (PORT_SEC_LATCHED | 0x525400123456ull));
	assert_int_equal(bridge_port_latch(br, &b), 0);
	/* a new configuration of the same port keeps the latch */
	assert_int_equal(bridge_set_port_cfg(br, &a, &cfg, &old), 0);
	free(old);
	assert_int_equal(bridge_port_latch(br, &a), (PORT_SEC_LATCHED | 0x525400123456ull));
	/* a port added in its slot again starts learning afresh */
	bridge_remove_port(br, &a);
	bridge_forget_port(br, &a);
	assert_int_equal(bridge_add_port(br, &a, &cfg), 0);
	assert_int_equal(bridge_port_latch(br, &a), 0);
	/* not learning: no latch */
	cfg.learn = false;
	assert_int_equal(bridge_set_port_cfg(br, &b, &cfg, &old), 0);
	free(old);
	assert_null(bridge_port_cfg(br, &b)->sec.latch);
	bridge_free(br);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(group_and_zero_sources_are_never_latched, reset),
		cmocka_unit_test_setup(the_first_unicast_source_is_latched_and_no_other, reset),
		cmocka_unit_test_setup(latched_but_not_locked_sends_no_ipv4, reset),
		cmocka_unit_test_setup(any_ethertype_can_latch, reset),
		cmocka_unit_test_setup(two_queues_racing_two_macs_latch_exactly_one, reset),
		cmocka_unit_test_setup(the_lock_with_no_address_keeps_dhcp, reset),
		cmocka_unit_test_setup(the_bridge_binds_a_latch_per_port, reset),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
