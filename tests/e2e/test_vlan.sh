#!/usr/bin/env bash
# VLANs on a uvnetd bridge, with three QEMU guests:
#  1. vm1 on access tag 10 and vm2 on access tag 20 cannot ping each other,
#     and not one frame crosses over (both ports' tx counters stay 0);
#  2. vm2's port is deleted and added again with tag=10 while the guest
#     runs (QEMU reconnects): now vm1 and vm2 ping each other;
#  3. trunk: vm3, whose port has trunks=10, pings vm1 from a VLAN
#     interface eth0.10, and the FDB learns vm3's MAC on VLAN 10.
# The guests reconnect (chardev reconnect=1), so their ports can come and go.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init vlan

ip1=10.204.0.11 mac1=52:54:00:e2:04:11
ip2=10.204.0.12 mac2=52:54:00:e2:04:12
ip3=10.204.0.13 mac3=52:54:00:e2:04:13

uvnetd_start || e2e_bail "uvnetd starts and answers"
ctl add-br br0 && ctl add-port br0 vm1 type=vhost-user path="$T/vm1.sock" tag=10 &&
    ctl add-port br0 vm2 type=vhost-user path="$T/vm2.sock" tag=20 ||
    e2e_bail "bridge br0 with vm1 (tag=10) and vm2 (tag=20)"
tap_is "show: vm1 is an access port of VLAN 10" "$(port_info vm1 | jget "d['vlan']")" "access tag=10"
tap_is "show: vm2 is an access port of VLAN 20" "$(port_info vm2 | jget "d['vlan']")" "access tag=20"
diag "$(ctl show)"

# Both guests wait until both are up, so the cross-VLAN pings meet a live
# port on the other side.
guest_start vm1 "$mac1" "$ip1/24" --chardev reconnect=1 <<EOF || e2e_bail "guest vm1 starts"
wait_host up 120 || exit 1
echo "== vm1 -> vm2 across VLANs"
ping -c 3 -i 0.3 -W 1 $ip2
wait_host retagged 120 || exit 1
ping_until $ip2 30
echo "== vm1 -> vm2 same VLAN"
ping -c 5 -i 0.2 -W 2 $ip2
wait_host done 120
EOF
guest_start vm2 "$mac2" "$ip2/24" --chardev reconnect=1 <<EOF || e2e_bail "guest vm2 starts"
wait_host up 120 || exit 1
echo "== vm2 -> vm1 across VLANs"
ping -c 3 -i 0.3 -W 1 $ip1
wait_host done 150
EOF

# ---- 1. different access VLANs: isolated ----
if guest_wait_mark vm1 up 120 && guest_wait_mark vm2 up 60 && vhost_ready vm1 && vhost_ready vm2; then
    guest_go vm1
    guest_go vm2
else
    e2e_bail "guests on VLANs 10 and 20 booted"
fi
if guest_wait_mark vm1 retagged 60 && guest_wait_mark vm2 "done" 60; then
    tap_ok "guests on VLANs 10 and 20 booted and tried to ping"
else
    e2e_bail "guests on VLANs 10 and 20 booted and tried to ping"
fi
s1=$(guest_serial vm1)
s2=$(guest_serial vm2)
tap_is "vm1 (VLAN 10) -> vm2 (VLAN 20): no answer" \
    "$(ping_stats "$(sed -n '/^== vm1 -> vm2 across/,/^E2E-WAIT/p' <<<"$s1")")" "3 0"
tap_is "vm2 (VLAN 20) -> vm1 (VLAN 10): no answer" \
    "$(ping_stats "$(sed -n '/^== vm2 -> vm1 across/,/^E2E-WAIT/p' <<<"$s2")")" "3 0"
declare -A c
stats_load c
diag "$(ctl stats)"
tap_cmp "vm1 and vm2 sent frames into the switch (ARP)" \
    "$(( ${c[vm1.rx.packets]:-0} < ${c[vm2.rx.packets]:-0} ? ${c[vm1.rx.packets]:-0} : ${c[vm2.rx.packets]:-0} ))" -gt 0
tap_cmp "no frame of VLAN 20 was sent (or dropped) to vm1" $((${c[vm1.tx.packets]:-1} + ${c[vm1.tx.dropped]:-1})) -eq 0
tap_cmp "no frame of VLAN 10 was sent (or dropped) to vm2" $((${c[vm2.tx.packets]:-1} + ${c[vm2.tx.dropped]:-1})) -eq 0

# ---- 2. vm2 moved to VLAN 10 ----
if ctl del-port br0 vm2 && ctl add-port br0 vm2 type=vhost-user path="$T/vm2.sock" tag=10; then
    tap_ok "vm2 re-added with tag=10"
else
    tap_not_ok "vm2 re-added with tag=10"
fi
tap_check "vm2's guest reconnected" wait_for 30 vhost_ready vm2
guest_go vm1
tap_check "vm1 finished pinging" guest_wait_mark vm1 "done" 90
s1=$(guest_serial vm1)
tap_is "vm1 -> vm2, both on VLAN 10: 5 of 5 answered" \
    "$(ping_stats "$(sed -n '/^== vm1 -> vm2 same/,/^E2E-WAIT done/p' <<<"$s1")")" "5 5"

# ---- 3. a trunk port: tagged frames of VLAN 10 ----
guest_start vm3 "$mac3" "" --chardev reconnect=1 <<EOF || e2e_bail "guest vm3 starts"
vconfig add eth0 10 >/dev/null || ip link add link eth0 name eth0.10 type vlan id 10
ip addr add $ip3/24 dev eth0.10
ip link set eth0.10 up
ip -o link show eth0.10
ping_until $ip1 30
echo "== vm3 eth0.10 -> vm1"
ping -c 5 -i 0.2 -W 2 $ip1
mark pinged
EOF
ctl add-port br0 vm3 type=vhost-user path="$T/vm3.sock" trunks=10 || tap_not_ok "vm3 added with trunks=10"
tap_is "show: vm3 is a trunk of VLAN 10" "$(port_info vm3 | jget "d['vlan']")" "trunk 10"
if guest_wait_mark vm3 pinged 120; then
    fdb=$(ctl --json fdb-show br0)
    diag "$(ctl fdb-show br0)"
else
    fdb='{"entries": []}'
fi
st3=$(guest_wait vm3 60)
tap_is "vm3's test script ran to the end" "$st3" 0
s3=$(guest_serial vm3)
tap_is "vm3 (eth0.10 on a trunk) -> vm1 (access 10): 5 of 5 answered" \
    "$(ping_stats "$(sed -n '/^== vm3 eth0.10/,$p' <<<"$s3")")" "5 5"
tap_is "fdb-show: vm3's MAC learned on port vm3, VLAN 10" \
    "$(jget "[(e['port'], e['vlan']) for e in d['entries'] if e['mac'] == '$mac3']" <<<"$fdb")" '[["vm3", 10]]'
tap_is "fdb-show: vm1's MAC learned on port vm1, VLAN 10" \
    "$(jget "[(e['port'], e['vlan']) for e in d['entries'] if e['mac'] == '$mac1']" <<<"$fdb")" '[["vm1", 10]]'

guest_go vm1
guest_go vm2
st1=$(guest_wait vm1 60)
st2=$(guest_wait vm2 60)
tap_is "vm1's and vm2's test scripts ran to the end" "$st1 $st2" "0 0"
stats_load c
tap_cmp "no rx/tx errors on vm1, vm2, vm3" \
    $((${c[vm1.rx.errors]:-1} + ${c[vm1.tx.errors]:-1} + ${c[vm2.rx.errors]:-1} + ${c[vm2.tx.errors]:-1} + ${c[vm3.rx.errors]:-1} + ${c[vm3.tx.errors]:-1})) -eq 0

tap_done
