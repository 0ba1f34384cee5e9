#!/usr/bin/env bash
# A two-vCPU guest with two queue pairs (vhost-user queues=2): all four
# vrings run, traffic leaves the guest by both TX vrings (1 and 3: one
# pinned ping per vCPU, and iperf3 -P 4 spread by the guest's XPS) and
# reaches it by both RX vrings (0 and 2: flows spread by uvnetd's hash),
# and the per-vring counters of `show --json` add up to the port's.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init multiqueue

host=10.203.0.1
guest=10.203.0.2

tap_vm_bridge "$host/24" queues=2
iperf3_server "$E2E_NS" 5201 "$T/iperf.json" || e2e_bail "iperf3 server listens"
tap_is "show: vm1 has 4 vrings" "$(port_info vm1 | jget "len(d['vrings'])")" 4

guest_start vm1 52:54:00:e2:03:02 "$guest/24" --queues 2 <<EOF || e2e_bail "guest starts"
echo "== queues: \$(ls /sys/class/net/eth0/queues | tr '\n' ' ')"
for q in /sys/class/net/eth0/queues/tx-*; do echo "== \${q##*/} xps_cpus \$(cat \$q/xps_cpus)"; done
ping_until $host 30 || echo "E2E-NO-LINK"
echo "== ping from cpu0"
taskset -c 0 ping -c 5 -i 0.2 -W 2 $host
echo "== ping from cpu1"
taskset -c 1 ping -c 5 -i 0.2 -W 2 $host
echo "== iperf3 -P 4"
iperf3 -c $host -t 3 -P 4 --connect-timeout 5000 | grep -E 'SUM|receiver'
wait_host udp 60
EOF

if ! guest_wait_mark vm1 udp 120; then
    tap_not_ok "guest booted and sent its traffic"
    guest_kill vm1
    tap_done
fi
tap_ok "guest booted and sent its traffic"
tap_check "all 4 vrings of vm1 are running" vhost_ready vm1 4
# 32 UDP flows (one per source port) towards the guest: uvnetd hashes
# each onto one of the RX vrings; all 32 on the same one has p = 2^-31.
in_ns "$E2E_NS" "$PY" - "$host" "$guest" <<'PY'
import socket, sys
for sport in range(20000, 20032):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], sport))
    s.sendto(b"uvnet-e2e flow", (sys.argv[2], 9))
    s.close()
PY
sleep 1
info=$(port_info vm1)
guest_go vm1
st=$(guest_wait vm1 60)
tap_is "guest test script ran to the end" "$st" 0

serial=$(guest_serial vm1)
diag "$(grep '^==' <<<"$serial")"
tap_like "guest sees 2 rx and 2 tx queues" "$(grep '^== queues:' <<<"$serial")" 'rx-0 rx-1 tx-0 tx-1'
tap_is "ping from vCPU 0: 5 of 5" "$(ping_stats "$(sed -n '/^== ping from cpu0/,/^== ping from cpu1/p' <<<"$serial")")" "5 5"
tap_is "ping from vCPU 1: 5 of 5" "$(ping_stats "$(sed -n '/^== ping from cpu1/,/^== iperf3/p' <<<"$serial")")" "5 5"
g2h=$(iperf3_received "$T/iperf.json")
tap_cmp "iperf3 -P 4 guest -> host moved data ($((${g2h:-0} / 1000000)) MB)" "${g2h:-x}" -gt 1000000
tap_is "iperf3 used 4 streams" "$(jget "len(d['end']['streams'])" <"$T/iperf.json")" 4

declare -A vr
for i in 0 1 2 3; do
    vr[$i]=$(jget "[r for r in d['vrings'] if r['index'] == $i][0]['packets']" <<<"$info")
done
diag "per-vring packets: 0:${vr[0]} 1:${vr[1]} 2:${vr[2]} 3:${vr[3]}"
tap_cmp "TX vring 1 (queue pair 0) carried packets" "${vr[1]:-}" -gt 0
tap_cmp "TX vring 3 (queue pair 1) carried packets" "${vr[3]:-}" -gt 0
tap_cmp "RX vring 0 (queue pair 0) carried packets" "${vr[0]:-}" -gt 0
tap_cmp "RX vring 2 (queue pair 1) carried packets" "${vr[2]:-}" -gt 0

declare -A c
stats_load c
diag "$(ctl stats)"
tap_cmp "TX vrings 1 + 3 = vm1 rx packets" $((${vr[1]:-0} + ${vr[3]:-0})) -eq "${c[vm1.rx.packets]:-}"
tap_cmp "RX vrings 0 + 2 = vm1 tx packets" $((${vr[0]:-0} + ${vr[2]:-0})) -eq "${c[vm1.tx.packets]:-}"
tap_cmp "vm1 and tap0 have no errors" \
    $((${c[vm1.rx.errors]:-1} + ${c[vm1.tx.errors]:-1} + ${c[tap0.rx.errors]:-1} + ${c[tap0.tx.errors]:-1})) -eq 0

tap_done
