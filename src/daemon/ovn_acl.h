/* SPDX-License-Identifier: MIT */
/*
 * ACLs that this chassis cannot enforce (pure: reads a Southbound copy).
 * OVN compiles the NB's ACLs (on a logical switch, or on a port group)
 * into logical flows of the switch pipeline's ACL stages; uvnet forwards
 * logical switches by MAC and does not run logical flows, so an ACL on
 * the switch of a port bound here is not enforced for that port.  The
 * chassis says so (ovn-show, one log line) rather than pretending.
 *
 * A user ACL's flows are those of an ACL stage (external_ids:stage-name
 * ls_in_acl, ls_in_acl_after_lb, ls_out_acl in OVN 23.03; the *_eval
 * stages of later versions) at priority ACL priority + 1000, so 1000 to
 * 33767; northd's own flows there sit at 0, 1 and above 34000.  A flow
 * names its datapath directly (logical_datapath) or through a
 * Logical_DP_Group (flows shared by several switches, port groups').
 */
#ifndef UVNET_DAEMON_OVN_ACL_H
#define UVNET_DAEMON_OVN_ACL_H

#include "ovsdb/cache.h"

/* The Logical_Flow columns read, and monitor_cond's condition: the ACL
 * stages only (the table is large; its other flows are not fetched). */
extern const char *const ovn_acl_flow_cols[];
extern const char ovn_acl_flow_where[];

/* How many user-ACL flows apply to the datapath with this UUID. */
unsigned ovn_acl_flows(struct ovsdb_cache *sb, const char *dp_uuid);

#endif
