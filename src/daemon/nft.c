/* SPDX-License-Identifier: MIT */
#include "daemon/nft.h"

#include <errno.h>
#include <stdio.h>

#include "daemon/child.h"

static int fits(int n, size_t len)
{
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

static int render_nat(const struct nft_network *n, const char *in, const char *out,
		      const char *sub, char *buf, size_t len)
{
	return snprintf(buf, len,
			"\t\toifname \"%s\" ip daddr %s ct state established,related accept\n"
			"\t\toifname \"%s\" drop\n"
			"\t\t%s ip saddr %s %s accept\n"
			"\t\t%s drop\n"
			"\t}\n"
			"\tchain postrouting {\n"
			"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
			"\t\tip saddr %s ip daddr 224.0.0.0/24 return\n"
			"\t\tip saddr %s ip daddr 255.255.255.255 return\n"
			"\t\tip saddr %s ip daddr != %s %s masquerade\n"
			"\t}\n}\n",
			n->port, sub, n->port, in, sub, out, in, sub, sub, sub, sub, out);
}

static int render_isolated(const struct nft_network *n, const char *in, char *buf, size_t len)
{
	char gw[INET_ADDRSTRLEN];

	return snprintf(buf, len,
			"\t\t%s drop\n"
			"\t\toifname \"%s\" drop\n"
			"\t}\n"
			"\tchain input {\n"
			"\t\ttype filter hook input priority filter; policy accept;\n"
			"\t\t%s meta nfproto ipv6 drop\n"
			"\t\t%s fib daddr type local ip daddr != %s drop\n"
			"\t}\n}\n",
			in, n->port, in, in, ipv4_str(ipv4_gateway(&n->subnet), gw));
}

int nft_render_table(const struct nft_network *n, char *buf, size_t len)
{
	char sub[IPV4_SUBNET_STRLEN], in[64], out[64];
	int head, body;

	ipv4_subnet_str(&n->subnet, sub);
	snprintf(in, sizeof(in), "iifname \"%s\"", n->port);
	if (n->uplink && n->uplink[0])
		snprintf(out, sizeof(out), "oifname \"%s\"", n->uplink);
	else
		snprintf(out, sizeof(out), "oifname != \"%s\"", n->port);
	/* inet: the forward rules see IPv6 too, and every rule that names
	 * only IPv4 ("ip saddr") lets the drop after it take IPv6.  The
	 * first two lines remove a table an older uvnetd made (ip family). */
	head = fits(snprintf(buf, len,
			     "table ip uvnet-%s\n"
			     "delete table ip uvnet-%s\n"
			     "table inet uvnet-%s\n"
			     "delete table inet uvnet-%s\n"
			     "table inet uvnet-%s {\n"
			     "\tchain forward {\n"
			     "\t\ttype filter hook forward priority filter; policy accept;\n",
			     n->name, n->name, n->name, n->name, n->name), len);
	if (head < 0)
		return head;
	body = n->isolated ? render_isolated(n, in, buf + head, len - (size_t)head)
			   : render_nat(n, in, out, sub, buf + head, len - (size_t)head);
	return fits(body, len - (size_t)head) < 0 ? -ENOSPC : head + body;
}

int nft_render_delete(const char *name, char *buf, size_t len)
{
	return fits(snprintf(buf, len, "table inet uvnet-%s\ndelete table inet uvnet-%s\n", name,
			     name), len);
}

int nft_load(const char *rules, struct error *e)
{
	char bin[64], out[4096];
	char *argv[] = { bin, "-f", "-", NULL };

	if (!child_find_prog("nft", bin, sizeof(bin)))
		return error_set(e, -ENOENT, "nft: not found (install nftables)");
	return child_run(argv, rules, out, sizeof(out), e);
}
