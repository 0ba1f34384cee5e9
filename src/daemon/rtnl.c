/* SPDX-License-Identifier: MIT */
#include "daemon/rtnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "daemon/ipv4.h"

/* Send one request; run cb on every answer until the ack or the end of
 * the dump.  0 or -errno (the kernel's, for a refused request). */
static int nl_talk(struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	struct timeval tv = { .tv_sec = 3 };
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	char rxbuf[32768];
	unsigned portid, seq;
	int rc;

	if (!nl)
		return -errno;
	seq = req->nlmsg_seq = (unsigned)time(NULL);
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		rc = -errno;
		mnl_socket_close(nl);
		return rc;
	}
	portid = mnl_socket_get_portid(nl);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, rxbuf, sizeof(rxbuf));

		if (n < 0) {
			rc = -errno;
			break;
		}
		rc = mnl_cb_run(rxbuf, (size_t)n, seq, portid, cb, data);
		if (rc == MNL_CB_ERROR) {
			rc = errno ? -errno : -EIO;
			break;
		}
		if (rc == MNL_CB_STOP) {
			rc = 0;
			break;
		}
	}
	mnl_socket_close(nl);
	return rc;
}

int rtnl_link_up(unsigned ifindex, const uint8_t mac[6])
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return nl_talk(nlh, NULL, NULL);
}

int rtnl_addr_add(unsigned ifindex, uint32_t addr, unsigned prefix, uint32_t brd)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(addr));
	mnl_attr_put_u32(nlh, IFA_ADDRESS, htonl(addr));
	mnl_attr_put_u32(nlh, IFA_BROADCAST, htonl(brd));
	return nl_talk(nlh, NULL, NULL);
}

struct addr_walk {
	uint32_t net;
	unsigned prefix;
	const char *skip;           /* an interface whose addresses are ours */
	char hit[80];               /* the first overlapping address, "A/P on IF" */
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_walk *w = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	char ifname[IF_NAMESIZE] = "?", ip[INET_ADDRSTRLEN];
	uint32_t addr = 0;
	bool have = false;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET || w->hit[0])
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		unsigned t = mnl_attr_get_type(a);

		if ((t == IFA_LOCAL || (t == IFA_ADDRESS && !have)) &&
		    mnl_attr_validate(a, MNL_TYPE_U32) >= 0) {
			addr = ntohl(mnl_attr_get_u32(a));
			have = true;
		}
	}
	if_indextoname(ifa->ifa_index, ifname);
	if (have && strcmp(ifname, w->skip) && ipv4_overlaps(addr, ifa->ifa_prefixlen, w->net, w->prefix))
		snprintf(w->hit, sizeof(w->hit), "%s/%u on %s", ipv4_str(addr, ip), ifa->ifa_prefixlen,
			 ifname);
	return MNL_CB_OK;
}

bool rtnl_find_overlap(uint32_t net, unsigned prefix, const char *skip, char *hit, size_t len)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct addr_walk w = { net, prefix, skip, "" };
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	if (nl_talk(nlh, addr_cb, &w))
		return false;
	snprintf(hit, len, "%s", w.hit);
	return w.hit[0] != '\0';
}

struct route_walk {
	unsigned oif;
	uint32_t metric;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_walk *w = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	uint32_t table = rtm->rtm_table, oif = 0, metric = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET || rtm->rtm_dst_len ||
	    rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			continue;
		switch (mnl_attr_get_type(a)) {
		case RTA_TABLE: table = mnl_attr_get_u32(a); break;
		case RTA_OIF: oif = mnl_attr_get_u32(a); break;
		case RTA_PRIORITY: metric = mnl_attr_get_u32(a); break;
		}
	}
	if (table == RT_TABLE_MAIN && oif && (!w->oif || metric < w->metric)) {
		w->oif = oif;
		w->metric = metric;
	}
	return MNL_CB_OK;
}

bool rtnl_default_route_dev(char out[IFNAMSIZ])
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct route_walk w = { 0, 0 };
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	return !nl_talk(nlh, route_cb, &w) && w.oif && if_indextoname(w.oif, out);
}
