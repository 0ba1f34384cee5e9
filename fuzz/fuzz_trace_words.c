/* SPDX-License-Identifier: MIT */
/*
 * `uvnetctl trace`'s words (switch/trace.c's trace_parse, and through it
 * util/parse.h's parse_mac, parse_uint and parse_hex) from anyone: the
 * input is cut into words at newlines (at most 8, as a request may carry).
 * Checks: no read past a word (each its own allocation); an accepted
 * frame description is within its documented ranges; a refusal says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "switch/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *w[8];
	unsigned n = 0;
	size_t at = 0;
	struct trace_frame tf;
	struct error e = { 0 };

	while (at <= size && n < 8) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - data - at) : size - at;

		w[n] = malloc(len + 1);
		if (!w[n])
			break;
		memcpy(w[n], data + at, len);
		w[n][len] = '\0';
		n++;
		at += len + 1;
	}
	if (trace_parse((const char *const *)w, n, &tf, &e) == 0) {
		if (!tf.in_port[0] || strlen(tf.in_port) >= sizeof(tf.in_port) ||
		    tf.len < TRACE_MIN_LEN || tf.len > TRACE_MAX_LEN || tf.vlan > VLAN_ID_MAX ||
		    (tf.tagged && tf.len < ETH_HLEN_TAGGED))
			abort();
	} else if (!e.msg[0]) {
		abort();
	}
	for (unsigned i = 0; i < n; i++)
		free(w[i]);
	return 0;
}
