/* SPDX-License-Identifier: MIT */
#include "daemon/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "util/log.h"

LOG_MODULE("loop");

struct loop_watch {
	int fd;
	void (*cb)(void *arg);      /* NULL: unwatched, freed after this round */
	void *arg;
};

int loop_init(struct loop *l, struct error *e)
{
	memset(l, 0, sizeof(*l));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return error_set(e, -errno, "epoll: %s", strerror(errno));
	return 0;
}

static void reap(struct loop *l)
{
	for (unsigned i = 0; i < l->nwatches; i++)
		if (l->watches[i] && !l->watches[i]->cb) {
			free(l->watches[i]);
			l->watches[i] = NULL;
		}
	while (l->nwatches && !l->watches[l->nwatches - 1])
		l->nwatches--;
}

void loop_fini(struct loop *l)
{
	for (unsigned i = 0; i < l->nwatches; i++)
		free(l->watches[i]);
	l->nwatches = 0;
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

int loop_watch(struct loop *l, int fd, void (*cb)(void *arg), void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct loop_watch *w;
	unsigned slot = LOOP_MAX_WATCHES;

	for (unsigned i = 0; i < l->nwatches; i++) {
		if (l->watches[i] && l->watches[i]->cb && l->watches[i]->fd == fd)
			return -EEXIST;
		if (!l->watches[i] && slot == LOOP_MAX_WATCHES)
			slot = i;
	}
	if (slot == LOOP_MAX_WATCHES && l->nwatches < LOOP_MAX_WATCHES)
		slot = l->nwatches;
	if (slot == LOOP_MAX_WATCHES)
		return -ENOSPC;
	w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct loop_watch){ fd, cb, arg };
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int rc = -errno;

		free(w);
		return rc;
	}
	l->watches[slot] = w;
	if (slot == l->nwatches)
		l->nwatches++;
	return 0;
}

void loop_unwatch(struct loop *l, int fd)
{
	for (unsigned i = 0; i < l->nwatches; i++) {
		struct loop_watch *w = l->watches[i];

		if (w && w->cb && w->fd == fd) {
			if (epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL))
				log_warn("cannot stop watching fd %d: %s", fd, strerror(errno));
			/* an event for it may still be in this round's list */
			w->cb = NULL;
			w->fd = -1;
			return;
		}
	}
}

int loop_want_write(struct loop *l, int fd, bool on)
{
	for (unsigned i = 0; i < l->nwatches; i++) {
		struct loop_watch *w = l->watches[i];

		if (w && w->cb && w->fd == fd) {
			struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = w };

			return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
		}
	}
	return -ENOENT;
}

void loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event ev[32];
	int n = epoll_wait(l->epfd, ev, 32, timeout_ms);

	for (int i = 0; i < n; i++) {
		struct loop_watch *w = ev[i].data.ptr;

		if (w->cb)
			w->cb(w->arg);
	}
	reap(l);
}
