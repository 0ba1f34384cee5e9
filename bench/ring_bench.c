/* SPDX-License-Identifier: MIT */
/*
 * Virtqueue round-trip benchmark: the driver adds a buffer, the device pops
 * it and returns it used, the driver reclaims it.  Split vs packed, batch
 * sizes 1/8/32, in one thread and across two threads pinned to two cores
 * (busy-polling, as a vhost worker and a poll-mode driver would).  Reports
 * the median of repeated runs in millions of descriptors per second.
 *
 * usage: ring-bench [--runs N] [--count N] [--size N] [--csv]
 */
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ring_fixture.h"

struct run {
	struct ring_fixture f;
	unsigned batch;
	unsigned long count;
	volatile int stop;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % (int)sysconf(_SC_NPROCESSORS_ONLN), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Driver: keep the ring full in batches, reclaim whatever came back. */
static unsigned long drive(struct run *r, unsigned long limit, bool once)
{
	struct vq_buf b = { rf_gpa(&r->f, r->f.data), 64 };
	unsigned long added = 0, done = 0;
	void *tok[32];
	uint32_t len[32];

	while (done < limit) {
		unsigned n = 0;

		while (n < r->batch && added < limit &&
		       vq_drv_add(&r->f.drv, &b, 1, NULL, 0, (void *)1) == 0) {
			n++;
			added++;
		}
		vq_drv_publish(&r->f.drv);
		if (once) { /* single thread: play the device right here */
			struct vq_chain c[32];
			int got = vq_dev_pop_burst(&r->f.dev, c, r->batch);

			for (int i = 0; i < got; i++)
				vq_dev_push(&r->f.dev, c[i].id, c[i].ndesc, 0);
			vq_dev_flush(&r->f.dev);
		}
		int got = vq_drv_get_used(&r->f.drv, tok, len, r->batch);
		if (got < 0)
			abort();
		done += (unsigned long)got;
	}
	return done;
}

static void *device_thread(void *arg)
{
	struct run *r = arg;
	static __thread struct vq_chain c[32];

	pin(1);
	while (!r->stop) {
		int got = vq_dev_pop_burst(&r->f.dev, c, r->batch);

		if (got < 0)
			abort();
		for (int i = 0; i < got; i++)
			vq_dev_push(&r->f.dev, c[i].id, c[i].ndesc, 0);
		vq_dev_flush(&r->f.dev);
	}
	return NULL;
}

static double one_run(enum vq_layout layout, unsigned size, unsigned batch,
		      bool threads, unsigned long count)
{
	struct run r = { .batch = batch, .count = count };
	uint64_t feat = layout == VQ_PACKED ? F_PACKED : 0;
	pthread_t dev;
	double t0, t1;

	if (rf_init(&r.f, layout, size, feat, 4096)) {
		fprintf(stderr, "ring-bench: cannot set up a %u-entry ring\n", size);
		exit(1);
	}
	pin(0);
	if (threads)
		pthread_create(&dev, NULL, device_thread, &r);
	t0 = now();
	drive(&r, count, !threads);
	t1 = now();
	if (threads) {
		r.stop = 1;
		pthread_join(dev, NULL);
	}
	rf_fini(&r.f);
	return count / (t1 - t0) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void usage(FILE *to)
{
	fprintf(to, "usage: ring-bench [--runs N] [--count N] [--size N] [--csv]\n"
		    "  --runs N   repetitions per case, median reported (default 5)\n"
		    "  --count N  descriptors per run (default 4000000)\n"
		    "  --size N   queue size (default 256)\n"
		    "  --csv      print CSV instead of a table\n");
}

static unsigned long number(const char *s, const char *opt)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (end == s || *end) {
		fprintf(stderr, "ring-bench: %s: '%s' is not a number\n", opt, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "csv", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned runs = 5, size = 256;
	unsigned long count = 4000000;
	bool csv = false;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'r': runs = (unsigned)number(optarg, "--runs"); break;
		case 'c': count = number(optarg, "--count"); break;
		case 's': size = (unsigned)number(optarg, "--size"); break;
		case 'v': csv = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (runs == 0 || runs > 101 || count == 0 || !vq_size_valid(VQ_SPLIT, size)) {
		fprintf(stderr, "ring-bench: runs must be 1..101, count > 0, size a power of two up to 32768\n");
		return 2;
	}
	printf(csv ? "mode,layout,batch,median_mdesc_s,min,max\n"
		   : "%-8s %-7s %5s %12s %10s %10s\n", "mode", "layout", "batch",
	       "median Md/s", "min", "max");
	for (int threads = 0; threads <= 1; threads++)
		for (int layout = VQ_SPLIT; layout <= VQ_PACKED; layout++)
			for (unsigned batch = 1; batch <= 32; batch *= batch == 1 ? 8 : 4) {
				double v[101];

				for (unsigned i = 0; i < runs; i++)
					v[i] = one_run(layout, size, batch, threads, count);
				qsort(v, runs, sizeof(v[0]), cmp_double);
				printf(csv ? "%s,%s,%u,%.2f,%.2f,%.2f\n" : "%-8s %-7s %5u %12.2f %10.2f %10.2f\n",
				       threads ? "2-thread" : "1-thread", layout == VQ_SPLIT ? "split" : "packed",
				       batch, v[runs / 2], v[0], v[runs - 1]);
				fflush(stdout);
			}
	return 0;
}
