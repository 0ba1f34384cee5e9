/* SPDX-License-Identifier: MIT */
/*
 * `uvnetctl trace BR in-port=P dl-src=MAC dl-dst=MAC [vlan=N]
 * [dl-type=0xXXXX] [len=BYTES]`: what the bridge would do with such a
 * frame, after OVS's ofproto/trace.  The frame is built from the words
 * (an 802.1Q tag when vlan= is given, vlan=0 a priority tag; dl-type
 * 0x0800 by default; zeros after the Ethernet header, as a trace flow's
 * unset fields; 60 bytes unless len= says otherwise) and put through the
 * decisions the data path makes (switch/decide.h): policing (would the
 * bucket let it through now), VLAN admission, port security, where its
 * destination was learned, and for each other port whether it leaves
 * there, tagged or not, or why not (VLAN, MTU); a mirror's output port
 * neither sends into the bridge nor is sent to.  Nothing is sent,
 * learned, or taken from the bucket.
 */
#ifndef UVNET_SWITCH_TRACE_H
#define UVNET_SWITCH_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "switch/bridge.h"
#include "switch/decide.h"
#include "util/error.h"

#define TRACE_MIN_LEN ETH_HLEN_UNTAGGED
#define TRACE_MAX_LEN 65535

/* The frame the words describe. */
struct trace_frame {
	char in_port[PORT_NAME_MAX];
	uint8_t dst[6], src[6];
	bool tagged;             /* vlan= given */
	uint16_t vlan;           /* its tag's VLAN id */
	uint16_t type;           /* EtherType */
	uint32_t len;            /* bytes, Ethernet header and tag included */
};

/*
 * The words after the bridge, each key=value once: in-port=, dl-src=,
 * dl-dst= (required), vlan=0-4095, dl-type=0x0000-0xffff (hex, "0x"),
 * len=14-65535 (at least 18 with a tag).  -EINVAL with e naming the word
 * at fault.
 */
int trace_parse(const char *const *w, unsigned n, struct trace_frame *tf, struct error *e);

enum trace_verdict {
	TRACE_FORWARD,           /* out of at least one port */
	TRACE_NO_OUTPUT,         /* admitted, but no port takes it */
	TRACE_DROP_POLICING,
	TRACE_DROP_VLAN,         /* the in-port does not admit its tag */
	TRACE_DROP_SECURITY,
	TRACE_DROP_MIRROR_OUTPUT, /* the in-port is a mirror's output */
};

struct trace_out {
	uint16_t port;           /* bridge slot */
	enum decide_egress why;  /* DECIDE_EGRESS_OK: it leaves there */
	bool tagged;
	unsigned mtu;
};

struct trace_result {
	enum trace_verdict verdict;
	bool policed;            /* the in-port has a policing rate */
	bool police_pass;
	uint64_t police_tokens;  /* bytes in the bucket now */
	uint16_t vlan;           /* classified into */
	enum port_sec_reason sec;
	bool learning;           /* the in-port's port security is learning: */
	bool latches;            /* the frame would latch its source */
	uint64_t latch;          /* its latch word (port_sec.h), as the frame leaves it */
	int dst;                 /* where dl-dst was learned; -1 flood */
	bool multicast;
	unsigned nout;
	struct trace_out out[BRIDGE_MAX_PORTS];
};

/*
 * Trace tf from port `in` (on br) at now_ms (the FDB's clock) and
 * police_now (the policer's, police.h).  Control thread.  0, or -ENOMEM.
 */
int trace_run(struct bridge *br, struct port *in, const struct trace_frame *tf, uint64_t now_ms,
	      uint64_t police_now, struct trace_result *r);

const char *trace_verdict_name(enum trace_verdict v);
const char *trace_egress_name(enum decide_egress d);

#endif
