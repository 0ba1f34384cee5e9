/* SPDX-License-Identifier: MIT */
/*
 * SIGBUS on guest memory (see guest_fault.h).
 *
 * What the handler may do: it runs on the thread that touched the lost
 * page, between two instructions of whatever that thread was doing (a
 * memcpy into a guest buffer, a ring index load, possibly under a ring's
 * spinlock).  It takes no lock and calls no libc function that keeps
 * state: it reads the registry with atomic loads, and replaces the
 * mapping with the mmap system call made directly (syscall(2), so that no
 * interposed mmap, such as a sanitizer's, runs here).  mmap is a system
 * call with no user-space state; the kernel does not hold the faulting
 * thread's mm lock while a signal is delivered, so mapping from the
 * handler cannot deadlock with the fault.  sigaction and raise, used to
 * hand a fault that is not ours on, are async-signal-safe.
 *
 * The replacement covers the whole mapping, not the faulting page: one
 * signal per mapping instead of one per page touched, and a huge-page
 * mapping can only be replaced whole huge pages at a time anyway.  The
 * port is broken from then on, so the bytes that were still there do not
 * matter.
 */
#include "virtio/guest_fault.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

struct slot {
	unsigned seq;            /* odd while being written */
	uintptr_t start;
	size_t len;              /* 0: free */
	uintptr_t *report;
};

static struct slot slots[GUEST_FAULT_MAX_MAPPINGS];
static unsigned nslots;      /* slots ever used: the handler scans these */
static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction previous;

/* One consistent copy of slot i; false while it is being rewritten. */
static bool slot_read(unsigned i, struct slot *out)
{
	struct slot *s = &slots[i];
	unsigned seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

	if (seq & 1)
		return false;
	out->start = __atomic_load_n(&s->start, __ATOMIC_RELAXED);
	out->len = __atomic_load_n(&s->len, __ATOMIC_RELAXED);
	out->report = __atomic_load_n(&s->report, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq;
}

static void slot_write(unsigned i, uintptr_t start, size_t len, uintptr_t *report)
{
	struct slot *s = &slots[i];

	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&s->start, start, __ATOMIC_RELAXED);
	__atomic_store_n(&s->len, len, __ATOMIC_RELAXED);
	__atomic_store_n(&s->report, report, __ATOMIC_RELAXED);
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
}

/* The fault at addr is in a registered mapping: swap it for zero pages
 * and report it.  False when addr is not ours (or the swap failed). */
static bool absorb(uintptr_t addr)
{
	unsigned n = __atomic_load_n(&nslots, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < n; i++) {
		struct slot s;
		uintptr_t none = 0;
		long rc;

		if (!slot_read(i, &s) || addr - s.start >= s.len)
			continue;
		rc = syscall(SYS_mmap, s.start, s.len, PROT_READ | PROT_WRITE,
			     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (rc == -1)
			return false;
		__atomic_compare_exchange_n(s.report, &none, addr, false, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED);
		return true;
	}
	return false;
}

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	int saved = errno;

	(void)uctx;
	/* si_code > 0: raised by the kernel for this thread's own access */
	if (si->si_code > 0 && absorb((uintptr_t)si->si_addr)) {
		errno = saved;
		return;
	}
	/* Not guest memory: a real bug.  Give the signal back to whoever
	 * had it (default: die with a core); a fault recurs on return. */
	sigaction(SIGBUS, &previous, NULL);
	if (si->si_code <= 0)
		raise(sig);
	errno = saved;
}

int guest_fault_install(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct sigaction cur;
	int rc = 0;

	pthread_mutex_lock(&writer);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, NULL, &cur))
		rc = -errno;
	else if (!(cur.sa_flags & SA_SIGINFO) || cur.sa_sigaction != on_sigbus) {
		previous = cur;
		if (sigaction(SIGBUS, &sa, NULL))
			rc = -errno;
	}
	pthread_mutex_unlock(&writer);
	return rc;
}

int guest_fault_add(void *start, size_t len, uintptr_t *report)
{
	int rc = -EMFILE;

	pthread_mutex_lock(&writer);
	for (unsigned i = 0; i < GUEST_FAULT_MAX_MAPPINGS; i++) {
		if (i < nslots && slots[i].len)
			continue;
		slot_write(i, (uintptr_t)start, len, report);
		if (i == nslots)
			__atomic_store_n(&nslots, i + 1, __ATOMIC_RELEASE);
		rc = (int)i;
		break;
	}
	pthread_mutex_unlock(&writer);
	return rc;
}

void guest_fault_del(int slot)
{
	if (slot < 0 || slot >= GUEST_FAULT_MAX_MAPPINGS)
		return;
	pthread_mutex_lock(&writer);
	slot_write((unsigned)slot, 0, 0, NULL);
	pthread_mutex_unlock(&writer);
}
