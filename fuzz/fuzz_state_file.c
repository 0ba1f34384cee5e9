/* SPDX-License-Identifier: MIT */
/*
 * The state-file loader on arbitrary file content: daemon_load_state()
 * replays whatever a state file holds (networks, bridges, the add-port
 * words of ports) through the daemon API.  A file that is not a state
 * file, or an ill-typed one, must be refused with a reason and set aside
 * (STATE.corrupt-TIME), never crash the daemon or leak.  See fuzz_daemon.h
 * for the sandbox.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "fuzz_daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon *d;
	struct error e;
	int fd;

	if (!fuzz_daemon_input_ok(data, size))
		return 0;
	d = fuzz_daemon();
	d->state_path = "state";
	fd = open("state", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (daemon_load_state(d, &e) && !e.msg[0])
		abort(); /* a refusal says why */
	d->state_path = NULL;
	fuzz_daemon_reset(d);
	return 0;
}
