/* SPDX-License-Identifier: MIT */
/*
 * OVN's port security of a logical port (Port_Binding.port_security, as
 * ovn-nbctl lsp-set-port-security writes it: a set of "MAC [IP[/LEN] ...]"
 * entries) as uvnet's port security (switch/port_sec.h).  Pure: no I/O.
 *
 * uvnet's port security holds one MAC: an entry becomes that MAC and its
 * addresses.  The caller decides what to do with a set of several entries
 * (ovn_datapath.c enforces the first: frames only the others allow are
 * dropped, never let through).  The entry comes from the Southbound and
 * is parsed strictly: whitespace-separated words, a unicast MAC first,
 * then IPv4/IPv6 addresses with optional prefix lengths, nothing else.
 */
#ifndef UVNET_DAEMON_OVN_PORT_SEC_H
#define UVNET_DAEMON_OVN_PORT_SEC_H

#include "switch/port_sec.h"
#include "util/error.h"

#define OVN_PORT_SEC_MAX 2048   /* the longest entry read */

/*
 * One port_security entry into *ps.  0, or -EINVAL with e naming the bad
 * word ("port_security 'zz:00 10.0.0.1': 'zz:00' is not a unicast MAC").
 */
int ovn_port_sec_parse(const char *entry, struct port_sec *ps, struct error *e);

#endif
