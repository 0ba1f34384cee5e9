/* SPDX-License-Identifier: MIT */
/*
 * A started network's socket directory, RUN_DIR/net/NAME/ (RUN_DIR: the
 * control socket's directory), group socket-group, mode 2770: the front
 * door for front-ends that make their own vhost-user socket (QEMU with
 * libvirt's <source type='unix' path='.../vm1.sock' mode='server'/>).
 *
 * A socket file NAME.sock made there becomes a vhost-user port NAME in
 * client mode on the network's bridge, owned by the network (so not kept
 * in the state file: a restarted uvnetd finds the files again), with
 * port-security=network:learn unless the network says
 * socket-port-security=off.  The port
 * goes when the file does (inotify, on the control thread's loop), or
 * when its front-end is gone and the file stale: nobody listens on it
 * (a SIGKILLed QEMU leaves its file).  What is refused - not a socket,
 * not NAME.sock with a valid port name, a name another port has, more
 * than SOCKDIR_MAX_PORTS - is logged by name, at most a few lines a
 * second.  Control thread only.
 */
#ifndef UVNET_DAEMON_SOCKDIR_H
#define UVNET_DAEMON_SOCKDIR_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "port/port.h"
#include "util/error.h"

struct daemon;

#define SOCKDIR_MAX_PORTS 128
/* A port whose front-end never answered is given up after this long
 * (a stale file found at start, a front-end that never listened). */
#define SOCKDIR_GRACE_MS 3000

struct sockdir_port {
	char name[PORT_NAME_MAX];
	uint64_t since_ms;          /* attached at */
	bool seen_up;               /* its front-end was connected once */
};

struct sockdir {
	struct daemon *d;
	const char *net;            /* the network's name: bridge and owner */
	bool learn;                 /* its ports get port-security=network:learn */
	char path[PATH_MAX];        /* RUN_DIR/net/NAME, absolute */
	int dir_fd;                 /* the directory; -1: not started */
	int ifd;                    /* inotify watching it; -1: not (any more) */
	unsigned nports;
	struct sockdir_port ports[SOCKDIR_MAX_PORTS];
	unsigned logged;            /* refusals logged this second */
	unsigned unlogged;          /* and not logged */
};

/* Make (or take over) the directory with group gid and watch it; nothing
 * attached yet.  run_dir: where the control socket is; learn: the ports
 * lock on their guest's first MAC (port-security=network:learn). */
int sockdir_start(struct sockdir *sd, struct daemon *d, const char *net, const char *run_dir,
		  gid_t gid, bool learn, struct error *e);
/* Attach every socket already there (at start, and after an inotify
 * overflow); forget ports whose file is gone. */
void sockdir_scan(struct sockdir *sd);
/* Once a second: remove the ports whose front-end is gone. */
void sockdir_tick(struct sockdir *sd);
/* Remove the ports and stop watching; remove_dir: the files in the
 * directory and the directory too (net-stop; a daemon that exits keeps
 * them for the next one). */
void sockdir_stop(struct sockdir *sd, bool remove_dir);

#endif
