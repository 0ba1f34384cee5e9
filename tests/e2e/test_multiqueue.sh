#!/usr/bin/env bash
# Multiqueue on a port with the default maximum (queues= not given: 8
# queue pairs answered to GET_QUEUE_NUM):
#  - a guest with 4 queue pairs and 2 vCPUs starts (QEMU refuses to start
#    when it asks for more than GET_QUEUE_NUM: shown with a queues=2 port);
#    the driver enables 2 pairs, so 2 run; only the rings the front-end
#    set up are listed, and pairs it never starts cost no ring state;
#  - `ethtool -L eth0 combined 4` at run time: all 8 vrings run, each TX
#    vring carries the pings sent while XPS steers one vCPU to it alone,
#    and 64 UDP flows from the host reach the guest over all 4 RX vrings
#    (uvnetd hashes over the rings running: all on 3 or fewer has
#    p < 1e-7);
#  - `ethtool -L eth0 combined 2`: pairs 2 and 3 stop, traffic goes on
#    over the other 2 (pings from both vCPUs, 64 flows again) and not one
#    frame for the guest is dropped for want of a running ring;
#  - the per-vring counters add up to the port's.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init multiqueue

host=10.203.0.1
guest=10.203.0.2
ETHTOOL=$(command -v ethtool || echo /usr/sbin/ethtool)
[[ -x $ETHTOOL ]] || e2e_bail "ethtool is installed (scripts/install-deps.sh e2e)"

tap_vm_bridge "$host/24"
info=$(port_info vm1)
tap_is "show: a default port offers 8 queue pairs" "$(jget "d['queues']" <<<"$info")" 8
tap_is "show: no vring before a front-end names one" "$(jget "len(d['vrings'])" <<<"$info")" 0

# QEMU asks GET_QUEUE_NUM first and gives up when it wants more.
ctl add-port br0 vm2 type=vhost-user path="$T/vm2.sock" queues=2 || e2e_bail "port vm2 (queues=2)"
guest_start vm2 52:54:00:e2:03:09 "" --queues 4 --cpus 1 --timeout 60 <<<"true" ||
    e2e_bail "QEMU for vm2 runs"
wait_for 60 _pid_gone "${GUEST_PID[vm2]}"
tap_like "QEMU refuses 4 queue pairs on a port offering 2" "$(cat "$T/vm2.qemu.log")" \
    'more queues than supported: 2'
guest_kill vm2

# 64 UDP flows (one per source port) towards the guest.
send_flows() {
    in_ns "$E2E_NS" "$PY" - "$host" "$guest" <<'PY'
import socket, sys
for sport in range(20000, 20064):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], sport))
    s.sendto(b"uvnet-e2e flow", (sys.argv[2], 9))
    s.close()
PY
    sleep 1
}

# vring_packets INFO: "index:packets ..." of every vring listed.
vring_packets() { jget "' '.join('%d:%d' % (r['index'], r['packets']) for r in d['vrings'])" <<<"$1"; }
# packets_of INFO INDEX
packets_of() { jget "[r for r in d['vrings'] if r['index'] == $2][0]['packets']" <<<"$1"; }

guest_start vm1 52:54:00:e2:03:02 "$guest/24" --queues 4 --cpus 2 --bin "$ETHTOOL" <<EOF ||
q=/sys/class/net/eth0/queues
echo "== channels at boot: \$(ethtool -l eth0 | sed -n '/Current/,\$p' | grep Combined)"
ping_until $host 30 || echo "E2E-NO-LINK"
mark two
wait_host four 60
ethtool -L eth0 combined 4 && echo "== combined 4: done"
echo "== queues: \$(ls \$q | tr '\n' ' ')"
sleep 1
# each TX queue in turn the only one XPS gives its vCPU
for t in 0 1 2 3; do
    for u in 0 1 2 3; do echo 0 >\$q/tx-\$u/xps_cpus; done
    echo \$((1 << (t % 2))) >\$q/tx-\$t/xps_cpus
    echo "== ping via tx-\$t"
    taskset -c \$((t % 2)) ping -c 3 -i 0.2 -W 2 $host
done
wait_host flows4 60
ethtool -L eth0 combined 2 && echo "== combined 2: done"
echo "== queues: \$(ls \$q | tr '\n' ' ')"
echo 1 >\$q/tx-0/xps_cpus; echo 2 >\$q/tx-1/xps_cpus
echo "== ping from cpu0"
taskset -c 0 ping -c 5 -i 0.2 -W 2 $host
echo "== ping from cpu1"
taskset -c 1 ping -c 5 -i 0.2 -W 2 $host
echo "== done"
wait_host flows2 60
EOF
    e2e_bail "guest starts"

if ! guest_wait_mark vm1 two 150; then
    tap_not_ok "guest booted with 4 queue pairs on a default port"
    guest_kill vm1
    tap_done
fi
tap_ok "guest booted with 4 queue pairs on a default port"
info=$(port_info vm1)
diag "at boot: queues_enabled $(jget "d['queues_enabled']" <<<"$info"), vrings $(vring_packets "$info")"
tap_is "show: 2 of 8 queue pairs enabled (2 vCPUs)" "$(jget "d['queues_enabled']" <<<"$info")" 2
tap_is "show: the 8 vrings QEMU set up, 0-3 running" \
    "$(jget "' '.join('%d%s' % (r['index'], '+' if r['running'] else '-') for r in d['vrings'])" <<<"$info")" \
    "0+ 1+ 2+ 3+ 4- 5- 6- 7-"

guest_go vm1 four
if ! guest_wait_mark vm1 flows4 90; then
    tap_not_ok "guest moved to 4 queue pairs and pinged through each TX ring"
    diag "$(guest_serial vm1 | tail -20)"
    guest_kill vm1
    tap_done
fi
tap_ok "guest moved to 4 queue pairs and pinged through each TX ring"
a=$(port_info vm1)
send_flows
# after the flows' last frames landed: two looks half a second apart agree
b=$(port_info vm1)
for _ in 1 2 3 4 5 6 7 8 9 10; do
    sleep 0.5
    b2=$(port_info vm1)
    [[ $b2 == "$b" ]] && break
    b=$b2
done
declare -A c1
stats_load c1
diag "combined 4: queues_enabled $(jget "d['queues_enabled']" <<<"$b"), vrings $(vring_packets "$b")"
tap_is "show: 4 queue pairs enabled" "$(jget "d['queues_enabled']" <<<"$b")" 4
tap_check "all 8 vrings of vm1 are running" vhost_ready vm1 8
for i in 1 3 5 7; do
    tap_cmp "TX vring $i (queue pair $((i / 2))) carried packets" "$(packets_of "$a" $i)" -gt 0
done
for i in 0 2 4 6; do
    tap_cmp "RX vring $i (queue pair $((i / 2))) got some of the 64 flows" \
        $(($(packets_of "$b" $i) - $(packets_of "$a" $i))) -gt 0
done

guest_go vm1 flows2
if ! guest_wait_mark vm1 flows2 90; then
    tap_not_ok "guest moved back to 2 queue pairs"
    diag "$(guest_serial vm1 | tail -20)"
    guest_kill vm1
    tap_done
fi
tap_ok "guest moved back to 2 queue pairs"
send_flows
# the vrings (show) and the port's counters (stats) in one quiet moment:
# stats taken on both sides of show, until nothing moved in between (the
# host's ARP checks on the guest come now and then)
declare -A c2 c3
for _ in 1 2 3 4 5 6 7 8 9 10; do
    stats_load c3
    d=$(port_info vm1)
    stats_load c2
    [[ ${c2[vm1.rx.packets]} == "${c3[vm1.rx.packets]}" && ${c2[vm1.tx.packets]} == "${c3[vm1.tx.packets]}" ]] &&
        break
    sleep 0.5
done
diag "combined 2: queues_enabled $(jget "d['queues_enabled']" <<<"$d"), vrings $(vring_packets "$d")"
tap_is "show: 2 queue pairs enabled again" "$(jget "d['queues_enabled']" <<<"$d")" 2
tap_is "vrings 4-7 stopped, 0-3 running" \
    "$(jget "' '.join('%d%s' % (r['index'], '+' if r['running'] else '-') for r in d['vrings'])" <<<"$d")" \
    "0+ 1+ 2+ 3+ 4- 5- 6- 7-"
rx2=$(($(packets_of "$d" 0) + $(packets_of "$d" 2) - $(packets_of "$b" 0) - $(packets_of "$b" 2)))
tap_cmp "RX vrings 0 + 2 took the 64 flows and the ping replies ($rx2)" "$rx2" -ge 74
tap_cmp "RX vrings 4 + 6 took nothing more" \
    $(($(packets_of "$d" 4) + $(packets_of "$d" 6) - $(packets_of "$b" 4) - $(packets_of "$b" 6))) -eq 0
tap_cmp "not one frame for vm1 dropped after the change" \
    $((${c2[vm1.tx.dropped]:-x} - ${c1[vm1.tx.dropped]:-x})) -eq 0

guest_go vm1 go
st=$(guest_wait vm1 60)
tap_is "guest test script ran to the end" "$st" 0
serial=$(guest_serial vm1)
diag "$(grep '^==' <<<"$serial")"
tap_like "the driver started with 2 of 4 channels" "$(grep '^== channels at boot' <<<"$serial")" 'Combined:[[:space:]]*2'
for t in 0 1 2 3; do
    tap_is "ping via tx-$t: 3 of 3" \
        "$(ping_stats "$(sed -n "/^== ping via tx-$t/,/^== \(ping\|combined\)/p" <<<"$serial")")" "3 3"
done
tap_is "after combined 2, ping from vCPU 0: 5 of 5" \
    "$(ping_stats "$(sed -n '/^== ping from cpu0/,/^== ping from cpu1/p' <<<"$serial")")" "5 5"
tap_is "after combined 2, ping from vCPU 1: 5 of 5" \
    "$(ping_stats "$(sed -n '/^== ping from cpu1/,/^== done/p' <<<"$serial")")" "5 5"

# the rings are listed while the guest is connected: its last quiet moment
tx=0 rx=0
for i in 0 1 2 3 4 5 6 7; do
    p=$(packets_of "$d" $i)
    ((i % 2)) && tx=$((tx + p)) || rx=$((rx + p))
done
tap_cmp "TX vrings = vm1 rx packets" "$tx" -eq "${c2[vm1.rx.packets]:-}"
tap_cmp "RX vrings = vm1 tx packets" "$rx" -eq "${c2[vm1.tx.packets]:-}"
declare -A c
stats_load c
tap_cmp "vm1 and tap0 have no errors" \
    $((${c[vm1.rx.errors]:-1} + ${c[vm1.tx.errors]:-1} + ${c[tap0.rx.errors]:-1} + ${c[tap0.tx.errors]:-1})) -eq 0

tap_done
