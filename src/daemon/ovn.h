/* SPDX-License-Identifier: MIT */
/*
 * uvnetd as an OVN chassis (docs/ovn.md): a session to the Southbound
 * database (ovsdb_conn.c, ovsdb/cache.h), the chassis's own rows
 * (Chassis + Encap in one transaction, Chassis_Private with nb_cfg echoed
 * from SB_Global), and the Port_Binding claims of the ports of the OVN
 * bridge that carry iface-id=LSP.  Everything converges in ovn_run(): it
 * compares what the Southbound holds with what this chassis wants and
 * sends at most one transaction at a time; it runs after every update,
 * every port change and on the 1 s tick.  Control thread only.
 */
#ifndef UVNET_DAEMON_OVN_H
#define UVNET_DAEMON_OVN_H

#include <json-c/json.h>
#include <stdbool.h>

#include "util/error.h"

#define OVN_SYSTEM_ID_MAX 64
#define OVN_REMOTE_MAX 512

struct daemon;
struct ovn;

struct ovn_config {
	char remote[OVN_REMOTE_MAX];
	char encap_ip[64];
	char encap_type[8];             /* "geneve" or "vxlan" */
	char system_id[OVN_SYSTEM_ID_MAX];
	char bridge[32];
};

/* Parse ovn-set's words over base (the current configuration, or zeros). */
int ovn_config_parse(struct ovn_config *cfg, const char *const *w, unsigned n, struct error *e);

int ovn_new(struct daemon *d, const struct ovn_config *cfg, struct ovn **out, struct error *e);
/* remove_rows: take this chassis's rows out of the Southbound first
 * (waits up to 2 s for the answer). */
void ovn_free(struct ovn *o, bool remove_rows);

const struct ovn_config *ovn_config(const struct ovn *o);
/* Converge the Southbound towards what this chassis wants. */
void ovn_run(struct ovn *o);
void ovn_tick(struct ovn *o);

/* ovn-show's result; the state file's "ovn" object (ovn-set's words). */
struct json_object *ovn_describe(struct ovn *o);
/* ovn-show LSP: the logical port as the Southbound copy has it (type,
 * addresses, port_security, keys, chassis; the OVN bridge); NULL with e
 * when there is no copy yet or no such logical port. */
struct json_object *ovn_describe_lport(struct ovn *o, const char *lsp, struct error *e);
struct json_object *ovn_config_json(const struct ovn *o);

/* The value of key= among a port's words (iface-id=: the logical port it
 * is bound to), or NULL. */
const char *ovn_port_option(struct json_object *options, const char *key);

#endif
