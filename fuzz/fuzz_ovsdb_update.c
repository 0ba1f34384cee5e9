/* SPDX-License-Identifier: MIT */
/*
 * The OVSDB client's input path: bytes from a Southbound server cut into
 * JSON-RPC messages (jsonrpc_stream) and every update/update2 notification
 * (and a monitor reply's table-updates) applied to a cache of the tables
 * uvnetd monitors; then every row is read back through the accessors the
 * chassis code uses.  Nothing an ovsdb-server sends may crash, leak or
 * loop.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ovsdb/cache.h"
#include "ovsdb/jsonrpc.h"

static const char *const pb_cols[] = { "logical_port", "tunnel_key", "chassis", "mac", "options",
				       "up", "datapath", "type", NULL };
static const char *const mg_cols[] = { "name", "tunnel_key", "ports", "datapath", NULL };
static const struct ovsdb_table_spec spec[] = {
	{ "Port_Binding", pb_cols, NULL },
	{ "Multicast_Group", mg_cols, NULL },
};

static const char schema_text[] =
	"{\"name\":\"OVN_Southbound\",\"version\":\"20.27.0\",\"tables\":{"
	"\"Port_Binding\":{\"columns\":{"
	"\"logical_port\":{\"type\":\"string\"},\"type\":{\"type\":\"string\"},"
	"\"tunnel_key\":{\"type\":{\"key\":{\"type\":\"integer\",\"minInteger\":1}}},"
	"\"datapath\":{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"Datapath_Binding\"}}},"
	"\"chassis\":{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"Chassis\"},\"min\":0,\"max\":1}},"
	"\"mac\":{\"type\":{\"key\":\"string\",\"min\":0,\"max\":\"unlimited\"}},"
	"\"options\":{\"type\":{\"key\":\"string\",\"value\":\"string\",\"min\":0,\"max\":\"unlimited\"}},"
	"\"up\":{\"type\":{\"key\":\"boolean\",\"min\":0,\"max\":1}}}},"
	"\"Multicast_Group\":{\"columns\":{\"name\":{\"type\":\"string\"},"
	"\"tunnel_key\":{\"type\":\"integer\"},"
	"\"datapath\":{\"type\":{\"key\":{\"type\":\"uuid\"}}},"
	"\"ports\":{\"type\":{\"key\":{\"type\":\"uuid\"},\"min\":0,\"max\":\"unlimited\"}}}}}}";

static struct ovsdb_cache cache;

static void read_back(void)
{
	for (unsigned i = 0; i < cache.ntables; i++) {
		struct ovsdb_table *t = &cache.tables[i];

		OVSDB_FOR_EACH_ROW(r, t) {
			for (unsigned k = 0; k < t->ncols; k++) {
				const char *c = t->spec->columns[k];
				size_t n = ovsdb_row_count(r, c);

				(void)ovsdb_row_str(r, c);
				(void)ovsdb_row_int(r, c, 0);
				(void)ovsdb_row_bool(r, c, false);
				(void)ovsdb_row_uuid(r, c);
				(void)ovsdb_row_map_get(r, c, "requested-chassis");
				(void)ovsdb_row_has_ref(r, c, "11111111-2222-3333-4444-555555555555");
				for (size_t j = 0; j < n && j < 64; j++)
					(void)ovsdb_atom_uuid(ovsdb_row_elem(r, c, j));
			}
		}
		(void)ovsdb_table_find_str(t, "name", "_MC_flood");
	}
}

static int on_msg(struct json_object *msg, void *arg)
{
	struct jsonrpc_msg m;
	struct error e;

	(void)arg;
	switch (jsonrpc_parse(msg, &m)) {
	case JSONRPC_NOTIFY:
		if ((!strcmp(m.method, "update2") || !strcmp(m.method, "update")) &&
		    json_object_array_length(m.params) == 2)
			ovsdb_cache_apply(&cache, json_object_array_get_idx(m.params, 1),
					  m.method[6] ? 2 : 1, &e);
		break;
	case JSONRPC_REPLY:
		ovsdb_cache_apply(&cache, m.result, jsonrpc_reply_id(&m) == 1 ? 1 : 2, &e);
		break;
	case JSONRPC_ERROR:
		(void)jsonrpc_error_text(&m);
		break;
	default:
		break;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct jsonrpc_stream s;
	struct error e;
	size_t half = size / 2;

	if (!ready) {
		struct json_object *schema = json_tokener_parse(schema_text);

		ovsdb_cache_init(&cache, spec, 2);
		ovsdb_cache_set_schema(&cache, schema, &e);
		json_object_put(schema);
		ready = true;
	}
	ovsdb_cache_clear(&cache);
	if (jsonrpc_stream_init(&s, 1 << 20))
		return 0;
	/* two pieces: a message split across reads */
	if (!jsonrpc_stream_feed(&s, (const char *)data, half, on_msg, NULL, &e))
		jsonrpc_stream_feed(&s, (const char *)data + half, size - half, on_msg, NULL, &e);
	jsonrpc_stream_fini(&s);
	read_back();
	return 0;
}
