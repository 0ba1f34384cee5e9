#!/usr/bin/env bash
# uvnetd without VMs, fast:
#  - two tap ports, each moved into a namespace of its own (uvnetd keeps the
#    fds): ping and iperf3 between the namespaces, counters match exactly;
#  - an afpacket port on one end of a veth pair whose other end is in a
#    third namespace: ping and iperf3 through it;
#  - uvnetctl's errors: one line each, naming the field at fault, and a
#    failed add-port leaves nothing behind;
#  - show/stats/fdb-show --json parse; del-port (of a busy port) and del-br
#    remove things.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init ports_no_vm

ipa=10.206.0.1 ipb=10.206.0.2 ipc=10.206.0.3
nsa='' nsb='' nsc='' # set by ns_add

uvnetd_start || e2e_bail "uvnetd starts and answers"
ns_add nsa a && ns_add nsb b && ns_add nsc c || e2e_bail "namespaces a, b, c"
ctl add-br br0 && ctl add-port br0 tapa type=tap && ctl add-port br0 tapb type=tap ifname=uvtapb ||
    e2e_bail "bridge br0 with tap ports tapa, tapb (ifname=uvtapb)"
tap_is "show: tapb's interface is uvtapb" "$(port_info tapb | jget "d['ifname']")" uvtapb
ip -n "$E2E_NS" link set tapa netns "$nsa" && ip -n "$E2E_NS" link set uvtapb netns "$nsb" &&
    ns_ifup "$nsa" tapa "$ipa/24" && ns_ifup "$nsb" uvtapb "$ipb/24" ||
    e2e_bail "taps moved into namespaces a and b"
tap_ok "taps moved into namespaces a ($ipa) and b ($ipb)"

# ---- tap <-> tap ----
out=$(hping "$nsa" -c 10 -i 0.1 -W 2 "$ipb")
tap_is "a -> b ping through uvnetd: 10 of 10" "$(ping_stats "$out")" "10 10" || diag "$out"
iperf3_server "$nsb" 5201 "$T/iperf-ab.json" || tap_not_ok "iperf3 server in b"
in_ns "$nsa" timeout 30 iperf3 -c "$ipb" -t 2 --connect-timeout 3000 >/dev/null 2>&1
wait_for 10 _pid_gone "$BG_PID"
ab=$(iperf3_received "$T/iperf-ab.json")
tap_cmp "iperf3 a -> b moved data ($((${ab:-0} / 1000000)) MB)" "${ab:-x}" -gt 1000000
declare -A c
stats_load c
diag "$(ctl stats)"
# Two ports: every frame in by one goes out by the other.
tap_cmp "tapa rx packets >= 10" "${c[tapa.rx.packets]:-}" -ge 10
tap_cmp "tapa rx packets = tapb tx packets + drops" "${c[tapa.rx.packets]:-}" -eq \
    $((${c[tapb.tx.packets]:-0} + ${c[tapb.tx.dropped]:-0}))
tap_cmp "tapb rx packets = tapa tx packets + drops" "${c[tapb.rx.packets]:-}" -eq \
    $((${c[tapa.tx.packets]:-0} + ${c[tapa.tx.dropped]:-0}))
tap_cmp "tapa rx bytes = tapb tx bytes (no drops)" "${c[tapa.rx.bytes]:-}" -eq "${c[tapb.tx.bytes]:-x}"
tap_cmp "tapb tx bytes >= iperf3 payload" "${c[tapb.tx.bytes]:-}" -ge "${ab:-x}"
tap_cmp "no errors on tapa, tapb" \
    $((${c[tapa.rx.errors]:-1} + ${c[tapa.tx.errors]:-1} + ${c[tapb.rx.errors]:-1} + ${c[tapb.tx.errors]:-1})) -eq 0

# ---- afpacket on a veth ----
ip -n "$E2E_NS" link add uvveth0 type veth peer name uvveth1 netns "$nsc" &&
    ip -n "$E2E_NS" link set uvveth0 up && ns_ifup "$nsc" uvveth1 "$ipc/24" ||
    tap_not_ok "veth pair uvveth0 / uvveth1 (in c)"
if ctl add-port br0 afp0 type=afpacket dev=uvveth0; then
    tap_ok "afpacket port afp0 on uvveth0"
else
    tap_not_ok "afpacket port afp0 on uvveth0"
fi
out=$(hping "$nsc" -c 10 -i 0.1 -W 2 "$ipa")
tap_is "c -> a ping through afp0 and tapa: 10 of 10" "$(ping_stats "$out")" "10 10" || diag "$out"
iperf3_server "$nsa" 5202 "$T/iperf-ca.json" || tap_not_ok "iperf3 server in a"
in_ns "$nsc" timeout 30 iperf3 -c "$ipa" -p 5202 -t 2 --connect-timeout 3000 >/dev/null 2>&1
wait_for 10 _pid_gone "$BG_PID"
ca=$(iperf3_received "$T/iperf-ca.json")
tap_cmp "iperf3 c -> a moved data ($((${ca:-0} / 1000000)) MB)" "${ca:-x}" -gt 1000000
stats_load c
diag "$(ctl stats)"
tap_cmp "afp0 rx bytes >= iperf3 payload" "${c[afp0.rx.bytes]:-}" -ge "${ca:-x}"
tap_cmp "afp0 tx packets >= 10 (replies, ACKs)" "${c[afp0.tx.packets]:-}" -ge 10
tap_cmp "no errors on afp0" $((${c[afp0.rx.errors]:-1} + ${c[afp0.tx.errors]:-1})) -eq 0

# ---- uvnetctl errors: status 1, one line on stderr naming the field ----
# ctl_error DESC REGEX ARG...: uvnetctl ARG... fails with one line matching REGEX.
ctl_error() {
    local desc=$1 re=$2 err rc=0
    shift 2
    err=$(ctl "$@" 2>&1 >/dev/null) || rc=$?
    if ((rc != 0)) && [[ $(wc -l <<<"$err") == 1 ]] && grep -qE -- "$re" <<<"$err"; then
        tap_ok "error: $desc: $err"
    else
        tap_not_ok "error: $desc"
        diag "  status $rc, stderr: '$err'" "  wanted one line matching /$re/"
    fi
}
ctl_error "bad type" '^uvnetctl: type: .*bogus' add-port br0 p1 type=bogus
ctl_error "no type" '^uvnetctl: type: ' add-port br0 p1 path="$T/p1.sock"
ctl_error "vhost-user without path" '^uvnetctl: path: ' add-port br0 p1 type=vhost-user
ctl_error "bad mode" '^uvnetctl: mode: .*sideways' add-port br0 p1 type=vhost-user path="$T/p1.sock" mode=sideways
ctl_error "bad queues" '^uvnetctl: queues: ' add-port br0 p1 type=vhost-user path="$T/p1.sock" queues=0
ctl_error "tag out of range" '^uvnetctl: tag: .*4096' add-port br0 p1 type=tap tag=4096
ctl_error "tag not a number" '^uvnetctl: tag: .*ten' add-port br0 p1 type=tap tag=ten
ctl_error "bad trunks" '^uvnetctl: trunks: .*20-10' add-port br0 p1 type=tap trunks=20-10
ctl_error "unknown option" '^uvnetctl: colour: ' add-port br0 p1 type=tap colour=blue
ctl_error "afpacket without dev" '^uvnetctl: dev: ' add-port br0 p1 type=afpacket
ctl_error "afpacket on a missing device" '^uvnetctl: dev: .*nosuch0' add-port br0 p1 type=afpacket dev=nosuch0
ctl_error "unknown bridge" '^uvnetctl: bridge: .*nobr' add-port nobr p1 type=tap
ctl_error "duplicate port" '^uvnetctl: port: .*tapa' add-port br0 tapa type=tap
ctl_error "duplicate bridge" '^uvnetctl: bridge: .*br0' add-br br0
ctl_error "del-port of an unknown port" '^uvnetctl: port: .*nosuch' del-port br0 nosuch
ctl_error "fdb-show of an unknown bridge" '^uvnetctl: bridge: .*nobr' fdb-show nobr
ctl_error "unknown command" '^uvnetctl: frobnicate: ' frobnicate
tap_is "failed add-ports left no port behind" \
    "$(ctl --json show | jget "sorted(p['name'] for b in d['bridges'] for p in b['ports'])")" \
    '["afp0", "tapa", "tapb"]'
tap_check "failed add-ports left no interface p1 behind" eval '! ip -n "$E2E_NS" link show p1 >/dev/null 2>&1'
err=$("$UVNETCTL" --control "$T/nothing.sock" show 2>&1 >/dev/null)
tap_is "no daemon: one line, naming the socket" "$(wc -l <<<"$err") $(grep -c "^uvnetctl: cannot connect to $T/nothing.sock: " <<<"$err")" "1 1" ||
    diag "$err"

# ---- JSON output ----
for cmd in show stats "fdb-show br0"; do
    # shellcheck disable=SC2086 # word splitting of cmd is wanted
    tap_check "uvnetctl --json $cmd parses (python3 -m json.tool)" \
        eval "ctl --json $cmd | '$PY' -m json.tool >/dev/null"
done
tap_is "fdb-show: tapb's MAC learned on port tapb" \
    "$(ctl --json fdb-show br0 | jget "[e['port'] for e in d['entries'] if e['mac'] == '$(ip -n "$nsb" -br link show uvtapb | awk '{print $3}')']")" \
    '["tapb"]'

# ---- removal (tapb's under load: a -> b iperf3 running) ----
iperf3_server "$nsb" 5203 "$T/iperf-ab2.json" || tap_not_ok "iperf3 server in b"
spawn ip netns exec "$nsa" timeout 20 iperf3 -c "$ipb" -p 5203 -t 5 -P 2 --connect-timeout 3000 >/dev/null 2>&1
wait_for 10 eval '(( $(stat_of tapb tx packets) > ${c[tapb.tx.packets]:-0} + 1000 ))'
tap_check "del-port tapb while it forwards" ctl del-port br0 tapb
tap_check "uvnetd still answers" eval 'ctl show >/dev/null'
tap_check "tapb's interface is gone with it" eval '! ip -n "$nsb" link show uvtapb >/dev/null 2>&1'
tap_check "del-br br0" ctl del-br br0
tap_is "show: no bridge left" "$(ctl --json show | jget "len(d['bridges'])")" 0
tap_check "tapa's interface is gone with br0" eval '! ip -n "$nsa" link show tapa >/dev/null 2>&1'
tap_check "the afpacket port's veth is left alone" eval 'ip -n "$E2E_NS" link show uvveth0 >/dev/null'
uvnetd_stop TERM
tap_is "uvnetd exits 0 on SIGTERM" "$?" 0

tap_done
