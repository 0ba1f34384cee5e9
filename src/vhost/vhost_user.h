/* SPDX-License-Identifier: MIT */
/*
 * The vhost-user wire protocol (QEMU docs/interop/vhost-user.rst): request
 * codes, flags, protocol feature bits and message payloads.  The kernel
 * ships no header for it; the payload structures that coincide with the
 * vhost ioctl ABI are taken from <linux/vhost_types.h>.
 */
#ifndef UVNET_VHOST_VHOST_USER_H
#define UVNET_VHOST_VHOST_USER_H

#include <stdint.h>
#include <linux/vhost_types.h>

enum vhost_user_request {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_RESET_OWNER = 4,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_LOG_BASE = 6,
	VHOST_USER_SET_LOG_FD = 7,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_SET_VRING_ERR = 14,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
	VHOST_USER_SEND_RARP = 19,
	VHOST_USER_NET_SET_MTU = 20,
	VHOST_USER_SET_BACKEND_REQ_FD = 21,
	VHOST_USER_IOTLB_MSG = 22,
	VHOST_USER_GET_CONFIG = 24,
	VHOST_USER_SET_CONFIG = 25,
	VHOST_USER_GET_INFLIGHT_FD = 31,
	VHOST_USER_SET_INFLIGHT_FD = 32,
	VHOST_USER_RESET_DEVICE = 34,
	VHOST_USER_GET_MAX_MEM_SLOTS = 36,
	VHOST_USER_SET_STATUS = 39,
	VHOST_USER_GET_STATUS = 40,
	VHOST_USER_REQUEST_MAX = 41,
};

/* Header flags. */
#define VHOST_USER_VERSION       0x1u
#define VHOST_USER_VERSION_MASK  0x3u
#define VHOST_USER_REPLY         (1u << 2)
#define VHOST_USER_NEED_REPLY    (1u << 3)

/* Feature bit 30 of GET_FEATURES: protocol features are available. */
#define VHOST_USER_F_PROTOCOL_FEATURES 30

enum vhost_user_protocol_feature {
	VHOST_USER_PROTOCOL_F_MQ = 0,
	VHOST_USER_PROTOCOL_F_LOG_SHMFD = 1,
	VHOST_USER_PROTOCOL_F_RARP = 2,
	VHOST_USER_PROTOCOL_F_REPLY_ACK = 3,
	VHOST_USER_PROTOCOL_F_NET_MTU = 4,
	VHOST_USER_PROTOCOL_F_BACKEND_REQ = 5,
	VHOST_USER_PROTOCOL_F_CONFIG = 9,
	VHOST_USER_PROTOCOL_F_RESET_DEVICE = 13,
	VHOST_USER_PROTOCOL_F_STATUS = 16,
};

/* SET_VRING_KICK/CALL/ERR payload: ring index, and "no fd" flag. */
#define VHOST_USER_VRING_IDX_MASK 0xffu
#define VHOST_USER_VRING_NOFD     (1u << 8)

/* Regions in one SET_MEM_TABLE (the fd-passing limit of the protocol). */
#define VHOST_USER_MAX_REGIONS 8
#define VHOST_USER_MAX_FDS     8

struct vhost_user_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
};

struct vhost_user_memory {
	uint32_t nregions;
	uint32_t padding;
	struct vhost_user_region regions[VHOST_USER_MAX_REGIONS];
};

struct vhost_user_log {
	uint64_t mmap_size;
	uint64_t mmap_offset;
};

#define VHOST_USER_CONFIG_MAX 256
struct vhost_user_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t region[VHOST_USER_CONFIG_MAX];
};

struct vhost_user_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size; /* payload bytes that follow */
} __attribute__((packed));

union vhost_user_payload {
	uint64_t u64;
	struct vhost_vring_state state;
	struct vhost_vring_addr addr;
	struct vhost_user_memory memory;
	struct vhost_user_log log;
	struct vhost_user_config config;
};

/* On the wire the payload follows the 12-byte header directly; in memory
 * it is kept aligned and the two travel as separate iovecs. */
struct vhost_user_msg {
	struct vhost_user_hdr hdr;
	union vhost_user_payload payload;
};

/* Name of a request for logs ("SET_MEM_TABLE"), or "UNKNOWN". */
const char *vhost_user_request_name(uint32_t request);

#endif
