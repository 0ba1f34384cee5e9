/* SPDX-License-Identifier: MIT */
#include "fuzz_iov.h"

#include <stdlib.h>
#include <string.h>

void fz_scatter(struct fz_pieces *p, const uint8_t *cuts, size_t junk,
		const uint8_t *frame, size_t len)
{
	size_t total = junk + len, at[FZ_PIECES + 1] = { 0 };
	uint8_t *flat = malloc(total + 1);

	memset(flat, 0xa5, junk);
	memcpy(flat + junk, frame, len);
	for (unsigned i = 1; i < FZ_PIECES; i++)
		at[i] = cuts[i - 1] * total / 255;
	at[FZ_PIECES] = total;
	for (unsigned i = 1; i < FZ_PIECES; i++) /* insertion sort */
		for (unsigned j = i; j > 1 && at[j] < at[j - 1]; j--) {
			size_t t = at[j];

			at[j] = at[j - 1];
			at[j - 1] = t;
		}
	p->n = FZ_PIECES;
	for (unsigned i = 0; i < FZ_PIECES; i++) {
		size_t n = at[i + 1] - at[i];

		p->iov[i].iov_len = n;
		p->iov[i].iov_base = n ? malloc(n) : NULL;
		if (n)
			memcpy(p->iov[i].iov_base, flat + at[i], n);
	}
	free(flat);
}

void fz_pieces_free(struct fz_pieces *p)
{
	for (unsigned i = 0; i < p->n; i++)
		free(p->iov[i].iov_base);
}
