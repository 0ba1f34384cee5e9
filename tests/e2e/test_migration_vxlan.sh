#!/usr/bin/env bash
# Live migration of a QEMU guest between two "hosts" joined by VXLAN
# (issue 17).  Two namespaces, a uvnetd in each, on a veth underlay:
#
#   A  10.242.0.1  this test's uvnetd ($E2E_NS): br0 = vx (VNI 77 to B),
#                  tap tapa (namespace pa, 10.243.0.1: the peer that keeps
#                  pinging), vhost-user vm1 (the source QEMU)
#   B  10.242.0.2  a second uvnetd (--control $T/b.ctl.sock): br0 = vx
#                  (VNI 77 to A), vhost-user vm2 (the destination QEMU)
#
# The guest (10.243.0.2) boots on A, the peer pings it every 100 ms, QMP
# migrate moves it to a QEMU on B.  Checked: the migration completes; B's
# bridge has the guest's MAC on vm2 and A's has it on the tunnel port right
# after it (the destination's announcement crossed the overlay, nothing
# waited for a timeout); the peer on A kept reaching the guest (ping loss
# bounded by MIGR_MAX_LOST, default 30 of 100 ms pings) and reaches it
# afterwards; the guest itself reaches the peer from B; no ring broke.
# Overlay MTU: the guest and the peer use 1400 (VXLAN takes 50 of 1500).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_TIME_LIMIT=${E2E_TIME_LIMIT:-240}
e2e_init migration_vxlan

ulA=10.242.0.1 ulB=10.242.0.2
peer=10.243.0.1 guest=10.243.0.2 mac=52:54:00:e2:17:12
max_lost=${MIGR_MAX_LOST:-30}
nsB='' nsPA=''

ns_add nsB b && ns_add nsPA pa || e2e_bail "namespaces"
ip -n "$E2E_NS" link add ul0 type veth peer name ul0 netns "$nsB" &&
    ns_ifup "$E2E_NS" ul0 "$ulA/24" && ns_ifup "$nsB" ul0 "$ulB/24" ||
    e2e_bail "underlay $ulA <-> $ulB"

# ---- host A ----
uvnetd_start || e2e_bail "uvnetd A starts and answers"
ctl add-br br0 && ctl add-port br0 vx type=vxlan remote="$ulB" vni=77 local="$ulA" &&
    ctl add-port br0 tapa type=tap && ctl add-port br0 vm1 type=vhost-user path="$T/vm1.sock" ||
    e2e_bail "uvnetd A: br0 = vx (VNI 77 to B), tapa, vm1"
ip -n "$E2E_NS" link set tapa netns "$nsPA" && ip -n "$nsPA" link set tapa mtu 1400 &&
    ns_ifup "$nsPA" tapa "$peer/24" || e2e_bail "tapa in namespace pa, $peer"

# ---- host B ----
ctlb() { timeout 10 "$UVNETCTL" --control "$T/b.ctl.sock" "$@"; }
uvnetd_start_other "$nsB" b || e2e_bail "uvnetd B starts and answers"
UVNETD_B=$BG_PID
ctlb add-br br0 && ctlb add-port br0 vx type=vxlan remote="$ulA" vni=77 local="$ulB" &&
    ctlb add-port br0 vm2 type=vhost-user path="$T/vm2.sock" ||
    e2e_bail "uvnetd B: br0 = vx (VNI 77 to A), vm2"

# fdb_port CTL MAC: the port CTL's br0 has MAC on.
fdb_port() {
    "$1" --json fdb-show br0 | jget "[e['port'] for e in d['entries'] if e['mac'] == '$2'][0]" 2>/dev/null
}

# ---- the guest, on A ----
guest_start vm1 "$mac" "$guest/24" --timeout 220 -- -qmp "unix:$T/vm1.qmp,server=on,wait=off" <<EOF ||
ip link set eth0 mtu 1400
ping_until $peer 30 || echo "E2E-NO-LINK"
mark ready
wait_host migrated 200
ping -c 3 -W 2 $peer >/dev/null && mark reached-peer
wait_host done 60
EOF
    e2e_bail "source guest starts"
if ! guest_wait_mark vm1 ready 150; then
    diag_file "$T/vm1.serial" 20
    e2e_bail "guest booted on A and reaches the peer"
fi
tap_is "before: A's bridge has the guest's MAC on vm1" "$(fdb_port ctl "$mac")" vm1

# ---- the destination QEMU, on B: the same command line, -incoming ----
declare -a cmd
eval "cmd=($(cat "$T/vm1.cmdline"))"
cmd=("${cmd[@]//$T\/vm1.sock/$T/vm2.sock}")
cmd=("${cmd[@]//$T\/vm1.serial/$T/vm1b.serial}")
cmd=("${cmd[@]//$T\/vm1.ctl/$T/vm1b.ctl}")
cmd=("${cmd[@]//$T\/vm1.qmp/$T/vm1b.qmp}")
mkfifo "$T/vm1b.ctl.in" "$T/vm1b.ctl.out"
spawn ip netns exec "$nsB" timeout -k 5 200 "${cmd[@]}" -incoming "unix:$T/mig.sock" \
    >"$T/vm1b.qemu.log" 2>&1
GUEST_PID[vm1b]=$BG_PID
wait_for 20 test -S "$T/mig.sock" || diag "destination not listening"
wait_for 10 eval 'ctlb --json show | jget "[p for b in d[\"bridges\"] for p in b[\"ports\"]
    if p[\"name\"] == \"vm2\"][0][\"connected\"]" 2>/dev/null | grep -qx true' ||
    diag "destination did not connect to vm2"

# ---- migrate under pings from A's peer ----
spawn ip netns exec "$nsPA" timeout 60 busybox ping -i 0.1 -W 1 -w 30 "$guest" >"$T/ping.out" 2>&1
ping_pid=$BG_PID
sleep 3
qmp_call "$T/vm1.qmp" migrate-set-parameters '{"max-bandwidth": 1073741824, "downtime-limit": 300}' >/dev/null
if ! qmp_call "$T/vm1.qmp" migrate "{\"uri\": \"unix:$T/mig.sock\"}" >"$T/migrate.out" 2>&1; then
    diag_file "$T/migrate.out" 5
    e2e_bail "QEMU accepts to migrate the guest"
fi
state=active
for _ in $(seq 600); do
    info=$(qmp_call "$T/vm1.qmp" query-migrate 2>/dev/null)
    state=$(jget "d.get('status', '')" <<<"$info")
    [[ $state == completed || $state == failed || $state == cancelled ]] && break
    sleep 0.1
done
tap_is "migration A -> B completed ($(jget "d.get('total-time', -1)" <<<"$info") ms, downtime \
$(jget "d.get('downtime', -1)" <<<"$info") ms)" "$state" completed ||
    { diag "$info"; diag_file "$T/vm1b.qemu.log" 10; }

# the announcement: B's bridge at once, A's over the tunnel
wait_for 3 eval '[[ $(fdb_port ctlb '"$mac"') == vm2 ]]'
tap_is "B's bridge has the guest's MAC on vm2 right after the migration" "$(fdb_port ctlb "$mac")" vm2
wait_for 3 eval '[[ $(fdb_port ctl '"$mac"') == vx ]]'
tap_is "A's bridge moved the guest's MAC to the tunnel port right after it" "$(fdb_port ctl "$mac")" vx
qmp_call "$T/vm1.qmp" quit >/dev/null 2>&1
wait_for 10 _pid_gone "${GUEST_PID[vm1]}"

wait_for 40 _pid_gone "$ping_pid"
read -r tx rx <<<"$(ping_stats "$(cat "$T/ping.out")")"
tap_cmp "pings from A's peer lost across the migration: $((${tx:-0} - ${rx:-0})) of ${tx:-0} (at most $max_lost)" \
    $((${tx:-0} - ${rx:-0})) -le "$max_lost"
tap_cmp "pings from A's peer answered by the guest on B" "${rx:-0}" -gt 200
out=$(hping "$nsPA" -c 3 -W 2 "$guest")
tap_like "after: A's peer reaches the guest on B" "$out" ' 0% packet loss'
guest_go vm1b migrated
guest_wait_mark vm1b reached-peer 30
if guest_serial vm1b | grep -q '^E2E-MARK reached-peer$'; then
    tap_ok "after: the guest on B reaches A's peer"
else
    tap_not_ok "after: the guest on B reaches A's peer"
    diag_file "$T/vm1b.serial" 10
fi
read -r vx_rx <<<"$(ctlb --json stats vx | jget "d['ports'][0]['rx']['packets']")"
tap_cmp "B's tunnel port carried the peer's traffic (rx packets)" "${vx_rx:-0}" -gt 0
guest_go vm1b done
guest_wait vm1b 30 >/dev/null || guest_kill vm1b

tap_is "no ring broke on A or B" "$(cat "$T"/uvnetd.*.log "$T/uvnetd-b.log" | grep -c 'broken')" 0
uvnetd_stop_other "$UVNETD_B"
tap_is "uvnetd B exits with status 0 on SIGTERM" "$?" 0
tap_done
