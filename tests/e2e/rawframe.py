#!/usr/bin/env python3
"""Raw Ethernet frames for the e2e tests: craft and send them, or sniff
them, with AF_PACKET sockets (this kernel has no 8021q: VLAN tags are made
and read here).  A sniffer asks for PACKET_AUXDATA and puts back the tag
the kernel took out of a received frame, so it sees frames as on the wire.

  rawframe.py send DEV KIND [key=value...]
      KIND: eth | arp | ipv4 | udp | dhcp-offer | ra | na | ns
      src=MAC dst=MAC       Ethernet addresses (dst default broadcast)
      tags=V[,V...]         802.1Q tags, outermost first (0: priority tag)
      tpid=0x8100           TPID of the tags
      text=STRING           bytes appended as the payload (a marker to sniff for)
      count=N gap=SECONDS   how many, and the pause between them
      arp:   op=1|2 sha=MAC spa=IP tha=MAC tpa=IP
      ipv4/udp/dhcp-offer: ipsrc=IP ipdst=IP sport=N dport=N (udp)
      ra/na/ns: ip6src=IP6 ip6dst=IP6 target=IP6 lladdr=MAC
      random-src=1          every frame from a new random unicast MAC
  rawframe.py sniff DEV SECONDS [match=TEXT] [until=FILE]
      one line per frame received (containing TEXT if given), until
      SECONDS pass or FILE exists:
      "tags=V,V src=MAC dst=MAC type=0xNNNN len=N [text=MARKER]
       [ip4src=IP [udp=SPORT>DPORT]] [arpspa=IP arpsha=MAC]"
"""
import ipaddress
import os
import random
import socket
import struct
import sys
import time

ETH_P_ALL = 3
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4
TP_STATUS_VLAN_TPID_VALID = 1 << 6


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def ip4(s):
    return ipaddress.IPv4Address(s).packed


def ip6(s):
    return ipaddress.IPv6Address(s).packed


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4_hdr(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), random.randint(0, 65535),
                    0, 64, proto, 0, ip4(src), ip4(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def udp(src, dst, sport, dport, payload):
    return ipv4_hdr(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)


def icmp6(src, dst, body):
    pseudo = ip6(src) + ip6(dst) + struct.pack("!I3xB", len(body), 58)
    body = body[:2] + struct.pack("!H", csum(pseudo + body)) + body[4:]
    return struct.pack("!IHBB", 0x60000000, len(body), 58, 255) + ip6(src) + ip6(dst) + body


def build(kind, o, src):
    text = o.get("text", "").encode()
    if kind == "eth":
        return int(o.get("type", "0x88b5"), 0), text
    if kind == "arp":
        body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, int(o.get("op", "2")),
                           mac(o.get("sha", mac_str(src))), ip4(o.get("spa", "0.0.0.0")),
                           mac(o.get("tha", "00:00:00:00:00:00")), ip4(o.get("tpa", "0.0.0.0")))
        return 0x0806, body + text
    if kind == "ipv4":
        return 0x0800, ipv4_hdr(o.get("ipsrc", "0.0.0.0"), o.get("ipdst", "255.255.255.255"),
                                int(o.get("proto", "253")), text)
    if kind == "udp":
        return 0x0800, udp(o.get("ipsrc", "0.0.0.0"), o.get("ipdst", "255.255.255.255"),
                           int(o.get("sport", "9")), int(o.get("dport", "9")), text)
    if kind == "dhcp-offer":
        bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 2, 1, 6, 0, 0x1234, 0, 0x8000,
                            b"\0" * 4, ip4(o.get("yiaddr", "0.0.0.0")), ip4(o.get("ipsrc")),
                            b"\0" * 4, mac(o.get("chaddr", "ff:ff:ff:ff:ff:ff")), b"", b"")
        opts = b"\x63\x82\x53\x63" + b"\x35\x01\x02" + b"\x36\x04" + ip4(o.get("ipsrc")) + b"\xff"
        return 0x0800, udp(o.get("ipsrc"), "255.255.255.255", 67, 68, bootp + opts + text)
    if kind == "ra":
        body = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0)
        body += struct.pack("!BB6s", 1, 1, src)
        return 0x86DD, icmp6(o.get("ip6src"), o.get("ip6dst", "ff02::1"), body + text)
    if kind in ("na", "ns"):
        t = 136 if kind == "na" else 135
        body = struct.pack("!BBHI16s", t, 0, 0, 0xA0000000 if t == 136 else 0, ip6(o.get("target")))
        body += struct.pack("!BB6s", 2 if t == 136 else 1, 1, mac(o.get("lladdr", mac_str(src))))
        return 0x86DD, icmp6(o.get("ip6src"), o.get("ip6dst", "ff02::1"), body + text)
    raise SystemExit("rawframe: unknown kind " + kind)


def frame(kind, o):
    src = mac(o["src"]) if "src" in o else bytes([2, 0x75, 0x76, 0, 0, 1])
    if o.get("random-src") == "1":
        src = bytes([random.randrange(0, 256) & 0xFE | 0x02]) + os.urandom(5)
    dst = mac(o.get("dst", "ff:ff:ff:ff:ff:ff"))
    etype, payload = build(kind, o, src)
    tags = b""
    tpid = int(o.get("tpid", "0x8100"), 0)
    for v in [x for x in o.get("tags", "").split(",") if x]:
        tags += struct.pack("!HH", tpid, int(v))
    f = dst + src + tags + struct.pack("!H", etype) + payload
    return f + b"\0" * max(0, 60 - len(f))


def send(dev, kind, opts):
    o = dict(a.split("=", 1) for a in opts)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    for i in range(int(o.get("count", "1"))):
        s.send(frame(kind, o))
        if float(o.get("gap", "0")):
            time.sleep(float(o.get("gap")))


def sniff(dev, secs, opts):
    o = dict(a.split("=", 1) for a in opts)
    match = o.get("match", "").encode()
    until = o.get("until")
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((dev, 0))
    end = time.time() + float(secs)
    print("ready", flush=True)
    while time.time() < end and not (until and os.path.exists(until)):
        s.settimeout(max(0.01, min(0.2, end - time.time())))
        try:
            data, anc, _, addr = s.recvmsg(65600, socket.CMSG_SPACE(20))
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        for level, typ, cdata in anc:
            if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= 20:
                status, _, _, _, _, tci, tpid = struct.unpack("IIIHHHH", cdata[:20])
                if status & TP_STATUS_VLAN_VALID or tci:
                    tpid = tpid if status & TP_STATUS_VLAN_TPID_VALID else 0x8100
                    data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
        if match and match not in data:
            continue
        tags, off = [], 12
        while struct.unpack("!H", data[off:off + 2])[0] in (0x8100, 0x88A8, 0x9100):
            tags.append(str(struct.unpack("!H", data[off + 2:off + 4])[0] & 0xFFF))
            off += 4
        text = ""
        if match:
            i = data.find(match)
            j = i
            while j < len(data) and 0x21 <= data[j] < 0x7F:
                j += 1
            text = " text=" + data[i:j].decode()
        etype = struct.unpack("!H", data[off:off + 2])[0]
        l3 = data[off + 2:]
        if etype == 0x0800 and len(l3) >= 24:
            ihl = (l3[0] & 15) * 4
            text += " ip4src=%s" % ipaddress.IPv4Address(l3[12:16])
            if l3[9] == 17 and len(l3) >= ihl + 4:
                text += " udp=%d>%d" % struct.unpack("!HH", l3[ihl:ihl + 4])
        elif etype == 0x0806 and len(l3) >= 28:
            text += " arpspa=%s arpsha=%s" % (ipaddress.IPv4Address(l3[14:18]), mac_str(l3[8:14]))
        print("tags=%s src=%s dst=%s type=0x%04x len=%d%s" % (
            ",".join(tags) or "-", mac_str(data[6:12]), mac_str(data[0:6]),
            etype, len(data), text), flush=True)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) >= 4 and sys.argv[1] == "sniff":
        sniff(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(__doc__)
