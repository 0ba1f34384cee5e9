#!/usr/bin/env bash
# Ports that cannot be set up, and front-ends that misbehave (issue 16),
# each attempt with the refusal it must meet:
#  - add-port ... path=P mode=server refuses a P that is not a socket, or
#    a socket some process accepts on (another port's, another program's),
#    and leaves it as it was; a stale socket (nobody listening) is reused;
#  - a worker's 257th queue: with --workers 1 and 255 tap queues, a tap of
#    2 queues is refused with the reason, leaving no tap and no queue
#    behind; the 256th queue is taken, the 257th refused;
#  - out of fds: add-port is refused with the reason; a vhost-user message
#    whose fds could not be received is refused as such (not as "more than
#    8 fds"); accept on a vhost-user socket backs off;
#  - a front-end that sends half a message stalls nothing: uvnetctl show
#    answers at once, the connection is dropped ~1.5 s later, and the port
#    takes the next front-end.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init port_setup

PROBE=$E2E_DIR/helpers/vu_probe.py
show_ms() {
    local t0=${EPOCHREALTIME/./} t1
    ctl show >/dev/null 2>&1 || { echo -1; return; }
    t1=${EPOCHREALTIME/./}
    echo $(((t1 - t0) / 1000))
}
# free_fd PID K: the K-th lowest fd number PID does not use (a new fd
# takes the lowest; RLIMIT_NOFILE bounds the number, not the count)
free_fd() {
    local used
    used=" $(find /proc/"$1"/fd -mindepth 1 -maxdepth 1 -printf '%f ') "
    for ((i = 0, k = 0; ; i++)); do
        [[ $used == *" $i "* ]] && continue
        ((++k == $2)) && { echo "$i"; return; }
    done
}
cpu_ticks() { awk '{print $12 + $13}' <<<"$(cut -d')' -f2- /proc/"$1"/stat)"; }

uvnetd_start --workers 1 || e2e_bail "uvnetd starts and answers"
pid=$(cat "$T/uvnetd.pid")
ctl add-br br0 || e2e_bail "bridge br0"

# ---- socket paths ----

echo data >"$T/file"
out=$(ctl add-port br0 f1 type=vhost-user path="$T/file" 2>&1)
tap_like "a path that is a plain file is refused: $out" "$out" "a file that is not a socket is there"
tap_is "and the file is untouched" "$(cat "$T/file")" data

ctl add-port br0 v1 type=vhost-user path="$T/v1.sock" || e2e_bail "port v1"
ino=$(stat -c %i "$T/v1.sock")
out=$(ctl add-port br0 v2 type=vhost-user path="$T/v1.sock" 2>&1)
tap_like "another port's socket is refused: $out" "$out" "a process accepts on the socket there"
tap_is "and port v1 keeps its socket file" "$(stat -c %i "$T/v1.sock")" "$ino"

spawn timeout 60 "$PY" -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); time.sleep(60)' "$T/other.sock"
wait_for 5 test -S "$T/other.sock"
out=$(ctl add-port br0 v3 type=vhost-user path="$T/other.sock" 2>&1)
tap_like "another program's listening socket is refused: $out" "$out" "a process accepts on the socket there"
tap_check "and it still accepts connections" "$PY" -c 'import socket, sys
socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$T/other.sock"

"$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/stale.sock"
tap_check "a stale socket nobody listens on is replaced" ctl add-port br0 v4 type=vhost-user path="$T/stale.sock"

# ---- a front-end that stops half-way through a message ----

spawn timeout 30 "$PY" "$PROBE" "$T/v1.sock" partial "$T/partial.out"
wait_for 5 test -s "$T/partial.out" || e2e_bail "the partial front-end sent its half message"
worst=0
for _ in 1 2 3; do
    ms=$(show_ms)
    ((ms > worst || ms < 0)) && worst=$ms
done
tap_cmp "with half a message pending, uvnetctl show answers at once, not after the old 1 s stall (slowest of 3: ${worst} ms)" \
    "$worst" -lt 700
tap_check "the connection is dropped for it" wait_for 10 grep -q closed "$T/partial.out"
ms=$(sed -n 's/^closed //p' "$T/partial.out")
tap_cmp "about 1.5 s later (${ms} ms), not at once" "${ms:-0}" -ge 1000
tap_like "with the reason in the log" "$(cat "$T"/uvnetd.*.log)" \
    'v1: vhost-user connection dropped: a message left unfinished for more than 1.5 s'
feat=$(timeout 10 "$PY" "$PROBE" "$T/v1.sock" features)
tap_like "the port takes the next front-end (GET_FEATURES answered: $feat)" "$feat" '^0x[0-9a-f]+$'

# ---- out of fds ----

spawn timeout 30 "$PY" "$PROBE" "$T/v1.sock" fd "$T/fd.go"
wait_for 5 eval 'ctl --json show | grep -q "\"connected\": *true"' || sleep 1
# one fd free: the control connection gets it, the tap's /dev/net/tun does not
prlimit --pid "$pid" --nofile="$(free_fd "$pid" 2)": || e2e_bail "prlimit on uvnetd"
out=$(ctl add-port br0 tapx type=tap queues=2 2>&1)
tap_like "out of fds, add-port of a tap is refused with the reason: $out" "$out" \
    'Too many open files'
tap_check "and leaves no tap behind" eval '! ip netns exec "$E2E_NS" ip link show tapx >/dev/null 2>&1'
# no fd free at all
prlimit --pid "$pid" --nofile="$(free_fd "$pid" 1)": || e2e_bail "prlimit on uvnetd"
touch "$T/fd.go"
# (the log is read afresh each try: a <(...) would be read once)
wait_for 10 eval 'cat "$T"/uvnetd.*.log | grep -q "v1: vhost-user connection dropped: file descriptors lost"'
tap_like "a vhost-user message whose fd could not be received is refused as such" \
    "$(cat "$T"/uvnetd.*.log)" 'v1: vhost-user connection dropped: file descriptors lost: uvnetd is out of fds'
spawn timeout 30 "$PY" -c 'import socket, sys, time
ss = []
for _ in range(3):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); ss.append(s)
time.sleep(4)' "$T/stale.sock"
sleep 0.5
c0=$(cpu_ticks "$pid")
sleep 2
c1=$(cpu_ticks "$pid")
tap_cmp "a vhost-user socket that cannot accept for want of fds does not spin ($((c1 - c0)) ticks in 2 s)" \
    $((c1 - c0)) -lt 50
tap_like "and says why" "$(cat "$T"/uvnetd.*.log)" 'v4: cannot accept on .*Too many open files; trying again in 1 s'
prlimit --pid "$pid" --nofile="$(ulimit -Hn)": || e2e_bail "prlimit on uvnetd (back)"
tap_check "with fds again, a tap port is added" ctl add-port br0 tapx type=tap queues=2
ctl del-port tapx

# ---- a worker's 257th queue ----

for p in v1 v4; do ctl del-port "$p"; done
for i in $(seq 1 31); do
    ctl add-port br0 "t$i" type=tap queues=8 >/dev/null || break
done
ctl add-port br0 t32 type=tap queues=7 >/dev/null
tap_is "31 taps of 8 queues and one of 7: 255 queues on the one worker" \
    "$(ctl --json show | jget "len(d['bridges'][0]['ports'])")" 32
out=$(ctl add-port br0 t33 type=tap queues=2 2>&1)
tap_like "a tap with 2 queues, one more than fits, is refused with the reason: $out" "$out" \
    'queue 1: every worker polls 256 queues already \(--workers 1\)'
tap_check "and leaves no tap behind" eval '! ip netns exec "$E2E_NS" ip link show t33 >/dev/null 2>&1'
tap_check "its first queue was given back: a 1-queue tap is added (the 256th queue)" \
    ctl add-port br0 t34 type=tap
out=$(ctl add-port br0 t35 type=tap 2>&1)
tap_like "the 257th queue is refused: $out" "$out" 'queue 0: every worker polls 256 queues already'
tap_is "show lists neither refused port" \
    "$(ctl --json show | jget "[p['name'] for p in d['bridges'][0]['ports'] if p['name'] in ('t33', 't35')]")" "[]"
ctl del-port t34
tap_check "once a queue is free, it is added" ctl add-port br0 t35 type=tap

tap_done
