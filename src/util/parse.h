/* SPDX-License-Identifier: MIT */
/*
 * Strict parsers for values that come from people and files.  A number is
 * decimal digits and nothing else: no sign, no space, no "0x", no leading
 * zero (but "0" itself), within [min, max].
 */
#ifndef UVNET_UTIL_PARSE_H
#define UVNET_UTIL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
