#!/usr/bin/env bash
# A network's socket directory against hostile and careless front-ends,
# without QEMU (python listeners stand in for them), and owner=, group=,
# perm= of vhost-user server sockets:
#
#  - net-start makes RUN_DIR/net/NAME root:socket-group 2770 (net/ 0755);
#    an unknown socket-group is refused by name;
#  - a listening socket NAME.sock becomes client-mode port NAME, connected;
#    one bound but listening only later is attached once it listens;
#  - not attached, each named in the log: a regular file, a symlink to a
#    socket, names that are not port names, a name another port has; at
#    most 128 ports per directory;
#  - the port goes with its file, and when its front-end is SIGKILLed
#    (the file stays, stale);
#  - uvnetd SIGKILLed and started again: the directory's ports come back
#    and are not in the state file, an operator's port keeps its name
#    against a socket of the same name (twice: idempotent);
#  - server sockets are born with perm= and group=, refused with a
#    message when malformed, unknown or in client mode, and made the same
#    way again after a restart;
#  - port security (port-security=network:learn, the directory's default):
#    a port whose front-end sent nothing is learning; a uvnet-bench
#    front-end's port locks on its source MAC and the address the network
#    reserved for it, its frames from another address dropped and counted
#    (ipv4-src); trace explains; after uvnetd is SIGKILLed and started
#    again, and after the socket is made again, the same MAC and address;
#    add-port takes network:learn on the network's bridge only, set-port
#    not at all; socket-port-security=off: a port with no port security;
#  - SIGTERM leaves the directory for the next uvnetd; net-stop removes it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init sockdir
BENCH=$UVNET_BUILD/tools/uvnet-bench

net=sd
SD=$T/net/$net
group=nogroup
getent group "$group" >/dev/null || group=root

uvnetd_start || e2e_bail "uvnetd starts and answers"

out=$(ctl net-define bad mode=isolated subnet=10.219.9.0/24 socket-group=no-such-group 2>&1)
tap_like "net-define refuses an unknown socket-group" "$out" "^uvnetctl: socket-group: no group named 'no-such-group'$"
out=$(ctl net-define bad mode=isolated subnet=10.219.9.0/24 'socket-group=a b' 2>&1)
tap_like "net-define refuses a socket-group that is not a name" "$out" "^uvnetctl: socket-group: 'a b' is not a group name or id$"
ctl net-define "$net" mode=isolated subnet=10.219.0.0/24 socket-group="$group" && ctl net-start "$net" ||
    e2e_bail "network $net defined and started"
tap_is "socket directory: root:$group 2770" "$(stat -c '%U:%G %a' "$SD" 2>&1)" "root:$group 2770"
tap_is "its parent net/: root 755" "$(stat -c '%U %a' "$T/net" 2>&1)" "root 755"

# Front-ends: a python process holding listening sockets, driven over a
# fifo: "COMMAND NAME|NAME...", answered "done COMMAND NAME|NAME...".
mkfifo "$T/fe.in"
cat >"$T/fe.py" <<'PY'
import os, socket, sys, time
d, cmds = sys.argv[1], sys.argv[2]
held = {}
for line in open(cmds):
    cmd, _, rest = line.rstrip("\n").partition(" ")
    w = [cmd] + rest.split("|")
    if w[0] == "listen":          # listen NAME...: bind and listen
        for n in w[1:]:
            s = socket.socket(socket.AF_UNIX)
            s.bind(os.path.join(d, n))
            s.listen(4)
            held[n] = s
    elif w[0] == "bind":          # bind NAME: bound, not listening yet
        s = socket.socket(socket.AF_UNIX)
        s.bind(os.path.join(d, w[1]))
        held[w[1]] = s
    elif w[0] == "late-listen":   # late-listen NAME
        held[w[1]].listen(4)
    elif w[0] == "close":         # close NAME: stops listening, file stays
        held.pop(w[1]).close()
    print("done", line.rstrip("\n"), flush=True)
PY
spawn timeout 200 "$PY" -u "$T/fe.py" "$SD" "$T/fe.in" >"$T/fe.out" 2>&1
exec 7>"$T/fe.in"
trap "" PIPE # a front-end that died fails fe(), not the test
fe() {
    local cmd=$1 IFS='|'
    shift
    echo "$cmd $*" >&7
    wait_for 10 grep -qxF "done $cmd $*" "$T/fe.out"
}

ports() { ctl --json show | jget "' '.join(sorted(p['name'] for b in d['bridges'] if b['name'] == '$net' for p in b['ports']))"; }
has_port() { [[ " $(ports) " == *" $1 "* ]]; }
no_port() { ! has_port "$1"; }
connected() { port_info "$1" 2>/dev/null | jget "d['connected'] and d['mode'] == 'client'" 2>/dev/null | grep -qx true; }
logged() { grep -qF -- "$1" "$T/uvnetd.$UVNETD_STARTS.log"; }

fe listen g1.sock
tap_check "g1.sock attached as port g1, client mode, connected" wait_for 10 connected g1
tap_is "g1's path is the socket" "$(port_info g1 | jget "d['path']")" "$SD/g1.sock"

fe bind late.sock
sleep 0.5
fe late-listen late.sock
tap_check "late.sock (bound, listening 0.5 s later) attached and connected" wait_for 10 connected late

# the hostile and the careless
: >"$SD/file.sock"
ln -s "$SD/g1.sock" "$SD/link.sock"
sleep 1.2 # refusals are logged 8 a second: these in a second of their own
fe listen "bad name.sock" "-dash.sock" ".hidden.sock" "nosuffix" "$(printf 'x%.0s' $(seq 32)).sock" "uv-$net.sock"
sleep 1
tap_is "nothing else attached" "$(ports)" "g1 late uv-$net"
for f in file.sock link.sock; do
    tap_check "log: $f is not a socket" logged "$SD/$f not attached: not a socket"
done
for f in "bad name.sock" "-dash.sock" ".hidden.sock" nosuffix "$(printf 'x%.0s' $(seq 32)).sock"; do
    tap_check "log: '${f:0:20}' is not NAME.sock" logged "$SD/$f not attached: not NAME.sock"
done
tap_check "log: uv-$net.sock names an existing port" logged "$SD/uv-$net.sock not attached: a port named uv-$net already exists"

# at most 128 per directory
names=()
for i in $(seq 1 130); do names+=("m$i.sock"); done
fe listen "${names[@]}"
count() { wc -w <<<"$(ports)"; }
wait_for 20 eval '(( $(count) >= 129 ))'
sleep 1
tap_is "128 directory ports (+ uv-$net), the rest refused" "$(count)" 129
tap_check "log: the directory already has its most ports" logged "the directory already has its most ports (128)"
for i in $(seq 1 130); do rm -f "$SD/m$i.sock"; done
tap_check "their files removed: their ports go" wait_for 20 eval '[[ $(ports) == "g1 late uv-$net" ]]'

# a front-end that dies: its file stays, nobody listens
fe listen k1.sock
wait_for 10 connected k1
fe close k1.sock
tap_check "k1's front-end gone (file stale): port k1 removed" wait_for 10 no_port k1
tap_check "log says why" logged "port k1 removed: nobody listens on its socket file any more"

# ---- port security: locked on the first MAC ----
macl=52:54:00:e2:19:01
# psec PORT: "PORT_SECURITY STATE" of show --json
psec() { port_info "$1" 2>/dev/null | jget "d.get('port_security', '-') + ' ' + d.get('port_security_learn', '-')"; }
secdrop() { ctl --json stats "$1" | jget "d['ports'][0]['security_drops']['$2']"; }
locked_on() { [[ $(psec "$1") =~ ^$2,10\.219\.0\.[0-9]+\ locked$ ]]; }
# bench_fe NAME: a uvnet-bench front-end making $SD/NAME.sock, sending
# from $macl (UDP 10.0.0.1 -> 10.0.0.2) 50 frames a second.
bench_fe() {
    spawn timeout 120 "$BENCH" tx --server --reconnect --path "$SD/$1.sock" --src-mac "$macl" \
        --rate 50 --seconds 100 >"$T/bench-$1.out" 2>&1
    BENCH_PID=$BG_PID
}
tap_is "g1 (its front-end sent nothing) is learning" "$(psec g1)" "- learning"
bench_fe ln
if wait_for 15 locked_on ln "$macl"; then
    tap_ok "ln locked on its first MAC and a reserved address: $(psec ln)"
else
    tap_not_ok "ln locked on its first MAC and a reserved address"
    diag "$(psec ln)" "$(port_info ln)" "$(tail -n 5 "$T/bench-ln.out")"
fi
lock_ln=$(psec ln)
ip_ln=$(sed -n 's/^[^,]*,\([0-9.]*\) .*/\1/p' <<<"$lock_ln")
tap_is "the network holds the reservation for port ln" \
    "$(ctl --json net-list | jget "[r['port'] + ' ' + r['mac'] for n in d['networks'] for r in n.get('reservations', []) if r['ip'] == '$ip_ln']")" \
    "[\"ln $macl\"]"
tap_check "its frames from 10.0.0.1 are dropped and counted as ipv4-src" \
    wait_for 5 eval '(( $(secdrop ln ipv4-src) > 0 ))'
t=$(ctl trace "$net" in-port=ln dl-src=52:54:00:e2:19:66 dl-dst=ff:ff:ff:ff:ff:ff 2>&1)
tap_like "trace: another source MAC out of ln is a port security drop (eth-src)" "$t" "port security: dropped: eth-src"
ctl add-br brl || e2e_bail "bridge brl"
out=$(ctl add-port brl h1 type=vhost-user path="$T/h1.sock" port-security=network:learn 2>&1)
tap_like "add-port refuses network:learn off a network's bridge" "$out" \
    "^uvnetctl: port-security: network:learn takes its address from a network, and brl is not a network's bridge"
ctl del-br brl
out=$(ctl add-port "$net" h2 type=vhost-user path="$T/h2.sock" port-security=network:learn 2>&1)
tap_is "add-port takes network:learn on the network's bridge" "$out" ""
tap_is "h2 is learning" "$(psec h2)" "- learning"
t=$(ctl trace "$net" in-port=h2 dl-src=ff:ff:ff:ff:ff:ff dl-dst=ff:ff:ff:ff:ff:ff 2>&1)
tap_like "trace: a learning port latches no broadcast source (text)" "$t" \
    "port security \(network:learn\): learning: nothing latched"
tap_like "trace: and drops it (eth-src)" "$t" "port security: dropped: eth-src"
tap_check "the state file keeps h2's network:learn" grep -q "port-security=network:learn" "${UVNETD_STATE:-$T/state}"
out=$(ctl set-port g1 port-security=network:learn 2>&1)
tap_like "set-port refuses network:learn" "$out" "^uvnetctl: port-security: network:MAC and network:learn are for add-port"
ctl del-port "$net" h2
kill -TERM "$BENCH_PID"; wait_for 10 _pid_gone "$BENCH_PID"
tap_check "ln's front-end gone: port ln removed" wait_for 10 no_port ln
bench_fe ln
tap_check "ln made again: locked on the same MAC and address" wait_for 15 eval '[[ $(psec ln) == "$lock_ln" ]]'
uvnetd_stop KILL 10
uvnetd_start || e2e_bail "uvnetd starts again (port security)"
if wait_for 20 eval '[[ $(psec ln) == "$lock_ln" ]]'; then
    tap_ok "uvnetd restarted: ln locked on the same MAC and address again"
else
    tap_not_ok "uvnetd restarted: ln locked on the same MAC and address again"
    diag "$(psec ln)" "$(tail -n 5 "$T/bench-ln.out")"
fi
kill -TERM "$BENCH_PID"; wait_for 10 _pid_gone "$BENCH_PID"
wait_for 10 no_port ln

# a network whose directory gives no port security
ctl net-define sdo mode=isolated subnet=10.219.1.0/24 socket-group="$group" socket-port-security=off &&
    ctl net-start sdo || e2e_bail "network sdo (socket-port-security=off) defined and started"
tap_is "net-list: socket_port_security off" \
    "$(ctl --json net-list | jget "[n['socket_port_security'] for n in d['networks'] if n['name'] == 'sdo'][0]")" off
spawn timeout 60 "$BENCH" tx --server --path "$T/net/sdo/o1.sock" --src-mac "$macl" --rate 50 --seconds 30 \
    >"$T/bench-o1.out" 2>&1
BENCH_PID=$BG_PID
tap_check "o1 attached and connected" wait_for 10 connected o1
tap_is "o1 has no port security" "$(psec o1)" "- -"
kill -TERM "$BENCH_PID"; wait_for 10 _pid_gone "$BENCH_PID"
ctl net-stop sdo && ctl net-undefine sdo

# ---- an operator's port and a directory socket with the same name ----
ctl add-br br0 && ctl add-port br0 g2 type=vhost-user path="$T/g2op.sock" group="$group" perm=0660 ||
    e2e_bail "operator port g2 on br0"
tap_is "g2op.sock is root:$group 660, a socket" "$(stat -c '%U:%G %a %F' "$T/g2op.sock")" "root:$group 660 socket"
fe listen g2.sock
sleep 1
tap_check "g2.sock refused: the operator's g2 keeps its name" logged "$SD/g2.sock not attached: a port named g2 already exists"

for round in 1 2; do
    uvnetd_stop KILL 10
    uvnetd_start || e2e_bail "uvnetd starts again ($round)"
    tap_check "restart $round: g1 and late attached and connected again" \
        wait_for 10 eval 'connected g1 && connected late'
    tap_is "restart $round: g2 is the operator's, on br0" \
        "$(ctl --json show | jget "[b['name'] for b in d['bridges'] for p in b['ports'] if p['name'] == 'g2'][0]")" br0
    tap_check "restart $round: g2.sock refused again" wait_for 5 logged "$SD/g2.sock not attached: a port named g2 already exists"
    tap_is "restart $round: g2op.sock made again root:$group 660" "$(stat -c '%U:%G %a' "$T/g2op.sock")" "root:$group 660"
    tap_check "restart $round: the state file has no directory port" \
        eval '! grep -qE "\"(g1|late)\"" "${UVNETD_STATE:-$T/state}"'
done

# ---- owner= group= perm= refused ----
rejects() { # DESC REGEX WORD...
    local desc=$1 re=$2 out
    shift 2
    out=$(ctl add-port br0 "$@" 2>&1)
    tap_like "add-port refuses $desc" "$out" "$re"
}
rejects "perm=0999" "^uvnetctl: perm: '0999' is not a mode of 1-4 octal digits up to 0777$" \
    p1 type=vhost-user path="$T/p1.sock" perm=0999
rejects "perm=01777" "^uvnetctl: perm: '01777' is not a mode" p1 type=vhost-user path="$T/p1.sock" perm=01777
rejects "an unknown owner" "^uvnetctl: owner: no user named 'no-such-user'$" \
    p1 type=vhost-user path="$T/p1.sock" owner=no-such-user
rejects "group= in client mode" "^uvnetctl: group: only a port in server mode makes its socket" \
    p1 type=vhost-user path="$T/p1.sock" mode=client group="$group"
rejects "owner= on a tap" "^uvnetctl: owner: unknown option" p1 type=tap owner=root
tap_check "no p1.sock left behind" test ! -e "$T/p1.sock"

# ---- SIGTERM keeps the directory; net-stop removes it ----
uvnetd_stop TERM 15
tap_is "uvnetd exits 0 on SIGTERM" "$?" 0
tap_check "SIGTERM left the socket directory and g1.sock" test -S "$SD/g1.sock"
uvnetd_start || e2e_bail "uvnetd starts again"
wait_for 10 connected g1
ctl net-stop "$net"
tap_check "net-stop removes the socket directory" test ! -e "$SD"
tap_check "and every port of the network" eval '! ctl --json show | grep -q "\"g1\""'
exec 7>&-

tap_done
