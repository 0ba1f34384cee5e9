/* SPDX-License-Identifier: MIT */
/*
 * virtio-user: a virtio-net driver in a user-space process, talking
 * vhost-user to a back-end (uvnetd, DPDK's vhost PMD, ...) instead of being
 * a guest.  What DPDK calls virtio-user: an application that wants a
 * virtio NIC on a vhost-user switch port without a VM.
 *
 * The front-end owns the packet memory: a memfd it maps and shares with
 * the back-end through SET_MEM_TABLE, naming every address by its own
 * virtual address (gpa == uva, as DPDK does).  In it lie, per queue pair,
 * the rings of an RX and a TX virtqueue (split or packed) and their packet
 * buffers, all allocated when the front-end is created: the data path
 * never allocates.
 *
 *   vu_fe_create()   memory, rings, eventfds (no connection yet)
 *   vu_fe_connect()  connect to the back-end's socket (client) or listen
 *                    and wait for it (server); negotiate; start the rings
 *   vu_fe_tx_burst() copy frames into TX buffers, publish, kick if asked
 *   vu_fe_rx_burst() hand out received frames (pointers into the RX
 *                    buffers), re-post the previous burst's buffers
 *   vu_fe_wait()     sleep on the call eventfds (event mode); or just call
 *                    the bursts in a loop (polling mode)
 *   vu_fe_destroy()  stop the rings, close, unmap
 *
 * Threads: each queue pair's TX ring and RX ring may each be driven by one
 * thread at a time (the same or two different ones); different queue pairs
 * by different threads.  A monitor thread (unless config.no_thread) watches
 * the vhost-user socket: when the back-end goes away, every data call
 * returns -ENOTCONN from then on, and with config.reconnect the monitor
 * waits for (server) or retries (client) a new connection, renegotiates
 * and restarts the rings; data calls then work again (vu_fe_generation()
 * counts the connections).  Without the thread, call vu_fe_service()
 * from a control loop instead.
 *
 * The back-end is not trusted: used ids and lengths it writes are checked
 * against what is in flight; a ring whose device misbehaves is stopped
 * (its calls return -EIO, vu_fe_queue_error() says why), and a received
 * frame whose header makes no sense is dropped and counted (rx_errors).
 *
 * Errors are negative errno values; vu_fe_error() has a sentence about
 * the last control-plane failure.
 */
#ifndef UVNET_VHOST_VU_FE_H
#define UVNET_VHOST_VU_FE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "util/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VU_FE_MAX_QUEUE_PAIRS 8
#define VU_FE_ALL_QUEUES (~0u)   /* vu_fe_wait(): every queue pair */

#define VU_FE_F(bit) (1ull << (bit))

/* Virtio feature bits the front-end knows how to act on. */
#define VU_FE_FEATURES_SUPPORTED                                              \
	(VU_FE_F(VIRTIO_F_VERSION_1) | VU_FE_F(VIRTIO_F_RING_PACKED) |        \
	 VU_FE_F(VIRTIO_F_IN_ORDER) | VU_FE_F(VIRTIO_RING_F_INDIRECT_DESC) |  \
	 VU_FE_F(VIRTIO_RING_F_EVENT_IDX) | VU_FE_F(VIRTIO_NET_F_MRG_RXBUF) | \
	 VU_FE_F(VIRTIO_NET_F_CSUM) | VU_FE_F(VIRTIO_NET_F_GUEST_CSUM) |      \
	 VU_FE_F(VIRTIO_NET_F_HOST_TSO4) | VU_FE_F(VIRTIO_NET_F_HOST_TSO6) |  \
	 VU_FE_F(VIRTIO_NET_F_HOST_ECN) | VU_FE_F(VIRTIO_NET_F_HOST_UFO) |    \
	 VU_FE_F(VIRTIO_NET_F_GUEST_TSO4) | VU_FE_F(VIRTIO_NET_F_GUEST_TSO6) | \
	 VU_FE_F(VIRTIO_NET_F_GUEST_ECN) | VU_FE_F(VIRTIO_NET_F_GUEST_UFO))

/* What config.features = 0 asks for. */
#define VU_FE_FEATURES_DEFAULT                                                \
	(VU_FE_F(VIRTIO_F_VERSION_1) | VU_FE_F(VIRTIO_RING_F_EVENT_IDX) |     \
	 VU_FE_F(VIRTIO_RING_F_INDIRECT_DESC) | VU_FE_F(VIRTIO_NET_F_MRG_RXBUF))

struct vu_fe_config {
	const char *path;       /* the vhost-user socket */
	bool server;            /* listen on path and wait for the back-end */
	unsigned queue_pairs;   /* 1..VU_FE_MAX_QUEUE_PAIRS; 0 = 1 */
	unsigned queue_size;    /* ring entries (split: a power of two); 0 = 256 */
	/*
	 * Virtio bits wanted (0 = VU_FE_FEATURES_DEFAULT); VERSION_1 is always
	 * wanted.  Each is negotiated if the back-end offers it; a bit also in
	 * `required` that the back-end does not offer fails the connection
	 * with -ENOTSUP.  Bits outside VU_FE_FEATURES_SUPPORTED are ignored.
	 */
	uint64_t features;
	uint64_t required;
	/*
	 * Buffer sizes, virtio_net_hdr included; 0 = defaults: 2048, or
	 * 65536 + header when a GSO feature (HOST_* for TX, GUEST_* for RX
	 * without MRG_RXBUF) is wanted.  A TX frame must fit one TX buffer;
	 * an RX frame without MRG_RXBUF must fit one RX buffer.
	 */
	unsigned tx_buf_size;
	unsigned rx_buf_size;
	/*
	 * Put the virtio_net_hdr in a descriptor of its own (TX frames, and RX
	 * buffers without MRG_RXBUF), as legacy drivers do.  Each buffer then
	 * takes two descriptors, or one ring slot with INDIRECT_DESC.
	 */
	bool split_hdr;
	/*
	 * Guest-physical address of the shared memory (SET_MEM_TABLE's gpa,
	 * every buffer address in a descriptor), distinct from its address
	 * in this process (the ring addresses of SET_VRING_ADDR), as a VM's
	 * memory is.  0: the same as our own virtual address (as DPDK's
	 * virtio-user does).  Must be a multiple of 4096.  vu_fe_log_start()
	 * needs it (a log indexed by our virtual addresses would be huge).
	 */
	uint64_t gpa_base;
	bool reconnect;         /* when the back-end goes: reconnect, renegotiate */
	bool no_thread;         /* no monitor thread: the caller runs vu_fe_service() */
	int timeout_ms;         /* vu_fe_connect() patience: 0 = 10 s, < 0 = forever */
};

/* A frame to send.  `hdr` (NULL: no offload) is copied as is, except
 * num_buffers, which the front-end sets. */
struct vu_fe_pkt {
	const void *data;       /* Ethernet frame, no FCS */
	uint32_t len;
	const struct virtio_net_hdr *hdr;
};

/*
 * A received frame: its bytes lie in seg[0..nseg) (several segments only
 * when the back-end spread it over mergeable RX buffers), inside the RX
 * buffers, valid until the next vu_fe_rx_burst() or vu_fe_rx_release() on
 * the same queue pair.
 */
struct vu_fe_frame {
	struct virtio_net_hdr hdr;  /* as the back-end wrote it */
	uint32_t len;               /* bytes of Ethernet frame */
	uint16_t nseg;
	uint16_t nbufs;             /* RX buffers it took */
	const struct iovec *seg;
};

struct vu_fe_stats {
	uint64_t tx_packets, tx_bytes;
	uint64_t tx_full;       /* bursts cut short: no free TX buffer or slot */
	uint64_t tx_dropped;    /* frames too large for a TX buffer */
	uint64_t tx_kicks;      /* eventfd writes to the back-end */
	uint64_t rx_packets, rx_bytes;
	uint64_t rx_errors;     /* frames dropped: bad header, length, num_buffers */
	uint64_t rx_kicks;
	uint64_t waits;         /* vu_fe_wait() calls that slept */
};

struct vu_fe;

/* Allocate memory, rings and eventfds.  0, -EINVAL (bad config), -ENOMEM,
 * or another -errno (memfd, mmap, eventfd), with e saying why. */
int vu_fe_create(const struct vu_fe_config *cfg, struct vu_fe **out, struct error *e);

/*
 * Connect and negotiate; on success the rings run and the monitor thread
 * is started.  Client: connect to path, retrying until config.timeout_ms;
 * server: listen on path and accept within config.timeout_ms.
 * -ENOENT or -ECONNREFUSED (client: nobody listens on path), -ETIMEDOUT
 * (server: nobody connected), -ENOTSUP (a required feature is missing),
 * -ERANGE (more queue pairs than the back-end has), -EPROTO (a bad
 * reply), -EIO (the back-end refused a request), -EPIPE/-ECONNRESET (it
 * went away).  vu_fe_error() tells more.
 */
int vu_fe_connect(struct vu_fe *fe);

/* Stop the rings (GET_VRING_BASE, if connected), the monitor, close,
 * unmap, free.  No data call may run any more. */
void vu_fe_destroy(struct vu_fe *fe);

/* The last control-plane failure, as a sentence ("" if none). */
const char *vu_fe_error(const struct vu_fe *fe);

/* Negotiated bits (valid after a connect). */
uint64_t vu_fe_features(const struct vu_fe *fe);
uint64_t vu_fe_protocol_features(const struct vu_fe *fe);
unsigned vu_fe_queue_pairs(const struct vu_fe *fe);
/* Bytes of virtio_net_hdr in front of each frame (12 with VERSION_1). */
unsigned vu_fe_hdr_len(const struct vu_fe *fe);
/* Largest frame tx_burst takes. */
unsigned vu_fe_max_tx_frame(const struct vu_fe *fe);

bool vu_fe_connected(const struct vu_fe *fe);
/* Successful connections so far (1 after vu_fe_connect(), +1 a reconnect). */
unsigned vu_fe_generation(const struct vu_fe *fe);

/*
 * Copy up to n frames into free TX buffers and make them available to the
 * back-end (one kick at most, only if it asked for one).  Used TX buffers
 * are reclaimed lazily, when few are free.  Returns how many frames were
 * taken from pkts[] (frames too large for a buffer are taken, dropped and
 * counted); fewer than n when the ring is full.  -ENOTCONN without a
 * back-end, -EIO when the TX ring is broken, -EINVAL for a bad qp.
 */
int vu_fe_tx_burst(struct vu_fe *fe, unsigned qp, const struct vu_fe_pkt *pkts, unsigned n);

/*
 * Give back the buffers of the previous burst, then return up to n
 * received frames.  0 when nothing arrived.  -ENOTCONN, -EIO, -EINVAL as
 * for tx_burst.
 */
int vu_fe_rx_burst(struct vu_fe *fe, unsigned qp, struct vu_fe_frame *frames, unsigned n);

/* Give back the buffers of the last burst now (rx_burst also does it). */
int vu_fe_rx_release(struct vu_fe *fe, unsigned qp);

/* Copy a received frame into buf (at most len bytes); returns bytes copied. */
size_t vu_fe_frame_copy(const struct vu_fe_frame *f, void *buf, size_t len);

#define VU_FE_WAIT_RX 1u   /* a frame arrived */
#define VU_FE_WAIT_TX 2u   /* the back-end returned TX buffers */

/*
 * Event mode: sleep until one of the chosen rings of queue pair qp (or of
 * every pair: VU_FE_ALL_QUEUES) has work, at most timeout_ms (< 0:
 * forever).  Notifications are asked for only while sleeping; the rest of
 * the time the back-end is told not to signal.  Returns 1 (work, or the
 * connection came back), 0 (timeout), -ENOTCONN (no back-end; with
 * config.reconnect after waiting up to timeout_ms for one).  The caller
 * must own the rings it waits on (no burst on them meanwhile).
 */
int vu_fe_wait(struct vu_fe *fe, unsigned qp, unsigned what, int timeout_ms);

/*
 * Without the monitor thread: watch the connection for up to timeout_ms,
 * detect a back-end that went away and, with config.reconnect, reconnect.
 * Returns 1 if connected afterwards, 0 if not.
 */
int vu_fe_service(struct vu_fe *fe, int timeout_ms);

/*
 * Migration, the front-end's part of it as QEMU plays it: share a
 * dirty-page log (SET_LOG_BASE with LOG_SHMFD; a sealed memfd, one bit
 * per 4 KiB guest-physical page from 0 to the end of the shared memory),
 * negotiate VHOST_F_LOG_ALL, and have every ring's used ring logged
 * (SET_VRING_ADDR with VHOST_VRING_F_LOG and its guest-physical address).
 * From then on the back-end marks each page it writes.  Needs
 * config.gpa_base and config.no_thread (the replies arrive on the socket
 * the monitor watches): -EINVAL otherwise; -ENOTSUP if the back-end does
 * not offer VHOST_F_LOG_ALL and LOG_SHMFD; other errors as for connect.
 * vu_fe_log_stop() negotiates LOG_ALL away again and drops the log.
 */
int vu_fe_log_start(struct vu_fe *fe);
int vu_fe_log_stop(struct vu_fe *fe);

/* The log (NULL before vu_fe_log_start()): *len bytes, bit n of the
 * bitmap (byte n / 8, bit n % 8) for the page at guest address n * 4096. */
const uint8_t *vu_fe_log(const struct vu_fe *fe, size_t *len);

/* Clear the log, as the VMM does when it has copied the pages. */
void vu_fe_log_clear(struct vu_fe *fe);

/* Guest-physical address of a pointer into the shared memory (a received
 * frame's segment, say); 0 if it is not in it. */
uint64_t vu_fe_gpa(const struct vu_fe *fe, const void *p);

/* A vring's areas: descriptor, driver (split: available ring), device
 * (split: used ring); vring 2 * qp is qp's RX ring, 2 * qp + 1 its TX. */
enum vu_fe_area { VU_FE_AREA_DESC, VU_FE_AREA_DRIVER, VU_FE_AREA_DEVICE };

/* Guest-physical address, our pointer and size of one; -EINVAL for a
 * vring that does not exist. */
int vu_fe_vring_area(const struct vu_fe *fe, unsigned vring, enum vu_fe_area area,
		     uint64_t *gpa, void **host, size_t *len);

/* Why queue pair qp's rings stopped (the device misbehaved), or NULL. */
const char *vu_fe_queue_error(const struct vu_fe *fe, unsigned qp);

/* Counters of queue pair qp (racy snapshot while the data path runs). */
void vu_fe_get_stats(const struct vu_fe *fe, unsigned qp, struct vu_fe_stats *st);

#ifdef __cplusplus
}
#endif

#endif
