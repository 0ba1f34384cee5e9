/* SPDX-License-Identifier: MIT */
/*
 * Strict parsers for values that come from people and files, the one set
 * every option of uvnetd, uvnetctl and the tools goes through.  A number is
 * decimal digits and nothing else: no sign, no space, no "0x", no leading
 * zero (but "0" itself), within [min, max].  strtoul() would take " 10",
 * "+10" and "-18446744073709551606" (which it negates into 10).
 */
#ifndef UVNET_UTIL_PARSE_H
#define UVNET_UTIL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* The same over the n bytes at s (not NUL-terminated: a piece of a list). */
bool parse_uint_n(const char *s, size_t n, uint64_t min, uint64_t max, uint64_t *out);

/* A non-negative decimal like "15", "0.5" or "2.25": digits, at most one
 * '.' with digits on both sides; no sign, space, exponent, "inf" or
 * "nan"; at most max. */
bool parse_decimal(const char *s, double max, double *out);

/* A file mode in octal: 1 to 4 digits 0-7 (a leading 0 allowed, "0660"
 * or "660"), at most max (0777: permission bits only). */
bool parse_octal_mode(const char *s, unsigned max, unsigned *out);

/* A MAC address: six pairs of hex digits separated by ':', nothing else. */
bool parse_mac(const char *s, uint8_t mac[6]);

/* A name of a bridge, port, mirror, network or VM: the n bytes at s, 1 to
 * max - 1 of them (max: the buffer it must fit, NUL included), each one of
 * A-Z a-z 0-9 - _ . */
bool parse_name_n(const char *s, size_t n, size_t max);

/* "0x" (or "0X") and 1 to 16 hex digits, at most max ("0x0800"). */
bool parse_hex(const char *s, uint64_t max, uint64_t *out);

/*
 * A listening address: an IPv4 literal and a port ("127.0.0.1:9100") or
 * an IPv6 literal in brackets and a port ("[::1]:9100"); port 1-65535, a
 * number as parse_uint() reads them; no names, no scope ids.  Fills *ss
 * and *len for bind().
 */
struct sockaddr_storage;
bool parse_hostport(const char *s, struct sockaddr_storage *ss, unsigned *len);

#endif
