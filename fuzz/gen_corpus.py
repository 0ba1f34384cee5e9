#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the ring fuzzers' seed inputs into fuzz/corpus/{split,packed}_chain/
and fuzz/corpus/vhost_enqueue/.

Each seed is a valid guest in the layout fuzz/fuzz_vq.h describes: a plain
chain, an indirect chain (whose table and buffers straddle regions), rings
whose indexes wrap, a legal chain too long to map, and regressions.  Run it again after
changing that layout; the seeds are kept in the tree.
"""
import os
import struct

DESC_GPA, DRIVER_GPA, DEVICE_GPA = 0x1000, 0x3000, 0x4000
A_GPA, B_GPA, C_GPA = 0x10000, 0x11000, 0x13000
DATA_SIZE = 0x1000

F_INDIRECT, F_EVENT_IDX, F_IN_ORDER = 1, 2, 4
D_NEXT, D_WRITE, D_INDIRECT = 1, 2, 4
P_AVAIL, P_USED = 1 << 7, 1 << 15


class Guest:
    """The regions of fuzz_vq.h, in input order, sized for the queue."""

    def __init__(self, packed, size):
        self.size = size
        self.regions = [
            (DESC_GPA, bytearray(16 * size)),
            (DRIVER_GPA, bytearray(4 if packed else 6 + 2 * size)),
            (DEVICE_GPA, bytearray(4 if packed else 6 + 8 * size)),
            (A_GPA, bytearray(DATA_SIZE)),
            (B_GPA, bytearray(DATA_SIZE)),
            (C_GPA, bytearray(DATA_SIZE)),
        ]

    def put(self, gpa, data):
        """Store bytes at a guest address, across adjacent regions."""
        for base, mem in self.regions:
            if base <= gpa < base + len(mem):
                n = min(len(data), base + len(mem) - gpa)
                mem[gpa - base:gpa - base + n] = data[:n]
                if n < len(data):
                    self.put(gpa + n, data[n:])
                return
        raise ValueError('0x%x is outside guest memory' % gpa)

    def input(self, opts, base, fill=0xA5):
        """The fuzz input: header, then every region's bytes."""
        packed = len(self.regions[1][1]) == 4
        size_byte = self.size - 1 if packed else self.size.bit_length() - 1
        mem = b''.join(bytes(m) for _, m in self.regions)
        return (bytes([size_byte, opts]) + struct.pack('<H', base) +
                bytes([fill]) + mem.rstrip(b'\0'))


# Split ring helpers.
def split_desc(g, i, addr, length, flags=0, nxt=0, table=DESC_GPA):
    g.put(table + 16 * i, struct.pack('<QIHH', addr, length, flags, nxt))


def split_avail(g, idx, heads, used_idx=0):
    """Heads fill the ring slots before idx; used->idx starts at used_idx."""
    for k, head in enumerate(heads):
        slot = (idx - len(heads) + k) % g.size
        g.put(DRIVER_GPA + 4 + 2 * slot, struct.pack('<H', head))
    g.put(DRIVER_GPA + 2, struct.pack('<H', idx & 0xffff))
    g.put(DEVICE_GPA + 2, struct.pack('<H', used_idx & 0xffff))


def split_plain():
    g = Guest(False, 8)
    split_desc(g, 0, A_GPA + 0x100, 32, D_NEXT, 1)
    split_desc(g, 1, A_GPA + 0x200, 64, D_WRITE)
    split_avail(g, 1, [0])
    return g.input(0x30, 0)


def split_indirect():
    """A table in B: a buffer straddling A and B, one in C, a writable one."""
    g = Guest(False, 16)
    table = B_GPA + 0x100
    split_desc(g, 0, table, 48, D_INDIRECT)
    split_desc(g, 1, B_GPA + 0x800, 8)
    split_desc(g, 0, B_GPA - 0x10, 32, D_NEXT, 1, table)
    split_desc(g, 1, C_GPA, 16, D_NEXT, 2, table)
    split_desc(g, 2, C_GPA + 0x100, 100, D_WRITE, 0, table)
    split_avail(g, 2, [0, 1])
    return g.input(F_INDIRECT | 0x10, 0)


def split_wrapping():
    """16-bit indexes about to wrap, event idx and in-order."""
    g = Guest(False, 4)
    for i in range(4):
        split_desc(g, i, C_GPA + 0x40 * i, 16, D_WRITE)
    split_avail(g, 0x10002, [0, 1, 2, 3], used_idx=0xfffe)
    g.put(DRIVER_GPA + 4 + 2 * 4, struct.pack('<H', 0xffff))  # used_event
    return g.input(F_EVENT_IDX | F_IN_ORDER | 0x30, 0xfffe)


def split_oversize():
    """70 one-byte buffers in one indirect table: legal, too long to map."""
    g = Guest(False, 8)
    split_desc(g, 0, B_GPA, 70 * 16, D_INDIRECT)
    for i in range(70):
        split_desc(g, i, C_GPA + 2 * i, 1, D_NEXT if i < 69 else 0, i + 1, B_GPA)
    split_avail(g, 1, [0])
    return g.input(F_INDIRECT | 0x8, 0)


# Packed ring helpers: flags carry the driver's wrap counter.
def avail_bits(wrap):
    return P_AVAIL if wrap else P_USED


def packed_desc(g, i, addr, length, buf_id=0, flags=0, table=DESC_GPA):
    g.put(table + 16 * i, struct.pack('<QIHH', addr, length, buf_id, flags))


def packed_plain():
    g = Guest(True, 8)
    packed_desc(g, 0, A_GPA + 0x100, 32, 0, D_NEXT | avail_bits(True))
    packed_desc(g, 1, A_GPA + 0x200, 64, 0, D_WRITE | avail_bits(True))
    return g.input(0x30, 0x8000)


def packed_indirect():
    g = Guest(True, 5)
    table = B_GPA + 0x100
    packed_desc(g, 0, table, 48, 3, D_INDIRECT | avail_bits(True))
    packed_desc(g, 0, B_GPA - 0x10, 32, table=table)
    packed_desc(g, 1, C_GPA, 16, table=table)
    packed_desc(g, 2, C_GPA + 0x100, 100, 0, D_WRITE, table)
    return g.input(F_INDIRECT, 0x8000)


def packed_wrapping():
    """Size 4 from slot 2: a chain over slots 2, 3, 0 and one at slot 1,
    both after the driver's wrap counter flipped at slot 0."""
    g = Guest(True, 4)
    packed_desc(g, 2, C_GPA, 16, 0, D_NEXT | avail_bits(True))
    packed_desc(g, 3, C_GPA + 0x10, 16, 0, D_NEXT | avail_bits(True))
    packed_desc(g, 0, C_GPA + 0x20, 16, 1, D_WRITE | avail_bits(False))
    packed_desc(g, 1, C_GPA + 0x40, 16, 2, D_WRITE | avail_bits(False))
    return g.input(F_EVENT_IDX | F_IN_ORDER | 0x30, 0x8002)


def packed_long_burst():
    """Regression: from slot 3 of 4, chain A is slots 3, 0 and chain B (a
    head on lap two only) slots 1, 2, 3, 0: one in-order entry for both
    skips 6 slots, which once left the used position off the ring."""
    g = Guest(True, 4)
    packed_desc(g, 0, C_GPA, 16, 0, D_WRITE)
    packed_desc(g, 1, C_GPA + 0x10, 16, 0, D_NEXT | avail_bits(False))
    packed_desc(g, 2, C_GPA + 0x20, 16, 0, D_NEXT)
    packed_desc(g, 3, C_GPA + 0x30, 16, 0, D_NEXT | avail_bits(True))
    return g.input(F_IN_ORDER | 0x10, 0x8003)


def packed_oversize():
    g = Guest(True, 16)
    packed_desc(g, 0, B_GPA, 70 * 16, 1, D_INDIRECT | avail_bits(True))
    for i in range(70):
        packed_desc(g, i, C_GPA + 2 * i, 1, table=B_GPA)
    return g.input(F_INDIRECT | 0x8, 0x8000)


# The RX harness (fuzz_vhost_enqueue.c) reads byte 1 bit 3 as MRG_RXBUF and
# byte 4 as frame size, tagging, GUEST_CSUM, VERSION_1 and a packed ring.
RX_MRG, RX_V1, RX_PACKED = 8, 32, 128
RX_BUFS = [A_GPA + 0x400 * i for i in range(4)] + [B_GPA + 0x400 * i for i in range(4)] + \
    [C_GPA + 0x400 * i for i in range(4)]


def rx_split(opts, byte4, readable_first=False):
    """Twelve 1 KB receive buffers in A, B and C, all posted."""
    g = Guest(False, 16)
    for i, addr in enumerate(RX_BUFS):
        split_desc(g, i, addr, 0x400, 0 if readable_first and i == 0 else D_WRITE)
    split_avail(g, len(RX_BUFS), list(range(len(RX_BUFS))))
    return g.input(opts, 0, byte4)


def rx_packed(opts, byte4):
    g = Guest(True, 12)
    for i, addr in enumerate(RX_BUFS):
        packed_desc(g, i, addr, 0x400, i, D_WRITE | avail_bits(True))
    return g.input(opts, 0x8000, byte4 | RX_PACKED)


SEEDS = {
    'split_chain': [('plain', split_plain), ('indirect', split_indirect),
                    ('wrapping', split_wrapping), ('oversize', split_oversize)],
    'packed_chain': [('plain', packed_plain), ('indirect', packed_indirect),
                     ('wrapping', packed_wrapping), ('oversize', packed_oversize),
                     ('long-burst', packed_long_burst)],
    'vhost_enqueue': [('mrg', lambda: rx_split(RX_MRG | 0x30, RX_V1 | 4)),
                      ('small', lambda: rx_split(0x70, RX_V1)),
                      ('legacy-tagged', lambda: rx_split(0x30, 8 | 2)),
                      ('readable-first', lambda: rx_split(RX_MRG | 0x30, RX_V1 | 3, True)),
                      ('in-order-packed', lambda: rx_packed(RX_MRG | F_IN_ORDER | 0x30, RX_V1 | 4))],
}


def main():
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')
    for target, seeds in SEEDS.items():
        os.makedirs(os.path.join(top, target), exist_ok=True)
        for name, make in seeds:
            with open(os.path.join(top, target, 'seed-' + name), 'wb') as f:
                f.write(make())


if __name__ == '__main__':
    main()
