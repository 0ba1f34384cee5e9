/* SPDX-License-Identifier: MIT */
/*
 * The dirty-page log writer: guest-physical ranges and host ranges of a
 * guest memory table to bits of the shared bitmap.
 */
#include "virtio/dirty_log.h"

static inline bool mark_page(const struct dirty_log *log, uint64_t pfn)
{
	uint8_t *b, m;

	if (pfn / 8 >= log->len)
		return false;
	b = &log->bits[pfn / 8];
	m = (uint8_t)(1u << (pfn % 8));
	if (!(__atomic_load_n(b, __ATOMIC_RELAXED) & m))
		__atomic_fetch_or(b, m, __ATOMIC_RELAXED);
	return true;
}

unsigned dirty_log_gpa(const struct dirty_log *log, uint64_t gpa, uint64_t len)
{
	uint64_t last, first_pfn, last_pfn;
	unsigned n = 0;

	if (!len || !log->bits || !log->len)
		return 0;
	if (__builtin_add_overflow(gpa, len - 1, &last))
		last = UINT64_MAX;
	first_pfn = gpa >> DIRTY_LOG_PAGE_SHIFT;
	last_pfn = last >> DIRTY_LOG_PAGE_SHIFT;
	/* nothing past the log's end can be marked: stop there */
	if (last_pfn / 8 >= log->len)
		last_pfn = log->len * 8 - 1;
	for (uint64_t pfn = first_pfn; pfn <= last_pfn; pfn++)
		n += mark_page(log, pfn);
	return n;
}

unsigned dirty_log_host(const struct dirty_log *log, const struct guest_mem *mem,
			const void *host, size_t len)
{
	uintptr_t p = (uintptr_t)host;
	unsigned n = 0;

	while (len) {
		const struct guest_mem_region *hit = NULL;
		size_t chunk = len;

		for (unsigned i = 0; i < mem->nregions; i++) {
			const struct guest_mem_region *r = &mem->regions[i];
			uint64_t off = p - (uintptr_t)r->host;

			if (off < r->size) {
				hit = r;
				if (chunk > r->size - off)
					chunk = (size_t)(r->size - off);
				break;
			}
		}
		if (hit) {
			n += dirty_log_gpa(log, hit->gpa + (p - (uintptr_t)hit->host), chunk);
		} else {
			/* not guest memory: skip to the next region start, if any */
			uintptr_t next = 0;

			for (unsigned i = 0; i < mem->nregions; i++) {
				uintptr_t h = (uintptr_t)mem->regions[i].host;

				if (h > p && (!next || h < next))
					next = h;
			}
			if (!next || next - p >= len)
				break;
			chunk = next - p;
		}
		p += chunk;
		len -= chunk;
	}
	return n;
}

bool dirty_log_test(const struct dirty_log *log, uint64_t gpa)
{
	uint64_t pfn = gpa >> DIRTY_LOG_PAGE_SHIFT;

	return log->bits && pfn / 8 < log->len &&
	       (__atomic_load_n(&log->bits[pfn / 8], __ATOMIC_RELAXED) >> (pfn % 8) & 1);
}
