/* SPDX-License-Identifier: MIT */
/* The port-security= word (psec_spec.h). */
#include "daemon/psec_spec.h"

#include <errno.h>
#include <string.h>

#include "util/parse.h"

int psec_spec_parse(const char *value, struct psec_spec *s, struct error *e)
{
	size_t k = strlen(PSEC_SPEC_NETWORK);

	memset(s, 0, sizeof(*s));
	if (!strcmp(value, "off"))
		return 0;
	if (!strcmp(value, PSEC_SPEC_LEARN)) {
		s->kind = PSEC_SPEC_NETWORK_LEARN;
		return 0;
	}
	if (strncmp(value, PSEC_SPEC_NETWORK, k)) {
		s->kind = PSEC_SPEC_STATIC;
		return port_sec_parse(&s->sec, value, e);
	}
	if (!parse_mac(value + k, s->mac) || (s->mac[0] & 1) ||
	    !(s->mac[0] | s->mac[1] | s->mac[2] | s->mac[3] | s->mac[4] | s->mac[5]))
		return error_set(e, -EINVAL, "port-security: '%.40s' is neither network:learn nor "
				 "network:MAC with a unicast MAC like 52:54:00:12:34:56", value);
	s->kind = PSEC_SPEC_NETWORK_MAC;
	return 0;
}
