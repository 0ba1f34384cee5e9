/* SPDX-License-Identifier: MIT */
/*
 * virtio-user front-end, control plane: the shared memory and its layout,
 * connecting (client or server), negotiation (QEMU docs/interop/
 * vhost-user.rst, in the order QEMU and DPDK's virtio-user use), the
 * monitor that notices a back-end going away and reconnects, teardown.
 * The messages themselves are in vu_fe_msg.c, the dirty log (migration)
 * in vu_fe_log.c.
 *
 * Memory: one memfd, mapped once, shared as one region whose "guest
 * physical" address is our own virtual address, so ring and buffer
 * addresses are plain pointers.  Per queue pair, per vring: descriptor
 * area (page aligned), driver area, device area (each on its own cache
 * lines), an indirect-table area, then the buffers.
 */
#include "vhost/vu_fe_impl.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/vhost.h>

#include "util/clock.h"
#include "vhost/vhost_user.h"
#include "vhost/vu_msg.h"
#include "vhost/vu_socket.h"

#define FE_DEFAULT_QSIZE 256u
#define FE_DEFAULT_BUF 2048u
#define FE_GSO_BUF (65536u + 64u)
#define FE_DEFAULT_TIMEOUT_MS 10000
#define FE_RETRY_MS 100
#define FE_IND_MAX 2u

#define F(bit) (1ull << (bit))
#define P(bit) (1ull << (bit))

#define FE_PROTOCOL_WANTED (P(VHOST_USER_PROTOCOL_F_MQ) | P(VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
			    P(VHOST_USER_PROTOCOL_F_LOG_SHMFD))

int fe_fail(struct vu_fe *fe, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = error_vset(&fe->err, rc, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- configuration and memory ---- */

static bool wants_any(uint64_t want, uint64_t bits)
{
	return (want & bits) != 0;
}

static int check_config(struct vu_fe *fe, const struct vu_fe_config *cfg)
{
	const uint64_t host_gso = F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_HOST_TSO6) |
				  F(VIRTIO_NET_F_HOST_UFO);
	const uint64_t guest_gso = F(VIRTIO_NET_F_GUEST_TSO4) | F(VIRTIO_NET_F_GUEST_TSO6) |
				   F(VIRTIO_NET_F_GUEST_UFO);
	unsigned min_buf;

	fe->cfg = *cfg;
	fe->cfg.path = NULL;
	if (!cfg->path || !*cfg->path)
		return fe_fail(fe, -EINVAL, "no socket path");
	if (strlen(cfg->path) >= sizeof(fe->path))
		return fe_fail(fe, -EINVAL, "socket path '%s' is longer than %zu bytes", cfg->path,
			       sizeof(fe->path) - 1);
	strcpy(fe->path, cfg->path);
	fe->nqp = cfg->queue_pairs ? cfg->queue_pairs : 1;
	if (fe->nqp > VU_FE_MAX_QUEUE_PAIRS)
		return fe_fail(fe, -EINVAL, "%u queue pairs, at most %d", fe->nqp, VU_FE_MAX_QUEUE_PAIRS);
	fe->qsize = cfg->queue_size ? cfg->queue_size : FE_DEFAULT_QSIZE;
	fe->want = (cfg->features ? cfg->features : VU_FE_FEATURES_DEFAULT) | F(VIRTIO_F_VERSION_1);
	fe->want &= VU_FE_FEATURES_SUPPORTED;
	/* Every size must be valid for the layout we might end up with. */
	if (!vq_size_valid(VQ_PACKED, fe->qsize) ||
	    (!vq_size_valid(VQ_SPLIT, fe->qsize) && !(cfg->required & F(VIRTIO_F_RING_PACKED))))
		return fe_fail(fe, -EINVAL, "queue size %u: must be a power of two up to %u "
			       "(any size up to that for a required packed ring)", fe->qsize, VQ_MAX_SIZE);
	if (cfg->required & ~fe->want)
		return fe_fail(fe, -EINVAL, "required features %#llx are not among the wanted ones",
			       (unsigned long long)(cfg->required & ~fe->want));
	fe->hdr_len = sizeof(struct virtio_net_hdr_mrg_rxbuf);
	min_buf = fe->hdr_len + 64;
	fe->qp[0].tx.v.buf_size = cfg->tx_buf_size ? cfg->tx_buf_size
		: wants_any(fe->want, host_gso) ? FE_GSO_BUF : FE_DEFAULT_BUF;
	fe->qp[0].rx.v.buf_size = cfg->rx_buf_size ? cfg->rx_buf_size
		: wants_any(fe->want, guest_gso) && !(fe->want & F(VIRTIO_NET_F_MRG_RXBUF))
		? FE_GSO_BUF : FE_DEFAULT_BUF;
	if (cfg->gpa_base % 4096 || cfg->gpa_base > UINT64_MAX - (1ull << 48))
		return fe_fail(fe, -EINVAL, "guest-physical base %#llx: not a multiple of 4096 or too high",
			       (unsigned long long)cfg->gpa_base);
	if (fe->qp[0].tx.v.buf_size < min_buf || fe->qp[0].rx.v.buf_size < min_buf ||
	    fe->qp[0].tx.v.buf_size > (1u << 20) || fe->qp[0].rx.v.buf_size > (1u << 20))
		return fe_fail(fe, -EINVAL, "buffer sizes must be %u bytes to 1 MiB", min_buf);
	return 0;
}

/* Place one vring's areas at *off (or just count when base is NULL). */
static void layout_vring(struct vu_fe *fe, struct fe_vring *v, uint8_t *base, size_t *off,
			 uint32_t buf_size)
{
	size_t desc = vq_desc_area_size(VQ_SPLIT, fe->qsize);    /* split areas are */
	size_t drv = vq_driver_area_size(VQ_SPLIT, fe->qsize);   /* the larger ones */
	size_t dev = vq_device_area_size(VQ_SPLIT, fe->qsize);
	size_t ind = (size_t)fe->qsize * FE_IND_MAX * 16;
	size_t o = fe_align_up(*off, 4096), start = o;

	v->nbufs = fe->qsize;
	v->buf_size = buf_size;
	v->buf_stride = (uint32_t)fe_align_up(buf_size, 64);
	if (base) {
		v->area = base + o;
		v->rings.desc = base + o;
	}
	o = fe_align_up(o + desc, 64);
	if (base)
		v->rings.driver = base + o;
	o = fe_align_up(o + drv, 64);
	if (base)
		v->rings.device = base + o;
	o = fe_align_up(o + dev, 64);
	if (base) {
		v->area_len = o - start;
		v->ind = (struct vq_indirect_area){
			.host = base + o, .addr = fe_addr(fe, base + o), .max = FE_IND_MAX,
		};
	}
	o = fe_align_up(o + ind, 4096);
	if (base)
		v->bufs = base + o;
	o += (size_t)v->nbufs * v->buf_stride;
	*off = o;
}

static void layout_all(struct vu_fe *fe, uint8_t *base, size_t *len)
{
	uint32_t tx_size = fe->qp[0].tx.v.buf_size, rx_size = fe->qp[0].rx.v.buf_size;
	size_t off = 0;

	for (unsigned i = 0; i < fe->nqp; i++) {
		layout_vring(fe, &fe->qp[i].rx.v, base, &off, rx_size);
		layout_vring(fe, &fe->qp[i].tx.v, base, &off, tx_size);
	}
	*len = fe_align_up(off, 2u << 20);
}

static int alloc_vring(struct fe_vring *v, unsigned index)
{
	v->index = index;
	v->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	v->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->kick_fd < 0 || v->call_fd < 0)
		return -errno;
	v->free = calloc(v->nbufs, sizeof(*v->free));
	v->tok = calloc(v->nbufs, sizeof(*v->tok));
	v->lens = calloc(v->nbufs, sizeof(*v->lens));
	return v->free && v->tok && v->lens ? 0 : -ENOMEM;
}

static void free_vring(struct fe_vring *v)
{
	vq_drv_fini(&v->vq);
	fe_close_fd(&v->kick_fd);
	fe_close_fd(&v->call_fd);
	free(v->free);
	free(v->tok);
	free(v->lens);
}

static int alloc_rxq(struct fe_rxq *q)
{
	unsigned n = q->v.nbufs;

	q->pend_idx = calloc(n, sizeof(*q->pend_idx));
	q->pend_len = calloc(n, sizeof(*q->pend_len));
	q->held = calloc(n, sizeof(*q->held));
	q->held_mark = calloc(n, sizeof(*q->held_mark));
	q->seg = calloc(n, sizeof(*q->seg));
	return q->pend_idx && q->pend_len && q->held && q->held_mark && q->seg ? 0 : -ENOMEM;
}

static void free_rxq(struct fe_rxq *q)
{
	free(q->pend_idx);
	free(q->pend_len);
	free(q->held);
	free(q->held_mark);
	free(q->seg);
}

static int map_memory(struct vu_fe *fe)
{
	int rc;

	layout_all(fe, NULL, &fe->mem_len);
	fe->memfd = memfd_create("uvnet-virtio-user", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fe->memfd < 0)
		return fe_fail(fe, -errno, "memfd_create: %s", strerror(errno));
	if (ftruncate(fe->memfd, (off_t)fe->mem_len))
		return fe_fail(fe, -errno, "memfd of %zu bytes: %s", fe->mem_len, strerror(errno));
	/* As QEMU does with its memfd backends: the size is final, so a
	 * back-end never faults on a region we could have shrunk. */
	if (fcntl(fe->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		return fe_fail(fe, -errno, "sealing the memfd: %s", strerror(errno));
	fe->mem = mmap(NULL, fe->mem_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		       fe->memfd, 0);
	if (fe->mem == MAP_FAILED) {
		rc = -errno;
		fe->mem = NULL;
		return fe_fail(fe, rc, "mmap of %zu bytes: %s", fe->mem_len, strerror(-rc));
	}
	if (fe->cfg.gpa_base)
		fe->gpa_delta = fe->cfg.gpa_base - (uint64_t)(uintptr_t)fe->mem;
	layout_all(fe, fe->mem, &fe->mem_len);
	return 0;
}

static void fe_free(struct vu_fe *fe)
{
	for (unsigned i = 0; i < VU_FE_MAX_QUEUE_PAIRS; i++) {
		free_rxq(&fe->qp[i].rx);
		free_vring(&fe->qp[i].rx.v);
		free_vring(&fe->qp[i].tx.v);
	}
	if (fe->mem)
		munmap(fe->mem, fe->mem_len);
	if (fe->log)
		munmap(fe->log, fe->log_len);
	fe_close_fd(&fe->log_fd);
	fe_close_fd(&fe->memfd);
	fe_close_fd(&fe->stop_fd);
	free(fe);
}

int vu_fe_create(const struct vu_fe_config *cfg, struct vu_fe **out, struct error *e)
{
	struct vu_fe *fe;
	int rc;

	*out = NULL;
	if (posix_memalign((void **)&fe, 64, sizeof(*fe)))
		return error_set(e, -ENOMEM, "out of memory");
	memset(fe, 0, sizeof(*fe));
	fe->sock = fe->listen_fd = fe->memfd = fe->stop_fd = fe->log_fd = -1;
	for (unsigned i = 0; i < VU_FE_MAX_QUEUE_PAIRS; i++) {
		fe->qp[i].rx.v.kick_fd = fe->qp[i].rx.v.call_fd = -1;
		fe->qp[i].tx.v.kick_fd = fe->qp[i].tx.v.call_fd = -1;
	}
	rc = check_config(fe, cfg);
	if (!rc)
		rc = map_memory(fe);
	for (unsigned i = 0; !rc && i < fe->nqp; i++) {
		rc = alloc_vring(&fe->qp[i].rx.v, 2 * i);
		if (!rc)
			rc = alloc_vring(&fe->qp[i].tx.v, 2 * i + 1);
		if (!rc)
			rc = alloc_rxq(&fe->qp[i].rx);
		if (rc)
			fe_fail(fe, rc, "queue pair %u: %s", i, strerror(-rc));
	}
	if (!rc) {
		fe->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fe->stop_fd < 0)
			rc = fe_fail(fe, -errno, "eventfd: %s", strerror(errno));
	}
	if (rc) {
		if (e)
			*e = fe->err;
		fe_free(fe);
		return rc;
	}
	*out = fe;
	return 0;
}

/* ---- rings ---- */

void fe_wake_all(struct vu_fe *fe)
{
	for (unsigned i = 0; i < fe->nqp; i++) {
		eventfd_write(fe->qp[i].rx.v.call_fd, 1);
		eventfd_write(fe->qp[i].tx.v.call_fd, 1);
	}
}

int fe_rx_post(struct vu_fe *fe, struct fe_rxq *q, unsigned idx)
{
	uint64_t a = fe_addr(fe, fe_buf(&q->v, idx));
	struct vq_buf in[2] = {
		{ a, q->v.buf_size },
	};

	if (fe->rx_split) {
		in[0].len = fe->hdr_len;
		in[1] = (struct vq_buf){ a + fe->hdr_len, q->v.buf_size - fe->hdr_len };
	}
	return vq_drv_add(&q->v.vq, NULL, 0, in, fe->rx_split ? 2 : 1, fe_token(idx));
}

/* Fresh ring over cleared memory; every buffer back with us. */
static int reset_vring(struct vu_fe *fe, struct fe_vring *v, bool split_hdr)
{
	int rc;

	vq_drv_fini(&v->vq);
	memset(v->area, 0, v->area_len);
	rc = vq_drv_init(&v->vq, fe->packed ? VQ_PACKED : VQ_SPLIT, fe->qsize, fe->features,
			 &v->rings, split_hdr ? &v->ind : NULL);
	if (rc)
		return fe_fail(fe, rc, "vring %u: cannot set up a ring of %u", v->index, fe->qsize);
	/* Polling until someone waits: the back-end need not signal. */
	vq_drv_disable_call(&v->vq);
	return 0;
}

/* Called with the state down and every data thread out. */
static int reset_rings(struct vu_fe *fe)
{
	for (unsigned i = 0; i < fe->nqp; i++) {
		struct fe_rxq *rx = &fe->qp[i].rx;
		struct fe_txq *tx = &fe->qp[i].tx;
		int rc = reset_vring(fe, &rx->v, fe->rx_split);

		if (!rc)
			rc = reset_vring(fe, &tx->v, fe->tx_split);
		if (rc)
			return rc;
		tx->v.nfree = 0;
		for (unsigned b = tx->v.nbufs; b-- > 0;)
			tx->v.free[tx->v.nfree++] = (uint16_t)b;
		/* RX: buffers the application still reads stay out until it
		 * gives them back (its next burst); all others are posted. */
		rx->pend_head = rx->pend_n = 0;
		rx->v.nfree = 0;
		for (unsigned b = rx->v.nbufs; b-- > 0;)
			if (!rx->held_mark[b])
				rx->v.free[rx->v.nfree++] = (uint16_t)b;
		while (rx->v.nfree && !fe_rx_post(fe, rx, rx->v.free[rx->v.nfree - 1]))
			rx->v.nfree--;
		vq_drv_publish(&rx->v.vq);
	}
	return 0;
}

/* ---- negotiation ---- */

static const char *feature_name(unsigned bit)
{
	switch (bit) {
	case VIRTIO_F_VERSION_1: return "VERSION_1";
	case VIRTIO_F_RING_PACKED: return "RING_PACKED";
	case VIRTIO_F_IN_ORDER: return "IN_ORDER";
	case VIRTIO_RING_F_INDIRECT_DESC: return "INDIRECT_DESC";
	case VIRTIO_RING_F_EVENT_IDX: return "EVENT_IDX";
	case VIRTIO_NET_F_MRG_RXBUF: return "MRG_RXBUF";
	case VIRTIO_NET_F_CSUM: return "CSUM";
	case VIRTIO_NET_F_GUEST_CSUM: return "GUEST_CSUM";
	default: return "a feature";
	}
}

static int negotiate_features(struct vu_fe *fe)
{
	uint64_t offered, missing, pf = 0;
	int rc;

	fe->protocol_features = 0;
	rc = fe_request(fe, VHOST_USER_SET_OWNER, NULL, 0, NULL, 0);
	if (!rc)
		rc = fe_query_u64(fe, VHOST_USER_GET_FEATURES, &offered);
	if (rc)
		return rc;
	missing = (fe->cfg.required | F(VIRTIO_F_VERSION_1)) & ~offered;
	if (missing) {
		unsigned bit = (unsigned)__builtin_ctzll(missing);

		return fe_fail(fe, -ENOTSUP, "the back-end does not offer %s (feature bit %u; "
			       "it offers %#llx)", feature_name(bit), bit,
			       (unsigned long long)offered);
	}
	fe->features = fe->want & offered;
	fe->offered = offered;
	fe->has_pf = offered & F(VHOST_USER_F_PROTOCOL_FEATURES);
	if (offered & F(VHOST_USER_F_PROTOCOL_FEATURES)) {
		rc = fe_query_u64(fe, VHOST_USER_GET_PROTOCOL_FEATURES, &pf);
		if (!rc)
			rc = fe_request_u64(fe, VHOST_USER_SET_PROTOCOL_FEATURES, pf & FE_PROTOCOL_WANTED);
		if (rc)
			return rc;
		/* From now on every request of ours is acknowledged. */
		fe->protocol_features = pf & FE_PROTOCOL_WANTED;
	}
	if (fe->nqp > 1) {
		uint64_t max;

		if (!(fe->protocol_features & P(VHOST_USER_PROTOCOL_F_MQ)))
			return fe_fail(fe, -ENOTSUP, "%u queue pairs asked for, but the back-end "
				       "has no multiqueue support (protocol feature MQ)", fe->nqp);
		rc = fe_query_u64(fe, VHOST_USER_GET_QUEUE_NUM, &max);
		if (rc)
			return rc;
		if (fe->nqp > max)
			return fe_fail(fe, -ERANGE, "%u queue pairs asked for, the back-end has %llu",
				       fe->nqp, (unsigned long long)max);
	}
	rc = fe_request_u64(fe, VHOST_USER_SET_FEATURES,
			    fe->features | (offered & F(VHOST_USER_F_PROTOCOL_FEATURES)));
	if (rc)
		return rc;
	fe->packed = fe->features & F(VIRTIO_F_RING_PACKED);
	fe->mrg = fe->features & F(VIRTIO_NET_F_MRG_RXBUF);
	fe->tx_split = fe->cfg.split_hdr;
	fe->rx_split = fe->cfg.split_hdr && !fe->mrg;
	if (!vq_size_valid(fe->packed ? VQ_PACKED : VQ_SPLIT, fe->qsize))
		return fe_fail(fe, -EINVAL, "queue size %u is not valid for a split ring", fe->qsize);
	return 0;
}

static int send_mem_table(struct vu_fe *fe)
{
	struct vhost_user_memory m = {
		.nregions = 1,
		.regions[0] = {
			.gpa = fe_addr(fe, fe->mem),
			.size = fe->mem_len,
			.uva = (uint64_t)(uintptr_t)fe->mem,
			.mmap_offset = 0,
		},
	};

	return fe_request(fe, VHOST_USER_SET_MEM_TABLE, &m,
			  (uint32_t)(8 + m.nregions * sizeof(struct vhost_user_region)), &fe->memfd, 1);
}

/* SET_VRING_ADDR; log: VHOST_VRING_F_LOG, the used ring's guest address. */
int fe_set_vring_addr(struct vu_fe *fe, struct fe_vring *v, bool log)
{
	struct vhost_vring_addr addr = {
		.index = v->index,
		.flags = log ? 1u << VHOST_VRING_F_LOG : 0,
		.desc_user_addr = (uint64_t)(uintptr_t)v->rings.desc,
		.avail_user_addr = (uint64_t)(uintptr_t)v->rings.driver,
		.used_user_addr = (uint64_t)(uintptr_t)v->rings.device,
		.log_guest_addr = log ? fe_addr(fe, v->rings.device) : 0,
	};

	return fe_request(fe, VHOST_USER_SET_VRING_ADDR, &addr, sizeof(addr), NULL, 0);
}

static int setup_vring(struct vu_fe *fe, struct fe_vring *v)
{
	struct vhost_vring_state num = { .index = v->index, .num = fe->qsize };
	/* packed: avail slot 0 with wrap counter 1 (and so the used side) */
	struct vhost_vring_state base = { .index = v->index,
					  .num = fe->packed ? (1u << 15) | (1u << 31) : 0 };
	uint64_t ring = v->index;
	int rc;

	rc = fe_request(fe, VHOST_USER_SET_VRING_NUM, &num, sizeof(num), NULL, 0);
	if (!rc)
		rc = fe_request(fe, VHOST_USER_SET_VRING_BASE, &base, sizeof(base), NULL, 0);
	if (!rc)
		rc = fe_set_vring_addr(fe, v, false);
	if (!rc)
		rc = fe_request(fe, VHOST_USER_SET_VRING_CALL, &ring, sizeof(ring), &v->call_fd, 1);
	if (!rc)
		rc = fe_request(fe, VHOST_USER_SET_VRING_KICK, &ring, sizeof(ring), &v->kick_fd, 1);
	return rc;
}

static int enable_vring(struct vu_fe *fe, struct fe_vring *v, bool on)
{
	struct vhost_vring_state s = { .index = v->index, .num = on };

	/* Without protocol features a ring is enabled from the start. */
	if (!fe->has_pf)
		return 0;
	return fe_request(fe, VHOST_USER_SET_VRING_ENABLE, &s, sizeof(s), NULL, 0);
}

/*
 * Negotiate over a fresh connection and start the rings.  The state is
 * down and no data thread is inside.  On failure the socket is closed.
 */
/* A back-end answers at its own pace (one under valgrind, or on a loaded
 * machine, is slow): wait for replies as long as for the connection. */
static void set_reply_timeout(int sock, int timeout_ms)
{
	struct timeval tv = { 0 }; /* zero: wait forever */

	if (timeout_ms > 0)
		tv = (struct timeval){ .tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000 };
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static int fe_setup(struct vu_fe *fe, int sock)
{
	uint64_t ignored;
	int rc;

	fe->sock = sock;
	set_reply_timeout(sock, fe->cfg.timeout_ms ? fe->cfg.timeout_ms : FE_DEFAULT_TIMEOUT_MS);
	rc = negotiate_features(fe);
	if (!rc)
		rc = reset_rings(fe);
	if (!rc)
		rc = send_mem_table(fe);
	for (unsigned i = 0; !rc && i < fe->nqp; i++) {
		rc = setup_vring(fe, &fe->qp[i].rx.v);
		if (!rc)
			rc = setup_vring(fe, &fe->qp[i].tx.v);
	}
	for (unsigned i = 0; !rc && i < fe->nqp; i++) {
		rc = enable_vring(fe, &fe->qp[i].rx.v, true);
		if (!rc)
			rc = enable_vring(fe, &fe->qp[i].tx.v, true);
	}
	/* Without acks, a round trip proves the back-end took it all (it
	 * handles messages in order and drops the connection on an error). */
	if (!rc && !fe_reply_ack(fe))
		rc = fe_query_u64(fe, VHOST_USER_GET_FEATURES, &ignored);
	if (rc) {
		fe_close_fd(&fe->sock);
		return rc;
	}
	error_clear(&fe->err);
	__atomic_add_fetch(&fe->generation, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&fe->state, FE_UP, __ATOMIC_SEQ_CST);
	fe_wake_all(fe);
	return 0;
}

/* State down, then wait until no data thread is inside a call. */
static void fe_quiesce(struct vu_fe *fe)
{
	__atomic_store_n(&fe->state, FE_DOWN, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < fe->nqp; i++) {
		while (__atomic_load_n(&fe->qp[i].rx.v.busy, __ATOMIC_SEQ_CST))
			sched_yield();
		while (__atomic_load_n(&fe->qp[i].tx.v.busy, __ATOMIC_SEQ_CST))
			sched_yield();
	}
}

static void fe_go_down(struct vu_fe *fe, const char *why)
{
	if (__atomic_load_n(&fe->state, __ATOMIC_ACQUIRE) != FE_UP)
		return;
	/* the reason first: whoever sees the state go down reads it next */
	error_set(&fe->err, -ENOTCONN, "%s", why);
	fe_quiesce(fe);
	fe_close_fd(&fe->sock);
	fe_wake_all(fe);
}

/* ---- connecting ---- */

/* Sleep up to ms, or until stop_fd fires; true if stopped. */
static bool nap(struct vu_fe *fe, int ms)
{
	struct pollfd p = { .fd = fe->stop_fd, .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

static int connect_client(struct vu_fe *fe, int timeout_ms)
{
	int64_t deadline = (int64_t)clock_mono_ms() + timeout_ms;

	for (;;) {
		int sock = vu_socket_connect(fe->path);
		int64_t left;

		if (sock >= 0)
			return sock;
		left = deadline - (int64_t)clock_mono_ms();
		if ((sock != -ENOENT && sock != -ECONNREFUSED) || (timeout_ms >= 0 && left <= 0))
			return fe_fail(fe, sock, "cannot connect to %s: %s", fe->path, strerror(-sock));
		if (nap(fe, timeout_ms < 0 || left > FE_RETRY_MS ? FE_RETRY_MS : (int)left))
			return fe_fail(fe, -ECANCELED, "connecting to %s: stopped", fe->path);
	}
}

static int accept_server(struct vu_fe *fe, int timeout_ms)
{
	struct pollfd p[2] = {
		{ .fd = fe->listen_fd, .events = POLLIN },
		{ .fd = fe->stop_fd, .events = POLLIN },
	};
	int rc, sock;

	do {
		rc = poll(p, 2, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return fe_fail(fe, -errno, "waiting for a back-end on %s: %s", fe->path, strerror(errno));
	if (rc == 0)
		return fe_fail(fe, -ETIMEDOUT, "no back-end connected to %s", fe->path);
	if (p[1].revents)
		return fe_fail(fe, -ECANCELED, "waiting on %s: stopped", fe->path);
	sock = vu_socket_accept(fe->listen_fd);
	if (sock < 0)
		return fe_fail(fe, sock, "accepting on %s: %s", fe->path, strerror(-sock));
	return sock;
}

static void *monitor_main(void *arg);

int vu_fe_connect(struct vu_fe *fe)
{
	int timeout = fe->cfg.timeout_ms ? fe->cfg.timeout_ms : FE_DEFAULT_TIMEOUT_MS;
	int sock, rc;

	if (__atomic_load_n(&fe->state, __ATOMIC_ACQUIRE) == FE_UP || fe->monitor_running)
		return fe_fail(fe, -EISCONN, "already connected");
	if (fe->cfg.server && fe->listen_fd < 0) {
		fe->listen_fd = vu_socket_listen(fe->path, 0600);
		if (fe->listen_fd < 0) {
			rc = fe->listen_fd;
			fe->listen_fd = -1;
			return fe_fail(fe, rc, "cannot listen on %s: %s", fe->path,
				       rc == -EEXIST ? "a file that is not a socket is there"
						  : strerror(-rc));
		}
	}
	sock = fe->cfg.server ? accept_server(fe, timeout) : connect_client(fe, timeout);
	if (sock < 0)
		return sock;
	rc = fe_setup(fe, sock);
	if (rc)
		return rc;
	if (!fe->cfg.no_thread) {
		rc = -pthread_create(&fe->monitor, NULL, monitor_main, fe);
		if (rc) {
			fe_quiesce(fe);
			fe_close_fd(&fe->sock);
			return fe_fail(fe, rc, "cannot start the monitor thread: %s", strerror(-rc));
		}
		fe->monitor_running = true;
	}
	return 0;
}

/* The connection is up: anything readable is the end of it (a back-end
 * sends nothing unasked on this socket). */
static void watch_connection(struct vu_fe *fe, int timeout_ms)
{
	struct pollfd p[2] = {
		{ .fd = fe->sock, .events = POLLIN | POLLRDHUP },
		{ .fd = fe->stop_fd, .events = POLLIN },
	};
	struct vu_msg msg;
	struct error why;
	char text[160];
	int rc;

	rc = poll(p, 2, timeout_ms);
	if (rc <= 0 || !p[0].revents)
		return;
	if (p[0].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
		fe_go_down(fe, "the back-end closed the connection");
		return;
	}
	rc = vu_msg_recv(fe->sock, &msg, &why);
	if (rc == -EAGAIN)
		return;
	if (rc) {
		fe_go_down(fe, rc == -ECONNRESET ? "the back-end closed the connection" : why.msg);
		return;
	}
	vu_msg_close_fds(&msg);
	snprintf(text, sizeof(text), "unexpected message %s from the back-end",
		 fe_req_name(msg.m.hdr.request));
	fe_go_down(fe, text);
}

static int service_once(struct vu_fe *fe, int timeout_ms)
{
	int sock;

	if (__atomic_load_n(&fe->state, __ATOMIC_ACQUIRE) == FE_UP) {
		watch_connection(fe, timeout_ms);
	} else if (!fe->cfg.reconnect) {
		nap(fe, timeout_ms);
	} else {
		if (fe->cfg.server) {
			sock = accept_server(fe, timeout_ms);
		} else {
			sock = vu_socket_connect(fe->path);
			if (sock < 0)
				nap(fe, timeout_ms < 0 || timeout_ms > FE_RETRY_MS ? FE_RETRY_MS
										  : timeout_ms);
		}
		if (sock >= 0)
			fe_setup(fe, sock);
	}
	return __atomic_load_n(&fe->state, __ATOMIC_ACQUIRE) == FE_UP;
}

static void *monitor_main(void *arg)
{
	struct vu_fe *fe = arg;

	while (!__atomic_load_n(&fe->stop, __ATOMIC_ACQUIRE))
		service_once(fe, -1);
	return NULL;
}

int vu_fe_service(struct vu_fe *fe, int timeout_ms)
{
	if (fe->monitor_running)
		return vu_fe_connected(fe);
	return service_once(fe, timeout_ms);
}

/* ---- teardown ---- */

void vu_fe_destroy(struct vu_fe *fe)
{
	if (!fe)
		return;
	if (fe->monitor_running) {
		__atomic_store_n(&fe->stop, true, __ATOMIC_RELEASE);
		eventfd_write(fe->stop_fd, 1);
		pthread_join(fe->monitor, NULL);
		fe->monitor_running = false;
	}
	if (__atomic_load_n(&fe->state, __ATOMIC_ACQUIRE) == FE_UP) {
		fe_quiesce(fe);
		/* As QEMU stops a device: GET_VRING_BASE stops each ring, and
		 * its reply says the back-end no longer touches it. */
		for (unsigned i = 0; i < 2 * fe->nqp; i++) {
			struct vhost_vring_state s = { .index = i };

			if (fe_query(fe, VHOST_USER_GET_VRING_BASE, &s, sizeof(s), &s, sizeof(s)))
				break;
		}
	}
	fe_close_fd(&fe->sock);
	if (fe->listen_fd >= 0) {
		fe_close_fd(&fe->listen_fd);
		unlink(fe->path);
	}
	fe_free(fe);
}

/* ---- accessors ---- */

const char *vu_fe_error(const struct vu_fe *fe)
{
	return fe->err.msg;
}

uint64_t vu_fe_features(const struct vu_fe *fe)
{
	return fe->features;
}

uint64_t vu_fe_protocol_features(const struct vu_fe *fe)
{
	return fe->protocol_features;
}

unsigned vu_fe_queue_pairs(const struct vu_fe *fe)
{
	return fe->nqp;
}

unsigned vu_fe_hdr_len(const struct vu_fe *fe)
{
	return fe->hdr_len;
}

unsigned vu_fe_max_tx_frame(const struct vu_fe *fe)
{
	return fe->qp[0].tx.v.buf_size - fe->hdr_len;
}

bool vu_fe_connected(const struct vu_fe *fe)
{
	return __atomic_load_n(&fe->state, __ATOMIC_ACQUIRE) == FE_UP;
}

unsigned vu_fe_generation(const struct vu_fe *fe)
{
	return __atomic_load_n(&fe->generation, __ATOMIC_ACQUIRE);
}

const char *vu_fe_queue_error(const struct vu_fe *fe, unsigned qp)
{
	const char *r;

	if (qp >= fe->nqp)
		return NULL;
	r = vq_drv_broken(&fe->qp[qp].rx.v.vq);
	return r ? r : vq_drv_broken(&fe->qp[qp].tx.v.vq);
}
