/* SPDX-License-Identifier: MIT */
/*
 * udp_blast IFNAME SECONDS [FRAME_BYTES]: a pktgen-like traffic source for
 * bench/vxlan.sh.  Sends IPv4/UDP frames (default 60 bytes, 64 flows by
 * UDP source port, unicast to an unknown MAC so a bridge floods them) out
 * of IFNAME through an AF_PACKET socket, 64 per sendmmsg, bypassing the
 * qdisc, for SECONDS; prints how many the kernel took.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

int main(int argc, char **argv)
{
	static uint8_t frame[BATCH][2048];
	struct iovec iov[BATCH];
	struct mmsghdr mm[BATCH];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	unsigned size = argc > 3 ? (unsigned)atoi(argv[3]) : 60;
	double secs, end;
	unsigned long long sent = 0;
	int fd, one = 1;

	if (argc < 3 || size < 42 || size > 1514) {
		fprintf(stderr, "usage: udp_blast IFNAME SECONDS [FRAME_BYTES 42-1514]\n");
		return 2;
	}
	secs = atof(argv[2]);
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (!sll.sll_ifindex || fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("udp_blast: socket");
		return 1;
	}
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	for (unsigned i = 0; i < BATCH; i++) {
		uint8_t *f = frame[i], *ip = f + 14, *udp = ip + 20;
		uint16_t ip_len = (uint16_t)(size - 14), c;

		memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
		memcpy(ip, "\x45\x00\x00\x00\x00\x00\x40\x00\x40\x11\x00\x00\x0a\xfb\x00\x01\x0a\xfb\x00\x02", 20);
		ip[2] = (uint8_t)(ip_len >> 8), ip[3] = (uint8_t)ip_len;
		c = ip_csum(ip, 20);
		ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
		udp[0] = (uint8_t)((10000 + i) >> 8), udp[1] = (uint8_t)(10000 + i);
		udp[2] = 0, udp[3] = 9;
		udp[4] = (uint8_t)((ip_len - 20) >> 8), udp[5] = (uint8_t)(ip_len - 20);
		iov[i] = (struct iovec){ f, size };
		mm[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	end = now() + secs;
	while (now() < end) {
		int r = sendmmsg(fd, mm, BATCH, 0);

		if (r > 0)
			sent += (unsigned)r;
	}
	printf("%llu\n", sent);
	return 0;
}
