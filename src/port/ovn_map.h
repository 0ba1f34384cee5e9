/* SPDX-License-Identifier: MIT */
/*
 * What the OVN tunnel port (ovn_tunnel_port.c) knows of the logical
 * network: an immutable table built by the daemon's OVN chassis from the
 * Southbound database (daemon/ovn_dp.c) and swapped in whole.
 *
 * Each logical datapath (logical switch) with a port on this chassis has
 * an internal VLAN on the OVN bridge: its bound ports are access ports of
 * that VLAN, so the bridge keeps datapaths apart; the tunnel port carries
 * every such VLAN and translates:
 *
 *   out (bridge -> tunnel): VLAN -> datapath key (the Geneve VNI);
 *     the frame's bridge port -> logical ingress port key;
 *     destination MAC -> (remote chassis, egress key) from Port_Binding.mac;
 *     broadcast/multicast -> every chassis with ports in the datapath's
 *       _MC_flood, egress key 32768 (the sender replicates);
 *     an unknown unicast MAC -> the chassis of _MC_unknown (32769), or
 *       dropped when the datapath has no such group (no port with
 *       "unknown" addresses), as OVN does;
 *     a MAC of a local port -> dropped (the bridge delivers it).
 *   in (tunnel -> bridge): VNI -> datapath -> VLAN; the egress key must be
 *     a local port of that datapath or a multicast group (>= 32768); the
 *     sender must be a known chassis.  A received frame never goes back
 *     into the tunnel (the bridge never sends a frame out its in-port).
 *
 * Build with ovn_map_new(), the ovn_map_add_*() calls, ovn_map_finish();
 * after that the table is read-only and the lookups take no lock.
 */
#ifndef UVNET_PORT_OVN_MAP_H
#define UVNET_PORT_OVN_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OVN_MAP_MAX_PORTS 256         /* bridge slots (BRIDGE_MAX_PORTS) */
#define OVN_MAP_MAX_DESTS 64          /* chassis one frame is replicated to */
#define OVN_MAP_VLANS 4096
#define OVN_MAP_LOCAL 0xffffu         /* the chassis of a local port's MAC */
#define OVN_MAP_MC_MIN 32768          /* multicast group keys start here */
#define OVN_MAP_MC_FLOOD 32768        /* _MC_flood */
#define OVN_MAP_MC_UNKNOWN 32769      /* _MC_unknown */

/* Why a frame went nowhere. */
enum ovn_map_drop {
	OVN_MAP_OK = 0,
	OVN_MAP_NO_DATAPATH,     /* its VLAN / VNI is no datapath of ours */
	OVN_MAP_NO_INGRESS,      /* out: from a bridge port bound to nothing */
	OVN_MAP_LOCAL_DST,       /* out: the destination is a local port */
	OVN_MAP_UNKNOWN_DST,     /* out: unknown unicast, no _MC_unknown */
	OVN_MAP_NO_CHASSIS,      /* out: a group with no remote chassis */
	OVN_MAP_UNKNOWN_EGRESS,  /* in: an egress key no local port has */
	OVN_MAP_UNKNOWN_REMOTE,  /* in: a sender that is no known chassis */
	OVN_MAP_NDROP
};

const char *ovn_map_drop_name(enum ovn_map_drop d);

struct ovn_map_dp {
	uint32_t key;               /* Datapath_Binding.tunnel_key */
	uint16_t vlan;              /* its internal VLAN on the bridge */
	bool has_unknown;           /* an _MC_unknown group exists */
	uint32_t flood, nflood;     /* chassis indices in members[] */
	uint32_t unknown, nunknown;
};

struct ovn_map_mac {
	uint8_t mac[6];
	uint16_t dp;                /* index in dp[] */
	uint16_t chassis;           /* index in chassis[], or OVN_MAP_LOCAL */
	uint16_t key;               /* the logical port's tunnel key */
};

struct ovn_map_local {
	uint16_t dp;
	uint16_t key;
};

struct ovn_map_member {
	uint16_t dp;
	uint16_t group;             /* 0: _MC_flood, 1: _MC_unknown */
	uint16_t chassis;
};

struct ovn_map {
	uint32_t *chassis_ip;       /* network order, distinct */
	unsigned nchassis;
	struct ovn_map_dp *dp;      /* sorted by key once finished */
	unsigned ndp;
	struct ovn_map_mac *macs;   /* sorted by (dp, mac) */
	unsigned nmacs;
	struct ovn_map_local *locals; /* sorted by (dp, key) */
	unsigned nlocals;
	uint16_t *members;          /* the groups' chassis, per dp */
	struct ovn_map_member *mb;  /* while building */
	unsigned nmb;
	size_t cap_chassis, cap_dp, cap_macs, cap_locals, cap_mb;
	uint16_t in_key[OVN_MAP_MAX_PORTS]; /* bridge slot -> ingress key (0: none) */
	int16_t vlan_dp[OVN_MAP_VLANS];     /* VLAN -> dp index, -1 */
	bool finished;
};

/* One copy of a frame to send. */
struct ovn_map_dest {
	uint32_t ip;                /* the chassis's encap IP, network order */
	uint16_t egress;
};

struct ovn_map *ovn_map_new(void);
void ovn_map_free(struct ovn_map *m);

/* Building (each returns an index >= 0, or -ENOMEM / -EINVAL / -EEXIST). */
int ovn_map_add_chassis(struct ovn_map *m, uint32_t ip);       /* the same ip: the same index */
int ovn_map_add_dp(struct ovn_map *m, uint32_t key, uint16_t vlan); /* key and vlan distinct */
int ovn_map_add_member(struct ovn_map *m, unsigned dp, bool unknown, unsigned chassis);
int ovn_map_add_mac(struct ovn_map *m, unsigned dp, const uint8_t mac[6], unsigned chassis,
		    uint16_t key);
/* A local port: tunnel key `key` of datapath dp, bound to bridge slot `slot`. */
int ovn_map_add_local(struct ovn_map *m, unsigned dp, uint16_t key, unsigned slot);
/* Sort, index; 0 or -ENOMEM. */
int ovn_map_finish(struct ovn_map *m);

/* Same contents (two finished maps)? */
bool ovn_map_equal(const struct ovn_map *a, const struct ovn_map *b);

/* The datapath of a bridge VLAN / of a VNI, or NULL. */
const struct ovn_map_dp *ovn_map_dp_of_vlan(const struct ovn_map *m, unsigned vlan);
const struct ovn_map_dp *ovn_map_dp_of_key(const struct ovn_map *m, uint32_t key);

/*
 * Where a frame of bridge VLAN `vlan` from bridge slot `slot` to `dst`
 * goes: up to OVN_MAP_MAX_DESTS copies in d[], *ingress its logical
 * ingress port key.  Returns how many; 0 with *why when none.
 */
unsigned ovn_map_route(const struct ovn_map *m, unsigned vlan, unsigned slot,
		       const uint8_t dst[6], struct ovn_map_dest *d, uint16_t *ingress,
		       enum ovn_map_drop *why);

/*
 * A frame received from `src_ip` (network order) for datapath `key`,
 * egress key `egress`: its bridge VLAN, or -1 with *why.
 */
int ovn_map_receive(const struct ovn_map *m, uint32_t src_ip, uint32_t key, uint16_t egress,
		    enum ovn_map_drop *why);

/* OVN's VXLAN mode: VNI = egress << 12 | datapath key, 12 bits each;
 * a multicast key k (>= 32768) travels as 0x800 | (k & 0x7ff). */
uint32_t ovn_map_vxlan_vni(uint32_t dp_key, uint16_t egress);
void ovn_map_vxlan_split(uint32_t vni, uint32_t *dp_key, uint16_t *egress);

/*
 * Receive path, without sockets (the tunnel port's rx_burst(), the
 * fuzz target): check one UDP payload of len bytes from src_ip (network
 * order) in buf[0..len), which has `vxlan` framing or Geneve, against m;
 * on success rewrite it in place into a frame tagged with its bridge
 * VLAN, starting at buf + *off, *flen bytes, and return 0.  Else a
 * positive reason: 1 + enum geneve_rx_err / vxlan_rx_err (the framing),
 * or OVN_MAP_RX_MAP + enum ovn_map_drop.
 */
#define OVN_MAP_RX_MAP 100
int ovn_map_rx_frame(const struct ovn_map *m, bool vxlan, uint32_t src_ip, uint8_t *buf,
		      size_t len, size_t *off, size_t *flen);

#endif
