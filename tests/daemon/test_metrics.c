/* SPDX-License-Identifier: MIT */
/*
 * The metrics endpoint's parts: the Prometheus text writer (format,
 * label escaping), the HTTP request head reader (whole heads, strict
 * request lines), the answers to GET /metrics and to everything else, and
 * the page of a daemon with ports (against the fake port kind) carrying
 * the numbers `stats` shows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/http.h"
#include "daemon/metrics.h"
#include "daemon/prom.h"

#include "daemon_fixture.h"

static void the_text_format_escapes_label_values(void **state)
{
	struct prom p;
	struct prom_label l[2] = { { "bridge", "br\"0\\x\ny" }, { "port", "vm1" } };
	size_t len;
	char *text;

	(void)state;
	prom_init(&p);
	prom_family(&p, "uvnet_x_total", "counter", "a back\\slash\nand a newline");
	prom_sample(&p, l, 2, 42);
	prom_sample(&p, l + 1, 1, 18446744073709551615ull);
	prom_family(&p, "uvnet_y", "gauge", "no labels");
	prom_sample(&p, NULL, 0, 0);
	text = prom_finish(&p, &len);
	assert_non_null(text);
	assert_string_equal(text,
			    "# HELP uvnet_x_total a back\\\\slash\\nand a newline\n"
			    "# TYPE uvnet_x_total counter\n"
			    "uvnet_x_total{bridge=\"br\\\"0\\\\x\\ny\",port=\"vm1\"} 42\n"
			    "uvnet_x_total{port=\"vm1\"} 18446744073709551615\n"
			    "# HELP uvnet_y no labels\n"
			    "# TYPE uvnet_y gauge\n"
			    "uvnet_y 0\n");
	assert_int_equal(len, strlen(text));
	free(text);
}

static void a_head_is_whole_at_its_empty_line(void **state)
{
	const char *h = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";

	(void)state;
	assert_true(http_head_whole(h, strlen(h), 0));
	assert_false(http_head_whole(h, strlen(h) - 1, 0));
	/* the empty line straddling what was seen before and what is new */
	assert_true(http_head_whole(h, strlen(h), strlen(h) - 2));
	assert_true(http_head_whole("GET / HTTP/1.0\n\n", 16, 15));
	assert_false(http_head_whole("GET / HTTP/1.0\r\n", 16, 0));
}

static void request_lines_are_read_strictly(void **state)
{
	static const struct { const char *line; int status; } cases[] = {
		{ "GET /metrics HTTP/1.1\r\n", 0 },
		{ "GET /metrics?x=1 HTTP/1.0\n", 0 },
		{ "GET  /metrics HTTP/1.1\r\n", 400 },          /* two spaces */
		{ "GET metrics HTTP/1.1\r\n", 400 },            /* not origin-form */
		{ "GET /metrics HTTP/1.1", 400 },               /* no end of line */
		{ "GET /metrics HTTP/1.1\rX", 400 },
		{ "GET /metrics HTTP/2.0\r\n", 505 },
		{ "GET /metrics HTTP/1.10\r\n", 505 },
		{ "GET /metrics FTP/1.1\r\n", 400 },
		{ "G(T /metrics HTTP/1.1\r\n", 400 },           /* not a token */
		{ "GET /me\x01trics HTTP/1.1\r\n", 400 },
		{ "VERYLONGMETHODNAME /metrics HTTP/1.1\r\n", 400 },
		{ "", 400 },
	};
	struct http_request rq;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = http_parse_request(cases[i].line, strlen(cases[i].line), &rq);

		if (st != cases[i].status)
			fail_msg("'%s': %d, not %d", cases[i].line, st, cases[i].status);
	}
	assert_int_equal(http_parse_request("GET /metrics?x=1 HTTP/1.0\n", 26, &rq), 0);
	assert_string_equal(rq.method, "GET");
	assert_string_equal(rq.path, "/metrics");
	assert_int_equal(rq.minor, 0);
}

/* The response (bytes, not a string) as a string: the caller frees it. */
static char *respond(struct daemon *d, const char *req, size_t len, bool full)
{
	size_t n;
	char *r = metrics_respond(d, req, len, full, &n), *s;

	assert_non_null(r);
	s = calloc(1, n + 1);
	assert_non_null(s);
	memcpy(s, r, n);
	free(r);
	return s;
}

/* The response's status code and its body (after the empty line). */
static int status_of(const char *resp, const char **body)
{
	*body = strstr(resp, "\r\n\r\n") + 4;
	return atoi(resp + 9);
}

static void only_get_metrics_is_answered_with_the_page(void **state)
{
	struct daemon *d = ((struct fixture *)*state)->d;
	static const struct { const char *req; int status; } cases[] = {
		{ "GET /metrics HTTP/1.1\r\n\r\n", 200 },
		{ "GET / HTTP/1.1\r\n\r\n", 404 },
		{ "GET /metrics/x HTTP/1.1\r\n\r\n", 404 },
		{ "POST /metrics HTTP/1.1\r\n\r\n", 405 },
		{ "HEAD /metrics HTTP/1.1\r\n\r\n", 405 },
		{ "GET /metrics HTTP/3\r\n\r\n", 505 },
		{ "hello\r\n\r\n", 400 },
	};
	const char *body;
	size_t len;
	char *r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = respond(d, cases[i].req, strlen(cases[i].req), false);
		if (status_of(r, &body) != cases[i].status)
			fail_msg("'%s': got %.40s", cases[i].req, r);
		if (cases[i].status == 405 && !strstr(r, "\r\nAllow: GET\r\n"))
			fail_msg("405 without Allow: %s", r);
		free(r);
	}
	r = respond(d, "GET /metrics HTTP/1.1\r\nX: aaaa", 30, true);
	assert_int_equal(status_of(r, &body), 431);
	free(r);
	r = metrics_respond(d, cases[0].req, strlen(cases[0].req), false, &len);
	free(r);
	r = respond(d, cases[0].req, strlen(cases[0].req), false);
	assert_non_null(strstr(r, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(r, "\r\nConnection: close\r\n"));
	status_of(r, &body);
	assert_int_equal(len, strlen(r));
	assert_int_equal(atoi(strstr(r, "Content-Length: ") + 16), strlen(body));
	free(r);
}

static void the_page_has_every_ports_counters_and_the_workers(void **state)
{
	struct daemon *d = ((struct fixture *)*state)->d;
	struct daemon_port *dp;
	size_t len;
	char *page;

	OK(d, "add-br", "br0");
	OK(d, "add-port", "br0", "p1", "type=fake");
	OK(d, "add-port", "br0", "p2", "type=fake", "ingress-policing-rate=1000");
	dp = daemon_find_port(d, "p2");
	/* what a worker would have counted */
	port_count(port_rx(dp->port, 0), 7, 700, 3, 1);
	port_count(port_tx(dp->port, 0), 5, 500, 0, 0);
	dp->br->sw->counters[dp->port->index][0].policing = 3;
	dp->br->sw->counters[dp->port->index][0].sec_drops[PORT_SEC_ETH_SRC] = 2;
	page = metrics_render(d, &len);
	assert_non_null(page);
	assert_int_equal(len, strlen(page));
	for (const char *const *l = (const char *const[]){
		     "# TYPE uvnet_port_rx_packets_total counter\n",
		     "\nuvnet_port_rx_packets_total{bridge=\"br0\",port=\"p2\"} 7\n",
		     "\nuvnet_port_rx_packets_total{bridge=\"br0\",port=\"p1\"} 0\n",
		     "\nuvnet_port_rx_bytes_total{bridge=\"br0\",port=\"p2\"} 700\n",
		     "\nuvnet_port_rx_dropped_total{bridge=\"br0\",port=\"p2\"} 3\n",
		     "\nuvnet_port_rx_errors_total{bridge=\"br0\",port=\"p2\"} 1\n",
		     "\nuvnet_port_tx_packets_total{bridge=\"br0\",port=\"p2\"} 5\n",
		     "\nuvnet_port_tx_bytes_total{bridge=\"br0\",port=\"p2\"} 500\n",
		     "\nuvnet_port_drops_total{bridge=\"br0\",port=\"p2\",reason=\"policing\"} 3\n",
		     "\nuvnet_port_drops_total{bridge=\"br0\",port=\"p2\",reason=\"eth-src\"} 2\n",
		     "\nuvnet_port_macs_refused_total{bridge=\"br0\",port=\"p1\",reason=\"fdb-full\"} 0\n",
		     "# TYPE uvnet_worker_busy_cycles_total counter\n",
		     "\nuvnet_worker_frames_total{worker=\"0\"} ",
		     "# TYPE uvnet_fdb_entries gauge\n",
		     "\nuvnet_fdb_entries{bridge=\"br0\"} 0\n",
		     "\nuvnet_fdb_capacity{bridge=\"br0\"} 8192\n",
		     "# TYPE uvnet_vring_broken gauge\n",
		     NULL }; *l; l++)
		if (!strstr(page, *l))
			fail_msg("no '%s' in:\n%s", *l, page);
	free(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_text_format_escapes_label_values),
		cmocka_unit_test(a_head_is_whole_at_its_empty_line),
		cmocka_unit_test(request_lines_are_read_strictly),
		cmocka_unit_test_setup_teardown(only_get_metrics_is_answered_with_the_page, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(the_page_has_every_ports_counters_and_the_workers,
						fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
