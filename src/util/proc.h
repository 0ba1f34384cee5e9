/* SPDX-License-Identifier: MIT */
/* Facts about other processes, read from /proc. */
#ifndef UVNET_UTIL_PROC_H
#define UVNET_UTIL_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/* pid runs: it exists and is not a zombie (whose parent may be slow to
 * reap it).  False for pid <= 0. */
bool proc_alive(pid_t pid);

/* When pid started (clock ticks after boot, /proc/PID/stat field 22): with
 * the pid it names one process for good, as a reused pid starts later.
 * 0 when pid does not exist. */
unsigned long long proc_start_time(pid_t pid);

#endif
