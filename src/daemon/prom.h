/* SPDX-License-Identifier: MIT */
/*
 * Writing the Prometheus text exposition format, version 0.0.4: a family
 * is "# HELP name text" and "# TYPE name counter|gauge" followed by its
 * samples, "name{label="value",...} number".  Label values are escaped
 * as the format says (backslash, double quote and newline as \\, \" and
 * \n); help text escapes backslash and newline.  Output goes to a buffer
 * that grows; a failed allocation is remembered and the text is then
 * refused whole (prom_finish() returns NULL), never cut silently.
 */
#ifndef UVNET_DAEMON_PROM_H
#define UVNET_DAEMON_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define PROM_MAX_LABELS 4

struct prom {
	char *buf;
	size_t len, cap;
	bool failed;             /* out of memory at some point */
	const char *family;      /* the current family's name */
};

/* A label: name (a fixed identifier) and value (anything). */
struct prom_label {
	const char *name, *value;
};

void prom_init(struct prom *p);
/* Start a family; type "counter" or "gauge". */
void prom_family(struct prom *p, const char *name, const char *type, const char *help);
/* A sample of the current family with n labels. */
void prom_sample(struct prom *p, const struct prom_label *labels, unsigned n, uint64_t value);
/* The text (NUL-terminated, malloc'd, *len bytes) and the buffer handed
 * over; NULL if an allocation failed (the buffer is freed then). */
char *prom_finish(struct prom *p, size_t *len);

#endif
