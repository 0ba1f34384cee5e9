/* SPDX-License-Identifier: MIT */
/*
 * Captures of a port (uvnetctl capture): copies of the frames the switch
 * receives from the port ("in", before anything is decided on them: the
 * bytes as the port delivered them, tag included) and of the frames it
 * hands the port to send ("out", after the VLAN decision: the header the
 * port will put on the wire, then the frame's bytes), cut at a snap
 * length, into a ring per writer slot (each worker, the control thread)
 * so that no two threads ever write one ring.  The forwarding thread
 * never waits for a capture: what does not fit is dropped and counted.
 *
 * A port's captures are one immutable set the bridge points to; a new
 * capture or one that ends publishes a new set, and the old one is freed
 * once no burst can still read it (the daemon's worker sync), as with a
 * port's configuration.
 */
#ifndef UVNET_SWITCH_PORT_CAPTURE_H
#define UVNET_SWITCH_PORT_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "net/capture_ring.h"
#include "net/frame.h"
#include "port/port.h"

#define PORT_CAPTURE_IN 1u
#define PORT_CAPTURE_OUT 2u
#define PORT_CAPTURE_SNAPLEN_MAX 262144u    /* tcpdump's default and largest */
#define PORT_CAPTURE_MAX_PER_PORT 8

struct port_capture {
	unsigned dir;                           /* PORT_CAPTURE_IN | PORT_CAPTURE_OUT */
	uint32_t snaplen;
	struct capture_ring *ring[PORT_SLOTS];  /* by writer slot; NULL: no such writer */
};

struct port_capture_set {
	unsigned n;
	unsigned dir;                           /* what any of them wants */
	struct port_capture *c[PORT_CAPTURE_MAX_PER_PORT];
};

/* A capture with a ring of ring_size bytes for each of workers 0..nworkers-1
 * and the control thread; NULL if out of memory (or ring_size is not a
 * power of two, see capture_ring_new). */
struct port_capture *port_capture_new(unsigned dir, uint32_t snaplen, unsigned nworkers,
				      size_t ring_size);
void port_capture_free(struct port_capture *c);
/* Records dropped and written, over every ring. */
uint64_t port_capture_dropped(const struct port_capture *c);
uint64_t port_capture_written(const struct port_capture *c);

/* A copy of `old` (NULL: empty) with c added, or without it (remove):
 * NULL if out of memory, or for an add to a full set. */
struct port_capture_set *port_capture_set_with(const struct port_capture_set *old,
					       struct port_capture *c);
struct port_capture_set *port_capture_set_without(const struct port_capture_set *old,
						  const struct port_capture *c);

/* Forwarding thread (writer slot `slot`): n frames received from the port. */
void port_capture_in(const struct port_capture_set *s, const struct frame *f, unsigned n,
		     unsigned slot, const struct timespec *ts);
/* Forwarding thread: n frames handed to the port, tagged[i] as it will send them. */
void port_capture_out(const struct port_capture_set *s, struct frame *const *f,
		      const bool *tagged, unsigned n, unsigned slot, const struct timespec *ts);

#endif
