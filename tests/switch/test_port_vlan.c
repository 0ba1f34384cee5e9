/* SPDX-License-Identifier: MIT */
/*
 * Port VLAN config: ingress classification and egress tagging in each mode,
 * trunk list parsing (and its error messages), and show formatting.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "switch/port_vlan.h"

#define UNTAGGED -1

/* A 64-byte IPv4 frame, 802.1Q-tagged with `tci` unless UNTAGGED. */
static size_t frame(uint8_t *buf, int tci)
{
	memset(buf, 0, 64);
	memset(buf, 0xff, 6);
	buf[6] = 0x02;
	if (tci == UNTAGGED) {
		buf[12] = 0x08;
		return 64;
	}
	buf[12] = 0x81;
	buf[14] = (uint8_t)(tci >> 8);
	buf[15] = (uint8_t)tci;
	buf[16] = 0x08;
	return 64;
}

/* VLAN a frame tagged `tci` gets on `pv`, -1 if dropped; checks l2_len. */
static int ingress(const struct port_vlan *pv, int tci)
{
	uint8_t buf[64];
	size_t len = frame(buf, tci);
	uint16_t vlan = 0xffff, l2_len = 0;

	if (!port_vlan_ingress(pv, buf, len, &vlan, &l2_len))
		return -1;
	assert_int_equal(l2_len, tci == UNTAGGED ? 14 : 18);
	return vlan;
}

/* 0 untagged, 1 tagged, -1 not allowed. */
static int egress(const struct port_vlan *pv, uint16_t vlan)
{
	bool tagged;

	if (!port_vlan_egress(pv, vlan, &tagged))
		return -1;
	return tagged;
}

static void trunk(struct port_vlan *pv, const char *list)
{
	port_vlan_init(pv);
	assert_int_equal(port_vlan_parse_trunks(pv, list, NULL), 0);
}

static void unconfigured_port_carries_every_vlan(void **state)
{
	struct port_vlan pv;
	(void)state;
	port_vlan_init(&pv);
	assert_int_equal(ingress(&pv, UNTAGGED), 0);
	assert_int_equal(ingress(&pv, 10), 10);
	assert_int_equal(ingress(&pv, 4095), 4095);
	assert_int_equal(ingress(&pv, 0xe00a), 10); /* priority and DEI bits aside */
	assert_int_equal(ingress(&pv, 0x2000), 0);  /* priority tag: VLAN 0 */
	assert_int_equal(egress(&pv, 0), 0);
	assert_int_equal(egress(&pv, 10), 1);
	assert_int_equal(egress(&pv, 4095), 1);
	assert_int_equal(egress(&pv, 4096), -1);
}

static void access_port_tags_untagged_frames_and_drops_tagged_ones(void **state)
{
	struct port_vlan pv;
	(void)state;
	port_vlan_init(&pv);
	assert_int_equal(port_vlan_set_access(&pv, 10), 0);
	assert_int_equal(ingress(&pv, UNTAGGED), 10);
	assert_int_equal(ingress(&pv, 10), -1);
	assert_int_equal(ingress(&pv, 20), -1);
	assert_int_equal(ingress(&pv, 0xa000), 10); /* priority-tagged: as untagged */
	assert_int_equal(egress(&pv, 10), 0);
	assert_int_equal(egress(&pv, 0), -1);
	assert_int_equal(egress(&pv, 20), -1);
	assert_int_equal(port_vlan_set_access(&pv, 4096), -EINVAL);
	assert_int_equal(pv.tag, 10);
}

static void trunk_port_carries_only_listed_vlans_tagged(void **state)
{
	struct port_vlan pv;
	(void)state;
	trunk(&pv, "10,20,30-40");
	assert_int_equal(ingress(&pv, 10), 10);
	assert_int_equal(ingress(&pv, 30), 30);
	assert_int_equal(ingress(&pv, 40), 40);
	assert_int_equal(ingress(&pv, 41), -1);
	assert_int_equal(ingress(&pv, 29), -1);
	assert_int_equal(ingress(&pv, UNTAGGED), -1); /* no native, 0 not listed */
	assert_int_equal(ingress(&pv, 0), -1);
	assert_int_equal(egress(&pv, 20), 1);
	assert_int_equal(egress(&pv, 35), 1);
	assert_int_equal(egress(&pv, 21), -1);
	assert_int_equal(egress(&pv, 0), -1);
}

static void trunk_port_puts_untagged_frames_in_the_native_vlan(void **state)
{
	struct port_vlan pv;
	(void)state;
	trunk(&pv, "10,20");
	assert_int_equal(port_vlan_set_native(&pv, 5), 0);
	assert_int_equal(ingress(&pv, UNTAGGED), 5);
	assert_int_equal(ingress(&pv, 0x6000), 5); /* priority-tagged */
	assert_int_equal(ingress(&pv, 5), 5);      /* native, tagged: still accepted */
	assert_int_equal(ingress(&pv, 10), 10);
	assert_int_equal(egress(&pv, 5), 0);
	assert_int_equal(egress(&pv, 10), 1);
	assert_int_equal(egress(&pv, 6), -1);
	assert_int_equal(port_vlan_set_native(&pv, 4096), -EINVAL);
	assert_int_equal(pv.native, 5);
}

static void trunk_port_takes_untagged_frames_as_vlan_0_if_listed(void **state)
{
	struct port_vlan pv;
	(void)state;
	trunk(&pv, "0,10");
	assert_int_equal(ingress(&pv, UNTAGGED), 0);
	assert_int_equal(ingress(&pv, 10), 10);
	assert_int_equal(egress(&pv, 0), 0);
	assert_int_equal(egress(&pv, 10), 1);
}

static void short_frames_are_dropped(void **state)
{
	struct port_vlan pv;
	uint8_t buf[64];
	uint16_t vlan, l2_len;
	(void)state;
	port_vlan_init(&pv);
	frame(buf, UNTAGGED);
	assert_false(port_vlan_ingress(&pv, buf, 13, &vlan, &l2_len));
	assert_true(port_vlan_ingress(&pv, buf, 14, &vlan, &l2_len));
	frame(buf, 10);
	assert_false(port_vlan_ingress(&pv, buf, 14, &vlan, &l2_len));
	assert_false(port_vlan_ingress(&pv, buf, 17, &vlan, &l2_len));
	assert_true(port_vlan_ingress(&pv, buf, 18, &vlan, &l2_len));
	assert_int_equal(vlan, 10);
	assert_int_equal(l2_len, 18);
}

static void only_tpid_8100_is_a_tag(void **state)
{
	struct port_vlan pv;
	uint8_t buf[64];
	uint16_t vlan, l2_len;
	(void)state;
	port_vlan_init(&pv);
	assert_int_equal(port_vlan_set_access(&pv, 7), 0);
	frame(buf, 10);
	buf[12] = 0x88; /* 802.1ad S-tag */
	buf[13] = 0xa8;
	assert_true(port_vlan_ingress(&pv, buf, 64, &vlan, &l2_len));
	assert_int_equal(vlan, 7);
	assert_int_equal(l2_len, 14);
}

/* VLAN hopping: priority tag (VID 0), then a tag of VLAN 20.  Classified as
 * untagged, the inner tag would leave an untagged egress as the frame's own
 * VLAN; every mode drops it, and a tag of VLAN 0 before anything else
 * still classifies as untagged. */
static int double_tagged(const struct port_vlan *pv, uint16_t inner_tpid)
{
	uint8_t buf[64];
	uint16_t vlan = 0xffff, l2_len = 0;

	frame(buf, 0);        /* priority tag */
	buf[16] = (uint8_t)(inner_tpid >> 8);
	buf[17] = (uint8_t)inner_tpid;
	buf[18] = 0x00;
	buf[19] = 20;         /* inner VID 20 */
	buf[20] = 0x08;
	if (!port_vlan_ingress(pv, buf, 64, &vlan, &l2_len))
		return -1;
	return vlan;
}

static void priority_tag_followed_by_a_tag_is_dropped_in_every_mode(void **state)
{
	struct port_vlan pv;
	(void)state;
	port_vlan_init(&pv);
	assert_int_equal(double_tagged(&pv, 0x8100), -1);
	assert_int_equal(port_vlan_set_access(&pv, 10), 0);
	assert_int_equal(double_tagged(&pv, 0x8100), -1);
	assert_int_equal(double_tagged(&pv, 0x88a8), -1);
	assert_int_equal(double_tagged(&pv, 0x9100), -1);
	assert_int_equal(double_tagged(&pv, 0x0800), 10); /* plain priority tag */
	trunk(&pv, "20");
	assert_int_equal(port_vlan_set_native(&pv, 10), 0);
	assert_int_equal(double_tagged(&pv, 0x8100), -1);
	assert_int_equal(double_tagged(&pv, 0x0800), 10);
	/* a real outer tag with an inner one is QinQ, kept as classified */
	port_vlan_init(&pv);
	{
		uint8_t buf[64];
		uint16_t vlan, l2_len;

		frame(buf, 30);
		buf[16] = 0x81, buf[17] = 0x00, buf[19] = 20;
		assert_true(port_vlan_ingress(&pv, buf, 64, &vlan, &l2_len));
		assert_int_equal(vlan, 30);
		assert_int_equal(l2_len, 18);
	}
}

static void parses_trunk_lists(void **state)
{
	struct port_vlan pv;
	(void)state;
	trunk(&pv, "30-40,10,20");
	for (unsigned v = 0; v <= VLAN_ID_MAX; v++)
		assert_int_equal(egress(&pv, (uint16_t)v) >= 0,
				 v == 10 || v == 20 || (v >= 30 && v <= 40));
	trunk(&pv, "4095");
	assert_int_equal(egress(&pv, 4095), 1);
	assert_int_equal(egress(&pv, 4094), -1);
	trunk(&pv, "0-4095");
	assert_int_equal(egress(&pv, 0), 0);
	assert_int_equal(egress(&pv, 2048), 1);
	trunk(&pv, "7-7,7");
	assert_int_equal(egress(&pv, 7), 1);
	assert_int_equal(egress(&pv, 8), -1);
}

/* Parsing `list` fails, keeps the old config, and the message has `want`. */
static void rejected(const char *list, const char *want)
{
	struct port_vlan pv;
	struct error e = { 0 };

	trunk(&pv, "100");
	assert_int_equal(port_vlan_parse_trunks(&pv, list, &e), -EINVAL);
	assert_int_equal(e.code, -EINVAL);
	if (!strstr(e.msg, want))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", list, e.msg, want);
	assert_int_equal(egress(&pv, 100), 1);
	assert_int_equal(egress(&pv, 10), -1);
	assert_int_equal(port_vlan_parse_trunks(&pv, list, NULL), -EINVAL);
}

static void rejects_bad_trunk_lists_naming_the_item(void **state)
{
	(void)state;
	rejected("", "\"\": empty item");
	rejected("4096", "\"4096\": VLAN id above 4095");
	rejected("10,99999999999999999999", "\"99999999999999999999\": VLAN id above 4095");
	rejected("1-", "\"1-\": not a VLAN id");
	rejected("a", "\"a\": not a VLAN id");
	rejected("10,20x", "\"20x\": not a VLAN id or range");
	rejected("40-30", "\"40-30\": reversed range");
	rejected("10,,20", "\"\": empty item");
	rejected("10,", "\"\": empty item");
	rejected(",10", "\"\": empty item");
	rejected("-5", "\"-5\": not a VLAN id");
	rejected("1-2-3", "\"1-2-3\": not a VLAN id or range");
	rejected(" 10", "\" 10\"");
	rejected("10-4096", "\"10-4096\": VLAN id above 4095");
}

static void format_for_show(const struct port_vlan *pv, const char *want)
{
	char buf[64];

	assert_int_equal(port_vlan_format(pv, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void formats_each_mode_for_show(void **state)
{
	struct port_vlan pv;
	(void)state;
	port_vlan_init(&pv);
	format_for_show(&pv, "all");
	assert_int_equal(port_vlan_set_access(&pv, 10), 0);
	format_for_show(&pv, "access tag=10");
	trunk(&pv, "31-40,20,10,30,4095,0");
	format_for_show(&pv, "trunk 0,10,20,30-40,4095");
	assert_int_equal(port_vlan_set_native(&pv, 5), 0);
	format_for_show(&pv, "trunk 0,10,20,30-40,4095 native=5");
}

static void format_reports_truncation(void **state)
{
	struct port_vlan pv;
	char buf[9];
	(void)state;
	trunk(&pv, "10,20,30-40");
	assert_int_equal(port_vlan_format(&pv, buf, sizeof(buf)), -ENOSPC);
	assert_string_equal(buf, "trunk 10");
}

static void formatted_list_parses_back_and_fits_the_maximum(void **state)
{
	static char list[PORT_VLAN_FORMAT_MAX], out[PORT_VLAN_FORMAT_MAX];
	struct port_vlan pv, back;
	size_t n = 0;
	(void)state;
	/* pairs with a gap between: the longest kind of list */
	for (unsigned v = 1; v + 1 <= VLAN_ID_MAX; v += 3)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%u-%u",
				      n ? "," : "", v, v + 1);
	trunk(&pv, list);
	assert_int_equal(port_vlan_set_native(&pv, 4095), 0);
	assert_int_equal(port_vlan_format(&pv, out, sizeof(out)), 0);
	assert_true(strlen(out) > 12000);
	*strstr(out, " native=") = '\0';
	trunk(&back, out + strlen("trunk "));
	assert_memory_equal(back.trunks, pv.trunks, sizeof(pv.trunks));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unconfigured_port_carries_every_vlan),
		cmocka_unit_test(access_port_tags_untagged_frames_and_drops_tagged_ones),
		cmocka_unit_test(trunk_port_carries_only_listed_vlans_tagged),
		cmocka_unit_test(trunk_port_puts_untagged_frames_in_the_native_vlan),
		cmocka_unit_test(trunk_port_takes_untagged_frames_as_vlan_0_if_listed),
		cmocka_unit_test(short_frames_are_dropped),
		cmocka_unit_test(only_tpid_8100_is_a_tag),
		cmocka_unit_test(priority_tag_followed_by_a_tag_is_dropped_in_every_mode),
		cmocka_unit_test(parses_trunk_lists),
		cmocka_unit_test(rejects_bad_trunk_lists_naming_the_item),
		cmocka_unit_test(formats_each_mode_for_show),
		cmocka_unit_test(format_reports_truncation),
		cmocka_unit_test(formatted_list_parses_back_and_fits_the_maximum),
	};
	return cmocka_run_group_tests_name("port_vlan", tests, NULL, NULL);
}
