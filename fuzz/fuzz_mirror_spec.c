/* SPDX-License-Identifier: MIT */
/*
 * add-mirror's words (switch/mirror.c) from anyone: the input is cut into
 * words at NUL bytes (at most 8), the first one the name.  Nothing may
 * crash or read past a word; a mirror the parser takes has an output, a
 * selection, no port twice in a list and not its output among them, only
 * valid names; and its words (mirror_spec_words) parse back to the same
 * mirror.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "switch/mirror.h"

#define MAX_WORDS 8

static void check_names(char (*list)[PORT_NAME_MAX], unsigned n, const char *output)
{
	for (unsigned i = 0; i < n; i++) {
		if (!list[i][0] || strlen(list[i]) >= PORT_NAME_MAX || !strcmp(list[i], output))
			abort();
		for (unsigned k = 0; k < i; k++)
			if (!strcmp(list[i], list[k]))
				abort();
	}
}

static void round_trip(const struct mirror_spec *m)
{
	struct mirror_spec again;
	const char *words[5] = { m->name };
	struct error e;
	char *w[4];
	int n = mirror_spec_words(m, w);

	if (n < 0)
		return;
	for (int i = 0; i < n; i++)
		words[i + 1] = w[i];
	if (mirror_spec_parse(&again, words, (unsigned)n + 1, &e) || memcmp(&again, m, sizeof(again)))
		abort();
	for (int i = 0; i < n; i++)
		free(w[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *p;
	const char *w[MAX_WORDS];
	struct mirror_spec *m = malloc(sizeof(*m));
	struct error e;
	unsigned n = 0;

	memcpy(text, data, size);
	text[size] = '\0';
	for (p = text; n < MAX_WORDS && p <= text + size; p += strlen(p) + 1)
		w[n++] = p;
	if (!mirror_spec_parse(m, w, n, &e)) {
		if (!m->output[0] || (!m->nsrc && !m->ndst))
			abort();
		check_names(m->src, m->nsrc, m->output);
		check_names(m->dst, m->ndst, m->output);
		round_trip(m);
	} else if (!e.msg[0] || e.code >= 0) {
		abort();
	}
	free(m);
	free(text);
	return 0;
}
