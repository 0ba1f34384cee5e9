#!/usr/bin/env python3
"""A DNS server that answers every A query with ANSWER (other types: no record) (an upstream that
would leak a network's queries out, as far as the test can tell).

usage: fake_dns.py ADDRESS ANSWER QUERY_LOG
Each query's name is appended to QUERY_LOG.
"""
import socket
import struct
import sys

addr, answer, qlog = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
while True:
    q, peer = s.recvfrom(512)
    if len(q) < 12:
        continue
    qid, = struct.unpack(">H", q[:2])
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode(errors="replace"))
        i += 1 + q[i]
    question = q[12:i + 5]
    with open(qlog, "a") as f:
        f.write(".".join(labels) + "\n")
    qtype, = struct.unpack(">H", q[i + 1:i + 3]) if i + 3 <= len(q) else (0,)
    if qtype != 1:  # not A: no record of that type
        s.sendto(struct.pack(">HHHHHH", qid, 0x8180, 1, 0, 0, 0) + question, peer)
        continue
    rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(answer)
    s.sendto(struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + rr, peer)
