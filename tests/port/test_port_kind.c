/* SPDX-License-Identifier: MIT */
/*
 * The port-kind registry (src/port/port_kind.c) and the option parser
 * every kind uses (src/port/port_opts.c): kinds found by name, a kind
 * registered at run time created like a built-in one, unknown kinds
 * refused with the list of known ones, and numbers parsed strictly.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "port/port_kind.h"

/* opts from "key=value" words (values point into the literals). */
static void opts_set(struct port_opts *o, unsigned n, const char *const *words)
{
	o->n = 0;
	for (unsigned i = 0; i < n; i++) {
		const char *eq = strchr(words[i], '=');

		assert_non_null(eq);
		snprintf(o->kv[i].key, sizeof(o->kv[i].key), "%.*s", (int)(eq - words[i]), words[i]);
		o->kv[i].value = eq + 1;
		o->kv[i].used = false;
		o->n++;
	}
}

#define OPTS(o, ...) \
	opts_set((o), sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *), \
		 (const char *[]){ __VA_ARGS__ })

/* ---- a fake kind ---- */

static void fake_destroy(struct port *p)
{
	free(p);
}

static const struct port_ops fake_ops = {
	.kind = "fake",
	.destroy = fake_destroy,
};

static unsigned fake_created;

static int fake_create(const char *name, struct port_opts *o, struct port_env *env,
		       struct port **out, struct error *e)
{
	unsigned mtu = 1500;
	struct port *p;
	int rc;

	if ((rc = port_opt_uint(o, "mtu", 68, 9000, &mtu, e)) || (rc = port_opts_check_unused(o, e)))
		return rc;
	p = malloc(sizeof(*p));
	if (!p)
		return error_set(e, -ENOMEM, "out of memory");
	port_init(p, name, &fake_ops, env);
	p->mtu = mtu;
	fake_created++;
	*out = p;
	return 0;
}

static const struct port_kind fake_kind = {
	.name = "fake", .options = "[mtu=N]", .create = fake_create,
};

static void collect(const struct port_kind *k, void *arg)
{
	char *s = arg;

	strcat(s, s[0] ? " " : "");
	strcat(s, k->name);
}

/* ---- registry ---- */

static void the_built_in_kinds_are_found_by_name_in_table_order(void **state)
{
	static const char *const names[] = { "vhost-user", "tap", "afpacket", "vxlan", "ovn-tunnel" };
	char seen[256] = "";

	(void)state;
	for (unsigned i = 0; i < 5; i++) {
		const struct port_kind *k = port_kind_find(names[i]);

		assert_non_null(k);
		assert_string_equal(k->name, names[i]);
		assert_non_null(k->create);
		assert_true(k->options && k->options[0]);
	}
	assert_ptr_equal(port_kind_find("tap"), &tap_port_kind);
	assert_null(port_kind_find("vhost"));
	assert_null(port_kind_find(""));
	port_kind_foreach(collect, seen);
	assert_string_equal(seen, "vhost-user tap afpacket vxlan ovn-tunnel");
}

static void an_unknown_kind_is_refused_with_the_known_ones(void **state)
{
	struct port_opts o;
	struct port *p = NULL;
	struct error e = { 0 };

	(void)state;
	OPTS(&o, "path=/nowhere");
	assert_int_equal(port_create("bogus", "p1", &o, NULL, &p, &e), -EINVAL);
	assert_int_equal(e.code, -EINVAL);
	assert_string_equal(e.msg, "type: 'bogus' is not a port type (vhost-user, tap, afpacket, vxlan, ovn-tunnel)");
	assert_null(p);
	assert_int_equal(port_create(NULL, "p1", &o, NULL, &p, &e), -EINVAL);
	assert_string_equal(e.msg, "type: a port needs type=vhost-user|tap|afpacket|vxlan|ovn-tunnel");
	assert_int_equal(port_create("bogus", "p1", &o, NULL, &p, NULL), -EINVAL);
}

static void a_built_in_kind_names_its_bad_option(void **state)
{
	struct port_opts o;
	struct port *p = NULL;
	struct error e = { 0 };

	(void)state;
	OPTS(&o, "mode=server");
	assert_int_equal(port_create("vhost-user", "p1", &o, NULL, &p, &e), -EINVAL);
	assert_string_equal(e.msg, "path: a vhost-user port needs path=SOCKET");
	OPTS(&o, "path=/nonexistent/p1.sock", "colour=blue");
	assert_int_equal(port_create("vhost-user", "p1", &o, NULL, &p, &e), -EINVAL);
	assert_string_equal(e.msg, "colour: unknown option for this port type");
	OPTS(&o, "queues=0");
	assert_int_equal(port_create("tap", "p1", &o, NULL, &p, &e), -EINVAL);
	assert_string_equal(e.msg, "queues: '0' is not a number from 1 to 8");
	OPTS(&o, "vni=1");
	assert_int_equal(port_create("vxlan", "p1", &o, NULL, &p, &e), -EINVAL);
	assert_string_equal(e.msg, "remote: a vxlan port needs remote=IPv4ADDRESS");
	OPTS(&o, "remote=10.0.0.1", "vni=16777216");
	assert_int_equal(port_create("vxlan", "p1", &o, NULL, &p, &e), -EINVAL);
	assert_string_equal(e.msg, "vni: '16777216' is not a number from 0 to 16777215");
	OPTS(&o, "remote=10.0.0.1", "vni=1", "dstport=0");
	assert_int_equal(port_create("vxlan", "p1", &o, NULL, &p, &e), -EINVAL);
	assert_string_equal(e.msg, "dstport: '0' is not a UDP port (1-65535)");
	OPTS(&o);
	assert_int_equal(port_create("afpacket", "p1", &o, NULL, &p, &e), -EINVAL);
	assert_string_equal(e.msg, "dev: an afpacket port needs dev=INTERFACE");
	assert_null(p);
}

static void a_registered_kind_is_created_like_a_built_in_one(void **state)
{
	struct port_env env = { .nworkers = 1 };
	struct port_opts o;
	struct port *p = NULL;
	struct error e = { 0 };

	(void)state;
	assert_int_equal(port_kind_register(&fake_kind), 0);
	assert_ptr_equal(port_kind_find("fake"), &fake_kind);
	OPTS(&o, "mtu=9000");
	assert_int_equal(port_create("fake", "a-rather-long-port-name-that-is-cut", &o, &env, &p, &e), 0);
	assert_int_equal(fake_created, 1);
	assert_non_null(p);
	assert_string_equal(p->name, "a-rather-long-port-name-that-is");
	assert_ptr_equal(p->ops, &fake_ops);
	assert_ptr_equal(p->env, &env);
	assert_int_equal(p->mtu, 9000);
	assert_null(p->bridge);
	p->ops->destroy(p);
	OPTS(&o, "mtu=9001");
	assert_int_equal(port_create("fake", "f", &o, &env, &p, &e), -EINVAL);
	assert_string_equal(e.msg, "mtu: '9001' is not a number from 68 to 9000");
	assert_int_equal(port_create("bogus", "f", &o, &env, &p, &e), -EINVAL);
	assert_string_equal(e.msg,
			    "type: 'bogus' is not a port type (vhost-user, tap, afpacket, vxlan, ovn-tunnel, fake)");
}

static void registering_a_taken_name_or_too_many_kinds_fails(void **state)
{
	static const struct port_kind tap2 = { .name = "tap", .create = fake_create };
	static const struct port_kind noname = { .create = fake_create };
	static const struct port_kind nocreate = { .name = "nocreate" };
	static char names[PORT_KIND_MAX][16];
	static struct port_kind more[PORT_KIND_MAX];
	unsigned added = 0;
	int rc = 0;

	(void)state;
	assert_int_equal(port_kind_register(&tap2), -EEXIST);
	assert_int_equal(port_kind_register(&fake_kind), -EEXIST);
	assert_int_equal(port_kind_register(&noname), -EINVAL);
	assert_int_equal(port_kind_register(&nocreate), -EINVAL);
	for (unsigned i = 0; i < PORT_KIND_MAX && !rc; i++) {
		snprintf(names[i], sizeof(names[i]), "extra%u", i);
		more[i] = (struct port_kind){ .name = names[i], .create = fake_create };
		rc = port_kind_register(&more[i]);
		added += !rc;
	}
	assert_int_equal(rc, -ENOSPC);
	/* 5 built-in, fake, and the extras fill the table */
	assert_int_equal(5 + 1 + added, PORT_KIND_MAX);
	assert_ptr_equal(port_kind_find("extra0"), &more[0]);
}

/* ---- options ---- */

static void numbers_are_plain_decimal_within_range(void **state)
{
	static const char *const bad[] = {
		"-18446744073709551606", " 10", "10 ", "+10", "0x10", "", "1e3", "-0",
		"4294967306", "99999999999999999999999999", "10\n", "007", "00",
	};
	struct port_opts o;
	struct error e = { 0 };
	unsigned v = 77;

	(void)state;
	OPTS(&o, "q=10");
	assert_int_equal(port_opt_uint(&o, "q", 1, 10, &v, &e), 0);
	assert_int_equal(v, 10);
	OPTS(&o, "q=0");
	assert_int_equal(port_opt_uint(&o, "q", 0, 0, &v, &e), 0);
	assert_int_equal(v, 0);
	OPTS(&o, "q=4294967295");
	assert_int_equal(port_opt_uint(&o, "q", 0, 4294967295u, &v, &e), 0);
	assert_int_equal(v, 4294967295u);
	v = 77;
	OPTS(&o, "other=1");
	assert_int_equal(port_opt_uint(&o, "q", 1, 10, &v, &e), 0); /* absent: left alone */
	assert_int_equal(v, 77);
	OPTS(&o, "q=11");
	assert_int_equal(port_opt_uint(&o, "q", 1, 10, &v, &e), -EINVAL);
	assert_string_equal(e.msg, "q: '11' is not a number from 1 to 10");
	OPTS(&o, "q=0");
	assert_int_equal(port_opt_uint(&o, "q", 1, 10, &v, &e), -EINVAL);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char msg[ERROR_MSG_MAX];

		o.n = 1;
		snprintf(o.kv[0].key, sizeof(o.kv[0].key), "queues");
		o.kv[0].value = bad[i];
		error_clear(&e);
		assert_int_equal(port_opt_uint(&o, "queues", 0, 4294967295u, &v, &e), -EINVAL);
		snprintf(msg, sizeof(msg), "queues: '%s' is not a number from 0 to 4294967295", bad[i]);
		assert_string_equal(e.msg, msg);
		assert_int_equal(port_opt_uint(&o, "queues", 0, 4294967295u, &v, NULL), -EINVAL);
	}
	assert_int_equal(v, 77);
}

static void the_first_option_nobody_asked_for_is_named(void **state)
{
	struct port_opts o;
	struct error e = { 0 };

	(void)state;
	OPTS(&o, "a=1", "b=2", "c=3");
	assert_string_equal(port_opt_get(&o, "b"), "2");
	assert_null(port_opt_get(&o, "d"));
	assert_int_equal(port_opts_check_unused(&o, &e), -EINVAL);
	assert_string_equal(e.msg, "a: unknown option for this port type");
	assert_string_equal(port_opt_get(&o, "a"), "1");
	assert_int_equal(port_opts_check_unused(&o, NULL), -EINVAL);
	assert_string_equal(port_opt_get(&o, "c"), "3");
	error_clear(&e);
	assert_int_equal(port_opts_check_unused(&o, &e), 0);
	assert_int_equal(e.code, 0);
}

static void a_queue_starts_without_a_worker(void **state)
{
	struct port p;
	struct port_queue q;
	int priv;

	(void)state;
	port_init(&p, "p", &fake_ops, NULL);
	port_queue_init(&q, &p, 3, 9, &priv);
	assert_ptr_equal(q.port, &p);
	assert_int_equal(q.idx, 3);
	assert_int_equal(q.fd, 9);
	assert_int_equal(q.worker, -1);
	assert_false(q.broken);
	assert_ptr_equal(q.priv, &priv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_built_in_kinds_are_found_by_name_in_table_order),
		cmocka_unit_test(an_unknown_kind_is_refused_with_the_known_ones),
		cmocka_unit_test(a_built_in_kind_names_its_bad_option),
		cmocka_unit_test(a_registered_kind_is_created_like_a_built_in_one),
		cmocka_unit_test(registering_a_taken_name_or_too_many_kinds_fails),
		cmocka_unit_test(numbers_are_plain_decimal_within_range),
		cmocka_unit_test(the_first_option_nobody_asked_for_is_named),
		cmocka_unit_test(a_queue_starts_without_a_worker),
	};
	return cmocka_run_group_tests_name("port_kind", tests, NULL, NULL);
}
