/* SPDX-License-Identifier: MIT */
/*
 * What networks ask of the kernel over rtnetlink (libmnl), in uvnetd's
 * network namespace: bring a link up with a MAC, give it an address, find
 * addresses that overlap a subnet, find the default route's device.
 * Each call opens its own socket and waits at most 3 s for the answer.
 */
#ifndef UVNET_DAEMON_RTNL_H
#define UVNET_DAEMON_RTNL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Set the link's MAC address and bring it up; 0 or -errno. */
int rtnl_link_up(unsigned ifindex, const uint8_t mac[6]);

/* Add (or replace) addr/prefix with broadcast brd on the link; 0 or -errno. */
int rtnl_addr_add(unsigned ifindex, uint32_t addr, unsigned prefix, uint32_t brd);

/* An IPv4 address of this namespace inside net/prefix, on any interface
 * but `skip`: "A/P on IF" written to hit, returns true. */
bool rtnl_find_overlap(uint32_t net, unsigned prefix, const char *skip, char *hit, size_t len);

/* The device of this namespace's IPv4 default route (the lowest metric
 * in the main table); false if there is none. */
bool rtnl_default_route_dev(char out[IFNAMSIZ]);

#endif
