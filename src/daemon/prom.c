/* SPDX-License-Identifier: MIT */
/* The Prometheus text format, 0.0.4 (prom.h). */
#include "daemon/prom.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void prom_init(struct prom *p)
{
	*p = (struct prom){ 0 };
}

/* Room for n more bytes and a NUL. */
static bool reserve(struct prom *p, size_t n)
{
	size_t cap = p->cap ? p->cap : 4096;
	char *b;

	if (p->failed)
		return false;
	while (cap < p->len + n + 1)
		cap *= 2;
	if (cap == p->cap)
		return true;
	b = realloc(p->buf, cap);
	if (!b) {
		p->failed = true;
		return false;
	}
	p->buf = b;
	p->cap = cap;
	return true;
}

static void put(struct prom *p, const char *s, size_t n)
{
	if (!reserve(p, n))
		return;
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
}

static void puts_(struct prom *p, const char *s)
{
	put(p, s, strlen(s));
}

/* s with \, newline (and " in a label value) escaped. */
static void escaped(struct prom *p, const char *s, bool quote)
{
	for (; *s; s++) {
		size_t run = strcspn(s, quote ? "\\\n\"" : "\\\n");

		put(p, s, run);
		s += run;
		if (!*s)
			return;
		put(p, *s == '\n' ? "\\n" : *s == '"' ? "\\\"" : "\\\\", 2);
	}
}

void prom_family(struct prom *p, const char *name, const char *type, const char *help)
{
	p->family = name;
	puts_(p, "# HELP ");
	puts_(p, name);
	puts_(p, " ");
	escaped(p, help, false);
	puts_(p, "\n# TYPE ");
	puts_(p, name);
	puts_(p, " ");
	puts_(p, type);
	puts_(p, "\n");
}

void prom_sample(struct prom *p, const struct prom_label *labels, unsigned n, uint64_t value)
{
	char num[24];

	puts_(p, p->family);
	for (unsigned i = 0; i < n; i++) {
		puts_(p, i ? "," : "{");
		puts_(p, labels[i].name);
		puts_(p, "=\"");
		escaped(p, labels[i].value, true);
		puts_(p, "\"");
	}
	snprintf(num, sizeof(num), "%s%" PRIu64 "\n", n ? "} " : " ", value);
	puts_(p, num);
}

char *prom_finish(struct prom *p, size_t *len)
{
	char *out = p->buf;

	if (p->failed || !reserve(p, 0)) {
		free(p->buf);
		*p = (struct prom){ 0 };
		return NULL;
	}
	*len = p->len;
	*p = (struct prom){ 0 };
	return out;
}
