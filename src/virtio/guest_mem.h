/* SPDX-License-Identifier: MIT */
/*
 * Guest memory table: the regions a driver shares with the device, and the
 * translation of driver addresses into host pointers.
 *
 * A region maps [gpa, gpa + size) of the driver's address space to host
 * memory at `host`.  vhost-user front-ends also name each region by the
 * address it has in the front-end process (`uva`); ring addresses arrive in
 * that space.  A table is immutable once built: whoever replaces it (the
 * vhost-user SET_MEM_TABLE handler) builds a new one and retires the old one
 * only when no worker still uses it.
 *
 * Every length and address here comes from an untrusted driver: all
 * arithmetic is overflow-checked and a range that leaves every region fails.
 */
#ifndef UVNET_VIRTIO_GUEST_MEM_H
#define UVNET_VIRTIO_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* vhost-user's CONFIGURE_MEM_SLOTS tops out at 509 in QEMU; 64 is plenty
 * for a net device and keeps the table inside a few cache lines per lookup. */
#define GUEST_MEM_MAX_REGIONS 64

struct guest_mem_region {
	uint64_t gpa;      /* first driver (guest-physical) address */
	uint64_t size;     /* bytes, never 0 */
	uint64_t uva;      /* front-end process address of gpa (vhost-user) */
	uint8_t *host;     /* our pointer to gpa */
	void *mmap_base;   /* what to munmap, NULL if not ours */
	size_t mmap_len;
	int fd;            /* backing fd we own, -1 if none */
	int fault_slot;    /* its guest_fault registration, -1 if none */
};

struct guest_mem {
	unsigned nregions;
	/* Where a mapping of ours faulted (the front-end shrank its file:
	 * virtio/guest_fault.h), 0 while none did.  Set by the SIGBUS
	 * handler; users of the table test it once per burst. */
	uintptr_t fault;
	struct guest_mem_region regions[GUEST_MEM_MAX_REGIONS]; /* sorted by gpa */
};

/*
 * Last-hit cache: one per queue, so each worker hits its own line.  It
 * holds a copy of the region last found (size 0: none), so that the fast
 * path reads nothing else; whoever switches a queue to another table
 * zeroes it.
 */
struct guest_mem_cache {
	unsigned last;     /* its index, a hint for the search */
	uint64_t gpa, size;
	uint8_t *host;
};
void guest_mem_init(struct guest_mem *mem);

/*
 * Add a region whose memory is already mapped at `host`.  Fails with
 * -EINVAL on zero size or address wrap, -EEXIST on overlap with another
 * region (in gpa or uva space), -ENOSPC when the table is full.
 */
int guest_mem_add(struct guest_mem *mem, uint64_t gpa, uint64_t size,
		  uint64_t uva, void *host);

/*
 * Map `fd` at `offset` for `size` bytes and add it as a region.  The table
 * takes ownership of fd (closed by guest_mem_release()) on success only.
 * The mapping is registered with guest_fault (-EMFILE: no slot left), so
 * that the file shrinking later sets `fault` instead of killing us.
 */
int guest_mem_add_fd(struct guest_mem *mem, uint64_t gpa, uint64_t size,
		     uint64_t uva, int fd, uint64_t offset);

/* Unmap and close everything the table owns and empty it.  No thread may
 * access the table's memory any more. */
void guest_mem_release(struct guest_mem *mem);

/*
 * Translate [gpa, gpa + len) into host iovecs appended at iov[0..cap).
 * Returns the number of iovecs written (0 for len == 0), -EFAULT if any
 * byte lies outside every region or the range wraps, -ENOBUFS if more than
 * `cap` iovecs would be needed.
 */
int guest_mem_translate_slow(const struct guest_mem *mem,
			     struct guest_mem_cache *cache, uint64_t gpa,
			     uint64_t len, struct iovec *iov, unsigned cap);

/* The common case inline: the range lies in the region of the last hit. */
static inline int guest_mem_translate(const struct guest_mem *mem,
				      struct guest_mem_cache *cache, uint64_t gpa,
				      uint64_t len, struct iovec *iov, unsigned cap)
{
	uint64_t off = gpa - cache->gpa; /* unsigned: huge when gpa < cache->gpa */

	if (off < cache->size && len - 1 < cache->size - off && cap) { /* len - 1: 0 is slow */
		iov->iov_base = cache->host + off;
		iov->iov_len = len;
		return 1;
	}
	return guest_mem_translate_slow(mem, cache, gpa, len, iov, cap);
}

/* Host pointer for [gpa, gpa + len) when it lies within one region, else NULL. */
void *guest_mem_ptr(const struct guest_mem *mem, struct guest_mem_cache *cache,
		    uint64_t gpa, uint64_t len);

/* Same for a front-end process address (vhost-user ring addresses). */
void *guest_mem_uva_ptr(const struct guest_mem *mem, uint64_t uva, uint64_t len);

/* Driver-space address of a host pointer inside a region; false if none. */
bool guest_mem_host_to_gpa(const struct guest_mem *mem, const void *host,
			   uint64_t *gpa);

/* Copy [gpa, gpa + len) out of guest memory, across regions.  0 or -EFAULT. */
int guest_mem_read(const struct guest_mem *mem, struct guest_mem_cache *cache,
		   uint64_t gpa, void *dst, size_t len);

/*
 * After a fault: which region lost its memory, as a reason for a broken
 * ring ("guest memory region 1 (gpa 0x100000) shrank under us ..."),
 * written into buf.  False (buf untouched) while nothing faulted.
 */
bool guest_mem_fault_reason(const struct guest_mem *mem, char *buf, size_t len);

#endif
