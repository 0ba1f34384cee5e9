#!/usr/bin/env python3
"""Seeds for fuzz_port_sec: frames built by tests/e2e/rawframe.py, each
prefixed with the target's configuration and layout bytes."""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "e2e"))
import rawframe  # noqa: E402

MAC = "02:00:00:00:00:0a"
seeds = {
    "arp": ("arp", dict(src=MAC, sha=MAC, spa="10.0.0.5")),
    "ipv4-udp": ("udp", dict(src=MAC, ipsrc="10.0.0.5", sport="1000", dport="53")),
    "dhcp-offer": ("dhcp-offer", dict(src=MAC, ipsrc="10.0.0.5")),
    "ra": ("ra", dict(src=MAC, ip6src="fe80::ff:fe00:a")),
    "na": ("na", dict(src=MAC, ip6src="2001:db8::5", target="2001:db8::5")),
    "ns": ("ns", dict(src=MAC, ip6src="::", target="2001:db8::5")),
    "tagged": ("udp", dict(src=MAC, tags="10", ipsrc="10.0.0.5")),
    "hop": ("eth", dict(src=MAC, tags="0,20")),
}
out = os.path.join(here, "corpus", "port_sec")
os.makedirs(out, exist_ok=True)
for i, (name, (kind, o)) in enumerate(sorted(seeds.items())):
    with open(os.path.join(out, "seed-" + name), "wb") as f:
        f.write(bytes([i % 4 | (4 if name == "hop" else 0), i]) + rawframe.frame(kind, o))
