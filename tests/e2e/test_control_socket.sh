#!/usr/bin/env bash
# The control socket as an attacker or a careless operator would use it
# (issue 16), each attempt with the refusal it must meet:
#  - a user outside root (and outside --control-group) cannot connect;
#    with --control-group the socket is 0660 and the group's members can;
#    every request is logged with the peer's uid and pid (SO_PEERCRED);
#  - 200 connections that never finish a request (and 20 that drip a byte
#    every 1.5 s) do not keep `uvnetctl show` waiting for a second; they
#    are closed after the 2 s whole-request deadline;
#  - out of fds (soft RLIMIT_NOFILE 40), accept failures back off instead of
#    spinning the control thread, and it answers again once fds are free;
#  - uvnetd raises its soft RLIMIT_NOFILE to the hard limit at start.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init control_socket

STALL=$E2E_DIR/helpers/stall_clients.py
chmod 711 "$T" # the socket's own mode decides, not the directory's

# show_ms: how long one `uvnetctl show` takes, in ms (-1 if it failed)
show_ms() {
    local t0=${EPOCHREALTIME/./} t1
    ctl show >/dev/null 2>&1 || { echo -1; return; }
    t1=${EPOCHREALTIME/./}
    echo $(((t1 - t0) / 1000))
}
# as_nobody CMD...: run CMD as uid/gid nobody/nogroup, no other groups
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
# cpu_ticks PID: user + system clock ticks the process has used
cpu_ticks() { local s; s=$(cat /proc/"$1"/stat) && s=${s##*) } && awk '{print $12 + $13}' <<<"$s"; }

# ---- who may connect ----

soft=$(ulimit -Sn) hard=$(ulimit -Hn)
ulimit -Sn 64
uvnetd_start || e2e_bail "uvnetd starts and answers"
ulimit -Sn "$soft"
pid=$(cat "$T/uvnetd.pid")
lim=$(awk '/^Max open files/ {print $4 " " $5}' /proc/"$pid"/limits)
tap_is "started with a soft fd limit of 64, uvnetd raised it to the hard one" "$lim" "$hard $hard"
tap_is "the control socket is 0600 root:root by default" "$(stat -c '%a %U:%G' "$T/ctl.sock")" "600 root:root"
out=$(as_nobody timeout 5 "$UVNETCTL" --control "$T/ctl.sock" show 2>&1)
tap_like "uid nobody cannot use it: $out" "$out" '[Pp]ermission denied'
uvnetd_stop TERM 10

uvnetd_start --control-group nogroup || e2e_bail "uvnetd --control-group nogroup starts"
pid=$(cat "$T/uvnetd.pid")
tap_is "--control-group nogroup: the socket is 0660 root:nogroup" \
    "$(stat -c '%a %U:%G' "$T/ctl.sock")" "660 root:nogroup"
tap_check "a member of nogroup can use it" as_nobody timeout 5 "$UVNETCTL" --control "$T/ctl.sock" add-br brn
tap_like "the request is logged with the peer's uid and pid" \
    "$(cat "$T"/uvnetd.*.log)" "request from uid 65534 pid [0-9]+: add-br brn"
out=$(timeout 5 "$UVNETD" --foreground --control "$T/x.sock" --control-group no-such-group-x 2>&1)
tap_like "an unknown --control-group is refused: $out" "$out" "no group named 'no-such-group-x'"

# ---- stalled clients ----

spawn timeout 30 "$PY" "$STALL" "$T/ctl.sock" 200 6 "$T/stall.ready"
wait_for 15 test -s "$T/stall.ready" || e2e_bail "200 stalled clients connected"
spawn timeout 30 "$PY" "$STALL" "$T/ctl.sock" 20 6 "$T/drip.ready" drip
wait_for 15 test -s "$T/drip.ready"
worst=0 fails=0
for i in $(seq 10); do
    ms=$(show_ms)
    ((ms < 0)) && fails=$((fails + 1))
    ((ms > worst)) && worst=$ms
    sleep 0.3
done
tap_is "with 220 stalled connections, 10 uvnetctl show all answered" "$fails" 0
tap_cmp "and each within a second (slowest ${worst} ms)" "$worst" -lt 1000
wait_for 15 grep -q closed "$T/stall.ready"
wait_for 15 grep -q closed "$T/drip.ready"
tap_is "every silent connection was closed by uvnetd (evicted or past the 2 s deadline)" \
    "$(sed -n 's/^closed //p' "$T/stall.ready")" 200
tap_is "every dripping connection was closed too" "$(sed -n 's/^closed //p' "$T/drip.ready")" 20
tap_cmp "uvnetd still answers afterwards" "$(show_ms)" -ge 0

# ---- out of fds ----

prlimit --pid "$pid" --nofile=40: || e2e_bail "prlimit on uvnetd (soft limit 40)"
spawn timeout 30 "$PY" "$STALL" "$T/ctl.sock" 60 4 "$T/fd.ready"
wait_for 15 test -s "$T/fd.ready"
c0=$(cpu_ticks "$pid")
sleep 2
c1=$(cpu_ticks "$pid")
tap_cmp "out of fds with clients waiting, uvnetd does not spin (CPU ticks in 2 s: $((c1 - c0)))" \
    $((c1 - c0)) -lt 50
tap_like "it says why it does not accept" "$(cat "$T"/uvnetd.*.log)" \
    'cannot accept a control connection: Too many open files; trying again in 1 s'
wait_for 20 grep -q closed "$T/fd.ready"
tap_check "once the clients are gone, uvnetd answers again" wait_for 10 eval 'ctl show >/dev/null 2>&1'

tap_done
