/* SPDX-License-Identifier: MIT */
/*
 * ACL flows on a datapath (ovn_acl.h): the monitored ACL-stage flows of
 * the Southbound copy, counted for one datapath.
 */
#include "daemon/ovn_acl.h"

#include <string.h>
#include <strings.h>

#define ACL_PRI_MIN 1000        /* OVN_ACL_PRI_OFFSET + 0 */
#define ACL_PRI_MAX 33767       /* OVN_ACL_PRI_OFFSET + 32767 */

static const char *const stages[] = {
	"ls_in_acl", "ls_in_acl_after_lb", "ls_out_acl",
	"ls_in_acl_eval", "ls_in_acl_after_lb_eval", "ls_out_acl_eval", NULL,
};

const char *const ovn_acl_flow_cols[] = { "logical_datapath", "logical_dp_group", "priority",
					  "external_ids", NULL };

#define STAGE(s) "[\"external_ids\",\"includes\",[\"map\",[[\"stage-name\",\"" s "\"]]]]"
const char ovn_acl_flow_where[] = "[" STAGE("ls_in_acl") "," STAGE("ls_in_acl_after_lb") ","
	STAGE("ls_out_acl") "," STAGE("ls_in_acl_eval") "," STAGE("ls_in_acl_after_lb_eval") ","
	STAGE("ls_out_acl_eval") "]";

static bool acl_stage(const struct ovsdb_row *f)
{
	const char *s = ovsdb_row_map_get(f, "external_ids", "stage-name");

	for (unsigned i = 0; s && stages[i]; i++)
		if (!strcmp(s, stages[i]))
			return true;
	return false;
}

/* Is the flow's datapath dp_uuid, itself or through its datapath group? */
static bool on_datapath(struct ovsdb_cache *sb, const struct ovsdb_row *f, const char *dp_uuid)
{
	const char *dp = ovsdb_row_uuid(f, "logical_datapath");
	const struct ovsdb_row *g;

	if (dp)
		return !strcasecmp(dp, dp_uuid);
	g = ovsdb_table_get(ovsdb_cache_table(sb, "Logical_DP_Group"),
			    ovsdb_row_uuid(f, "logical_dp_group"));
	return g && ovsdb_row_has_ref(g, "datapaths", dp_uuid);
}

unsigned ovn_acl_flows(struct ovsdb_cache *sb, const char *dp_uuid)
{
	unsigned n = 0;

	OVSDB_FOR_EACH_ROW(f, dp_uuid ? ovsdb_cache_table(sb, "Logical_Flow") : NULL) {
		int64_t pri = ovsdb_row_int(f, "priority", 0);

		if (pri >= ACL_PRI_MIN && pri <= ACL_PRI_MAX && acl_stage(f) &&
		    on_datapath(sb, f, dp_uuid))
			n++;
	}
	return n;
}
