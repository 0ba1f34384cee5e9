#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write fuzz_vhost_msg's seed inputs into fuzz/corpus/vhost_msg/.

Each seed is a valid front-end conversation in the input layout
fuzz/fuzz_vhost_msg.c describes: a device byte, then vhost-user messages
(12-byte header + payload).  fds are implied by the request (flags' top
nibble 0): a memfd per SET_MEM_TABLE region, an eventfd per vring fd
request without NOFD.  Run it again after changing that layout; the seeds
are kept in the tree.  Also regressions.
"""
import os
import struct

GET_FEATURES, SET_FEATURES, SET_OWNER, RESET_OWNER, SET_MEM_TABLE = 1, 2, 3, 4, 5
SET_LOG_BASE, SET_LOG_FD = 6, 7
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE = 8, 9, 10, 11
SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR = 12, 13, 14
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM = 15, 16, 17
SET_VRING_ENABLE, SEND_RARP, NET_SET_MTU, SET_BACKEND_REQ_FD = 18, 19, 20, 21
GET_CONFIG, RESET_DEVICE, SET_STATUS, GET_STATUS = 24, 34, 39, 40

V1, NEED_REPLY, NOFD = 0x1, 0x8, 0x100

F_VERSION_1, F_PACKED, F_EVENT_IDX, F_INDIRECT = 1 << 32, 1 << 34, 1 << 29, 1 << 28
F_MRG_RXBUF, F_PROTOCOL = 1 << 15, 1 << 30
P_MQ, P_REPLY_ACK, P_RARP, P_MTU, P_BACKEND_REQ, P_STATUS = 1, 8, 4, 16, 32, 1 << 16
P_LOG_SHMFD, F_LOG_ALL, F_GUEST_ANNOUNCE, VRING_F_LOG = 2, 1 << 26, 1 << 21, 1

UVA = 0x7f1200000000
MEM = 0x40000
RING_NUM = 256


def msg(req, payload=b'', flags=V1):
    return struct.pack('<III', req, flags, len(payload)) + payload


def u64(req, v, flags=V1):
    return msg(req, struct.pack('<Q', v), flags)


def state(req, idx, num):
    return msg(req, struct.pack('<II', idx, num))


def ring_off(i):
    return 0x10000 + i * 0x4000


def addr(idx, slot=None, base=UVA, log=False):
    """SET_VRING_ADDR for ring idx, placed at ring_off(slot) (default idx);
    log: VHOST_VRING_F_LOG with the used ring's guest-physical address."""
    off = ring_off(idx if slot is None else slot)
    return msg(SET_VRING_ADDR, struct.pack('<IIQQQQ', idx, VRING_F_LOG if log else 0, base + off,
                                           base + off + 0x2000, base + off + 0x1000,
                                           off + 0x2000 if log else 0))


def mem_table(regions, flags=V1 | NEED_REPLY):
    """regions: (gpa, size, uva, mmap_offset)."""
    body = struct.pack('<II', len(regions), 0)
    for r in regions:
        body += struct.pack('<QQQQ', *r)
    return msg(SET_MEM_TABLE, body, flags)


def startup(nrings=2, proto=P_MQ | P_REPLY_ACK | P_BACKEND_REQ | P_STATUS):
    """QEMU 7.2 connecting: features, protocol, owner, call/err fds."""
    s = msg(GET_FEATURES) + msg(GET_PROTOCOL_FEATURES)
    s += u64(SET_PROTOCOL_FEATURES, proto) + msg(GET_QUEUE_NUM)
    s += msg(SET_BACKEND_REQ_FD, flags=V1 | NEED_REPLY) + msg(SET_OWNER)
    s += msg(GET_FEATURES)
    for i in range(nrings):
        s += u64(SET_VRING_CALL, i) + u64(SET_VRING_ERR, i)
    return s


def rings_up(features, nrings=2, base=0, kick_flags=0, offset=0):
    s = u64(SET_FEATURES, features) + mem_table([(0, MEM - offset, UVA, offset)])
    for i in range(nrings):
        s += state(SET_VRING_NUM, i, RING_NUM) + state(SET_VRING_BASE, i, base)
        s += addr(i) + u64(SET_VRING_KICK, i | kick_flags) + u64(SET_VRING_CALL, i)
        if features & F_PROTOCOL:
            s += state(SET_VRING_ENABLE, i, 1)
    return s


def rings_down(nrings=2):
    return b''.join(state(GET_VRING_BASE, i, 0) for i in range(nrings))


QEMU = F_VERSION_1 | F_EVENT_IDX | F_MRG_RXBUF | F_PROTOCOL


def seed_startup():
    return bytes([0]) + startup()


def seed_split():
    return (bytes([0]) + startup() + rings_up(QEMU) +
            u64(SET_STATUS, 0xf, V1 | NEED_REPLY) + msg(GET_STATUS) + rings_down())


def seed_packed():
    return (bytes([0]) + startup() + rings_up(QEMU | F_PACKED | F_INDIRECT, base=0x8000) +
            rings_down())


def seed_restart():
    """Running rings across a new memory table, new features, a stop and
    a resume, then a device reset."""
    return (bytes([0]) + startup() + rings_up(QEMU) +
            mem_table([(0, MEM, UVA, 0), (0x100000, 0x10000, UVA + 0x100000, 0)]) +
            u64(SET_FEATURES, QEMU & ~F_EVENT_IDX) + rings_down() +
            u64(SET_VRING_KICK, 0) + u64(SET_VRING_KICK, 1) +
            msg(RESET_OWNER) + startup() + rings_up(QEMU))


def seed_no_protocol():
    """No PROTOCOL_FEATURES: rings start without SET_VRING_ENABLE; polling
    (NOFD) kicks."""
    s = bytes([0]) + msg(GET_FEATURES) + msg(SET_OWNER)
    s += rings_up(F_VERSION_1, kick_flags=NOFD) + rings_down()
    return s


def seed_multiqueue():
    """Four queue pairs, three regions; the rings in the second, two pairs
    sharing memory (legal, if odd)."""
    s = bytes([3]) + startup(nrings=8, proto=P_MQ | P_REPLY_ACK | P_RARP | P_MTU)
    s += u64(SET_FEATURES, QEMU | (1 << 22))
    s += mem_table([(0, 0x10000, UVA, 0), (0x10000, 0x20000, UVA + 0x10000, 0),
                    (0x100000, 0x10000, UVA + 0x30000, 0x1000)])
    for i in range(8):
        s += state(SET_VRING_NUM, i, 64) + state(SET_VRING_BASE, i, 0) + addr(i, slot=i % 4)
        s += u64(SET_VRING_KICK, i) + state(SET_VRING_ENABLE, i, 1)
    s += u64(NET_SET_MTU, 9000) + u64(SEND_RARP, 0x5452003456)
    s += msg(GET_CONFIG, struct.pack('<III', 0, 8, 0) + bytes(8))
    s += rings_down(8) + msg(RESET_DEVICE)
    return s


def seed_misaligned_offset():
    """Regression: an odd mmap_offset left rings aligned in the front-end's
    address space misaligned in ours (their start must fail)."""
    return bytes([0]) + startup() + rings_up(QEMU, offset=0x2d) + rings_down()


def seed_migration():
    """QEMU 7.2 migrating: SET_LOG_BASE, LOG_ALL, every ring's address with
    VHOST_VRING_F_LOG, a bigger log at an offset while logging, the stop."""
    proto = P_MQ | P_REPLY_ACK | P_BACKEND_REQ | P_STATUS | P_LOG_SHMFD | P_RARP
    s = bytes([0]) + startup(proto=proto) + rings_up(QEMU | F_GUEST_ANNOUNCE)
    s += msg(SET_LOG_BASE, struct.pack('<QQ', 4096, 0))
    s += u64(SET_FEATURES, QEMU | F_GUEST_ANNOUNCE | F_LOG_ALL)
    s += addr(0, log=True) + addr(1, log=True)
    s += msg(SET_LOG_BASE, struct.pack('<QQ', 8192, 0x1064))
    s += rings_down() + u64(SEND_RARP, 0x5452003456)
    return s


SEEDS = [('startup', seed_startup), ('split', seed_split), ('packed', seed_packed),
         ('restart', seed_restart), ('no-protocol', seed_no_protocol),
         ('multiqueue', seed_multiqueue), ('misaligned-offset', seed_misaligned_offset),
         ('migration', seed_migration)]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, '..', '..', 'fuzz', 'corpus', 'vhost_msg')
    os.makedirs(out, exist_ok=True)
    for name, make in SEEDS:
        with open(os.path.join(out, 'seed-' + name), 'wb') as f:
            f.write(make())


if __name__ == '__main__':
    main()
