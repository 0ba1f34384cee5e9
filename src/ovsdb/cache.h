/* SPDX-License-Identifier: MIT */
/*
 * A client-side copy of the monitored part of an OVSDB database (RFC 7047
 * §4.1.5 monitor, and the monitor_cond extension of ovsdb-server(7)): the
 * tables and columns asked for, each row kept as a JSON object of its
 * columns by UUID, updated by the "update" (table-updates) and "update2"
 * (table-updates2, with row diffs) notifications.
 *
 * A column's kind (scalar, set or map) comes from the database's schema
 * (get_schema), which ovsdb_cache_set_schema() also checks for every table
 * and column the caller needs: a server too old or too new to have them is
 * refused by name on connect rather than misread later.  Values are kept
 * normalized: a scalar as its atom, a set as a JSON array of atoms (the
 * wire's ["set", [...]] or lone atom), a map as an array of [key, value]
 * pairs (the wire's ["map", [...]]); a UUID atom stays ["uuid", "..."].
 *
 * Pure: no I/O.  Every input is untrusted (fuzz/fuzz_ovsdb_update.c).
 */
#ifndef UVNET_OVSDB_CACHE_H
#define UVNET_OVSDB_CACHE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

#define OVSDB_UUID_LEN 36
#define OVSDB_BUCKETS 256

/* What the caller monitors: a table and its columns (NULL-terminated);
 * where: monitor_cond's condition as JSON text (its clauses are ORed, see
 * ovsdb-server(7)), NULL: every row.  A plain monitor gets every row. */
struct ovsdb_table_spec {
	const char *name;
	const char *const *columns;
	const char *where;
};

/* OPTIONAL: a set of at most one element; kept like a set, but an
 * update2 diff carries its new value (as a scalar's), not elements to
 * toggle (what ovsdb-server sends). */
enum ovsdb_col_kind { OVSDB_SCALAR, OVSDB_SET, OVSDB_MAP, OVSDB_OPTIONAL };

struct ovsdb_row {
	char uuid[OVSDB_UUID_LEN + 1];
	struct json_object *cols;       /* column name -> normalized value */
	struct ovsdb_row *next;         /* bucket chain */
};

struct ovsdb_table {
	const struct ovsdb_table_spec *spec;
	unsigned ncols;
	enum ovsdb_col_kind *kinds;     /* per spec column */
	struct ovsdb_row *buckets[OVSDB_BUCKETS];
	unsigned nrows;
};

struct ovsdb_cache {
	struct ovsdb_table *tables;
	unsigned ntables;
	bool have_schema;
	uint64_t seqno;                 /* bumped by every change applied */
};

int ovsdb_cache_init(struct ovsdb_cache *c, const struct ovsdb_table_spec *spec, unsigned n);
void ovsdb_cache_fini(struct ovsdb_cache *c);
/* Drop every row (a new session's initial contents replace them). */
void ovsdb_cache_clear(struct ovsdb_cache *c);

/*
 * Learn column kinds from a get_schema result; -EPROTO if it is not a
 * schema, -ENOENT naming the first table or column the spec needs that
 * the schema lacks ("Chassis_Private.nb_cfg: not in schema OVN_Southbound
 * 20.10.0").
 */
int ovsdb_cache_set_schema(struct ovsdb_cache *c, struct json_object *schema, struct error *e);

/* The monitor requests: {"TABLE": {"columns": [...]}, ...}, with each
 * spec's "where" when conditional (monitor_cond). */
struct json_object *ovsdb_cache_monitor_requests(const struct ovsdb_cache *c, bool conditional);

/*
 * Apply table-updates (version 1: rows as "old"/"new") or table-updates2
 * (version 2: "initial"/"insert"/"modify" diff/"delete").  Tables and
 * columns not monitored are ignored.  -EPROTO with e naming the fault for
 * anything malformed (what was applied before it stays).
 */
int ovsdb_cache_apply(struct ovsdb_cache *c, struct json_object *updates, int version,
		      struct error *e);

/* Lookups. */
struct ovsdb_table *ovsdb_cache_table(struct ovsdb_cache *c, const char *name);
struct ovsdb_row *ovsdb_table_get(const struct ovsdb_table *t, const char *uuid);
/* Iteration: first/next over every row, in no particular order. */
struct ovsdb_row *ovsdb_table_first(const struct ovsdb_table *t);
struct ovsdb_row *ovsdb_table_next(const struct ovsdb_table *t, const struct ovsdb_row *r);
#define OVSDB_FOR_EACH_ROW(r, t) \
	for (struct ovsdb_row *r = (t) ? ovsdb_table_first(t) : NULL; r; r = ovsdb_table_next((t), r))

/* The first row whose string column col equals value, or NULL. */
struct ovsdb_row *ovsdb_table_find_str(const struct ovsdb_table *t, const char *col,
				       const char *value);

/* Column values.  A set of at most one element reads like a scalar. */
struct json_object *ovsdb_row_value(const struct ovsdb_row *r, const char *col);
const char *ovsdb_row_str(const struct ovsdb_row *r, const char *col);    /* NULL: none */
int64_t ovsdb_row_int(const struct ovsdb_row *r, const char *col, int64_t dflt);
bool ovsdb_row_bool(const struct ovsdb_row *r, const char *col, bool dflt);
const char *ovsdb_row_uuid(const struct ovsdb_row *r, const char *col);  /* a ref, or NULL */
size_t ovsdb_row_count(const struct ovsdb_row *r, const char *col);      /* set elements */
struct json_object *ovsdb_row_elem(const struct ovsdb_row *r, const char *col, size_t i);
const char *ovsdb_row_map_get(const struct ovsdb_row *r, const char *col, const char *key);
bool ovsdb_row_has_ref(const struct ovsdb_row *r, const char *col, const char *uuid);

/* The UUID string of a ["uuid", "..."] atom, or NULL. */
const char *ovsdb_atom_uuid(struct json_object *atom);
/* A well-formed UUID string (8-4-4-4-12 hex digits)? */
bool ovsdb_uuid_valid(const char *s);

/* Wire forms for transactions. */
struct json_object *ovsdb_uuid_atom(const char *uuid);        /* ["uuid", U] */
struct json_object *ovsdb_named_uuid(const char *name);       /* ["named-uuid", N] */
struct json_object *ovsdb_set(struct json_object *atoms);     /* ["set", atoms] */
struct json_object *ovsdb_map(void);                          /* ["map", []] */
void ovsdb_map_add(struct json_object *map, const char *key, const char *value);

#endif
