/* SPDX-License-Identifier: MIT */
/* Guest memory table: region rules and (gpa, len) translation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "virtio/guest_mem.h"

static uint8_t buf_a[8192], buf_b[4096];

/* Two regions: gpa 0x1000..0x3000 -> buf_a, 0x3000..0x4000 -> buf_b. */
static void two_regions(struct guest_mem *m)
{
	guest_mem_init(m);
	assert_int_equal(guest_mem_add(m, 0x3000, sizeof(buf_b), 0x7000, buf_b), 0);
	assert_int_equal(guest_mem_add(m, 0x1000, sizeof(buf_a), 0x5000, buf_a), 0);
}

static void rejects_zero_size_overlap_and_wrap(void **state)
{
	struct guest_mem m;
	(void)state;
	two_regions(&m);
	assert_int_equal(guest_mem_add(&m, 0x9000, 0, 0x9000, buf_a), -EINVAL);
	assert_int_equal(guest_mem_add(&m, 0x2fff, 2, 0x20000, buf_a), -EEXIST);
	assert_int_equal(guest_mem_add(&m, 0x20000, 16, 0x5000, buf_a), -EEXIST); /* uva overlap */
	assert_int_equal(guest_mem_add(&m, UINT64_MAX - 10, 100, 0x30000, buf_a), -EINVAL);
	assert_int_equal(m.nregions, 2);
}

static void translates_inside_one_region(void **state)
{
	struct guest_mem m;
	struct guest_mem_cache c = { 0 };
	struct iovec iov[4];
	(void)state;
	two_regions(&m);
	assert_int_equal(guest_mem_translate(&m, &c, 0x1010, 100, iov, 4), 1);
	assert_ptr_equal(iov[0].iov_base, buf_a + 0x10);
	assert_int_equal(iov[0].iov_len, 100);
	assert_int_equal(guest_mem_translate(&m, &c, 0x1010, 0, iov, 4), 0);
}

static void splits_a_range_that_straddles_two_regions(void **state)
{
	struct guest_mem m;
	struct guest_mem_cache c = { 0 };
	struct iovec iov[4];
	(void)state;
	two_regions(&m);
	assert_int_equal(guest_mem_translate(&m, &c, 0x2ff0, 0x20, iov, 4), 2);
	assert_ptr_equal(iov[0].iov_base, buf_a + 0x1ff0);
	assert_int_equal(iov[0].iov_len, 0x10);
	assert_ptr_equal(iov[1].iov_base, buf_b);
	assert_int_equal(iov[1].iov_len, 0x10);
	assert_int_equal(guest_mem_translate(&m, &c, 0x2ff0, 0x20, iov, 1), -ENOBUFS);
}

static void fails_outside_every_region(void **state)
{
	struct guest_mem m;
	struct guest_mem_cache c = { 0 };
	struct iovec iov[4];
	(void)state;
	two_regions(&m);
	assert_int_equal(guest_mem_translate(&m, &c, 0x0, 16, iov, 4), -EFAULT);
	assert_int_equal(guest_mem_translate(&m, &c, 0x3ff0, 0x20, iov, 4), -EFAULT); /* runs off the end */
	assert_int_equal(guest_mem_translate(&m, &c, 0xfff, 2, iov, 4), -EFAULT);    /* starts before */
	assert_null(guest_mem_ptr(&m, &c, 0x2ff0, 0x20));                             /* straddles */
	assert_null(guest_mem_ptr(&m, &c, 0x4000, 1));
}

static void address_plus_length_wrap_is_refused(void **state)
{
	struct guest_mem m;
	struct guest_mem_cache c = { 0 };
	struct iovec iov[4];
	(void)state;
	two_regions(&m);
	assert_int_equal(guest_mem_translate(&m, &c, 0x1000, UINT64_MAX, iov, 4), -EFAULT);
	assert_int_equal(guest_mem_translate(&m, &c, UINT64_MAX, 2, iov, 4), -EFAULT);
	assert_null(guest_mem_ptr(&m, &c, 0x1000, UINT64_MAX));
	assert_null(guest_mem_uva_ptr(&m, 0x5000, UINT64_MAX));
}

static void cache_follows_the_last_hit(void **state)
{
	struct guest_mem m;
	struct guest_mem_cache c = { 0 };
	struct iovec iov[1];
	(void)state;
	two_regions(&m);
	assert_int_equal(guest_mem_translate(&m, &c, 0x3004, 4, iov, 1), 1);
	assert_int_equal(c.last, 1); /* sorted by gpa: buf_b's region is second */
	assert_int_equal(guest_mem_translate(&m, &c, 0x1004, 4, iov, 1), 1);
	assert_int_equal(c.last, 0);
	c.last = 1000; /* a stale cache index must be ignored, not trusted */
	assert_int_equal(guest_mem_translate(&m, &c, 0x1004, 4, iov, 1), 1);
	assert_ptr_equal(iov[0].iov_base, buf_a + 4);
}

static void a_zeroed_cache_follows_a_new_table(void **state)
{
	struct guest_mem m1, m2;
	struct guest_mem_cache c = { 0 };
	struct iovec iov[1];

	(void)state;
	two_regions(&m1);
	assert_int_equal(guest_mem_translate(&m1, &c, 0x1004, 4, iov, 1), 1);
	assert_ptr_equal(iov[0].iov_base, buf_a + 4);
	/* the same addresses now backed elsewhere, as after SET_MEM_TABLE */
	guest_mem_init(&m2);
	assert_int_equal(guest_mem_add(&m2, 0x1000, 0x1000, 0x1000, buf_b), 0);
	c = (struct guest_mem_cache){ 0 };
	assert_int_equal(guest_mem_translate(&m2, &c, 0x1004, 4, iov, 1), 1);
	assert_ptr_equal(iov[0].iov_base, buf_b + 4);
	/* and a range the new table does not have is refused */
	assert_int_equal(guest_mem_translate(&m2, &c, 0x3004, 4, iov, 1), -EFAULT);
}

static void reads_and_maps_front_end_addresses(void **state)
{
	struct guest_mem m;
	struct guest_mem_cache c = { 0 };
	uint8_t out[32];
	uint64_t gpa;
	(void)state;
	two_regions(&m);
	memset(buf_a + sizeof(buf_a) - 16, 0xaa, 16);
	memset(buf_b, 0xbb, 16);
	assert_int_equal(guest_mem_read(&m, &c, 0x2ff0, out, 32), 0);
	assert_int_equal(out[15], 0xaa);
	assert_int_equal(out[16], 0xbb);
	assert_int_equal(guest_mem_read(&m, &c, 0x3ff0, out, 32), -EFAULT);
	assert_ptr_equal(guest_mem_uva_ptr(&m, 0x7010, 16), buf_b + 16);
	assert_null(guest_mem_uva_ptr(&m, 0x7ff0, 32));
	assert_true(guest_mem_host_to_gpa(&m, buf_b + 5, &gpa));
	assert_int_equal(gpa, 0x3005);
}

static void maps_and_releases_an_fd_region(void **state)
{
	struct guest_mem m;
	struct guest_mem_cache c = { 0 };
	int fd = memfd_create("gm", 0);
	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 3 * 4096), 0);
	guest_mem_init(&m);
	/* a non-page-aligned offset into the fd */
	assert_int_equal(guest_mem_add_fd(&m, 0x100000, 4096, 0x100000, fd, 100), 0);
	uint8_t *p = guest_mem_ptr(&m, &c, 0x100000, 4096);
	assert_non_null(p);
	p[0] = 7;
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, 100), 1);
	assert_int_equal(b, 7);
	guest_mem_release(&m);
	assert_int_equal(m.nregions, 0);
	assert_int_equal(fcntl(fd, F_GETFD), -1); /* the table closed it */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rejects_zero_size_overlap_and_wrap),
		cmocka_unit_test(translates_inside_one_region),
		cmocka_unit_test(splits_a_range_that_straddles_two_regions),
		cmocka_unit_test(fails_outside_every_region),
		cmocka_unit_test(address_plus_length_wrap_is_refused),
		cmocka_unit_test(cache_follows_the_last_hit),
		cmocka_unit_test(a_zeroed_cache_follows_a_new_table),
		cmocka_unit_test(reads_and_maps_front_end_addresses),
		cmocka_unit_test(maps_and_releases_an_fd_region),
	};
	return cmocka_run_group_tests_name("guest_mem", tests, NULL, NULL);
}
