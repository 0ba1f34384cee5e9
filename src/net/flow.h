/* SPDX-License-Identifier: MIT */
/*
 * Flow hash of a frame, for spreading flows over a multiqueue device's
 * receive queues the way RSS does: IP addresses and, for TCP and UDP, the
 * ports; the MAC addresses for anything else.
 */
#ifndef UVNET_NET_FLOW_H
#define UVNET_NET_FLOW_H

#include <stdint.h>

#include "net/frame.h"

/* f->l2_len must be set (the bridge's VLAN ingress sets it). */
uint32_t flow_hash(const struct frame *f);

#endif
