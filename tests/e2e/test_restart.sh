#!/usr/bin/env bash
# uvnetd restarts under a running guest, in both vhost-user socket modes:
#  a) QEMU listens (server=on,wait=off), uvnetd connects (mode=client);
#  b) uvnetd listens (mode=server), QEMU reconnects (reconnect=1).
# The guest pings the host (tap0) 4 times a second; meanwhile uvnetd is
# SIGKILLed and started again with the same --state, which brings br0,
# tap0 and vm1 back: the pings must be answered again after the restart.
# Then SIGTERM: uvnetd exits 0 and removes its control socket and pid file
# (and, in server mode, the vhost-user socket it listened on).
#
# Split rings only: with packed=on the guest's traffic does not resume
# after the restart.  QEMU 7.2 cannot tell the new back-end where a packed
# ring stands when the old one died without GET_VRING_BASE (it restores
# split rings from the used index; virtio_queue_packed_restore_last_avail_idx
# does nothing), so the new uvnetd starts at a stale position.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init restart

host=10.205.0.1 host_mac=02:e2:05:00:00:01
guest=10.205.0.2
count=60 # pings, 0.25 s apart

# tap0 dies with uvnetd and comes back without an address: configure it
# (always with the same MAC, so the guest's ARP entry stays right).
host_side() {
    wait_for 10 ip -n "$E2E_NS" link show tap0 >/dev/null 2>&1 &&
        ns_ifup "$E2E_NS" tap0 "$host/24" "$host_mac"
}

# replies_after SERIAL SEQ: how many echo replies have a seq above SEQ.
replies_after() {
    sed -n 's/^64 bytes from .*: seq=\([0-9]*\) .*/\1/p' <<<"$1" | awk -v k="$2" '$1 > k' | wc -l
}
last_seq() {
    sed -n 's/^64 bytes from .*: seq=\([0-9]*\) .*/\1/p' <<<"$1" | tail -n1
}

# run_case NAME PORT_MODE QEMU_CHARDEV_OPTS
run_case() {
    local name=$1 mode=$2 chardev=$3 serial k st rc
    UVNETD_STATE=$T/state-$name
    if ! uvnetd_start || ! ctl add-br br0 || ! ctl add-port br0 tap0 type=tap ||
        ! ctl add-port br0 vm1 type=vhost-user path="$T/$name.sock" mode="$mode" || ! host_side; then
        tap_not_ok "$name: uvnetd up with tap0 and vm1 (mode=$mode)"
        uvnetd_stop KILL
        return 1
    fi
    tap_ok "$name: uvnetd up with tap0 and vm1 (mode=$mode)"

    guest_start "$name" 52:54:00:e2:05:02 "$guest/24" --sock "$T/$name.sock" --chardev "$chardev" <<EOF
ping_until $host 30 || echo "E2E-NO-LINK"
echo "== ping"
ping -c $count -i 0.25 -W 1 $host
wait_host end 60
EOF
    # Let a few pings through, then pull the rug.
    if ! guest_wait_line "$name" '^64 bytes from .*seq=([4-9]|[1-9][0-9]) ' 90; then
        tap_not_ok "$name: guest pings the host"
        guest_kill "$name"
        uvnetd_stop KILL
        return 1
    fi
    tap_ok "$name: guest pings the host"
    uvnetd_stop KILL
    rc=$?
    k=$(last_seq "$(guest_serial "$name")")
    tap_is "$name: uvnetd SIGKILLed (after ping seq $k)" "$rc" 137
    if uvnetd_start; then
        tap_ok "$name: uvnetd started again with the same --state"
    else
        tap_not_ok "$name: uvnetd started again with the same --state"
    fi
    tap_is "$name: show lists tap0 and vm1 again, from the state file" \
        "$(ctl --json show | jget "[(p['name'], p['type'], p.get('mode', '')) for b in d['bridges'] for p in b['ports']]")" \
        "[[\"tap0\", \"tap\", \"\"], [\"vm1\", \"vhost-user\", \"$mode\"]]"
    host_side || diag "tap0 did not come back"
    tap_check "$name: the guest's virtio-net reconnected" wait_for 20 vhost_ready vm1
    guest_wait_mark "$name" end 60
    serial=$(guest_serial "$name")
    diag "$(grep -E 'packets transmitted' <<<"$serial")"
    tap_cmp "$name: replies after the restart (seq > $k)" "$(replies_after "$serial" "${k:-999}")" -ge 10
    tap_cmp "$name: still answered at the end (last seq)" "$(last_seq "$serial")" -ge $((count - 5))
    declare -A c
    stats_load c
    tap_cmp "$name: the new uvnetd counted the guest's pings on vm1 and tap0" \
        "$(( ${c[vm1.rx.packets]:-0} < ${c[tap0.tx.packets]:-0} ? ${c[vm1.rx.packets]:-0} : ${c[tap0.tx.packets]:-0} ))" -ge 10

    # SIGTERM, with the guest still connected.
    uvnetd_stop TERM 15
    tap_is "$name: SIGTERM: uvnetd exits with status 0" "$?" 0
    tap_check "$name: SIGTERM: control socket and pid file removed" \
        test ! -e "$T/ctl.sock" -a ! -e "$T/uvnetd.pid"
    tap_check "$name: SIGTERM: tap0 is gone" eval '! ip -n "$E2E_NS" link show tap0 >/dev/null 2>&1'
    if [[ $mode == server ]]; then
        tap_check "$name: SIGTERM: the vhost-user socket uvnetd listened on is removed" test ! -e "$T/$name.sock"
    fi
    guest_kill "$name"
}

run_case client client server=on,wait=off
run_case server server reconnect=1

tap_done
