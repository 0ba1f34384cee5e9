/* SPDX-License-Identifier: MIT */
/*
 * The run directory (--run-dir; default: the control socket's directory +
 * /vms) and what uvnet-vm keeps there for each running VM: NAME.json (the
 * record: pids, port, files), NAME.lock (held by the `run` for as long as it
 * lives), NAME.sock (vhost-user), NAME.console (the serial console's
 * socket), NAME.log (the console log, unless --serial-log), NAME.qmp (QEMU's
 * monitor).
 */
#ifndef UVNET_TOOLS_VM_RECORD_H
#define UVNET_TOOLS_VM_RECORD_H

#include <json-c/json.h>
#include <stddef.h>

/* The run directory; "" until set or defaulted. */
extern char vm_run_dir[];

void vm_run_dir_set(const char *dir);

/* If no run directory was given: the control socket's directory + /vms. */
void vm_run_dir_default(const char *control);

/* Create the run directory and its parents (dies on failure). */
void vm_run_dir_create(void);

/* RUN-DIR/NAME.SUFFIX in buf (dies when it does not fit). */
void vm_path(char *buf, size_t len, const char *name, const char *suffix);

/* NAME.json, parsed; NULL when there is none. */
struct json_object *vm_record_read(const char *name);

/* Replace NAME.json with rec (says so on stderr when it cannot). */
void vm_record_write(const char *name, struct json_object *rec);

/* Remove NAME.json, NAME.qmp, NAME.console, NAME.lock, a migration's files
 * (NAME.m.qmp, NAME.m.console, NAME.migrate, NAME.migrate-req,
 * NAME.incoming) and NAME.d/ (--user's console and qmp). */
void vm_record_remove(const char *name);

#endif
