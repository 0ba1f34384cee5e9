/* SPDX-License-Identifier: MIT */
/*
 * Test fixture: a guest address space with one memory region fenced by
 * PROT_NONE guard pages (so any access outside it faults), the rings of
 * one virtqueue inside it, an indirect-table area, a data area, and both
 * the device side and the driver side of the queue set up over them.
 */
#ifndef UVNET_TESTS_RING_FIXTURE_H
#define UVNET_TESTS_RING_FIXTURE_H

#include "virtio/guest_mem.h"
#include "virtio/vq_dev.h"
#include "virtio/vq_drv.h"

#define RF_GPA_BASE 0x100000ull
#define RF_IND_MAX 16

struct ring_fixture {
	enum vq_layout layout;
	unsigned size;
	uint64_t features;
	uint8_t *map;         /* whole mapping, guards included */
	size_t map_len;
	uint8_t *base;        /* first byte of the guest region */
	size_t len;           /* bytes in the guest region */
	struct guest_mem mem;
	struct vq_rings rings;
	struct vq_indirect_area ind;
	uint8_t *data;        /* buffer area */
	size_t data_len;
	struct vq_dev dev;
	struct vq_drv drv;
};

/* Build the fixture; features are negotiated ring bits.  0 or -errno. */
int rf_init(struct ring_fixture *f, enum vq_layout layout, unsigned size,
	    uint64_t features, size_t data_len);
void rf_fini(struct ring_fixture *f);

static inline uint64_t rf_gpa(const struct ring_fixture *f, const void *host)
{
	return RF_GPA_BASE + (uint64_t)((const uint8_t *)host - f->base);
}

static inline void *rf_host(const struct ring_fixture *f, uint64_t gpa)
{
	return f->base + (gpa - RF_GPA_BASE);
}

/* One past the last guest address of the region. */
static inline uint64_t rf_gpa_end(const struct ring_fixture *f)
{
	return RF_GPA_BASE + f->len;
}

/* Feature bit helpers for readability in tests. */
#define F_EVENT_IDX (1ull << VIRTIO_RING_F_EVENT_IDX)
#define F_INDIRECT  (1ull << VIRTIO_RING_F_INDIRECT_DESC)
#define F_IN_ORDER  (1ull << VIRTIO_F_IN_ORDER)
#define F_PACKED    (1ull << VIRTIO_F_RING_PACKED)

#endif
