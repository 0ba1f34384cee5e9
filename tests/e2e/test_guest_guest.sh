#!/usr/bin/env bash
# Two QEMU guests on one uvnetd bridge (vhost-user ports vm1 and vm2; vm1's
# virtqueues are split, vm2's packed): they ping each other, vm1 sends to
# vm2 with iperf3, the FDB has learned each MAC on its own port, and the
# counters add up.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init guest_guest

ip1=10.202.0.11 mac1=52:54:00:e2:02:11
ip2=10.202.0.12 mac2=52:54:00:e2:02:12

uvnetd_start || e2e_bail "uvnetd starts and answers"
ctl add-br br0 && ctl add-port br0 vm1 type=vhost-user path="$T/vm1.sock" &&
    ctl add-port br0 vm2 type=vhost-user path="$T/vm2.sock" || e2e_bail "bridge br0 with ports vm1, vm2"
tap_ok "uvnetd up: br0 with vm1 and vm2"

# vm2 serves one iperf3 test and pings vm1; vm1 pings vm2, waits for the
# host to read the FDB, then runs iperf3 against vm2 and reports the bytes
# vm2 received (from the JSON report: exact, unlike the text one).
guest_start vm2 "$mac2" "$ip2/24" --nic packed=on <<EOF || e2e_bail "guest vm2 starts"
timeout 100 iperf3 -s -1 >/dev/null 2>&1 &
ping_until $ip1 60 || echo "E2E-NO-LINK"
echo "== ping vm1"
ping -c 5 -i 0.2 -W 2 $ip1
mark pinged
wait
EOF
guest_start vm1 "$mac1" "$ip1/24" <<EOF || e2e_bail "guest vm1 starts"
ping_until $ip2 60 || echo "E2E-NO-LINK"
echo "== ping vm2"
ping -c 5 -i 0.2 -W 2 $ip2
wait_host fdb 60
i=0; while [ \$i -lt 10 ]; do
    iperf3 -c $ip2 -t 3 --connect-timeout 3000 --json >/tmp/iperf.json 2>&1 && break
    sleep 1; i=\$((i + 1))
done
awk '/"sum_received"/ { f = 1 } f && /"bytes"/ { gsub(/[^0-9]/, ""); print "E2E-RECEIVED " \$0; exit }' /tmp/iperf.json
grep -E '"bits_per_second"' /tmp/iperf.json | tail -n 1
EOF

if guest_wait_mark vm1 fdb 100 && guest_wait_mark vm2 pinged 60; then
    tap_ok "both guests booted and pinged"
    fdb=$(ctl --json fdb-show br0)
    diag "$(ctl fdb-show br0)"
    guest_go vm1
    tap_is "fdb-show br0 has $mac1 on port vm1" \
        "$(jget "[e['port'] for e in d['entries'] if e['mac'] == '$mac1']" <<<"$fdb")" '["vm1"]'
    tap_is "fdb-show br0 has $mac2 on port vm2" \
        "$(jget "[e['port'] for e in d['entries'] if e['mac'] == '$mac2']" <<<"$fdb")" '["vm2"]'
else
    tap_not_ok "both guests booted and pinged"
fi
tap_check "vm1's vrings are split, vm2's packed (uvnetd log)" eval \
    'grep -q "\] vm1: vring 1 started: .*, split," "$T/uvnetd.1.log" &&
     grep -q "\] vm2: vring 1 started: .*, packed," "$T/uvnetd.1.log"'
st1=$(guest_wait vm1 120)
st2=$(guest_wait vm2 60)
tap_is "vm1's test script ran to the end" "$st1" 0
tap_is "vm2's test script ran to the end" "$st2" 0

s1=$(guest_serial vm1)
s2=$(guest_serial vm2)
tap_is "vm1 -> vm2 ping: 5 of 5 answered" "$(ping_stats "$(sed -n '/^== ping vm2/,$p' <<<"$s1")")" "5 5"
tap_is "vm2 -> vm1 ping: 5 of 5 answered" "$(ping_stats "$(sed -n '/^== ping vm1/,$p' <<<"$s2")")" "5 5"
rcvd=$(sed -n 's/^E2E-RECEIVED \([0-9]*\)$/\1/p' <<<"$s1")
tap_cmp "iperf3 vm1 -> vm2 moved data ($((${rcvd:-0} / 1000000)) MB)" "${rcvd:-x}" -gt 1000000

declare -A c
stats_load c
diag "$(ctl stats)"
for p in vm1 vm2; do
    tap_cmp "$p has no rx/tx errors" $((${c[$p.rx.errors]:-1} + ${c[$p.tx.errors]:-1})) -eq 0
done
tap_cmp "vm1 rx and vm2 tx bytes >= what vm2's iperf3 received" \
    "$(( ${c[vm1.rx.bytes]:-0} < ${c[vm2.tx.bytes]:-0} ? ${c[vm1.rx.bytes]:-0} : ${c[vm2.tx.bytes]:-0} ))" \
    -ge "${rcvd:-x}"
tap_cmp "vm1 rx packets = vm2 tx packets + vm2 tx drops" "${c[vm1.rx.packets]:-}" -eq \
    $((${c[vm2.tx.packets]:-0} + ${c[vm2.tx.dropped]:-0}))
tap_cmp "vm2 rx packets = vm1 tx packets + vm1 tx drops" "${c[vm2.rx.packets]:-}" -eq \
    $((${c[vm1.tx.packets]:-0} + ${c[vm1.tx.dropped]:-0}))

tap_done
