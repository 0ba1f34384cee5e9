/* SPDX-License-Identifier: MIT */
/*
 * util/io.h's io_send_some() on a socketpair: it sends until the socket
 * is full and says so, goes on from where it stopped, and reports a
 * closed peer as an error, without SIGPIPE.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/io.h"

static void send_some_stops_when_full_and_goes_on_from_there(void **state)
{
	enum { LEN = 1 << 22 };
	char *buf = calloc(1, LEN), sink[65536];
	size_t off = 0, got = 0;
	int sv[2];

	(void)state;
	assert_non_null(buf);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(io_send_some(sv[0], buf, LEN, &off), 0); /* 4 MiB: more than it holds */
	assert_true(off > 0 && off < LEN);
	while (got < LEN) {
		ssize_t r = read(sv[1], sink, sizeof(sink));

		if (r > 0)
			got += (size_t)r;
		else
			assert_true(io_send_some(sv[0], buf, LEN, &off) >= 0);
	}
	assert_int_equal(off, LEN);
	assert_int_equal(io_send_some(sv[0], buf, LEN, &off), 1); /* nothing left */
	close(sv[1]);
	off = 0;
	assert_int_equal(io_send_some(sv[0], buf, 16, &off), -EPIPE);
	close(sv[0]);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(send_some_stops_when_full_and_goes_on_from_there),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
