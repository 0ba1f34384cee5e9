/* SPDX-License-Identifier: MIT */
/*
 * OVN port_security entries from the Southbound (daemon/ovn_port_sec.c):
 * any bytes as one entry.  Every read stays within the entry; an entry
 * accepted formats to a configuration that parses back to itself, with a
 * unicast MAC and at most PORT_SEC_MAX_ADDRS addresses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ovn_port_sec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), text[PORT_SEC_FORMAT_MAX];
	struct port_sec ps, back;
	struct error e = { 0 };

	memcpy(s, data, size);
	s[size] = '\0';
	if (!ovn_port_sec_parse(s, &ps, &e)) {
		if ((ps.mac[0] & 1) || ps.n4 + ps.n6 > PORT_SEC_MAX_ADDRS)
			abort();
		port_sec_format(&ps, text, sizeof(text));
		if (port_sec_parse(&back, text, &e) || memcmp(back.mac, ps.mac, 6) ||
		    back.n4 != ps.n4 || back.n6 != ps.n6 || back.ip != ps.ip ||
		    memcmp(back.v4, ps.v4, sizeof(ps.v4[0]) * ps.n4) ||
		    memcmp(back.v6, ps.v6, sizeof(ps.v6[0]) * ps.n6))
			abort();
	} else if (!e.msg[0]) {
		abort(); /* a refusal names its reason */
	}
	free(s);
	return 0;
}
