/* SPDX-License-Identifier: MIT */
#include "util/parse.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

bool parse_uint_n(const char *s, size_t n, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !n || (s[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return s && parse_uint_n(s, strlen(s), min, max, out);
}

bool parse_decimal(const char *s, double max, double *out)
{
	const char *dot = s ? strchr(s, '.') : NULL;
	size_t ilen = dot ? (size_t)(dot - s) : (s ? strlen(s) : 0);
	uint64_t ip;
	double v, scale = 0.1;

	if (!parse_uint_n(s, ilen, 0, UINT64_MAX, &ip))
		return false;
	v = (double)ip;
	if (dot) {
		if (!dot[1])
			return false;
		for (const char *p = dot + 1; *p; p++, scale /= 10) {
			if (*p < '0' || *p > '9')
				return false;
			v += (*p - '0') * scale;
		}
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

bool parse_octal_mode(const char *s, unsigned max, unsigned *out)
{
	size_t n = s ? strlen(s) : 0;
	unsigned v = 0;

	if (n == 0 || n > 4)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '7')
			return false;
		v = v * 8 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6];

	if (!s || strlen(s) != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		int hi = hex(s[3 * i]), lo = hex(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return false;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, 6);
	return true;
}

bool parse_name_n(const char *s, size_t n, size_t max)
{
	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && !strchr("-_.", s[i]))
			return false;
	return true;
}

bool parse_hex(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t n;

	if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return false;
	n = strlen(s + 2);
	if (n == 0 || n > 16)
		return false;
	for (size_t i = 0; i < n; i++) {
		int d = hex(s[2 + i]);

		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

bool parse_hostport(const char *s, struct sockaddr_storage *ss, unsigned *len)
{
	const char *colon = s ? strrchr(s, ':') : NULL;
	char host[INET6_ADDRSTRLEN];
	size_t hlen;
	uint64_t port;

	if (!colon || !parse_uint(colon + 1, 1, 65535, &port))
		return false;
	hlen = (size_t)(colon - s);
	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (hlen < 3 || colon[-1] != ']' || hlen - 2 >= sizeof(host))
			return false;
		memcpy(host, s + 1, hlen - 2);
		host[hlen - 2] = '\0';
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return false;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (!hlen || hlen >= sizeof(host))
			return false;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		/* inet_pton takes only dotted quads: no "1", no octal, no hex */
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return false;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*len = sizeof(*a);
	}
	return true;
}
