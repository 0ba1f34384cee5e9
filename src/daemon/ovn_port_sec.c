/* SPDX-License-Identifier: MIT */
/*
 * OVN port_security entries as uvnet port security (ovn_port_sec.h): the
 * entry's words joined into port_sec_parse()'s "MAC,IP[/LEN],..." form,
 * after a character check that leaves nothing else to slip through the
 * join (a comma in a word would become another item).
 */
#include "daemon/ovn_port_sec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PREFIX "port-security: "

static bool word_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	       c == ':' || c == '.' || c == '/';
}

int ovn_port_sec_parse(const char *entry, struct port_sec *ps, struct error *e)
{
	char csv[OVN_PORT_SEC_MAX + 1], why[ERROR_MSG_MAX];
	size_t len = strnlen(entry, OVN_PORT_SEC_MAX + 1), n = 0;
	int rc;

	if (len > OVN_PORT_SEC_MAX)
		return error_set(e, -EINVAL, "port_security: an entry longer than %d characters",
				 OVN_PORT_SEC_MAX);
	for (size_t i = 0; i < len;) {
		size_t w = strspn(entry + i, " \t"), k;

		i += w;
		if (i == len)
			break;
		for (k = i; k < len && entry[k] != ' ' && entry[k] != '\t'; k++)
			if (!word_char(entry[k]))
				return error_set(e, -EINVAL,
						 "port_security '%.80s': character 0x%02x is not part of a MAC or an IP address",
						 entry, (unsigned char)entry[k]);
		if (n)
			csv[n++] = ',';
		memcpy(csv + n, entry + i, k - i);
		n += k - i;
		i = k;
	}
	csv[n] = '\0';
	if (!n)
		return error_set(e, -EINVAL, "port_security: an empty entry (expected \"MAC [IP[/LEN] ...]\")");
	if ((rc = port_sec_parse(ps, csv, e))) {
		snprintf(why, sizeof(why), "%s", strncmp(e->msg, PREFIX, strlen(PREFIX)) ? e->msg :
			 e->msg + strlen(PREFIX));
		return error_set(e, rc, "port_security '%.80s': %s", entry, why);
	}
	return 0;
}
