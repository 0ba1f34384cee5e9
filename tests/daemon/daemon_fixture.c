/* SPDX-License-Identifier: MIT */
#include "daemon_fixture.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/verbs.h"
#include "port/port_kind.h"

unsigned fake_created, fake_destroyed;

struct fake_port {
	struct port p;
	char colour[16];
};

static void fake_describe(struct port *p, struct json_object *o)
{
	json_object_object_add(o, "colour", json_object_new_string(((struct fake_port *)p)->colour));
}

static void fake_destroy(struct port *p)
{
	fake_destroyed++;
	free(p);
}

static const struct port_ops fake_ops = {
	.kind = "fake",
	.describe = fake_describe,
	.destroy = fake_destroy,
};

static int fake_create(const char *name, struct port_opts *o, struct port_env *env,
		       struct port **out, struct error *e)
{
	const char *colour = port_opt_get(o, "colour");
	struct fake_port *fp;
	int rc;

	if (colour && (!colour[0] || strlen(colour) >= sizeof(fp->colour)))
		return error_set(e, -EINVAL, "colour: '%s' is not a colour", colour);
	if ((rc = port_opts_check_unused(o, e)))
		return rc;
	fp = calloc(1, sizeof(*fp));
	if (!fp)
		return error_set(e, -ENOMEM, "out of memory");
	port_init(&fp->p, name, &fake_ops, env);
	snprintf(fp->colour, sizeof(fp->colour), "%s", colour ? colour : "none");
	fake_created++;
	*out = &fp->p;
	return 0;
}

static const struct port_kind fake_kind = {
	.name = "fake", .options = "[colour=NAME]", .create = fake_create,
};

void fake_kind_register(void)
{
	if (!port_kind_find("fake"))
		assert_int_equal(port_kind_register(&fake_kind), 0);
	assert_ptr_equal(port_kind_find("fake"), &fake_kind);
}

void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/uvnet-test-daemon.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	fixture_path(f, "uvnetd.sock", f->control, sizeof(f->control));
	fixture_path(f, "uvnetd.state", f->state, sizeof(f->state));
}

void fixture_path(const struct fixture *f, const char *name, char *buf, size_t len)
{
	assert_true((size_t)snprintf(buf, len, "%s/%s", f->dir, name) < len);
}

struct daemon *fixture_start(struct fixture *f)
{
	const struct daemon_config cfg = {
		.control_path = f->control, .state_path = f->state, .workers = 1, .poll = POLL_EVENT,
	};
	struct error e = { 0 };
	int rc;

	assert_null(f->d);
	f->d = calloc(1, sizeof(*f->d));
	assert_non_null(f->d);
	rc = daemon_start(f->d, &cfg, &e);
	if (rc)
		fail_msg("daemon_start: %d %s", rc, e.msg);
	return f->d;
}

void fixture_stop(struct fixture *f)
{
	if (!f->d)
		return;
	daemon_stop(f->d);
	free(f->d);
	f->d = NULL;
}

void fixture_fini(struct fixture *f)
{
	DIR *dir;
	struct dirent *de;

	fixture_stop(f);
	if (!f->dir[0])
		return;
	dir = opendir(f->dir);
	while (dir && (de = readdir(dir))) {
		char path[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", f->dir, de->d_name);
		if (unlink(path) && errno == EISDIR)
			rmdir(path); /* what a failed test planted (empty) */
	}
	if (dir)
		closedir(dir);
	rmdir(f->dir);
	f->dir[0] = '\0';
}

struct json_object *request_words(struct daemon *d, const char *const *w, unsigned n)
{
	struct json_object *req = json_object_new_array(), *rep;
	struct verb_takeover t;

	for (unsigned i = 0; i < n; i++)
		json_object_array_add(req, json_object_new_string(w[i]));
	rep = verbs_execute(d, req, &t);
	if (t.take) /* no connection here: a capture ends at once */
		t.take(t.arg, -1);
	json_object_put(req);
	assert_non_null(rep);
	return rep;
}

static struct json_object *vrequest(struct daemon *d, const char *w0, va_list ap)
{
	const char *w[64];
	unsigned n = 0;

	for (const char *s = w0; s; s = va_arg(ap, const char *)) {
		assert_true(n < 64);
		w[n++] = s;
	}
	return request_words(d, w, n);
}

struct json_object *request(struct daemon *d, const char *w0, ...)
{
	struct json_object *rep;
	va_list ap;

	va_start(ap, w0);
	rep = vrequest(d, w0, ap);
	va_end(ap);
	return rep;
}

char *json_text(struct json_object *o)
{
	char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							JSON_C_TO_STRING_NOSLASHESCAPE));

	assert_non_null(s);
	return s;
}

char *ok_(const char *where, struct daemon *d, const char *w0, ...)
{
	struct json_object *rep, *ok, *res;
	char *text;
	va_list ap;

	va_start(ap, w0);
	rep = vrequest(d, w0, ap);
	va_end(ap);
	if (!json_object_object_get_ex(rep, "ok", &ok) || !json_object_get_boolean(ok)) {
		text = json_text(rep);
		json_object_put(rep);
		fail_msg("%s: %s: expected success, got %s", where, w0, text);
	}
	assert_true(json_object_object_get_ex(rep, "result", &res));
	assert_false(json_object_object_get_ex(rep, "error", NULL));
	text = json_text(res);
	json_object_put(rep);
	return text;
}

void fails_(const char *where, struct daemon *d, const char *msg, const char *w0, ...)
{
	struct json_object *rep, *ok, *err;
	char *text;
	va_list ap;

	va_start(ap, w0);
	rep = vrequest(d, w0, ap);
	va_end(ap);
	text = json_text(rep);
	if (!json_object_object_get_ex(rep, "ok", &ok) || json_object_get_boolean(ok) ||
	    !json_object_object_get_ex(rep, "error", &err) ||
	    !json_object_is_type(err, json_type_string) || strcmp(json_object_get_string(err), msg) ||
	    json_object_object_get_ex(rep, "result", NULL)) {
		json_object_put(rep);
		fail_msg("%s: %s: expected error \"%s\", got %s", where, w0 ? w0 : "", msg, text);
	}
	free(text);
	json_object_put(rep);
}

char *read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long len;

	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

int fixture_setup_stopped(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	fake_kind_register();
	fixture_init(f);
	fake_created = fake_destroyed = 0;
	*state = f;
	return 0;
}

int fixture_setup(void **state)
{
	if (fixture_setup_stopped(state))
		return -1;
	fixture_start(*state);
	return 0;
}

int fixture_teardown(void **state)
{
	fixture_fini(*state);
	free(*state);
	return 0;
}
