/* SPDX-License-Identifier: MIT */
/*
 * Port mirroring, after OVS's Mirror table: frames entering the switch by
 * a selected source port, or leaving by a selected destination port,
 * optionally only those of some VLANs (as the switch classified them), are
 * also sent out of the mirror's output port, at most once per frame and
 * output port however many mirrors select it.  While it is a mirror's
 * output, a port takes no part in normal switching: what it receives is
 * dropped (nothing learned from it), and nothing is flooded or forwarded
 * to it.
 *
 * Two halves: a mirror_spec is what an operator wrote (port names, made
 * from add-mirror's words by the strict parser here; the daemon keeps it
 * and saves it), and a mirror_table is what the forwarding threads read
 * (port slots and bitmaps), built from the specs of a bridge by the
 * daemon and published whole like a port's configuration.
 */
#ifndef UVNET_SWITCH_MIRROR_H
#define UVNET_SWITCH_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port/port.h"
#include "switch/port_vlan.h"
#include "util/error.h"

#define MIRROR_NAME_MAX 32
#define MIRROR_MAX_SELECT 64                /* ports in one select list */
#define MIRROR_PORTS 256                    /* port slots of a bridge */
#define MIRROR_MAX_PER_BRIDGE 16

struct mirror_spec {
	char name[MIRROR_NAME_MAX];
	unsigned nsrc, ndst;
	char src[MIRROR_MAX_SELECT][PORT_NAME_MAX];
	char dst[MIRROR_MAX_SELECT][PORT_NAME_MAX];
	bool some_vlans;                        /* false: every VLAN */
	uint64_t vlans[(VLAN_ID_MAX + 1) / 64];
	char output[PORT_NAME_MAX];
};

/*
 * add-mirror's words after the bridge: NAME, then select-src=P[,P...],
 * select-dst=P[,P...], select-vlan=LIST (as trunks=: 10,20-30) and
 * output=PORT, each at most once; output= and one of select-src= or
 * select-dst= are needed, the output may not be selected, a port not be
 * named twice in a list.  0, or -EINVAL with e naming the bad word.
 */
int mirror_spec_parse(struct mirror_spec *m, const char *const *w, unsigned n, struct error *e);

/* The words that make the mirror again ("select-src=a,b", ...; without
 * the name), at most 4, each malloc'd into w[]; their count, or -ENOMEM. */
int mirror_spec_words(const struct mirror_spec *m, char *w[4]);

/* Does the mirror name port `name` (selected or as its output)? */
bool mirror_spec_uses(const struct mirror_spec *m, const char *name);
/* Take port `name` out of the select lists. */
void mirror_spec_unselect(struct mirror_spec *m, const char *name);

/* One mirror as the forwarding threads see it. */
struct mirror_rule {
	uint64_t src[MIRROR_PORTS / 64];        /* slots whose ingress is selected */
	uint64_t dst[MIRROR_PORTS / 64];        /* slots whose egress is selected */
	bool some_vlans;
	uint64_t vlans[(VLAN_ID_MAX + 1) / 64];
	uint16_t out;                           /* the output port's slot */
};

struct mirror_table {
	unsigned n;
	uint64_t outputs[MIRROR_PORTS / 64];    /* slots that are some mirror's output */
	struct mirror_rule rule[MIRROR_MAX_PER_BRIDGE];
};

static inline bool mirror_bit(const uint64_t *map, unsigned i)
{
	return map[i / 64] >> (i % 64) & 1;
}

static inline void mirror_set_bit(uint64_t *map, unsigned i)
{
	map[i / 64] |= 1ull << (i % 64);
}

/* Is slot i some mirror's output (out of normal switching)? */
static inline bool mirror_is_output(const struct mirror_table *t, unsigned i)
{
	return mirror_bit(t->outputs, i);
}

#endif
