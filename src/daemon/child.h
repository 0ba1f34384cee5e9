/* SPDX-License-Identifier: MIT */
/*
 * Child processes uvnetd runs (nft, dnsmasq): found in the system's
 * program directories, started with a clean signal state and tied to
 * uvnetd's life, reaped, and stopped politely then firmly.
 */
#ifndef UVNET_DAEMON_CHILD_H
#define UVNET_DAEMON_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* The first executable NAME in /usr/sbin, /sbin, /usr/bin, /bin,
 * /usr/local/{sbin,bin}, written to buf; NULL if none. */
const char *child_find_prog(const char *name, char *buf, size_t len);

/* fork + exec argv with stdin = in, stdout = stderr = out, default signal
 * dispositions and mask, SIGTERM when uvnetd dies, optionally its own
 * session.  The child's pid, or -errno. */
pid_t child_spawn(char *const argv[], int in, int out, bool own_session);

/* waitpid, through EINTR; status may be NULL. */
void child_reap(pid_t pid, int *status);

/* SIGTERM, up to term_ms for it to exit, then SIGKILL; reaps it. */
void child_stop(pid_t pid, unsigned term_ms);

/* Does process pid run with this exact argument? */
bool child_has_arg(pid_t pid, const char *arg);

/* Run argv with `input` on its stdin; its output (the first bytes of it)
 * goes to out.  0 if it exited 0, else -1 with e saying how it failed
 * ("NAME: ..." and the first line of its output with "Error" in it). */
int child_run(char *const argv[], const char *input, char *out, size_t outlen, struct error *e);

#endif
