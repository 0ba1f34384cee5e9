/* SPDX-License-Identifier: MIT */
/*
 * A port's `port-security=` word, as add-port, set-port and the state
 * file give it:
 *
 *   off                  none (as no word)
 *   MAC[,IP[/LEN]...]    that lock (switch/port_sec.h)
 *   network:MAC          MAC and the address the port's network reserves
 *                        for it (daemon_net_port_security())
 *   network:learn        lock on the first unicast MAC the port sends
 *                        from, then as network:MAC of it (daemon_learn.c);
 *                        a network's socket-directory ports get it
 */
#ifndef UVNET_DAEMON_PSEC_SPEC_H
#define UVNET_DAEMON_PSEC_SPEC_H

#include "switch/port_sec.h"
#include "util/error.h"

#define PSEC_SPEC_NETWORK "network:"
#define PSEC_SPEC_LEARN "network:learn"

enum psec_spec_kind {
	PSEC_SPEC_OFF,
	PSEC_SPEC_STATIC,           /* sec */
	PSEC_SPEC_NETWORK_MAC,      /* mac */
	PSEC_SPEC_NETWORK_LEARN,
};

struct psec_spec {
	enum psec_spec_kind kind;
	uint8_t mac[6];
	struct port_sec sec;
};

/* The word's value into *s; -EINVAL with e naming what is wrong. */
int psec_spec_parse(const char *value, struct psec_spec *s, struct error *e);

#endif
