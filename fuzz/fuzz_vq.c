/* SPDX-License-Identifier: MIT */
/*
 * The ring fuzzers' harness: build the guest the input describes, then
 * pop and push until the queue is empty or broken.  Every iovec a chain
 * maps must lie inside one region (else abort), and every byte of it is
 * read, and written when device-writable, so ASan reports any stray one.
 * A chain's lengths must match its iovecs, the device's ring positions
 * must stay on the ring, and a broken queue must stay broken.
 */
#include "fuzz_vq.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/guest_mem.h"
#include "virtio/vq_dev.h"

enum { R_DESC, R_DRIVER, R_DEVICE, R_A, R_B, R_C, FZ_NREGIONS };

#define FZ_CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

struct fz_region {
	uint64_t gpa;
	size_t size;
	uint8_t *host;
};

struct fz {
	struct fz_region r[FZ_NREGIONS];
	struct guest_mem mem;
	struct vq_dev vq;
	unsigned burst;
	bool unpop;
	uint8_t fill;
	struct vq_chain c[16];
};

/* Where readable bytes are copied to: global, so the copy is kept. */
uint8_t fz_scratch[FZ_DATA_SIZE];

/* The regions' places; the ring areas sized for the queue. */
static void plan_memory(struct fz *z, enum vq_layout layout, unsigned size)
{
	const struct fz_region r[FZ_NREGIONS] = {
		[R_DESC] = { FZ_DESC_GPA, vq_desc_area_size(layout, size), NULL },
		[R_DRIVER] = { FZ_DRIVER_GPA, vq_driver_area_size(layout, size), NULL },
		[R_DEVICE] = { FZ_DEVICE_GPA, vq_device_area_size(layout, size), NULL },
		[R_A] = { FZ_A_GPA, FZ_DATA_SIZE, NULL },
		[R_B] = { FZ_B_GPA, FZ_DATA_SIZE, NULL },
		[R_C] = { FZ_C_GPA, FZ_DATA_SIZE, NULL },
	};

	memcpy(z->r, r, sizeof(r));
}

/* Allocate the regions, fill them from the input, add them to the table. */
static void load_memory(struct fz *z, const uint8_t *data, size_t len)
{
	guest_mem_init(&z->mem);
	for (unsigned i = 0; i < FZ_NREGIONS; i++) {
		struct fz_region *r = &z->r[i];
		size_t n = len < r->size ? len : r->size;

		r->host = calloc(1, r->size);
		FZ_CHECK(r->host);
		memcpy(r->host, data, n);
		data += n;
		len -= n;
		FZ_CHECK(guest_mem_add(&z->mem, r->gpa, r->size, r->gpa, r->host) == 0);
	}
}

static void free_memory(struct fz *z)
{
	for (unsigned i = 0; i < FZ_NREGIONS; i++)
		free(z->r[i].host);
}

static unsigned queue_size(enum vq_layout layout, const uint8_t *hdr)
{
	return layout == VQ_SPLIT ? 1u << (hdr[0] % 9) : 1u + hdr[0];
}

/* Decode the rest of the header and set the queue up over the rings,
 * with `features` besides the ring ones the header picks. */
static void init_queue(struct fz *z, enum vq_layout layout, const uint8_t *hdr, uint64_t features)
{
	unsigned size = queue_size(layout, hdr);
	features |= (hdr[1] & 1 ? 1ull << VIRTIO_RING_F_INDIRECT_DESC : 0) |
			    (hdr[1] & 2 ? 1ull << VIRTIO_RING_F_EVENT_IDX : 0) |
			    (hdr[1] & 4 ? 1ull << VIRTIO_F_IN_ORDER : 0) |
			    (layout == VQ_PACKED ? 1ull << VIRTIO_F_RING_PACKED : 0);
	uint32_t base = hdr[2] | (uint32_t)hdr[3] << 8;
	const struct vq_rings rings = {
		.desc = z->r[R_DESC].host,
		.driver = z->r[R_DRIVER].host,
		.device = z->r[R_DEVICE].host,
	};

	if (layout == VQ_PACKED)
		base = (base & 0x7fff) % size | (base & 0x8000);
	z->unpop = hdr[1] & 8;
	z->burst = 1 + (hdr[1] >> 4);
	z->fill = hdr[4];
	FZ_CHECK(vq_dev_init(&z->vq, layout, size, features, &z->mem, &rings, base) == 0);
}

static bool in_one_region(const struct fz *z, const struct iovec *v)
{
	for (unsigned i = 0; i < FZ_NREGIONS; i++) {
		const struct fz_region *r = &z->r[i];
		uintptr_t b = (uintptr_t)r->host, p = (uintptr_t)v->iov_base;

		if (p >= b && v->iov_len <= r->size && p - b <= r->size - v->iov_len)
			return true;
	}
	return false;
}

/* Check a popped chain's shape and touch every byte it maps. */
static void touch_chain(struct fz *z, const struct vq_chain *c)
{
	uint64_t out = 0, in = 0;
	unsigned n = c->nout + c->nin;

	FZ_CHECK(c->id < z->vq.size);
	FZ_CHECK(c->ndesc >= 1 && c->ndesc <= z->vq.size);
	FZ_CHECK(n <= VQ_CHAIN_MAX_IOV);
	for (unsigned i = 0; i < n; i++) {
		const struct iovec *v = &c->iov[i];

		FZ_CHECK(v->iov_len > 0 && in_one_region(z, v));
		FZ_CHECK(v->iov_len <= sizeof(fz_scratch));
		memcpy(fz_scratch, v->iov_base, v->iov_len);
		if (i >= c->nout)
			memset(v->iov_base, z->fill, v->iov_len);
		*(i < c->nout ? &out : &in) += v->iov_len;
	}
	if (c->flags & VQ_CHAIN_F_OVERSIZE) {
		FZ_CHECK(n == 0);
		return;
	}
	FZ_CHECK(out == c->out_len && in == c->in_len);
}

/* Hand n chains back: one in-order entry for all, or one entry each. */
static void complete(struct fz *z, unsigned n)
{
	unsigned ndesc = 0;

	if (!z->vq.feat.in_order) {
		for (unsigned i = 0; i < n; i++)
			vq_dev_push(&z->vq, z->c[i].id, z->c[i].ndesc,
				    z->c[i].flags & VQ_CHAIN_F_OVERSIZE ? 0 : z->c[i].in_len);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		ndesc += z->c[i].ndesc;
	vq_dev_push_in_order(&z->vq, z->c[n - 1].id, (uint16_t)n, ndesc);
}

/* The device's own packed ring positions must stay on the ring, or its
 * next used entry lands outside it. */
static void check_positions(const struct fz *z)
{
	if (z->vq.layout == VQ_PACKED)
		FZ_CHECK(z->vq.last_avail < z->vq.size && z->vq.used_idx < z->vq.size);
}

/* One pop/push round; false when the queue is empty or broken. */
static bool round_trip(struct fz *z, bool first)
{
	int n = vq_dev_pop_burst(&z->vq, z->c, z->burst);

	if (n <= 0) {
		FZ_CHECK(n == 0 || (n == -EIO && vq_dev_broken(&z->vq)));
		return false;
	}
	for (int i = 0; i < n; i++)
		touch_chain(z, &z->c[i]);
	if (first && z->unpop)
		vq_dev_unpop(&z->vq, &z->c[--n], 1);
	if (n)
		complete(z, (unsigned)n);
	vq_dev_flush(&z->vq);
	vq_dev_needs_call(&z->vq);
	check_positions(z);
	return true;
}

struct fz *fz_open(enum vq_layout layout, const uint8_t *data, size_t len, uint64_t features)
{
	struct fz *z;

	if (len < FZ_HDR)
		return NULL;
	z = calloc(1, sizeof(*z));
	FZ_CHECK(z);
	plan_memory(z, layout, queue_size(layout, data));
	load_memory(z, data + FZ_HDR, len - FZ_HDR);
	init_queue(z, layout, data, features);
	return z;
}

struct vq_dev *fz_vq(struct fz *z)
{
	return &z->vq;
}

void fz_close(struct fz *z)
{
	if (vq_dev_broken(&z->vq))
		FZ_CHECK(vq_dev_pop_burst(&z->vq, z->c, 1) == -EIO);
	free_memory(z);
	free(z);
}

void fz_run(enum vq_layout layout, const uint8_t *data, size_t len)
{
	struct fz *z = fz_open(layout, data, len, 0);

	if (!z)
		return;
	vq_dev_enable_kick(&z->vq);
	for (int r = 0; r < FZ_MAX_ROUNDS && round_trip(z, r == 0); r++)
		;
	vq_dev_disable_kick(&z->vq);
	fz_close(z);
}
