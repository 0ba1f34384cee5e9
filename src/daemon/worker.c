/* SPDX-License-Identifier: MIT */
#include "daemon/worker.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "util/counter.h"
#include "util/log.h"

LOG_MODULE("worker");

static const char *const mode_names[] = { "event", "adaptive", "busy" };

bool poll_mode_parse(const char *s, enum poll_mode *out)
{
	for (unsigned i = 0; i < 3; i++)
		if (!strcmp(s, mode_names[i])) {
			*out = (enum poll_mode)i;
			return true;
		}
	return false;
}

const char *poll_mode_name(enum poll_mode m)
{
	return mode_names[m];
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void run_pending_call(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	if (w->call_pending) {
		w->call_fn(w, w->call_arg);
		w->call_pending = false;
		pthread_cond_broadcast(&w->done_cond);
	}
	pthread_mutex_unlock(&w->lock);
}

/* One pass over every queue; returns how many frames moved. */
static __attribute__((noinline)) unsigned poll_once(struct worker *w)
{
	unsigned moved = 0;

	for (unsigned i = 0; i < w->nqueues; i++) {
		struct port_queue *q = w->queues[i];
		unsigned n;

		/* a port is polled only while it sits on a bridge */
		if (q->broken || !__atomic_load_n(&q->port->bridge, __ATOMIC_ACQUIRE))
			continue;
		n = q->port->ops->rx_burst(q, w->frames_buf, FRAME_BURST);
		if (n) {
			bridge_forward(w->scratch, q->port, w->frames_buf, n, w->id);
			counter_add(&w->bursts, 1);
			counter_add(&w->frames, n);
		}
		q->port->ops->rx_done(q);
		moved += n;
	}
	return moved;
}

/* Re-arm every queue's notification; false if one already has work. */
static bool arm_all(struct worker *w)
{
	bool ready = false;

	for (unsigned i = 0; i < w->nqueues; i++)
		if (!w->queues[i]->broken && w->queues[i]->port->ops->arm(w->queues[i]))
			ready = true;
	return !ready;
}

static void disarm_all(struct worker *w)
{
	eventfd_t v;

	eventfd_read(w->wake_fd, &v);
	for (unsigned i = 0; i < w->nqueues; i++)
		if (!w->queues[i]->broken)
			w->queues[i]->port->ops->disarm(w->queues[i]);
}

static void sleep_until_work(struct worker *w)
{
	struct epoll_event ev[16];

	if (arm_all(w) && !__atomic_load_n(&w->call_pending, __ATOMIC_ACQUIRE)) {
		counter_add(&w->sleeps, 1);
		epoll_wait(w->epfd, ev, 16, 1000);
	}
	disarm_all(w);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t idle_since = 0, t0;
	char name[16];

	snprintf(name, sizeof(name), "uvnet-vhost/%u", w->id);
	pthread_setname_np(pthread_self(), name);
	if (w->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
			log_warn("cannot pin worker %u to CPU %d", w->id, w->cpu);
	}
	disarm_all(w);
	t0 = __rdtsc();
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(&w->call_pending, __ATOMIC_ACQUIRE)) {
			run_pending_call(w);
			t0 = __rdtsc();
		}
		unsigned moved = poll_once(w);
		uint64_t t1 = __rdtsc();

		/* cycles per frame = busy_cycles / frames: the cost of the data
		 * path without the empty polls around it (one rdtsc a pass: each
		 * pass starts where the last one ended) */
		if (moved)
			counter_add(&w->busy_cycles, t1 - t0);
		t0 = t1;
		if (moved) {
			idle_since = 0;
			continue;
		}
		if (w->mode == POLL_BUSY)
			continue;
		if (w->mode == POLL_ADAPTIVE) {
			uint64_t now = now_us();

			if (!idle_since)
				idle_since = now;
			if (now - idle_since < w->spin_us) {
				__builtin_ia32_pause();
				continue;
			}
		}
		sleep_until_work(w);
		idle_since = 0;
		t0 = __rdtsc();
	}
	return NULL;
}

/* Run fn on worker w between two bursts and wait for it. */
static void worker_call(struct worker *w, worker_fn fn, void *arg)
{
	pthread_mutex_lock(&w->lock);
	w->call_fn = fn;
	w->call_arg = arg;
	__atomic_store_n(&w->call_pending, true, __ATOMIC_RELEASE);
	eventfd_write(w->wake_fd, 1);
	while (w->call_pending)
		pthread_cond_wait(&w->done_cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

struct attach_call {
	struct port_queue *q;
	int rc;
};

static void do_attach(struct worker *w, void *arg)
{
	struct attach_call *a = arg;
	struct port_queue *q = a->q;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = q };

	if (w->nqueues == WORKER_MAX_QUEUES) {
		a->rc = -ENOSPC;
		return;
	}
	if (q->fd >= 0 && epoll_ctl(w->epfd, EPOLL_CTL_ADD, q->fd, &ev)) {
		a->rc = -errno;
		return;
	}
	a->rc = 0;
	w->queues[w->nqueues++] = q;
	q->worker = (int)w->id;
	/* The worker is awake and polling: no notifications until it arms
	 * its queues to sleep.  A busy-polling worker never sleeps, so
	 * without this a guest would kick (a syscall) after every TX burst
	 * for as long as the queue lives. */
	q->port->ops->disarm(q);
}

static void do_detach(struct worker *w, void *arg)
{
	struct port_queue *q = arg;

	for (unsigned i = 0; i < w->nqueues; i++) {
		if (w->queues[i] != q)
			continue;
		if (q->fd >= 0 && epoll_ctl(w->epfd, EPOLL_CTL_DEL, q->fd, NULL))
			log_warn("worker %u: %s queue %u: cannot stop watching fd %d: %s", w->id,
				 q->port->name, q->idx, q->fd, strerror(errno));
		w->queues[i] = w->queues[--w->nqueues];
		q->worker = -1;
		return;
	}
}

static void do_nothing(struct worker *w, void *arg)
{
	(void)w, (void)arg;
}

int worker_pool_attach(struct worker_pool *pool, struct port_queue *q, struct error *e)
{
	struct worker *best = &pool->w[0];
	struct attach_call a = { q, 0 };

	for (unsigned i = 1; i < pool->n; i++)
		if (pool->w[i].nqueues < best->nqueues)
			best = &pool->w[i];
	worker_call(best, do_attach, &a);
	if (a.rc == -ENOSPC)
		return error_set(e, a.rc, "queue %u: every worker polls %d queues already (--workers %u)",
				 q->idx, WORKER_MAX_QUEUES, pool->n);
	if (a.rc)
		return error_set(e, a.rc, "queue %u: worker %u cannot watch its fd: %s", q->idx,
				 best->id, strerror(-a.rc));
	return 0;
}

void worker_pool_detach(struct worker_pool *pool, struct port_queue *q)
{
	if (q->worker >= 0)
		worker_call(&pool->w[q->worker], do_detach, q);
}

void worker_pool_sync(struct worker_pool *pool)
{
	for (unsigned i = 0; i < pool->n; i++)
		worker_call(&pool->w[i], do_nothing, NULL);
}

static int worker_init(struct worker *w, unsigned id, enum poll_mode mode, int cpu)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	*w = (struct worker){ .id = id, .cpu = cpu, .mode = mode, .spin_us = 50 };
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->done_cond, NULL);
	w->scratch = calloc(1, sizeof(*w->scratch));
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!w->scratch || w->epfd < 0 || w->wake_fd < 0 ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wake_fd, &ev))
		return -errno ? -errno : -ENOMEM;
	return -pthread_create(&w->thread, NULL, worker_main, w);
}

int worker_pool_start(struct worker_pool *pool, unsigned n, enum poll_mode mode,
		      const int *cpus, unsigned ncpus)
{
	if (n == 0 || n > WORKER_MAX)
		return -EINVAL;
	pool->n = 0;
	for (unsigned i = 0; i < n; i++) {
		int rc = worker_init(&pool->w[i], i, mode, ncpus ? cpus[i % ncpus] : -1);

		if (rc) {
			worker_pool_stop(pool);
			return rc;
		}
		pool->n++;
	}
	return 0;
}

void worker_pool_stop(struct worker_pool *pool)
{
	for (unsigned i = 0; i < pool->n; i++) {
		struct worker *w = &pool->w[i];

		__atomic_store_n(&w->stop, true, __ATOMIC_RELEASE);
		eventfd_write(w->wake_fd, 1);
		pthread_join(w->thread, NULL);
		close(w->epfd);
		close(w->wake_fd);
		free(w->scratch);
	}
	pool->n = 0;
}
