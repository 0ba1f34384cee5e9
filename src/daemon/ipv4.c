/* SPDX-License-Identifier: MIT */
#include "daemon/ipv4.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/parse.h"

bool ipv4_overlaps(uint32_t a, unsigned pa, uint32_t b, unsigned pb)
{
	uint32_t m = ipv4_mask(pa < pb ? pa : pb);

	return (a & m) == (b & m);
}

const char *ipv4_str(uint32_t a, char *buf)
{
	struct in_addr x = { htonl(a) };

	return inet_ntop(AF_INET, &x, buf, INET_ADDRSTRLEN);
}

const char *ipv4_subnet_str(const struct ipv4_subnet *s, char *buf)
{
	char ip[INET_ADDRSTRLEN];

	snprintf(buf, IPV4_SUBNET_STRLEN, "%s/%u", ipv4_str(s->net, ip), s->prefix);
	return buf;
}

bool ipv4_parse(const char *s, uint32_t *a)
{
	struct in_addr x;

	if (inet_pton(AF_INET, s, &x) != 1)
		return false;
	*a = ntohl(x.s_addr);
	return true;
}

/* A prefix length: a strict number (util/parse.h); 0-32 is checked by
 * the caller, which says why. */
static bool parse_prefix(const char *s, unsigned *out)
{
	uint64_t v;

	if (!parse_uint(s, 0, 99, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

int ipv4_parse_subnet(const char *s, struct ipv4_subnet *out, struct error *e)
{
	char addr[INET_ADDRSTRLEN], ip[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	struct ipv4_subnet sub;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		goto not_a_subnet;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (!ipv4_parse(addr, &sub.net) || !parse_prefix(slash + 1, &sub.prefix))
		goto not_a_subnet;
	if (sub.prefix < 8 || sub.prefix > 30)
		return error_set(e, -EINVAL, "subnet: '%s': the prefix length must be from 8 to 30", s);
	if (sub.net & ~ipv4_mask(sub.prefix))
		return error_set(e, -EINVAL, "subnet: '%s' has host bits set (the network is %s/%u)", s,
				 ipv4_str(sub.net & ipv4_mask(sub.prefix), ip), sub.prefix);
	if ((sub.net >> 24) == 0 || (sub.net >> 24) == 127 || (sub.net >> 24) >= 224 ||
	    ipv4_overlaps(sub.net, sub.prefix, 0xa9fe0000u, 16))
		return error_set(e, -EINVAL, "subnet: '%s' is not a unicast range a network can use", s);
	*out = sub;
	return 0;
not_a_subnet:
	return error_set(e, -EINVAL, "subnet: '%s' is not an IPv4 network like 192.168.122.0/24", s);
}

static const char *special_name(const struct ipv4_subnet *s, uint32_t a)
{
	if (a == s->net)
		return "network";
	if (a == ipv4_gateway(s))
		return "gateway";
	if (a == ipv4_broadcast(s))
		return "broadcast";
	return NULL;
}

int ipv4_parse_range(const char *text, const struct ipv4_subnet *s, uint32_t *lo, uint32_t *hi,
		     struct error *e)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], sub[IPV4_SUBNET_STRLEN], ip[INET_ADDRSTRLEN];
	const char *comma = strchr(text, ',');
	uint32_t x[2];

	if (!comma || (size_t)(comma - text) >= sizeof(a) || strlen(comma + 1) >= sizeof(b))
		goto not_a_range;
	memcpy(a, text, (size_t)(comma - text));
	a[comma - text] = '\0';
	strcpy(b, comma + 1);
	if (!ipv4_parse(a, &x[0]) || !ipv4_parse(b, &x[1]))
		goto not_a_range;
	for (int i = 0; i < 2; i++) {
		if (!ipv4_contains(s, x[i]))
			return error_set(e, -EINVAL, "dhcp-range: %s is not inside the subnet %s",
					 ipv4_str(x[i], ip), ipv4_subnet_str(s, sub));
		if (special_name(s, x[i]))
			return error_set(e, -EINVAL, "dhcp-range: %s is the subnet's %s address",
					 ipv4_str(x[i], ip), special_name(s, x[i]));
	}
	if (x[0] > x[1])
		return error_set(e, -EINVAL, "dhcp-range: the start %s is above the end %s", a, b);
	*lo = x[0];
	*hi = x[1];
	return 0;
not_a_range:
	return error_set(e, -EINVAL, "dhcp-range: '%s' is not START,END (two IPv4 addresses)", text);
}
