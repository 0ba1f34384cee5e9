/* SPDX-License-Identifier: MIT */
/*
 * Shared by the ring fuzzers: the fuzz input is a tiny guest, the device
 * side of one queue runs over it.
 *
 * Input layout (fuzz/gen_corpus.py writes seeds in it):
 *   byte 0     queue size: split 1 << (b % 9), packed 1 + b (1..256)
 *   byte 1     bit 0 INDIRECT_DESC, bit 1 EVENT_IDX, bit 2 IN_ORDER,
 *              bit 3 give the first burst's last chain back (unpop) once,
 *              bits 4-7 burst size - 1
 *   bytes 2-3  vhost-user base, little-endian (packed: slot taken modulo
 *              the size, bit 15 the wrap counter)
 *   byte 4     the byte the device writes into writable buffers
 *   the rest   guest memory, filling the regions below in order; missing
 *              bytes are 0
 *
 * Every region is its own heap block of exactly its size, so an access
 * past any region's end - a ring's included - is an ASan report:
 *   desc    at 0x1000: the descriptor area, 16 bytes a descriptor
 *   driver  at 0x3000: the driver area (split available ring, packed event)
 *   device  at 0x4000: the device area (split used ring, packed event)
 *   A       at 0x10000, 4 KiB
 *   B       at 0x11000, 4 KiB right after A: ranges straddle A and B
 *   C       at 0x13000, 4 KiB after a hole
 */
#ifndef UVNET_FUZZ_VQ_H
#define UVNET_FUZZ_VQ_H

#include <stddef.h>
#include <stdint.h>

#include "virtio/vq.h"

#define FZ_HDR 5

#define FZ_DESC_GPA 0x1000u
#define FZ_DRIVER_GPA 0x3000u
#define FZ_DEVICE_GPA 0x4000u
#define FZ_A_GPA 0x10000u
#define FZ_B_GPA 0x11000u
#define FZ_C_GPA 0x13000u
#define FZ_DATA_SIZE 0x1000u /* each of A, B, C */

/* Pop/push rounds per input: more than enough to drain a 256 ring. */
#define FZ_MAX_ROUNDS 64

/* Run one input against the device side of a `layout` queue. */
void fz_run(enum vq_layout layout, const uint8_t *data, size_t len);

/* For harnesses of their own: the guest and the queue of an input (NULL
 * if it is too short), with `features` besides the ring ones byte 1
 * picks; fz_close() checks a broken queue stayed broken and frees it. */
struct fz;
struct vq_dev;
struct fz *fz_open(enum vq_layout layout, const uint8_t *data, size_t len, uint64_t features);
struct vq_dev *fz_vq(struct fz *z);
void fz_close(struct fz *z);

#endif
