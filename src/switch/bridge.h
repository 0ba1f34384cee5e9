/* SPDX-License-Identifier: MIT */
/*
 * A bridge: a set of ports, a MAC learning table, and the forwarding of a
 * burst of frames from one port to the others (learn, look up, flood,
 * VLAN admission and tagging, MTU check, never back out the port a frame
 * came in on).  The ports' tx_burst() moves the bytes.
 *
 * Ports are added and removed by the control thread; workers read the
 * port table without locks, so a removed port may only be destroyed after
 * every worker has finished the burst it was in (the daemon's worker sync).
 */
#ifndef UVNET_SWITCH_BRIDGE_H
#define UVNET_SWITCH_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "switch/fdb.h"
#include "port/port.h"
#include "switch/port_vlan.h"

#define BRIDGE_NAME_MAX 32
#define BRIDGE_MAX_PORTS 256
#define BRIDGE_FDB_SIZE 8192
#define BRIDGE_AGING_MS 300000

struct bridge {
	char name[BRIDGE_NAME_MAX];
	struct fdb *fdb;
	struct port *ports[BRIDGE_MAX_PORTS];
	struct port_vlan vlan[BRIDGE_MAX_PORTS];  /* each port's VLAN mode */
	unsigned nslots;        /* one past the highest slot in use */
};

/* Per-worker scratch: the burst sorted by destination port. */
struct fwd_scratch {
	uint16_t count[BRIDGE_MAX_PORTS];
	uint16_t touched[BRIDGE_MAX_PORTS];
	unsigned ntouched;
	unsigned worker;        /* of the burst being forwarded: a counter slot */
	struct frame *f[BRIDGE_MAX_PORTS][FRAME_BURST];
	bool tagged[BRIDGE_MAX_PORTS][FRAME_BURST];
};

struct bridge *bridge_new(const char *name);
void bridge_free(struct bridge *br);

/* 0, or -ENOSPC when the bridge is full. */
int bridge_add_port(struct bridge *br, struct port *p, const struct port_vlan *vlan);
/* Take p out of the forwarding table: no new burst comes from it or goes
 * to it.  Once no burst is left in flight (worker sync), forget the MACs
 * learned on it with bridge_forget_port(). */
void bridge_remove_port(struct bridge *br, struct port *p);
void bridge_forget_port(struct bridge *br, struct port *p);
/* Put p, taken out with bridge_remove_port() and no longer in any burst
 * (worker sync), back into its slot with VLAN configuration vlan. */
void bridge_restore_port(struct bridge *br, struct port *p, const struct port_vlan *vlan);

/* Forward n frames received on port `in`, from worker `worker` (or
 * PORT_SLOT_CONTROL from the control thread). */
void bridge_forward(struct fwd_scratch *s, struct port *in, struct frame *f, unsigned n,
		    unsigned worker);

#endif
