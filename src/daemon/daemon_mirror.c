/* SPDX-License-Identifier: MIT */
/*
 * The daemon's mirrors (add-mirror, del-mirror; switch/mirror.h for what
 * a mirror does).  The daemon keeps each mirror as the operator wrote it
 * (port names); whenever the mirrors of a bridge change, or a port they
 * name goes away, it builds the bridge's mirror table again from them and
 * publishes it whole (worker sync, then the old one freed).  A mirror
 * whose output port is deleted goes with it; a deleted selected port
 * leaves the select lists, and the mirror goes with the last one (a
 * mirror selects something, or add-mirror could not make it again from
 * the state file).  Each is logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "util/log.h"

LOG_MODULE("mirror");

static struct daemon_mirror *find(struct daemon *d, const struct daemon_bridge *br,
				  const char *name)
{
	for (unsigned i = 0; i < DAEMON_MAX_MIRRORS; i++)
		if (d->mirrors[i].spec && d->mirrors[i].br == br && !strcmp(d->mirrors[i].spec->name, name))
			return &d->mirrors[i];
	return NULL;
}

/* The slot of port `name` on br, or -1. */
static int slot_of(struct daemon *d, const struct daemon_bridge *br, const char *name)
{
	const struct daemon_port *dp = daemon_find_port(d, name);

	return dp && dp->br == br ? (int)dp->port->index : -1;
}

static void rule_from(struct daemon *d, const struct daemon_bridge *br, const struct mirror_spec *m,
		      struct mirror_rule *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	for (unsigned k = 0; k < m->nsrc; k++)
		if ((i = slot_of(d, br, m->src[k])) >= 0)
			mirror_set_bit(r->src, (unsigned)i);
	for (unsigned k = 0; k < m->ndst; k++)
		if ((i = slot_of(d, br, m->dst[k])) >= 0)
			mirror_set_bit(r->dst, (unsigned)i);
	r->some_vlans = m->some_vlans;
	memcpy(r->vlans, m->vlans, sizeof(r->vlans));
	r->out = (uint16_t)slot_of(d, br, m->output);
}

/* Build and publish br's table from its mirrors; ports that became an
 * output forget what was learned on them.  0 or -ENOMEM (the old table
 * stays). */
static int publish(struct daemon *d, struct daemon_bridge *br)
{
	struct mirror_table *t = calloc(1, sizeof(*t)), *old;

	if (!t)
		return -ENOMEM;
	for (unsigned i = 0; i < DAEMON_MAX_MIRRORS; i++) {
		struct mirror_rule *r = &t->rule[t->n];

		if (!d->mirrors[i].spec || d->mirrors[i].br != br)
			continue;
		rule_from(d, br, d->mirrors[i].spec, r);
		mirror_set_bit(t->outputs, r->out);
		t->n++;
	}
	if (!t->n) {
		free(t);
		t = NULL;
	}
	old = bridge_set_mirrors(br->sw, t);
	worker_pool_sync(&d->pool);
	free(old);
	for (unsigned i = 0; t && i < MIRROR_PORTS; i++)
		if (mirror_is_output(t, i))
			fdb_flush_port(br->sw->fdb, i);
	return 0;
}

/* Every port the mirror names is on br, and no port is both a mirror's
 * output and selected by a mirror of br.  0 or why not. */
static int check_ports(struct daemon *d, struct daemon_bridge *br, const struct mirror_spec *m,
		       struct error *e)
{
	const char *bad = NULL;

	for (unsigned k = 0; k < m->nsrc && !bad; k++)
		bad = slot_of(d, br, m->src[k]) < 0 ? m->src[k] : NULL;
	for (unsigned k = 0; k < m->ndst && !bad; k++)
		bad = slot_of(d, br, m->dst[k]) < 0 ? m->dst[k] : NULL;
	if (!bad && slot_of(d, br, m->output) < 0)
		bad = m->output;
	if (bad)
		return error_set(e, -ENOENT, "port: no port named %s on bridge %s", bad, br->sw->name);
	for (unsigned i = 0; i < DAEMON_MAX_MIRRORS; i++) {
		const struct mirror_spec *o = d->mirrors[i].spec;
		struct mirror_spec sel = *m;

		if (!o || d->mirrors[i].br != br)
			continue;
		sel.output[0] = '\0';
		if (mirror_spec_uses(&sel, o->output))
			return error_set(e, -EINVAL, "select: %s is the output of mirror %s", o->output,
					 o->name);
		sel = *o;
		sel.output[0] = '\0';
		if (mirror_spec_uses(&sel, m->output))
			return error_set(e, -EINVAL, "output: %s is selected by mirror %s", m->output,
					 o->name);
	}
	return 0;
}

int daemon_add_mirror(struct daemon *d, const char *bridge, const char *const *w, unsigned n,
		      struct error *e)
{
	struct daemon_bridge *br = daemon_find_bridge(d, bridge);
	struct daemon_mirror *slot = NULL;
	struct mirror_spec *m;
	unsigned on_bridge = 0;
	int rc;

	if (!br)
		return error_set(e, -ENOENT, "bridge: no bridge named %s", bridge);
	m = malloc(sizeof(*m));
	if (!m)
		return error_set(e, -ENOMEM, "mirror: out of memory");
	if ((rc = mirror_spec_parse(m, w, n, e)) || (rc = check_ports(d, br, m, e)))
		goto fail;
	for (unsigned i = 0; i < DAEMON_MAX_MIRRORS; i++) {
		if (!d->mirrors[i].spec && !slot)
			slot = &d->mirrors[i];
		on_bridge += d->mirrors[i].spec && d->mirrors[i].br == br;
	}
	rc = -EEXIST;
	if (find(d, br, m->name))
		error_set(e, rc, "mirror: %s already exists on %s", m->name, bridge);
	else if (!slot || on_bridge == MIRROR_MAX_PER_BRIDGE)
		rc = error_set(e, -ENOSPC, "mirror: %s has %d mirrors already (or the daemon %d)",
			       bridge, MIRROR_MAX_PER_BRIDGE, DAEMON_MAX_MIRRORS);
	else
		rc = 0;
	if (rc)
		goto fail;
	*slot = (struct daemon_mirror){ .br = br, .spec = m };
	if ((rc = publish(d, br))) {
		*slot = (struct daemon_mirror){ 0 };
		rc = error_set(e, rc, "mirror: out of memory");
		goto fail;
	}
	d->dirty = true;
	log_info("mirror %s added to %s: output %s, out of normal switching", m->name, bridge, m->output);
	return 0;
fail:
	free(m);
	return rc;
}

static void forget(struct daemon_mirror *dm)
{
	free(dm->spec);
	*dm = (struct daemon_mirror){ 0 };
}

int daemon_del_mirror(struct daemon *d, const char *bridge, const char *name, struct error *e)
{
	struct daemon_bridge *br = daemon_find_bridge(d, bridge);
	struct daemon_mirror *dm = br ? find(d, br, name) : NULL;

	if (!br)
		return error_set(e, -ENOENT, "bridge: no bridge named %s", bridge);
	if (!dm)
		return error_set(e, -ENOENT, "mirror: no mirror named %s on %s", name, bridge);
	forget(dm);
	if (publish(d, br))
		log_error("mirror %s: out of memory: %s keeps mirroring until the next change", name,
			  bridge);
	d->dirty = true;
	log_info("mirror %s removed from %s", name, bridge);
	return 0;
}

void daemon_mirrors_port_removed(struct daemon *d, const struct daemon_port *dp)
{
	const char *port = dp->port->name, *bridge = dp->br->sw->name;
	bool changed = false;

	for (unsigned i = 0; i < DAEMON_MAX_MIRRORS; i++) {
		struct daemon_mirror *dm = &d->mirrors[i];

		if (!dm->spec || dm->br != dp->br || !mirror_spec_uses(dm->spec, port))
			continue;
		changed = true;
		d->dirty = true;
		if (!strcmp(dm->spec->output, port)) {
			log_info("mirror %s removed from %s: its output port %s is deleted",
				 dm->spec->name, bridge, port);
			forget(dm);
			continue;
		}
		mirror_spec_unselect(dm->spec, port);
		if (dm->spec->nsrc || dm->spec->ndst) {
			log_info("mirror %s on %s: port %s is deleted, no longer selected",
				 dm->spec->name, bridge, port);
		} else { /* it would select nothing, and could not be made again */
			log_info("mirror %s removed from %s: %s, the last port it selected, is deleted",
				 dm->spec->name, bridge, port);
			forget(dm);
		}
	}
	if (changed && publish(d, dp->br))
		log_error("%s: out of memory: its mirrors are not updated", bridge);
}

void daemon_mirrors_bridge_removed(struct daemon *d, struct daemon_bridge *br)
{
	struct mirror_table *old;

	for (unsigned i = 0; i < DAEMON_MAX_MIRRORS; i++)
		if (d->mirrors[i].spec && d->mirrors[i].br == br) {
			log_info("mirror %s removed with bridge %s", d->mirrors[i].spec->name, br->sw->name);
			forget(&d->mirrors[i]);
		}
	old = bridge_set_mirrors(br->sw, NULL);
	if (old) {
		worker_pool_sync(&d->pool);
		free(old);
	}
}

static struct json_object *names_json(const char (*list)[PORT_NAME_MAX], unsigned n)
{
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(list[i]));
	return a;
}

struct json_object *daemon_mirrors_json(struct daemon *d, const struct daemon_bridge *br)
{
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; i < DAEMON_MAX_MIRRORS; i++) {
		const struct mirror_spec *m = d->mirrors[i].spec;
		struct json_object *o;
		char *w[4];
		int n;

		if (!m || d->mirrors[i].br != br)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(m->name));
		json_object_object_add(o, "select_src", names_json(m->src, m->nsrc));
		json_object_object_add(o, "select_dst", names_json(m->dst, m->ndst));
		n = mirror_spec_words(m, w);
		for (int k = 0; k < n; k++) {
			if (!strncmp(w[k], "select-vlan=", 12))
				json_object_object_add(o, "select_vlan", json_object_new_string(w[k] + 12));
			free(w[k]);
		}
		json_object_object_add(o, "output", json_object_new_string(m->output));
		json_object_array_add(a, o);
	}
	return a;
}

struct json_object *daemon_mirrors_words(struct daemon *d, const struct daemon_bridge *br)
{
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; i < DAEMON_MAX_MIRRORS; i++) {
		const struct mirror_spec *m = d->mirrors[i].spec;
		struct json_object *words;
		char *w[4];
		int n;

		if (!m || d->mirrors[i].br != br || (n = mirror_spec_words(m, w)) < 0)
			continue;
		words = json_object_new_array();
		json_object_array_add(words, json_object_new_string("add-mirror"));
		json_object_array_add(words, json_object_new_string(br->sw->name));
		json_object_array_add(words, json_object_new_string(m->name));
		for (int k = 0; k < n; k++) {
			json_object_array_add(words, json_object_new_string(w[k]));
			free(w[k]);
		}
		json_object_array_add(a, words);
	}
	return a;
}
