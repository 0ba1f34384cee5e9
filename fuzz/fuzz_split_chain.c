/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the device side of a split virtqueue over a guest
 * whose memory (rings, indirect tables, buffers) is the fuzz input; see
 * fuzz_vq.h for the input layout and what is checked.
 */
#include "fuzz_vq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_run(VQ_SPLIT, data, size);
	return 0;
}
