/* SPDX-License-Identifier: MIT */
/*
 * Driver and device on two threads, as they run in two processes on two
 * cores: each side sleeps on an eventfd when it has nothing to do and
 * relies on the other side's notification decisions (event idx or flags)
 * to wake it.  A lost notification hangs a side, which the poll timeout
 * turns into a failure; every buffer must arrive once, in order, intact.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include "ring_fixture.h"

#define TOTAL 200000u
#define SLOT 64 /* bytes of data area per buffer slot */

struct pair {
	struct ring_fixture f;
	int kick_fd, call_fd;
	unsigned kicks, calls;
	const char *error; /* first failure seen by a thread */
};

/* Sleep until fd is signalled; false after 5 s (a lost notification). */
static bool wait_fd(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, 5000) != 1)
		return false;
	return read(fd, &v, sizeof(v)) == sizeof(v);
}

static void signal_fd(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

static void *device_thread(void *arg)
{
	struct pair *p = arg;
	struct vq_dev *vq = &p->f.dev;
	uint32_t expect = 0;

	while (expect < TOTAL && !p->error) {
		struct vq_chain c[32];
		int n = vq_dev_pop_burst(vq, c, 32);

		if (n < 0) {
			p->error = vq_dev_broken(vq);
			break;
		}
		if (n == 0) {
			if (!vq_dev_enable_kick(vq) && !wait_fd(p->kick_fd))
				p->error = "device: kick lost";
			vq_dev_disable_kick(vq);
			continue;
		}
		for (int i = 0; i < n; i++) {
			uint32_t seq;

			memcpy(&seq, c[i].iov[0].iov_base, sizeof(seq));
			if (seq != expect++ || c[i].out_len != SLOT)
				p->error = "device: buffer out of order or wrong length";
			vq_dev_push(vq, c[i].id, c[i].ndesc, 0);
		}
		vq_dev_flush(vq);
		if (vq_dev_needs_call(vq)) {
			p->calls++;
			signal_fd(p->call_fd);
		}
	}
	return NULL;
}

static void *driver_thread(void *arg)
{
	struct pair *p = arg;
	struct vq_drv *vq = &p->f.drv;
	uint32_t sent = 0, done = 0;
	uint16_t free_slots[VQ_MAX_SIZE];
	unsigned nfree = p->f.size;

	for (unsigned i = 0; i < nfree; i++)
		free_slots[i] = (uint16_t)i;
	while (done < TOTAL && !p->error) {
		void *tok[32];
		uint32_t len[32];
		int n;

		while (sent < TOTAL && nfree) {
			uint16_t s = free_slots[--nfree];
			struct vq_buf b = { rf_gpa(&p->f, p->f.data + s * SLOT), SLOT };

			memcpy(p->f.data + s * SLOT, &sent, sizeof(sent));
			if (vq_drv_add(vq, &b, 1, NULL, 0, (void *)(uintptr_t)(s + 1))) {
				nfree++;
				break;
			}
			sent++;
		}
		vq_drv_publish(vq);
		if (vq_drv_needs_kick(vq)) {
			p->kicks++;
			signal_fd(p->kick_fd);
		}
		n = vq_drv_get_used(vq, tok, len, 32);
		if (n < 0) {
			p->error = vq_drv_broken(vq);
			break;
		}
		for (int i = 0; i < n; i++)
			free_slots[nfree++] = (uint16_t)((uintptr_t)tok[i] - 1);
		done += (uint32_t)n;
		if (n == 0 && (sent == TOTAL || !nfree)) {
			if (!vq_drv_enable_call(vq) && !wait_fd(p->call_fd))
				p->error = "driver: interrupt lost";
			vq_drv_disable_call(vq);
		}
	}
	return NULL;
}

static void run_pair(enum vq_layout layout, unsigned size, uint64_t features)
{
	struct pair p = { 0 };
	pthread_t dev, drv;

	assert_int_equal(rf_init(&p.f, layout, size, features, (size_t)size * SLOT), 0);
	p.kick_fd = eventfd(0, 0);
	p.call_fd = eventfd(0, 0);
	vq_drv_disable_call(&p.f.drv);
	assert_int_equal(pthread_create(&dev, NULL, device_thread, &p), 0);
	assert_int_equal(pthread_create(&drv, NULL, driver_thread, &p), 0);
	pthread_join(drv, NULL);
	pthread_join(dev, NULL);
	print_message("# size %u features %#llx: %u kicks, %u calls for %u buffers\n",
		      size, (unsigned long long)features, p.kicks, p.calls, TOTAL);
	if (p.error)
		fail_msg("%s", p.error);
	close(p.kick_fd);
	close(p.call_fd);
	rf_fini(&p.f);
}

static void split_with_flags_notifications(void **state)
{
	(void)state;
	run_pair(VQ_SPLIT, 256, 0);
}

static void split_with_event_idx_indirect_in_order(void **state)
{
	(void)state;
	run_pair(VQ_SPLIT, 256, F_EVENT_IDX);
	run_pair(VQ_SPLIT, 64, F_EVENT_IDX | F_INDIRECT | F_IN_ORDER);
}

static void packed_with_flags_notifications(void **state)
{
	(void)state;
	run_pair(VQ_PACKED, 256, F_PACKED);
	run_pair(VQ_PACKED, 100, F_PACKED); /* not a power of two */
}

static void packed_with_event_idx_in_order(void **state)
{
	(void)state;
	run_pair(VQ_PACKED, 256, F_PACKED | F_EVENT_IDX);
	run_pair(VQ_PACKED, 77, F_PACKED | F_EVENT_IDX | F_IN_ORDER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(split_with_flags_notifications),
		cmocka_unit_test(split_with_event_idx_indirect_in_order),
		cmocka_unit_test(packed_with_flags_notifications),
		cmocka_unit_test(packed_with_event_idx_in_order),
	};
	return cmocka_run_group_tests_name("virtq_threads", tests, NULL, NULL);
}
