/* SPDX-License-Identifier: MIT */
/*
 * owner=, group=, perm= of a vhost-user server socket (port/sock_owner.c,
 * util/account.c, parse_octal_mode()) on any words.  Input: a mode byte
 * (bit 0: server mode), then up to PORT_MAX_OPTS lines "key=value".
 * Checked:
 *  - a refusal names its key first ("owner: ..."), with a message;
 *  - an accepted perm= is at most 0777 and is what the octal digits say;
 *  - an accepted owner=/group= is never (uid_t)-1 / (gid_t)-1, which
 *    chown() reads as "no change";
 *  - a port in client mode accepts none of them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/sock_owner.h"

static char words[PORT_MAX_OPTS][256];

static unsigned split(const uint8_t *p, size_t n, struct port_opts *o)
{
	unsigned k = 0;

	o->n = 0;
	while (n && k < PORT_MAX_OPTS) {
		const uint8_t *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) : n;
		char *eq;

		snprintf(words[k], sizeof(words[k]), "%.*s", (int)(len < 255 ? len : 255), (const char *)p);
		p += len + (nl ? 1 : 0);
		n -= len + (nl ? 1 : 0);
		eq = strchr(words[k], '=');
		if (!eq || eq == words[k] || (size_t)(eq - words[k]) >= sizeof(o->kv[0].key))
			continue;
		*eq = '\0';
		snprintf(o->kv[o->n].key, sizeof(o->kv[0].key), "%s", words[k]);
		o->kv[o->n].value = eq + 1;
		o->kv[o->n].used = false;
		o->n++;
		k++;
	}
	return o->n;
}

static const char *value(const struct port_opts *o, const char *key)
{
	for (unsigned i = 0; i < o->n; i++)
		if (!strcmp(o->kv[i].key, key))
			return o->kv[i].value;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct port_opts o;
	struct sock_owner so;
	struct error e = { 0 };
	bool server;
	int rc;

	if (size < 1)
		return 0;
	server = data[0] & 1;
	split(data + 1, size - 1, &o);
	rc = sock_owner_parse(&o, server, &so, &e);
	if (rc) {
		const char *colon = strchr(e.msg, ':');

		if (!e.msg[0] || !colon || colon == e.msg)
			abort();
		if (strncmp(e.msg, "owner", 5) && strncmp(e.msg, "group", 5) && strncmp(e.msg, "perm", 4))
			abort();
		return 0;
	}
	if (!server && (value(&o, "owner") || value(&o, "group") || value(&o, "perm")))
		abort();
	if (so.mode > 0777)
		abort();
	if (value(&o, "perm") && so.mode != (unsigned)strtoul(value(&o, "perm"), NULL, 8))
		abort();
	if ((value(&o, "owner") && so.uid == (uid_t)-1) || (value(&o, "group") && so.gid == (gid_t)-1))
		abort();
	return 0;
}
