/* SPDX-License-Identifier: MIT */
/*
 * Internal to the virtio-user front-end: what the control plane
 * (vu_fe.c: memory, negotiation, the monitor, reconnects), its messages
 * (vu_fe_msg.c), the dirty log (vu_fe_log.c) and the data path
 * (vu_fe_data.c: bursts, waits) share.
 *
 * Who touches a ring: its data thread between fe_enter() and fe_exit(),
 * or the control plane while the state is not FE_UP and no data thread is
 * inside (fe_quiesce()).  That is how rings are reset for a reconnect
 * while the application keeps calling the bursts (they return -ENOTCONN).
 */
#ifndef UVNET_VHOST_VU_FE_IMPL_H
#define UVNET_VHOST_VU_FE_IMPL_H

#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "virtio/vq_drv.h"
#include "vhost/vhost_user.h"
#include "vhost/vu_fe.h"

enum fe_state { FE_DOWN, FE_UP };

/* One virtqueue of the front-end, its buffers, and their bookkeeping. */
struct fe_vring {
	struct vq_drv vq;
	int busy;                 /* a data thread is inside (fe_enter) */
	int kick_fd, call_fd;     /* ours; the back-end gets copies */
	unsigned index;           /* vhost-user vring index */
	uint8_t *area;            /* ring areas, cleared on every (re)start */
	size_t area_len;
	struct vq_rings rings;
	struct vq_indirect_area ind;
	uint8_t *bufs;            /* nbufs buffers, buf_stride apart */
	uint32_t buf_size, buf_stride;
	unsigned nbufs;
	uint16_t *free;           /* stack of buffer indexes not in the ring */
	unsigned nfree;
	void **tok;               /* scratch for vq_drv_get_used() [nbufs] */
	uint32_t *lens;
};

struct fe_rxq {
	struct fe_vring v;
	/* Used buffers fetched but not yet handed out (a partial mergeable
	 * frame waits here for its other buffers): a FIFO of nbufs. */
	uint16_t *pend_idx;
	uint32_t *pend_len;
	unsigned pend_head, pend_n;
	/* Buffers handed out with the last burst, re-posted by the next. */
	uint16_t *held;
	unsigned nheld;
	uint8_t *held_mark;       /* [nbufs]: in held[] (kept across a reset) */
	struct iovec *seg;        /* [nbufs]: the frames' segments */
	uint64_t packets, bytes, errors, kicks, waits;
};

struct fe_txq {
	struct fe_vring v;
	uint64_t packets, bytes, full, dropped, kicks, waits;
};

struct fe_qp {
	struct fe_rxq rx __attribute__((aligned(64)));
	struct fe_txq tx __attribute__((aligned(64)));
};

struct vu_fe {
	struct vu_fe_config cfg;
	char path[108];
	int state;                /* enum fe_state, atomic */
	unsigned generation;      /* atomic */
	int sock, listen_fd;
	int memfd;
	uint8_t *mem;
	size_t mem_len;
	unsigned nqp, qsize;
	uint64_t want;            /* features asked for */
	uint64_t offered;         /* what the back-end offered */
	uint64_t gpa_delta;       /* guest-physical address - our address */
	int log_fd;               /* the dirty log (vu_fe_log_start) */
	uint8_t *log;
	size_t log_len;
	uint64_t features;        /* negotiated */
	uint64_t protocol_features;
	bool has_pf;              /* VHOST_USER_F_PROTOCOL_FEATURES negotiated */
	unsigned hdr_len;
	bool mrg, packed;
	bool rx_split, tx_split;  /* header in a descriptor of its own */
	bool stop;                /* monitor: exit (atomic) */
	bool monitor_running;
	pthread_t monitor;
	int stop_fd;
	struct error err;         /* the last control-plane failure */
	struct fe_qp qp[VU_FE_MAX_QUEUE_PAIRS];
};

static inline int fe_enter(struct vu_fe *fe, struct fe_vring *v)
{
	/* xchg: a full barrier between our flag and the state load, the
	 * mirror of fe_quiesce() (state store, then flag loads). */
	__atomic_exchange_n(&v->busy, 1, __ATOMIC_SEQ_CST);
	if (__builtin_expect(__atomic_load_n(&fe->state, __ATOMIC_SEQ_CST) == FE_UP, 1))
		return 0;
	__atomic_store_n(&v->busy, 0, __ATOMIC_RELEASE);
	return -ENOTCONN;
}

static inline void fe_exit(struct fe_vring *v)
{
	__atomic_store_n(&v->busy, 0, __ATOMIC_RELEASE);
}

static inline void *fe_token(unsigned idx)
{
	return (void *)(uintptr_t)(idx + 1);
}

static inline unsigned fe_token_idx(void *tok)
{
	return (unsigned)((uintptr_t)tok - 1);
}

/* What the back-end calls the memory at p (a descriptor address). */
static inline uint64_t fe_addr(const struct vu_fe *fe, const void *p)
{
	return (uint64_t)(uintptr_t)p + fe->gpa_delta;
}

static inline uint8_t *fe_buf(const struct fe_vring *v, unsigned idx)
{
	return v->bufs + (size_t)idx * v->buf_stride;
}

/* Post RX buffer idx (not published); 0 or vq_drv_add()'s error. */
int fe_rx_post(struct vu_fe *fe, struct fe_rxq *q, unsigned idx);

/* Wake every vu_fe_wait() sleeper (they re-check the state). */
void fe_wake_all(struct vu_fe *fe);

static inline size_t fe_align_up(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static inline void fe_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static inline const char *fe_req_name(uint32_t req)
{
	return vhost_user_request_name(req);
}

/* Record a control-plane failure in fe->err; returns rc. */
int fe_fail(struct vu_fe *fe, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* SET_VRING_ADDR; log: VHOST_VRING_F_LOG, the used ring's guest address. */
int fe_set_vring_addr(struct vu_fe *fe, struct fe_vring *v, bool log);

/* Messages (vu_fe_msg.c); on failure each records why (fe_fail). */

/* VHOST_USER_PROTOCOL_F_REPLY_ACK negotiated. */
bool fe_reply_ack(const struct vu_fe *fe);
/* Send a request that has no reply of its own; with REPLY_ACK, wait for
 * the back-end's status. */
int fe_request(struct vu_fe *fe, uint32_t req, const void *payload, uint32_t size,
	       const int *fds, unsigned nfds);
int fe_request_u64(struct vu_fe *fe, uint32_t req, uint64_t v);
/* A request answered with a payload (GET_*). */
int fe_query(struct vu_fe *fe, uint32_t req, const void *payload, uint32_t size,
	     void *out, uint32_t out_size);
int fe_query_u64(struct vu_fe *fe, uint32_t req, uint64_t *out);

#endif
