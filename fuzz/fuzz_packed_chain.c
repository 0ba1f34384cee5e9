/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the device side of a packed virtqueue over a guest
 * whose memory (descriptor ring, event structures, indirect tables,
 * buffers) is the fuzz input; see fuzz_vq.h for the input layout and what
 * is checked.
 */
#include "fuzz_vq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_run(VQ_PACKED, data, size);
	return 0;
}
