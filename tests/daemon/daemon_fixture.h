/* SPDX-License-Identifier: MIT */
/*
 * What the daemon tests share: a fake port kind ("fake": no
 * queues, one option colour=, describe() adds "colour", creations and
 * destructions counted), a daemon started in a temporary directory (one
 * event-mode worker, no pinning), and requests sent through
 * verbs_execute() as NULL-terminated word lists.
 */
#ifndef UVNET_TESTS_DAEMON_FIXTURE_H
#define UVNET_TESTS_DAEMON_FIXTURE_H

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>

#include "daemon/daemon.h"

extern unsigned fake_created, fake_destroyed;

/* Register the fake kind (once per program). */
void fake_kind_register(void);

struct fixture {
	char dir[64];               /* mkdtemp */
	char control[PATH_MAX], state[PATH_MAX];
	struct daemon *d;
};

/* A fresh temporary directory; no daemon yet. */
void fixture_init(struct fixture *f);
/* daemon_start() on f->control and f->state. */
struct daemon *fixture_start(struct fixture *f);
void fixture_stop(struct fixture *f);
/* Stop the daemon if running, remove the directory, its files and empty
 * directories. */
void fixture_fini(struct fixture *f);
/*
 * cmocka setup/teardown around one fixture in *state: the fake kind
 * registered, its counters zeroed, a fresh directory and (fixture_setup)
 * a started daemon or (fixture_setup_stopped) none yet.
 */
int fixture_setup(void **state);
int fixture_setup_stopped(void **state);
int fixture_teardown(void **state);

/* The daemon of the fixture in *state. */
static inline struct daemon *fixture_daemon(void **state)
{
	return ((struct fixture *)*state)->d;
}

/* dir/name into buf. */
void fixture_path(const struct fixture *f, const char *name, char *buf, size_t len);

/* The reply to the request made of the words (NULL-terminated); the
 * caller puts it. */
struct json_object *request(struct daemon *d, const char *w0, ...);
struct json_object *request_words(struct daemon *d, const char *const *w, unsigned n);
/* A request that must succeed: its result as compact JSON text (malloc'd). */
char *ok_(const char *where, struct daemon *d, const char *w0, ...);
/* A request that must fail with exactly msg. */
void fails_(const char *where, struct daemon *d, const char *msg, const char *w0, ...);

#define FIX_STR2(x) #x
#define FIX_STR(x) FIX_STR2(x)
#define FIX_WHERE __FILE__ ":" FIX_STR(__LINE__)
/* OK(d, "add-br", "br0"): the result text, freed here. */
#define OK(d, ...) free(ok_(FIX_WHERE, (d), __VA_ARGS__, NULL))
/* RESULT(d, ...): the result text, the caller frees it. */
#define RESULT(d, ...) ok_(FIX_WHERE, (d), __VA_ARGS__, NULL)
#define FAILS(d, msg, ...) fails_(FIX_WHERE, (d), (msg), __VA_ARGS__, NULL)

/* Compact JSON text of o (malloc'd). */
char *json_text(struct json_object *o);
/* The whole file (malloc'd), or NULL if it cannot be read. */
char *read_text(const char *path);
void write_text(const char *path, const char *text);

#endif
