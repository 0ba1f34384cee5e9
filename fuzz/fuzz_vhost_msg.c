/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the vhost-user message validator and back-end state
 * machine against a hostile front-end.  Input layout:
 *
 *   [0]       device: bits 0-2 queue pairs - 1 (bit 5 set: the most
 *             pairs less bits 0-2, rings allocated as messages name
 *             them); bits 3-4 both set: the device refuses to start odd
 *             rings
 *   then messages, each a 12-byte header (request, flags, size; little-
 *   endian as on the wire) and `size` payload bytes, clipped to the input.
 *
 * The top four bits of a header's flags are not sent; they choose the
 * fds that ride along (the protocol leaves those bits reserved):
 *   0      what the request takes: one memfd per SET_MEM_TABLE region
 *          (sized to cover the region, at most 1 MiB), one eventfd for a
 *          vring fd request without the NOFD bit, for SET_LOG_FD and
 *          SET_BACKEND_REQ_FD; a 64 KiB memfd for SET_LOG_BASE (whose
 *          size and offset are the input's); none otherwise
 *   1..9   that many minus one eventfds, whatever the request
 *   10..15 none
 *
 * Each message goes through vu_msg_validate() and vu_dev_dispatch() on a
 * vu_dev whose socket is one end of a non-blocking socketpair; replies
 * are drained from the other end.  A failure does what the daemon does:
 * vu_dev_disconnect() and a new connection.  Checks, beyond not crashing:
 * every failure has a reason, a message the validator refuses is refused,
 * a started ring lies inside the memory table, starts and stops pair up,
 * a dirty log in use lies inside its file (every byte of it is marked
 * after each message: a mapping past the file's end would fault) and a
 * started ring logs into the device's log,
 * and after the final vu_dev_disconnect() no ring runs, every fd the
 * harness created is closed and (checked every 256 inputs) no guest
 * memory stays mapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vhost/vu_dev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(cond)                                                          \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,  \
				__LINE__, #cond);                               \
			abort();                                                \
		}                                                               \
	} while (0)

#define FZ_MEMFD_MAX (1u << 20)
#define FZ_MAX_FDS 512
#define FD_HINT_SHIFT 28

/* What uvnetd offers (see src/port/vhost_port.c), MQ included. */
#define FZ_FEATURES                                                                    \
	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_RING_PACKED) |               \
	 (1ull << VIRTIO_F_IN_ORDER) | (1ull << VIRTIO_RING_F_INDIRECT_DESC) |         \
	 (1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << 15) /* MRG_RXBUF */ |           \
	 (1ull << 22) /* MQ */ | (1ull << 21) /* GUEST_ANNOUNCE */ |               \
	 (1ull << 26) /* VHOST_F_LOG_ALL */ | (1ull << VHOST_USER_F_PROTOCOL_FEATURES))
#define FZ_PROTOCOL                                                                    \
	((1ull << VHOST_USER_PROTOCOL_F_MQ) | (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
	 (1ull << VHOST_USER_PROTOCOL_F_RARP) | (1ull << VHOST_USER_PROTOCOL_F_NET_MTU) | \
	 (1ull << VHOST_USER_PROTOCOL_F_BACKEND_REQ) |                                   \
	 (1ull << VHOST_USER_PROTOCOL_F_STATUS) | (1ull << VHOST_USER_PROTOCOL_F_LOG_SHMFD))
#define FZ_LOG_MEMFD (64u << 10)

static struct {
	struct vu_dev dev;
	int peer;                    /* the front-end's end */
	bool refuse_odd;
	bool running[VU_MAX_VRINGS];
	int created[FZ_MAX_FDS];     /* every fd the harness made */
	unsigned ncreated;
} fz;

/* FUZZ_VHOST_VERBOSE=1: trace ring starts and why each connection was
 * dropped (to check that the seeds are conversations the back-end accepts). */
static bool verbose;

static int track(int fd)
{
	FZ_CHECK(fd >= 0);
	if (fz.ncreated < FZ_MAX_FDS)
		fz.created[fz.ncreated++] = fd;
	return fd;
}

/* [p, p + len) must lie inside one region of the table. */
static void check_in_table(const void *p, size_t len)
{
	uint64_t a, b;

	FZ_CHECK(fz.dev.mem);
	FZ_CHECK(guest_mem_host_to_gpa(fz.dev.mem, p, &a));
	FZ_CHECK(guest_mem_host_to_gpa(fz.dev.mem, (const uint8_t *)p + len - 1, &b));
	FZ_CHECK(b - a == len - 1);
}

static int fake_start(void *opaque, unsigned idx)
{
	const struct vu_vring *vr = fz.dev.vring[idx];
	const struct vq_dev *vq = &vr->vq;
	enum vq_layout l = vq->layout;

	(void)opaque;
	FZ_CHECK(idx < 2 * fz.dev.cfg.queue_pairs);
	FZ_CHECK(!fz.running[idx]);
	FZ_CHECK(vq->size == vr->num && vq->mem == fz.dev.mem);
	/* The three ring areas the device will touch are all mapped memory. */
	check_in_table(vq->ring.split.desc, vq_desc_area_size(l, vq->size));
	check_in_table(vq->ring.split.avail, vq_driver_area_size(l, vq->size));
	check_in_table(vq->ring.split.used, vq_device_area_size(l, vq->size));
	vq_dev_has_avail((struct vq_dev *)vq); /* read it, as a worker would */
	/* logging: into the device's log, and only while the device logs */
	FZ_CHECK(!vq->log || (vq->log == &fz.dev.log && vu_dev_logging(&fz.dev)));
	if (vq->log) {
		dirty_log_gpa(vq->log, vq->log_device_gpa, vq_device_area_size(l, vq->size));
		dirty_log_gpa(vq->log, vq->log_desc_gpa, vq_desc_area_size(l, vq->size));
	}
	if (fz.refuse_odd && idx % 2)
		return -EBUSY;
	fz.running[idx] = true;
	if (verbose)
		fprintf(stderr, "vring %u started (%s, %u entries)\n", idx,
			l == VQ_PACKED ? "packed" : "split", vq->size);
	return 0;
}

static void fake_stop(void *opaque, unsigned idx)
{
	(void)opaque;
	FZ_CHECK(idx < VU_MAX_VRINGS && fz.running[idx]);
	fz.running[idx] = false;
}

static void fake_rarp(void *opaque, const uint8_t mac[6])
{
	(void)opaque;
	(void)mac;
}

static void fake_mtu(void *opaque, unsigned mtu)
{
	(void)opaque;
	FZ_CHECK(mtu >= 68 && mtu <= 65535);
}

static const struct vu_dev_ops fake_ops = {
	.queue_start = fake_start,
	.queue_stop = fake_stop,
	.send_rarp = fake_rarp,
	.set_mtu = fake_mtu,
};

static void fz_connect(void)
{
	int sv[2];

	FZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
	fz.peer = track(sv[0]);
	vu_dev_connect(&fz.dev, track(sv[1]));
}

static void fz_drop(void)
{
	vu_dev_disconnect(&fz.dev);
	for (unsigned i = 0; i < VU_MAX_VRINGS; i++)
		FZ_CHECK(!fz.running[i]);
	FZ_CHECK(fz.dev.sock == -1 && fz.dev.mem == NULL);
	close(fz.peer);
	fz.peer = -1;
}

/* Discard whatever the back-end answered. */
static void drain(void)
{
	char buf[512];

	while (recv(fz.peer, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void add_fd(struct vu_msg *m, int fd)
{
	if (m->nfds < VHOST_USER_MAX_FDS)
		m->fds[m->nfds++] = track(fd);
	else
		close(fd);
}

static int new_eventfd(void)
{
	return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

/* A memfd big enough for the region (if it is small enough to bother). */
static int region_memfd(const struct vhost_user_region *r)
{
	int fd = memfd_create("fz-guest", MFD_CLOEXEC);
	uint64_t len;

	FZ_CHECK(fd >= 0);
	if (__builtin_add_overflow(r->mmap_offset, r->size, &len) || len > FZ_MEMFD_MAX)
		len = FZ_MEMFD_MAX;
	if (len == 0)
		len = 4096;
	FZ_CHECK(ftruncate(fd, (off_t)len) == 0);
	return fd;
}

/* The fds that ride with message m, as its flags' top nibble says. */
static void attach_fds(struct vu_msg *m)
{
	unsigned hint = m->m.hdr.flags >> FD_HINT_SHIFT;
	const union vhost_user_payload *p = &m->m.payload;
	uint32_t req = m->m.hdr.request;

	m->m.hdr.flags &= (1u << FD_HINT_SHIFT) - 1;
	m->nfds = 0;
	if (hint >= 10)
		return;
	if (hint) {
		for (unsigned i = 0; i + 1 < hint; i++)
			add_fd(m, new_eventfd());
		return;
	}
	switch (req) {
	case VHOST_USER_SET_MEM_TABLE:
		if (m->m.hdr.size >= 8 && p->memory.nregions <= VHOST_USER_MAX_REGIONS)
			for (unsigned i = 0; i < p->memory.nregions; i++)
				add_fd(m, region_memfd(&p->memory.regions[i]));
		break;
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		if (m->m.hdr.size == 8 && !(p->u64 & VHOST_USER_VRING_NOFD))
			add_fd(m, new_eventfd());
		break;
	case VHOST_USER_SET_LOG_BASE: {
		int fd = memfd_create("fz-log", MFD_CLOEXEC | MFD_ALLOW_SEALING);

		FZ_CHECK(fd >= 0 && ftruncate(fd, FZ_LOG_MEMFD) == 0);
		add_fd(m, fd);
		break;
	}
	case VHOST_USER_SET_LOG_FD:
	case VHOST_USER_SET_BACKEND_REQ_FD:
		add_fd(m, new_eventfd());
		break;
	default:
		break;
	}
}

/* One message through the validator and the back-end; false on failure. */
static bool feed(struct vu_msg *m, bool oversized)
{
	struct error why_v = { 0 }, why_d = { 0 };
	int vrc, drc;

	if (oversized) {
		/* vu_msg_recv() refuses it before anyone looks at it. */
		vu_msg_close_fds(m);
		return false;
	}
	vrc = vu_msg_validate(m, &why_v);
	FZ_CHECK(!vrc || (why_v.code == vrc && why_v.msg[0]));
	drc = vu_dev_dispatch(&fz.dev, m, &why_d);
	FZ_CHECK(m->nfds == 0); /* dispatch closed or kept every fd */
	FZ_CHECK(!vrc || drc < 0);
	FZ_CHECK(!drc || (why_d.code == drc && why_d.msg[0]));
	if (drc && verbose)
		fprintf(stderr, "dropped: %s\n", why_d.msg);
	drain();
	/* a log in use: every byte of it can be written (a worker marking a
	 * page past the file's end would die of SIGBUS) */
	if (fz.dev.log.bits) {
		FZ_CHECK(fz.dev.log.bits >= (uint8_t *)fz.dev.log_map &&
			 fz.dev.log.bits + fz.dev.log.len <=
				 (uint8_t *)fz.dev.log_map + fz.dev.log_map_len);
		FZ_CHECK(fz.dev.log.len <= FZ_LOG_MEMFD);
		FZ_CHECK(dirty_log_gpa(&fz.dev.log, 0, fz.dev.log.len * 8 * DIRTY_LOG_PAGE_SIZE) ==
			 fz.dev.log.len * 8);
	}
	return drc == 0;
}

/* Guest memory still mapped after a disconnect (read every 256 inputs:
 * /proc/self/maps is long under ASan). */
static void check_no_guest_mapping(void)
{
	static unsigned n;
	char line[512];
	FILE *f;

	if (++n % 256)
		return;
	f = fopen("/proc/self/maps", "r");
	FZ_CHECK(f);
	while (fgets(line, sizeof(line), f))
		FZ_CHECK(!strstr(line, "memfd:fz-guest") && !strstr(line, "memfd:fz-log"));
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size;

	if (size < 1)
		return 0;
	verbose = getenv("FUZZ_VHOST_VERBOSE");
	fz.ncreated = 0;
	fz.refuse_odd = (data[0] & 0x18) == 0x18;
	vu_dev_init(&fz.dev, &(struct vu_dev_config){
		.features = FZ_FEATURES,
		.protocol_features = FZ_PROTOCOL,
		.queue_pairs = data[0] & 0x20 ? VU_MAX_QUEUE_PAIRS - (data[0] & 7u) : 1 + (data[0] & 7u),
		.ops = &fake_ops,
	});
	data++;
	fz_connect();
	while ((size_t)(end - data) >= sizeof(struct vhost_user_hdr)) {
		struct vu_msg m;
		size_t len;
		bool oversized;

		memset(&m, 0, sizeof(m));
		memcpy(&m.m.hdr, data, sizeof(m.m.hdr));
		data += sizeof(m.m.hdr);
		len = (size_t)(end - data) < m.m.hdr.size ? (size_t)(end - data) : m.m.hdr.size;
		oversized = m.m.hdr.size > sizeof(m.m.payload);
		if (!oversized) {
			memcpy(&m.m.payload, data, len);
			m.m.hdr.size = (uint32_t)len; /* what the back-end would have read */
		}
		data += len;
		attach_fds(&m);
		if (!feed(&m, oversized)) {
			fz_drop();
			fz_connect();
		}
	}
	fz_drop();
	/* Everything the harness created went to the back-end or was closed. */
	for (unsigned i = 0; i < fz.ncreated; i++)
		if (fcntl(fz.created[i], F_GETFD) != -1) {
			fprintf(stderr, "fd %d leaked\n", fz.created[i]);
			abort();
		}
	check_no_guest_mapping();
	return 0;
}
