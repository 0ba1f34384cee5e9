/* SPDX-License-Identifier: MIT */
#include "ring_fixture.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) & ~(pg - 1);
}

int rf_init(struct ring_fixture *f, enum vq_layout layout, unsigned size,
	    uint64_t features, size_t data_len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t desc = vq_desc_area_size(layout, size);
	size_t drv = vq_driver_area_size(layout, size);
	size_t dev = vq_device_area_size(layout, size);
	size_t ind = (size_t)size * RF_IND_MAX * 16;
	size_t rings = page_round(desc) + page_round(drv) + page_round(dev);
	int rc;

	memset(f, 0, sizeof(*f));
	f->layout = layout;
	f->size = size;
	f->features = features;
	f->data_len = page_round(data_len);
	f->len = rings + page_round(ind) + f->data_len;
	f->map_len = f->len + 2 * pg;
	f->map = mmap(NULL, f->map_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->map == MAP_FAILED)
		return -errno;
	f->base = f->map + pg;
	if (mprotect(f->base, f->len, PROT_READ | PROT_WRITE)) {
		rc = -errno;
		munmap(f->map, f->map_len);
		return rc;
	}
	f->rings.desc = f->base;
	f->rings.driver = f->base + page_round(desc);
	f->rings.device = f->base + page_round(desc) + page_round(drv);
	f->ind = (struct vq_indirect_area){
		.host = f->base + rings, .addr = RF_GPA_BASE + rings, .max = RF_IND_MAX,
	};
	f->data = f->base + rings + page_round(ind);

	guest_mem_init(&f->mem);
	rc = guest_mem_add(&f->mem, RF_GPA_BASE, f->len, RF_GPA_BASE, f->base);
	if (!rc)
		rc = vq_drv_init(&f->drv, layout, size, features, &f->rings, &f->ind);
	if (!rc)
		rc = vq_dev_init(&f->dev, layout, size, features, &f->mem, &f->rings,
				 layout == VQ_PACKED ? 0x8000 : 0);
	if (rc) {
		vq_drv_fini(&f->drv);
		munmap(f->map, f->map_len);
	}
	return rc;
}

void rf_fini(struct ring_fixture *f)
{
	vq_drv_fini(&f->drv);
	munmap(f->map, f->map_len);
}
