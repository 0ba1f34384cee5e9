#!/usr/bin/env bash
# Hostile vhost-user front-ends against a running uvnetd: a client sends
# malformed messages (wrong sizes, too many fds, bad ring indexes,
# overlapping or zero-size regions, ring addresses outside the memory
# table ...) and hostile rings (descriptor loops, buffers outside guest
# memory) to one vhost-user port.  uvnetd must log each problem, drop that
# connection or stop that ring, and keep every other port forwarding: two
# namespaces ping each other through two tap ports the whole time.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init hostile_frontend

client=$UVNET_BUILD/tests/vhost/vu-hostile-client
ipa=10.207.0.1 ipb=10.207.0.2
nsa='' nsb=''

[[ -x $client ]] || e2e_bail "vu-hostile-client is built ($client)"
uvnetd_start || e2e_bail "uvnetd starts and answers"
ns_add nsa a && ns_add nsb b || e2e_bail "namespaces a and b"
ctl add-br br0 && ctl add-port br0 tapa type=tap && ctl add-port br0 tapb type=tap &&
    ctl add-port br0 evil type=vhost-user path="$T/evil.sock" ||
    e2e_bail "bridge br0 with tapa, tapb and vhost-user port evil"
ip -n "$E2E_NS" link set tapa netns "$nsa" && ip -n "$E2E_NS" link set tapb netns "$nsb" &&
    ns_ifup "$nsa" tapa "$ipa/24" && ns_ifup "$nsb" tapb "$ipb/24" || e2e_bail "taps in a and b"

# Pings run through the whole attack: none may be lost.
spawn ip netns exec "$nsa" timeout 60 busybox ping -c 100 -i 0.1 -W 2 "$ipb" >"$T/ping.out" 2>&1
pinger=$BG_PID
out=$(timeout 120 "$client" "$T/evil.sock" 2>&1)
rc=$?
n_ok=$(grep -c '^ok ' <<<"$out")
n_bad=$(grep -c '^not ok ' <<<"$out")
tap_cmp "every hostile scenario was refused ($n_ok refused)" "$n_bad" -eq 0 || diag "$out"
tap_is "vu-hostile-client exit status" "$rc" 0
tap_cmp "scenarios run" "$n_ok" -ge 30
wait_for 30 _pid_gone "$pinger"
tap_is "a -> b ping during the attack: 100 of 100" "$(ping_stats "$(cat "$T/ping.out")")" "100 100" ||
    diag_file "$T/ping.out"
tap_check "uvnetd is still running" kill -0 "$UVNETD_PID"
out=$(hping "$nsa" -c 20 -i 0.05 -W 2 "$ipb")
tap_is "a -> b still forwards after the attack: 20 of 20" "$(ping_stats "$out")" "20 20" || diag "$out"
declare -A c
stats_load c
tap_cmp "tapb forwarded the pings sent during the attack" "${c[tapb.tx.packets]:-0}" -ge 100
drops=$(grep -c 'vhost-user connection dropped' "$T"/uvnetd.*.log)
broken=$(grep -c 'broken, stopped' "$T"/uvnetd.*.log)
tap_cmp "uvnetd logged each dropped connection ($drops)" "$drops" -ge 20
tap_cmp "uvnetd logged the hostile rings it stopped ($broken)" "$broken" -ge 1
grep -E 'connection dropped|broken' "$T"/uvnetd.*.log | head -60 | while IFS= read -r l; do diag "$l"; done
tap_done
