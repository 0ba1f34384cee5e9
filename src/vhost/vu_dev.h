/* SPDX-License-Identifier: MIT */
/*
 * vhost-user back-end: the device side of the protocol.  It owns one
 * connection's state (negotiated features, the guest memory table, the
 * rings' configuration and eventfds) and turns the front-end's messages
 * into ring start/stop events for the device, which plugs in through
 * struct vu_dev_ops, the way a device plugs into libvhost-user.
 *
 * A ring runs while it has a size, addresses, a kick (fd or polling), is
 * enabled, and a memory table exists.  queue_stop() must return only when
 * no worker touches the ring any more: that is what makes it safe to swap
 * the memory table, change eventfds, or answer GET_VRING_BASE.
 *
 * Single-threaded: one control thread calls everything here.
 */
#ifndef UVNET_VHOST_VU_DEV_H
#define UVNET_VHOST_VU_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/dirty_log.h"
#include "virtio/guest_mem.h"
#include "virtio/vq_dev.h"
#include "vhost/vu_msg.h"

/* The most queue pairs a device may offer (GET_QUEUE_NUM); as OVS-DPDK.
 * A ring costs memory only once the front-end names it (vu_dev_vring()). */
#define VU_MAX_QUEUE_PAIRS 128
#define VU_MAX_VRINGS (2 * VU_MAX_QUEUE_PAIRS)

/* One ring's configuration and, while started, its device side.
 * Allocated by the first message that names the ring, freed at
 * disconnect (every ring is stopped by then). */
struct vu_vring {
	unsigned num;               /* 0 until SET_VRING_NUM */
	struct vhost_vring_addr addr;
	bool addr_set;
	uint32_t base;              /* where the ring starts or stopped */
	int kick_fd;                /* -1: none or polling */
	int call_fd;                /* -1: the front-end polls */
	int err_fd;
	bool kick_set;              /* SET_VRING_KICK seen since the last stop */
	bool enabled;
	bool started;               /* handed to the device; vq valid */
	struct vq_dev vq;
};

struct vu_dev;

struct vu_dev_ops {
	/* Ring idx is ready (vq initialised): attach it to a worker. */
	int (*queue_start)(void *opaque, unsigned idx);
	/* Detach ring idx; when this returns no worker touches it. */
	void (*queue_stop)(void *opaque, unsigned idx);
	/* SEND_RARP: announce this MAC (after migration). */
	void (*send_rarp)(void *opaque, const uint8_t mac[6]);
	/* NET_SET_MTU: the guest's MTU. */
	void (*set_mtu)(void *opaque, unsigned mtu);
};

struct vu_dev_config {
	uint64_t features;          /* virtio feature bits offered */
	uint64_t protocol_features; /* vhost-user protocol bits offered */
	unsigned queue_pairs;       /* 1..VU_MAX_QUEUE_PAIRS */
	const struct vu_dev_ops *ops;
	void *opaque;
};

struct vu_dev {
	int sock;                   /* the connection, -1 when none */
	struct vu_msg_reader reader;  /* the message being read from it */
	struct vu_dev_config cfg;
	uint64_t features;          /* negotiated */
	uint64_t protocol_features;
	bool features_set;
	uint8_t status;
	unsigned mtu;
	struct guest_mem *mem;      /* NULL until SET_MEM_TABLE */
	unsigned unsealed_regions;  /* regions whose file the front-end could
				       still shrink under us (not sealed) */
	int backend_req_fd;
	/* Dirty-page log (migration): the bitmap QEMU shared with
	 * SET_LOG_BASE, written while VHOST_F_LOG_ALL is negotiated. */
	struct dirty_log log;
	void *log_map;              /* our mapping of it (NULL: none) */
	size_t log_map_len;
	uintptr_t log_fault;        /* where it faulted (virtio/guest_fault.h) */
	int log_fault_slot;
	int log_call_fd;            /* SET_LOG_FD: signalled when a ring stops
				       while logging (its last writes are in) */
	/* NULL until a message names the ring; [0, 2 * cfg.queue_pairs) */
	struct vu_vring *vring[VU_MAX_VRINGS];
};

void vu_dev_init(struct vu_dev *d, const struct vu_dev_config *cfg);

/* Take a new connection (a previous one is dropped first). */
void vu_dev_connect(struct vu_dev *d, int sock);

/*
 * Read what the connection holds without blocking and act on the message
 * once it is whole (call it whenever the socket is readable).  0, or a
 * negative errno with e saying what was wrong ("front-end closed the
 * connection" when it did): the caller must then log it and call
 * vu_dev_disconnect().
 */
int vu_dev_handle(struct vu_dev *d, struct error *e);

/* How long a started message has waited for the rest (ms; 0: none): a
 * caller drops a front-end that leaves one unfinished too long. */
uint64_t vu_dev_waiting_ms(const struct vu_dev *d);

/* Act on one already-received message (what vu_dev_handle() does after
 * reading; separate so fuzzers and tests can feed messages directly).
 * Takes ownership of the message's fds. */
int vu_dev_dispatch(struct vu_dev *d, struct vu_msg *msg, struct error *e);

/* Stop every ring, release memory and fds, forget the negotiation. */
void vu_dev_disconnect(struct vu_dev *d);

/* Largest log SET_LOG_BASE maps: 1 GiB of bitmap covers 32 TiB of guest. */
#define VU_LOG_MAX_BYTES (1ull << 30)

/* The front-end logs dirty pages now (a migration): VHOST_F_LOG_ALL is
 * negotiated and a log is mapped. */
bool vu_dev_logging(const struct vu_dev *d);

/*
 * The front-end shrank memory it handed over (the SIGBUS handler replaced
 * the lost mapping with zero pages): the reason to break its rings with,
 * in buf.  False while every mapping is whole.  Workers find out by
 * themselves at their next burst; a ring nobody polls needs the caller.
 */
bool vu_dev_fault_reason(const struct vu_dev *d, char *buf, size_t len);

/* Ring idx as configured so far, or NULL: never named by the front-end
 * (or idx out of range). */
static inline struct vu_vring *vu_dev_vring(const struct vu_dev *d, unsigned idx)
{
	return idx < VU_MAX_VRINGS ? d->vring[idx] : NULL;
}

#endif
