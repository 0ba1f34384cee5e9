/* SPDX-License-Identifier: MIT */
/*
 * The control thread's event loop: epoll over the fds it watches (the
 * control socket, vhost-user sockets, signalfd, timers), each with a
 * callback.  A watch removed while its event is pending is not called: it
 * is freed after the round.
 */
#ifndef UVNET_DAEMON_LOOP_H
#define UVNET_DAEMON_LOOP_H

#include <stdbool.h>

#include "util/error.h"

#define LOOP_MAX_WATCHES 2048

struct loop_watch;

struct loop {
	int epfd;
	bool stopping;
	unsigned nwatches;
	struct loop_watch *watches[LOOP_MAX_WATCHES];
};

int loop_init(struct loop *l, struct error *e);
void loop_fini(struct loop *l);

/* cb(arg) runs on the control thread whenever fd is readable; 0, -ENOSPC
 * (LOOP_MAX_WATCHES), -EEXIST or epoll's -errno. */
int loop_watch(struct loop *l, int fd, void (*cb)(void *arg), void *arg);
void loop_unwatch(struct loop *l, int fd);
/* Also call the watch's cb when fd is writable (on) or not any more (off):
 * a non-blocking connect, an output backlog.  0 or -ENOENT / epoll's. */
int loop_want_write(struct loop *l, int fd, bool on);

/* Wait for events (at most timeout_ms; -1: no limit) and run their
 * callbacks once. */
void loop_run_once(struct loop *l, int timeout_ms);

#endif
