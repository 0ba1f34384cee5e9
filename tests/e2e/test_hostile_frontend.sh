#!/usr/bin/env bash
# Hostile vhost-user front-ends against a running uvnetd: a client sends
# malformed messages (wrong sizes, too many fds, bad ring indexes,
# overlapping or zero-size regions, ring addresses outside the memory
# table ...) and hostile rings (descriptor loops, buffers outside guest
# memory) to one vhost-user port.  uvnetd must log each problem, drop that
# connection or stop that ring, and keep every other port forwarding: two
# namespaces ping each other through two tap ports the whole time.
# Then a front-end truncates its (unsealable) memfd while frames flow
# through its port: uvnetd takes SIGBUS in the middle of a copy, must
# break that port's rings with the reason in `show`, keep forwarding the
# pings, and take the port back after del-port and add-port.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init hostile_frontend

client=$UVNET_BUILD/tests/vhost/vu-hostile-client
shrinker=$UVNET_BUILD/tests/vhost/vu-truncate-client
ipa=10.207.0.1 ipb=10.207.0.2
nsa='' nsb=''

[[ -x $client && -x $shrinker ]] || e2e_bail "vu-hostile-client and vu-truncate-client are built"
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

# ---- a front-end that truncates its guest memory under traffic ----
# vring_broken PORT INDEX: the ring's broken reason says memory shrank.
vring_broken() { vring_of "$1" "$2" broken | grep -q 'shrank under us'; }
ctl add-port br0 shrink type=vhost-user path="$T/shrink.sock" ||
    e2e_bail "vhost-user port shrink added"
spawn ip netns exec "$nsa" timeout 60 busybox ping -c 50 -i 0.1 -W 2 "$ipb" >"$T/ping2.out" 2>&1
pinger=$BG_PID
stats_load c
tapb_before=${c[tapb.tx.packets]:-0}
"$shrinker" "$T/shrink.sock" 1500 12000 truncate >"$T/shrink.out" 2>&1 &
shrink_pid=$!
wait_for 10 grep -q '^truncated' "$T/shrink.out"
tap_cmp "frames flowed through shrink before it truncated (rx $(stat_of shrink rx packets))" \
    "$(stat_of shrink rx packets)" -gt 100 || diag_file "$T/shrink.out"
tap_check "shrink's TX ring (1) is broken: memory shrank" wait_for 5 vring_broken shrink 1
tap_check "shrink's RX ring (0) is broken: memory shrank" wait_for 5 vring_broken shrink 0
diag "vring 1: $(vring_of shrink 1 broken)"
tap_check "uvnetd is still running after the truncation" kill -0 "$UVNETD_PID"
tap_check "uvnetd logged the broken rings" grep -q 'vring 1 broken, stopped: guest memory region 0' \
    "$T"/uvnetd.*.log
wait "$shrink_pid"
tap_is "the truncating front-end ran to its end" "$?" 0
wait_for 30 _pid_gone "$pinger"
tap_is "a -> b ping while shrink truncated: 50 of 50" "$(ping_stats "$(cat "$T/ping2.out")")" \
    "50 50" || diag_file "$T/ping2.out"
stats_load c
tap_cmp "tapb kept forwarding (tx ${c[tapb.tx.packets]:-0}, was $tapb_before)" \
    "${c[tapb.tx.packets]:-0}" -ge $((tapb_before + 50))
tap_check "shrink deleted" ctl del-port shrink
tap_check "shrink added again" ctl add-port br0 shrink type=vhost-user path="$T/shrink.sock"
"$shrinker" "$T/shrink.sock" 1000 1000 keep >"$T/shrink2.out" 2>&1 &
shrink_pid=$!
wait_for 10 vhost_ready shrink
tap_check "a new front-end on shrink streams (rx $(stat_of shrink rx packets))" \
    wait_for 5 eval '[[ $(stat_of shrink rx packets) -gt 100 ]]'
tap_is "its rings are not broken" "$(vring_of shrink 1 broken)$(vring_of shrink 0 broken)" ""
wait "$shrink_pid"
tap_is "the second front-end ran to its end" "$?" 0
tap_done
