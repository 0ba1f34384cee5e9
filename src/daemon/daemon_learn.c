/* SPDX-License-Identifier: MIT */
/*
 * port-security=network:learn, the control thread's half (the data
 * path's is switch/port_sec_learn.c): once a second, a learning port
 * whose latch a worker set gets the MAC in it reserved by its network
 * (daemon_net_port_security(), as network:MAC would) and its learning
 * configuration replaced by the lock "MAC,IP" ("MAC" on a mode=bridge
 * network).  A refused reservation (the MAC is another port's, no address
 * left) locks the MAC with no address, and says why in show.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "util/log.h"

LOG_MODULE("learn");

struct daemon_learn {
	bool locked;                /* sec is what the latch gave */
	struct port_sec sec;
	char refused[ERROR_MSG_MAX]; /* why sec has no address; "" */
};

int daemon_learn_start(struct daemon_port *dp)
{
	dp->learn = calloc(1, sizeof(*dp->learn));
	return dp->learn ? 0 : -ENOMEM;
}

void daemon_learn_stop(struct daemon_port *dp)
{
	free(dp->learn);
	dp->learn = NULL;
}

void daemon_learn_cfg(const struct daemon_port *dp, struct bridge_port_cfg *cfg)
{
	if (!dp->learn || !dp->learn->locked || !cfg->learn)
		return;
	cfg->learn = false;
	cfg->sec = dp->learn->sec;
}

/* The lock for mac: from the network, else the MAC with no address. */
static void lock_for(struct daemon *d, struct daemon_port *dp, const uint8_t mac[6])
{
	struct daemon_learn *l = dp->learn;
	char m[18], out[128];
	struct error e;

	snprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	l->refused[0] = '\0';
	if (daemon_net_port_security(d, dp->br->sw->name, dp->port->name, m, out, sizeof(out), &e) ||
	    port_sec_parse(&l->sec, out, &e)) {
		port_sec_mac_only_ip(&l->sec, mac);
		snprintf(l->refused, sizeof(l->refused), "%s", e.msg);
		log_warn("%s: locked on %s with no IP address: %s", dp->port->name, m, e.msg);
	} else {
		log_info("%s: locked on the first MAC it sent from: port-security=%s",
			 dp->port->name, out);
	}
	l->locked = true;
}

/* Replace the port's learning configuration by its lock. */
static void apply(struct daemon *d, struct daemon_port *dp)
{
	struct bridge_port_cfg cfg = *bridge_port_cfg(dp->br->sw, dp->port), *old;

	daemon_learn_cfg(dp, &cfg);
	if (bridge_set_port_cfg(dp->br->sw, dp->port, &cfg, &old)) {
		log_error("%s: out of memory: still learning (it may send from its MAC only)",
			  dp->port->name);
		dp->learn->locked = false;
		return;
	}
	worker_pool_sync(&d->pool); /* no burst still reads the learning one */
	free(old);
}

void daemon_learn_tick(struct daemon *d)
{
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++) {
		struct daemon_port *dp = &d->ports[i];
		uint8_t mac[6];

		/* learning in force (not OVN's lock meanwhile), a MAC latched */
		if (!dp->port || !dp->learn || dp->learn->locked ||
		    !bridge_port_cfg(dp->br->sw, dp->port)->learn ||
		    !port_sec_latched_mac(bridge_port_latch(dp->br->sw, dp->port), mac))
			continue;
		lock_for(d, dp, mac);
		apply(d, dp);
		d->dirty = true; /* the network's reservations */
	}
}

struct json_object *daemon_learn_json(const struct daemon_port *dp)
{
	char text[ERROR_MSG_MAX + 16];

	if (!dp->learn->locked)
		return json_object_new_string("learning");
	if (!dp->learn->refused[0])
		return json_object_new_string("locked");
	snprintf(text, sizeof(text), "refused: %s", dp->learn->refused);
	return json_object_new_string(text);
}
