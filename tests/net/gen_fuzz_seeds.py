#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed inputs of fuzz/fuzz_net_gso.c into fuzz/corpus/net_gso/.

Each seed is [virtio_net_hdr][control][frame] as fuzz_net_gso.c describes:
a TSO frame over IPv4 with options, one over IPv6 behind a VLAN tag with
ECN and an MTU hint, a UFO datagram, and a checksum-only UDP/IPv6 frame.
All stay under the 16 KB max_len of fuzz/run-smoke.sh.  Run it again
after changing that layout; the seeds are kept in the tree.
"""
import os
import struct

PAYLOAD = bytes((i * 37 + (i >> 8)) & 0xff for i in range(6000))
F_NEEDS_CSUM = 1
GSO_TCPV4, GSO_UDP, GSO_TCPV6, GSO_ECN = 1, 3, 4, 0x80


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum((b[i] << 8) | b[i + 1] for i in range(0, len(b), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth(ethertype, vlan=False):
    e = bytes.fromhex('525400123456525400abcdef')
    if vlan:
        e += struct.pack('>HH', 0x8100, 100)
    return e + struct.pack('>H', ethertype)


def ip4(proto, l4_len, opts=b''):
    ihl = 20 + len(opts)
    h = struct.pack('>BBHHHBBH4s4s', 0x40 | ihl // 4, 0, ihl + l4_len,
                    0x1234, 0x4000, 64, proto, 0, bytes([10, 0, 0, 1]),
                    bytes([10, 0, 0, 2])) + opts
    return h[:10] + struct.pack('>H', csum(h)) + h[12:]


def ip6(proto, l4_len):
    addr = bytes.fromhex('20010db8' + '00' * 11)
    return (struct.pack('>IHBB', 0x60012345, l4_len, proto, 64) +
            addr + b'\1' + addr + b'\2')


def tcp(seq, flags, opts=b''):
    return struct.pack('>HHIIBBHHH', 40000, 5201, seq, 0xa1b2c3d4,
                       (20 + len(opts)) // 4 << 4, flags, 502, 0, 0) + opts


def udp(length):
    return struct.pack('>HHHH', 40000, 5201, length, 0)


def seed(flags, gso_type, gso_size, csum_start, csum_offset, junk, hint,
         cuts, hdr_len, frame):
    return (struct.pack('<BBHHHH', flags, gso_type, hdr_len, gso_size,
                        csum_start, csum_offset) +
            bytes([junk]) + struct.pack('<H', hint) + bytes(cuts) + frame)


def tso4():
    t = tcp(0xfffff000, 0x19, b'\1' * 12)     # FIN PSH ACK, 12 NOPs
    l3 = ip4(6, len(t) + 6000, b'\1' * 4)
    l4 = 14 + len(l3)
    return seed(F_NEEDS_CSUM, GSO_TCPV4, 1448, l4, 16, 2, 0, [9, 90, 200],
                l4 + len(t), eth(0x0800) + l3 + t + PAYLOAD)


def tso6_vlan():
    t = tcp(1, 0x90)                          # CWR ACK
    frame = eth(0x86dd, True) + ip6(6, 20 + 4000) + t + PAYLOAD[:4000]
    return seed(F_NEEDS_CSUM, GSO_TCPV6 | GSO_ECN, 1448, 58, 16, 0, 1000,
                [1, 30, 31], 78, frame)


def ufo():
    frame = eth(0x0800) + ip4(17, 8 + 5000) + udp(8 + 5000) + PAYLOAD[:5000]
    return seed(F_NEEDS_CSUM, GSO_UDP, 1480, 34, 6, 1, 0, [50, 51, 255],
                42, frame)


def csum_udp6():
    frame = eth(0x86dd) + ip6(17, 8 + 301) + udp(8 + 301) + PAYLOAD[:301]
    return seed(F_NEEDS_CSUM, 0, 0, 54, 6, 0, 0, [3, 128, 129], 0, frame)


SEEDS = [('tso4', tso4), ('tso6-vlan', tso6_vlan), ('ufo', ufo),
         ('csum-udp6', csum_udp6)]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, '..', '..', 'fuzz', 'corpus', 'net_gso')
    os.makedirs(out, exist_ok=True)
    for name, make in SEEDS:
        with open(os.path.join(out, 'seed-' + name), 'wb') as f:
            f.write(make())


if __name__ == '__main__':
    main()
