/* SPDX-License-Identifier: MIT */
/*
 * `uvnet-vm console NAME`: attach this terminal (or stdin/stdout) to a
 * running VM's serial console, the socket QEMU serves as RUN-DIR/NAME.console.
 * On a terminal: raw mode, Ctrl-] leaves.  Without one: stdin goes to the
 * guest, and the command leaves 1 s after stdin ended and the console went
 * quiet.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "tools/vm.h"
#include "tools/vm_record.h"
#include "util/proc.h"

#define CTRL_RIGHT_BRACKET 0x1d

static struct termios saved_tio;

static void restore_tty(void)
{
	tcsetattr(0, TCSANOW, &saved_tio);
}

static void raw_tty(const char *name)
{
	struct termios raw;

	tcgetattr(0, &saved_tio);
	raw = saved_tio;
	cfmakeraw(&raw);
	tcsetattr(0, TCSANOW, &raw);
	atexit(restore_tty);
	fprintf(stderr, "Connected to %s's console; Ctrl-] leaves.\r\n", name);
}

/* The console socket of the running VM name (dies when there is none). */
static int connect_console(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct json_object *rec = valid_name(name) ? vm_record_read(name) : NULL;
	bool running = rec && proc_alive(jint(rec, "pid"));
	int fd;

	if (running)
		fmt(sa.sun_path, sizeof(sa.sun_path), "%s", jstr(rec, "console"));
	json_object_put(rec);
	if (!running)
		die(1, "console: no running VM named %s in %s", name, vm_run_dir);
	if (!sa.sun_path[0])
		die(1, "console: %s's console is the terminal it was started from", name);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die(1, "console: cannot connect to %s: %s", sa.sun_path, strerror(errno));
	return fd;
}

/* Copy between the console and stdin/stdout until either ends. */
static void relay(int fd, bool tty)
{
	for (bool in_open = true;;) {
		struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
		int n_ready = poll(pfd, in_open ? 2 : 1, in_open ? -1 : 1000);
		char buf[4096];
		ssize_t n;

		if (n_ready < 0 && errno != EINTR)
			break;
		if (!n_ready)
			break; /* stdin ended and the guest has been quiet for a second */
		if (pfd[0].revents) {
			n = read(fd, buf, sizeof(buf));
			if (n <= 0 || write(1, buf, (size_t)n) != n)
				break;
		}
		if (in_open && pfd[1].revents) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0) {
				in_open = false; /* stdin ended: print what still comes */
				continue;
			}
			if (tty && memchr(buf, CTRL_RIGHT_BRACKET, (size_t)n))
				break;
			if (write(fd, buf, (size_t)n) != n)
				break;
		}
	}
}

int cmd_console(int argc, char **argv)
{
	bool tty = isatty(0);
	int fd;

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		usage(stdout, "console");
		return 0;
	}
	if (argc != 2)
		die(2, "console: usage: console NAME");
	fd = connect_console(argv[1]);
	if (tty)
		raw_tty(argv[1]);
	relay(fd, tty);
	if (tty)
		fprintf(stderr, "\r\n");
	close(fd);
	return 0;
}
