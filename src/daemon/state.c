/* SPDX-License-Identifier: MIT */
/*
 * The state file: every bridge and the add-port words of every port, so a
 * restarted daemon rebuilds the same switch, and every network (network.c)
 * with whether it was started.  A started network's bridge is marked
 * "network": net-start makes it and its own port, the file keeps the other
 * ports on it.  Written to a temporary file and renamed over the old one,
 * so a crash never leaves half a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "util/log.h"
#include "daemon/network.h"

LOG_MODULE("state");

static struct json_object *snapshot(struct daemon *d)
{
	struct json_object *root = json_object_new_object(), *brs = json_object_new_array();

	json_object_object_add(root, "version", json_object_new_int(1));
	for (unsigned b = 0; b < DAEMON_MAX_BRIDGES; b++) {
		struct json_object *bo, *ports;
		const char *net;

		if (!d->bridges[b])
			continue;
		bo = json_object_new_object();
		ports = json_object_new_array();
		json_object_object_add(bo, "name", json_object_new_string(d->bridges[b]->name));
		/* A network's bridge and own port are made by net-start: only the
		 * other ports on it (the guests') are replayed. */
		net = network_owning_bridge(d->bridges[b]->name);
		if (net)
			json_object_object_add(bo, "network", json_object_new_string(net));
		for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++)
			if (d->ports[i].port && d->ports[i].br == d->bridges[b] &&
			    !network_owning_port(d->ports[i].port->name))
				json_object_array_add(ports, json_object_get(d->ports[i].args));
		json_object_object_add(bo, "ports", ports);
		json_object_array_add(brs, bo);
	}
	json_object_object_add(root, "bridges", brs);
	json_object_object_add(root, "networks", network_snapshot());
	return root;
}

int state_save(struct daemon *d)
{
	char tmp[4096];
	struct json_object *root;
	const char *text;
	int fd, rc = 0;

	if (!d->state_path)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->state_path);
	root = snapshot(d);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fsync(fd) ||
	    rename(tmp, d->state_path))
		rc = -errno;
	if (fd >= 0)
		close(fd);
	json_object_put(root);
	return rc;
}

static void replay(struct daemon *d, struct json_object *words)
{
	struct json_object *rep = control_execute(d, words);
	struct json_object *okv, *err;

	if (json_object_object_get_ex(rep, "ok", &okv) && !json_object_get_boolean(okv) &&
	    json_object_object_get_ex(rep, "error", &err))
		log_error("%s: %s", json_object_to_json_string(words),
			json_object_get_string(err));
	json_object_put(rep);
}

int state_load(struct daemon *d)
{
	struct json_object *root, *brs, *nets;

	if (!d->state_path || access(d->state_path, F_OK))
		return 0;
	root = json_object_from_file(d->state_path);
	if (!root || !json_object_object_get_ex(root, "bridges", &brs) ||
	    !json_object_is_type(brs, json_type_array)) {
		log_error("%s is not a uvnetd state file; starting empty", d->state_path);
		json_object_put(root);
		return -EINVAL;
	}
	d->loading = true;
	/* Networks first: starting one makes its bridge, which the bridges
	 * below then only get their ports back on. */
	if (json_object_object_get_ex(root, "networks", &nets) &&
	    json_object_is_type(nets, json_type_array))
		network_load(d, nets);
	for (size_t b = 0; b < json_object_array_length(brs); b++) {
		struct json_object *bo = json_object_array_get_idx(brs, b), *name, *ports, *net;
		struct json_object *words = json_object_new_array();

		if (!json_object_object_get_ex(bo, "name", &name) ||
		    !json_object_object_get_ex(bo, "ports", &ports)) {
			json_object_put(words);
			continue;
		}
		if (json_object_object_get_ex(bo, "network", &net)) {
			json_object_put(words);
			if (!daemon_find_bridge(d, json_object_get_string(name))) {
				log_error("network %s is not active: the ports of its bridge are dropped",
					json_object_get_string(net));
				continue;
			}
		} else {
			json_object_array_add(words, json_object_new_string("add-br"));
			json_object_array_add(words, json_object_get(name));
			replay(d, words);
			json_object_put(words);
		}
		for (size_t p = 0; p < json_object_array_length(ports); p++)
			replay(d, json_object_array_get_idx(ports, p));
	}
	d->loading = false;
	json_object_put(root);
	log_info("configuration restored from %s", d->state_path);
	return 0;
}
