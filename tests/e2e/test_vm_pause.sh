#!/usr/bin/env bash
# A QEMU guest paused and resumed (QMP stop / cont) 10 times while it
# streams to the host through uvnetd (iperf3; the host's ACKs come back on
# the guest's RX ring).  At each stop QEMU takes the rings back
# (GET_VRING_BASE), at each cont it starts them again from there, as for
# a live migration.  At every stop, what QEMU then reads
# (x-query-virtio-queue-status) must show that uvnetd holds no buffer:
# the next available entry it reported is the used index (RX and TX), so
# no frame was taken and left unsent and no buffer is lost to the guest.
# Afterwards the guest's traffic still flows.  Split rings, whose two
# positions QEMU reports as plain indexes.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init vm_pause

host=10.204.0.1
guest=10.204.0.2
stops=10

# qmp COMMAND [ARGUMENTS_JSON]: run one QMP command on the guest's monitor;
# prints its "return" as JSON.
qmp() { qmp_call "$T/vm1.qmp" "$@"; }

# ring_positions PATH: "RX_LAST_AVAIL RX_USED TX_LAST_AVAIL TX_USED" as QEMU
# has them for the (stopped) guest's virtio-net device at QOM path PATH.
ring_positions() {
    local q out=()
    for q in 0 1; do
        out+=("$(qmp x-query-virtio-queue-status "{\"path\": \"$1\", \"queue\": $q}" |
            jget "'%d %d' % (d['last-avail-idx'], d['used-idx'])")")
    done
    echo "${out[*]}"
}

tap_vm_bridge "$host/24"
iperf3_server "$E2E_NS" 5201 "$T/iperf.json" || e2e_bail "iperf3 server listens"
tap_ok "uvnetd up: br0 with tap0 ($host) and vm1"

guest_start vm1 52:54:00:e2:04:02 "$guest/24" -- -qmp "unix:$T/vm1.qmp,server=on,wait=off" <<EOF || e2e_bail "guest starts"
ping_until $host 30 || echo "E2E-NO-LINK"
iperf3 -c $host -p 5201 -t 15 --connect-timeout 5000 >/tmp/iperf.out 2>&1 &
mark streaming
wait_host resumed 120
wait
tail -n 4 /tmp/iperf.out
echo "== ping host"
ping -c 5 -i 0.2 -W 2 $host
EOF

if ! guest_wait_mark vm1 streaming 90; then
    tap_not_ok "guest booted and started streaming"
    tap_done
fi
tap_ok "guest booted and started streaming"
path=$(qmp x-query-virtio | jget "[v['path'] for v in d if v['name'] == 'virtio-net'][0]")
[ -n "$path" ] || diag "no virtio-net device in x-query-virtio"

held=0 first= last=
for ((i = 1; i <= stops; i++)); do
    sleep 0.5
    # only a stopped guest's rings may be queried: while vhost runs, QEMU
    # would take a ring from uvnetd to answer
    if ! qmp stop >/dev/null; then
        diag "stop $i failed"
        continue
    fi
    pos=$(ring_positions "$path")
    diag "stop $i: RX last_avail, used; TX last_avail, used: $pos"
    read -r rx_avail rx_used tx_avail tx_used <<<"$pos"
    if [[ $pos =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]] &&
        ((rx_avail == rx_used && tx_avail == tx_used)); then
        held=$((held + 1))
        first=${first:-$pos} last=$pos
    fi
    qmp cont >/dev/null || diag "cont $i failed"
done
tap_is "at each of $stops stops uvnetd held no buffer (last_avail = used, RX and TX)" "$held" "$stops"
read -r rx0 _ tx0 _ <<<"${first:-0 0 0 0}"
read -r rx1 _ tx1 _ <<<"${last:-0 0 0 0}"
tap_cmp "the guest's TX ring moved between the stops ($tx0 -> $tx1)" $(((tx1 - tx0) & 0xffff)) -gt 100
tap_cmp "the guest's RX ring moved between the stops ($rx0 -> $rx1)" $(((rx1 - rx0) & 0xffff)) -gt 100

guest_go vm1 resumed
st=$(guest_wait vm1 120)
tap_is "guest test script ran to the end (UVNET-TEST-EXIT 0)" "$st" 0
tap_is "after the pauses, guest -> host ping: 5 of 5 answered" \
    "$(ping_stats "$(guest_serial vm1 | sed -n '/^== ping host/,$p')")" "5 5"
received=$(iperf3_received "$T/iperf.json")
tap_cmp "iperf3 guest -> host moved data across the pauses ($((${received:-0} / 1000000)) MB)" \
    "${received:-x}" -gt 1000000
declare -A c
stats_load c
diag "$(ctl stats)"
tap_cmp "vm1 has no rx errors (no ring marked broken)" "${c[vm1.rx.errors]:-x}" -eq 0
tap_check "uvnetd logged no broken ring" eval '! grep -q "broken" "$T"/uvnetd.*.log'
tap_done
