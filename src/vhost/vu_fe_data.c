/* SPDX-License-Identifier: MIT */
/*
 * virtio-user front-end, data path: TX and RX bursts, event waits.
 *
 * No allocation and no syscall per packet: a TX burst copies each frame
 * into a free TX buffer, publishes the burst once and writes the kick
 * eventfd only if the back-end asked for it (vq_drv_needs_kick()); used TX
 * buffers are reclaimed only when few are left.  An RX burst re-posts the
 * previous burst's buffers (one publish, a kick only if asked), then hands
 * out frames that point into the RX buffers.
 *
 * What the back-end wrote is checked before use: vq_drv rejects used ids
 * not in flight and lengths beyond a buffer; here a frame shorter than its
 * header or an impossible num_buffers is dropped and counted.
 */
#include "vhost/vu_fe_impl.h"

#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Reclaim used TX buffers once fewer than this (plus the burst) are free. */
#define TX_RECLAIM_SLACK 32u
#define ETH_MIN 14u

static inline void kick(struct fe_vring *v, uint64_t *kicks)
{
	if (vq_drv_needs_kick(&v->vq)) {
		eventfd_write(v->kick_fd, 1);
		(*kicks)++;
	}
}

/* ---- TX ---- */

/*
 * Packed TX ring: a used descriptor's length means nothing for a buffer the
 * device only reads, and DPDK's vhost leaves the length we wrote in it,
 * which vq_drv would take for a device writing into a readable buffer.  A
 * slot the device has marked used is ours again, so clear its length
 * before vq_drv looks; ids are still checked.  One buffer at a time, so
 * each slot is cleared just before vq_drv reads it.
 */
static int tx_reclaim_packed(struct fe_vring *v)
{
	struct vq_drv *vq = &v->vq;
	unsigned want = v->nbufs - v->nfree, got = 0;

	while (got < want) {
		struct vring_packed_desc *d = &vq->ring.packed.desc[vq->last_used];
		uint16_t flags = vq_load_acquire(&d->flags);
		bool used = !!(flags & VQ_PACKED_F_AVAIL) == vq->used_wrap &&
			    !!(flags & VQ_PACKED_F_USED) == vq->used_wrap;
		int n;

		if (!used && !vq->batch_open)
			break;
		if (used)
			vq_store_once(&d->len, 0);
		n = vq_drv_get_used(vq, &v->tok[got], &v->lens[got], 1);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		got++;
	}
	return (int)got;
}

static int tx_reclaim(struct fe_txq *q)
{
	struct fe_vring *v = &q->v;
	int n = v->vq.layout == VQ_PACKED
		? tx_reclaim_packed(v)
		: vq_drv_get_used(&v->vq, v->tok, v->lens, v->nbufs - v->nfree);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		v->free[v->nfree++] = (uint16_t)fe_token_idx(v->tok[i]);
	return 0;
}

/* fe_enter(), and -EIO (not entered) if the ring is broken. */
static int fe_enter_working(struct vu_fe *fe, struct fe_vring *v)
{
	int rc = fe_enter(fe, v);

	if (rc)
		return rc;
	if (vq_unlikely(vq_drv_broken(&v->vq))) {
		fe_exit(v);
		return -EIO;
	}
	return 0;
}

int vu_fe_tx_burst(struct vu_fe *fe, unsigned qp, const struct vu_fe_pkt *pkts, unsigned n)
{
	struct fe_txq *q;
	struct fe_vring *v;
	unsigned hdr_len = fe->hdr_len, max = 0, taken, sent = 0, slots;
	uint64_t bytes = 0;
	int rc;

	if (qp >= fe->nqp)
		return -EINVAL;
	q = &fe->qp[qp].tx;
	v = &q->v;
	rc = fe_enter_working(fe, v);
	if (rc)
		return rc;
	max = v->buf_size - hdr_len;
	slots = fe->tx_split && !v->vq.feat.indirect ? 2 : 1;
	if (v->nfree < n + TX_RECLAIM_SLACK || vq_drv_num_free(&v->vq) < n * slots) {
		rc = tx_reclaim(q);
		if (rc) {
			fe_exit(v);
			return rc;
		}
	}
	for (taken = 0; taken < n; taken++) {
		const struct vu_fe_pkt *p = &pkts[taken];
		struct virtio_net_hdr_mrg_rxbuf *h;
		struct vq_buf out[2];
		unsigned idx;
		uint64_t a;

		if (vq_unlikely(p->len > max || p->len == 0)) {
			q->dropped++;
			continue;
		}
		if (vq_unlikely(!v->nfree))
			break;
		idx = v->free[v->nfree - 1];
		h = (struct virtio_net_hdr_mrg_rxbuf *)fe_buf(v, idx);
		if (p->hdr)
			h->hdr = *p->hdr;
		else
			memset(&h->hdr, 0, sizeof(h->hdr));
		h->num_buffers = 0;
		memcpy((uint8_t *)h + hdr_len, p->data, p->len);
		a = fe_addr(fe, h);
		if (fe->tx_split) {
			out[0] = (struct vq_buf){ a, hdr_len };
			out[1] = (struct vq_buf){ a + hdr_len, p->len };
		} else {
			out[0] = (struct vq_buf){ a, hdr_len + p->len };
		}
		if (vq_unlikely(vq_drv_add(&v->vq, out, fe->tx_split ? 2 : 1, NULL, 0,
					   fe_token(idx))))
			break; /* ring full (two slots a frame), or broken */
		v->nfree--;
		sent++;
		bytes += p->len;
	}
	if (sent) {
		vq_drv_publish(&v->vq);
		kick(v, &q->kicks);
	}
	q->packets += sent;
	q->bytes += bytes;
	if (taken < n)
		q->full++;
	fe_exit(v);
	return (int)taken;
}

/* ---- RX ---- */

/* Post what fits of the buffers that are neither in the ring nor held. */
static void rx_post_free(struct vu_fe *fe, struct fe_rxq *q)
{
	struct fe_vring *v = &q->v;
	unsigned posted = 0;

	while (v->nfree && !fe_rx_post(fe, q, v->free[v->nfree - 1])) {
		v->nfree--;
		posted++;
	}
	if (posted) {
		vq_drv_publish(&v->vq);
		kick(v, &q->kicks);
	}
}

/* Re-post the buffers handed out last time, and any not in the ring. */
static void rx_refill(struct vu_fe *fe, struct fe_rxq *q)
{
	for (unsigned i = 0; i < q->nheld; i++) {
		q->held_mark[q->held[i]] = 0;
		q->v.free[q->v.nfree++] = q->held[i];
	}
	q->nheld = 0;
	rx_post_free(fe, q);
}

/* Move up to `want` used buffers into the pending FIFO. */
static int rx_fetch(struct fe_rxq *q, unsigned want)
{
	struct fe_vring *v = &q->v;
	unsigned room = v->nbufs - q->pend_n, tail;
	int n;

	if (want > room)
		want = room;
	if (!want)
		return 0;
	n = vq_drv_get_used(&v->vq, v->tok, v->lens, want);
	if (n <= 0)
		return n;
	tail = q->pend_head + q->pend_n;
	for (int i = 0; i < n; i++, tail++) {
		if (tail >= v->nbufs)
			tail -= v->nbufs;
		q->pend_idx[tail] = (uint16_t)fe_token_idx(v->tok[i]);
		q->pend_len[tail] = v->lens[i];
	}
	q->pend_n += (unsigned)n;
	return n;
}

/* Take the oldest pending buffer; it is held until the next burst. */
static unsigned rx_take(struct fe_rxq *q, uint32_t *len)
{
	unsigned idx = q->pend_idx[q->pend_head];

	*len = q->pend_len[q->pend_head];
	if (++q->pend_head == q->v.nbufs)
		q->pend_head = 0;
	q->pend_n--;
	q->held[q->nheld++] = (uint16_t)idx;
	q->held_mark[idx] = 1;
	return idx;
}

int vu_fe_rx_burst(struct vu_fe *fe, unsigned qp, struct vu_fe_frame *frames, unsigned n)
{
	struct fe_rxq *q;
	struct fe_vring *v;
	unsigned got = 0, nseg = 0, hdr_len = fe->hdr_len;
	uint64_t bytes = 0;
	int rc;

	if (qp >= fe->nqp)
		return -EINVAL;
	q = &fe->qp[qp].rx;
	v = &q->v;
	rc = fe_enter_working(fe, v);
	if (rc)
		return rc;
	rx_refill(fe, q);
	while (got < n) {
		struct vu_fe_frame *f = &frames[got];
		struct virtio_net_hdr_mrg_rxbuf mh;
		unsigned nb = 1, idx, first_seg = nseg;
		uint32_t len, total = 0;
		const uint8_t *b;

		if (!q->pend_n) {
			rc = rx_fetch(q, n - got);
			if (rc <= 0)
				break;
		}
		/* The head buffer: its header says how many buffers follow. */
		idx = q->pend_idx[q->pend_head];
		len = q->pend_len[q->pend_head];
		b = fe_buf(v, idx);
		if (len >= hdr_len) {
			memcpy(&mh, b, sizeof(mh)); /* read once */
			if (fe->mrg)
				nb = mh.num_buffers;
		}
		if (vq_unlikely(len < hdr_len || nb == 0 || nb > v->nbufs)) {
			rx_take(q, &len); /* dropped: back to the ring next time */
			q->errors++;
			continue;
		}
		if (q->pend_n < nb) {
			rc = rx_fetch(q, nb - q->pend_n);
			if (rc < 0 || q->pend_n < nb)
				break; /* the rest is not there yet */
		}
		for (unsigned j = 0; j < nb; j++) {
			unsigned off = j ? 0 : hdr_len;

			idx = rx_take(q, &len);
			if (len > off) {
				q->seg[nseg++] = (struct iovec){ fe_buf(v, idx) + off, len - off };
				total += len - off;
			}
		}
		if (vq_unlikely(total < ETH_MIN)) {
			nseg = first_seg;
			q->errors++;
			continue;
		}
		f->hdr = mh.hdr;
		f->len = total;
		f->nseg = (uint16_t)(nseg - first_seg);
		f->nbufs = (uint16_t)nb;
		f->seg = &q->seg[first_seg];
		bytes += total;
		got++;
	}
	/* More buffers than ring slots (headers in descriptors of their own):
	 * the slots just freed take spare buffers now, not a burst later. */
	if (v->nfree && vq_drv_num_free(&v->vq) && !vq_drv_broken(&v->vq))
		rx_post_free(fe, q);
	q->packets += got;
	q->bytes += bytes;
	fe_exit(v);
	if (!got && vq_drv_broken(&v->vq))
		return -EIO;
	return (int)got;
}

int vu_fe_rx_release(struct vu_fe *fe, unsigned qp)
{
	struct fe_rxq *q;
	int rc;

	if (qp >= fe->nqp)
		return -EINVAL;
	q = &fe->qp[qp].rx;
	rc = fe_enter(fe, &q->v);
	if (rc)
		return rc;
	rx_refill(fe, q);
	fe_exit(&q->v);
	return 0;
}

size_t vu_fe_frame_copy(const struct vu_fe_frame *f, void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned i = 0; i < f->nseg && done < len; i++) {
		size_t k = f->seg[i].iov_len < len - done ? f->seg[i].iov_len : len - done;

		memcpy((uint8_t *)buf + done, f->seg[i].iov_base, k);
		done += k;
	}
	return done;
}

/* ---- waiting ---- */

/*
 * Ask for (on) or stop (off) notifications on one ring; either way, true
 * if work is already there (used buffers, or fetched RX buffers `pend`).
 * Inside fe_enter(), so a reconnect never resets the ring meanwhile.
 */
static bool arm(struct vu_fe *fe, struct fe_vring *v, const unsigned *pend, bool on,
		bool *down)
{
	bool ready;

	if (fe_enter(fe, v)) {
		*down = true;
		return false;
	}
	if (vq_drv_broken(&v->vq)) {
		ready = true; /* let the caller see -EIO */
	} else if (on) {
		ready = vq_drv_enable_call(&v->vq) || (pend && *pend);
	} else {
		vq_drv_disable_call(&v->vq);
		ready = vq_drv_has_used(&v->vq) || (pend && *pend);
	}
	fe_exit(v);
	return ready;
}

int vu_fe_wait(struct vu_fe *fe, unsigned qp, unsigned what, int timeout_ms)
{
	struct pollfd p[2 * VU_FE_MAX_QUEUE_PAIRS];
	struct fe_vring *rings[2 * VU_FE_MAX_QUEUE_PAIRS];
	const unsigned *pend[2 * VU_FE_MAX_QUEUE_PAIRS];
	unsigned first = qp, last = qp, n = 0;
	bool ready = false, down = false, woken = false;
	int rc;

	if (qp == VU_FE_ALL_QUEUES) {
		first = 0;
		last = fe->nqp - 1;
	} else if (qp >= fe->nqp) {
		return -EINVAL;
	}
	if (!(what & (VU_FE_WAIT_RX | VU_FE_WAIT_TX)))
		return -EINVAL;
	for (unsigned i = first; i <= last; i++) {
		if (what & VU_FE_WAIT_RX) {
			pend[n] = &fe->qp[i].rx.pend_n;
			rings[n++] = &fe->qp[i].rx.v;
		}
		if (what & VU_FE_WAIT_TX) {
			pend[n] = NULL;
			rings[n++] = &fe->qp[i].tx.v;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		eventfd_t ignored;

		/* Clear stale signals first, then arm and look once more:
		 * whatever arrives after the look signals the eventfd. */
		eventfd_read(rings[i]->call_fd, &ignored);
		p[i] = (struct pollfd){ .fd = rings[i]->call_fd, .events = POLLIN };
		if (!ready && arm(fe, rings[i], pend[i], true, &down))
			ready = true;
	}
	if (down && !fe->cfg.reconnect)
		return -ENOTCONN;
	if (!ready) {
		/* Asleep also while down: the monitor signals every call
		 * eventfd when the connection comes back. */
		for (unsigned i = first; i <= last && !down; i++) {
			if (what & VU_FE_WAIT_RX)
				fe->qp[i].rx.waits++;
			else
				fe->qp[i].tx.waits++;
		}
		do {
			rc = poll(p, n, timeout_ms);
		} while (rc < 0 && errno == EINTR);
		for (unsigned i = 0; i < n; i++) {
			eventfd_t ignored;

			if (p[i].revents)
				eventfd_read(rings[i]->call_fd, &ignored);
		}
		woken = rc > 0;
	}
	down = false;
	for (unsigned i = 0; i < n; i++)
		if (arm(fe, rings[i], pend[i], false, &down))
			ready = true;
	if (down)
		return -ENOTCONN;
	/* Woken without work: a reconnect (the caller retries its bursts). */
	return ready || woken ? 1 : 0;
}

/* ---- counters ---- */

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

void vu_fe_get_stats(const struct vu_fe *fe, unsigned qp, struct vu_fe_stats *st)
{
	const struct fe_rxq *rx;
	const struct fe_txq *tx;

	memset(st, 0, sizeof(*st));
	if (qp >= fe->nqp)
		return;
	rx = &fe->qp[qp].rx;
	tx = &fe->qp[qp].tx;
	st->tx_packets = LOAD(tx->packets);
	st->tx_bytes = LOAD(tx->bytes);
	st->tx_full = LOAD(tx->full);
	st->tx_dropped = LOAD(tx->dropped);
	st->tx_kicks = LOAD(tx->kicks);
	st->rx_packets = LOAD(rx->packets);
	st->rx_bytes = LOAD(rx->bytes);
	st->rx_errors = LOAD(rx->errors);
	st->rx_kicks = LOAD(rx->kicks);
	st->waits = LOAD(rx->waits) + LOAD(tx->waits);
}
