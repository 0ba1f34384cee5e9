/* SPDX-License-Identifier: MIT */
/*
 * What the files of the OVN chassis share (private to src/daemon/ovn*.c;
 * the API is ovn.h): struct ovn, and the functions one file calls in
 * another.  ovn.c: settings, life, the Southbound session, the daemon
 * API; ovn_chassis.c: our rows, nb_cfg echo, transactions, removal;
 * ovn_binding.c: the Port_Binding claims; ovn_fdb.c: the SB FDB rows;
 * ovn_datapath.c: the data path;
 * ovn_show.c: ovn-show.  Control thread only.
 */
#ifndef UVNET_DAEMON_OVN_IMPL_H
#define UVNET_DAEMON_OVN_IMPL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "daemon/ovn.h"
#include "daemon/ovsdb_conn.h"
#include "ovsdb/cache.h"
#include "port/ovn_map.h"
#include "port/port.h"
#include "switch/bridge.h"
#include "switch/port_sec.h"
#include "util/error.h"

#define SB_DB "OVN_Southbound"
#define OVN_MAX_BINDS 256

enum ovn_phase { PH_DOWN, PH_SERVER, PH_SCHEMA, PH_MONITOR, PH_READY };

/* Whose port security a bound port has (ovn_binding.c decides). */
enum ovn_sec_from {
	OVN_SEC_NONE,                 /* the logical port has no port_security */
	OVN_SEC_SB,                   /* Port_Binding.port_security: `sec` */
	OVN_SEC_LOCAL,                /* the port's own port-security= word wins */
};

/* What ovn_run() found for one local port with iface-id=. */
struct ovn_bind {
	char port[32];
	char lport[128];
	char state[160];              /* "bound", or why not */
	int64_t dp_key, key;
	bool bound;
	enum ovn_sec_from sec_from;
	unsigned sec_entries;         /* port_security entries (only the first is enforced) */
	struct port_sec sec;
	unsigned acl_flows;           /* ACL flows on its logical switch: not enforced */
	bool learn;                   /* "unknown" addresses, no port_security: MACs to the SB FDB */
};

struct ovn {
	struct daemon *d;
	struct ovn_config cfg;
	struct ovsdb_remote remotes[OVSDB_MAX_REMOTES];
	unsigned nremotes;
	struct ovsdb_conn conn;
	struct ovsdb_cache sb, srv;
	enum ovn_phase phase;
	bool loaded;                  /* the cache holds a whole database */
	int mon_version;              /* 2: monitor_cond (update2), 1: monitor */
	int64_t min_index;            /* the highest Raft index a member showed us */
	bool txn_busy, retry;
	bool leaving;                 /* removing our rows: write nothing else */
	char last_ops[256];           /* a digest of the last transaction */
	time_t last_ops_at;
	char schema_version[32];
	char problem[ERROR_MSG_MAX];  /* the registration's last problem */
	uint64_t txns, txn_errors;
	struct ovn_bind binds[OVN_MAX_BINDS];
	unsigned nbinds;
	int64_t acl_warned[OVN_MAX_BINDS]; /* datapath keys whose ACLs were warned of */
	unsigned nacl_warned;
	/* the data path (ovn_dp.h) */
	char tunnel[PORT_NAME_MAX];   /* the tunnel port's name */
	uint32_t vlan_key[OVN_MAP_VLANS]; /* internal VLAN -> datapath key */
	char dp_problem[ERROR_MSG_MAX];
	uint16_t sec_entries[BRIDGE_MAX_PORTS]; /* per bridge slot: port_security entries warned of */
	bool syncing, closing;
	uint64_t map_swaps;
};

/* ---- rows (the Southbound copy) ---- */

static inline struct ovsdb_table *sbt(struct ovn *o, const char *name)
{
	return ovsdb_cache_table(&o->sb, name);
}

static inline struct ovsdb_row *our_chassis(struct ovn *o)
{
	return ovsdb_table_find_str(sbt(o, "Chassis"), "name", o->cfg.system_id);
}

/* ---- ovn_chassis.c ---- */

void ovn_add_update(struct json_object *ops, const char *table, const char *uuid,
		    struct json_object *row);
void ovn_add_insert(struct json_object *ops, const char *table, const char *name,
		    struct json_object *row);
struct json_object *ovn_ref_set(const char *uuid, bool named);
/* The registration's problem (ovn-show), logged when it changes. */
void ovn_set_problem(struct ovn *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One transaction towards what this chassis wants, unless one is under way. */
void ovn_converge(struct ovn *o);
void ovn_remove_rows(struct ovn *o);

/* ---- ovn_binding.c ---- */

void ovn_want_bindings(struct ovn *o, struct json_object *ops, const char *chassis, bool named);
/* The binding of local port `name` (bound or not), or NULL. */
const struct ovn_bind *ovn_find_bind(const struct ovn *o, const char *name);

/* ---- ovn_fdb.c ---- */

/* FDB rows for the MACs learned on bound "unknown"-address ports. */
void ovn_want_fdb(struct ovn *o, struct json_object *ops);

/* ---- ovn_datapath.c ---- */

void ovn_sync_datapath(struct ovn *o);
void ovn_teardown_datapath(struct ovn *o);

#endif
