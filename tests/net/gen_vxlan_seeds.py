#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed inputs of fuzz/fuzz_net_vxlan.c into fuzz/corpus/net_vxlan/.

Each seed is [virtio_net_hdr][control][limits][cuts][frame] as
fuzz_net_vxlan.c describes: a TSO frame from a guest with a 1500 MTU
behind a 1450 tunnel, a tagged TSO/IPv6 frame leaving untagged, a UFO
datagram, a checksum-only TCP frame leaving tagged, and received VXLAN
payloads (valid, bad flags, reserved bits, runt).  The packet builders
are tests/net/gen_fuzz_seeds.py's.  Run it again after changing that
layout; the seeds are kept in the tree.
"""
import os
import struct

from gen_fuzz_seeds import (F_NEEDS_CSUM, GSO_TCPV4, GSO_TCPV6, GSO_UDP, PAYLOAD,
                            eth, ip4, ip6, tcp, udp)


def seed(flags, gso_type, gso_size, csum_start, csum_offset, ctl, max_inner,
         max_seg, cuts, hdr_len, frame):
    return (struct.pack('<BBHHHH', flags, gso_type, hdr_len, gso_size,
                        csum_start, csum_offset) + bytes([ctl]) +
            struct.pack('<HH', max_inner, max_seg) + bytes(cuts) + frame)


def vxlan(vni, flags=0x08, r1=0, r2=0):
    return bytes([flags, 0, 0, r1]) + vni.to_bytes(3, 'big') + bytes([r2])


def tso4_mtu1500():
    t = tcp(1000, 0x18)                       # PSH ACK
    frame = eth(0x0800) + ip4(6, 20 + 6000) + t + PAYLOAD
    return seed(F_NEEDS_CSUM, GSO_TCPV4, 1448, 34, 16, 0, 1464, 1464,
                [9, 90, 200], 54, frame)


def tso6_vlan_untag():
    t = tcp(7, 0x90, b'\1' * 12)              # CWR ACK
    frame = eth(0x86dd, True) + ip6(6, 32 + 3000) + t + PAYLOAD[:3000]
    return seed(F_NEEDS_CSUM, GSO_TCPV6, 1378, 58, 16, 2 | 4, 1464, 1014,
                [1, 30, 31], 90, frame)


def ufo():
    frame = eth(0x0800) + ip4(17, 8 + 4000) + udp(8 + 4000) + PAYLOAD[:4000]
    return seed(F_NEEDS_CSUM, GSO_UDP, 1472, 34, 6, 8, 1464, 1000,
                [50, 51, 255], 42, frame)


def csum_tcp_tagged():
    frame = eth(0x0800) + ip4(6, 20 + 700) + tcp(5, 0x10) + PAYLOAD[:700]
    return seed(F_NEEDS_CSUM, 0, 0, 34, 16, 1, 1464, 1464, [3, 128, 129], 0,
                frame)


def rx(payload):
    return seed(0, 0, 0, 0, 0, 0, 1464, 1464, [0, 0, 0], 0, payload)


INNER = eth(0x0800) + ip4(17, 8 + 20) + udp(8 + 20) + PAYLOAD[:20]
SEEDS = [('tso4-mtu1500', tso4_mtu1500), ('tso6-vlan-untag', tso6_vlan_untag),
         ('ufo', ufo), ('csum-tcp-tagged', csum_tcp_tagged),
         ('rx-valid', lambda: rx(vxlan(0xabcd) + INNER)),
         ('rx-flags', lambda: rx(vxlan(42, flags=0x0c) + INNER)),
         ('rx-reserved', lambda: rx(vxlan(42, r2=1) + INNER)),
         ('rx-runt', lambda: rx(vxlan(42) + INNER[:13]))]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, '..', '..', 'fuzz', 'corpus', 'net_vxlan')
    os.makedirs(out, exist_ok=True)
    for name, make in SEEDS:
        with open(os.path.join(out, 'seed-' + name), 'wb') as f:
            f.write(make())


if __name__ == '__main__':
    main()
