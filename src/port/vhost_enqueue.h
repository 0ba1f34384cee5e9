/* SPDX-License-Identifier: MIT */
/*
 * Enqueue: copying frames from the switch into a guest's RX ring (the
 * receive side of the virtio-net device; the guest's TX ring is dequeued
 * in vhost_port.c), with the virtio_net_hdr the guest expects, mergeable
 * RX buffers, and the offloads the guest did not negotiate (checksum,
 * TSO/UFO) completed in software.
 */
#ifndef UVNET_PORT_VHOST_ENQUEUE_H
#define UVNET_PORT_VHOST_ENQUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/frame.h"
#include "virtio/vq_dev.h"

#define VHOST_MAX_FRAME (65535u + ETH_HLEN_TAGGED)
#define VHOST_ENQUEUE_MAX_BUFS 64   /* mergeable buffers one frame may take */
/* buffers popped ahead, >= a burst */
#define VHOST_ENQUEUE_POOL (2 * VHOST_ENQUEUE_MAX_BUFS)
#define VHOST_ENQUEUE_MAX_IOV 512

/* A frame's payload copy into a guest buffer, deferred to the end of the
 * burst (see vhost_enqueue.c). */
struct vhost_enqueue_copy {
	uint8_t *dst;
	const uint8_t *src;
	size_t len;
};

/* One guest RX ring, as a destination of frames. */
struct vhost_enqueue_ring {
	pthread_spinlock_t lock;   /* taken by the writer and by start/stop */
	const char *name;          /* the port's, for logs */
	unsigned vring;            /* this ring's index in the device */
	struct vq_dev *vq;         /* NULL while the ring is stopped */
	int call_fd;
	int err_fd;                /* written once when the ring breaks; -1: none */
	unsigned hdr_len;
	bool mrg;
	bool guest_csum, guest_tso4, guest_tso6, guest_ufo, guest_ecn;
	bool broken_logged, discard_logged;
	uint64_t packets;          /* frames delivered into this ring */
	uint64_t discarded;        /* buffers no frame could use, given back empty */
	/* guest buffers popped for the burst being delivered: [0, next) used,
	 * [next, npopped) not yet, given back when the burst is done */
	struct vq_chain *chains;   /* [VHOST_ENQUEUE_POOL] */
	unsigned next, npopped;
	unsigned frames_left;      /* frames of the burst still to deliver: how many
				    * buffers a pop may take ahead */
	struct iovec *iov;         /* [VHOST_ENQUEUE_MAX_IOV] */
	struct vhost_enqueue_copy copies[FRAME_BURST];
	unsigned ncopies;
};

struct vhost_enqueue_result {
	unsigned sent, dropped, errors;
	uint64_t bytes;
};

/* `name` (the port's) must outlive q. */
int vhost_enqueue_init(struct vhost_enqueue_ring *q, const char *name, unsigned vring);
void vhost_enqueue_fini(struct vhost_enqueue_ring *q);

/* Attach a started ring (caller holds q->lock). */
void vhost_enqueue_start(struct vhost_enqueue_ring *q, struct vq_dev *vq, int call_fd,
			 uint64_t features);

/* Copy frames into the guest's buffers (caller holds q->lock); tagged[i]:
 * emit with an 802.1Q tag. */
struct vhost_enqueue_result vhost_enqueue_burst(struct vhost_enqueue_ring *q,
						struct frame *const *f, const bool *tagged,
						unsigned n);

#endif
