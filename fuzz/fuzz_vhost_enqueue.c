/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the receive side of a virtio-net device
 * (src/port/vhost_enqueue.c) delivering frames into a guest RX ring whose
 * memory - descriptors, available ring, buffers - is the fuzz input.  The
 * input is laid out as fuzz_vq.h describes, with two bytes read for this
 * harness instead:
 *   byte 1     bits 0-2 as there (INDIRECT_DESC, EVENT_IDX, IN_ORDER),
 *              bit 3 MRG_RXBUF, bits 4-7 frames per burst - 1
 *   byte 4     bits 0-2 the first frame's size (FRAME_SIZES), bit 3 the
 *              frames leave tagged, bit 4 GUEST_CSUM, bit 5 VERSION_1
 *              (else the legacy 10-byte header), bit 6 the VMM logs dirty
 *              pages (a migration: every buffer written is marked, the
 *              used ring too), bit 7 a packed ring
 * Every guest region is a heap block of its own size, so a write outside
 * the buffers the guest posted is an ASan report; every frame of a burst
 * must come out sent, dropped or an error, and a queue that broke must
 * stay broken; with the log, a burst that sent frames marked pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_vq.h"
#include "util/log.h"
#include "port/vhost_enqueue.h"
#include "virtio/dirty_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t FRAME_SIZES[8] = { 60, 64, 128, 1000, 1514, 4000, 9014, 65000 };

static uint8_t frame_bytes[65000];

static void frames_init(void)
{
	static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };

	memcpy(frame_bytes, eth, sizeof(eth));
	for (size_t i = sizeof(eth); i < sizeof(frame_bytes); i++)
		frame_bytes[i] = (uint8_t)i;
	log_set_level(LOG_LEVEL_ERROR);
}

static void make_frame(struct frame *f, struct iovec *v, uint32_t len)
{
	*v = (struct iovec){ frame_bytes, len };
	*f = (struct frame){ .iov = v, .niov = 1, .len = len, .l2_len = 14, .vlan = 5 };
	memcpy(f->eth, frame_bytes, sizeof(f->eth));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct frame fr[16], *fp[16];
	struct iovec iov[16];
	bool tagged[16];
	static uint8_t bits[1 << 16]; /* guest pages 0 .. 2 GiB */
	struct dirty_log log = { .bits = bits, .len = sizeof(bits) };
	struct vhost_enqueue_ring q;
	struct fz *z;
	uint64_t features;
	unsigned burst;

	if (!ready) {
		frames_init();
		ready = true;
	}
	if (size < FZ_HDR)
		return 0;
	features = (data[1] & 8 ? 1ull << VIRTIO_NET_F_MRG_RXBUF : 0) |
		   (data[4] & 16 ? 1ull << VIRTIO_NET_F_GUEST_CSUM : 0) |
		   (data[4] & 32 ? 1ull << VIRTIO_F_VERSION_1 : 0);
	z = fz_open(data[4] & 128 ? VQ_PACKED : VQ_SPLIT, data, size, features);
	if (!z)
		return 0;
	burst = 1 + (data[1] >> 4);
	for (unsigned i = 0; i < burst; i++) {
		make_frame(&fr[i], &iov[i], FRAME_SIZES[(data[4] + i) % 8]);
		fp[i] = &fr[i];
		tagged[i] = data[4] & 8;
	}
	if (vhost_enqueue_init(&q, "fuzz", 0))
		abort();
	vhost_enqueue_start(&q, fz_vq(z), -1, features);
	if (data[4] & 64)
		vq_dev_set_log(fz_vq(z), &log, true, 0x1000, 0x2000);
	for (int r = 0; r < FZ_MAX_ROUNDS; r++) {
		struct vhost_enqueue_result res;

		memset(bits, 0, sizeof(bits));
		res = vhost_enqueue_burst(&q, fp, tagged, burst);
		if ((data[4] & 64) && res.sent && !bits[0]) {
			/* the used ring, logged at 0x1000 (split) or 0x2000 (packed) */
			fprintf(stderr, "logging: %u frames sent, the used ring not marked\n", res.sent);
			abort();
		}

		if (res.sent + res.dropped + res.errors != burst) {
			fprintf(stderr, "burst of %u: %u sent, %u dropped, %u errors\n", burst,
				res.sent, res.dropped, res.errors);
			abort();
		}
		if (res.sent == 0 || vq_dev_broken(fz_vq(z)))
			break;
	}
	vhost_enqueue_fini(&q);
	fz_close(z);
	return 0;
}
