/* SPDX-License-Identifier: MIT */
/*
 * The switch's decisions about one frame, as pure functions of the
 * configuration and the frame: VLAN admission on the way in, port
 * security, where the destination was learned, and whether (and how
 * tagged) the frame may leave by a port.  bridge_forward() (the fast path)
 * and trace.c (`uvnetctl trace`) both call these and nothing else, so a
 * trace says what the data path does.  Inline: they run for every frame.
 */
#ifndef UVNET_SWITCH_DECIDE_H
#define UVNET_SWITCH_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "net/frame.h"
#include "switch/bridge.h"
#include "switch/fdb.h"
#include "switch/port_sec.h"
#include "switch/port_vlan.h"

/* Why a frame does not leave by a port. */
enum decide_egress {
	DECIDE_EGRESS_OK,
	DECIDE_EGRESS_VLAN,      /* the port does not carry the frame's VLAN */
	DECIDE_EGRESS_MTU,       /* longer than the port's MTU (and not GSO) */
};

/*
 * A frame in from port slot `in` with configuration c: its VLAN and
 * header length (f->vlan, f->l2_len, f->in_port set), or false when the
 * port does not admit it (a tag it may not send, too short).
 */
static inline bool decide_ingress(const struct bridge_port_cfg *c, struct frame *f, unsigned in)
{
	uint16_t l2_len;

	if (!port_vlan_ingress(&c->vlan, f->eth, f->len, &f->vlan, &l2_len) || f->len < l2_len)
		return false;
	f->l2_len = (uint8_t)l2_len;
	f->in_port = in;
	return true;
}

/* Port security on an admitted frame: PORT_SEC_PASS or the reason. */
static inline enum port_sec_reason decide_security(const struct bridge_port_cfg *c,
						   const struct frame *f)
{
	if (__builtin_expect(c->secure, 0)) {
		if (__builtin_expect(c->learn, 0)) /* bound to a latch (bridge.c) */
			return port_sec_check_learn(&c->sec, f);
		return port_sec_check(&c->sec, f);
	}
	return PORT_SEC_PASS;
}

/* The port slot the destination was learned on, or -1: flood (unknown,
 * or a broadcast/multicast address). */
static inline int decide_dst(struct fdb *fdb, const struct frame *f, uint64_t now_ms)
{
	if (frame_dst_is_multicast(f))
		return -1;
	return fdb_lookup(fdb, frame_dst(f), f->vlan, now_ms);
}

/* May f leave by a port with configuration c and MTU mtu (0: none)?
 * If so, *tagged says whether it carries an 802.1Q tag of f->vlan. */
static inline enum decide_egress decide_egress(const struct bridge_port_cfg *c, unsigned mtu,
					       const struct frame *f, bool *tagged)
{
	if (!port_vlan_egress(&c->vlan, f->vlan, tagged))
		return DECIDE_EGRESS_VLAN;
	if (mtu && f->vnet.gso_type == VIRTIO_NET_HDR_GSO_NONE && f->len - f->l2_len > mtu)
		return DECIDE_EGRESS_MTU;
	return DECIDE_EGRESS_OK;
}

/*
 * A mirrored frame leaving by a mirror's output port (configuration c,
 * MTU mtu): tagged as the port's VLAN mode sends a frame of f->vlan, and
 * sent even if the port does not carry that VLAN (then untagged from an
 * access port, else tagged unless it is VLAN 0).  True if it is too
 * long for the port's MTU (and not GSO).
 */
static inline bool decide_mirror_egress(const struct bridge_port_cfg *c, unsigned mtu,
					const struct frame *f, bool *tagged)
{
	if (!port_vlan_egress(&c->vlan, f->vlan, tagged))
		*tagged = c->vlan.mode != PORT_VLAN_ACCESS && f->vlan != 0;
	return mtu && f->vnet.gso_type == VIRTIO_NET_HDR_GSO_NONE && f->len - f->l2_len > mtu;
}

#endif
