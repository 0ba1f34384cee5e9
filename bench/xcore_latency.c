/* SPDX-License-Identifier: MIT */
/*
 * How long a cache line takes to travel between two CPUs: two threads,
 * one per CPU, hand a flag back and forth; prints the one-way time in ns.
 *
 * bench/pps runs it once a second beside the contender: on a VM, whether
 * the two vCPUs share a last-level cache can change from one second to
 * the next (the host moves them), and a forwarder that polls rings written
 * on the other CPU runs at a different speed in each case.  It runs under
 * SCHED_FIFO when allowed, so that the busy-polling processes on both CPUs
 * cannot stretch the measurement, and for at most two seconds.
 *
 * usage: xcore-latency CPU_A CPU_B [ROUND_TRIPS]
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Alignas(64) volatile int flag;
static long round_trips = 20000;

static void *pong(void *arg)
{
	(void)arg;
	for (long i = 0; i < round_trips; i++) {
		while (flag != 1)
			;
		flag = 0;
	}
	return NULL;
}

static int parse_cpu(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v >= 0 && v < CPU_SETSIZE ? (int)v : -1;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct sched_param prio = { .sched_priority = 1 };
	int a = argc > 2 ? parse_cpu(argv[1]) : -1, b = argc > 2 ? parse_cpu(argv[2]) : -1;
	pthread_attr_t attr;
	cpu_set_t set;
	pthread_t t;
	double t0;
	int err;

	if (argc > 3)
		round_trips = atol(argv[3]);
	if (a < 0 || b < 0 || a == b || round_trips < 1 || argc > 4) {
		fprintf(stderr, "usage: xcore-latency CPU_A CPU_B [ROUND_TRIPS]\n"
				"  prints the one-way cache-line transfer time between two CPUs in ns\n");
		return 2;
	}
	alarm(2); /* never spin on: a CPU that is not ours would hang both */
	sched_setscheduler(0, SCHED_FIFO, &prio); /* best effort (needs root) */
	/* the second thread starts on its own CPU: created on ours, a FIFO
	 * spinner here would keep it from ever running */
	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_INHERIT_SCHED);
	CPU_ZERO(&set);
	CPU_SET(b, &set);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	err = pthread_create(&t, &attr, pong, NULL);
	if (err) {
		fprintf(stderr, "xcore-latency: cannot start a thread on CPU %d: %s\n", b, strerror(err));
		return 1;
	}
	CPU_ZERO(&set);
	CPU_SET(a, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "xcore-latency: cannot run on CPU %d: %s\n", a, strerror(errno));
		return 1;
	}
	t0 = now_ns();
	for (long i = 0; i < round_trips; i++) {
		flag = 1;
		while (flag != 0)
			;
	}
	printf("%.0f\n", (now_ns() - t0) / round_trips / 2);
	pthread_join(t, NULL);
	return 0;
}
