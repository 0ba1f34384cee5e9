#!/usr/bin/env bash
# Port security and MAC limits with raw frames from a tap in a namespace
# (tests/e2e/rawframe.py), no VMs.  Three tap ports, each in a namespace:
# a gateway g, a victim v and an attacker x.
#  1. x without port-security spoofs g's MAC: it crosses (the test can see
#     an attack), and the bridge moves g's MAC to x;
#  2. set-port x port-security=MAC,IP at run time (saved in the state file);
#     then every attack from x: g's MAC as source, ARP claiming g's address,
#     ARP with another sender MAC, IPv4 from v's address, a rogue DHCP offer,
#     an IPv6 router advertisement, a neighbour advertisement for another's
#     address, a priority tag hiding a VLAN tag.  None reaches v or g; v's
#     ARP entry for g stays right; x's own pings and v <-> g keep working;
#     stats counts each drop under its reason, --json under security_drops;
#  3. FDB flood: x (port-security off, max-macs=16) sends 3000 frames from
#     random MACs while v and g ping each other: 16 learned on x, the rest
#     refused and counted, no ping lost; then max-macs=0 and more fill
#     the bridge's table: new MACs refused (per bridge, in stats and
#     fdb-show), v and g still learned and pinging.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init port_security

RAW=$E2E_DIR/rawframe.py
ipg=10.210.0.1 ipv=10.210.0.2 ipx=10.210.0.3
macg=02:00:00:e2:10:01 macv=02:00:00:e2:10:02 macx=02:00:00:e2:10:03
nsg='' nsv='' nsx=''
uvnetd_start || e2e_bail "uvnetd starts and answers"
ns_add nsg g && ns_add nsv v && ns_add nsx x || e2e_bail "namespaces g, v, x"
ctl add-br br0 && ctl add-port br0 tg type=tap && ctl add-port br0 tv type=tap &&
    ctl add-port br0 tz type=tap || e2e_bail "br0 with taps tg, tv, tz"
# move_tap TAP NS MAC ADDR: the tap into NS, with its MAC (set while down) and address.
move_tap() {
    ip -n "$E2E_NS" link set "$1" down && ip -n "$E2E_NS" link set "$1" address "$3" &&
        ip -n "$E2E_NS" link set "$1" netns "$2" && ns_ifup "$2" "$1" "$4"
}
move_tap tg "$nsg" "$macg" "$ipg/24" && move_tap tv "$nsv" "$macv" "$ipv/24" &&
    move_tap tz "$nsx" "$macx" "$ipx/24" || e2e_bail "taps moved and addressed"

SNIFFERS=()
# sniff NS DEV NAME SECONDS: a sniffer of frames marked T-..., into $T/NAME.sniff.
sniff() {
    spawn ip netns exec "$1" timeout 30 "$PY" "$RAW" sniff "$2" "$4" match=T- >"$T/$3.sniff" 2>&1
    SNIFFERS+=("$BG_PID")
    wait_for 5 grep -q ready "$T/$3.sniff"
}
sniffers_done() {
    local p
    for p in "${SNIFFERS[@]}"; do wait_for 30 _pid_gone "$p"; wait "$p" 2>/dev/null; done
    SNIFFERS=()
}
send() { in_ns "$nsx" "$PY" "$RAW" send tz "$@"; }
# crossed TEXT: how many marked frames v and g saw together.
crossed() { cat "$T/v.sniff" "$T/g.sniff" | grep -cE -- " text=$1( |$)"; }
fdb_port_of() { ctl --json fdb-show br0 | jget "[e['port'] for e in d['entries'] if e['mac'] == '$1']"; }
secdrop() { ctl --json stats tz | jget "d['ports'][0]['security_drops']['$1']"; }

out=$(hping "$nsv" -c 3 -i 0.2 -W 2 "$ipg")
tap_is "v -> g ping: 3 of 3" "$(ping_stats "$out")" "3 3"
hping "$nsx" -c 1 -W 2 "$ipg" >/dev/null
tap_is "g's MAC is learned on tg" "$(fdb_port_of "$macg")" '["tg"]'

# ---- 1. without port security the spoof works ----
sniff "$nsv" tv v 3 && sniff "$nsg" tg g 3 || e2e_bail "sniffers ready"
send eth src="$macg" text=T-SPOOF0
moved=$(fdb_port_of "$macg")
sniffers_done
tap_cmp "without port-security, a frame from g's MAC sent by x reaches v" "$(crossed T-SPOOF0)" -ge 1
tap_is "... and the bridge moved g's MAC to x" "$moved" '["tz"]'
hping "$nsg" -c 1 -W 2 "$ipv" >/dev/null # g speaks: its MAC comes back to tg

# ---- 2. port-security set at run time ----
tap_check "set-port tz port-security=$macx,$ipx" ctl set-port tz "port-security=$macx,$ipx"
tap_is "show: tz's port security" "$(port_info tz | jget "d['port_security']")" "$macx,$ipx"
tap_like "the state file keeps tz's new word" "$(cat "$T/state")" "\"port-security=$macx,$ipx\""
tap_check "set-port refuses a kind's own option, naming it" \
    bash -c "! $(printf '%q ' "$UVNETCTL") --control $T/ctl.sock set-port tz ifname=x 2>$T/err"
tap_like "... with the reason" "$(cat "$T/err")" "ifname: a tap port cannot change it at run time"

sniff "$nsv" tv v 6 && sniff "$nsg" tg g 6 || e2e_bail "sniffers ready"
send eth src="$macg" text=T-SPOOF count=3                                    # eth-src
send arp src="$macx" op=2 sha="$macx" spa="$ipg" tpa="$ipv" dst="$macv" text=T-ARPSPA   # arp-spa
send arp src="$macx" op=2 sha="$macg" spa="$ipx" tpa="$ipv" dst="$macv" text=T-ARPSHA   # arp-sha
send udp src="$macx" ipsrc="$ipv" ipdst="$ipg" dst="$macg" sport=5000 dport=5001 text=T-IPSPOOF
send dhcp-offer src="$macx" ipsrc="$ipx" yiaddr=10.210.0.99 chaddr="$macv" text=T-DHCP
# from x's own link-local address (EUI-64 of its MAC): what drops them is
# what they are, not where they come from
send ra src="$macx" ip6src=fe80::ff:fee2:1003 text=T-RA
send na src="$macx" ip6src=fe80::ff:fee2:1003 target=fe80::ff:fee2:1001 text=T-NA
send udp src="$macx" ipsrc=0.0.0.0 dst="$macg" sport=5000 dport=5001 text=T-ZERO
send eth src="$macx" tags=0,20 text=T-HOP
send udp src="$macx" ipsrc="$ipx" ipdst="$ipg" dst="$macg" sport=5000 dport=5001 text=T-LEGIT
out_x=$(hping "$nsx" -c 3 -i 0.2 -W 2 "$ipg")
out_v=$(hping "$nsv" -c 3 -i 0.2 -W 2 "$ipg")
sniffers_done
diag "$(cat "$T/v.sniff" "$T/g.sniff")"
for a in T-SPOOF T-ARPSPA T-ARPSHA T-IPSPOOF T-DHCP T-RA T-NA T-ZERO T-HOP; do
    tap_cmp "$a from x reached neither v nor g" "$(crossed "$a")" -eq 0
done
tap_cmp "x's own frame (its MAC and address) reached g" "$(crossed T-LEGIT)" -ge 1
tap_is "x's own pings still answered: 3 of 3" "$(ping_stats "$out_x")" "3 3"
tap_is "the victim's traffic works: v -> g 3 of 3" "$(ping_stats "$out_v")" "3 3"
tap_like "v's ARP entry for g still names g's MAC" "$(ip -n "$nsv" neigh show "$ipg")" "$macg"
tap_is "g's MAC stays on tg" "$(fdb_port_of "$macg")" '["tg"]'
diag "$(ctl stats tz)"
tap_cmp "security_drops eth-src: 3 spoofed + 0 = 3" "$(secdrop eth-src)" -eq 3
for r in arp-spa arp-sha dhcp-server ra-redirect nd; do
    tap_cmp "security_drops $r: 1" "$(secdrop "$r")" -eq 1
done
tap_cmp "security_drops ipv4-src: 2 (v's address, 0.0.0.0 not DHCP)" "$(secdrop ipv4-src)" -eq 2
tap_cmp "security_drops ipv6-src: 0" "$(secdrop ipv6-src)" -eq 0
tap_like "uvnetctl stats tz prints the reasons" "$(ctl stats tz)" "eth-src=3 .*dhcp-server=1"
tap_cmp "the hop was dropped by the VLAN check (rx dropped = 10 security + 1)" \
    "$(stat_of tz rx dropped)" -eq 11

# ---- 3. FDB flood ----
ctl set-port tz port-security=off max-macs=16 || tap_not_ok "set-port tz max-macs=16"
# received PINGOUTPUT: the replies a ping counted.
received() { ping_stats "$(cat "$1")" | cut -d' ' -f2; }
spawn ip netns exec "$nsv" timeout 60 busybox ping -c 30 -i 0.1 -W 2 "$ipg" >"$T/ping1" 2>&1
pinger=$BG_PID
rx0=$(stat_of tz rx packets)
send eth random-src=1 count=3000 text=T-FLOOD
wait_for 30 _pid_gone "$pinger"
wait "$pinger"
tap_cmp "v -> g kept talking during the flood (>= 29 of 30 answered)" "$(received "$T/ping1")" -ge 29
tap_cmp "x has at most 16 MACs learned" "$(port_info tz | jget "d['macs']")" -le 16
refused=$(ctl --json stats tz | jget "d['ports'][0]['max_macs_refused']")
# every flood frame that reached the switch (a loaded machine's tap drops
# some) has a new source: all but the 16 learned are refused
arrived=$(($(stat_of tz rx packets) - rx0))
diag "flood frames that reached the switch: $arrived of 3000, refused: $refused"
tap_cmp "most of the flood reached the switch (>= 1000 of 3000)" "$arrived" -ge 1000
tap_cmp "x's refused MACs are counted: every arrival but the 16 learned" "$refused" -ge $((arrived - 16))
tap_like "uvnetctl stats shows x's refusals" "$(ctl stats)" "tz .*max-macs-refused=$refused"
out_v=$(hping "$nsv" -c 5 -i 0.1 -W 2 "$ipg")
tap_is "after the flood: v -> g 5 of 5" "$(ping_stats "$out_v")" "5 5"
tap_is "v's MAC still learned on tv" "$(fdb_port_of "$macv")" '["tv"]'

ctl set-port tz max-macs=0 || tap_not_ok "set-port tz max-macs=0"
spawn ip netns exec "$nsv" timeout 60 busybox ping -c 40 -i 0.1 -W 2 "$ipg" >"$T/ping2" 2>&1
pinger=$BG_PID
# a tap drops what its reader does not take in time (a loaded machine):
# send until the table is full, at most 6 rounds of 5000
for _ in 1 2 3 4 5 6; do
    send eth random-src=1 count=5000 text=T-FLOOD2
    (($(ctl --json fdb-show br0 | jget "d['fdb_full_drops']") > 0)) && break
done
wait_for 40 _pid_gone "$pinger"
wait "$pinger"
tap_cmp "v -> g kept talking while the bridge's table filled up (>= 39 of 40)" \
    "$(received "$T/ping2")" -ge 39
full=$(ctl --json fdb-show br0 | jget "d['fdb_full_drops']")
tap_cmp "fdb-show: the bridge refused new MACs when full" "$full" -gt 0
tap_cmp "stats: the same refusals per bridge" \
    "$(ctl --json stats | jget "[b['fdb_full_drops'] for b in d['bridges'] if b['name'] == 'br0'][0]")" -ge "$full"
tap_like "fdb-show prints the table's use" "$(ctl fdb-show br0 | tail -n1)" \
    "^8192 of 8192 entries used; new MACs refused because the table was full: [0-9]+"
tap_is "g and v are still learned where they are" "$(fdb_port_of "$macg") $(fdb_port_of "$macv")" \
    '["tg"] ["tv"]'

tap_done
