#!/usr/bin/env bash
# VLANs with raw tagged frames (this kernel has no 8021q: tests/e2e/rawframe.py
# crafts and sniffs tags with packet sockets), no VMs:
#  - an uplink: afpacket port on a veth, trunks=10,20 with native VLAN 10
#    (tag=10); the kernel strips a received tag into the packet's metadata,
#    the port puts it back (PACKET_AUXDATA): VLAN-20 frames from the wire
#    reach the VLAN-20 access port only, VLAN-30 frames nobody, untagged
#    ones the native VLAN; frames leave the uplink tagged 20 or untagged (10);
#  - VLAN hopping: a priority tag then a VLAN-20 tag, sent from the access
#    port of VLAN 10, reaches neither the uplink (where it would leave as a
#    VLAN-20 frame) nor the VLAN-20 port, and is counted as dropped; a plain
#    priority-tagged frame from the same port still goes through;
#  - an access port drops frames tagged with another VLAN.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init vlan_hopping

RAW=$E2E_DIR/rawframe.py
nsu='' nsa='' nsb=''
uvnetd_start || e2e_bail "uvnetd starts and answers"
ns_add nsu up && ns_add nsa a && ns_add nsb b || e2e_bail "namespaces up, a, b"
ip -n "$E2E_NS" link add uvup0 type veth peer name uvup1 netns "$nsu" &&
    ip -n "$E2E_NS" link set uvup0 up && ip -n "$nsu" link set uvup1 up ||
    e2e_bail "veth uvup0 / uvup1"
ctl add-br br0 && ctl add-port br0 up type=afpacket dev=uvup0 trunks=10,20 tag=10 &&
    ctl add-port br0 ta type=tap tag=10 && ctl add-port br0 tb type=tap tag=20 ||
    e2e_bail "br0: uplink (trunks 10,20, native 10), ta (access 10), tb (access 20)"
ip -n "$E2E_NS" link set ta netns "$nsa" && ip -n "$E2E_NS" link set tb netns "$nsb" &&
    ip -n "$nsa" link set ta up && ip -n "$nsb" link set tb up || e2e_bail "taps moved and up"
tap_is "show: the uplink is a trunk of 10,20 with native 10" "$(port_info up | jget "d['vlan']")" \
    "trunk 10,20 native=10"

# sniff NS DEV NAME: a sniffer for 8 s, its lines in $T/NAME.sniff.
SNIFFERS=()
sniff() {
    spawn ip netns exec "$1" timeout 20 "$PY" "$RAW" sniff "$2" 6 match=T- >"$T/$3.sniff" 2>&1
    SNIFFERS+=("$BG_PID")
    wait_for 5 grep -q ready "$T/$3.sniff"
}
sniffers_done() {
    local p
    for p in "${SNIFFERS[@]}"; do wait_for 20 _pid_gone "$p"; wait "$p" 2>/dev/null; done
    SNIFFERS=()
}
send() { in_ns "$1" "$PY" "$RAW" send "${@:2}"; }
# seen NAME TEXT: the sniffer's lines for frames carrying TEXT (their tags).
seen() { grep -E -- " text=$2( |$)" "$T/$1.sniff" | sed -n 's/^tags=\([^ ]*\) .*/\1/p' | sort -u | paste -sd' '; }

declare -A c0 c1
stats_load c0
sniff "$nsu" uvup1 up && sniff "$nsa" ta a && sniff "$nsb" tb b || e2e_bail "sniffers ready"
u=src=02:00:00:e2:0a:01 a=src=02:00:00:e2:0a:02 b=src=02:00:00:e2:0a:03
send "$nsu" uvup1 eth "$u" tags=20 text=T-UP20 &&
    send "$nsu" uvup1 eth "$u" tags=10 text=T-UP10 &&
    send "$nsu" uvup1 eth "$u" text=T-UPNATIVE &&
    send "$nsu" uvup1 eth "$u" tags=30 text=T-UP30 &&
    send "$nsb" tb eth "$b" text=T-B &&
    send "$nsa" ta eth "$a" text=T-A &&
    send "$nsa" ta eth "$a" tags=0,20 text=T-HOP &&
    send "$nsa" ta eth "$a" tags=0,20 tpid=0x8100 text=T-HOP2 count=3 &&
    send "$nsa" ta eth "$a" tags=0 text=T-PRIO &&
    send "$nsa" ta eth "$a" tags=20 text=T-A20 || tap_not_ok "frames sent"
sniffers_done
diag "$(cat "$T/up.sniff" "$T/a.sniff" "$T/b.sniff")"

# ---- the uplink's tags reach the switch ----
tap_is "uplink VLAN 20 -> the VLAN-20 port, untagged" "$(seen b T-UP20)" "-"
tap_is "uplink VLAN 20 -> not the VLAN-10 port" "$(seen a T-UP20)" ""
tap_is "uplink VLAN 10 (native, tagged) -> the VLAN-10 port" "$(seen a T-UP10)" "-"
tap_is "uplink untagged -> the native VLAN's port" "$(seen a T-UPNATIVE)" "-"
tap_is "uplink untagged -> not the VLAN-20 port" "$(seen b T-UPNATIVE)" ""
tap_is "uplink VLAN 30 (not trunked) -> nowhere" "$(seen a T-UP30)$(seen b T-UP30)" ""

# ---- frames leave as classified ----
tap_is "VLAN-20 port -> uplink, tagged 20" "$(seen up T-B)" "20"
tap_is "VLAN-10 port -> uplink, untagged (native)" "$(seen up T-A)" "-"
tap_is "VLAN-10 port -> not the VLAN-20 port" "$(seen b T-A)" ""

# ---- VLAN hopping ----
tap_is "priority tag + VLAN-20 tag from access 10: not on the uplink" "$(seen up T-HOP)" ""
tap_is "priority tag + VLAN-20 tag from access 10: not on the VLAN-20 port" "$(seen b T-HOP)" ""
tap_is "a plain priority-tagged frame from access 10 still goes out (untagged, native)" \
    "$(seen up T-PRIO)" "-"
tap_is "a VLAN-20 tagged frame from access 10: nowhere" "$(seen up T-A20)$(seen b T-A20)" ""
stats_load c1
diag "$(ctl stats)"
tap_cmp "ta counted its 5 refused frames as rx drops (4 double-tagged, 1 tagged 20)" \
    $((${c1[ta.rx.dropped]:-0} - ${c0[ta.rx.dropped]:-0})) -eq 5
tap_cmp "the uplink counted its VLAN-30 frame as an rx drop" \
    $((${c1[up.rx.dropped]:-0} - ${c0[up.rx.dropped]:-0})) -eq 1
tap_cmp "no rx/tx errors on the uplink" $((${c1[up.rx.errors]:-1} + ${c1[up.tx.errors]:-1})) -eq 0

tap_done
