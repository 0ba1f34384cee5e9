#!/usr/bin/env python3
"""Small vhost-user front-end probes for the e2e tests.

usage: vu_probe.py SOCKET MODE [OUTFILE]

  partial  send SET_FEATURES' header and half its payload, write "sent" to
           OUTFILE, then wait (up to 10 s) for the back-end to close the
           connection; append "closed MS" (ms after sending) or "open".
  features a whole GET_FEATURES; print the features the reply carries
           (exit 1 without a reply within 5 s).
  fd       once OUTFILE exists (if given), SET_VRING_CALL for vring 0
           carrying one eventfd; then wait up to 5 s for the back-end to
           close; print "closed" or "open".
"""
import os
import socket
import struct
import sys
import time

GET_FEATURES, SET_FEATURES, SET_VRING_CALL = 1, 2, 13
V1 = 1

path, mode = sys.argv[1], sys.argv[2]
out = sys.argv[3] if len(sys.argv) > 3 else None
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(path)


def wait_closed(secs):
    s.settimeout(secs)
    try:
        while s.recv(4096):
            pass
        return True
    except socket.timeout:
        return False
    except OSError:
        return True


if mode == "partial":
    s.send(struct.pack("<III", SET_FEATURES, V1, 8) + b"\x01\x00\x00\x00")
    t0 = time.monotonic()
    with open(out, "w") as f:
        f.write("sent\n")
    closed = wait_closed(10)
    with open(out, "a") as f:
        f.write("closed %d\n" % ((time.monotonic() - t0) * 1000) if closed else "open\n")
elif mode == "features":
    s.send(struct.pack("<III", GET_FEATURES, V1, 0))
    hdr = s.recv(12, socket.MSG_WAITALL)
    body = s.recv(8, socket.MSG_WAITALL)
    if len(hdr) != 12 or len(body) != 8:
        sys.exit(1)
    print("%#x" % struct.unpack("<Q", body)[0])
elif mode == "fd":
    while out and not os.path.exists(out):  # the test says when
        time.sleep(0.05)
    efd = os.eventfd(0)
    socket.send_fds(s, [struct.pack("<III", SET_VRING_CALL, V1, 8) + struct.pack("<Q", 0)], [efd])
    print("closed" if wait_closed(5) else "open")
else:
    sys.exit("unknown mode " + mode)
