/* SPDX-License-Identifier: MIT */
/*
 * vu-hostile-client SOCKET_PATH: a hostile vhost-user front-end for the
 * end-to-end tests.  Against a running uvnetd whose vhost-user port
 * listens on SOCKET_PATH it connects once per scenario and sends one
 * malformed sequence:
 *
 *  - protocol violations (wrong sizes, lying size fields, too many or
 *    unexpected fds, unknown requests, bad versions, out-of-range ring
 *    indexes and sizes, bad memory tables, rings outside guest memory,
 *    features never offered, truncated or stalled messages): the back-end
 *    must drop the connection (we read EOF within 2 s, 3 s for a stalled
 *    message, which the back-end only notices on its receive timeout);
 *
 *  - hostile rings: a valid negotiation over a memfd memory table, with
 *    garbage in the guest's TX ring (descriptor loops, addresses outside
 *    guest memory, runaway indexes...), then a kick.  The back-end need not
 *    drop the connection (it marks the ring broken); it must keep
 *    answering: GET_VRING_BASE gets a reply (or the connection is dropped).
 *
 * and a last check that the daemon still accepts a front-end.  Prints TAP,
 * exits 0 when every scenario behaved.  Each scenario is bounded by an
 * alarm: nothing here waits more than a few seconds.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/virtio_ring.h>

#include "vhost/vu_msg.h"
#include "vu_test_util.h"

#define V1 VHOST_USER_VERSION
#define NR VHOST_USER_NEED_REPLY

#define MEM_SIZE (1u << 20)
#define RING_NUM 256u
#define RING_OFF(i) (0x10000u + (i) * 0x4000u)
#define DATA_OFF 0x80000u

#define F(bit) (1ull << (bit))

static const char *sock_path;

/* What the back-end offered on the handshake of the current connection. */
static uint64_t offered, offered_proto;

/* ---- plumbing ---- */

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int send_req(int fd, uint32_t req, uint32_t flags, const void *payload, uint32_t size,
		    const int *fds, unsigned nfds)
{
	struct vhost_user_msg m = { .hdr = { .request = req, .flags = flags, .size = size } };

	if (size)
		memcpy(&m.payload, payload, size);
	return vu_msg_send(fd, &m, fds, nfds);
}

static int send_u64(int fd, uint32_t req, uint32_t flags, uint64_t v)
{
	return send_req(fd, req, flags, &v, 8, NULL, 0);
}

static int send_state(int fd, uint32_t req, unsigned idx, unsigned num)
{
	struct vhost_vring_state s = { .index = idx, .num = num };

	return send_req(fd, req, V1, &s, sizeof(s), NULL, 0);
}

/* Send a vring fd request with a fresh eventfd; returns our copy (or -1). */
static int send_vring_eventfd(int fd, uint32_t req, unsigned idx)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t v = idx;

	if (efd < 0)
		return -1;
	if (send_req(fd, req, V1, &v, 8, &efd, 1)) {
		close(efd);
		return -1;
	}
	return efd;
}

/* Wait up to timeout_ms for a reply to `req`. */
static int recv_reply(int fd, uint32_t req, struct vu_msg *m, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int rc;

	if (poll(&p, 1, timeout_ms) != 1)
		return -ETIMEDOUT;
	rc = vu_msg_recv(fd, m, NULL);
	if (rc)
		return rc;
	vu_msg_close_fds(m);
	if (m->m.hdr.request != req || !(m->m.hdr.flags & VHOST_USER_REPLY))
		return -EPROTO;
	return 0;
}

static int query_u64(int fd, uint32_t req, uint64_t *v)
{
	struct vu_msg m;
	int rc = send_req(fd, req, V1, NULL, 0, NULL, 0);

	if (!rc)
		rc = recv_reply(fd, req, &m, 2000);
	if (!rc && m.m.hdr.size != 8)
		rc = -EPROTO;
	if (!rc)
		*v = m.m.payload.u64;
	return rc;
}

/*
 * Connect and check that the back-end serves us: the daemon refuses (closes)
 * a second connection while it still tears down the previous one, so retry
 * for a few seconds until GET_FEATURES is answered.
 */
static int connect_ready(void)
{
	for (unsigned attempt = 0; attempt < 40; attempt++) {
		struct timeval tv = { .tv_sec = 2 };
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -1;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    query_u64(fd, VHOST_USER_GET_FEATURES, &offered) == 0) {
			offered_proto = 0;
			if (offered & F(VHOST_USER_F_PROTOCOL_FEATURES) &&
			    query_u64(fd, VHOST_USER_GET_PROTOCOL_FEATURES, &offered_proto)) {
				close(fd);
				return -1;
			}
			return fd;
		}
		close(fd);
		sleep_ms(100);
	}
	return -1;
}

/* Read (and discard replies) until EOF: true if the back-end closed the
 * connection within timeout_ms. */
static bool dropped_within(int fd, int timeout_ms)
{
	struct timespec start, now;
	char buf[512];

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_ms - (int)((now.tv_sec - start.tv_sec) * 1000 +
					  (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, left) != 1)
			return false;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return false;
	}
}

/* ---- a valid front-end, up to running rings ---- */

struct guest {
	int memfd;
	uint8_t *host;       /* our mapping: the front-end's address space */
	uint64_t features;
	int efds[8];         /* our copies of kick/call eventfds */
	unsigned nefds;
};

static void guest_release(struct guest *g)
{
	if (g->host)
		munmap(g->host, MEM_SIZE);
	if (g->memfd >= 0)
		close(g->memfd);
	for (unsigned i = 0; i < g->nefds; i++)
		close(g->efds[i]);
	*g = (struct guest){ .memfd = -1 };
}

static uint64_t uva(const struct guest *g, uint64_t off)
{
	return (uint64_t)(uintptr_t)g->host + off;
}

/* Features and protocol features as QEMU would pick them; `want` on top. */
static int negotiate(int fd, struct guest *g, uint64_t want)
{
	uint64_t proto = offered_proto & (F(VHOST_USER_PROTOCOL_F_MQ) |
					  F(VHOST_USER_PROTOCOL_F_REPLY_ACK));
	uint64_t qn;

	g->features = offered & (F(VIRTIO_F_VERSION_1) | F(VHOST_USER_F_PROTOCOL_FEATURES) | want);
	if ((g->features & want) != want)
		return -ENOTSUP;
	if (offered & F(VHOST_USER_F_PROTOCOL_FEATURES)) {
		if (send_u64(fd, VHOST_USER_SET_PROTOCOL_FEATURES, V1, proto))
			return -EPIPE;
		offered_proto = proto; /* what is in force now */
		if (proto & F(VHOST_USER_PROTOCOL_F_MQ) &&
		    query_u64(fd, VHOST_USER_GET_QUEUE_NUM, &qn))
			return -EPROTO;
	}
	if (send_req(fd, VHOST_USER_SET_OWNER, V1, NULL, 0, NULL, 0) ||
	    send_u64(fd, VHOST_USER_SET_FEATURES, V1, g->features))
		return -EPIPE;
	return 0;
}

/* SET_MEM_TABLE (with NEED_REPLY) over g's memfd; the ack must be 0. */
static int send_mem_table(int fd, struct guest *g, const struct vhost_user_memory *mem,
			  const int *fds)
{
	struct vu_msg m;
	int rc = send_req(fd, VHOST_USER_SET_MEM_TABLE, V1 | NR, mem,
			  (uint32_t)(8 + mem->nregions * sizeof(struct vhost_user_region)), fds,
			  mem->nregions);

	(void)g;
	if (rc || !(offered_proto & F(VHOST_USER_PROTOCOL_F_REPLY_ACK)))
		return rc;
	rc = recv_reply(fd, VHOST_USER_SET_MEM_TABLE, &m, 2000);
	return rc ? rc : m.m.payload.u64 ? -EINVAL : 0;
}

static int guest_memory(int fd, struct guest *g)
{
	struct vhost_user_memory mem = { .nregions = 1 };

	g->memfd = vu_t_memfd("uvnet-hostile-guest", MEM_SIZE);
	if (g->memfd < 0)
		return g->memfd;
	g->host = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, g->memfd, 0);
	if (g->host == MAP_FAILED) {
		g->host = NULL;
		return -errno;
	}
	mem.regions[0] = (struct vhost_user_region){ .gpa = 0, .size = MEM_SIZE, .uva = uva(g, 0) };
	return send_mem_table(fd, g, &mem, &g->memfd);
}

/* NUM, BASE, ADDR, CALL, KICK, ENABLE for ring idx at RING_OFF(idx). */
static int start_ring(int fd, struct guest *g, unsigned idx, unsigned num, unsigned base)
{
	struct vhost_vring_addr a = {
		.index = idx,
		.desc_user_addr = uva(g, RING_OFF(idx)),
		.avail_user_addr = uva(g, RING_OFF(idx) + 0x1000),
		.used_user_addr = uva(g, RING_OFF(idx) + 0x2000),
	};
	int efd;

	if (send_state(fd, VHOST_USER_SET_VRING_NUM, idx, num) ||
	    send_state(fd, VHOST_USER_SET_VRING_BASE, idx, base) ||
	    send_req(fd, VHOST_USER_SET_VRING_ADDR, V1, &a, sizeof(a), NULL, 0))
		return -EPIPE;
	for (unsigned r = VHOST_USER_SET_VRING_CALL; ; r = VHOST_USER_SET_VRING_KICK) {
		efd = send_vring_eventfd(fd, r, idx);
		if (efd < 0)
			return -EPIPE;
		if (g->nefds < 8)
			g->efds[g->nefds++] = efd;
		else
			close(efd);
		if (r == VHOST_USER_SET_VRING_KICK)
			break;
	}
	if (g->features & F(VHOST_USER_F_PROTOCOL_FEATURES))
		return send_state(fd, VHOST_USER_SET_VRING_ENABLE, idx, 1);
	return 0;
}

/* The most recent kick eventfd we handed over for ring idx. */
static void kick(struct guest *g)
{
	if (g->nefds)
		eventfd_write(g->efds[g->nefds - 1], 1);
}

/* ---- protocol violations: the back-end must drop the connection ---- */

typedef int (*scenario_fn)(int fd);

static int bad_size_vring_num(int fd)
{
	uint32_t four = 256;

	return send_req(fd, VHOST_USER_SET_VRING_NUM, V1, &four, 4, NULL, 0);
}

static int bad_size_get_features_with_payload(int fd)
{
	return send_u64(fd, VHOST_USER_GET_FEATURES, V1, 0);
}

static int oversized_size_field(int fd)
{
	uint8_t junk[64] = { 0 };

	return vu_t_send_lying(fd, VHOST_USER_SET_FEATURES, V1, 65536, junk, sizeof(junk), NULL, 0);
}

static int oversized_size_field_max(int fd)
{
	uint8_t junk[16] = { 0 };

	return vu_t_send_lying(fd, VHOST_USER_SET_MEM_TABLE, V1, UINT32_MAX, junk, sizeof(junk),
			       NULL, 0);
}

static int nine_fds(int fd)
{
	struct vhost_user_memory mem = { .nregions = 1 };
	int fds[9], rc;

	for (unsigned i = 0; i < 9; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	mem.regions[0] = (struct vhost_user_region){ .gpa = 0, .size = 4096, .uva = 0x10000 };
	rc = vu_t_send_lying(fd, VHOST_USER_SET_MEM_TABLE, V1, 40, &mem, 40, fds, 9);
	for (unsigned i = 0; i < 9; i++)
		close(fds[i]);
	return rc;
}

static int fd_on_set_owner(int fd)
{
	int efd = eventfd(0, EFD_CLOEXEC), rc;

	rc = send_req(fd, VHOST_USER_SET_OWNER, V1, NULL, 0, &efd, 1);
	close(efd);
	return rc;
}

static int fd_on_vring_num(int fd)
{
	struct vhost_vring_state s = { .index = 0, .num = 256 };
	int efd = eventfd(0, EFD_CLOEXEC), rc;

	rc = send_req(fd, VHOST_USER_SET_VRING_NUM, V1, &s, sizeof(s), &efd, 1);
	close(efd);
	return rc;
}

static int kick_without_fd(int fd)
{
	return send_u64(fd, VHOST_USER_SET_VRING_KICK, V1, 1);
}

static int unknown_request(int fd)
{
	return send_req(fd, 99, V1, NULL, 0, NULL, 0);
}

static int unknown_request_huge(int fd)
{
	return send_u64(fd, UINT32_MAX, V1 | NR, 0);
}

static int bad_version(int fd)
{
	return send_req(fd, VHOST_USER_GET_FEATURES, 2, NULL, 0, NULL, 0);
}

static int bad_version_zero(int fd)
{
	return send_u64(fd, VHOST_USER_SET_FEATURES, 0, 0);
}

#define BAD_IDX 255u

static int idx_num(int fd) { return send_state(fd, VHOST_USER_SET_VRING_NUM, BAD_IDX, 256); }
static int idx_base(int fd) { return send_state(fd, VHOST_USER_SET_VRING_BASE, BAD_IDX, 0); }
static int idx_enable(int fd) { return send_state(fd, VHOST_USER_SET_VRING_ENABLE, BAD_IDX, 1); }
static int idx_get_base(int fd) { return send_state(fd, VHOST_USER_GET_VRING_BASE, BAD_IDX, 0); }
static int idx_huge(int fd) { return send_state(fd, VHOST_USER_SET_VRING_NUM, UINT32_MAX, 256); }

static int idx_addr(int fd)
{
	struct vhost_vring_addr a = { .index = BAD_IDX, .desc_user_addr = 0x1000 };

	return send_req(fd, VHOST_USER_SET_VRING_ADDR, V1, &a, sizeof(a), NULL, 0);
}

static int idx_fd_req(int fd, uint32_t req)
{
	int efd = send_vring_eventfd(fd, req, BAD_IDX);

	if (efd < 0)
		return -EPIPE;
	close(efd);
	return 0;
}

static int idx_kick(int fd) { return idx_fd_req(fd, VHOST_USER_SET_VRING_KICK); }
static int idx_call(int fd) { return idx_fd_req(fd, VHOST_USER_SET_VRING_CALL); }
static int idx_err(int fd) { return idx_fd_req(fd, VHOST_USER_SET_VRING_ERR); }

static int vring_fd_unknown_bits(int fd)
{
	return send_u64(fd, VHOST_USER_SET_VRING_CALL, V1, VHOST_USER_VRING_NOFD | 1ull << 33);
}

static int vring_num_zero(int fd) { return send_state(fd, VHOST_USER_SET_VRING_NUM, 0, 0); }
static int vring_num_huge(int fd) { return send_state(fd, VHOST_USER_SET_VRING_NUM, 0, 32769); }
static int enable_two(int fd) { return send_state(fd, VHOST_USER_SET_VRING_ENABLE, 0, 2); }

static int mem_table_zero_regions(int fd)
{
	struct vhost_user_memory mem = { .nregions = 0 };

	return send_req(fd, VHOST_USER_SET_MEM_TABLE, V1, &mem, 8, NULL, 0);
}

static int mem_table_nine_regions(int fd)
{
	struct vhost_user_memory mem = { .nregions = 9 };
	int fds[8], rc;

	for (unsigned i = 0; i < 8; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		mem.regions[i] = (struct vhost_user_region){
			.gpa = i * 0x1000ull, .size = 0x1000, .uva = 0x100000 + i * 0x1000ull };
	}
	rc = send_req(fd, VHOST_USER_SET_MEM_TABLE, V1, &mem, 8 + 8 * 32, fds, 8);
	for (unsigned i = 0; i < 8; i++)
		close(fds[i]);
	return rc;
}

/* A two-region table over two 64 KiB memfds, region 1 as given. */
static int two_regions(int fd, struct vhost_user_region r1)
{
	struct vhost_user_memory mem = { .nregions = 2 };
	int fds[2] = { vu_t_memfd("uvnet-hostile-a", 0x10000), vu_t_memfd("uvnet-hostile-b", 0x10000) };
	int rc = -ENOMEM;

	mem.regions[0] = (struct vhost_user_region){ .gpa = 0, .size = 0x10000, .uva = 0x7f0000000000 };
	mem.regions[1] = r1;
	if (fds[0] >= 0 && fds[1] >= 0)
		rc = send_req(fd, VHOST_USER_SET_MEM_TABLE, V1, &mem, 8 + 2 * 32, fds, 2);
	for (unsigned i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
}

static int regions_overlap(int fd)
{
	return two_regions(fd, (struct vhost_user_region){
		.gpa = 0x8000, .size = 0x10000, .uva = 0x7f0010000000 });
}

static int regions_overlap_uva(int fd)
{
	return two_regions(fd, (struct vhost_user_region){
		.gpa = 0x100000, .size = 0x10000, .uva = 0x7f0000008000 });
}

static int region_zero_size(int fd)
{
	return two_regions(fd, (struct vhost_user_region){
		.gpa = 0x100000, .size = 0, .uva = 0x7f0010000000 });
}

static int region_offset_overflow(int fd)
{
	return two_regions(fd, (struct vhost_user_region){
		.gpa = 0x100000, .size = 0x1000, .uva = 0x7f0010000000,
		.mmap_offset = UINT64_MAX - 0x10 });
}

static int region_gpa_wraps(int fd)
{
	return two_regions(fd, (struct vhost_user_region){
		.gpa = UINT64_MAX - 0xfff, .size = 0x2000, .uva = 0x7f0010000000 });
}

/* A 64 KiB file described as 1 MiB, with a ring past its end: touching
 * that ring would SIGBUS a back-end that believed the region. */
static int region_larger_than_file(int fd)
{
	struct guest g = { .memfd = -1 };
	struct vhost_user_memory mem = { .nregions = 1 };
	int rc = negotiate(fd, &g, 0);

	if (rc)
		return rc;
	g.memfd = vu_t_memfd("uvnet-hostile-short", 0x10000);
	if (g.memfd < 0)
		return g.memfd;
	mem.regions[0] = (struct vhost_user_region){ .gpa = 0, .size = MEM_SIZE, .uva = 0x7f0000000000 };
	send_req(fd, VHOST_USER_SET_MEM_TABLE, V1, &mem, 40, &g.memfd, 1);
	/* If the table was taken: a ring at 512 KiB, far past the file's end. */
	struct vhost_vring_addr a = {
		.index = 0, .desc_user_addr = 0x7f0000080000,
		.avail_user_addr = 0x7f0000081000, .used_user_addr = 0x7f0000082000,
	};
	send_state(fd, VHOST_USER_SET_VRING_NUM, 0, RING_NUM);
	send_req(fd, VHOST_USER_SET_VRING_ADDR, V1, &a, sizeof(a), NULL, 0);
	send_u64(fd, VHOST_USER_SET_VRING_KICK, V1, VHOST_USER_VRING_NOFD);
	send_state(fd, VHOST_USER_SET_VRING_ENABLE, 0, 1);
	guest_release(&g);
	return 0;
}

/* Valid memory, then a ring whose used area lies outside it. */
static int ring_outside_memory(int fd)
{
	struct guest g = { .memfd = -1 };
	struct vhost_vring_addr a;
	int rc = negotiate(fd, &g, 0);

	if (!rc)
		rc = guest_memory(fd, &g);
	if (rc) {
		guest_release(&g);
		return rc;
	}
	a = (struct vhost_vring_addr){
		.index = 1, .desc_user_addr = uva(&g, RING_OFF(1)),
		.avail_user_addr = uva(&g, RING_OFF(1) + 0x1000),
		.used_user_addr = uva(&g, MEM_SIZE - 8),
	};
	send_state(fd, VHOST_USER_SET_VRING_NUM, 1, RING_NUM);
	send_req(fd, VHOST_USER_SET_VRING_ADDR, V1, &a, sizeof(a), NULL, 0);
	send_u64(fd, VHOST_USER_SET_VRING_KICK, V1, 1 | VHOST_USER_VRING_NOFD);
	send_state(fd, VHOST_USER_SET_VRING_ENABLE, 1, 1);
	guest_release(&g);
	return 0;
}

static int ring_misaligned(int fd)
{
	struct guest g = { .memfd = -1 };
	struct vhost_vring_addr a;
	int rc = negotiate(fd, &g, 0);

	if (!rc)
		rc = guest_memory(fd, &g);
	if (rc) {
		guest_release(&g);
		return rc;
	}
	a = (struct vhost_vring_addr){
		.index = 1, .desc_user_addr = uva(&g, RING_OFF(1) + 8),
		.avail_user_addr = uva(&g, RING_OFF(1) + 0x1000),
		.used_user_addr = uva(&g, RING_OFF(1) + 0x2000),
	};
	send_state(fd, VHOST_USER_SET_VRING_NUM, 1, RING_NUM);
	send_req(fd, VHOST_USER_SET_VRING_ADDR, V1, &a, sizeof(a), NULL, 0);
	send_u64(fd, VHOST_USER_SET_VRING_KICK, V1, 1 | VHOST_USER_VRING_NOFD);
	send_state(fd, VHOST_USER_SET_VRING_ENABLE, 1, 1);
	guest_release(&g);
	return 0;
}

/* Ring addresses aligned in our address space, but the region's odd
 * mmap_offset misaligns them in the back-end's. */
static int ring_misaligned_by_offset(int fd)
{
	struct guest g = { .memfd = -1 };
	struct vhost_user_memory mem = { .nregions = 1 };
	int rc = negotiate(fd, &g, 0);

	if (rc)
		return rc;
	g.memfd = vu_t_memfd("uvnet-hostile-odd", MEM_SIZE);
	if (g.memfd < 0)
		return g.memfd;
	mem.regions[0] = (struct vhost_user_region){
		.gpa = 0, .size = MEM_SIZE - 0x2d, .uva = 0x7f0000000000, .mmap_offset = 0x2d };
	send_req(fd, VHOST_USER_SET_MEM_TABLE, V1, &mem, 40, &g.memfd, 1);
	struct vhost_vring_addr a = {
		.index = 1, .desc_user_addr = 0x7f0000000000 + RING_OFF(1),
		.avail_user_addr = 0x7f0000001000 + RING_OFF(1),
		.used_user_addr = 0x7f0000002000 + RING_OFF(1),
	};
	send_state(fd, VHOST_USER_SET_VRING_NUM, 1, RING_NUM);
	send_req(fd, VHOST_USER_SET_VRING_ADDR, V1, &a, sizeof(a), NULL, 0);
	send_u64(fd, VHOST_USER_SET_VRING_KICK, V1, 1 | VHOST_USER_VRING_NOFD);
	send_state(fd, VHOST_USER_SET_VRING_ENABLE, 1, 1);
	guest_release(&g);
	return 0;
}

/* The lowest virtio feature bit the back-end did not offer. */
static int features_not_offered(int fd)
{
	unsigned bit = 0;

	while (bit < 63 && offered & F(bit))
		bit++;
	return send_u64(fd, VHOST_USER_SET_FEATURES, V1, offered | F(bit));
}

static int protocol_features_not_offered(int fd)
{
	unsigned bit = 0;

	while (bit < 63 && offered_proto & F(bit))
		bit++;
	return send_u64(fd, VHOST_USER_SET_PROTOCOL_FEATURES, V1, offered_proto | F(bit));
}

static int bad_mtu(int fd)
{
	return send_u64(fd, VHOST_USER_NET_SET_MTU, V1, 10);
}

static int set_config(int fd)
{
	struct vhost_user_config c = { .offset = 0, .size = 6 };

	return send_req(fd, VHOST_USER_SET_CONFIG, V1, &c, 12 + 6, NULL, 0);
}

static int truncated_payload(int fd)
{
	uint32_t half = 1;
	int rc = vu_t_send_lying(fd, VHOST_USER_SET_FEATURES, V1, 8, &half, 4, NULL, 0);

	shutdown(fd, SHUT_WR);
	return rc;
}

static int truncated_header(int fd)
{
	uint32_t part[2] = { VHOST_USER_GET_FEATURES, V1 };
	int rc = vu_t_raw_send(fd, part, 6, NULL, 0);

	shutdown(fd, SHUT_WR);
	return rc;
}

/* Half a payload and then silence: only the back-end's receive timeout
 * gets it out of the read. */
static int stalled_payload(int fd)
{
	uint32_t half = 1;

	return vu_t_send_lying(fd, VHOST_USER_SET_FEATURES, V1, 8, &half, 4, NULL, 0);
}

/* ---- hostile rings: valid set-up, garbage in the guest's TX ring ---- */

typedef void (*garbage_fn)(uint8_t *ring, uint8_t *mem);

static struct vring_desc *sdesc(uint8_t *ring) { return (struct vring_desc *)ring; }
static struct vring_avail *savail(uint8_t *ring) { return (struct vring_avail *)(ring + 0x1000); }

static void publish(uint8_t *ring, uint16_t head, uint16_t idx)
{
	savail(ring)->ring[(uint16_t)(idx - 1) % RING_NUM] = head;
	__atomic_store_n(&savail(ring)->idx, idx, __ATOMIC_RELEASE);
}

static void split_loop(uint8_t *ring, uint8_t *mem)
{
	(void)mem;
	sdesc(ring)[0] = (struct vring_desc){ .addr = DATA_OFF, .len = 64, .flags = VRING_DESC_F_NEXT, .next = 1 };
	sdesc(ring)[1] = (struct vring_desc){ .addr = DATA_OFF, .len = 64, .flags = VRING_DESC_F_NEXT, .next = 0 };
	publish(ring, 0, 1);
}

static void split_addr_out_of_range(uint8_t *ring, uint8_t *mem)
{
	(void)mem;
	sdesc(ring)[0] = (struct vring_desc){ .addr = 0xdead00000000ull, .len = 1514 };
	sdesc(ring)[1] = (struct vring_desc){ .addr = MEM_SIZE - 16, .len = 1514 };
	publish(ring, 0, 1);
	publish(ring, 1, 2);
}

static void split_addr_wraps(uint8_t *ring, uint8_t *mem)
{
	(void)mem;
	sdesc(ring)[0] = (struct vring_desc){ .addr = UINT64_MAX - 0x100, .len = 0x1000 };
	publish(ring, 0, 1);
}

static void split_next_out_of_range(uint8_t *ring, uint8_t *mem)
{
	(void)mem;
	sdesc(ring)[0] = (struct vring_desc){ .addr = DATA_OFF, .len = 64, .flags = VRING_DESC_F_NEXT, .next = 60000 };
	publish(ring, 0, 1);
}

static void split_head_out_of_range(uint8_t *ring, uint8_t *mem)
{
	(void)mem;
	publish(ring, 40000, 1);
}

static void split_avail_runaway(uint8_t *ring, uint8_t *mem)
{
	(void)mem;
	sdesc(ring)[0] = (struct vring_desc){ .addr = DATA_OFF, .len = 64 };
	__atomic_store_n(&savail(ring)->idx, 1000, __ATOMIC_RELEASE);
}

static void split_indirect_garbage(uint8_t *ring, uint8_t *mem)
{
	struct vring_desc *table = (struct vring_desc *)(mem + DATA_OFF);

	/* A table whose entries loop, then one of a length not a multiple of 16. */
	table[0] = (struct vring_desc){ .addr = DATA_OFF + 0x1000, .len = 64, .flags = VRING_DESC_F_NEXT, .next = 1 };
	table[1] = (struct vring_desc){ .addr = DATA_OFF + 0x1000, .len = 64, .flags = VRING_DESC_F_NEXT, .next = 0 };
	sdesc(ring)[0] = (struct vring_desc){ .addr = DATA_OFF, .len = 32, .flags = VRING_DESC_F_INDIRECT };
	sdesc(ring)[1] = (struct vring_desc){ .addr = DATA_OFF, .len = 17, .flags = VRING_DESC_F_INDIRECT };
	publish(ring, 0, 1);
	publish(ring, 1, 2);
}

static void split_random(uint8_t *ring, uint8_t *mem)
{
	uint32_t x = 0x9e3779b9u;

	(void)mem;
	for (unsigned i = 0; i < 0x1000 + 6 + 2 * RING_NUM; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		ring[i] = (uint8_t)x;
	}
}

#define PK_AVAIL (1u << VRING_PACKED_DESC_F_AVAIL)

static void packed_garbage(uint8_t *ring, uint8_t *mem)
{
	struct vring_packed_desc *d = (struct vring_packed_desc *)ring;

	(void)mem;
	/* An out-of-range buffer, then a chain that never ends (every slot NEXT). */
	d[0] = (struct vring_packed_desc){ .addr = 0xdead00000000ull, .len = 1514, .id = 0,
					   .flags = PK_AVAIL };
	for (unsigned i = 1; i < RING_NUM; i++)
		d[i] = (struct vring_packed_desc){ .addr = DATA_OFF, .len = 64, .id = (uint16_t)i,
						   .flags = PK_AVAIL | VRING_DESC_F_NEXT };
}

static void packed_bad_id(uint8_t *ring, uint8_t *mem)
{
	struct vring_packed_desc *d = (struct vring_packed_desc *)ring;

	(void)mem;
	d[0] = (struct vring_packed_desc){ .addr = DATA_OFF, .len = 64, .id = 50000, .flags = PK_AVAIL };
}

/*
 * A valid negotiation with `want` features, garbage in the TX ring (vring
 * 1), a kick; then the back-end must still answer GET_VRING_BASE (or have
 * dropped us).  0 when it behaved, -ETIMEDOUT when it did not answer.
 */
static int hostile_ring(int fd, uint64_t want, garbage_fn garbage)
{
	struct guest g = { .memfd = -1 };
	struct vu_msg m;
	int rc = negotiate(fd, &g, want);

	if (!rc)
		rc = guest_memory(fd, &g);
	if (!rc)
		rc = start_ring(fd, &g, 0, RING_NUM, want & F(VIRTIO_F_RING_PACKED) ? 0x8000 : 0);
	if (!rc) {
		garbage(g.host + RING_OFF(1), g.host);
		rc = start_ring(fd, &g, 1, RING_NUM, want & F(VIRTIO_F_RING_PACKED) ? 0x8000 : 0);
	}
	if (!rc) {
		kick(&g);
		sleep_ms(200); /* let a worker walk the ring */
		kick(&g);
		for (unsigned idx = 1; idx < 3 && !rc; idx++) {
			rc = send_state(fd, VHOST_USER_GET_VRING_BASE, idx % 2, 0);
			if (!rc)
				rc = recv_reply(fd, VHOST_USER_GET_VRING_BASE, &m, 2000);
		}
		if (rc && dropped_within(fd, 0))
			rc = 0; /* dropping a broken guest is fine too */
	}
	guest_release(&g);
	return rc;
}

static int ring_split_loop(int fd) { return hostile_ring(fd, 0, split_loop); }
static int ring_split_addr(int fd) { return hostile_ring(fd, 0, split_addr_out_of_range); }
static int ring_split_wrap(int fd) { return hostile_ring(fd, 0, split_addr_wraps); }
static int ring_split_next(int fd) { return hostile_ring(fd, 0, split_next_out_of_range); }
static int ring_split_head(int fd) { return hostile_ring(fd, 0, split_head_out_of_range); }
static int ring_split_runaway(int fd) { return hostile_ring(fd, 0, split_avail_runaway); }
static int ring_split_random(int fd) { return hostile_ring(fd, 0, split_random); }
static int ring_split_indirect(int fd)
{
	return hostile_ring(fd, F(VIRTIO_RING_F_INDIRECT_DESC), split_indirect_garbage);
}
static int ring_packed_garbage(int fd)
{
	return hostile_ring(fd, F(VIRTIO_F_RING_PACKED), packed_garbage);
}
static int ring_packed_bad_id(int fd)
{
	return hostile_ring(fd, F(VIRTIO_F_RING_PACKED), packed_bad_id);
}

/* ---- the list ---- */

enum kind { DROP, RING };

static const struct scenario {
	const char *name;
	scenario_fn fn;
	enum kind kind;
	int wait_ms;
} scenarios[] = {
	{ "SET_VRING_NUM with a 4-byte payload", bad_size_vring_num, DROP, 0 },
	{ "GET_FEATURES with a payload", bad_size_get_features_with_payload, DROP, 0 },
	{ "size field of 64 KiB", oversized_size_field, DROP, 0 },
	{ "size field of 4 GiB with SET_MEM_TABLE", oversized_size_field_max, DROP, 0 },
	{ "9 fds in one message", nine_fds, DROP, 0 },
	{ "fd on SET_OWNER", fd_on_set_owner, DROP, 0 },
	{ "fd on SET_VRING_NUM", fd_on_vring_num, DROP, 0 },
	{ "SET_VRING_KICK without fd or NOFD bit", kick_without_fd, DROP, 0 },
	{ "unknown request 99", unknown_request, DROP, 0 },
	{ "unknown request 0xffffffff with NEED_REPLY", unknown_request_huge, DROP, 0 },
	{ "protocol version 2", bad_version, DROP, 0 },
	{ "protocol version 0", bad_version_zero, DROP, 0 },
	{ "SET_VRING_NUM vring 255", idx_num, DROP, 0 },
	{ "SET_VRING_NUM vring 0xffffffff", idx_huge, DROP, 0 },
	{ "SET_VRING_ADDR vring 255", idx_addr, DROP, 0 },
	{ "SET_VRING_BASE vring 255", idx_base, DROP, 0 },
	{ "SET_VRING_KICK vring 255", idx_kick, DROP, 0 },
	{ "SET_VRING_CALL vring 255", idx_call, DROP, 0 },
	{ "SET_VRING_ERR vring 255", idx_err, DROP, 0 },
	{ "SET_VRING_ENABLE vring 255", idx_enable, DROP, 0 },
	{ "GET_VRING_BASE vring 255", idx_get_base, DROP, 0 },
	{ "SET_VRING_CALL with unknown bits", vring_fd_unknown_bits, DROP, 0 },
	{ "SET_VRING_NUM 0", vring_num_zero, DROP, 0 },
	{ "SET_VRING_NUM 32769", vring_num_huge, DROP, 0 },
	{ "SET_VRING_ENABLE 2", enable_two, DROP, 0 },
	{ "SET_MEM_TABLE with 0 regions", mem_table_zero_regions, DROP, 0 },
	{ "SET_MEM_TABLE with 9 regions", mem_table_nine_regions, DROP, 0 },
	{ "SET_MEM_TABLE with overlapping regions", regions_overlap, DROP, 0 },
	{ "SET_MEM_TABLE with regions overlapping in uva", regions_overlap_uva, DROP, 0 },
	{ "SET_MEM_TABLE with a zero-size region", region_zero_size, DROP, 0 },
	{ "SET_MEM_TABLE with mmap_offset + size overflowing", region_offset_overflow, DROP, 0 },
	{ "SET_MEM_TABLE with gpa + size wrapping", region_gpa_wraps, DROP, 0 },
	{ "SET_MEM_TABLE with a region larger than its file", region_larger_than_file, DROP, 0 },
	{ "vring used area outside the memory table", ring_outside_memory, DROP, 0 },
	{ "vring descriptor table misaligned", ring_misaligned, DROP, 0 },
	{ "vring misaligned by the region's mmap_offset", ring_misaligned_by_offset, DROP, 0 },
	{ "SET_FEATURES with a bit not offered", features_not_offered, DROP, 0 },
	{ "SET_PROTOCOL_FEATURES with a bit not offered", protocol_features_not_offered, DROP, 0 },
	{ "NET_SET_MTU 10", bad_mtu, DROP, 0 },
	{ "SET_CONFIG", set_config, DROP, 0 },
	{ "truncated payload then close", truncated_payload, DROP, 0 },
	{ "truncated header then close", truncated_header, DROP, 0 },
	{ "stalled payload", stalled_payload, DROP, 3500 },
	{ "hostile rings: split descriptor loop", ring_split_loop, RING, 0 },
	{ "hostile rings: split buffer outside guest memory", ring_split_addr, RING, 0 },
	{ "hostile rings: split buffer address wrapping", ring_split_wrap, RING, 0 },
	{ "hostile rings: split next out of range", ring_split_next, RING, 0 },
	{ "hostile rings: split head out of range", ring_split_head, RING, 0 },
	{ "hostile rings: split avail index runaway", ring_split_runaway, RING, 0 },
	{ "hostile rings: split random bytes", ring_split_random, RING, 0 },
	{ "hostile rings: split indirect table garbage", ring_split_indirect, RING, 0 },
	{ "hostile rings: packed endless chain and bad buffer", ring_packed_garbage, RING, 0 },
	{ "hostile rings: packed buffer id out of range", ring_packed_bad_id, RING, 0 },
};

#define NSCEN (sizeof(scenarios) / sizeof(scenarios[0]))

static char alarm_line[256];

static void on_alarm(int sig)
{
	(void)sig;
	if (write(STDOUT_FILENO, alarm_line, strlen(alarm_line)) < 0)
		_exit(2);
	_exit(1);
}

int main(int argc, char **argv)
{
	unsigned failed = 0;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s SOCKET_PATH\n", argv[0]);
		return 2;
	}
	sock_path = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	printf("1..%zu\n", NSCEN + 1);
	snprintf(alarm_line, sizeof(alarm_line), "not ok 1 - %s (hung connecting)\n",
		 scenarios[0].name);
	alarm(15);
	/* Each scenario's connection is made after the previous scenario, as
	 * the proof that the back-end survived it (a crash also reads as EOF). */
	fd = connect_ready();
	for (unsigned i = 0; i < NSCEN; i++) {
		const struct scenario *s = &scenarios[i];
		const char *verdict;
		bool ok;
		int rc;

		if (fd < 0) {
			/* The back-end died or never listened: fail the rest fast. */
			printf("not ok %u - %s (cannot connect to %s)\n", i + 1, s->name, sock_path);
			failed++;
			continue;
		}
		snprintf(alarm_line, sizeof(alarm_line), "not ok %u - %s (hung)\n", i + 1, s->name);
		alarm(15);
		rc = s->fn(fd);
		if (s->kind == RING) {
			ok = rc == 0 || rc == -ENOTSUP;
			verdict = rc == -ENOTSUP ? "# SKIP feature not offered" :
				  rc ? "(back-end stopped answering)" : "kicked";
		} else {
			/* A send may fail once the back-end has dropped us: fine. */
			ok = dropped_within(fd, s->wait_ms ? s->wait_ms : 2000);
			verdict = ok ? "dropped" : "not dropped";
		}
		close(fd);
		fd = connect_ready();
		if (fd < 0 && ok) {
			ok = false;
			verdict = "(the back-end died)";
		}
		printf("%s %u - %s %s\n", ok ? "ok" : "not ok", i + 1, s->name, verdict);
		failed += !ok;
	}
	printf("%s %zu - back-end still serves a front-end\n", fd >= 0 ? "ok" : "not ok", NSCEN + 1);
	failed += fd < 0;
	if (fd >= 0)
		close(fd);
	alarm(0);
	return failed ? 1 : 0;
}
