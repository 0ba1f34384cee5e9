/* SPDX-License-Identifier: MIT */
/* The Prometheus endpoint (metrics.h). */
#include "daemon/metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/http.h"
#include "daemon/prom.h"
#include "util/log.h"
#include "util/parse.h"

LOG_MODULE("metrics");

/* ---- the page ---- */

/* What one port's lines are made of, read once. */
struct port_snap {
	const char *bridge, *port;
	struct port_counters dir[2];     /* rx, tx */
	struct bridge_port_counters sw;
};

static const char *const dir_names[2] = { "rx", "tx" };

/* uvnet_port_{rx,tx}_{packets,bytes,dropped,errors}_total */
static void port_counters(struct prom *p, const struct port_snap *s, unsigned n)
{
	static const char *const what[4] = { "packets", "bytes", "dropped", "errors" };
	static const char *const help[4] = {
		"frames", "bytes of Ethernet frames", "frames dropped (any reason)",
		"frames lost to errors" };
	char name[64], text[160];

	for (unsigned d = 0; d < 2; d++)
		for (unsigned k = 0; k < 4; k++) {
			snprintf(name, sizeof(name), "uvnet_port_%s_%s_total", dir_names[d], what[k]);
			snprintf(text, sizeof(text), "%s %s the switch by the port", help[k],
				 d ? "out of" : "into");
			prom_family(p, name, "counter", text);
			for (unsigned i = 0; i < n; i++) {
				const struct port_counters *c = &s[i].dir[d];
				uint64_t v[4] = { c->packets, c->bytes, c->dropped, c->errors };
				struct prom_label l[2] = { { "bridge", s[i].bridge }, { "port", s[i].port } };

				prom_sample(p, l, 2, v[k]);
			}
		}
}

/* Frames the switch dropped at a port's ingress, by reason: port
 * security's (stats: security_drops) and policing; MACs not learned. */
static void port_drops(struct prom *p, const struct port_snap *s, unsigned n)
{
	prom_family(p, "uvnet_port_drops_total", "counter",
		    "frames the switch dropped on entry from the port, by reason (port security's, policing)");
	for (unsigned i = 0; i < n; i++) {
		struct prom_label l[3] = { { "bridge", s[i].bridge }, { "port", s[i].port },
					   { "reason", "policing" } };

		for (int r = 0; r < PORT_SEC_NREASONS; r++) {
			l[2].value = port_sec_reason_name(r);
			prom_sample(p, l, 3, s[i].sw.sec_drops[r]);
		}
		l[2].value = "policing";
		prom_sample(p, l, 3, s[i].sw.policing);
	}
	prom_family(p, "uvnet_port_macs_refused_total", "counter",
		    "source MACs not learned: the port's max-macs, or the bridge's table full");
	for (unsigned i = 0; i < n; i++) {
		struct prom_label l[3] = { { "bridge", s[i].bridge }, { "port", s[i].port },
					   { "reason", "max-macs" } };

		prom_sample(p, l, 3, s[i].sw.mac_limit);
		l[2].value = "fdb-full";
		prom_sample(p, l, 3, s[i].sw.fdb_full);
	}
}

/* A vring's state from its port's describe() (vhost-user ports have them). */
static void vrings(struct prom *p, struct daemon *d, bool broken)
{
	prom_family(p, broken ? "uvnet_vring_broken" : "uvnet_vring_running", "gauge",
		    broken ? "1 when the guest broke the vring's rules and it was stopped (show: broken)"
			   : "1 when the vring is started (enabled by the front-end)");
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++) {
		struct daemon_port *dp = &d->ports[i];
		struct json_object *o, *rings;

		if (!dp->port || !dp->port->ops->describe)
			continue;
		o = json_object_new_object();
		dp->port->ops->describe(dp->port, o);
		if (json_object_object_get_ex(o, "vrings", &rings))
			for (size_t k = 0; k < json_object_array_length(rings); k++) {
				struct json_object *r = json_object_array_get_idx(rings, k), *v;
				char idx[24];
				struct prom_label l[3] = { { "bridge", dp->br->sw->name },
							   { "port", dp->port->name }, { "vring", idx } };
				bool on = broken ? json_object_object_get_ex(r, "broken", &v)
						 : json_object_object_get_ex(r, "running", &v) &&
						   json_object_get_boolean(v);

				snprintf(idx, sizeof(idx), "%zu", k);
				prom_sample(p, l, 3, on);
			}
		json_object_put(o);
	}
}

static uint64_t load(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

/* uvnet_worker_*: what stats shows for workers. */
static void workers(struct prom *p, const struct worker_pool *pool)
{
	static const char *const names[4] = { "busy_cycles", "frames", "bursts", "sleeps" };
	static const char *const help[4] = {
		"TSC cycles of poll passes that moved frames (stats: cycles/frame = this / frames)",
		"frames the worker pulled from its queues", "bursts of frames it forwarded",
		"times it went to sleep in epoll" };
	char name[64];

	for (unsigned k = 0; k < 4; k++) {
		snprintf(name, sizeof(name), "uvnet_worker_%s_total", names[k]);
		prom_family(p, name, "counter", help[k]);
		for (unsigned i = 0; i < pool->n; i++) {
			const struct worker *w = &pool->w[i];
			uint64_t v[4] = { load(&w->busy_cycles), load(&w->frames), load(&w->bursts),
					  load(&w->sleeps) };
			char id[16];
			struct prom_label l[1] = { { "worker", id } };

			snprintf(id, sizeof(id), "%u", w->id);
			prom_sample(p, l, 1, v[k]);
		}
	}
}

/* uvnet_fdb_*: each bridge's MAC table. */
static void fdbs(struct prom *p, struct daemon *d)
{
	static const char *const names[5] = { "uvnet_fdb_entries", "uvnet_fdb_capacity",
					      "uvnet_fdb_learned_total", "uvnet_fdb_moved_total",
					      "uvnet_fdb_full_drops_total" };
	static const char *const help[5] = {
		"MAC table entries in use", "MAC table size", "MACs learned (new entries)",
		"MACs that moved to another port", "new MACs refused: the table was full" };

	for (unsigned k = 0; k < 5; k++) {
		prom_family(p, names[k], k < 2 ? "gauge" : "counter", help[k]);
		for (unsigned b = 0; b < DAEMON_MAX_BRIDGES; b++) {
			struct fdb_stats st;
			struct prom_label l[1] = { { "bridge", NULL } };

			if (!d->bridges[b].sw)
				continue;
			st = fdb_stats(d->bridges[b].sw->fdb);
			l[0].value = d->bridges[b].sw->name;
			prom_sample(p, l, 1, k == 0 ? st.entries : k == 1 ? st.capacity :
					     k == 2 ? st.learned : k == 3 ? st.moved : st.full_drops);
		}
	}
}

char *metrics_render(struct daemon *d, size_t *len)
{
	struct port_snap *s = calloc(DAEMON_MAX_PORTS, sizeof(*s));
	struct prom p;
	unsigned n = 0;

	if (!s)
		return NULL;
	for (unsigned i = 0; i < DAEMON_MAX_PORTS; i++) {
		struct daemon_port *dp = &d->ports[i];

		if (!dp->port)
			continue;
		s[n] = (struct port_snap){ dp->br->sw->name, dp->port->name,
					   { port_read(dp->port, false), port_read(dp->port, true) },
					   bridge_port_counters(dp->br->sw, dp->port) };
		n++;
	}
	prom_init(&p);
	port_counters(&p, s, n);
	port_drops(&p, s, n);
	vrings(&p, d, false);
	vrings(&p, d, true);
	workers(&p, &d->pool);
	fdbs(&p, d);
	free(s);
	return prom_finish(&p, len);
}

/* ---- the endpoint ---- */

char *metrics_respond(struct daemon *d, const char *buf, size_t len, bool full, size_t *out_len)
{
	static const char *const text = "text/plain; charset=utf-8";
	struct http_request rq;
	int status = full ? 431 : http_parse_request(buf, len, &rq);
	const char *msg = "bad request\n";
	char *page, *out;
	size_t plen;

	if (!status && strcmp(rq.path, "/metrics"))
		status = 404, msg = "not found: the page is /metrics\n";
	else if (!status && strcmp(rq.method, "GET"))
		status = 405, msg = "only GET\n";
	else if (status == 431)
		msg = "request head too long\n";
	else if (status == 505)
		msg = "only HTTP/1.x\n";
	if (status)
		return http_response(status, text, msg, strlen(msg), out_len);
	page = metrics_render(d, &plen);
	if (!page)
		return http_response(503, text, "out of memory\n", 14, out_len);
	out = http_response(200, PROM_CONTENT_TYPE, page, plen, out_len);
	free(page);
	return out;
}

static bool whole(const char *buf, size_t len, size_t seen)
{
	return http_head_whole(buf, len, seen);
}

static char *respond(void *arg, const struct reqsrv_conn *c, size_t *len)
{
	char *out = metrics_respond(arg, c->buf, c->len,
				    !http_head_whole(c->buf, c->len, 0) && c->len == METRICS_REQUEST_MAX,
				    len);

	if (!out)
		log_warn("could not answer %s: out of memory", c->peer);
	return out;
}

static const struct reqsrv_ops metrics_ops = {
	.what = "metrics",
	.max_request = METRICS_REQUEST_MAX,
	.max_conns = METRICS_MAX_CONNS,
	.request_s = METRICS_REQUEST_S,
	.reply_s = METRICS_REPLY_S,
	.whole = whole,
	.respond = respond,
};

int metrics_listen(const char *addr, struct error *e)
{
	struct sockaddr_storage ss;
	unsigned sl;
	int fd, one = 1, rc;

	if (!parse_hostport(addr, &ss, &sl))
		return error_set(e, -EINVAL, "--metrics: '%s' is not ADDR:PORT (an IPv4 address, or an "
				 "IPv6 one in brackets, and a port 1-65535: 127.0.0.1:9100, [::1]:9100)", addr);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return error_set(e, -errno, "--metrics: %s: %s", addr, strerror(errno));
	if (ss.ss_family == AF_INET6) /* only where told: not the IPv4 side too */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 16)) {
		rc = -errno;
		close(fd);
		return error_set(e, rc, "--metrics: cannot listen on %s: %s", addr, strerror(-rc));
	}
	return fd;
}

int metrics_start(struct metrics_server *m, struct daemon *d, const char *addr, int listen_fd,
		  struct error *e)
{
	snprintf(m->addr, sizeof(m->addr), "%s", addr);
	return reqsrv_start(&m->srv, &metrics_ops, d, &d->loop, m->addr, listen_fd, e);
}

void metrics_expire(struct metrics_server *m, time_t now)
{
	reqsrv_expire(&m->srv, now);
}

void metrics_stop(struct metrics_server *m)
{
	reqsrv_stop(&m->srv);
}
