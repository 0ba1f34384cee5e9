/* SPDX-License-Identifier: MIT */
/* What the switch tests share: a small frame to forward. */
#ifndef UVNET_TESTS_SWITCH_FRAME_FIXTURE_H
#define UVNET_TESTS_SWITCH_FRAME_FIXTURE_H

#include <stdint.h>
#include <string.h>

#include "net/frame.h"

/* A 60-byte IPv4-typed frame 02::dst <- 02::src in buf, 802.1Q-tagged
 * with vlan unless it is 0; *f (over *iov) describes it. */
static inline void test_frame(struct frame *f, struct iovec *iov, uint8_t *buf, uint8_t dst,
			      uint8_t src, uint16_t vlan)
{
	memset(buf, 0, 60);
	buf[0] = 0x02, buf[5] = dst;
	buf[6] = 0x02, buf[11] = src;
	if (vlan) {
		buf[12] = 0x81;
		buf[14] = (uint8_t)(vlan >> 8);
		buf[15] = (uint8_t)vlan;
		buf[16] = 0x08;
	} else {
		buf[12] = 0x08;
	}
	*iov = (struct iovec){ buf, 60 };
	*f = (struct frame){ .iov = iov, .niov = 1, .len = 60 };
	memcpy(f->eth, buf, ETH_HLEN_TAGGED);
}

#endif
