/* SPDX-License-Identifier: MIT */
/*
 * vu-truncate-client SOCKET RUN_MS HOLD_MS truncate|keep: a vhost-user
 * front-end for the end-to-end tests that shrinks its guest memory under
 * the back-end.  It connects to SOCKET, hands over 1 MiB of memfd memory
 * that cannot be sealed (as hugetlbfs memory cannot), starts its receive
 * ring with buffers and its transmit ring, and streams 64-byte frames
 * (about 8 every millisecond) while it recycles what the back-end used,
 * for RUN_MS.  Then, with `truncate`, it truncates the memfd to 0 bytes
 * and, without touching its memory again (it would fault too), keeps
 * kicking both rings; with `keep` it goes on streaming.  After HOLD_MS
 * more it exits 0, closing the connection.
 *
 * Prints "sent N received M" when it truncates (or stops), for the test
 * to check that traffic flowed.  Exit 1 on a protocol failure.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/virtio_ring.h>

#include "vhost/vu_msg.h"
#include "vu_test_util.h"

#define MEM_SIZE (1u << 20)
#define NUM 256u
#define RING_OFF(i) (0x10000u + (i) * 0x4000u)
#define TXBUF_OFF 0x20000u
#define TXBUF_LEN 128u
#define RXBUF_OFF 0x40000u
#define RXBUF_LEN 2048u
#define HDR_LEN 12u  /* virtio_net_hdr with num_buffers (VERSION_1) */
#define FRAME_LEN 60u
#define PER_MS 8u

struct ring {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx, used_seen;
	int kick, call;
};

static uint8_t *mem;
static struct ring rx, tx;

static int die(const char *what)
{
	fprintf(stderr, "vu-truncate-client: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void send_msg(int sock, uint32_t req, const void *payload, uint32_t size, const int *fds,
		     unsigned nfds)
{
	struct vhost_user_msg m = { .hdr = { .request = req, .flags = VHOST_USER_VERSION,
					     .size = size } };

	if (size)
		memcpy(&m.payload, payload, size);
	if (vu_msg_send(sock, &m, fds, nfds))
		die("send");
}

static void send_state(int sock, uint32_t req, unsigned idx, unsigned num)
{
	struct vhost_vring_state s = { .index = idx, .num = num };

	send_msg(sock, req, &s, sizeof(s), NULL, 0);
}

static uint64_t get_features(int sock)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct vu_msg m;

	send_msg(sock, VHOST_USER_GET_FEATURES, NULL, 0, NULL, 0);
	if (poll(&p, 1, 2000) != 1 || vu_msg_recv(sock, &m, NULL) || m.m.hdr.size != 8)
		die("GET_FEATURES reply");
	vu_msg_close_fds(&m);
	return m.m.payload.u64;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (unsigned i = 0; i < 50; i++) {
		if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return sock;
		usleep(100000);
	}
	return die("connect"), -1;
}

/* NUM, BASE, ADDR, CALL, KICK for ring idx at RING_OFF(idx). */
static void start_ring(int sock, unsigned idx, struct ring *r)
{
	uint8_t *base = mem + RING_OFF(idx);
	struct vhost_vring_addr a = {
		.index = idx,
		.desc_user_addr = (uintptr_t)base,
		.avail_user_addr = (uintptr_t)base + 0x1000,
		.used_user_addr = (uintptr_t)base + 0x2000,
	};
	uint64_t v = idx;

	r->desc = (struct vring_desc *)base;
	r->avail = (struct vring_avail *)(base + 0x1000);
	r->used = (struct vring_used *)(base + 0x2000);
	r->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->kick < 0 || r->call < 0)
		die("eventfd");
	send_state(sock, VHOST_USER_SET_VRING_NUM, idx, NUM);
	send_state(sock, VHOST_USER_SET_VRING_BASE, idx, 0);
	send_msg(sock, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
	send_msg(sock, VHOST_USER_SET_VRING_CALL, &v, 8, &r->call, 1);
	send_msg(sock, VHOST_USER_SET_VRING_KICK, &v, 8, &r->kick, 1);
}

static void publish(struct ring *r, uint16_t id)
{
	r->avail->ring[r->avail_idx % NUM] = id;
	__atomic_store_n(&r->avail->idx, ++r->avail_idx, __ATOMIC_RELEASE);
}

/* Every receive buffer the back-end filled goes back; returns how many. */
static unsigned recycle_rx(void)
{
	uint16_t used = __atomic_load_n(&rx.used->idx, __ATOMIC_ACQUIRE);
	unsigned n = 0;

	for (; rx.used_seen != used; rx.used_seen++, n++)
		publish(&rx, (uint16_t)rx.used->ring[rx.used_seen % NUM].id);
	return n;
}

/* Up to PER_MS more frames, as the ring has room (completed in order). */
static unsigned send_frames(void)
{
	unsigned n = 0;

	tx.used_seen = __atomic_load_n(&tx.used->idx, __ATOMIC_ACQUIRE);
	while (n < PER_MS && (uint16_t)(tx.avail_idx - tx.used_seen) < NUM) {
		publish(&tx, tx.avail_idx % NUM);
		n++;
	}
	return n;
}

static void setup_memory(int sock, int memfd)
{
	struct vhost_user_memory m = { .nregions = 1 };
	static const uint8_t frame[14] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0x02, 0, 0, 0, 0x0e, 0x01, 0x88, 0xb5 };

	m.regions[0] = (struct vhost_user_region){ .gpa = 0, .size = MEM_SIZE,
						   .uva = (uintptr_t)mem };
	send_msg(sock, VHOST_USER_SET_MEM_TABLE, &m, 8 + sizeof(m.regions[0]), &memfd, 1);
	start_ring(sock, 0, &rx);
	start_ring(sock, 1, &tx);
	for (unsigned i = 0; i < NUM; i++) {
		rx.desc[i] = (struct vring_desc){ .addr = RXBUF_OFF + i * RXBUF_LEN,
						  .len = RXBUF_LEN, .flags = VRING_DESC_F_WRITE };
		publish(&rx, (uint16_t)i);
		tx.desc[i] = (struct vring_desc){ .addr = TXBUF_OFF + i * TXBUF_LEN,
						  .len = HDR_LEN + FRAME_LEN };
		memcpy(mem + TXBUF_OFF + i * TXBUF_LEN + HDR_LEN, frame, sizeof(frame));
	}
	eventfd_write(rx.kick, 1);
}

int main(int argc, char **argv)
{
	unsigned long sent = 0, received = 0;
	uint64_t run_ms, hold_ms, t0;
	bool truncate;
	int sock, memfd;

	if (argc != 5 || (strcmp(argv[4], "truncate") && strcmp(argv[4], "keep"))) {
		fprintf(stderr, "usage: %s SOCKET RUN_MS HOLD_MS truncate|keep\n", argv[0]);
		return 2;
	}
	run_ms = strtoull(argv[2], NULL, 10);
	hold_ms = strtoull(argv[3], NULL, 10);
	truncate = !strcmp(argv[4], "truncate");
	setvbuf(stdout, NULL, _IOLBF, 0);
	sock = connect_to(argv[1]);
	memfd = vu_t_memfd("uvnet-truncate-guest", MEM_SIZE); /* not sealable */
	if (memfd < 0)
		die("memfd");
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	if (!(get_features(sock) & (1ull << VIRTIO_F_VERSION_1)))
		die("VERSION_1 not offered");
	send_msg(sock, VHOST_USER_SET_OWNER, NULL, 0, NULL, 0);
	send_msg(sock, VHOST_USER_SET_FEATURES, &(uint64_t){ 1ull << VIRTIO_F_VERSION_1 }, 8,
		 NULL, 0);
	setup_memory(sock, memfd);
	t0 = now_ms();
	while (now_ms() - t0 < run_ms + (truncate ? 0 : hold_ms)) {
		received += recycle_rx();
		sent += send_frames();
		eventfd_write(tx.kick, 1);
		eventfd_write(rx.kick, 1);
		usleep(1000);
	}
	printf("sent %lu received %lu\n", sent, received);
	if (truncate) {
		if (ftruncate(memfd, 0))
			die("ftruncate");
		printf("truncated\n");
		/* our own mapping faults now: only kicks from here on */
		for (t0 = now_ms(); now_ms() - t0 < hold_ms; usleep(10000)) {
			eventfd_write(tx.kick, 1);
			eventfd_write(rx.kick, 1);
		}
	}
	close(sock);
	return 0;
}
