/* SPDX-License-Identifier: MIT */
/*
 * uvnet-bench's options: --help and the command line's parsing and checks.
 */
#include "tools/bench_opts.h"

#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/parse.h"
#include "vhost/vu_fe.h"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: uvnet-bench tx   --path SOCK [options]\n"
		"       uvnet-bench rx   --path SOCK [options]\n"
		"       uvnet-bench loop --tx-path A --rx-path B [options]\n"
		"\n"
		"A virtio-net driver in user space (virtio-user) on a vhost-user socket:\n"
		"tx generates UDP/IPv4 frames with a sequence number and a payload pattern,\n"
		"rx sinks them (counts, checks order and payload, reports loss), loop does\n"
		"both on two ports of a switch (uvnetd, testpmd...) and reports throughput\n"
		"and loss.  Prints Mpps and Gbit/s once a second and a summary at the end.\n"
		"\n"
		"  --path SOCK          vhost-user socket (tx, rx)\n"
		"  --tx-path A          loop: the port frames are sent on\n"
		"  --rx-path B          loop: the port they should arrive on\n"
		"  --server             listen on the socket(s), the back-end connects\n"
		"                       (default: connect to a listening back-end)\n"
		"  --size BYTES         Ethernet frame size with the 4-byte FCS, %d..%d\n"
		"                       (default 64: 60 bytes in the buffer); Gbit/s counts\n"
		"                       the bytes in the buffer (size - 4)\n"
		"  --rate PPS           frames per second over all queues (default: flat out)\n"
		"  --count N            frames to send (tx, loop) or to expect (rx)\n"
		"  --seconds S          how long to send (default 10 without --count)\n"
		"  --queues N           queue pairs, 1..%d (default 1)\n"
		"  --flows N            UDP flows per queue (default 1; source ports differ)\n"
		"  --queue-size N       ring entries (default 256)\n"
		"  --burst N            frames per burst, 1..%d (default 32)\n"
		"  --packed             packed rings (the back-end must offer them)\n"
		"  --mrg on|off         mergeable RX buffers (default on)\n"
		"  --event-idx on|off   notification suppression by index (default on)\n"
		"  --indirect on|off    indirect descriptors (default on)\n"
		"  --in-order on|off    in-order completion (default off)\n"
		"  --split-hdr          virtio_net_hdr in a descriptor of its own\n"
		"  --mode poll|event    busy-poll (default), or sleep on the call eventfds\n"
		"                       when there is nothing to do\n"
		"  --src-mac MAC        source MAC of the generated frames (02:00:00:00:00:01)\n"
		"  --dst-mac MAC        their destination, the receiver's MAC (02:00:00:00:00:02);\n"
		"                       the receiver announces it (a broadcast once a second)\n"
		"                       so that a learning switch forwards instead of flooding\n"
		"  --no-check           do not check payloads (order is still checked)\n"
		"  --reconnect          keep going when the back-end restarts\n"
		"  --dirty-log          play a guest being migrated: share a dirty-page log\n"
		"                       with the back-end (VHOST_F_LOG_ALL, LOG_SHMFD), which\n"
		"                       then marks every page it writes (not with --reconnect)\n"
		"  --window N           loop: at most N frames sent and not yet received (or\n"
		"                       known lost); below the RX ring size, no frame can be\n"
		"                       dropped for lack of RX buffers, however long either\n"
		"                       side stalls (default: no limit)\n"
		"  --drain-ms MS        loop, rx: wait this long for late frames (default 1000)\n"
		"  --timeout-ms MS      connect/accept patience (default 10000)\n"
		"  --cpu N              pin to CPU N\n"
		"  --json               a JSON summary on stdout (progress goes to stderr)\n"
		"  --quiet              no progress lines\n"
		"  --help\n"
		"\n"
		"Exit status: 0 done, 1 the back-end went away or a ring broke, 2 bad usage\n"
		"or no connection.\n",
		MIN_SIZE, MAX_SIZE, VU_FE_MAX_QUEUE_PAIRS, MAX_BURST);
}

static bool parse_onoff(const char *s, bool *out)
{
	if (!strcmp(s, "on") || !strcmp(s, "1") || !strcmp(s, "yes"))
		*out = true;
	else if (!strcmp(s, "off") || !strcmp(s, "0") || !strcmp(s, "no"))
		*out = false;
	else
		return false;
	return true;
}

static uint64_t parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	uint64_t v;

	if (!parse_uint(s, min, max, &v))
		die(2, "%s: '%s' is not a number from %" PRIu64 " to %" PRIu64, opt, s, min, max);
	return v;
}

static double parse_double(const char *opt, const char *s)
{
	double v;

	if (!parse_decimal(s, 1e15, &v))
		die(2, "%s: '%s' is not a non-negative number", opt, s);
	return v;
}

enum {
	O_PATH = 256, O_TX_PATH, O_RX_PATH, O_SERVER, O_SIZE, O_RATE, O_COUNT, O_SECONDS,
	O_QUEUES, O_FLOWS, O_QSIZE, O_BURST, O_PACKED, O_MRG, O_EVIDX, O_INDIRECT, O_INORDER,
	O_SPLITHDR, O_MODE, O_SRCMAC, O_DSTMAC, O_NOCHECK, O_RECONNECT, O_DRAIN, O_TIMEOUT,
	O_CPU, O_JSON, O_QUIET, O_HELP, O_WINDOW, O_DIRTYLOG,
};

void bench_opts_parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option lo[] = {
		{ "path", required_argument, NULL, O_PATH },
		{ "tx-path", required_argument, NULL, O_TX_PATH },
		{ "rx-path", required_argument, NULL, O_RX_PATH },
		{ "server", no_argument, NULL, O_SERVER },
		{ "size", required_argument, NULL, O_SIZE },
		{ "rate", required_argument, NULL, O_RATE },
		{ "count", required_argument, NULL, O_COUNT },
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "queues", required_argument, NULL, O_QUEUES },
		{ "flows", required_argument, NULL, O_FLOWS },
		{ "queue-size", required_argument, NULL, O_QSIZE },
		{ "burst", required_argument, NULL, O_BURST },
		{ "packed", no_argument, NULL, O_PACKED },
		{ "mrg", required_argument, NULL, O_MRG },
		{ "event-idx", required_argument, NULL, O_EVIDX },
		{ "indirect", required_argument, NULL, O_INDIRECT },
		{ "in-order", required_argument, NULL, O_INORDER },
		{ "split-hdr", no_argument, NULL, O_SPLITHDR },
		{ "mode", required_argument, NULL, O_MODE },
		{ "src-mac", required_argument, NULL, O_SRCMAC },
		{ "dst-mac", required_argument, NULL, O_DSTMAC },
		{ "no-check", no_argument, NULL, O_NOCHECK },
		{ "reconnect", no_argument, NULL, O_RECONNECT },
		{ "dirty-log", no_argument, NULL, O_DIRTYLOG },
		{ "drain-ms", required_argument, NULL, O_DRAIN },
		{ "timeout-ms", required_argument, NULL, O_TIMEOUT },
		{ "cpu", required_argument, NULL, O_CPU },
		{ "json", no_argument, NULL, O_JSON },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "help", no_argument, NULL, O_HELP },
		{ "window", required_argument, NULL, O_WINDOW },
		{ NULL, 0, NULL, 0 },
	};
	const char *mode;
	int c;

	*o = (struct bench_opts){
		.size = 64, .queues = 1, .queue_size = 256, .burst = 32, .flows = 1,
		.mrg = true, .event_idx = true, .indirect = true, .check = true,
		.src_mac = { 0x02, 0, 0, 0, 0, 0x01 }, .dst_mac = { 0x02, 0, 0, 0, 0, 0x02 },
		.cpu = -1, .drain_ms = 1000, .timeout_ms = 10000,
	};
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		exit(0);
	}
	if (argc < 2 || argv[1][0] == '-') {
		usage(stderr);
		exit(2);
	}
	mode = argv[1];
	if (!strcmp(mode, "tx"))
		o->mode = MODE_TX;
	else if (!strcmp(mode, "rx"))
		o->mode = MODE_RX;
	else if (!strcmp(mode, "loop"))
		o->mode = MODE_LOOP;
	else
		die(2, "'%s' is not a mode: tx, rx or loop (--help)", mode);
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_PATH: o->path = optarg; break;
		case O_TX_PATH: o->tx_path = optarg; break;
		case O_RX_PATH: o->rx_path = optarg; break;
		case O_SERVER: o->server = true; break;
		case O_SIZE: o->size = (unsigned)parse_u64("--size", optarg, MIN_SIZE, MAX_SIZE); break;
		case O_RATE: o->rate = parse_double("--rate", optarg); break;
		case O_COUNT: o->count = parse_u64("--count", optarg, 1, UINT64_MAX / 2); break;
		case O_SECONDS: o->seconds = parse_double("--seconds", optarg); break;
		case O_QUEUES:
			o->queues = (unsigned)parse_u64("--queues", optarg, 1, VU_FE_MAX_QUEUE_PAIRS);
			break;
		case O_FLOWS: o->flows = (unsigned)parse_u64("--flows", optarg, 1, 128); break;
		case O_QSIZE: o->queue_size = (unsigned)parse_u64("--queue-size", optarg, 8, 32768); break;
		case O_BURST: o->burst = (unsigned)parse_u64("--burst", optarg, 1, MAX_BURST); break;
		case O_PACKED: o->packed = true; break;
		case O_MRG:
			if (!parse_onoff(optarg, &o->mrg))
				die(2, "--mrg: '%s' is not on or off", optarg);
			break;
		case O_EVIDX:
			if (!parse_onoff(optarg, &o->event_idx))
				die(2, "--event-idx: '%s' is not on or off", optarg);
			break;
		case O_INDIRECT:
			if (!parse_onoff(optarg, &o->indirect))
				die(2, "--indirect: '%s' is not on or off", optarg);
			break;
		case O_INORDER:
			if (!parse_onoff(optarg, &o->in_order))
				die(2, "--in-order: '%s' is not on or off", optarg);
			break;
		case O_SPLITHDR: o->split_hdr = true; break;
		case O_MODE:
			if (!strcmp(optarg, "poll"))
				o->event_mode = false;
			else if (!strcmp(optarg, "event"))
				o->event_mode = true;
			else
				die(2, "--mode: '%s' is not poll or event", optarg);
			break;
		case O_SRCMAC:
			if (!parse_mac(optarg, o->src_mac))
				die(2, "--src-mac: '%s' is not a MAC address", optarg);
			break;
		case O_DSTMAC:
			if (!parse_mac(optarg, o->dst_mac))
				die(2, "--dst-mac: '%s' is not a MAC address", optarg);
			break;
		case O_NOCHECK: o->check = false; break;
		case O_RECONNECT: o->reconnect = true; break;
		case O_DIRTYLOG: o->dirty_log = true; break;
		case O_DRAIN: o->drain_ms = (int)parse_u64("--drain-ms", optarg, 0, 600000); break;
		case O_TIMEOUT: o->timeout_ms = (int)parse_u64("--timeout-ms", optarg, 1, 3600000); break;
		case O_CPU: o->cpu = (int)parse_u64("--cpu", optarg, 0, CPU_SETSIZE - 1); break;
		case O_JSON: o->json = true; break;
		case O_QUIET: o->quiet = true; break;
		case O_HELP: usage(stdout); exit(0);
		case O_WINDOW: o->window = (unsigned)parse_u64("--window", optarg, 1, 1u << 20); break;
		default: usage(stderr); exit(2);
		}
	}
	if (optind < argc)
		die(2, "unexpected argument '%s' (--help)", argv[optind]);
	if (o->mode == MODE_LOOP) {
		if (!o->tx_path || !o->rx_path || o->path)
			die(2, "loop needs --tx-path and --rx-path (and no --path)");
		if (!strcmp(o->tx_path, o->rx_path))
			die(2, "--tx-path and --rx-path name the same socket");
	} else if (!o->path || o->tx_path || o->rx_path) {
		die(2, "%s needs --path (--tx-path and --rx-path are for loop)", mode);
	}
	if (o->window && o->mode != MODE_LOOP)
		die(2, "--window is for loop");
	if (!o->count && !o->seconds && o->mode != MODE_RX)
		o->seconds = 10;
	if (o->flows * o->queues > MAX_FLOWS)
		die(2, "--flows: at most %d flows in all", MAX_FLOWS);
	if (!o->packed && (o->queue_size & (o->queue_size - 1)))
		die(2, "--queue-size: %u is not a power of two (split rings; --packed takes any)",
		    o->queue_size);
	if (!memcmp(o->src_mac, o->dst_mac, 6) || (o->src_mac[0] & 1) || (o->dst_mac[0] & 1))
		die(2, "--src-mac and --dst-mac must be two different unicast addresses");
}
