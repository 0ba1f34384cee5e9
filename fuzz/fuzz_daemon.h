/* SPDX-License-Identifier: MIT */
/*
 * What the daemon fuzz targets share: one struct daemon (one worker, no
 * control socket, no state file unless the target sets one), started once
 * in a sandbox, and emptied after every input.
 *
 * The sandbox: a network namespace of its own (taps, packet sockets, vxlan
 * endpoints a request makes live and die there) and a mount namespace in
 * which /usr/sbin and /sbin are empty, so net-start finds no nft and no
 * dnsmasq and never spawns a process.  While an input runs, the working
 * directory is a fresh temporary one, and inputs holding '/' or '\' are
 * skipped: a path in a request (a vhost-user socket) can only name a file
 * in it.
 */
#ifndef UVNET_FUZZ_DAEMON_H
#define UVNET_FUZZ_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct daemon;

/* The daemon, set up on the first call (exits if the sandbox cannot be
 * made: fuzzing outside it could touch the host); the working directory
 * is the temporary one until fuzz_daemon_reset(). */
struct daemon *fuzz_daemon(void);

/* Every network, bridge and port gone; the temporary directory empty; back
 * in the directory the fuzzer started in. */
void fuzz_daemon_reset(struct daemon *d);

/* May this input be run (no path separators, see above)? */
bool fuzz_daemon_input_ok(const uint8_t *data, size_t size);

#endif
