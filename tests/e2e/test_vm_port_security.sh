#!/usr/bin/env bash
# uvnet-vm's default port security on a uvnet network: the network
# reserves an address for the guest's MAC (a dnsmasq dhcp-host entry) and
# the guest's port gets port-security=MAC,IP.
#  - locked: the guest's DHCP hands it exactly the reserved address, show
#    says MAC,IP, net-list lists the reservation; it pings the gateway;
#    after it changes its own address inside, nothing gets through (drops
#    counted); once it powered off, port and reservation are gone;
#  - a second guest with the MAC of the first while it runs is refused;
#  - open (--net NET,port-security=off): no reservation, no check: the
#    same change of address still reaches the gateway;
#  - a reservation survives uvnetd SIGKILLed and started again from its
#    state file (same address, same dnsmasq entry) and goes with del-port;
#    one whose port cannot come back is dropped.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init vm_port_security

UVNET_VM=$UVNET_BUILD/tools/uvnet-vm
net=psnet sub=10.212.0 gw=10.212.0.1 other=10.212.0.99
mac=52:54:00:e2:12:01 mac2=52:54:00:e2:12:02
[[ -x $UVNET_VM ]] || e2e_bail "$UVNET_VM is not built"
uvnetd_start || e2e_bail "uvnetd starts and answers"
ctl net-define "$net" mode=isolated subnet=$sub.0/24 dhcp-range=$sub.50,$sub.60 &&
    ctl net-start "$net" || e2e_bail "network $net defined and started"
guest_prepare || e2e_bail "test guest (kernel + initramfs) and accelerator"
tap_ok "uvnetd up, network $net started, guest ready ($E2E_ACCEL)"

# The guest's script: its DHCP address, a ping from it, then from another
# address; then it waits for the host to look before powering off.
cat >"$T/guest.sh" <<GUEST
ip=\$(ip addr show dev eth0 | sed -n 's/.*inet \([0-9.]*\).*/\1/p' | head -n1)
echo "E2E-MARK ip \$ip"
if ping -c 3 -W 2 $gw >/dev/null; then echo "E2E-MARK own ok"; else echo "E2E-MARK own fail"; fi
ip addr flush dev eth0
ip addr add $other/24 dev eth0
if ping -c 3 -W 2 $gw >/dev/null; then echo "E2E-MARK other ok"; else echo "E2E-MARK other fail"; fi
echo "E2E-MARK done"
sleep 40
exit 0
GUEST
"$GUEST_SCRIPTS/mkcpio-test.sh" "$T/guest.sh" "$T/guest.cpio.gz" &&
    cat "$GUEST_INITRD" "$T/guest.cpio.gz" >"$T/guest.img" || e2e_bail "guest image with the script"

# vm_run NAME NET-SPEC: uvnet-vm run in uvnetd's namespace; pid in GUEST_PID[NAME].
vm_run() {
    spawn ip netns exec "$E2E_NS" timeout -k 5 200 "$UVNET_VM" --control "$T/ctl.sock" run \
        --name "$1" --kernel "$GUEST_KERNEL" --initrd "$T/guest.img" --accel "$E2E_ACCEL" \
        --mem 256 --cpus 1 --cmdline "quiet panic=-1 no_timer_check ipv6.disable=1 uvnet.dhcp=1" --net "$2" \
        --serial-log "$T/$1.serial" >"$T/$1.vm.out" 2>&1
    GUEST_PID[$1]=$BG_PID
}
mark_of() { guest_serial "$1" | sed -n "s/^E2E-MARK $2 *//p" | head -n1; }
reserved() { ctl --json net-list | jget "[r['ip'] for n in d['networks'] if n['name'] == '$net'
                                        for r in n.get('reservations', []) if r['mac'] == '$1']"; }

# ---- the state file keeps a reservation ----
mac3=52:54:00:e2:12:03
hosts=$T/$net.dhcp-hosts
mac4=52:54:00:e2:12:04
mkdir "$T/lost" && ctl add-port "$net" keep type=tap port-security=network:$mac3 &&
    ctl add-port "$net" lost type=vhost-user path="$T/lost/x.sock" port-security=network:$mac4 ||
    e2e_bail "ports keep and lost with reservations"
r3=$(reserved "$mac3")
tap_like "keep: an address reserved for it ($r3)" "$r3" "^\[\"$sub\.5[0-9]\"\]\$"
tap_check "keep: dnsmasq's conf has its dhcp-host line" grep -qx "dhcp-host=$mac3,${r3:2:-2}" "$hosts"
uvnetd_stop KILL
rm -rf "$T/lost" # port lost cannot listen there again: it does not come back
uvnetd_start || e2e_bail "uvnetd starts again from its state file"
tap_is "keep: after a restart the same address is reserved" "$(reserved "$mac3")" "$r3"
tap_is "lost: the reservation of a port that did not come back is dropped" "$(reserved "$mac4")" "[]"
tap_is "keep: and the port is locked to it" "$(port_info keep | jget "d['port_security']")" \
    "$mac3,${r3:2:-2}"
tap_check "keep: dnsmasq's conf still has the line" grep -qx "dhcp-host=$mac3,${r3:2:-2}" "$hosts"
ctl del-port keep
tap_is "keep: del-port frees the reservation" "$(reserved "$mac3")" "[]"
tap_check "keep: and its dhcp-host line" eval "! grep -q '$mac3' '$hosts'"

# ---- locked (the default) ----
vm_run locked "$net,mac=$mac"
tap_check "locked: the guest ran its checks" guest_wait_line locked '^E2E-MARK done' 180 ||
    diag_file "$T/locked.serial"
ip=$(mark_of locked ip)
res=$(reserved "$mac")
tap_is "locked: the network reserved one address for its MAC" "$res" "[\"${ip:-?}\"]"
tap_like "locked: DHCP gave it the reserved address ($ip)" "$ip" "^$sub\\.5[0-9]$"
tap_is "locked: its port has port-security MAC,IP" \
    "$(port_info vm-locked | jget "d['port_security']")" "$mac,$ip"
tap_is "locked: it reaches the gateway from its own address" "$(mark_of locked own)" ok
tap_is "locked: from another address it does not" "$(mark_of locked other)" fail
drops=$(ctl --json stats vm-locked | jget "sum(d['ports'][0].get('security_drops', {}).get(k, 0)
                                          for k in ('ipv4-src', 'arp-spa'))")
tap_cmp "locked: its spoofed frames were counted as dropped ($drops)" "${drops:-0}" -gt 0
out=$(timeout 60 "$UVNET_VM" --control "$T/ctl.sock" run --name twin --kernel "$GUEST_KERNEL" \
    --initrd "$T/guest.img" --accel "$E2E_ACCEL" --net "$net,mac=$mac" 2>&1)
tap_like "a second guest with the same MAC is refused" "$out" "52:54:00:e2:12:01 has $ip reserved already, for port vm-locked"
wait_for 90 _pid_gone "${GUEST_PID[locked]}"
tap_is "locked: its port is gone after it powered off" \
    "$(ctl --json show | jget "[p['name'] for b in d['bridges'] for p in b['ports'] if p['name'] == 'vm-locked']")" "[]"
tap_is "locked: and its reservation" "$(reserved "$mac")" "[]"

# ---- open: port-security=off ----
vm_run open "$net,mac=$mac2,port-security=off"
tap_check "open: the guest ran its checks" guest_wait_line open '^E2E-MARK done' 180 ||
    diag_file "$T/open.serial"
tap_is "open: no reservation for it" "$(reserved "$mac2")" "[]"
tap_is "open: its port has no port security" \
    "$(port_info vm-open | jget "d.get('port_security', '')")" ""
tap_is "open: it reaches the gateway from another address too" "$(mark_of open other)" ok
wait_for 90 _pid_gone "${GUEST_PID[open]}"
tap_done
