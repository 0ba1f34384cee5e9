/* SPDX-License-Identifier: MIT */
/*
 * Guest memory table.  Lookups try the caller's last-hit region first (a
 * queue's buffers almost always sit in the same region as its previous
 * ones), then binary-search the gpa-sorted table.
 */
#include "virtio/guest_mem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtio/guest_fault.h"

void guest_mem_init(struct guest_mem *mem)
{
	mem->nregions = 0;
	mem->fault = 0;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	/* Both ranges are known not to wrap. */
	return a < b + blen && b < a + alen;
}

int guest_mem_add(struct guest_mem *mem, uint64_t gpa, uint64_t size,
		  uint64_t uva, void *host)
{
	uint64_t end;
	unsigned i;

	if (size == 0 || host == NULL || __builtin_add_overflow(gpa, size, &end) ||
	    __builtin_add_overflow(uva, size, &end) ||
	    __builtin_add_overflow((uintptr_t)host, size, &end))
		return -EINVAL;
	if (mem->nregions == GUEST_MEM_MAX_REGIONS)
		return -ENOSPC;
	for (i = 0; i < mem->nregions; i++) {
		const struct guest_mem_region *r = &mem->regions[i];

		if (ranges_overlap(gpa, size, r->gpa, r->size) ||
		    ranges_overlap(uva, size, r->uva, r->size))
			return -EEXIST;
	}
	/* Insert keeping the table sorted by gpa. */
	for (i = mem->nregions; i > 0 && mem->regions[i - 1].gpa > gpa; i--)
		mem->regions[i] = mem->regions[i - 1];
	mem->regions[i] = (struct guest_mem_region){
		.gpa = gpa, .size = size, .uva = uva, .host = host, .fd = -1, .fault_slot = -1,
	};
	mem->nregions++;
	return 0;
}

static struct guest_mem_region *find_host(struct guest_mem *mem, void *host)
{
	for (unsigned i = 0; i < mem->nregions; i++)
		if (mem->regions[i].host == host)
			return &mem->regions[i];
	return NULL;
}

/* What to map for [0, end) of fd: whole pages of the file's own size
 * (hugetlbfs reports its huge page size as the block size), so that the
 * fault handler can replace the mapping in one piece. */
static int map_length(int fd, uint64_t end, size_t *out)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (st.st_blksize > 0 && (uint64_t)st.st_blksize > page &&
	    !((uint64_t)st.st_blksize & ((uint64_t)st.st_blksize - 1)))
		page = (uint64_t)st.st_blksize;
	if (end > SIZE_MAX - page)
		return -EINVAL;
	*out = (size_t)((end + page - 1) & ~(page - 1));
	return 0;
}

int guest_mem_add_fd(struct guest_mem *mem, uint64_t gpa, uint64_t size,
		     uint64_t uva, int fd, uint64_t offset)
{
	uint64_t end;
	size_t map_len = 0;
	void *base;
	int rc, slot;

	if (size == 0 || __builtin_add_overflow(offset, size, &end))
		return -EINVAL;
	rc = map_length(fd, end, &map_len);
	if (rc)
		return rc;
	/* Map from file offset 0 so that offset need not be page aligned
	 * (QEMU passes mmap_offset relative to the fd's start). */
	base = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return -errno;
	slot = guest_fault_add(base, map_len, &mem->fault);
	rc = slot < 0 ? slot : guest_mem_add(mem, gpa, size, uva, (uint8_t *)base + offset);
	if (rc) {
		guest_fault_del(slot);
		munmap(base, map_len);
		return rc;
	}
	struct guest_mem_region *r = find_host(mem, (uint8_t *)base + offset);
	r->mmap_base = base;
	r->mmap_len = map_len;
	r->fd = fd;
	r->fault_slot = slot;
	return 0;
}

void guest_mem_release(struct guest_mem *mem)
{
	for (unsigned i = 0; i < mem->nregions; i++) {
		struct guest_mem_region *r = &mem->regions[i];

		guest_fault_del(r->fault_slot);
		if (r->mmap_base)
			munmap(r->mmap_base, r->mmap_len);
		if (r->fd >= 0)
			close(r->fd);
	}
	mem->nregions = 0;
}

bool guest_mem_fault_reason(const struct guest_mem *mem, char *buf, size_t len)
{
	uintptr_t at = guest_fault_read(&mem->fault);

	if (!at)
		return false;
	for (unsigned i = 0; i < mem->nregions; i++) {
		const struct guest_mem_region *r = &mem->regions[i];

		if (at - (uintptr_t)r->mmap_base < r->mmap_len) {
			snprintf(buf, len, "guest memory region %u (gpa %#llx, %llu bytes) shrank "
				 "under us (front-end truncated its memory?)", i,
				 (unsigned long long)r->gpa, (unsigned long long)r->size);
			return true;
		}
	}
	snprintf(buf, len, "guest memory shrank under us (front-end truncated its memory?)");
	return true;
}

static inline bool region_has(const struct guest_mem_region *r, uint64_t gpa)
{
	return gpa - r->gpa < r->size; /* unsigned: also false when gpa < r->gpa */
}

/* Make region i the cache's last hit; returns i. */
static int remember(struct guest_mem_cache *cache, const struct guest_mem *mem, unsigned i)
{
	const struct guest_mem_region *r = &mem->regions[i];

	*cache = (struct guest_mem_cache){ .last = i, .gpa = r->gpa, .size = r->size, .host = r->host };
	return (int)i;
}

/* Index of the region holding gpa, or -1. */
static int lookup(const struct guest_mem *mem, struct guest_mem_cache *cache,
		  uint64_t gpa)
{
	unsigned lo = 0, hi = mem->nregions;

	if (cache && cache->last < mem->nregions &&
	    region_has(&mem->regions[cache->last], gpa))
		return remember(cache, mem, cache->last);
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct guest_mem_region *r = &mem->regions[mid];

		if (gpa < r->gpa)
			hi = mid;
		else if (gpa - r->gpa >= r->size)
			lo = mid + 1;
		else
			return cache ? remember(cache, mem, mid) : (int)mid;
	}
	return -1;
}

int guest_mem_translate_slow(const struct guest_mem *mem,
			     struct guest_mem_cache *cache, uint64_t gpa,
			     uint64_t len, struct iovec *iov, unsigned cap)
{
	unsigned n = 0;
	uint64_t end;

	if (len == 0)
		return 0;
	if (__builtin_add_overflow(gpa, len - 1, &end))
		return -EFAULT;
	while (len) {
		int i = lookup(mem, cache, gpa);

		if (i < 0)
			return -EFAULT;
		if (n == cap)
			return -ENOBUFS;
		const struct guest_mem_region *r = &mem->regions[i];
		uint64_t off = gpa - r->gpa;
		uint64_t chunk = r->size - off < len ? r->size - off : len;

		iov[n].iov_base = r->host + off;
		iov[n].iov_len = chunk;
		n++;
		gpa += chunk;
		len -= chunk;
	}
	return (int)n;
}

void *guest_mem_ptr(const struct guest_mem *mem, struct guest_mem_cache *cache,
		    uint64_t gpa, uint64_t len)
{
	int i = lookup(mem, cache, gpa);

	if (i < 0)
		return NULL;
	const struct guest_mem_region *r = &mem->regions[i];
	if (len > r->size - (gpa - r->gpa))
		return NULL;
	return r->host + (gpa - r->gpa);
}

void *guest_mem_uva_ptr(const struct guest_mem *mem, uint64_t uva, uint64_t len)
{
	for (unsigned i = 0; i < mem->nregions; i++) {
		const struct guest_mem_region *r = &mem->regions[i];
		uint64_t off = uva - r->uva;

		if (off < r->size && len <= r->size - off)
			return r->host + off;
	}
	return NULL;
}

bool guest_mem_host_to_gpa(const struct guest_mem *mem, const void *host,
			   uint64_t *gpa)
{
	for (unsigned i = 0; i < mem->nregions; i++) {
		const struct guest_mem_region *r = &mem->regions[i];
		uint64_t off = (uintptr_t)host - (uintptr_t)r->host;

		if (off < r->size) {
			*gpa = r->gpa + off;
			return true;
		}
	}
	return false;
}

int guest_mem_read(const struct guest_mem *mem, struct guest_mem_cache *cache,
		   uint64_t gpa, void *dst, size_t len)
{
	uint8_t *out = dst;

	while (len) {
		int i = lookup(mem, cache, gpa);

		if (i < 0)
			return -EFAULT;
		const struct guest_mem_region *r = &mem->regions[i];
		uint64_t off = gpa - r->gpa;
		size_t chunk = r->size - off < len ? r->size - off : len;

		memcpy(out, r->host + off, chunk);
		out += chunk;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}
