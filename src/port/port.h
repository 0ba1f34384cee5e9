/* SPDX-License-Identifier: MIT */
/*
 * A switch port: something frames come from and go to.  Each kind
 * (vhost-user, tap, afpacket, vxlan, ovn-tunnel) fills in a struct port_ops and embeds
 * a struct port; nothing outside its file knows how a kind moves bytes.
 * Kinds are found by name in port_kind.h's registry.
 *
 * Frames enter through a port's rx queues, each polled by exactly one
 * worker thread; frames leave through tx_burst(), which any worker may call
 * and which the port makes safe (per-queue lock, or an atomic syscall).
 * Counters follow OVS: rx = into the switch, tx = out of it.
 */
#ifndef UVNET_PORT_PORT_H
#define UVNET_PORT_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/counter.h"
#include "util/error.h"
#include "net/frame.h"

#define PORT_NAME_MAX 32
#define PORT_MAX_QUEUES 8

struct port;
struct json_object;

struct port_counters {
	uint64_t packets, bytes, dropped, errors;
};

/*
 * Counters have one slot per writer: each worker, and the control thread
 * (the frames it injects), so that counting needs no locked instruction
 * (util/counter.h).  Readers sum the slots.  A slot is 64 bytes: workers
 * seldom share a cache line.
 */
#define PORT_MAX_WORKERS 16
#define PORT_SLOT_CONTROL PORT_MAX_WORKERS
#define PORT_SLOTS (PORT_MAX_WORKERS + 1)

struct port_slot {
	struct port_counters rx, tx;
};

/* One source of frames, polled by one worker. */
struct port_queue {
	struct port *port;
	unsigned idx;
	int fd;              /* what the worker's epoll waits on; -1: nothing */
	bool broken;         /* stopped for good after a protocol violation */
	int worker;          /* the worker polling it; -1 when detached */
	void *priv;          /* the port kind's per-queue state */
};

/* A port that connects to its peer (a vhost-user port in client mode). */
enum port_peer {
	PORT_PEER_UP,       /* connected */
	PORT_PEER_TRYING,   /* not connected; the peer may still come */
	PORT_PEER_GONE,     /* the last attempt found no socket file, or one
			       nobody listens on (its owner died) */
};

struct port_ops {
	const char *kind;
	/* Pull up to n frames; their bytes stay valid until rx_done().  A queue
	 * shared by several ports (a tunnel endpoint) may point q->port at the
	 * port the frames belong to: callers read q->port after the call. */
	unsigned (*rx_burst)(struct port_queue *q, struct frame *f, unsigned n);
	/* The frames of the last rx_burst() have been forwarded. */
	void (*rx_done)(struct port_queue *q);
	/* Emit frames; tagged[i] says whether frame i leaves with an 802.1Q
	 * tag.  `worker` picks a queue and a counter slot (PORT_SLOT_CONTROL
	 * from the control thread).  Returns how many were sent. */
	unsigned (*tx_burst)(struct port *p, unsigned worker, struct frame *const *f,
			     const bool *tagged, unsigned n);
	/* About to sleep: ask for a wake-up on q->fd.  True if work arrived
	 * meanwhile (poll again instead).  disarm() when polling resumes. */
	bool (*arm)(struct port_queue *q);
	void (*disarm)(struct port_queue *q);
	/* Kind-specific configuration and state, for show and the state file. */
	void (*describe)(struct port *p, struct json_object *o);
	/* Once a second on the control thread (reconnects, housekeeping). */
	void (*tick)(struct port *p);
	/* Whether the peer it connects to is there; NULL: it has none. */
	enum port_peer (*peer)(struct port *p);
	void (*destroy)(struct port *p);
};

/* What the daemon lends the ports: workers and the control thread. */
struct port_env {
	/* Hand q to a worker: 0, or a negative errno with e saying why (every
	 * worker has WORKER_MAX_QUEUES queues, its fd cannot be watched) and
	 * q not polled by anyone.  detach takes it back, returning once no
	 * worker touches q (a queue never attached is fine). */
	int (*attach)(struct port_env *env, struct port_queue *q, struct error *e);
	void (*detach)(struct port_env *env, struct port_queue *q);
	/* Control-thread fds: cb(arg) runs when fd is readable.  0 or a
	 * negative errno (the loop is full, epoll refused the fd). */
	int (*watch)(struct port_env *env, int fd, void (*cb)(void *arg), void *arg);
	void (*unwatch)(struct port_env *env, int fd);
	/* Send a frame into the switch as if port p had received it. */
	void (*inject)(struct port_env *env, struct port *p, struct frame *f);
	unsigned nworkers;
};

struct port {
	char name[PORT_NAME_MAX];
	const struct port_ops *ops;
	struct port_env *env;
	unsigned mtu;           /* largest L3 payload it takes (0 = no limit) */
	uint32_t index;         /* slot in its bridge */
	void *bridge;           /* the switch layer's, opaque here; NULL while
				   the port is not (or no longer) on one */
	struct port_slot counters[PORT_SLOTS];
};

/* Count a burst at once, in the caller's slot (see struct port_slot). */
static inline void port_count(struct port_counters *c, uint64_t packets, uint64_t bytes,
			      uint64_t dropped, uint64_t errors)
{
	if (packets)
		counter_add(&c->packets, packets);
	if (bytes)
		counter_add(&c->bytes, bytes);
	if (dropped)
		counter_add(&c->dropped, dropped);
	if (errors)
		counter_add(&c->errors, errors);
}

static inline struct port_counters *port_rx(struct port *p, unsigned slot)
{
	return &p->counters[slot].rx;
}

static inline struct port_counters *port_tx(struct port *p, unsigned slot)
{
	return &p->counters[slot].tx;
}

/* The sum over all slots; tx picks the direction. */
static inline struct port_counters port_read(const struct port *p, bool tx)
{
	struct port_counters sum = { 0 };

	for (unsigned i = 0; i < PORT_SLOTS; i++) {
		const struct port_counters *c = tx ? &p->counters[i].tx : &p->counters[i].rx;

		sum.packets += __atomic_load_n(&c->packets, __ATOMIC_RELAXED);
		sum.bytes += __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
		sum.dropped += __atomic_load_n(&c->dropped, __ATOMIC_RELAXED);
		sum.errors += __atomic_load_n(&c->errors, __ATOMIC_RELAXED);
	}
	return sum;
}

/*
 * What every kind does first: name (cut to PORT_NAME_MAX - 1), ops and env
 * set, everything else zero.  A kind allocates its own struct (with
 * struct port first) and calls this before anything can fail.
 */
void port_init(struct port *p, const char *name, const struct port_ops *ops,
	       struct port_env *env);

/* A queue of port p (NULL: not yet known, a shared tunnel endpoint) with
 * index idx, waiting on fd (-1: none yet), not on a worker yet. */
void port_queue_init(struct port_queue *q, struct port *p, unsigned idx, int fd, void *priv);

#endif
