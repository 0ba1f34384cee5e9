/* SPDX-License-Identifier: MIT */
/*
 * Enqueue: writing frames into a guest's RX ring.  Each frame is copied once,
 * straight from wherever its bytes are (another guest's TX buffers, a tap
 * read buffer) into the guest's buffers: first the virtio_net_hdr, then a
 * rewritten Ethernet header (VLAN tag added or removed), then the rest.
 */
#include "port/vhost_enqueue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "util/counter.h"
#include "net/iov.h"
#include "util/log.h"
#include "net/gso.h"
#include "net/vnet_hdr.h"

LOG_MODULE("vhost");

int vhost_enqueue_init(struct vhost_enqueue_ring *q, const char *name, unsigned vring)
{
	q->name = name;
	q->vring = vring;
	q->packets = q->discarded = 0;
	q->vq = NULL;
	q->call_fd = q->err_fd = -1;
	q->chains = calloc(VHOST_ENQUEUE_POOL, sizeof(*q->chains));
	q->next = q->npopped = q->ncopies = 0;
	q->iov = calloc(VHOST_ENQUEUE_MAX_IOV, sizeof(*q->iov));
	return q->chains && q->iov ? 0 : -1;
}

void vhost_enqueue_fini(struct vhost_enqueue_ring *q)
{
	free(q->chains);
	free(q->iov);
	q->chains = NULL;
	q->iov = NULL;
}

void vhost_enqueue_start(struct vhost_enqueue_ring *q, struct vq_dev *vq, int call_fd,
			 uint64_t features)
{
	q->vq = vq;
	vq_dev_disable_kick(vq); /* we never wait for RX buffers: no refill kicks */
	q->call_fd = call_fd;
	q->mrg = features & (1ull << VIRTIO_NET_F_MRG_RXBUF);
	q->hdr_len = vnet_hdr_len(features);
	q->guest_csum = features & (1ull << VIRTIO_NET_F_GUEST_CSUM);
	q->guest_tso4 = q->guest_csum && features & (1ull << VIRTIO_NET_F_GUEST_TSO4);
	q->guest_tso6 = q->guest_csum && features & (1ull << VIRTIO_NET_F_GUEST_TSO6);
	q->guest_ufo = q->guest_csum && features & (1ull << VIRTIO_NET_F_GUEST_UFO);
	q->guest_ecn = features & (1ull << VIRTIO_NET_F_GUEST_ECN);
	q->broken_logged = q->discard_logged = false;
}

/* What one emitted frame is made of: local header bytes, then source bytes. */
struct enq_src {
	const uint8_t *local;
	size_t local_len;
	const struct iovec *iov;
	unsigned niov;
	size_t off, len;
};

enum { ENQ_OK, ENQ_NOBUF, ENQ_BROKEN, ENQ_TOOBIG, ENQ_INVALID, ENQ_MORE };

/*
 * Ask for a cache line in a state we can write, ahead of the stores.
 * __builtin_prefetch(p, 1) is a read prefetch unless the build targets
 * PREFETCHW, and a line read-prefetched from the other CPU must then be
 * fetched again for writing.  Every x86-64 CPU decodes PREFETCHW (older
 * Intel ones as a no-op).
 */
static inline void prefetch_for_write(const void *p)
{
#if defined(__x86_64__)
	__asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1);
#endif
}

/*
 * Where a frame's first stores go in a guest buffer: just past the
 * virtio-net header, which write_headers() writes only when it differs.
 * DPDK's virtio driver puts the header at the end of an mbuf's headroom
 * and the frame on the next cache line; its header hardly ever changes,
 * so that line stays shared by both CPUs and never has to move.
 */
static const void *frame_start(const struct vhost_enqueue_ring *q, const struct vq_chain *c)
{
	const struct iovec *v = &c->iov[c->nout];

	return v->iov_len > q->hdr_len ? (const uint8_t *)v->iov_base + q->hdr_len
				       : v->iov_base;
}

/*
 * Guest buffers are popped a burst at a time into q->chains and handed
 * out in ring order; vhost_enqueue_burst() gives back what the burst did
 * not use.  take() returns the next one, refilling the pool when it runs
 * dry; refill() asks for the line where each new buffer's frame starts:
 * the receiving CPU owns those lines, and fetched all at once their
 * transfers overlap instead of each stalling its frame's first store.
 * take() and copy_flat() run for every frame and are inlined; refill(),
 * which runs when the pool is dry (as a rule once a burst), stays out of
 * line.
 */
static __attribute__((noinline)) int refill(struct vhost_enqueue_ring *q, unsigned want)
{
	unsigned room = VHOST_ENQUEUE_POOL - q->npopped;
	int got = vq_dev_pop_burst(q->vq, &q->chains[q->npopped],
				   want && want < room ? want : room);

	if (got <= 0)
		return got < 0 ? ENQ_BROKEN : ENQ_NOBUF;
	for (unsigned i = q->npopped; i < q->npopped + (unsigned)got; i++)
		if (q->chains[i].nin)
			prefetch_for_write(frame_start(q, &q->chains[i]));
	q->npopped += (unsigned)got;
	return ENQ_OK;
}

static inline __attribute__((always_inline)) int
take(struct vhost_enqueue_ring *q, unsigned want, struct vq_chain **c)
{
	if (q->next == q->npopped) {
		int rc = refill(q, want);

		if (rc != ENQ_OK)
			return rc;
	}
	*c = &q->chains[q->next++];
	return ENQ_OK;
}

/* Do the payload copies deferred so far. */
static void run_copies(struct vhost_enqueue_ring *q)
{
	for (unsigned i = 0; i < q->ncopies; i++)
		memcpy(q->copies[i].dst, q->copies[i].src, q->copies[i].len);
	q->ncopies = 0;
}

/*
 * A migration is logging dirty pages: the buffers [0, next) of the pool
 * are done with (each one's in_len now says how many bytes were written
 * into it, 0 when it went back empty); mark their pages, once the
 * deferred copies into them are made.  The pool forgets them next (the
 * pool is refilled from its start, or the burst ends), so this runs at
 * most about once per burst, and only while logging.
 */
static __attribute__((noinline, cold)) void log_pool(struct vhost_enqueue_ring *q)
{
	const struct dirty_log *log = q->vq->log;

	run_copies(q);
	dirty_log_barrier();
	for (unsigned b = 0; b < q->next; b++) {
		const struct vq_chain *c = &q->chains[b];
		size_t left = c->in_len;

		for (unsigned i = c->nout; left && i < c->nout + c->nin; i++) {
			size_t n = c->iov[i].iov_len < left ? c->iov[i].iov_len : left;

			dirty_log_host(log, q->vq->mem, c->iov[i].iov_base, n);
			left -= n;
		}
	}
}

/* Room for one more frame's worth of buffers at the end of the pool. */
static inline void make_room(struct vhost_enqueue_ring *q)
{
	if (q->next == q->npopped) {
		if (vq_unlikely(q->vq->log != NULL))
			log_pool(q);
		q->next = q->npopped = 0;
	} else if (q->npopped + VHOST_ENQUEUE_MAX_BUFS > VHOST_ENQUEUE_POOL) {
		/* rare: left-overs of a large pop mid-burst */
		if (vq_unlikely(q->vq->log != NULL))
			log_pool(q);
		memmove(q->chains, &q->chains[q->next], (q->npopped - q->next) * sizeof(*q->chains));
		q->npopped -= q->next;
		q->next = 0;
	}
}

/* A buffer no frame can use: nothing writable, more pieces than a chain
 * maps, or, without mergeable buffers, too small for any frame. */
static bool unusable(const struct vhost_enqueue_ring *q, const struct vq_chain *c)
{
	return c->nin == 0 || c->in_len == 0 || c->flags & VQ_CHAIN_F_OVERSIZE ||
	       (!q->mrg && c->in_len < q->hdr_len + ETH_HLEN_UNTAGGED);
}

/*
 * Give chains [first, next) back to the guest empty: an unusable buffer,
 * and those the frame took before it.  Put back in the pool, it would be
 * the next frame's first buffer again and stop every frame behind it;
 * skipped, the ring order (IN_ORDER, and a frame's mergeable buffers
 * following each other) would break.  A driver reads a used length of 0
 * as an empty buffer.
 */
static void discard(struct vhost_enqueue_ring *q, unsigned first)
{
	for (unsigned b = first; b < q->next; b++) {
		vq_dev_push(q->vq, q->chains[b].id, q->chains[b].ndesc, 0);
		q->chains[b].in_len = 0; /* written: nothing (log_pool()) */
	}
	counter_add(&q->discarded, q->next - first); /* writers hold q->lock */
	make_room(q);
	if (!q->discard_logged) {
		q->discard_logged = true;
		log_warn("%s: vring %u: the guest posts receive buffers no frame can use "
			 "(nothing writable, too many pieces, or too small); given back empty", q->name,
			 q->vring);
	}
}

/* Take buffers until `total` bytes fit: chains q->chains[*first, next). */
static int reserve(struct vhost_enqueue_ring *q, size_t total, unsigned frames_left,
		   unsigned *first)
{
	unsigned max = q->mrg ? VHOST_ENQUEUE_MAX_BUFS : 1;
	size_t cap = 0;

	make_room(q);
	*first = q->next;
	while (cap < total) {
		struct vq_chain *c;
		int rc = q->next - *first == max ? ENQ_TOOBIG : take(q, frames_left, &c);

		if (rc != ENQ_OK) {
			q->next = *first; /* back to the pool, for the next frame */
			return rc;
		}
		if (unusable(q, c)) {
			discard(q, *first);
			*first = q->next;
			cap = 0;
			continue;
		}
		cap += c->in_len;
	}
	return ENQ_OK;
}

/* The writable iovecs of chains [first, first + nbufs), end to end: the
 * chain's own array when there is one chain. */
static struct iovec *gather_iov(struct vhost_enqueue_ring *q, unsigned first, unsigned nbufs,
				unsigned *niov)
{
	unsigned n = 0;

	for (unsigned b = first; b < first + nbufs; b++) {
		struct vq_chain *c = &q->chains[b];

		if (n + c->nin > VHOST_ENQUEUE_MAX_IOV)
			return NULL;
		if (nbufs == 1) {
			*niov = c->nin;
			return &c->iov[c->nout];
		}
		memcpy(&q->iov[n], &c->iov[c->nout], c->nin * sizeof(struct iovec));
		n += c->nin;
	}
	*niov = n;
	return q->iov;
}

/* Complete a checksum the guest cannot: over the frame part of the buffers.
 * -EINVAL when the request does not fit the frame. */
static int fill_csum(struct vhost_enqueue_ring *q, struct iovec *iov, unsigned niov,
		     size_t frame_len, const struct virtio_net_hdr *h)
{
	struct iov_cursor cur;
	struct iovec first;
	int rc;

	iov_cursor_init(&cur, iov, niov);
	iov_cursor_skip(&cur, q->hdr_len);
	if (iov_cursor_at_end(&cur))
		return -EINVAL;
	first = iov[cur.idx];
	iov[cur.idx].iov_base = (uint8_t *)first.iov_base + cur.off;
	iov[cur.idx].iov_len = first.iov_len - cur.off;
	rc = vnet_hdr_complete_csum(&iov[cur.idx], niov - cur.idx, frame_len, h);
	iov[cur.idx] = first;
	return rc;
}

/*
 * The virtio-net header and the rewritten Ethernet header at the start of
 * the receiver's buffer; the virtio one only when it differs from what
 * the buffer holds (see frame_start()).  Reading a device-writable buffer
 * is a SHOULD NOT in VIRTIO 1.2 (2.7.5.1), done here on purpose, as
 * DPDK's vhost does: the bytes read decide only whether to store.  The
 * usual sizes, a 12-byte virtio header and 14 bytes of untagged Ethernet
 * header, as constants: the compiler makes a few moves of them, where
 * variable sizes are library calls.
 */
static inline void write_headers(uint8_t *d, const struct virtio_net_hdr_mrg_rxbuf *mh,
				 size_t hdr_len, const struct enq_src *s)
{
	if (hdr_len == sizeof(*mh) && s->local_len == ETH_HLEN_UNTAGGED) {
		if (memcmp(d, mh, sizeof(*mh)))
			memcpy(d, mh, sizeof(*mh));
		memcpy(d + sizeof(*mh), s->local, ETH_HLEN_UNTAGGED);
		return;
	}
	if (memcmp(d, mh, hdr_len))
		memcpy(d, mh, hdr_len);
	memcpy(d + hdr_len, s->local, s->local_len);
}

/*
 * The common case without cursors: the source bytes are contiguous and
 * the guest buffer's first iovec holds header and frame.  False if not.
 * The payload copy waits for the end of the burst (run_copies()): back to
 * back, the stores into the guest's buffers, each a cache line the
 * guest's CPU owns, fill the store queue and their line transfers overlap;
 * spread between the other work of each frame, they did not.
 */
static inline __attribute__((always_inline)) bool
copy_flat(struct vhost_enqueue_ring *q, const struct iovec *iov,
	  const struct virtio_net_hdr_mrg_rxbuf *mh, const struct enq_src *s)
{
	const struct iovec *si = s->iov;
	uint8_t *d = iov[0].iov_base;

	if (s->niov == 0 || si->iov_len < s->off || si->iov_len - s->off < s->len ||
	    iov[0].iov_len < q->hdr_len + s->local_len + s->len)
		return false;
	write_headers(d, mh, q->hdr_len, s);
	if (q->ncopies == FRAME_BURST)
		run_copies(q);
	q->copies[q->ncopies++] = (struct vhost_enqueue_copy){
		d + q->hdr_len + s->local_len, (const uint8_t *)si->iov_base + s->off, s->len };
	return true;
}

/* Any layout: header, local bytes and source bytes streamed through the
 * guest's iovecs. */
static void copy_iov(struct vhost_enqueue_ring *q, const struct iovec *iov, unsigned niov,
		     const struct virtio_net_hdr_mrg_rxbuf *mh, const struct enq_src *s)
{
	struct iov_cursor dst, src;

	iov_cursor_init(&dst, iov, niov);
	iov_cursor_write(&dst, mh, q->hdr_len);
	iov_cursor_write(&dst, s->local, s->local_len);
	iov_cursor_init(&src, s->iov, s->niov);
	iov_cursor_skip(&src, s->off);
	iov_cursor_copy(&dst, &src, s->len);
}

/*
 * The common case: the next guest buffer takes the whole frame, so no
 * reserve() loop, no gathered iovecs, one used entry.  ENQ_MORE (the
 * buffer back in the pool) when it does not: go the general way.
 */
static int write_single(struct vhost_enqueue_ring *q, struct virtio_net_hdr_mrg_rxbuf *mh,
			const struct enq_src *s, size_t total)
{
	struct vq_chain *c;
	int rc;

	make_room(q);
	rc = take(q, q->frames_left, &c);
	if (rc != ENQ_OK)
		return rc;
	if (c->in_len < total || c->nin == 0 || c->flags & VQ_CHAIN_F_OVERSIZE) {
		q->next--;
		return ENQ_MORE;
	}
	mh->num_buffers = 1;
	if (!copy_flat(q, &c->iov[c->nout], mh, s))
		copy_iov(q, &c->iov[c->nout], c->nin, mh, s);
	vq_dev_push(q->vq, c->id, c->ndesc, (uint32_t)total);
	c->in_len = (uint32_t)total; /* bytes written, for log_pool() */
	return ENQ_OK;
}

static int write_one(struct vhost_enqueue_ring *q, const struct virtio_net_hdr *h, bool fill,
		     const struct enq_src *s)
{
	size_t frame_len = s->local_len + s->len;
	size_t total = q->hdr_len + frame_len, left = total;
	struct virtio_net_hdr_mrg_rxbuf mh = { .hdr = *h };
	unsigned first, nbufs, niov;
	struct iovec *iov;
	int rc;

	if (!fill) { /* a checksum to complete takes the general way */
		rc = write_single(q, &mh, s, total);
		if (rc != ENQ_MORE)
			return rc;
	}
	rc = reserve(q, total, q->frames_left, &first);
	if (rc != ENQ_OK)
		return rc;
	nbufs = q->next - first;
	iov = gather_iov(q, first, nbufs, &niov);
	if (!iov) {
		q->next = first;
		return ENQ_TOOBIG;
	}
	if (fill)
		mh.hdr.flags = 0;
	mh.num_buffers = (uint16_t)nbufs;
	if (nbufs > 1 || !copy_flat(q, iov, &mh, s))
		copy_iov(q, iov, niov, &mh, s);
	if (fill) {
		run_copies(q); /* the checksum is over the bytes in place */
		if (fill_csum(q, iov, niov, frame_len, h)) {
			q->next = first;
			return ENQ_INVALID;
		}
	}
	for (unsigned b = first; b < first + nbufs; b++) {
		uint32_t len = left < q->chains[b].in_len ? (uint32_t)left : q->chains[b].in_len;

		vq_dev_push(q->vq, q->chains[b].id, q->chains[b].ndesc, len);
		q->chains[b].in_len = len; /* bytes written, for log_pool() */
		left -= len;
	}
	return ENQ_OK;
}

static bool guest_takes_gso(const struct vhost_enqueue_ring *q,
			    const struct virtio_net_hdr *h)
{
	if (h->gso_type & VIRTIO_NET_HDR_GSO_ECN && !q->guest_ecn)
		return false;
	switch (h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE: return true;
	case VIRTIO_NET_HDR_GSO_TCPV4: return q->guest_tso4;
	case VIRTIO_NET_HDR_GSO_TCPV6: return q->guest_tso6;
	case VIRTIO_NET_HDR_GSO_UDP: return q->guest_ufo;
	default: return false;
	}
}

/*
 * Cut a GSO frame the guest cannot take into wire-size frames.  Their
 * checksums are summed over the sender's bytes, whose copy comes later:
 * not marked DATA_VALID, so that a sender rewriting its payload meanwhile
 * gets its frames dropped by the receiver's own check, not accepted.
 */
static int write_segments(struct vhost_enqueue_ring *q, const struct frame *f,
			  const struct frame_egress *e)
{
	struct virtio_net_hdr h = { 0 };
	struct gso_state gs;
	struct gso_seg seg;

	if (gso_init_frame(&gs, f, 0))
		return ENQ_TOOBIG;
	while (gso_next(&gs, &seg)) {
		uint8_t local[ETH_HLEN_TAGGED + GSO_MAX_HDR];
		struct enq_src s = { .local = local, .iov = f->iov, .niov = f->niov,
				    .off = seg.payload_off, .len = seg.payload_len };
		int rc;

		/* the segment's own header, with the egress L2 header in front */
		memcpy(local, e->prefix, e->prefix_len);
		memcpy(local + e->prefix_len, seg.hdr + e->src_off, seg.hdr_len - e->src_off);
		s.local_len = e->prefix_len + seg.hdr_len - e->src_off;
		rc = write_one(q, &h, false, &s);
		if (rc != ENQ_OK)
			return rc;
	}
	return ENQ_OK;
}

static int enqueue_one(struct vhost_enqueue_ring *q, const struct frame *f, bool tagged)
{
	struct frame_egress e;
	struct virtio_net_hdr h = f->vnet;
	bool fill = false;
	struct enq_src s;

	frame_egress_init(&e, f, tagged);
	if (!guest_takes_gso(q, &f->vnet))
		return write_segments(q, f, &e);
	if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (!frame_egress_shift(&e, &h.csum_start))
			return ENQ_INVALID;
		fill = !q->guest_csum;
	}
	if (!q->guest_csum) /* without GUEST_CSUM a guest must get flags 0 */
		h.flags &= (uint8_t)~VIRTIO_NET_HDR_F_DATA_VALID;
	if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE && !frame_egress_shift(&e, &h.hdr_len))
		h.hdr_len = 0; /* only a hint: better none than a wrong one */
	s = (struct enq_src){ .local = e.prefix, .local_len = e.prefix_len, .iov = f->iov,
			     .niov = f->niov, .off = f->off + e.src_off, .len = f->len - e.src_off };
	return write_one(q, &h, fill, &s);
}

struct vhost_enqueue_result vhost_enqueue_burst(struct vhost_enqueue_ring *q,
						struct frame *const *f, const bool *tagged,
						unsigned n)
{
	struct vhost_enqueue_result r = { 0 };

	if (!q->vq) {
		r.dropped = n;
		return r;
	}
	for (unsigned i = 0; i < n; i++) {
		int rc;

		q->frames_left = n - i;
		rc = enqueue_one(q, f[i], tagged[i]);

		if (rc == ENQ_OK) {
			r.sent++;
			r.bytes += f[i]->len;
		} else if (rc == ENQ_NOBUF) {
			r.dropped++;
		} else {
			r.errors++;
		}
	}
	run_copies(q);
	if (vq_unlikely(q->vq->log != NULL))
		log_pool(q);
	vq_dev_unpop(q->vq, &q->chains[q->next], q->npopped - q->next);
	q->next = q->npopped = 0;
	counter_add(&q->packets, r.sent); /* writers hold q->lock */
	/* a burst that used no buffer (all dropped) owes the guest no interrupt */
	if (vq_dev_flush(q->vq) && vq_dev_needs_call(q->vq) && q->call_fd >= 0)
		eventfd_write(q->call_fd, 1);
	if (vq_dev_broken(q->vq) && !q->broken_logged) {
		q->broken_logged = true;
		log_error("%s: vring %u broken, stopped: %s", q->name, q->vring, vq_dev_broken(q->vq));
		if (q->err_fd >= 0) /* SET_VRING_ERR: tell the front-end */
			eventfd_write(q->err_fd, 1);
	}
	return r;
}
