/* SPDX-License-Identifier: MIT */
/*
 * The Geneve receive path: a UDP payload from anyone parsed as OVN's
 * Geneve (geneve_parse()); what it accepts must lie inside the input, and
 * the keys it reports must come back the same through geneve_ovn_put() and
 * a second parse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/geneve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct geneve_info gi, again;
	uint8_t h[GENEVE_OVN_LEN + 14] = { 0 };

	if (geneve_parse(data, size, &gi) != GENEVE_RX_OK)
		return 0;
	if (gi.hlen + 14 > size || gi.vni > GENEVE_VNI_MAX || gi.ingress > GENEVE_INGRESS_MAX)
		abort();
	geneve_ovn_put(h, gi.vni, gi.ingress, gi.egress);
	if (geneve_parse(h, sizeof(h), &again) != GENEVE_RX_OK || again.vni != gi.vni ||
	    again.ingress != gi.ingress || again.egress != gi.egress)
		abort();
	return 0;
}
