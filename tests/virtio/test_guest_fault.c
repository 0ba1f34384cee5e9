/* SPDX-License-Identifier: MIT */
/*
 * Guest memory whose file shrinks under us: memfd-backed regions mapped
 * by guest_mem_add_fd(), then truncated, then touched through the access
 * paths the data path uses (ring pops, translation and copies).  Nothing
 * may crash; the table's fault word and the ring's broken reason say
 * what happened.  A fault outside guest memory must still kill.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/virtio_ring.h>
#include <cmocka.h>

#include "virtio/guest_fault.h"
#include "virtio/guest_mem.h"
#include "virtio/vq_dev.h"

#define MEM_LEN (64u * 1024)
#define GPA 0x100000u
#define QSIZE 16u
#define DESC_OFF 0x1000u
#define AVAIL_OFF 0x2000u
#define USED_OFF 0x3000u
#define BUF_OFF 0x8000u

struct guest {
	int fd;
	uint8_t *front;          /* the front-end's own mapping */
	struct guest_mem mem;    /* ours, as uvnetd maps it */
	struct vq_dev vq;
};

/* A memfd front-end with one 64-byte frame available in a split ring. */
static void guest_setup(struct guest *g)
{
	struct vring_desc *d;
	struct vring_avail *a;
	struct vq_rings r;

	/* cmocka takes SIGBUS for each test; take it back */
	assert_int_equal(guest_fault_install(), 0);
	g->fd = memfd_create("uvnet-test-guest", MFD_CLOEXEC); /* not sealable */
	assert_true(g->fd >= 0);
	assert_int_equal(ftruncate(g->fd, MEM_LEN), 0);
	g->front = mmap(NULL, MEM_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
	assert_true(g->front != MAP_FAILED);
	d = (struct vring_desc *)(g->front + DESC_OFF);
	a = (struct vring_avail *)(g->front + AVAIL_OFF);
	d[0] = (struct vring_desc){ .addr = GPA + BUF_OFF, .len = 64 };
	memset(g->front + BUF_OFF, 0xab, 64);
	a->ring[0] = 0;
	a->idx = 1;
	guest_mem_init(&g->mem);
	assert_int_equal(guest_mem_add_fd(&g->mem, GPA, MEM_LEN, 0x7000000, dup(g->fd), 0), 0);
	r = (struct vq_rings){ .desc = guest_mem_ptr(&g->mem, NULL, GPA + DESC_OFF, 1),
			       .driver = guest_mem_ptr(&g->mem, NULL, GPA + AVAIL_OFF, 1),
			       .device = guest_mem_ptr(&g->mem, NULL, GPA + USED_OFF, 1) };
	assert_int_equal(vq_dev_init(&g->vq, VQ_SPLIT, QSIZE, 0, &g->mem, &r, 0), 0);
}

static void guest_teardown(struct guest *g)
{
	guest_mem_release(&g->mem);
	munmap(g->front, MEM_LEN);
	close(g->fd);
}

static void whole_memory_pops_and_reports_nothing(void **state)
{
	struct guest g;
	struct vq_chain c[2];
	char why[256];
	(void)state;
	guest_setup(&g);
	assert_int_equal(vq_dev_pop_burst(&g.vq, c, 2), 1);
	assert_int_equal(c[0].out_len, 64);
	assert_int_equal(guest_fault_read(&g.mem.fault), 0);
	assert_false(guest_mem_fault_reason(&g.mem, why, sizeof(why)));
	guest_teardown(&g);
}

static void truncated_memory_reads_zeros_and_breaks_the_ring(void **state)
{
	struct guest g;
	struct vq_chain c[2];
	uint8_t out[64], want[64] = { 0 };
	char why[256];
	(void)state;
	guest_setup(&g);
	assert_int_equal(ftruncate(g.fd, 0), 0);
	/* a copy out of a buffer, as the dequeue path does: faults, then zeros */
	memset(out, 0x11, sizeof(out));
	assert_int_equal(guest_mem_read(&g.mem, NULL, GPA + BUF_OFF, out, sizeof(out)), 0);
	assert_memory_equal(out, want, sizeof(out));
	assert_true(guest_fault_read(&g.mem.fault) != 0);
	assert_true(guest_mem_fault_reason(&g.mem, why, sizeof(why)));
	assert_non_null(strstr(why, "region 0 (gpa 0x100000"));
	assert_non_null(strstr(why, "shrank under us"));
	/* the next burst finds out and breaks the ring with that reason */
	assert_int_equal(vq_dev_pop_burst(&g.vq, c, 2), -EIO);
	assert_string_equal(vq_dev_broken(&g.vq), why);
	guest_teardown(&g);
}

static void truncated_ring_write_lands_in_a_throwaway_page(void **state)
{
	struct guest g;
	struct iovec iov[2];
	struct guest_mem_cache cache = { 0 };
	(void)state;
	guest_setup(&g);
	assert_int_equal(ftruncate(g.fd, 4096), 0); /* the rings' pages go, page 0 stays */
	/* a write into a receive buffer, as the enqueue path does */
	assert_int_equal(guest_mem_translate(&g.mem, &cache, GPA + BUF_OFF, 64, iov, 2), 1);
	memset(iov[0].iov_base, 0x5a, 64);
	assert_true(guest_fault_read(&g.mem.fault) != 0);
	/* the front-end's file saw none of it: it is 4 KiB long now */
	assert_int_equal(lseek(g.fd, 0, SEEK_END), 4096);
	/* and the ring's own writes (used ring) land there too */
	vq_dev_push(&g.vq, 0, 1, 0);
	vq_dev_flush(&g.vq);
	guest_teardown(&g);
}

static void two_tables_fault_apart(void **state)
{
	struct guest a, b;
	uint8_t byte;
	(void)state;
	guest_setup(&a);
	guest_setup(&b);
	assert_int_equal(ftruncate(a.fd, 0), 0);
	assert_int_equal(guest_mem_read(&b.mem, NULL, GPA + BUF_OFF, &byte, 1), 0);
	assert_int_equal(byte, 0xab);
	assert_int_equal(guest_fault_read(&b.mem.fault), 0);
	assert_int_equal(guest_mem_read(&a.mem, NULL, GPA + BUF_OFF, &byte, 1), 0);
	assert_int_equal(byte, 0);
	assert_true(guest_fault_read(&a.mem.fault) != 0);
	assert_int_equal(guest_fault_read(&b.mem.fault), 0);
	guest_teardown(&a);
	guest_teardown(&b);
}

/* A released table is no longer guest memory: a fault there is a bug. */
static void fault_outside_guest_memory_still_kills(void **state)
{
	int status;
	pid_t pid;
	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = memfd_create("uvnet-test-not-guest", MFD_CLOEXEC);
		volatile uint8_t *p;

		/* what a process without other handlers has: the default */
		signal(SIGBUS, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		if (guest_fault_install() || fd < 0 || ftruncate(fd, 8192))
			_exit(3);
		p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED || ftruncate(fd, 0))
			_exit(3);
		(void)p[4096]; /* SIGBUS: not registered */
		_exit(42);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* killed by SIGBUS (or by a sanitizer's report of it), never going on */
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGBUS);
}

static void registry_refuses_past_its_size(void **state)
{
	static int slot[GUEST_FAULT_MAX_MAPPINGS];
	uintptr_t report = 0;
	unsigned n = 0;
	int extra;
	(void)state;
	for (; n < GUEST_FAULT_MAX_MAPPINGS; n++) {
		slot[n] = guest_fault_add((void *)(uintptr_t)(0x1000 * (n + 1)), 0x1000, &report);
		if (slot[n] < 0)
			break;
	}
	assert_true(n > 0);
	extra = guest_fault_add((void *)0x1000, 0x1000, &report);
	assert_int_equal(extra, -EMFILE);
	while (n--)
		guest_fault_del(slot[n]);
	extra = guest_fault_add((void *)0x1000, 0x1000, &report);
	assert_true(extra >= 0);
	guest_fault_del(extra);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whole_memory_pops_and_reports_nothing),
		cmocka_unit_test(truncated_memory_reads_zeros_and_breaks_the_ring),
		cmocka_unit_test(truncated_ring_write_lands_in_a_throwaway_page),
		cmocka_unit_test(two_tables_fault_apart),
		cmocka_unit_test(fault_outside_guest_memory_still_kills),
		cmocka_unit_test(registry_refuses_past_its_size),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
