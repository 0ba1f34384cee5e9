/* SPDX-License-Identifier: MIT */
/*
 * A port's port-security= word (daemon/psec_spec.c) from anyone: the
 * input, NUL-terminated, is the value.  Nothing may crash or read past
 * it; a value taken is off, network:learn, network:MAC with a unicast
 * non-zero MAC (and the MAC is what the text says), or a lock that
 * formats back to a value parsing to the same lock; a value refused has
 * a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/psec_spec.h"
#include "util/parse.h"

static void check_taken(const char *v, const struct psec_spec *s)
{
	char text[PORT_SEC_FORMAT_MAX];
	struct psec_spec again;
	uint8_t m[6];

	switch (s->kind) {
	case PSEC_SPEC_OFF:
		if (strcmp(v, "off"))
			abort();
		break;
	case PSEC_SPEC_NETWORK_LEARN:
		if (strcmp(v, PSEC_SPEC_LEARN))
			abort();
		break;
	case PSEC_SPEC_NETWORK_MAC:
		if (strncmp(v, PSEC_SPEC_NETWORK, strlen(PSEC_SPEC_NETWORK)) ||
		    !parse_mac(v + strlen(PSEC_SPEC_NETWORK), m) || memcmp(m, s->mac, 6) ||
		    (m[0] & 1) || !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
			abort();
		break;
	case PSEC_SPEC_STATIC:
		if (s->sec.latch || (s->sec.mac[0] & 1))
			abort();
		port_sec_format(&s->sec, text, sizeof(text));
		if (psec_spec_parse(text, &again, NULL) || again.kind != PSEC_SPEC_STATIC ||
		    memcmp(&again.sec, &s->sec, sizeof(s->sec)))
			abort();
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *v = malloc(size + 1);
	struct psec_spec s;
	struct error e;

	memcpy(v, data, size);
	v[size] = '\0';
	e.msg[0] = '\0';
	if (!psec_spec_parse(v, &s, &e))
		check_taken(v, &s);
	else if (!e.msg[0])
		abort();
	free(v);
	return 0;
}
