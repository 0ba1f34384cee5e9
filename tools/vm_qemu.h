/* SPDX-License-Identifier: MIT */
/*
 * QEMU for a `uvnet-vm run`: the accelerator, the command line (shared
 * memfd memory, a vhost-user virtio-net-pci NIC on the port's socket, the
 * serial console on a socket or the terminal, a QMP monitor of ours),
 * starting it, and reading its monitor for the reason it stopped.
 */
#ifndef UVNET_TOOLS_VM_QEMU_H
#define UVNET_TOOLS_VM_QEMU_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define VM_MIN_MEM_MIB 128
#define VM_MAX_QUEUES 128 /* a vhost-user port's ceiling (port option queues=) */

/* What `run` was asked for (vm_run.c parses and checks it). */
struct run_opts {
	const char *name, *net, *kernel, *initrd, *cmdline, *disk, *console, *serial_log, *accel;
	const char *qemu;
	char disk_path[PATH_MAX];   /* --disk's PATH, without ",format=" */
	const char *disk_format;    /* raw (default) or qcow2: never guessed */
	const char *user;           /* --user: QEMU runs as this user; NULL: root */
	uid_t uid;
	gid_t gid;
	char netname[136];          /* --net's NETWORK, or ovn:LSP */
	char ovn_lsp[128];          /* --net ovn:LSP: the OVN logical port; "": a network */
	unsigned long long mem_mib;
	unsigned cpus, queues;
	char mac[18];
	bool no_port_security;      /* --net ...,port-security=off */
	char **extra;               /* after --: for QEMU as they are */
	int nextra;
};

/* One running VM: its port, files, QEMU and QEMU's monitor. */
struct vm {
	struct run_opts *o;
	char port[40], bridge[64], sock[PATH_MAX], cons[PATH_MAX], log[PATH_MAX], qmp[PATH_MAX];
	char lock_path[PATH_MAX];
	pid_t qemu;
	int qmp_fd;
	char qmp_buf[65536];
	size_t qmp_len;
	char reason[64];            /* the SHUTDOWN event's reason */
	bool port_added;
	const char *accel;          /* what QEMU runs with */
	bool tty;                   /* its console is this terminal */
	const char *incoming;       /* -incoming URI (a migration's destination) */
	bool log_append;            /* append to the console log, not truncate it */
	unsigned qmp_id;            /* the last id qmp_call() used */
};

/* kvm or tcg: given (--accel), $UVNET_ACCEL, pick-accel.sh's cached answer,
 * or pick-accel.sh itself (it boots a probe guest under KVM once: a
 * /dev/kvm that opens may still hang a real guest), else tcg. */
const char *pick_accel(const char *given);

/* s with every ',' doubled, as QEMU's option syntax reads a literal comma
 * (a path cannot add sub-options); false when it does not fit in out. */
bool qemu_escape(const char *s, char *out, size_t len);

/* The -sandbox QEMU always runs under (seccomp): no obsolete system calls,
 * no setuid/setgid, no fork/exec, no scheduler or affinity changes. */
#define QEMU_SANDBOX "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

/* Start QEMU for vm (console on this terminal when tty); its pid, or -1
 * with errno set when it could not be forked. */
pid_t start_qemu(struct vm *vm, const char *accel, bool tty);

/* Connect to QEMU's monitor (retrying while QEMU starts up). */
void qmp_connect(struct vm *vm);

/* Send {"execute": cmd} to the monitor, if connected. */
void qmp_send(struct vm *vm, const char *cmd);

/*
 * Run one QMP command (a JSON object without "id": one is added) and wait
 * up to timeout_ms for its answer, handling events meanwhile as
 * qmp_read() does.  Returns the "return" value (the caller puts it), or
 * NULL with why filled: the "error" description, a timeout, a lost
 * monitor.
 */
struct json_object *qmp_call(struct vm *vm, const char *cmd, const char *args_json,
			     int timeout_ms, char *why, size_t why_len);

/* Read what the monitor said; remember the reason of a SHUTDOWN event in
 * vm->reason.  Closes vm->qmp_fd (-1) at its end. */
void qmp_read(struct vm *vm);

#endif
