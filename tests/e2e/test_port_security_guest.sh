#!/usr/bin/env bash
# A hostile QEMU guest on a port with port-security=MAC,IP, between the
# host's gateway tap (tap0) and a victim tap in a namespace (tapv):
#  - the guest spoofs the gateway's MAC, sends from an address it was not
#    given, claims the gateway's address in gratuitous ARP, and runs a rogue
#    DHCP server (busybox udhcpd);
#  - sniffed on both taps: nothing from the gateway's MAC, from the spoofed
#    address, or claiming the gateway's address crosses; the victim's DHCP
#    client gets no offer; the gateway's ARP entry and FDB entry stay right;
#  - the victim keeps pinging the gateway throughout; the guest's own
#    traffic works before and after (the port is never disabled);
#  - stats counts eth-src, ipv4-src, arp-spa and dhcp-server drops on vm1;
#  - set-port vm1 port-security=off: the same rogue server now hands the
#    victim a lease (the check is what stopped it), and back on.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init port_security_guest

RAW=$E2E_DIR/rawframe.py
gw=10.211.0.1 ipv=10.211.0.2 ip1=10.211.0.3 spoof=10.211.0.66
gwmac=02:00:00:e2:11:01 macv=02:00:00:e2:11:02 mac1=52:54:00:e2:11:03
nsv=''

tap_vm_bridge "$gw/24" "port-security=$mac1,$ip1"
ip -n "$E2E_NS" link set tap0 down && ip -n "$E2E_NS" link set tap0 address "$gwmac" &&
    ip -n "$E2E_NS" link set tap0 up || e2e_bail "tap0 has the gateway's MAC"
ns_add nsv v && ctl add-port br0 tapv type=tap && ip -n "$E2E_NS" link set tapv down &&
    ip -n "$E2E_NS" link set tapv address "$macv" && ip -n "$E2E_NS" link set tapv netns "$nsv" &&
    ns_ifup "$nsv" tapv "$ipv/24" || e2e_bail "victim tap tapv in its namespace"
tap_is "show: vm1's port security" "$(port_info vm1 | jget "d['port_security']")" "$mac1,$ip1"

guest_start vm1 "$mac1" "$ip1/24" <<EOF || e2e_bail "guest starts"
ping_until $gw 30 || echo "E2E-NO-LINK"
echo "== legit ping"
ping -c 3 -i 0.2 -W 2 $gw
wait_host attack 120 || exit 1
echo "== mac spoof"
ip link set eth0 down; ip link set eth0 address $gwmac; ip link set eth0 up
ping -c 3 -i 0.3 -W 1 $gw
ip link set eth0 down; ip link set eth0 address $mac1; ip link set eth0 up
echo "== ip spoof"
ip addr add $spoof/32 dev eth0
ping -c 3 -i 0.3 -W 1 -I $spoof $gw
ip addr del $spoof/32 dev eth0
echo "== arp poisoning"
ip addr add $gw/32 dev eth0
arping -U -c 2 -w 2 -I eth0 -s $gw $gw
arping -A -c 2 -w 2 -I eth0 -s $gw $ipv
ip addr del $gw/32 dev eth0
echo "== rogue dhcp"
printf 'start 10.211.0.70\nend 10.211.0.80\ninterface eth0\noption subnet 255.255.255.0\noption router $ip1\nlease_file /tmp/leases\n' >/tmp/u.conf
touch /tmp/leases
udhcpd -f /tmp/u.conf &
wait_host dhcp-done 120
kill \$! 2>/dev/null
echo "== after"
ping -c 3 -i 0.2 -W 2 $gw
EOF

guest_wait_mark vm1 attack 150 || e2e_bail "guest booted and reached the gateway"
tap_ok "guest booted and reached the gateway"
# sniffers on both taps until $T/stop, the victim pinging the gateway meanwhile
spawn ip netns exec "$E2E_NS" timeout 150 "$PY" "$RAW" sniff tap0 140 until="$T/stop" >"$T/gw.sniff" 2>&1
s1=$BG_PID
spawn ip netns exec "$nsv" timeout 150 "$PY" "$RAW" sniff tapv 140 until="$T/stop" >"$T/v.sniff" 2>&1
s2=$BG_PID
wait_for 5 grep -q ready "$T/gw.sniff" && wait_for 5 grep -q ready "$T/v.sniff" || e2e_bail "sniffers ready"
spawn ip netns exec "$nsv" timeout 120 busybox ping -i 0.5 -W 2 "$gw" >"$T/victim.ping" 2>&1
pinger=$BG_PID
guest_go vm1
guest_wait_mark vm1 dhcp-done 90 || tap_not_ok "guest ran its attacks"
sleep 1 # the rogue server is up
# the victim asks for an address: the rogue server must not be heard
in_ns "$nsv" timeout 20 busybox udhcpc -i tapv -n -q -t 3 -T 1 -s /bin/true >"$T/dhcp1" 2>&1
dhcp1=$?
touch "$T/stop"
declare -A c
sec=$(ctl --json stats vm1 | jget "d['ports'][0]['security_drops']")
diag "$(ctl stats vm1)"
# now without port security, the same server answers
ctl set-port vm1 port-security=off || tap_not_ok "set-port vm1 port-security=off"
in_ns "$nsv" timeout 20 busybox udhcpc -i tapv -n -q -t 5 -T 1 -s /bin/true >"$T/dhcp2" 2>&1
dhcp2=$?
ctl set-port vm1 "port-security=$mac1,$ip1" || tap_not_ok "set-port vm1 port-security back on"
guest_go vm1
st=$(guest_wait vm1 60)
kill "$pinger" 2>/dev/null
wait "$pinger" 2>/dev/null
wait_for 10 _pid_gone "$s1"
wait_for 10 _pid_gone "$s2"
tap_is "guest test script ran to the end" "$st" 0
diag "$(sed -n '/^== /,$p' <(guest_serial vm1) | grep -vE '^E2E|^$' | head -40)"

# ---- nothing crossed ----
from_vm() { grep -vE "src=($gwmac|$macv) " "$1"; }
# at tap0 (the gateway's own frames are outgoing there, not sniffed) any
# frame from the gateway's MAC is the guest's; at tapv only those that do
# not carry the gateway's address
tap_is "no frame from the gateway's MAC came out of the switch at tap0" \
    "$(grep -c "src=$gwmac " "$T/gw.sniff")" 0
tap_is "no frame from the gateway's MAC with the guest's address reached tapv" \
    "$(grep "src=$gwmac " "$T/v.sniff" | grep -v "ip4src=$gw\b\|arpspa=$gw\b\|type=0x0800 len=[0-9]*\$")" ""
tap_is "no frame from the spoofed address $spoof reached tap0 or tapv" \
    "$(grep -h "ip4src=$spoof\\b\\|arpspa=$spoof\\b" "$T/gw.sniff" "$T/v.sniff")" ""
tap_is "no ARP from the guest claimed the gateway's address" \
    "$(from_vm "$T/v.sniff" | grep "arpspa=$gw ")" ""
tap_is "no DHCP server message reached the victim" "$(grep 'udp=67>' "$T/v.sniff")" ""
tap_cmp "the victim's DHCP client got no lease from the rogue server" "$dhcp1" -ne 0
tap_like "the gateway's ARP entry for the victim names the victim" \
    "$(ip -n "$E2E_NS" neigh show "$ipv")" "$macv|^$"
tap_like "the victim's ARP entry for the gateway names the gateway" \
    "$(ip -n "$nsv" neigh show "$gw")" "$gwmac"
tap_is "fdb-show: the gateway's MAC is on tap0" \
    "$(ctl --json fdb-show br0 | jget "[e['port'] for e in d['entries'] if e['mac'] == '$gwmac']")" '["tap0"]'

# ---- the victim and the guest kept working ----
tap_cmp "the victim's pings to the gateway were answered throughout (lost <= 1)" \
    "$(grep -c 'bytes from' "$T/victim.ping")" -ge $(($(grep -c '^PING\|seq=' "$T/victim.ping") - 2))
serial=$(guest_serial vm1)
tap_is "guest -> gateway before the attacks: 3 of 3" \
    "$(ping_stats "$(sed -n '/^== legit ping/,/^E2E-WAIT/p' <<<"$serial")")" "3 3"
tap_is "guest with the gateway's MAC: 0 of 3" \
    "$(ping_stats "$(sed -n '/^== mac spoof/,/^== ip spoof/p' <<<"$serial")")" "3 0"
tap_is "guest from the spoofed address: 0 of 3" \
    "$(ping_stats "$(sed -n '/^== ip spoof/,/^== arp/p' <<<"$serial")")" "3 0"
tap_is "guest -> gateway after the attacks: 3 of 3 (the port still forwards)" \
    "$(ping_stats "$(sed -n '/^== after/,$p' <<<"$serial")")" "3 3"

# ---- counted ----
diag "security_drops: $sec"
for r in eth-src ipv4-src arp-spa dhcp-server; do
    tap_cmp "vm1 security_drops $r > 0" "$(jget "d['$r']" <<<"$sec")" -gt 0
done

# ---- and without port security the attack works ----
tap_cmp "port-security=off: the rogue server gave the victim a lease" "$dhcp2" -eq 0
tap_like "... from the guest's range" "$(cat "$T/dhcp2")" "lease of 10\\.211\\.0\\.(7[0-9]|80) obtained"

tap_done
