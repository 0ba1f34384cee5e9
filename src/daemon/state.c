/* SPDX-License-Identifier: MIT */
/*
 * The state file: every network definition (and whether it was started),
 * every bridge, and the add-port words of every port, so a restarted
 * daemon rebuilds the same switch.  A network's bridge is marked
 * "network": starting the network makes it and its own port, the file
 * keeps the other ports on it.  Written to a temporary file, synced and
 * renamed over the old one, so a crash never leaves half a file.
 *
 *   {"version": 1,
 *    "networks": [{"name": "default", "mode": "nat", "subnet": ..., "started": true}],
 *    "ovn": ["remote=unix:/run/ovn/ovnsb_db.sock", "encap-ip=10.0.0.1", ...],
 *    "bridges": [{"name": "br0", "ports": [["add-port", "br0", "vm1", "type=tap"]],
 *                 "mirrors": [["add-mirror", "br0", "m0", "select-src=vm1", "output=tap9"]]},
 *                {"name": "default", "network": "default", "ports": [...]}]}
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/ovn.h"
#include "util/io.h"
#include "util/log.h"

LOG_MODULE("state");

#define STATE_MAX_WORDS 24

static struct json_object *port_words(const struct daemon_port *dp)
{
	struct json_object *w = json_object_new_array();

	json_object_array_add(w, json_object_new_string("add-port"));
	json_object_array_add(w, json_object_new_string(dp->br->sw->name));
	json_object_array_add(w, json_object_new_string(dp->port->name));
	for (size_t i = 0; i < json_object_array_length(dp->options); i++)
		json_object_array_add(w, json_object_get(json_object_array_get_idx(dp->options, i)));
	return w;
}

static struct json_object *bridge_json(struct daemon *d, const struct daemon_bridge *br)
{
	struct json_object *bo = json_object_new_object(), *ports = json_object_new_array(), *mirrors;

	json_object_object_add(bo, "name", json_object_new_string(br->sw->name));
	if (br->owner[0])
		json_object_object_add(bo, "network", json_object_new_string(br->owner));
	/* A network's own port is made by starting it: only the others. */
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++)
		if (d->ports[i].port && d->ports[i].br == br && !d->ports[i].owner[0])
			json_object_array_add(ports, port_words(&d->ports[i]));
	json_object_object_add(bo, "ports", ports);
	mirrors = daemon_mirrors_words(d, br);
	if (json_object_array_length(mirrors))
		json_object_object_add(bo, "mirrors", mirrors);
	else
		json_object_put(mirrors);
	return bo;
}

static struct json_object *snapshot(struct daemon *d)
{
	struct json_object *root = json_object_new_object();
	struct json_object *brs = json_object_new_array(), *nets = json_object_new_array();

	json_object_object_add(root, "version", json_object_new_int(1));
	for (unsigned i = 0; i < NETWORK_MAX; i++)
		if (d->networks[i])
			json_object_array_add(nets, network_definition(d->networks[i]));
	for (unsigned b = 0; b < DAEMON_MAX_BRIDGES; b++)
		if (d->bridges[b].sw)
			json_object_array_add(brs, bridge_json(d, &d->bridges[b]));
	json_object_object_add(root, "bridges", brs);
	json_object_object_add(root, "networks", nets);
	if (d->ovn)
		json_object_object_add(root, "ovn", ovn_config_json(d->ovn));
	return root;
}

static int write_file(const char *path, const char *text, struct error *e)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t len = strlen(text);
	int fd, dfd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp); /* a leftover of a crash, or something planted: never followed */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || (rc = io_write_all(fd, text, len)) || fsync(fd) || rename(tmp, path))
		rc = rc ? rc : -errno;
	if (fd >= 0)
		close(fd);
	if (rc) {
		unlink(tmp);
		return error_set(e, rc, "cannot write the state file %s: %s", path, strerror(-rc));
	}
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
		 slash ? path : ".");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) { /* the rename itself survives a power cut */
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int daemon_save_state(struct daemon *d, struct error *e)
{
	struct json_object *root;
	int rc;

	if (!d->dirty || d->replaying || !d->state_path)
		return 0;
	root = snapshot(d);
	rc = write_file(d->state_path,
			json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY), e);
	json_object_put(root);
	if (!rc)
		d->dirty = false;
	return rc;
}

/* ---- replay ---- */

/* A replay counts what it could not rebuild: the file is then kept aside
 * before the first write drops those parts. */
struct replay {
	struct daemon *d;
	unsigned lost;
};

static void lost(struct replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lost(struct replay *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s", msg);
	r->lost++;
}

static const char *string_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		? json_object_get_string(v) : NULL;
}

static struct json_object *array_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_array) ? v
												  : NULL;
}

static void load_network(struct replay *r, struct json_object *o, size_t i)
{
	static const char *const keys[] = { "mode", "subnet", "dhcp-range", "uplink", "socket-group",
					    "socket-port-security" };
	char words[6][128];
	const char *opts[6];
	const char *name = string_of(o, "name");
	struct json_object *started;
	unsigned n = 0;
	struct error e;

	if (!name) {
		lost(r, "network %zu has no name; skipped", i);
		return;
	}
	for (size_t k = 0; k < 6; k++)
		if (string_of(o, keys[k])) {
			snprintf(words[n], sizeof(words[n]), "%s=%s", keys[k], string_of(o, keys[k]));
			opts[n] = words[n];
			n++;
		}
	if (daemon_net_define(r->d, name, opts, n, &e)) {
		lost(r, "network %s: %s", name, e.msg);
		return;
	}
	if (json_object_object_get_ex(o, "started", &started) &&
	    json_object_is_type(started, json_type_boolean) && json_object_get_boolean(started) &&
	    daemon_net_start(r->d, name, &e)) {
		log_error("%s: not started again: %s", name, e.msg);
		return;
	}
	if (daemon_find_net(r->d, name)->active)
		network_load_reservations(daemon_find_net(r->d, name), array_of(o, "reservations"));
}

/*
 * w as the words of `VERB BRIDGE NAME key=value...` into words[]: their
 * count, or 0 when w is not such a command (not an array of strings, too
 * few or too many words, another verb or another bridge).
 */
static size_t command_words(struct json_object *w, const char *verb, const char *bridge,
			    const char *words[STATE_MAX_WORDS])
{
	size_t n = json_object_is_type(w, json_type_array) ? json_object_array_length(w) : 0;

	if (n < 3 || n > STATE_MAX_WORDS)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *x = json_object_array_get_idx(w, i);

		words[i] = json_object_is_type(x, json_type_string) ? json_object_get_string(x) : NULL;
		if (!words[i])
			return 0;
	}
	return strcmp(words[0], verb) || strcmp(words[1], bridge) ? 0 : n;
}

/* ["add-port", BRIDGE, PORT, "key=value"...]: the words as add-port took them. */
static void load_port(struct replay *r, const char *bridge, struct json_object *w)
{
	const char *words[STATE_MAX_WORDS];
	size_t n = command_words(w, "add-port", bridge, words);
	struct error e;

	if (!n) {
		lost(r, "bridge %s: %s is not a port of it; skipped", bridge, json_object_to_json_string(w));
		return;
	}
	if (daemon_add_port(r->d, bridge, words[2], words + 3, (unsigned)n - 3, NULL, &e))
		lost(r, "port %s on %s: %s", words[2], bridge, e.msg);
}

/* ["add-mirror", BRIDGE, NAME, "key=value"...], once the bridge's ports are back. */
static void load_mirror(struct replay *r, const char *bridge, struct json_object *w)
{
	const char *words[STATE_MAX_WORDS];
	size_t n = command_words(w, "add-mirror", bridge, words);
	struct error e;

	if (!n) {
		lost(r, "bridge %s: %s is not a mirror of it; skipped", bridge, json_object_to_json_string(w));
		return;
	}
	if (daemon_add_mirror(r->d, bridge, words + 2, (unsigned)n - 2, &e))
		lost(r, "mirror %s on %s: %s", words[2], bridge, e.msg);
}

static void load_bridge(struct replay *r, struct json_object *bo, size_t i)
{
	const char *name = string_of(bo, "name"), *net = string_of(bo, "network");
	struct json_object *ports = array_of(bo, "ports"), *mirrors = array_of(bo, "mirrors");
	struct error e;

	if (!name || !ports) {
		lost(r, "bridge %zu has no name or no port list; skipped", i);
		return;
	}
	if (net && !daemon_find_bridge(r->d, name)) {
		lost(r, "network %s is not active: the ports of its bridge are dropped", net);
		return;
	}
	if (!net && daemon_add_bridge(r->d, name, NULL, &e)) {
		lost(r, "%s", e.msg);
		return;
	}
	for (size_t p = 0; p < json_object_array_length(ports); p++)
		load_port(r, name, json_object_array_get_idx(ports, p));
	for (size_t m = 0; mirrors && m < json_object_array_length(mirrors); m++)
		load_mirror(r, name, json_object_array_get_idx(mirrors, m));
}

/* "ovn": ovn-set's words, once the bridges (and their iface-id ports) are back. */
static void load_ovn(struct replay *r, struct json_object *w)
{
	const char *words[8];
	size_t n = w ? json_object_array_length(w) : 0;
	struct error e;

	if (!w)
		return;
	for (size_t i = 0; i < n && i < 8; i++)
		if (!(words[i] = json_object_get_string(json_object_array_get_idx(w, i))))
			n = 0;
	if (n == 0 || n > 8) {
		lost(r, "ovn: %s is not a list of ovn-set words; skipped", json_object_to_json_string(w));
		return;
	}
	if (daemon_ovn_set(r->d, words, (unsigned)n, &e))
		lost(r, "ovn: %s", e.msg);
}

/* Keep a state file that cannot be read: the first change would
 * otherwise overwrite the only copy. */
static const char *set_aside(const char *path, char *aside, size_t len)
{
	long now = (long)time(NULL);

	for (unsigned n = 0; n < 100; n++) {
		if (n)
			snprintf(aside, len, "%s.corrupt-%ld-%u", path, now, n);
		else
			snprintf(aside, len, "%s.corrupt-%ld", path, now);
		if (access(aside, F_OK) && !rename(path, aside))
			return aside;
	}
	return "nowhere (it could not be renamed)";
}

int daemon_load_state(struct daemon *d, struct error *e)
{
	struct json_object *root, *brs, *nets;
	struct replay r = { d, 0 };
	char aside[PATH_MAX];

	if (!d->state_path || access(d->state_path, F_OK))
		return 0;
	root = json_object_from_file(d->state_path);
	brs = root ? array_of(root, "bridges") : NULL;
	if (!brs) {
		json_object_put(root);
		return error_set(e, -EINVAL, "%s is not a uvnetd state file; starting empty, the file is kept as %s",
				 d->state_path, set_aside(d->state_path, aside, sizeof(aside)));
	}
	d->replaying = true;
	/* Networks first: starting one makes its bridge, which the bridges
	 * below then only get their ports back on. */
	nets = array_of(root, "networks");
	for (size_t i = 0; nets && i < json_object_array_length(nets); i++)
		load_network(&r, json_object_array_get_idx(nets, i), i);
	for (size_t b = 0; b < json_object_array_length(brs); b++)
		load_bridge(&r, json_object_array_get_idx(brs, b), b);
	load_ovn(&r, array_of(root, "ovn"));
	d->replaying = false;
	/* the sockets of the networks' directories last: a port the file
	 * names keeps its name */
	for (unsigned i = 0; i < NETWORK_MAX; i++)
		if (d->networks[i])
			network_scan(d->networks[i]);
	json_object_put(root);
	/* Written again at once with what was rebuilt, the old file kept. */
	d->dirty = r.lost > 0;
	daemon_net_prune(d); /* reservations whose port did not come back */
	if (r.lost)
		return error_set(e, -EINVAL, "%u part(s) of %s could not be restored (see above); the file as it was is kept as %s",
				 r.lost, d->state_path, set_aside(d->state_path, aside, sizeof(aside)));
	log_info("configuration restored from %s", d->state_path);
	return 0;
}
