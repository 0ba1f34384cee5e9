/* SPDX-License-Identifier: MIT */
/*
 * The vhost-user back-end driven through a socketpair by a fake front-end.
 *
 * The test plays QEMU: it sends messages (with fds: memfds for guest
 * memory, eventfds for kick/call/err) with vu_msg_send(), lets the
 * back-end read and act on each with vu_dev_handle(), and reads replies
 * with vu_msg_recv().  A fake device records queue_start/queue_stop.
 *
 * The first half walks the normal QEMU 7.2 sequence and the ring
 * start/stop rules; the second half sends hostile messages, each of which
 * must make vu_dev_handle() fail with a reason naming the problem, and
 * after vu_dev_disconnect() no fd and no guest mapping may be left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/vhost.h>

#include "vhost/vu_dev.h"
#include "vu_test_util.h"

/* ---- the device the tests offer ---- */

#define F(bit) (1ull << (bit))
#define P(bit) (1ull << (bit))

#define F_OFFERED                                                                     \
	(F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_RING_PACKED) | F(VIRTIO_RING_F_EVENT_IDX) | \
	 F(VIRTIO_RING_F_INDIRECT_DESC) | F(15) /* MRG_RXBUF */ | F(0) /* CSUM */ |   \
	 F(VHOST_F_LOG_ALL) | F(VHOST_USER_F_PROTOCOL_FEATURES))
#define F_QEMU                                                                       \
	(F(VIRTIO_F_VERSION_1) | F(VIRTIO_RING_F_EVENT_IDX) | F(15) |               \
	 F(VHOST_USER_F_PROTOCOL_FEATURES))
#define P_OFFERED                                                                     \
	(P(VHOST_USER_PROTOCOL_F_MQ) | P(VHOST_USER_PROTOCOL_F_REPLY_ACK) |             \
	 P(VHOST_USER_PROTOCOL_F_RARP) | P(VHOST_USER_PROTOCOL_F_NET_MTU) |             \
	 P(VHOST_USER_PROTOCOL_F_BACKEND_REQ) | P(VHOST_USER_PROTOCOL_F_STATUS) |       \
	 P(VHOST_USER_PROTOCOL_F_LOG_SHMFD))
#define QUEUE_PAIRS 1u
#define NVRINGS (2 * QUEUE_PAIRS)

/* Guest memory: one memfd, gpa 0, at a front-end address of UVA_BASE.
 * Vring i lives at offset RING_OFF(i): desc, avail (+0x1000), used (+0x2000). */
#define MEM_SIZE 0x40000u
#define UVA_BASE 0x7f1200000000ull
#define RING_NUM 256u
#define RING_OFF(i) (0x10000u + (i) * 0x4000u)
#define DATA_OFF 0x30000u

#define V1 VHOST_USER_VERSION
#define NR VHOST_USER_NEED_REPLY

#define MEMFD_PREFIX "uvnet-vu-test"

/* ---- fixture ---- */

enum ev { EV_START = 1, EV_STOP };

struct event {
	enum ev ev;
	unsigned idx;
};

struct fx {
	struct vu_dev dev;
	int fe;                       /* the front-end's end */
	int base_fds;                 /* open fds before the connection */
	int start_rc;                 /* what queue_start answers */
	bool running[VU_MAX_VRINGS];
	bool reply_before_stop;       /* a reply was pending when a ring stopped */
	struct event log[128];
	unsigned nlog;
	int memfd[4];                 /* the test's own copies, closed at the end */
	uint8_t *view;                /* the test's mapping of memfd[0], if any */
	struct error why;
};

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Open fds (other than the test's own) pointing at memfd `name`. */
static int count_fds_to(const char *name)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[300], target[256];
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = 0;
		if (strstr(target, name))
			n++;
	}
	closedir(d);
	return n;
}

/* Lines of /proc/self/maps that map a memfd whose name contains `name`. */
static int count_maps(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], pat[128];
	int n = 0;

	assert_non_null(f);
	snprintf(pat, sizeof(pat), "memfd:%s", name);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, pat))
			n++;
	fclose(f);
	return n;
}

static bool fe_readable(const struct fx *f, int timeout_ms)
{
	struct pollfd p = { .fd = f->fe, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1;
}

static int fake_queue_start(void *opaque, unsigned idx)
{
	struct fx *f = opaque;

	assert_true(idx < NVRINGS);
	assert_false(f->running[idx]);
	assert_true(f->dev.vring[idx]->vq.size == f->dev.vring[idx]->num);
	assert_true(f->nlog < sizeof(f->log) / sizeof(f->log[0]));
	if (f->start_rc)
		return f->start_rc;
	f->running[idx] = true;
	f->log[f->nlog++] = (struct event){ EV_START, idx };
	return 0;
}

static void fake_queue_stop(void *opaque, unsigned idx)
{
	struct fx *f = opaque;

	assert_true(idx < NVRINGS);
	assert_true(f->running[idx]);
	assert_true(f->nlog < sizeof(f->log) / sizeof(f->log[0]));
	if (fe_readable(f, 0))
		f->reply_before_stop = true;
	f->running[idx] = false;
	f->log[f->nlog++] = (struct event){ EV_STOP, idx };
}

static const struct vu_dev_ops fake_ops = {
	.queue_start = fake_queue_start,
	.queue_stop = fake_queue_stop,
};

static void fx_connect(struct fx *f)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f->fe = sv[0];
	vu_dev_connect(&f->dev, sv[1]);
	f->nlog = 0;
	f->start_rc = 0;
	f->reply_before_stop = false;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->base_fds = count_fds();
	for (unsigned i = 0; i < 4; i++)
		f->memfd[i] = -1;
	vu_dev_init(&f->dev, &(struct vu_dev_config){
		.features = F_OFFERED,
		.protocol_features = P_OFFERED,
		.queue_pairs = QUEUE_PAIRS,
		.ops = &fake_ops,
		.opaque = f,
	});
	fx_connect(f);
	*state = f;
	return 0;
}

/* Drop everything the test holds itself. */
static void fx_close_own(struct fx *f)
{
	if (f->view) {
		munmap(f->view, MEM_SIZE);
		f->view = NULL;
	}
	for (unsigned i = 0; i < 4; i++) {
		if (f->memfd[i] >= 0)
			close(f->memfd[i]);
		f->memfd[i] = -1;
	}
	if (f->fe >= 0)
		close(f->fe);
	f->fe = -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vu_dev_disconnect(&f->dev);
	fx_close_own(f);
	free(f);
	return 0;
}

/*
 * vu_dev_disconnect() (what the daemon does after a failure), then: every
 * ring that was started was stopped, and once the test dropped its own fds
 * no fd and no guest mapping is left.
 */
static void disconnect_leaves_nothing(struct fx *f)
{
	vu_dev_disconnect(&f->dev);
	for (unsigned i = 0; i < NVRINGS; i++)
		assert_false(f->running[i]);
	assert_int_equal(f->dev.sock, -1);
	assert_null(f->dev.mem);
	for (unsigned i = 0; i < VU_MAX_VRINGS; i++)
		assert_null(f->dev.vring[i]); /* every ring's state freed */
	fx_close_own(f);
	assert_int_equal(count_fds(), f->base_fds);
	assert_int_equal(count_maps(MEMFD_PREFIX), 0);
}

/* After a disconnect check: a fresh connection for the next case. */
static void reconnect(struct fx *f)
{
	disconnect_leaves_nothing(f);
	fx_connect(f);
}

/* ---- the front-end side ---- */

static int send_msg(struct fx *f, uint32_t req, uint32_t flags, const void *payload,
		    uint32_t size, const int *fds, unsigned nfds)
{
	struct vhost_user_msg m = { .hdr = { .request = req, .flags = flags, .size = size } };

	if (size)
		memcpy(&m.payload, payload, size);
	return vu_msg_send(f->fe, &m, fds, nfds);
}

static int handle(struct fx *f)
{
	error_clear(&f->why);
	return vu_dev_handle(&f->dev, &f->why);
}

/* Send, let the back-end act, require success. */
#define REQ_OK(f, req, flags, payload, size, fds, nfds)                                \
	do {                                                                           \
		assert_int_equal(send_msg((f), (req), (flags), (payload), (size), (fds),  \
					  (nfds)), 0);                                 \
		if (handle(f))                                                         \
			fail_msg("%s refused: %s", vhost_user_request_name(req), (f)->why.msg); \
	} while (0)

/* The back-end's answer to the last message must be a refusal naming `what`. */
#define EXPECT_REFUSED(f, what)                                                        \
	do {                                                                           \
		int rc_ = handle(f);                                                   \
		if (rc_ >= 0)                                                          \
			fail_msg("accepted; expected a refusal naming '%s'", (what));   \
		if (!strstr((f)->why.msg, (what)))                                         \
			fail_msg("refused with '%s', which does not name '%s'", (f)->why.msg, \
				 (what));                                              \
	} while (0)

#define SEND_REFUSED(f, req, flags, payload, size, fds, nfds, what)                    \
	do {                                                                           \
		assert_int_equal(send_msg((f), (req), (flags), (payload), (size), (fds),  \
					  (nfds)), 0);                                 \
		EXPECT_REFUSED(f, what);                                               \
	} while (0)

static void req_u64(struct fx *f, uint32_t req, uint32_t flags, uint64_t v)
{
	REQ_OK(f, req, flags, &v, 8, NULL, 0);
}

static void req_state(struct fx *f, uint32_t req, unsigned idx, unsigned num)
{
	struct vhost_vring_state s = { .index = idx, .num = num };

	REQ_OK(f, req, V1, &s, sizeof(s), NULL, 0);
}

/* Read the reply to `req` (within a second). */
static struct vu_msg get_reply(struct fx *f, uint32_t req)
{
	struct vu_msg m;

	if (!fe_readable(f, 1000))
		fail_msg("no reply to %s", vhost_user_request_name(req));
	assert_int_equal(vu_msg_recv(f->fe, &m, NULL), 0);
	assert_int_equal(m.nfds, 0);
	assert_int_equal(m.m.hdr.request, req);
	assert_int_equal(m.m.hdr.flags, V1 | VHOST_USER_REPLY);
	return m;
}

static uint64_t get_reply_u64(struct fx *f, uint32_t req)
{
	struct vu_msg m = get_reply(f, req);

	assert_int_equal(m.m.hdr.size, 8);
	return m.m.payload.u64;
}

static void expect_no_reply(struct fx *f)
{
	assert_false(fe_readable(f, 0));
}

static uint64_t query_u64(struct fx *f, uint32_t req)
{
	REQ_OK(f, req, V1, NULL, 0, NULL, 0);
	return get_reply_u64(f, req);
}

/* An eventfd handed over with a vring message; our copy is closed. */
static void send_vring_fd(struct fx *f, uint32_t req, unsigned idx)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	uint64_t v = idx;

	assert_true(fd >= 0);
	REQ_OK(f, req, V1, &v, 8, &fd, 1);
	close(fd);
}

static int new_memfd(struct fx *f, unsigned slot, const char *suffix, size_t size)
{
	char name[64];

	snprintf(name, sizeof(name), MEMFD_PREFIX "-%s", suffix);
	f->memfd[slot] = vu_t_memfd(name, size);
	assert_true(f->memfd[slot] >= 0);
	return f->memfd[slot];
}

/* The test's own view of memfd[0], to write rings as a driver would. */
static uint8_t *view(struct fx *f)
{
	if (!f->view) {
		f->view = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f->memfd[0], 0);
		assert_true(f->view != MAP_FAILED);
	}
	return f->view;
}

static struct vhost_user_memory one_region(void)
{
	return (struct vhost_user_memory){
		.nregions = 1,
		.regions[0] = { .gpa = 0, .size = MEM_SIZE, .uva = UVA_BASE, .mmap_offset = 0 },
	};
}

static uint32_t mem_size(unsigned nregions)
{
	return (uint32_t)(8 + nregions * sizeof(struct vhost_user_region));
}

/* SET_MEM_TABLE over a fresh memfd in slot, with NEED_REPLY as QEMU sends
 * it: acked with 0 when REPLY_ACK was negotiated, else not answered. */
static void set_mem_table(struct fx *f, unsigned slot, const char *name)
{
	struct vhost_user_memory mem = one_region();
	int fd = new_memfd(f, slot, name, MEM_SIZE);

	REQ_OK(f, VHOST_USER_SET_MEM_TABLE, V1 | NR, &mem, mem_size(1), &fd, 1);
	if (f->dev.protocol_features & P(VHOST_USER_PROTOCOL_F_REPLY_ACK))
		assert_int_equal(get_reply_u64(f, VHOST_USER_SET_MEM_TABLE), 0);
	else
		expect_no_reply(f);
}

static struct vhost_vring_addr ring_addr(unsigned idx)
{
	return (struct vhost_vring_addr){
		.index = idx,
		.desc_user_addr = UVA_BASE + RING_OFF(idx),
		.avail_user_addr = UVA_BASE + RING_OFF(idx) + 0x1000,
		.used_user_addr = UVA_BASE + RING_OFF(idx) + 0x2000,
	};
}

static unsigned count_events(const struct fx *f, enum ev ev, unsigned idx)
{
	unsigned n = 0;

	for (unsigned i = 0; i < f->nlog; i++)
		n += f->log[i].ev == ev && f->log[i].idx == idx;
	return n;
}

static void expect_log(const struct fx *f, const struct event *want, unsigned n)
{
	if (f->nlog != n)
		fail_msg("%u start/stop events, expected %u", f->nlog, n);
	for (unsigned i = 0; i < n; i++)
		if (f->log[i].ev != want[i].ev || f->log[i].idx != want[i].idx)
			fail_msg("event %u: %s %u, expected %s %u", i,
				 f->log[i].ev == EV_START ? "start" : "stop", f->log[i].idx,
				 want[i].ev == EV_START ? "start" : "stop", want[i].idx);
}

/* The front-end half of a connection up to a memory table: features
 * (with or without PROTOCOL_FEATURES), owner, call fds. */
static void negotiate(struct fx *f, uint64_t features)
{
	assert_int_equal(query_u64(f, VHOST_USER_GET_FEATURES), F_OFFERED);
	if (features & F(VHOST_USER_F_PROTOCOL_FEATURES)) {
		assert_int_equal(query_u64(f, VHOST_USER_GET_PROTOCOL_FEATURES), P_OFFERED);
		req_u64(f, VHOST_USER_SET_PROTOCOL_FEATURES, V1, P_OFFERED);
	}
	REQ_OK(f, VHOST_USER_SET_OWNER, V1, NULL, 0, NULL, 0);
	req_u64(f, VHOST_USER_SET_FEATURES, V1, features);
	for (unsigned i = 0; i < NVRINGS; i++)
		send_vring_fd(f, VHOST_USER_SET_VRING_CALL, i);
}

/* NUM, BASE, ADDR, KICK for one ring. */
static void configure_ring(struct fx *f, unsigned idx, unsigned base)
{
	struct vhost_vring_addr a = ring_addr(idx);

	req_state(f, VHOST_USER_SET_VRING_NUM, idx, RING_NUM);
	req_state(f, VHOST_USER_SET_VRING_BASE, idx, base);
	REQ_OK(f, VHOST_USER_SET_VRING_ADDR, V1, &a, sizeof(a), NULL, 0);
	send_vring_fd(f, VHOST_USER_SET_VRING_KICK, idx);
}

/* A running connection: QEMU features, memory, both rings enabled. */
static void bring_up(struct fx *f)
{
	negotiate(f, F_QEMU);
	set_mem_table(f, 0, "A");
	for (unsigned i = 0; i < NVRINGS; i++) {
		configure_ring(f, i, 0);
		req_state(f, VHOST_USER_SET_VRING_ENABLE, i, 1);
		assert_true(f->running[i]);
	}
	f->nlog = 0;
}

/* ======================= the normal sequence ======================= */

static void qemu_7_2_sequence_negotiates_starts_and_stops_rings(void **state)
{
	struct fx *f = *state;
	uint64_t acked_proto = P_OFFERED;
	int backend_fd = eventfd(0, EFD_CLOEXEC);

	/* Connection set-up. */
	assert_int_equal(query_u64(f, VHOST_USER_GET_FEATURES), F_OFFERED);
	assert_int_equal(query_u64(f, VHOST_USER_GET_PROTOCOL_FEATURES), P_OFFERED);
	req_u64(f, VHOST_USER_SET_PROTOCOL_FEATURES, V1, acked_proto);
	assert_int_equal(query_u64(f, VHOST_USER_GET_QUEUE_NUM), QUEUE_PAIRS);
	assert_true(backend_fd >= 0);
	REQ_OK(f, VHOST_USER_SET_BACKEND_REQ_FD, V1 | NR, NULL, 0, &backend_fd, 1);
	close(backend_fd);
	assert_int_equal(get_reply_u64(f, VHOST_USER_SET_BACKEND_REQ_FD), 0);
	assert_true(f->dev.backend_req_fd >= 0);
	REQ_OK(f, VHOST_USER_SET_OWNER, V1, NULL, 0, NULL, 0);
	expect_no_reply(f); /* no NEED_REPLY, no ack */
	assert_int_equal(query_u64(f, VHOST_USER_GET_FEATURES), F_OFFERED);
	for (unsigned i = 0; i < NVRINGS; i++) {
		send_vring_fd(f, VHOST_USER_SET_VRING_CALL, i);
		send_vring_fd(f, VHOST_USER_SET_VRING_ERR, i);
		req_state(f, VHOST_USER_SET_VRING_ENABLE, i, 1);
	}
	expect_no_reply(f);

	/* The driver is up: features, memory, rings. */
	req_u64(f, VHOST_USER_SET_FEATURES, V1, F_QEMU);
	assert_int_equal(f->dev.features, F_QEMU);
	set_mem_table(f, 0, "A");
	assert_int_equal(count_maps(MEMFD_PREFIX "-A"), 1);
	assert_int_equal(f->nlog, 0);
	for (unsigned i = 0; i < NVRINGS; i++) {
		struct vhost_vring_addr a = ring_addr(i);

		req_state(f, VHOST_USER_SET_VRING_NUM, i, RING_NUM);
		req_state(f, VHOST_USER_SET_VRING_BASE, i, 0);
		REQ_OK(f, VHOST_USER_SET_VRING_ADDR, V1, &a, sizeof(a), NULL, 0);
		assert_false(f->running[i]); /* no kick yet */
		send_vring_fd(f, VHOST_USER_SET_VRING_KICK, i);
		assert_true(f->running[i]);
		assert_int_equal(count_events(f, EV_START, i), 1);
		/* The ring really sits in the memfd, where the front-end said. */
		assert_ptr_equal(f->dev.vring[i]->vq.ring.split.desc,
				 guest_mem_uva_ptr(f->dev.mem, a.desc_user_addr, 16));
		assert_ptr_equal(f->dev.vring[i]->vq.ring.split.used,
				 guest_mem_uva_ptr(f->dev.mem, a.used_user_addr, 4));
		/* QEMU sends the call fd again: swapped while stopped. */
		send_vring_fd(f, VHOST_USER_SET_VRING_CALL, i);
		assert_true(f->running[i]);
		assert_int_equal(count_events(f, EV_STOP, i), 1);
		assert_int_equal(count_events(f, EV_START, i), 2);
	}
	req_u64(f, VHOST_USER_SET_STATUS, V1 | NR, 0xf);
	assert_int_equal(get_reply_u64(f, VHOST_USER_SET_STATUS), 0);
	assert_int_equal(query_u64(f, VHOST_USER_GET_STATUS), 0xf);
	expect_no_reply(f);

	/* Stop: each ring is stopped before its base is sent back. */
	f->nlog = 0;
	for (unsigned i = 0; i < NVRINGS; i++) {
		struct vu_msg r;

		req_state(f, VHOST_USER_GET_VRING_BASE, i, 0);
		assert_false(f->running[i]);
		r = get_reply(f, VHOST_USER_GET_VRING_BASE);
		assert_int_equal(r.m.hdr.size, sizeof(struct vhost_vring_state));
		assert_int_equal(r.m.payload.state.index, i);
		assert_int_equal(r.m.payload.state.num, 0);
	}
	assert_false(f->reply_before_stop);
	expect_log(f, (struct event[]){ { EV_STOP, 0 }, { EV_STOP, 1 } }, 2);
	disconnect_leaves_nothing(f);
}

static void reply_ack_answers_zero_for_success_and_nothing_extra_for_get_requests(void **state)
{
	struct fx *f = *state;

	assert_int_equal(query_u64(f, VHOST_USER_GET_PROTOCOL_FEATURES), P_OFFERED);
	req_u64(f, VHOST_USER_SET_PROTOCOL_FEATURES, V1, P(VHOST_USER_PROTOCOL_F_REPLY_ACK));
	REQ_OK(f, VHOST_USER_SET_OWNER, V1 | NR, NULL, 0, NULL, 0);
	assert_int_equal(get_reply_u64(f, VHOST_USER_SET_OWNER), 0);
	expect_no_reply(f);
	/* A GET with NEED_REPLY gets its own answer only, no extra ack. */
	REQ_OK(f, VHOST_USER_GET_FEATURES, V1 | NR, NULL, 0, NULL, 0);
	assert_int_equal(get_reply_u64(f, VHOST_USER_GET_FEATURES), F_OFFERED);
	expect_no_reply(f);
	disconnect_leaves_nothing(f);
}

static void reply_ack_reports_a_failed_request_before_the_drop(void **state)
{
	struct fx *f = *state;
	struct vhost_vring_state s = { .index = NVRINGS, .num = 64 };

	req_u64(f, VHOST_USER_SET_PROTOCOL_FEATURES, V1, P(VHOST_USER_PROTOCOL_F_REPLY_ACK));
	SEND_REFUSED(f, VHOST_USER_SET_VRING_NUM, V1 | NR, &s, sizeof(s), NULL, 0,
		     "out of range");
	assert_int_not_equal(get_reply_u64(f, VHOST_USER_SET_VRING_NUM), 0);
	disconnect_leaves_nothing(f);
}

static void no_ack_without_reply_ack_negotiated(void **state)
{
	struct fx *f = *state;

	REQ_OK(f, VHOST_USER_SET_OWNER, V1 | NR, NULL, 0, NULL, 0);
	expect_no_reply(f);
	disconnect_leaves_nothing(f);
}

static void new_mem_table_restarts_running_rings_and_releases_the_old_mapping(void **state)
{
	struct fx *f = *state;

	bring_up(f);
	assert_int_equal(count_maps(MEMFD_PREFIX "-A"), 1);
	assert_int_equal(count_fds_to(MEMFD_PREFIX "-A"), 2); /* ours and the table's */
	void *old_desc = f->dev.vring[1]->vq.ring.split.desc;

	set_mem_table(f, 1, "B");
	expect_log(f, (struct event[]){ { EV_STOP, 0 }, { EV_STOP, 1 },
					{ EV_START, 0 }, { EV_START, 1 } }, 4);
	assert_int_equal(count_maps(MEMFD_PREFIX "-A"), 0);
	assert_int_equal(count_fds_to(MEMFD_PREFIX "-A"), 1);
	assert_int_equal(count_maps(MEMFD_PREFIX "-B"), 1);
	assert_ptr_not_equal(f->dev.vring[1]->vq.ring.split.desc, old_desc);
	assert_ptr_equal(f->dev.vring[1]->vq.ring.split.desc,
			 guest_mem_uva_ptr(f->dev.mem, UVA_BASE + RING_OFF(1), 16));
	disconnect_leaves_nothing(f);
}

static void ring_waits_for_enable_when_protocol_features_are_negotiated(void **state)
{
	struct fx *f = *state;

	negotiate(f, F_QEMU);
	set_mem_table(f, 0, "A");
	configure_ring(f, 1, 0);
	assert_false(f->running[1]);
	req_state(f, VHOST_USER_SET_VRING_ENABLE, 1, 1);
	assert_true(f->running[1]);
	req_state(f, VHOST_USER_SET_VRING_ENABLE, 1, 0);
	assert_false(f->running[1]);
	expect_log(f, (struct event[]){ { EV_START, 1 }, { EV_STOP, 1 } }, 2);
	disconnect_leaves_nothing(f);
}

/* A ring costs memory once a message names it, not before: an unused
 * maximum of queue pairs costs nothing.  Enabling a ring never set up
 * starts nothing. */
static void ring_state_exists_once_a_message_names_the_ring(void **state)
{
	struct fx *f = *state;

	negotiate(f, F_QEMU); /* call fds for rings 0 and 1 */
	set_mem_table(f, 0, "A");
	req_state(f, VHOST_USER_SET_VRING_ENABLE, 1, 0);
	assert_non_null(f->dev.vring[1]);
	for (unsigned i = NVRINGS; i < VU_MAX_VRINGS; i++)
		assert_null(vu_dev_vring(&f->dev, i));
	assert_null(vu_dev_vring(&f->dev, VU_MAX_VRINGS));
	req_state(f, VHOST_USER_SET_VRING_ENABLE, 1, 1);
	assert_false(f->running[1]); /* enabled, but no size, address or kick */
	configure_ring(f, 1, 0);
	assert_true(f->running[1]);
	assert_false(f->running[0]);
	disconnect_leaves_nothing(f);
}

static void ring_starts_without_enable_when_protocol_features_are_not_negotiated(void **state)
{
	struct fx *f = *state;

	negotiate(f, F_QEMU & ~F(VHOST_USER_F_PROTOCOL_FEATURES));
	set_mem_table(f, 0, "A"); /* NEED_REPLY ignored without REPLY_ACK: no ack */
	expect_no_reply(f);
	configure_ring(f, 0, 0);
	assert_true(f->running[0]);
	expect_log(f, (struct event[]){ { EV_START, 0 } }, 1);
	disconnect_leaves_nothing(f);
}

static void ring_configured_before_the_mem_table_starts_with_it(void **state)
{
	struct fx *f = *state;

	negotiate(f, F_QEMU);
	for (unsigned i = 0; i < NVRINGS; i++) {
		configure_ring(f, i, 0);
		req_state(f, VHOST_USER_SET_VRING_ENABLE, i, 1);
	}
	assert_int_equal(f->nlog, 0);
	set_mem_table(f, 0, "A");
	expect_log(f, (struct event[]){ { EV_START, 0 }, { EV_START, 1 } }, 2);
	disconnect_leaves_nothing(f);
}

static void get_vring_base_returns_where_the_device_stopped(void **state)
{
	struct fx *f = *state;
	struct vq_chain c[4];
	uint8_t *m;

	negotiate(f, F_QEMU);
	set_mem_table(f, 0, "A");
	/* The driver put one chain at avail slot 5 (QEMU's base). */
	m = view(f) + RING_OFF(1);
	*(struct vring_desc *)m = (struct vring_desc){ .addr = DATA_OFF, .len = 64 };
	struct vring_avail *avail = (struct vring_avail *)(m + 0x1000);
	avail->ring[5] = 0;
	avail->idx = 6;
	configure_ring(f, 1, 5);
	req_state(f, VHOST_USER_SET_VRING_ENABLE, 1, 1);
	assert_true(f->running[1]);
	assert_int_equal(vq_dev_pop_burst(&f->dev.vring[1]->vq, c, 4), 1);
	assert_int_equal(c[0].out_len, 64);
	assert_ptr_equal(c[0].iov[0].iov_base, guest_mem_uva_ptr(f->dev.mem, UVA_BASE + DATA_OFF, 1));
	vq_dev_push(&f->dev.vring[1]->vq, c[0].id, c[0].ndesc, 0);
	vq_dev_flush(&f->dev.vring[1]->vq);

	req_state(f, VHOST_USER_GET_VRING_BASE, 1, 0);
	assert_false(f->running[1]);
	assert_int_equal(get_reply(f, VHOST_USER_GET_VRING_BASE).m.payload.state.num, 6);
	assert_false(f->reply_before_stop);
	/* Stopped until the next kick: enabling again does not start it. */
	assert_int_equal(f->dev.vring[1]->kick_fd, -1);
	req_state(f, VHOST_USER_SET_VRING_ENABLE, 1, 1);
	assert_false(f->running[1]);
	send_vring_fd(f, VHOST_USER_SET_VRING_KICK, 1);
	assert_true(f->running[1]);
	assert_int_equal(vq_dev_base(&f->dev.vring[1]->vq), 6);
	disconnect_leaves_nothing(f);
}

static void packed_ring_base_round_trips(void **state)
{
	struct fx *f = *state;

	negotiate(f, F_QEMU | F(VIRTIO_F_RING_PACKED));
	set_mem_table(f, 0, "A");
	configure_ring(f, 0, 0x8000 | 17); /* slot 17, wrap counter set */
	req_state(f, VHOST_USER_SET_VRING_ENABLE, 0, 1);
	assert_true(f->running[0]);
	assert_int_equal(f->dev.vring[0]->vq.layout, VQ_PACKED);
	req_state(f, VHOST_USER_GET_VRING_BASE, 0, 0);
	assert_int_equal(get_reply(f, VHOST_USER_GET_VRING_BASE).m.payload.state.num,
			 0x8000u | 17 | (0x8000u | 17) << 16);
	disconnect_leaves_nothing(f);
}

static void set_features_restarts_running_rings(void **state)
{
	struct fx *f = *state;

	bring_up(f);
	req_u64(f, VHOST_USER_SET_FEATURES, V1, F_QEMU & ~F(VIRTIO_RING_F_EVENT_IDX));
	expect_log(f, (struct event[]){ { EV_STOP, 0 }, { EV_STOP, 1 },
					{ EV_START, 0 }, { EV_START, 1 } }, 4);
	assert_false(f->dev.vring[0]->vq.feat.event_idx);
	disconnect_leaves_nothing(f);
}

static void status_zero_stops_the_rings(void **state)
{
	struct fx *f = *state;

	bring_up(f);
	req_u64(f, VHOST_USER_SET_STATUS, V1, 0);
	assert_false(f->running[0]);
	assert_false(f->running[1]);
	assert_int_equal(query_u64(f, VHOST_USER_GET_STATUS), 0);
	disconnect_leaves_nothing(f);
}

static void reset_owner_stops_rings_and_keeps_the_connection(void **state)
{
	struct fx *f = *state;

	bring_up(f);
	REQ_OK(f, VHOST_USER_RESET_OWNER, V1, NULL, 0, NULL, 0);
	assert_false(f->running[0]);
	assert_false(f->running[1]);
	assert_null(f->dev.mem);
	assert_int_equal(count_maps(MEMFD_PREFIX), 0);
	assert_int_equal(f->dev.features, 0);
	assert_int_equal(query_u64(f, VHOST_USER_GET_FEATURES), F_OFFERED);
	disconnect_leaves_nothing(f);
}

static void polling_kick_with_nofd_starts_the_ring(void **state)
{
	struct fx *f = *state;
	uint64_t v = 1 | VHOST_USER_VRING_NOFD;
	struct vhost_vring_addr a = ring_addr(1);

	negotiate(f, F_QEMU);
	set_mem_table(f, 0, "A");
	req_state(f, VHOST_USER_SET_VRING_NUM, 1, RING_NUM);
	REQ_OK(f, VHOST_USER_SET_VRING_ADDR, V1, &a, sizeof(a), NULL, 0);
	req_state(f, VHOST_USER_SET_VRING_ENABLE, 1, 1);
	REQ_OK(f, VHOST_USER_SET_VRING_KICK, V1, &v, 8, NULL, 0);
	assert_true(f->running[1]);
	assert_int_equal(f->dev.vring[1]->kick_fd, -1);
	disconnect_leaves_nothing(f);
}

static void get_config_answers_empty_and_mtu_reaches_nobody_without_a_hook(void **state)
{
	struct fx *f = *state;
	struct vhost_user_config cfg = { .offset = 0, .size = 8 };
	struct vu_msg r;

	REQ_OK(f, VHOST_USER_GET_CONFIG, V1, &cfg, 12 + 8, NULL, 0);
	r = get_reply(f, VHOST_USER_GET_CONFIG);
	assert_int_equal(r.m.hdr.size, 0);
	req_u64(f, VHOST_USER_NET_SET_MTU, V1, 9000);
	assert_int_equal(f->dev.mtu, 9000);
	req_u64(f, VHOST_USER_SEND_RARP, V1, 0x0000563412005452ull);
	disconnect_leaves_nothing(f);
}

/* ======================= hostile front-ends ======================= */

static void device_refusing_a_ring_fails_the_message_naming_the_vring(void **state)
{
	struct fx *f = *state;

	negotiate(f, F_QEMU);
	set_mem_table(f, 0, "A");
	configure_ring(f, 1, 0);
	f->start_rc = -EBUSY;
	SEND_REFUSED(f, VHOST_USER_SET_VRING_ENABLE, V1,
		     (&(struct vhost_vring_state){ .index = 1, .num = 1 }),
		     sizeof(struct vhost_vring_state), NULL, 0, "vring 1: the device could not start");
	assert_false(f->dev.vring[1]->started);
	disconnect_leaves_nothing(f);
}

static void payload_size_wrong_for_the_request_is_refused(void **state)
{
	struct fx *f = *state;
	static const struct {
		uint32_t req, size;
	} cases[] = {
		{ VHOST_USER_SET_VRING_NUM, 4 },
		{ VHOST_USER_SET_VRING_NUM, 16 },
		{ VHOST_USER_SET_VRING_ADDR, 8 },
		{ VHOST_USER_SET_FEATURES, 4 },
		{ VHOST_USER_SET_FEATURES, 0 },
		{ VHOST_USER_GET_FEATURES, 8 },
		{ VHOST_USER_SET_VRING_KICK, 4 },
		{ VHOST_USER_SET_MEM_TABLE, 4 },
		{ VHOST_USER_SET_MEM_TABLE, 8 + 32 + 8 },
		{ VHOST_USER_GET_VRING_BASE, 0 },
	};
	union vhost_user_payload p;

	memset(&p, 0, sizeof(p));
	p.memory.nregions = 1;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned nfds = cases[i].req == VHOST_USER_SET_MEM_TABLE && cases[i].size >= 8;
		int fd = nfds ? new_memfd(f, 0, "A", MEM_SIZE) : -1;

		SEND_REFUSED(f, cases[i].req, V1, &p, cases[i].size, &fd, nfds, "payload size");
		assert_non_null(strstr(f->why.msg, vhost_user_request_name(cases[i].req)));
		reconnect(f);
	}
}

static void size_field_larger_than_any_payload_is_refused(void **state)
{
	struct fx *f = *state;
	uint8_t junk[64] = { 0 };

	assert_int_equal(vu_t_send_lying(f->fe, VHOST_USER_SET_FEATURES, V1, 4096, junk,
					 sizeof(junk), NULL, 0), 0);
	EXPECT_REFUSED(f, "exceeds");
	reconnect(f);
	/* Even with fds riding along: they must be closed. */
	int fd = new_memfd(f, 0, "A", MEM_SIZE);
	assert_int_equal(vu_t_send_lying(f->fe, VHOST_USER_SET_MEM_TABLE, V1, UINT32_MAX, junk,
					 sizeof(junk), &fd, 1), 0);
	EXPECT_REFUSED(f, "exceeds");
	disconnect_leaves_nothing(f);
}

static void more_than_eight_fds_are_refused_and_closed(void **state)
{
	struct fx *f = *state;
	struct vhost_user_memory mem = one_region();
	int fds[9];

	for (unsigned i = 0; i < 9; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		assert_true(fds[i] >= 0);
	}
	assert_int_equal(vu_t_send_lying(f->fe, VHOST_USER_SET_MEM_TABLE, V1, mem_size(1), &mem,
					 mem_size(1), fds, 9), 0);
	for (unsigned i = 0; i < 9; i++)
		close(fds[i]);
	EXPECT_REFUSED(f, "more than 8 file descriptors");
	disconnect_leaves_nothing(f);
}

static void fds_on_a_request_that_takes_none_are_refused_and_closed(void **state)
{
	struct fx *f = *state;
	struct vhost_vring_state s = { .index = 0, .num = 256 };
	uint64_t v = 1 | VHOST_USER_VRING_NOFD;
	int fd = new_memfd(f, 0, "A", MEM_SIZE);

	SEND_REFUSED(f, VHOST_USER_SET_VRING_NUM, V1, &s, sizeof(s), &fd, 1,
		     "SET_VRING_NUM: 1 file descriptors, expected 0");
	reconnect(f);
	fd = new_memfd(f, 0, "A", MEM_SIZE);
	SEND_REFUSED(f, VHOST_USER_GET_FEATURES, V1, NULL, 0, &fd, 1, "file descriptors");
	reconnect(f);
	fd = new_memfd(f, 0, "A", MEM_SIZE);
	SEND_REFUSED(f, VHOST_USER_SET_VRING_KICK, V1, &v, 8, &fd, 1, "file descriptors");
	reconnect(f);
	int two[2] = { new_memfd(f, 0, "A", MEM_SIZE), new_memfd(f, 1, "B", MEM_SIZE) };
	SEND_REFUSED(f, VHOST_USER_SET_VRING_CALL, V1, &(uint64_t){ 0 }, 8, two, 2,
		     "2 file descriptors, expected 1");
	reconnect(f);
	fd = new_memfd(f, 0, "A", MEM_SIZE);
	SEND_REFUSED(f, 99, V1, NULL, 0, &fd, 1, "unexpected file descriptors");
	disconnect_leaves_nothing(f);
}

static void kick_without_fd_and_without_nofd_bit_is_refused(void **state)
{
	struct fx *f = *state;
	uint64_t v = 1;

	SEND_REFUSED(f, VHOST_USER_SET_VRING_KICK, V1, &v, 8, NULL, 0,
		     "SET_VRING_KICK: 0 file descriptors, expected 1");
	reconnect(f);
	SEND_REFUSED(f, VHOST_USER_SET_MEM_TABLE, V1, &(struct vhost_user_memory){ .nregions = 1 },
		     mem_size(1), NULL, 0, "SET_MEM_TABLE: 0 file descriptors, expected 1");
	disconnect_leaves_nothing(f);
}

static void unknown_or_unsupported_request_is_refused(void **state)
{
	struct fx *f = *state;
	static const uint32_t reqs[] = { 0, 23, 99, VHOST_USER_REQUEST_MAX, UINT32_MAX,
					 VHOST_USER_IOTLB_MSG, VHOST_USER_GET_INFLIGHT_FD,
					 VHOST_USER_GET_MAX_MEM_SLOTS };

	for (unsigned i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		SEND_REFUSED(f, reqs[i], V1, NULL, 0, NULL, 0, "not supported");
		reconnect(f);
	}
	SEND_REFUSED(f, VHOST_USER_SET_CONFIG, V1,
		     (&(struct vhost_user_config){ .offset = 0, .size = 4 }), 16, NULL, 0,
		     "SET_CONFIG");
	disconnect_leaves_nothing(f);
}

static void wrong_protocol_version_in_flags_is_refused(void **state)
{
	struct fx *f = *state;
	static const uint32_t flags[] = { 0, 2, 3, 2 | NR, VHOST_USER_REPLY };

	for (unsigned i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		SEND_REFUSED(f, VHOST_USER_GET_FEATURES, flags[i], NULL, 0, NULL, 0,
			     "protocol version");
		expect_no_reply(f);
		reconnect(f);
	}
	disconnect_leaves_nothing(f);
}

static void vring_index_out_of_range_is_refused_by_every_ring_request(void **state)
{
	struct fx *f = *state;
	static const uint32_t state_reqs[] = { VHOST_USER_SET_VRING_NUM, VHOST_USER_SET_VRING_BASE,
					       VHOST_USER_SET_VRING_ENABLE,
					       VHOST_USER_GET_VRING_BASE };
	static const uint32_t fd_reqs[] = { VHOST_USER_SET_VRING_KICK, VHOST_USER_SET_VRING_CALL,
					    VHOST_USER_SET_VRING_ERR };
	static const unsigned bad_idx[] = { NVRINGS, VU_MAX_VRINGS, 0xff, 0x10000, UINT32_MAX };

	for (unsigned b = 0; b < sizeof(bad_idx) / sizeof(bad_idx[0]); b++) {
		unsigned idx = bad_idx[b];
		char what[64];

		for (unsigned i = 0; i < sizeof(state_reqs) / sizeof(state_reqs[0]); i++) {
			struct vhost_vring_state s = { .index = idx, .num = 1 };

			snprintf(what, sizeof(what), "%s: vring index %u out of range",
				 vhost_user_request_name(state_reqs[i]), idx);
			SEND_REFUSED(f, state_reqs[i], V1, &s, sizeof(s), NULL, 0, what);
			expect_no_reply(f);
			reconnect(f);
		}
		struct vhost_vring_addr a = ring_addr(0);
		a.index = idx;
		snprintf(what, sizeof(what), "SET_VRING_ADDR: vring index %u out of range", idx);
		SEND_REFUSED(f, VHOST_USER_SET_VRING_ADDR, V1, &a, sizeof(a), NULL, 0, what);
		reconnect(f);
		if (idx > VHOST_USER_VRING_IDX_MASK)
			continue; /* not encodable in the fd requests' payload */
		for (unsigned i = 0; i < sizeof(fd_reqs) / sizeof(fd_reqs[0]); i++) {
			int fd = eventfd(0, EFD_CLOEXEC);
			uint64_t v = idx;

			snprintf(what, sizeof(what), "%s: vring index %u out of range",
				 vhost_user_request_name(fd_reqs[i]), idx);
			SEND_REFUSED(f, fd_reqs[i], V1, &v, 8, &fd, 1, what);
			close(fd);
			reconnect(f);
			v = idx | VHOST_USER_VRING_NOFD;
			SEND_REFUSED(f, fd_reqs[i], V1, &v, 8, NULL, 0, what);
			reconnect(f);
		}
	}
	disconnect_leaves_nothing(f);
}

static void vring_fd_request_with_unknown_bits_is_refused(void **state)
{
	struct fx *f = *state;
	uint64_t v = 1 | VHOST_USER_VRING_NOFD | (1ull << 40);

	SEND_REFUSED(f, VHOST_USER_SET_VRING_CALL, V1, &v, 8, NULL, 0,
		     "SET_VRING_CALL: unknown bits");
	disconnect_leaves_nothing(f);
}

static void vring_size_zero_or_above_32768_is_refused(void **state)
{
	struct fx *f = *state;
	static const unsigned sizes[] = { 0, 32769, 65536, UINT32_MAX };

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct vhost_vring_state s = { .index = 1, .num = sizes[i] };

		SEND_REFUSED(f, VHOST_USER_SET_VRING_NUM, V1, &s, sizeof(s), NULL, 0,
			     "must be 1..32768");
		reconnect(f);
	}
	disconnect_leaves_nothing(f);
}

static void split_ring_size_not_a_power_of_two_fails_its_start(void **state)
{
	struct fx *f = *state;
	struct vhost_vring_addr a = ring_addr(1);

	negotiate(f, F_QEMU);
	set_mem_table(f, 0, "A");
	req_state(f, VHOST_USER_SET_VRING_NUM, 1, 100);
	REQ_OK(f, VHOST_USER_SET_VRING_ADDR, V1, &a, sizeof(a), NULL, 0);
	send_vring_fd(f, VHOST_USER_SET_VRING_KICK, 1);
	SEND_REFUSED(f, VHOST_USER_SET_VRING_ENABLE, V1,
		     (&(struct vhost_vring_state){ .index = 1, .num = 1 }),
		     sizeof(struct vhost_vring_state), NULL, 0, "vring 1: size 100");
	assert_false(f->running[1]);
	disconnect_leaves_nothing(f);
}

static void running_ring_cannot_be_resized_or_rebased(void **state)
{
	struct fx *f = *state;
	struct vhost_vring_state s = { .index = 1, .num = 128 };

	bring_up(f);
	SEND_REFUSED(f, VHOST_USER_SET_VRING_NUM, V1, &s, sizeof(s), NULL, 0,
		     "SET_VRING_NUM: vring 1 is running");
	reconnect(f);
	bring_up(f);
	SEND_REFUSED(f, VHOST_USER_SET_VRING_BASE, V1, &s, sizeof(s), NULL, 0,
		     "SET_VRING_BASE: vring 1 is running");
	disconnect_leaves_nothing(f);
}

static void mem_table_with_no_regions_or_more_than_eight_is_refused(void **state)
{
	struct fx *f = *state;
	struct vhost_user_memory mem = { .nregions = 0 };
	int fds[8];

	SEND_REFUSED(f, VHOST_USER_SET_MEM_TABLE, V1, &mem, 8, NULL, 0,
		     "SET_MEM_TABLE: 0 regions, must be 1..8");
	reconnect(f);
	/* 9 regions claimed, 8 described (9 would not fit the payload), 8 fds. */
	mem.nregions = 9;
	for (unsigned i = 0; i < 8; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		mem.regions[i] = (struct vhost_user_region){
			.gpa = i * 0x1000ull, .size = 0x1000, .uva = UVA_BASE + i * 0x1000ull };
	}
	SEND_REFUSED(f, VHOST_USER_SET_MEM_TABLE, V1, &mem, mem_size(8), fds, 8,
		     "SET_MEM_TABLE: 9 regions, must be 1..8");
	for (unsigned i = 0; i < 8; i++)
		close(fds[i]);
	reconnect(f);
	mem.nregions = 0x80000001u; /* would overflow a naive size computation */
	SEND_REFUSED(f, VHOST_USER_SET_MEM_TABLE, V1, &mem, mem_size(1), NULL, 0, "regions");
	disconnect_leaves_nothing(f);
}

/* A two-region table over memfds A and B; must be refused naming `what`. */
static void two_regions_refused(struct fx *f, struct vhost_user_region r0,
				struct vhost_user_region r1, const char *what)
{
	struct vhost_user_memory mem = { .nregions = 2, .regions = { r0, r1 } };
	int fds[2] = { new_memfd(f, 0, "A", MEM_SIZE), new_memfd(f, 1, "B", MEM_SIZE) };

	SEND_REFUSED(f, VHOST_USER_SET_MEM_TABLE, V1, &mem, mem_size(2), fds, 2, what);
	assert_null(f->dev.mem);
	assert_int_equal(count_maps(MEMFD_PREFIX), 0);       /* region 0 was unmapped */
	assert_int_equal(count_fds_to(MEMFD_PREFIX "-A"), 1); /* only our own copy */
	assert_int_equal(count_fds_to(MEMFD_PREFIX "-B"), 1);
	disconnect_leaves_nothing(f);
}

static void overlapping_regions_are_refused_and_nothing_stays_mapped(void **state)
{
	struct fx *f = *state;
	const struct vhost_user_region a = { .gpa = 0, .size = MEM_SIZE, .uva = UVA_BASE };

	two_regions_refused(f, a,
			    (struct vhost_user_region){ .gpa = MEM_SIZE / 2, .size = MEM_SIZE,
							.uva = UVA_BASE + 0x10000000 },
			    "region 1 (gpa 0x20000 size 0x40000): overlaps another region");
	fx_connect(f);
	/* Disjoint in gpa, overlapping in the front-end's address space. */
	two_regions_refused(f, a,
			    (struct vhost_user_region){ .gpa = 0x10000000, .size = MEM_SIZE,
							.uva = UVA_BASE + 0x1000 },
			    "overlaps another region");
}

static void zero_size_region_is_refused(void **state)
{
	struct fx *f = *state;

	two_regions_refused(f, (struct vhost_user_region){ .gpa = 0, .size = MEM_SIZE, .uva = UVA_BASE },
			    (struct vhost_user_region){ .gpa = 0x100000, .size = 0, .uva = UVA_BASE + 0x100000 },
			    "region 1 (gpa 0x100000 size 0): zero size");
}

static void region_size_plus_offset_overflow_is_refused(void **state)
{
	struct fx *f = *state;
	const struct vhost_user_region a = { .gpa = 0, .size = MEM_SIZE, .uva = UVA_BASE };

	two_regions_refused(f, a,
			    (struct vhost_user_region){ .gpa = 0x100000, .size = 0x1000,
							.uva = UVA_BASE + 0x100000,
							.mmap_offset = UINT64_MAX - 0x10 },
			    "region 1");
	fx_connect(f);
	/* gpa + size wraps the guest address space. */
	two_regions_refused(f, a,
			    (struct vhost_user_region){ .gpa = UINT64_MAX - 0xfff, .size = 0x2000,
							.uva = UVA_BASE + 0x100000 },
			    "region 1");
	fx_connect(f);
	/* uva + size wraps. */
	two_regions_refused(f, a,
			    (struct vhost_user_region){ .gpa = 0x100000, .size = 0x2000,
							.uva = UINT64_MAX - 0xfff },
			    "wraps");
}

/* A region that claims more than its file holds would fault (SIGBUS) on
 * the first ring access past the end of the file. */
static void region_larger_than_its_file_is_refused(void **state)
{
	struct fx *f = *state;
	const struct vhost_user_region a = { .gpa = 0, .size = MEM_SIZE, .uva = UVA_BASE };

	two_regions_refused(f, a,
			    (struct vhost_user_region){ .gpa = 0x100000, .size = 4 * MEM_SIZE,
							.uva = UVA_BASE + 0x100000 },
			    "region 1 (gpa 0x100000 size 0x100000): beyond the end of its file");
	fx_connect(f);
	two_regions_refused(f, a,
			    (struct vhost_user_region){ .gpa = 0x100000, .size = 0x1000,
							.uva = UVA_BASE + 0x100000,
							.mmap_offset = MEM_SIZE },
			    "beyond the end of its file");
}

static void vring_address_outside_memory_or_misaligned_fails_start_naming_the_vring(void **state)
{
	struct fx *f = *state;
	const uint64_t end = UVA_BASE + MEM_SIZE;
	struct {
		int field; /* 0 desc, 1 avail, 2 used */
		uint64_t uva;
	} cases[] = {
		{ 0, UVA_BASE - 0x1000 },          /* below the region */
		{ 0, end },                        /* just past it */
		{ 0, end - 16 },                   /* starts inside, runs off the end */
		{ 0, UVA_BASE + RING_OFF(1) + 8 }, /* desc table not 16-aligned */
		{ 1, end - 8 },
		{ 1, UVA_BASE + RING_OFF(1) + 0x1001 }, /* avail not 2-aligned */
		{ 1, 0 },
		{ 2, end + 0x100000 },
		{ 2, UVA_BASE + RING_OFF(1) + 0x2002 }, /* used not 4-aligned */
		{ 2, UINT64_MAX - 3 },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vhost_vring_addr a = ring_addr(1);

		negotiate(f, F_QEMU);
		set_mem_table(f, 0, "A");
		if (cases[i].field == 0)
			a.desc_user_addr = cases[i].uva;
		else if (cases[i].field == 1)
			a.avail_user_addr = cases[i].uva;
		else
			a.used_user_addr = cases[i].uva;
		req_state(f, VHOST_USER_SET_VRING_NUM, 1, RING_NUM);
		REQ_OK(f, VHOST_USER_SET_VRING_ADDR, V1, &a, sizeof(a), NULL, 0);
		send_vring_fd(f, VHOST_USER_SET_VRING_KICK, 1);
		SEND_REFUSED(f, VHOST_USER_SET_VRING_ENABLE, V1,
			     (&(struct vhost_vring_state){ .index = 1, .num = 1 }),
			     sizeof(struct vhost_vring_state), NULL, 0,
			     "vring 1: ring address outside the memory table or misaligned");
		assert_false(f->running[1]);
		reconnect(f);
	}
	/* A table replaced by one that no longer holds a running ring. */
	bring_up(f);
	struct vhost_user_memory small = one_region();
	small.regions[0].size = RING_OFF(1);
	int fd = new_memfd(f, 1, "B", MEM_SIZE);
	SEND_REFUSED(f, VHOST_USER_SET_MEM_TABLE, V1, &small, mem_size(1), &fd, 1,
		     "vring 1: ring address outside");
	disconnect_leaves_nothing(f);
}

/* Ring addresses aligned in the front-end's space but not in ours: the
 * region's mmap_offset shifts them.  Found by fuzz_vhost_msg. */
static void vring_misaligned_in_our_mapping_fails_start(void **state)
{
	struct fx *f = *state;
	struct vhost_user_memory mem = one_region();
	int fd = new_memfd(f, 0, "A", MEM_SIZE);

	mem.regions[0].mmap_offset = 2;
	mem.regions[0].size = MEM_SIZE - 2;
	negotiate(f, F_QEMU);
	REQ_OK(f, VHOST_USER_SET_MEM_TABLE, V1 | NR, &mem, mem_size(1), &fd, 1);
	assert_int_equal(get_reply_u64(f, VHOST_USER_SET_MEM_TABLE), 0);
	configure_ring(f, 1, 0);
	SEND_REFUSED(f, VHOST_USER_SET_VRING_ENABLE, V1,
		     (&(struct vhost_vring_state){ .index = 1, .num = 1 }),
		     sizeof(struct vhost_vring_state), NULL, 0,
		     "vring 1: ring address outside the memory table or misaligned");
	assert_false(f->running[1]);
	disconnect_leaves_nothing(f);
}

static void set_features_with_bits_not_offered_is_refused(void **state)
{
	struct fx *f = *state;

	SEND_REFUSED(f, VHOST_USER_SET_FEATURES, V1, &(uint64_t){ F_QEMU | F(17) }, 8, NULL, 0,
		     "SET_FEATURES: bits 0x20000 were not offered");
	reconnect(f);
	SEND_REFUSED(f, VHOST_USER_SET_FEATURES, V1, &(uint64_t){ UINT64_MAX }, 8, NULL, 0,
		     "were not offered");
	disconnect_leaves_nothing(f);
}

static void set_protocol_features_with_bits_not_offered_is_refused(void **state)
{
	struct fx *f = *state;

	SEND_REFUSED(f, VHOST_USER_SET_PROTOCOL_FEATURES, V1,
		     &(uint64_t){ P_OFFERED | P(VHOST_USER_PROTOCOL_F_CONFIG) }, 8, NULL, 0,
		     "SET_PROTOCOL_FEATURES: bits 0x200 were not offered");
	disconnect_leaves_nothing(f);
}

static void out_of_range_values_are_refused(void **state)
{
	struct fx *f = *state;

	SEND_REFUSED(f, VHOST_USER_SET_VRING_ENABLE, V1,
		     (&(struct vhost_vring_state){ .index = 0, .num = 2 }),
		     sizeof(struct vhost_vring_state), NULL, 0, "not 0 or 1");
	reconnect(f);
	SEND_REFUSED(f, VHOST_USER_NET_SET_MTU, V1, &(uint64_t){ 67 }, 8, NULL, 0,
		     "not a valid MTU");
	reconnect(f);
	SEND_REFUSED(f, VHOST_USER_NET_SET_MTU, V1, &(uint64_t){ 1ull << 32 | 1500 }, 8, NULL, 0,
		     "not a valid MTU");
	reconnect(f);
	SEND_REFUSED(f, VHOST_USER_SET_STATUS, V1, &(uint64_t){ 0x100 }, 8, NULL, 0,
		     "8-bit status");
	reconnect(f);
	SEND_REFUSED(f, VHOST_USER_GET_CONFIG, V1,
		     (&(struct vhost_user_config){ .size = VHOST_USER_CONFIG_MAX + 1 }), 12, NULL,
		     0, "payload size");
	disconnect_leaves_nothing(f);
}

static void truncated_payload_is_refused(void **state)
{
	struct fx *f = *state;
	uint8_t half[4] = { 1, 2, 3, 4 };

	bring_up(f);
	assert_int_equal(vu_t_send_lying(f->fe, VHOST_USER_SET_FEATURES, V1, 8, half, 4, NULL, 0), 0);
	shutdown(f->fe, SHUT_WR);
	EXPECT_REFUSED(f, "truncated message payload");
	disconnect_leaves_nothing(f);
}

static void truncated_payload_with_fds_closes_them(void **state)
{
	struct fx *f = *state;
	struct vhost_user_memory mem = one_region();
	int fd = new_memfd(f, 0, "A", MEM_SIZE);

	assert_int_equal(vu_t_send_lying(f->fe, VHOST_USER_SET_MEM_TABLE, V1, mem_size(1), &mem, 20,
					 &fd, 1), 0);
	shutdown(f->fe, SHUT_WR);
	EXPECT_REFUSED(f, "truncated message payload");
	disconnect_leaves_nothing(f);
}

static void truncated_header_is_refused(void **state)
{
	struct fx *f = *state;
	uint32_t part[2] = { VHOST_USER_GET_FEATURES, V1 };

	assert_int_equal(vu_t_raw_send(f->fe, part, 6, NULL, 0), 0);
	shutdown(f->fe, SHUT_WR);
	EXPECT_REFUSED(f, "truncated message header");
	disconnect_leaves_nothing(f);
}

static void front_end_closing_is_reported(void **state)
{
	struct fx *f = *state;

	bring_up(f);
	close(f->fe);
	f->fe = -1;
	assert_int_equal(handle(f), -ECONNRESET);
	assert_non_null(strstr(f->why.msg, "closed"));
	disconnect_leaves_nothing(f);
}

/* ======================= migration: the dirty log ======================= */

static void send_log_base(struct fx *f, int fd, uint64_t size, uint64_t offset)
{
	struct vhost_user_log l = { .mmap_size = size, .mmap_offset = offset };

	assert_int_equal(send_msg(f, VHOST_USER_SET_LOG_BASE, V1, &l, sizeof(l), &fd, 1), 0);
}

/* SET_VRING_ADDR as QEMU sends it when logging starts: VHOST_VRING_F_LOG
 * and the used ring's guest-physical address (gpa 0 is UVA_BASE here). */
static void set_addr_logged(struct fx *f, unsigned idx, bool log)
{
	struct vhost_vring_addr a = ring_addr(idx);

	a.flags = log ? 1u << VHOST_VRING_F_LOG : 0;
	a.log_guest_addr = RING_OFF(idx) + 0x2000;
	REQ_OK(f, VHOST_USER_SET_VRING_ADDR, V1, &a, sizeof(a), NULL, 0);
}

/* Ring 1 as a driver: one 64-byte chain made available, then the device
 * pops and completes it. */
static void one_chain_through_ring_1(struct fx *f)
{
	struct vq_dev *vq = &f->dev.vring[1]->vq;
	uint8_t *m = view(f) + RING_OFF(1);
	struct vring_avail *avail = (struct vring_avail *)(m + 0x1000);
	struct vq_chain c[2];

	*(struct vring_desc *)m = (struct vring_desc){ .addr = DATA_OFF, .len = 64 };
	avail->ring[avail->idx % RING_NUM] = 0;
	__atomic_store_n(&avail->idx, avail->idx + 1, __ATOMIC_RELEASE);
	assert_int_equal(vq_dev_pop_burst(vq, c, 2), 1);
	vq_dev_push(vq, c[0].id, c[0].ndesc, 0);
	assert_true(vq_dev_flush(vq));
}

static uint8_t log_byte(int fd, off_t at)
{
	uint8_t b = 0xee;

	assert_int_equal(pread(fd, &b, 1, at), 1);
	return b;
}

/*
 * QEMU 7.2's migration start (vhost_migration_log): SET_LOG_BASE, answered
 * (QEMU waits for it); SET_FEATURES with VHOST_F_LOG_ALL; SET_VRING_ADDR
 * with VHOST_VRING_F_LOG on every ring.  From then on the used ring is
 * logged at log_guest_addr, a guest-physical address distinct from the
 * ring's front-end address; GET_VRING_BASE signals SET_LOG_FD's eventfd.
 * Logging off again: nothing more is logged.
 */
static void migration_start_maps_the_log_and_logs_the_used_ring(void **state)
{
	struct fx *f = *state;
	int logfd = new_memfd(f, 1, "log", 4096);
	int done = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	const unsigned used_page = (RING_OFF(1) + 0x2000) / 4096;
	struct vu_msg r;
	uint64_t v;

	bring_up(f);
	send_log_base(f, logfd, 4096, 0);
	if (handle(f))
		fail_msg("SET_LOG_BASE refused: %s", f->why.msg);
	r = get_reply(f, VHOST_USER_SET_LOG_BASE);
	assert_int_equal(r.m.hdr.size, 0);
	/* mapped, but nothing is logged before LOG_ALL, and no ring restarted */
	assert_false(vu_dev_logging(&f->dev));
	assert_int_equal(f->nlog, 0);
	assert_null(f->dev.vring[1]->vq.log);
	assert_true(done >= 0);
	REQ_OK(f, VHOST_USER_SET_LOG_FD, V1, NULL, 0, &done, 1);

	req_u64(f, VHOST_USER_SET_FEATURES, V1, F_QEMU | F(VHOST_F_LOG_ALL));
	assert_true(vu_dev_logging(&f->dev));
	assert_non_null(f->dev.vring[1]->vq.log);
	assert_false(f->dev.vring[1]->vq.log_rings); /* no VHOST_VRING_F_LOG yet */
	for (unsigned i = 0; i < NVRINGS; i++)
		set_addr_logged(f, i, true);
	assert_true(f->running[0] && f->running[1]);
	assert_true(f->dev.vring[1]->vq.log_rings);
	assert_int_equal(f->dev.vring[1]->vq.log_device_gpa, RING_OFF(1) + 0x2000);
	/* the restarts while logging signalled it; from here, only a stop */
	assert_int_equal(read(done, &v, sizeof(v)), (ssize_t)sizeof(v));

	one_chain_through_ring_1(f);
	for (unsigned b = 0; b < 4096; b++)
		assert_int_equal(log_byte(logfd, b), b == used_page / 8 ? 1u << (used_page % 8) : 0);
	assert_int_equal(read(done, &v, sizeof(v)), -1); /* not yet */
	req_state(f, VHOST_USER_GET_VRING_BASE, 1, 0);
	assert_int_equal(get_reply(f, VHOST_USER_GET_VRING_BASE).m.payload.state.num, 1);
	assert_int_equal(read(done, &v, sizeof(v)), (ssize_t)sizeof(v));
	send_vring_fd(f, VHOST_USER_SET_VRING_KICK, 1);

	/* migration cancelled: LOG_ALL off, the log is no longer written */
	req_u64(f, VHOST_USER_SET_FEATURES, V1, F_QEMU);
	set_addr_logged(f, 1, false);
	assert_false(vu_dev_logging(&f->dev));
	assert_null(f->dev.vring[1]->vq.log);
	{
		static const uint8_t zero[4096];

		assert_int_equal(pwrite(logfd, zero, sizeof(zero), 0), (ssize_t)sizeof(zero));
	}
	one_chain_through_ring_1(f);
	for (unsigned b = 0; b < 4096; b++)
		assert_int_equal(log_byte(logfd, b), 0);
	close(done);
	disconnect_leaves_nothing(f);
}

/* The log at an unaligned offset of its file, then replaced by a bigger
 * one while logging (QEMU resizes the log when memory is added): the
 * rings stop while the logs are swapped, the first is unmapped before the
 * reply, later writes go to the second. */
static void log_at_an_offset_then_replaced_while_logging(void **state)
{
	struct fx *f = *state;
	int log1 = new_memfd(f, 1, "log1", 3 * 4096);
	int log2 = new_memfd(f, 2, "log2", 8192);
	const unsigned used_page = (RING_OFF(1) + 0x2000) / 4096;
	const off_t off1 = 4096 + 100;

	bring_up(f);
	req_u64(f, VHOST_USER_SET_FEATURES, V1, F_QEMU | F(VHOST_F_LOG_ALL));
	for (unsigned i = 0; i < NVRINGS; i++)
		set_addr_logged(f, i, true);
	f->nlog = 0;
	send_log_base(f, log1, 64, off1);
	if (handle(f))
		fail_msg("SET_LOG_BASE refused: %s", f->why.msg);
	assert_int_equal(get_reply(f, VHOST_USER_SET_LOG_BASE).m.hdr.size, 0);
	expect_log(f, (struct event[]){ { EV_STOP, 0 }, { EV_STOP, 1 },
					{ EV_START, 0 }, { EV_START, 1 } }, 4);
	one_chain_through_ring_1(f);
	assert_int_equal(log_byte(log1, off1 + used_page / 8), 1u << (used_page % 8));
	assert_int_equal(log_byte(log1, off1 - 1), 0);
	assert_int_equal(count_maps(MEMFD_PREFIX "-log1"), 1);

	send_log_base(f, log2, 8192, 0);
	if (handle(f))
		fail_msg("SET_LOG_BASE refused: %s", f->why.msg);
	assert_int_equal(get_reply(f, VHOST_USER_SET_LOG_BASE).m.hdr.size, 0);
	assert_int_equal(count_maps(MEMFD_PREFIX "-log1"), 0);
	assert_int_equal(f->dev.log.len, 8192);
	one_chain_through_ring_1(f);
	assert_int_equal(log_byte(log2, used_page / 8), 1u << (used_page % 8));
	disconnect_leaves_nothing(f);
}

/* A hostile SET_LOG_BASE: each refused naming what is wrong, nothing
 * stays mapped or open. */
static void bad_log_base_is_refused(void **state)
{
	struct fx *f = *state;
	const struct {
		uint64_t size, offset;
		size_t file;
		const char *what;
	} bad[] = {
		{ 0, 0, 4096, "log size 0" },
		{ VU_LOG_MAX_BYTES + 1, 0, 4096, "log size 1073741825" },
		{ 4096, UINT64_MAX - 100, 4096, "wraps" },
		{ 4097, 0, 4096, "is not inside its file" },
		{ 100, 4000, 4096, "is not inside its file" },
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd;

		negotiate(f, F_QEMU);
		fd = new_memfd(f, 1, "badlog", bad[i].file);
		send_log_base(f, fd, bad[i].size, bad[i].offset);
		EXPECT_REFUSED(f, bad[i].what);
		expect_no_reply(f);
		reconnect(f);
	}
	/* not a file */
	negotiate(f, F_QEMU);
	{
		int efd = eventfd(0, EFD_CLOEXEC);

		send_log_base(f, efd, 4096, 0);
		close(efd);
		EXPECT_REFUSED(f, "not a file");
	}
	reconnect(f);
	/* no fd at all */
	negotiate(f, F_QEMU);
	{
		struct vhost_user_log l = { .mmap_size = 4096 };

		SEND_REFUSED(f, VHOST_USER_SET_LOG_BASE, V1, &l, sizeof(l), NULL, 0,
			     "0 file descriptors, expected 1");
	}
	reconnect(f);
	/* LOG_SHMFD not negotiated */
	negotiate(f, F_QEMU);
	req_u64(f, VHOST_USER_SET_PROTOCOL_FEATURES, V1, P_OFFERED & ~P(VHOST_USER_PROTOCOL_F_LOG_SHMFD));
	send_log_base(f, new_memfd(f, 1, "nolog", 4096), 4096, 0);
	EXPECT_REFUSED(f, "LOG_SHMFD was not negotiated");
	disconnect_leaves_nothing(f);
}

/* As libvhost-user does: a ring that (re)starts signals its call eventfd,
 * so a driver that waited while it was down looks again. */
static void ring_start_signals_the_call_eventfd(void **state)
{
	struct fx *f = *state;
	int call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t idx = 1, v;

	bring_up(f);
	REQ_OK(f, VHOST_USER_SET_VRING_CALL, V1, &idx, 8, &call, 1);
	assert_int_equal(read(call, &v, sizeof(v)), (ssize_t)sizeof(v)); /* restarted */
	req_state(f, VHOST_USER_GET_VRING_BASE, 1, 0);
	(void)get_reply(f, VHOST_USER_GET_VRING_BASE);
	assert_int_equal(read(call, &v, sizeof(v)), -1);
	send_vring_fd(f, VHOST_USER_SET_VRING_KICK, 1);
	assert_int_equal(read(call, &v, sizeof(v)), (ssize_t)sizeof(v));
	close(call);
	disconnect_leaves_nothing(f);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(qemu_7_2_sequence_negotiates_starts_and_stops_rings),
		T(reply_ack_answers_zero_for_success_and_nothing_extra_for_get_requests),
		T(reply_ack_reports_a_failed_request_before_the_drop),
		T(no_ack_without_reply_ack_negotiated),
		T(new_mem_table_restarts_running_rings_and_releases_the_old_mapping),
		T(ring_waits_for_enable_when_protocol_features_are_negotiated),
		T(ring_starts_without_enable_when_protocol_features_are_not_negotiated),
		T(ring_state_exists_once_a_message_names_the_ring),
		T(ring_configured_before_the_mem_table_starts_with_it),
		T(get_vring_base_returns_where_the_device_stopped),
		T(packed_ring_base_round_trips),
		T(set_features_restarts_running_rings),
		T(status_zero_stops_the_rings),
		T(reset_owner_stops_rings_and_keeps_the_connection),
		T(polling_kick_with_nofd_starts_the_ring),
		T(get_config_answers_empty_and_mtu_reaches_nobody_without_a_hook),
		T(device_refusing_a_ring_fails_the_message_naming_the_vring),
		T(payload_size_wrong_for_the_request_is_refused),
		T(size_field_larger_than_any_payload_is_refused),
		T(more_than_eight_fds_are_refused_and_closed),
		T(fds_on_a_request_that_takes_none_are_refused_and_closed),
		T(kick_without_fd_and_without_nofd_bit_is_refused),
		T(unknown_or_unsupported_request_is_refused),
		T(wrong_protocol_version_in_flags_is_refused),
		T(vring_index_out_of_range_is_refused_by_every_ring_request),
		T(vring_fd_request_with_unknown_bits_is_refused),
		T(vring_size_zero_or_above_32768_is_refused),
		T(split_ring_size_not_a_power_of_two_fails_its_start),
		T(running_ring_cannot_be_resized_or_rebased),
		T(mem_table_with_no_regions_or_more_than_eight_is_refused),
		T(overlapping_regions_are_refused_and_nothing_stays_mapped),
		T(zero_size_region_is_refused),
		T(region_size_plus_offset_overflow_is_refused),
		T(region_larger_than_its_file_is_refused),
		T(vring_address_outside_memory_or_misaligned_fails_start_naming_the_vring),
		T(vring_misaligned_in_our_mapping_fails_start),
		T(set_features_with_bits_not_offered_is_refused),
		T(set_protocol_features_with_bits_not_offered_is_refused),
		T(out_of_range_values_are_refused),
		T(truncated_payload_is_refused),
		T(truncated_payload_with_fds_closes_them),
		T(truncated_header_is_refused),
		T(front_end_closing_is_reported),
		T(migration_start_maps_the_log_and_logs_the_used_ring),
		T(log_at_an_offset_then_replaced_while_logging),
		T(bad_log_base_is_refused),
		T(ring_start_signals_the_call_eventfd),
	};

	alarm(120); /* a back-end that blocks fails instead of hanging */
	return cmocka_run_group_tests_name("vu_dev", tests, NULL, NULL);
}
