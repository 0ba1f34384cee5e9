/* SPDX-License-Identifier: MIT */
/* The monitored copy of an OVSDB database (cache.h). */
#include "ovsdb/cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ovsdb_cache_init(struct ovsdb_cache *c, const struct ovsdb_table_spec *spec, unsigned n)
{
	memset(c, 0, sizeof(*c));
	c->tables = calloc(n, sizeof(*c->tables));
	if (!c->tables)
		return -ENOMEM;
	c->ntables = n;
	for (unsigned i = 0; i < n; i++) {
		struct ovsdb_table *t = &c->tables[i];

		t->spec = &spec[i];
		while (spec[i].columns[t->ncols])
			t->ncols++;
		t->kinds = calloc(t->ncols ? t->ncols : 1, sizeof(*t->kinds));
		if (!t->kinds) {
			ovsdb_cache_fini(c);
			return -ENOMEM;
		}
	}
	return 0;
}

static void row_free(struct ovsdb_row *r)
{
	json_object_put(r->cols);
	free(r);
}

static void table_clear(struct ovsdb_table *t)
{
	for (unsigned b = 0; b < OVSDB_BUCKETS; b++) {
		struct ovsdb_row *r = t->buckets[b];

		while (r) {
			struct ovsdb_row *next = r->next;

			row_free(r);
			r = next;
		}
		t->buckets[b] = NULL;
	}
	t->nrows = 0;
}

void ovsdb_cache_clear(struct ovsdb_cache *c)
{
	for (unsigned i = 0; i < c->ntables; i++)
		table_clear(&c->tables[i]);
	c->seqno++;
}

void ovsdb_cache_fini(struct ovsdb_cache *c)
{
	for (unsigned i = 0; c->tables && i < c->ntables; i++) {
		table_clear(&c->tables[i]);
		free(c->tables[i].kinds);
	}
	free(c->tables);
	memset(c, 0, sizeof(*c));
}

/* ---- schema ---- */

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* min/max of a column type: a number, or "unlimited" (max only). */
static int64_t bound(struct json_object *type, const char *key)
{
	struct json_object *v = get(type, key);

	if (!v)
		return 1;
	if (json_object_is_type(v, json_type_string))
		return INT64_MAX; /* "unlimited" */
	return json_object_get_int64(v);
}

static int column_kind(struct json_object *type, enum ovsdb_col_kind *k)
{
	if (json_object_is_type(type, json_type_string)) {
		*k = OVSDB_SCALAR;
		return 0;
	}
	if (!json_object_is_type(type, json_type_object) || !get(type, "key"))
		return -EPROTO;
	if (get(type, "value"))
		*k = OVSDB_MAP;
	else if (bound(type, "min") == 1 && bound(type, "max") == 1)
		*k = OVSDB_SCALAR;
	else if (bound(type, "max") == 1)
		*k = OVSDB_OPTIONAL;
	else
		*k = OVSDB_SET;
	return 0;
}

int ovsdb_cache_set_schema(struct ovsdb_cache *c, struct json_object *schema, struct error *e)
{
	struct json_object *tables = get(schema, "tables");
	const char *name = json_object_get_string(get(schema, "name"));
	const char *version = json_object_get_string(get(schema, "version"));

	if (!json_object_is_type(tables, json_type_object))
		return error_set(e, -EPROTO, "schema: no tables");
	for (unsigned i = 0; i < c->ntables; i++) {
		struct ovsdb_table *t = &c->tables[i];
		struct json_object *cols = get(get(tables, t->spec->name), "columns");

		if (!cols)
			return error_set(e, -ENOENT, "%s: not in schema %s %s", t->spec->name,
					 name ? name : "?", version ? version : "?");
		for (unsigned k = 0; k < t->ncols; k++) {
			struct json_object *col = get(cols, t->spec->columns[k]);

			if (!col)
				return error_set(e, -ENOENT, "%s.%s: not in schema %s %s", t->spec->name,
						 t->spec->columns[k], name ? name : "?",
						 version ? version : "?");
			if (column_kind(get(col, "type"), &t->kinds[k]))
				return error_set(e, -EPROTO, "%s.%s: a column type I cannot read",
						 t->spec->name, t->spec->columns[k]);
		}
	}
	c->have_schema = true;
	return 0;
}

struct json_object *ovsdb_cache_monitor_requests(const struct ovsdb_cache *c, bool conditional)
{
	struct json_object *o = json_object_new_object();

	for (unsigned i = 0; i < c->ntables; i++) {
		const struct ovsdb_table *t = &c->tables[i];
		struct json_object *req = json_object_new_object(), *cols = json_object_new_array();

		for (unsigned k = 0; k < t->ncols; k++)
			json_object_array_add(cols, json_object_new_string(t->spec->columns[k]));
		json_object_object_add(req, "columns", cols);
		if (conditional && t->spec->where) /* the caller's own text: it parses */
			json_object_object_add(req, "where", json_tokener_parse(t->spec->where));
		json_object_object_add(o, t->spec->name, req);
	}
	return o;
}

/* ---- rows ---- */

static unsigned hash_uuid(const char *u)
{
	uint32_t h = 2166136261u;

	for (; *u; u++)
		h = (h ^ (uint8_t)*u) * 16777619u;
	return h % OVSDB_BUCKETS;
}

bool ovsdb_uuid_valid(const char *s)
{
	if (!s || strlen(s) != OVSDB_UUID_LEN)
		return false;
	for (unsigned i = 0; i < OVSDB_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char ch = s[i];

		if (dash ? ch != '-' : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
					 (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return true;
}

struct ovsdb_table *ovsdb_cache_table(struct ovsdb_cache *c, const char *name)
{
	for (unsigned i = 0; i < c->ntables; i++)
		if (!strcmp(c->tables[i].spec->name, name))
			return &c->tables[i];
	return NULL;
}

struct ovsdb_row *ovsdb_table_get(const struct ovsdb_table *t, const char *uuid)
{
	if (!t || !uuid)
		return NULL;
	for (struct ovsdb_row *r = t->buckets[hash_uuid(uuid)]; r; r = r->next)
		if (!strcasecmp(r->uuid, uuid))
			return r;
	return NULL;
}

static struct ovsdb_row *first_from(const struct ovsdb_table *t, unsigned b)
{
	for (; b < OVSDB_BUCKETS; b++)
		if (t->buckets[b])
			return t->buckets[b];
	return NULL;
}

struct ovsdb_row *ovsdb_table_first(const struct ovsdb_table *t)
{
	return first_from(t, 0);
}

struct ovsdb_row *ovsdb_table_next(const struct ovsdb_table *t, const struct ovsdb_row *r)
{
	return r->next ? r->next : first_from(t, hash_uuid(r->uuid) + 1);
}

struct ovsdb_row *ovsdb_table_find_str(const struct ovsdb_table *t, const char *col,
				       const char *value)
{
	OVSDB_FOR_EACH_ROW(r, t) {
		const char *s = ovsdb_row_str(r, col);

		if (s && !strcmp(s, value))
			return r;
	}
	return NULL;
}

static struct ovsdb_row *row_new(struct ovsdb_table *t, const char *uuid)
{
	struct ovsdb_row *r = calloc(1, sizeof(*r));
	unsigned b = hash_uuid(uuid);

	if (!r)
		return NULL;
	memcpy(r->uuid, uuid, OVSDB_UUID_LEN + 1);
	r->cols = json_object_new_object();
	r->next = t->buckets[b];
	t->buckets[b] = r;
	t->nrows++;
	return r;
}

static void row_delete(struct ovsdb_table *t, const char *uuid)
{
	for (struct ovsdb_row **pp = &t->buckets[hash_uuid(uuid)]; *pp; pp = &(*pp)->next)
		if (!strcasecmp((*pp)->uuid, uuid)) {
			struct ovsdb_row *r = *pp;

			*pp = r->next;
			row_free(r);
			t->nrows--;
			return;
		}
}

/* ---- values ---- */

static bool is_atom(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
	case json_type_int:
	case json_type_double:
	case json_type_boolean:
		return true;
	case json_type_array: {
		struct json_object *tag = json_object_array_get_idx(v, 0);
		const char *s = json_object_get_string(tag);

		return json_object_array_length(v) == 2 && json_object_is_type(tag, json_type_string) &&
		       (!strcmp(s, "uuid") || !strcmp(s, "named-uuid")) &&
		       json_object_is_type(json_object_array_get_idx(v, 1), json_type_string);
	}
	default:
		return false;
	}
}

/* ["TAG", [...]]: the inner array, or NULL. */
static struct json_object *tagged(struct json_object *v, const char *tag)
{
	struct json_object *t, *in;

	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 2)
		return NULL;
	t = json_object_array_get_idx(v, 0);
	if (!json_object_is_type(t, json_type_string) || strcmp(json_object_get_string(t), tag))
		return NULL;
	in = json_object_array_get_idx(v, 1);
	return json_object_is_type(in, json_type_array) ? in : NULL;
}

/* The wire's value as its kind's normalized form (new reference), or NULL. */
static struct json_object *normalize(struct json_object *v, enum ovsdb_col_kind k)
{
	struct json_object *in, *out;

	if (k == OVSDB_SCALAR)
		return is_atom(v) ? json_object_get(v) : NULL;
	if (k == OVSDB_SET || k == OVSDB_OPTIONAL) {
		out = json_object_new_array();
		if (is_atom(v)) {
			json_object_array_add(out, json_object_get(v));
			return out;
		}
		if (!(in = tagged(v, "set")))
			goto bad;
		for (size_t i = 0; i < json_object_array_length(in); i++) {
			struct json_object *a = json_object_array_get_idx(in, i);

			if (!is_atom(a))
				goto bad;
			json_object_array_add(out, json_object_get(a));
		}
		if (k == OVSDB_OPTIONAL && json_object_array_length(out) > 1)
			goto bad;
		return out;
	}
	if (!(in = tagged(v, "map")))
		return NULL;
	out = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(in); i++) {
		struct json_object *p = json_object_array_get_idx(in, i);

		if (!json_object_is_type(p, json_type_array) || json_object_array_length(p) != 2 ||
		    !is_atom(json_object_array_get_idx(p, 0)) || !is_atom(json_object_array_get_idx(p, 1)))
			goto bad;
		json_object_array_add(out, json_object_get(p));
	}
	return out;
bad:
	json_object_put(out);
	return NULL;
}

static bool atom_eq(struct json_object *a, struct json_object *b)
{
	return json_object_equal(a, b);
}

/* Set diff (update2): each element toggles. */
static struct json_object *set_apply_diff(struct json_object *cur, struct json_object *diff)
{
	struct json_object *out = json_object_new_array();
	size_t nd = json_object_array_length(diff);
	bool *used = calloc(nd + 1, sizeof(*used));

	if (!used)
		return out;
	for (size_t i = 0; cur && i < json_object_array_length(cur); i++) {
		struct json_object *a = json_object_array_get_idx(cur, i);
		bool drop = false;

		for (size_t j = 0; j < nd && !drop; j++)
			if (!used[j] && atom_eq(a, json_object_array_get_idx(diff, j)))
				drop = used[j] = true;
		if (!drop)
			json_object_array_add(out, json_object_get(a));
	}
	for (size_t j = 0; j < nd; j++)
		if (!used[j])
			json_object_array_add(out, json_object_get(json_object_array_get_idx(diff, j)));
	free(used);
	return out;
}

/* Map diff (update2): a new key is added, an equal pair removed, a key
 * with another value updated. */
static struct json_object *map_apply_diff(struct json_object *cur, struct json_object *diff)
{
	struct json_object *out = json_object_new_array();
	size_t nd = json_object_array_length(diff);
	bool *used = calloc(nd + 1, sizeof(*used));

	if (!used)
		return out;
	for (size_t i = 0; cur && i < json_object_array_length(cur); i++) {
		struct json_object *p = json_object_array_get_idx(cur, i);
		struct json_object *k = json_object_array_get_idx(p, 0), *keep = p;

		for (size_t j = 0; j < nd; j++) {
			struct json_object *d = json_object_array_get_idx(diff, j);

			if (used[j] || !atom_eq(k, json_object_array_get_idx(d, 0)))
				continue;
			used[j] = true;
			keep = atom_eq(json_object_array_get_idx(p, 1), json_object_array_get_idx(d, 1))
				? NULL : d;
			break;
		}
		if (keep)
			json_object_array_add(out, json_object_get(keep));
	}
	for (size_t j = 0; j < nd; j++)
		if (!used[j])
			json_object_array_add(out, json_object_get(json_object_array_get_idx(diff, j)));
	free(used);
	return out;
}

static int col_index(const struct ovsdb_table *t, const char *name)
{
	for (unsigned k = 0; k < t->ncols; k++)
		if (!strcmp(t->spec->columns[k], name))
			return (int)k;
	return -1;
}

/* Set the columns of `row` (a JSON object from the wire) into r; with
 * diff, sets and maps are diffs against what r holds. */
static int set_columns(struct ovsdb_table *t, struct ovsdb_row *r, struct json_object *row,
		       bool diff, struct error *e)
{
	if (!json_object_is_type(row, json_type_object))
		return error_set(e, -EPROTO, "%s %s: a row is not a JSON object", t->spec->name, r->uuid);
	json_object_object_foreach(row, col, val) {
		int k = col_index(t, col);
		enum ovsdb_col_kind kind;
		struct json_object *v;

		if (k < 0)
			continue; /* not monitored (or _version) */
		kind = t->kinds[k];
		v = normalize(val, kind);
		if (!v)
			return error_set(e, -EPROTO, "%s %s: column %s: not a %s", t->spec->name, r->uuid,
					 col, kind == OVSDB_MAP ? "map" : kind == OVSDB_SCALAR ? "value" : "set");
		if (diff && (kind == OVSDB_SET || kind == OVSDB_MAP)) {
			struct json_object *cur = NULL, *nv;

			json_object_object_get_ex(r->cols, col, &cur);
			nv = kind == OVSDB_SET ? set_apply_diff(cur, v) : map_apply_diff(cur, v);
			json_object_put(v);
			v = nv;
		}
		json_object_object_add(r->cols, col, v);
	}
	return 0;
}

static int apply_row(struct ovsdb_table *t, const char *uuid, struct json_object *ru, int version,
		     struct error *e)
{
	struct ovsdb_row *r = ovsdb_table_get(t, uuid);
	struct json_object *v;

	if (!json_object_is_type(ru, json_type_object))
		return error_set(e, -EPROTO, "%s %s: a row update is not a JSON object", t->spec->name, uuid);
	if (version == 1) {
		v = get(ru, "new");
		if (!v) {
			row_delete(t, uuid);
			return 0;
		}
		if (!r && !(r = row_new(t, uuid)))
			return error_set(e, -ENOMEM, "out of memory");
		return set_columns(t, r, v, false, e);
	}
	if (json_object_object_length(ru) != 1)
		return error_set(e, -EPROTO, "%s %s: a row update2 needs one of initial, insert, modify, delete",
				 t->spec->name, uuid);
	if (json_object_object_get_ex(ru, "delete", NULL)) {
		row_delete(t, uuid);
		return 0;
	}
	if ((v = get(ru, "modify"))) {
		if (!r)
			return error_set(e, -EPROTO, "%s %s: modify of a row I do not have", t->spec->name, uuid);
		return set_columns(t, r, v, true, e);
	}
	if (!(v = get(ru, "initial")) && !(v = get(ru, "insert")))
		return error_set(e, -EPROTO, "%s %s: a row update2 needs one of initial, insert, modify, delete",
				 t->spec->name, uuid);
	if (r)
		row_delete(t, uuid);
	if (!(r = row_new(t, uuid)))
		return error_set(e, -ENOMEM, "out of memory");
	return set_columns(t, r, v, false, e);
}

int ovsdb_cache_apply(struct ovsdb_cache *c, struct json_object *updates, int version,
		      struct error *e)
{
	if (!json_object_is_type(updates, json_type_object))
		return error_set(e, -EPROTO, "table updates are not a JSON object");
	if (!c->have_schema)
		return error_set(e, -EPROTO, "an update before the schema");
	c->seqno++;
	json_object_object_foreach(updates, table, rows) {
		struct ovsdb_table *t = ovsdb_cache_table(c, table);

		if (!t)
			continue;
		if (!json_object_is_type(rows, json_type_object))
			return error_set(e, -EPROTO, "%s: row updates are not a JSON object", table);
		json_object_object_foreach(rows, uuid, ru) {
			int rc;

			if (!ovsdb_uuid_valid(uuid))
				return error_set(e, -EPROTO, "%s: '%.40s' is not a UUID", table, uuid);
			if ((rc = apply_row(t, uuid, ru, version, e)))
				return rc;
		}
	}
	return 0;
}

/* ---- reading values ---- */

struct json_object *ovsdb_row_value(const struct ovsdb_row *r, const char *col)
{
	struct json_object *v = NULL;

	if (r)
		json_object_object_get_ex(r->cols, col, &v);
	return v;
}

/* A scalar's atom, or a one-element set's. */
static struct json_object *single(const struct ovsdb_row *r, const char *col)
{
	struct json_object *v = ovsdb_row_value(r, col);

	if (json_object_is_type(v, json_type_array) && !is_atom(v))
		return json_object_array_length(v) == 1 ? json_object_array_get_idx(v, 0) : NULL;
	return v;
}

const char *ovsdb_row_str(const struct ovsdb_row *r, const char *col)
{
	struct json_object *v = single(r, col);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

int64_t ovsdb_row_int(const struct ovsdb_row *r, const char *col, int64_t dflt)
{
	struct json_object *v = single(r, col);

	return json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : dflt;
}

bool ovsdb_row_bool(const struct ovsdb_row *r, const char *col, bool dflt)
{
	struct json_object *v = single(r, col);

	return json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : dflt;
}

const char *ovsdb_atom_uuid(struct json_object *atom)
{
	const char *tag;

	if (!json_object_is_type(atom, json_type_array) || json_object_array_length(atom) != 2)
		return NULL;
	tag = json_object_get_string(json_object_array_get_idx(atom, 0));
	if (!tag || strcmp(tag, "uuid"))
		return NULL;
	return json_object_get_string(json_object_array_get_idx(atom, 1));
}

const char *ovsdb_row_uuid(const struct ovsdb_row *r, const char *col)
{
	return ovsdb_atom_uuid(single(r, col));
}

size_t ovsdb_row_count(const struct ovsdb_row *r, const char *col)
{
	struct json_object *v = ovsdb_row_value(r, col);

	if (!v)
		return 0;
	return json_object_is_type(v, json_type_array) && !is_atom(v) ? json_object_array_length(v) : 1;
}

struct json_object *ovsdb_row_elem(const struct ovsdb_row *r, const char *col, size_t i)
{
	struct json_object *v = ovsdb_row_value(r, col);

	if (json_object_is_type(v, json_type_array) && !is_atom(v))
		return json_object_array_get_idx(v, i);
	return i == 0 ? v : NULL;
}

const char *ovsdb_row_map_get(const struct ovsdb_row *r, const char *col, const char *key)
{
	struct json_object *v = ovsdb_row_value(r, col);

	for (size_t i = 0; json_object_is_type(v, json_type_array) && i < json_object_array_length(v); i++) {
		struct json_object *p = json_object_array_get_idx(v, i), *k, *val;

		if (!json_object_is_type(p, json_type_array) || json_object_array_length(p) != 2)
			return NULL; /* not a map column */
		k = json_object_array_get_idx(p, 0);
		val = json_object_array_get_idx(p, 1);
		if (json_object_is_type(k, json_type_string) && !strcmp(json_object_get_string(k), key))
			return json_object_is_type(val, json_type_string) ? json_object_get_string(val) : NULL;
	}
	return NULL;
}

bool ovsdb_row_has_ref(const struct ovsdb_row *r, const char *col, const char *uuid)
{
	size_t n = ovsdb_row_count(r, col);

	for (size_t i = 0; i < n; i++) {
		const char *u = ovsdb_atom_uuid(ovsdb_row_elem(r, col, i));

		if (u && !strcasecmp(u, uuid))
			return true;
	}
	return false;
}

/* ---- wire forms ---- */

static struct json_object *pair(const char *tag, struct json_object *v)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string(tag));
	json_object_array_add(a, v);
	return a;
}

struct json_object *ovsdb_uuid_atom(const char *uuid)
{
	return pair("uuid", json_object_new_string(uuid));
}

struct json_object *ovsdb_named_uuid(const char *name)
{
	return pair("named-uuid", json_object_new_string(name));
}

struct json_object *ovsdb_set(struct json_object *atoms)
{
	return pair("set", atoms ? atoms : json_object_new_array());
}

struct json_object *ovsdb_map(void)
{
	return pair("map", json_object_new_array());
}

void ovsdb_map_add(struct json_object *map, const char *key, const char *value)
{
	struct json_object *p = json_object_new_array();

	json_object_array_add(p, json_object_new_string(key));
	json_object_array_add(p, json_object_new_string(value));
	json_object_array_add(json_object_array_get_idx(map, 1), p);
}
