/* SPDX-License-Identifier: MIT */
/*
 * The capture stream's reader (control/capture_stream.c) on bytes from
 * anyone, as uvnetctl reads what arrives after the reply: messages are
 * taken from the front one after the other, fed in two cuts (the second
 * after the first byte of input says).  Nothing may read past the input;
 * a message taken has a known type, fits in what was given, a frame has
 * caplen <= len and <= the largest snap length, its data inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/capture_stream.h"

static void take_all(const uint8_t *p, size_t n)
{
	for (;;) {
		struct capture_stream_msg m;
		struct error e;
		long k = capture_stream_next(p, n, &m, &e);

		if (k <= 0)
			return;
		if ((size_t)k > n)
			abort();
		if (m.type == CAPTURE_STREAM_FRAME) {
			if (m.caplen > m.len || m.caplen > CAPTURE_STREAM_SNAPLEN_MAX ||
			    m.data + m.caplen > p + n || m.nsec >= 1000000000u)
				abort();
			/* touch every byte: ASan checks the bounds */
			uint8_t sum = 0;
			for (uint32_t i = 0; i < m.caplen; i++)
				sum ^= m.data[i];
			__asm__ volatile("" : : "r"(sum));
		} else if (m.type != CAPTURE_STREAM_END) {
			abort();
		}
		p += k;
		n -= (size_t)k;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	size_t cut;

	if (!size)
		return 0;
	cut = data[0] % size;
	/* each cut in an allocation of its own size */
	copy = malloc(cut ? cut : 1);
	memcpy(copy, data + 1, cut ? cut - 1 : 0);
	take_all(copy, cut ? cut - 1 : 0);
	free(copy);
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	take_all(copy, size - 1);
	free(copy);
	return 0;
}
