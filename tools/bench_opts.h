/* SPDX-License-Identifier: MIT */
/*
 * uvnet-bench's command line: the options (bench_opts_parse) and its
 * limits, shared by uvnet-bench.c and bench_opts.c.
 */
#ifndef UVNET_TOOLS_BENCH_OPTS_H
#define UVNET_TOOLS_BENCH_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_BURST 256
#define MAX_FLOWS 1024
#define MIN_SIZE 64             /* with FCS */
#define MAX_SIZE 9022           /* a 9000-byte MTU jumbo frame, with FCS */

enum mode { MODE_TX, MODE_RX, MODE_LOOP };

struct bench_opts {
	enum mode mode;
	const char *path, *tx_path, *rx_path;
	unsigned size;
	double rate;
	uint64_t count;
	double seconds;
	unsigned queues, queue_size, burst, flows;
	unsigned window;        /* loop: most frames in flight (0: no limit) */
	bool packed, mrg, event_idx, indirect, in_order, split_hdr;
	bool event_mode, server, check, reconnect, json, quiet;
	bool dirty_log;         /* play a guest being migrated: the back-end logs */
	uint8_t src_mac[6], dst_mac[6];
	int cpu;
	int drain_ms, timeout_ms;
};

/* "uvnet-bench: MESSAGE" on stderr, then exit(code) (uvnet-bench.c). */
void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* Parse the command line into *o: "--help" prints the usage and exits 0, bad
 * usage exits 2 with a message. */
void bench_opts_parse(int argc, char **argv, struct bench_opts *o);

#endif
