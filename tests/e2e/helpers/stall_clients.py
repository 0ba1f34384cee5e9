#!/usr/bin/env python3
"""Hold N connections to a unix socket without finishing a request.

usage: stall_clients.py SOCKET N SECONDS READY_FILE [drip]

Each connection sends "[" (the start of a request) and then nothing more,
or with `drip` one more byte every 1.5 s (a client that keeps the old
per-recv timeout from ever firing).  READY_FILE gets "connected N" once
every connect() returned, then, when SECONDS are up, "closed K": how many
of the connections the server had closed by then.
"""
import os
import socket
import sys
import time

path, n, secs, ready = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
drip = len(sys.argv) > 5 and sys.argv[5] == "drip"
conns = []
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(path)
        s.send(b"[")
    except OSError:
        pass
    conns.append(s)
with open(ready + ".tmp", "w") as f:
    f.write("connected %d\n" % len(conns))
os.rename(ready + ".tmp", ready)

closed = set()
end = time.monotonic() + secs
while time.monotonic() < end:
    time.sleep(1.5 if drip else 0.5)
    for i, s in enumerate(conns):
        if i in closed:
            continue
        try:
            if drip:
                s.send(b" ")
            s.setblocking(False)
            if s.recv(4096) == b"":
                closed.add(i)
        except BlockingIOError:
            pass
        except OSError:
            closed.add(i)
        finally:
            s.setblocking(True)
with open(ready, "a") as f:
    f.write("closed %d\n" % len(closed))
