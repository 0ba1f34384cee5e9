/* SPDX-License-Identifier: MIT */
/*
 * A bridge: a set of ports, a MAC learning table, and the forwarding of a
 * burst of frames from one port to the others (VLAN admission, port
 * security, ingress policing, learn within the port's MAC limit, look up,
 * flood, VLAN tagging, MTU check, never back out the port a frame came in
 * on; the per-frame decisions are switch/decide.h's).  The ports'
 * tx_burst() moves the bytes.
 *
 * Ports are added and removed by the control thread; workers read the
 * port table without locks, so a removed port may only be destroyed after
 * every worker has finished the burst it was in (the daemon's worker sync).
 */
#ifndef UVNET_SWITCH_BRIDGE_H
#define UVNET_SWITCH_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "port/port.h"
#include "switch/fdb.h"
#include "switch/mirror.h"
#include "switch/police.h"
#include "switch/port_capture.h"
#include "switch/port_sec.h"
#include "switch/port_vlan.h"
#include "util/clock.h"

#define BRIDGE_NAME_MAX 32
#define BRIDGE_MAX_PORTS 256
#define BRIDGE_FDB_SIZE 8192
#define BRIDGE_AGING_MS 300000

_Static_assert(BRIDGE_MAX_PORTS <= FDB_COUNTED_PORTS, "every port can have max-macs");
_Static_assert(BRIDGE_MAX_PORTS == MIRROR_PORTS, "a mirror can select every port");

/*
 * What the switch does with a port's frames: its VLAN mode, how many MACs
 * it may have learned, and its port security.  Published as one object
 * that never changes: a new configuration replaces it (bridge_set_port_cfg)
 * and the old one is freed once no burst can still read it.
 */
struct bridge_port_cfg {
	struct port_vlan vlan;
	unsigned max_macs;      /* 0: no limit */
	bool secure;            /* sec applies */
	bool learn;             /* sec is learning (port_sec_learning()): the
				   bridge binds it to the port's latch word */
	struct port_sec sec;
	struct police_cfg police; /* ingress policing; rate 0: off */
};

/* The switch's counters of one port, a slot per writer (as struct port_slot). */
struct bridge_port_counters {
	uint64_t sec_drops[PORT_SEC_NREASONS]; /* frames port security dropped */
	uint64_t mac_limit;     /* sources not learned: the port had max-macs of them */
	uint64_t fdb_full;      /* sources not learned: the bridge's table was full */
	uint64_t policing;      /* frames ingress policing dropped */
} __attribute__((aligned(64)));

struct bridge {
	char name[BRIDGE_NAME_MAX];
	struct fdb *fdb;
	struct port *ports[BRIDGE_MAX_PORTS];
	struct bridge_port_cfg *cfg[BRIDGE_MAX_PORTS];            /* each port's */
	struct bridge_port_counters *counters[BRIDGE_MAX_PORTS];  /* PORT_SLOTS each */
	struct police_bucket *police[BRIDGE_MAX_PORTS];          /* each port's bucket */
	uint64_t latch[BRIDGE_MAX_PORTS];   /* each port's learning latch (port_sec.h) */
	unsigned nslots;        /* one past the highest slot in use */
	/* Observers (bridge_set_capture, bridge_set_mirrors): bursts test
	 * `observed` once and take the plain path while it is 0. */
	struct port_capture_set *capture[BRIDGE_MAX_PORTS];      /* each port's; NULL: none */
	struct mirror_table *mirrors;                            /* NULL: none */
	unsigned observed;      /* capture sets and mirror tables published */
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

/* Every VLAN, no MAC limit, no port security, no policing. */
void bridge_port_cfg_init(struct bridge_port_cfg *c);

/* 0, -ENOSPC when the bridge is full, -ENOMEM.  cfg is copied. */
int bridge_add_port(struct bridge *br, struct port *p, const struct bridge_port_cfg *cfg);
/* Take p out of the forwarding table: no new burst comes from it or goes
 * to it.  Once no burst is left in flight (worker sync), forget the MACs
 * learned on it, its configuration and counters with bridge_forget_port(). */
void bridge_remove_port(struct bridge *br, struct port *p);
void bridge_forget_port(struct bridge *br, struct port *p);

/*
 * Give port p (on br) a copy of cfg.  Bursts already in flight may still
 * use the old configuration, returned in *old: free it with free() once no
 * burst is left in flight (worker sync), and then forget the port's MACs
 * (fdb_flush_port) if its VLANs or security changed.  A new policing rate
 * or burst starts from a full bucket.  0 or -ENOMEM.
 */
int bridge_set_port_cfg(struct bridge *br, struct port *p, const struct bridge_port_cfg *cfg,
			struct bridge_port_cfg **old);

/*
 * Publish port p's captures (NULL: none) or the bridge's mirrors (NULL:
 * none).  Bursts in flight may still read the old object, returned: free
 * it once no burst is left in flight (worker sync); the bridge frees what
 * is published when it is freed (not the captures a set points to).
 */
struct port_capture_set *bridge_set_capture(struct bridge *br, struct port *p,
					    struct port_capture_set *set);
struct mirror_table *bridge_set_mirrors(struct bridge *br, struct mirror_table *t);

/* Control thread: the port's configuration, its policing bucket, and its
 * counters summed. */
const struct bridge_port_cfg *bridge_port_cfg(const struct bridge *br, const struct port *p);
const struct police_bucket *bridge_port_bucket(const struct bridge *br, const struct port *p);
struct bridge_port_counters bridge_port_counters(const struct bridge *br, const struct port *p);
/* Control thread: the port's latch word (0 until a worker latched a MAC;
 * it starts at 0 when the port is added). */
uint64_t bridge_port_latch(const struct bridge *br, const struct port *p);

/* Forward n frames received on port `in`, from worker `worker` (or
 * PORT_SLOT_CONTROL from the control thread). */
void bridge_forward(struct fwd_scratch *s, struct port *in, struct frame *f, unsigned n,
		    unsigned worker);

/* The clock bridge_forward() stamps FDB entries with: whoever ages the
 * FDB or looks it up (fdb-show, trace, OVN) reads this one. */
static inline uint64_t bridge_now_ms(void)
{
	return clock_coarse_ms();
}

#endif
