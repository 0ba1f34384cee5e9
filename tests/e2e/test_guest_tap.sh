#!/usr/bin/env bash
# A QEMU guest (vhost-user port vm1) and the host (TAP port tap0) on one
# uvnetd bridge: ping both ways, iperf3 both ways, and uvnetd's counters
# account for the traffic on both ports.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init guest_tap

host=10.201.0.1
guest=10.201.0.2

tap_vm_bridge "$host/24"
iperf3_server "$E2E_NS" 5201 "$T/iperf-g2h.json" || e2e_bail "iperf3 server listens"
tap_ok "uvnetd up: br0 with tap0 ($host) and vm1"

# The guest pings the host, then serves one iperf3 test (host -> guest)
# while the host pings it, then sends to the host's iperf3 server.
guest_start vm1 52:54:00:e2:01:02 "$guest/24" <<EOF || e2e_bail "guest starts"
ping_until $host 30 || echo "E2E-NO-LINK"
echo "== ping host"
ping -c 5 -i 0.2 -W 2 $host
timeout 60 iperf3 -s -1 -p 5202 >/dev/null 2>&1 &
i=0; while ! netstat -ltn | grep -q ':5202 ' && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
wait_host serving 60
wait
echo "== iperf3 guest->host"
iperf3 -c $host -p 5201 -t 3 --connect-timeout 5000
EOF

if guest_wait_mark vm1 serving 90; then
    tap_ok "guest booted and reached the host"
    out=$(hping "$E2E_NS" -c 5 -i 0.2 -W 2 "$guest")
    tap_is "host -> guest ping: 5 of 5 answered" "$(ping_stats "$out")" "5 5" || diag "$out"
    in_ns "$E2E_NS" timeout 30 iperf3 -c "$guest" -p 5202 -t 3 --connect-timeout 5000 --json \
        >"$T/iperf-h2g.json" 2>&1
    guest_go vm1
else
    tap_not_ok "guest booted and reached the host"
    tap_not_ok "host -> guest ping: 5 of 5 answered"
fi
st=$(guest_wait vm1 120)
tap_is "guest test script ran to the end (UVNET-TEST-EXIT 0)" "$st" 0

serial=$(guest_serial vm1)
tap_is "guest -> host ping: 5 of 5 answered" \
    "$(ping_stats "$(sed -n '/^== ping host/,/^E2E-WAIT/p' <<<"$serial")")" "5 5"

# What the receiving iperf3 counted: the host's server (guest -> host) and
# the guest's server, as the host's client reports it (host -> guest).
g2h=$(iperf3_received "$T/iperf-g2h.json")
h2g=$(iperf3_received "$T/iperf-h2g.json")
tap_cmp "iperf3 guest -> host moved data ($((${g2h:-0} / 1000000)) MB)" "${g2h:-x}" -gt 1000000
tap_cmp "iperf3 host -> guest moved data ($((${h2g:-0} / 1000000)) MB)" "${h2g:-x}" -gt 1000000

# Counters (rx = into the switch, tx = out of it), in one snapshot.
declare -A c
stats_load c
diag "$(ctl stats)"
for p in tap0 vm1; do
    tap_cmp "$p counted rx packets" "${c[$p.rx.packets]:-}" -gt 0
    tap_cmp "$p counted tx packets" "${c[$p.tx.packets]:-}" -gt 0
    tap_cmp "$p has no rx errors" "${c[$p.rx.errors]:-}" -eq 0
    tap_cmp "$p has no tx errors" "${c[$p.tx.errors]:-}" -eq 0
done
# Every byte iperf3 received went through both ports (frame bytes include
# the headers, so they are at least the payload).
tap_cmp "vm1 rx and tap0 tx bytes >= guest -> host payload" \
    "$(( ${c[vm1.rx.bytes]:-0} < ${c[tap0.tx.bytes]:-0} ? ${c[vm1.rx.bytes]:-0} : ${c[tap0.tx.bytes]:-0} ))" \
    -ge "${g2h:-x}"
tap_cmp "tap0 rx and vm1 tx bytes >= host -> guest payload" \
    "$(( ${c[tap0.rx.bytes]:-0} < ${c[vm1.tx.bytes]:-0} ? ${c[tap0.rx.bytes]:-0} : ${c[vm1.tx.bytes]:-0} ))" \
    -ge "${h2g:-x}"
# Two ports: whatever entered by one left by the other, or was dropped there.
tap_cmp "tap0 rx packets = vm1 tx packets + vm1 tx drops" "${c[tap0.rx.packets]:-}" -eq \
    $((${c[vm1.tx.packets]:-0} + ${c[vm1.tx.dropped]:-0}))
tap_cmp "vm1 rx packets = tap0 tx packets + tap0 tx drops" "${c[vm1.rx.packets]:-}" -eq \
    $((${c[tap0.tx.packets]:-0} + ${c[tap0.tx.dropped]:-0}))

tap_done
