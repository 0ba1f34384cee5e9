/* SPDX-License-Identifier: MIT */
/*
 * Per-port 802.1Q VLAN configuration, and the per-frame decisions made
 * with it: which VLAN a frame arriving on a port belongs to (or whether it
 * is dropped), and whether a frame of a VLAN may leave by a port, tagged
 * or not.  Only TPID 0x8100 is a tag; a frame with any other ethertype,
 * 0x88a8 included, is untagged.  A tag with VLAN id 0 (a priority tag)
 * classifies like no tag; one followed by another tag (0x8100, 0x88a8,
 * 0x9100) is dropped on every port, since that inner tag would leave an
 * untagged egress as the frame's own VLAN (VLAN hopping).  A frame leaves
 * exactly as it was classified.  VLAN ids run 0..4095, as in OVS.
 *
 * Modes, after OVS's vlan_mode:
 *  - PORT_VLAN_ALL (a port with no VLAN config, the zero value): carries
 *    every VLAN; a tagged frame keeps its VLAN, an untagged one is VLAN 0;
 *    frames leave tagged except VLAN 0.
 *  - PORT_VLAN_ACCESS (tag=N): untagged frames in are VLAN N, tagged ones
 *    are dropped; only VLAN N leaves, untagged.
 *  - PORT_VLAN_TRUNK (trunks=list, optional native VLAN): tagged frames of a
 *    listed VLAN or of the native one are accepted; untagged ones are the
 *    native VLAN if set, else VLAN 0 if 0 is listed, else dropped.  Frames
 *    leave tagged, except the native VLAN and VLAN 0, which leave untagged.
 */
#ifndef UVNET_SWITCH_PORT_VLAN_H
#define UVNET_SWITCH_PORT_VLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define VLAN_ID_MAX 4095
#define VLAN_TPID 0x8100
#define VLAN_UNTAGGED_HLEN 14 /* an Ethernet header without a tag */
#define VLAN_TAG_LEN 4

/*
 * Room for any port_vlan_format() output.  A trunk list spends at most 10
 * characters ("4000-4001,") per 3 VLAN ids (a range and the gap after it),
 * so under 13700 for the list.
 */
#define PORT_VLAN_FORMAT_MAX 16384

enum port_vlan_mode {
	PORT_VLAN_ALL = 0,
	PORT_VLAN_ACCESS,
	PORT_VLAN_TRUNK,
};

struct port_vlan {
	enum port_vlan_mode mode;
	uint16_t tag;                              /* access: the port's VLAN */
	bool has_native;                           /* trunk: native VLAN set */
	uint16_t native;                           /* trunk: untagged frames' VLAN */
	uint64_t trunks[(VLAN_ID_MAX + 1) / 64];   /* trunk: bitmap of VLANs */
};

/* No VLAN config: every VLAN passes. */
void port_vlan_init(struct port_vlan *pv);

/* Access port of VLAN `tag`; -EINVAL if tag > VLAN_ID_MAX. */
int port_vlan_set_access(struct port_vlan *pv, uint16_t tag);

/*
 * Trunk port of the VLANs in `list`: decimal ids and ranges separated by
 * commas, e.g. "10,20,30-40".  The native VLAN is kept.  On a bad list
 * (an empty item, the empty list included; junk; an id above 4095; a
 * reversed range) returns -EINVAL, leaves *pv alone, and e names the bad
 * item ("VLAN list item \"20-10\": reversed range").
 */
int port_vlan_parse_trunks(struct port_vlan *pv, const char *list, struct error *e);

/* Native VLAN, used in trunk mode; -EINVAL if vlan > VLAN_ID_MAX. */
int port_vlan_set_native(struct port_vlan *pv, uint16_t vlan);

/* Is `vlan` in the bitmap (a port's trunks)? */
static inline bool port_vlan_map_has(const uint64_t *map, unsigned vlan)
{
	return map[vlan / 64] >> (vlan % 64) & 1;
}

/* VLAN of a frame whose tag says `vid` (0: no tag, or a priority tag), or -1. */
static inline int port_vlan_classify(const struct port_vlan *pv, unsigned vid)
{
	switch (pv->mode) {
	case PORT_VLAN_ACCESS:
		return vid ? -1 : pv->tag;
	case PORT_VLAN_TRUNK:
		if (vid)
			return port_vlan_map_has(pv->trunks, vid) ||
			       (pv->has_native && vid == pv->native) ? (int)vid : -1;
		if (pv->has_native)
			return pv->native;
		return port_vlan_map_has(pv->trunks, 0) ? 0 : -1;
	case PORT_VLAN_ALL:
		break;
	}
	return (int)vid;
}

/* An EtherType that starts another tag: 802.1Q, 802.1ad, the old QinQ 0x9100. */
static inline bool port_vlan_is_tpid(uint16_t type)
{
	return type == VLAN_TPID || type == 0x88a8 || type == 0x9100;
}

/*
 * Classify a frame arriving on the port.  `eth` holds the frame's first
 * min(len, 18) bytes at least, `len` is the frame's length.  Returns false
 * to drop it (too short, or not allowed on this port); else sets *vlan and
 * *l2_len, the length of the frame's Ethernet header including its 802.1Q
 * tag if it has one (14 or 18): the payload starts at eth + *l2_len.
 * Inline, as port_vlan_egress(): both run for every frame the switch forwards.
 */
static inline bool port_vlan_ingress(const struct port_vlan *pv, const uint8_t *eth,
				     size_t len, uint16_t *vlan, uint16_t *l2_len)
{
	uint16_t hlen = VLAN_UNTAGGED_HLEN;
	unsigned vid = 0;
	int v;

	if (len < VLAN_UNTAGGED_HLEN)
		return false;
	if ((eth[12] << 8 | eth[13]) == VLAN_TPID) {
		if (len < VLAN_UNTAGGED_HLEN + VLAN_TAG_LEN)
			return false;
		vid = (eth[14] << 8 | eth[15]) & VLAN_ID_MAX;
		hlen += VLAN_TAG_LEN;
		/* a priority tag classifies as untagged: the tag behind it
		 * would surface as the frame's own on an untagged egress */
		if (!vid && port_vlan_is_tpid((uint16_t)(eth[16] << 8 | eth[17])))
			return false;
	}
	v = port_vlan_classify(pv, vid);
	if (v < 0)
		return false;
	*vlan = (uint16_t)v;
	*l2_len = hlen;
	return true;
}

/*
 * May a frame of `vlan` leave by this port?  If so, *tagged says whether it
 * leaves with an 802.1Q tag carrying `vlan`.
 */
static inline bool port_vlan_egress(const struct port_vlan *pv, uint16_t vlan, bool *tagged)
{
	bool native;

	if (vlan > VLAN_ID_MAX)
		return false;
	switch (pv->mode) {
	case PORT_VLAN_ACCESS:
		*tagged = false;
		return vlan == pv->tag;
	case PORT_VLAN_TRUNK:
		native = pv->has_native && vlan == pv->native;
		*tagged = vlan != 0 && !native;
		return native || port_vlan_map_has(pv->trunks, vlan);
	case PORT_VLAN_ALL:
		break;
	}
	*tagged = vlan != 0;
	return true;
}

/*
 * Text for show output: "all", "access tag=10", "trunk 10,20,30-40" or
 * "trunk 10,20 native=5".  The list after "trunk " parses back with
 * port_vlan_parse_trunks().  0 or -ENOSPC if buf was too small (then
 * truncated, still NUL-terminated).
 */
int port_vlan_format(const struct port_vlan *pv, char *buf, size_t size);

#endif
