/* SPDX-License-Identifier: MIT */
/*
 * Data-plane worker threads ("uvnet-vhost/N", the role of the kernel's
 * vhost-$pid thread).  Each polls the port queues it was given: pull a
 * burst, forward it through the bridge, release it.  When idle it sleeps
 * in epoll on the queues' fds with notifications re-armed (event mode),
 * spins a little first (adaptive), or never sleeps (busy).
 *
 * The control thread changes a worker's queue set only through
 * worker_call(), which runs a function on the worker between two bursts
 * and waits for it: after that returns, the worker no longer holds
 * anything from before.
 */
#ifndef UVNET_DAEMON_WORKER_H
#define UVNET_DAEMON_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "switch/bridge.h"
#include "port/port.h"
#include "util/error.h"

#define WORKER_MAX PORT_MAX_WORKERS /* each has its port counter slot */
#define WORKER_MAX_QUEUES 256

enum poll_mode { POLL_EVENT, POLL_ADAPTIVE, POLL_BUSY };

struct worker;
typedef void (*worker_fn)(struct worker *w, void *arg);

struct worker {
	unsigned id;
	int cpu;                     /* -1: not pinned */
	pthread_t thread;
	int epfd;
	int wake_fd;                 /* eventfd: the control thread wants us */
	enum poll_mode mode;
	unsigned spin_us;
	struct port_queue *queues[WORKER_MAX_QUEUES];
	unsigned nqueues;
	bool stop;
	/* worker_call() hand-off */
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	worker_fn call_fn;
	void *call_arg;
	bool call_pending;
	/* counters, written by the worker only, read by the control thread */
	uint64_t bursts, frames, sleeps;
	uint64_t busy_cycles;        /* TSC cycles in passes that moved frames */
	struct fwd_scratch *scratch;
	struct frame frames_buf[FRAME_BURST];
};

struct worker_pool {
	unsigned n;
	struct worker w[WORKER_MAX];
};

/* Start n workers; cpus[] (ncpus entries, may be 0) pins worker i to
 * cpus[i % ncpus].  0 or -errno. */
int worker_pool_start(struct worker_pool *pool, unsigned n, enum poll_mode mode,
		      const int *cpus, unsigned ncpus);
void worker_pool_stop(struct worker_pool *pool);

/* Give q to the least loaded worker (synchronous): 0, or -ENOSPC when
 * every worker polls WORKER_MAX_QUEUES queues already, or epoll's -errno
 * for q->fd; e says which.  Take it back (a detached queue is fine). */
int worker_pool_attach(struct worker_pool *pool, struct port_queue *q, struct error *e);
void worker_pool_detach(struct worker_pool *pool, struct port_queue *q);

/* Return once every worker has finished the burst it was in. */
void worker_pool_sync(struct worker_pool *pool);

bool poll_mode_parse(const char *s, enum poll_mode *out);
const char *poll_mode_name(enum poll_mode m);

#endif
