/* SPDX-License-Identifier: MIT */
/*
 * What every part of uvnet-vm shares: its messages, the settings that hold
 * for the whole run (the control socket), small JSON and name helpers, where
 * the guest scripts and the cache are, and the commands that live in files
 * of their own.  The run directory and its records: vm_record.h; QEMU and
 * its monitor: vm_qemu.h.
 */
#ifndef UVNET_TOOLS_VM_H
#define UVNET_TOOLS_VM_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define VM_NAME_MAX_LEN 28      /* the port is "vm-" NAME: at most 31 characters */

/* uvnetd's control socket (--control); default CONTROL_DEFAULT_SOCKET. */
extern const char *vm_control;

/* "uvnet-vm: MESSAGE" on stderr; die() then exits with status. */
void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* snprintf that says whether everything fitted. */
bool fmt(char *buf, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));

/* o[key] as a string ("" when missing) and as an int (0 when missing). */
const char *jstr(struct json_object *o, const char *key);
int jint(struct json_object *o, const char *key);

/* 1-VM_NAME_MAX_LEN of A-Z a-z 0-9 - _ . */
bool valid_name(const char *s);

/* scripts/guest/SCRIPT: from $UVNET_GUEST_SCRIPTS, the source tree this was
 * built from, or next to the binary.  False when none is executable. */
bool find_guest_script(const char *script, char *out, size_t len);

/* $UVNET_CACHE, else /var/cache/uvnet: the built guest, the accel probe. */
const char *cache_dir(void);

/* COMMAND's part of --help (all of it for NULL) on `to`. */
void usage(FILE *to, const char *command);

/* The commands with files of their own; argv[0] is the command. */
int cmd_run(int argc, char **argv);      /* vm_run.c */
int cmd_console(int argc, char **argv);  /* vm_console.c */
int cmd_migrate(int argc, char **argv);  /* vm_migrate.c */

/* In a `run`, on SIGUSR2 (`migrate` asked for it): live-migrate the VM to
 * a new QEMU on a new port; vm follows it when it worked (vm_migrate.c). */
struct vm;
void vm_migrate_serve(struct vm *vm);

#endif
