/* SPDX-License-Identifier: MIT */
#include "control/verbs.h"

#include <string.h>

#define VERB_ROW(id, name, min, max, changes, group, synopsis, help) \
	[VERB_##id] = { name, min, max, changes, group, synopsis, help },
const struct verb_info verb_table[VERB_COUNT] = { CONTROL_VERBS(VERB_ROW) };
#undef VERB_ROW

const char *const verb_port_kind_help[] = {
	"type=vhost-user path=SOCKET [mode=server|client] [queues=N]",
	"type=tap [ifname=NAME] [queues=N]",
	"type=afpacket dev=NETDEV",
	"type=vxlan remote=IP vni=N [local=IP] [dstport=4789]",
	"any kind also takes: tag=VLAN (access), trunks=LIST (e.g. 10,20-30), mtu=N,",
	"  max-macs=N (0: no limit; vhost-user default 64),",
	"  port-security=MAC[,IP[/LEN]...]|network:MAC|network:learn|off,",
	"  ingress-policing-rate=KBPS (0: off), ingress-policing-burst=KBITS (0: 8000)",
	NULL,
};

static const char *const group_titles[VERB_GROUPS] = {
	[VERB_GROUP_SWITCH] = "Bridges and ports",
	[VERB_GROUP_INSPECT] = "Inspection (--json prints the daemon's reply as it came)",
	[VERB_GROUP_NETWORK] = "Networks (a bridge + gateway, DHCP and NAT, like libvirt's)",
	[VERB_GROUP_OVN] = "OVN (uvnetd as a chassis of an OVN Southbound database; docs/ovn.md)",
};

int verb_find(const char *name)
{
	for (int i = 0; i < VERB_COUNT; i++)
		if (!strcmp(verb_table[i].name, name))
			return i;
	return -1;
}

/* text, wrapped at 78 columns: the first line indented by `first`, the
 * others by `rest`. */
static void print_wrapped(FILE *to, const char *text, int first, int rest)
{
	int col = 0, indent = first;

	while (*text) {
		int len = (int)strcspn(text, " ");

		if (col && col + 1 + len > 78) {
			fputc('\n', to);
			col = 0;
			indent = rest;
		}
		col += col ? fprintf(to, " %.*s", len, text) : fprintf(to, "%*s%.*s", indent, "", len, text);
		text += len;
		text += strspn(text, " ");
	}
	fputc('\n', to);
}

void verb_print_usage(FILE *to)
{
	for (int g = 0; g < VERB_GROUPS; g++) {
		fprintf(to, "%s:\n", group_titles[g]);
		for (int i = 0; i < VERB_COUNT; i++) {
			const struct verb_info *v = &verb_table[i];

			if (v->group != (enum verb_group)g)
				continue;
			print_wrapped(to, v->synopsis, 2, 4);
			print_wrapped(to, v->help, 6, 6);
			if (i == VERB_ADD_PORT)
				for (const char *const *k = verb_port_kind_help; *k; k++)
					fprintf(to, "        %s\n", *k);
		}
	}
}
