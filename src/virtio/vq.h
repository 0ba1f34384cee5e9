/* SPDX-License-Identifier: MIT */
/*
 * What the device side and the driver side of a virtqueue share: ring
 * layouts and sizes, the negotiated ring features, the descriptor chain as
 * the device sees it, and the memory-ordering primitives used on ring
 * fields that the other side reads concurrently (possibly from another
 * process on another core).
 *
 * The ABI structures themselves come from <linux/virtio_ring.h>.
 */
#ifndef UVNET_VIRTIO_VQ_H
#define UVNET_VIRTIO_VQ_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "util/error.h"

/* Virtio 1.x rings are little-endian; we load and store them natively. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "uvnet assumes a little-endian host");

#define VQ_MAX_SIZE 32768u

/* Iovecs one chain may map to; a longer (legal) chain is dropped, not
 * failed, see VQ_CHAIN_F_OVERSIZE. */
#define VQ_CHAIN_MAX_IOV 64u

/* Record in `broken` why a queue broke (the first reason wins, with code
 * -EIO); returns -EIO.  Cold: only a queue that breaks formats text. */
int vq_set_broken(struct error *broken, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0), cold));

enum vq_layout { VQ_SPLIT, VQ_PACKED };

/* Ring-level features this core acts on, from the negotiated bits. */
struct vq_features {
	bool event_idx;
	bool indirect;
	bool in_order;
};

static inline struct vq_features vq_features_from(uint64_t features)
{
	return (struct vq_features){
		.event_idx = features & (1ull << VIRTIO_RING_F_EVENT_IDX),
		.indirect = features & (1ull << VIRTIO_RING_F_INDIRECT_DESC),
		.in_order = features & (1ull << VIRTIO_F_IN_ORDER),
	};
}

static inline enum vq_layout vq_layout_from(uint64_t features)
{
	return features & (1ull << VIRTIO_F_RING_PACKED) ? VQ_PACKED : VQ_SPLIT;
}

/*
 * The three ring areas as host pointers.  Split: descriptor table,
 * available ring ("driver area"), used ring ("device area").  Packed:
 * descriptor ring, driver event suppression, device event suppression.
 */
struct vq_rings {
	void *desc;
	void *driver;
	void *device;
};

/* The same areas, typed by layout; both sides keep one. */
union vq_ring_ptrs {
	struct {
		struct vring_desc *desc;
		struct vring_avail *avail;
		struct vring_used *used;
	} split;
	struct {
		struct vring_packed_desc *desc;
		struct vring_packed_desc_event *driver;
		struct vring_packed_desc_event *device;
	} packed;
};

size_t vq_desc_area_size(enum vq_layout layout, unsigned size);
size_t vq_driver_area_size(enum vq_layout layout, unsigned size);
size_t vq_device_area_size(enum vq_layout layout, unsigned size);

/* Split rings need a power-of-two size; packed ones any size in range. */
bool vq_size_valid(enum vq_layout layout, unsigned size);

/* A descriptor chain as the device sees it: readable iovecs first. */
#define VQ_CHAIN_F_OVERSIZE 1u /* legal but longer than VQ_CHAIN_MAX_IOV:
				  iov is empty; return it with len 0 */
#define VQ_CHAIN_F_WRITABLE 2u /* internal, while parsing: a writable
				  descriptor was seen (even an empty one) */
struct vq_chain {
	uint16_t id;      /* what to hand back in the used ring */
	uint16_t ndesc;   /* ring slots the chain took (packed used skip) */
	uint16_t nout;    /* iov[0 .. nout) is device-readable */
	uint16_t nin;     /* iov[nout .. nout + nin) is device-writable */
	uint32_t out_len; /* bytes readable, saturating at UINT32_MAX */
	uint32_t in_len;  /* bytes writable, saturating at UINT32_MAX */
	uint32_t flags;
	struct iovec iov[VQ_CHAIN_MAX_IOV];
};

/* Ordering on shared ring fields.  Same semantics as C11 atomics, spelled
 * with the builtins because the fields are plain uapi struct members. */
#define vq_load_acquire(p)     __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define vq_load_once(p)        __atomic_load_n((p), __ATOMIC_RELAXED)
#define vq_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define vq_store_once(p, v)    __atomic_store_n((p), (v), __ATOMIC_RELAXED)
/* Full barrier: a store must be visible before the following load (the
 * "publish index, then read the other side's event index" pattern). */
#define vq_mb()                __atomic_thread_fence(__ATOMIC_SEQ_CST)

#define vq_likely(x)   __builtin_expect(!!(x), 1)
#define vq_unlikely(x) __builtin_expect(!!(x), 0)

/* Packed ring flag bits (the uapi gives bit numbers). */
#define VQ_PACKED_F_AVAIL ((uint16_t)(1u << VRING_PACKED_DESC_F_AVAIL))
#define VQ_PACKED_F_USED  ((uint16_t)(1u << VRING_PACKED_DESC_F_USED))
#define VQ_PACKED_WRAP_BIT ((uint16_t)(1u << VRING_PACKED_EVENT_F_WRAP_CTR))

/*
 * Packed-ring event test: the other side asked to be told when slot
 * `event_off` (on wrap `event_wrap`) is passed; we moved from slot `old`
 * to `new` (our wrap counter now `wrap`).  Mirrors vring_need_event() with
 * the ring's non-power-of-two size folded in.
 */
static inline bool vq_packed_need_event(uint16_t off_wrap, uint16_t old,
					uint16_t new, bool wrap, uint16_t size)
{
	int off = off_wrap & ~VQ_PACKED_WRAP_BIT;
	int o = old, n = new;

	if (n <= o)
		o -= size;
	if (wrap != !!(off_wrap & VQ_PACKED_WRAP_BIT))
		off -= size;
	return (uint16_t)(n - off - 1) < (uint16_t)(n - o);
}

#endif
