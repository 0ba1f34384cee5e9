#!/usr/bin/env bash
# The OVN data path: uvnetd chassis and a real OVS chassis forwarding
# logical switches' traffic to each other over Geneve.  Everything runs in
# this test's namespaces and $T:
#
#   central     NB + SB ovsdb-server, ovn-northd (unix sockets in $T)
#   underlay    Linux bridge ulbr in namespace u, 10.250.9.0/24
#   A (uvnetd)  $E2E_NS, encap 10.250.9.1: br-int with taps ta (ls1, lpA,
#               namespace va, 10.0.0.1) and ta2 (ls2, lpA2, va2, 10.0.0.3)
#   B (OVS)     namespace b, encap 10.250.9.2 on br-phy (netdev) over the
#               underlay veth; its own ovsdb-server, ovs-vswitchd
#               --disable-system, ovn-controller (datapath type netdev);
#               veths vb (ls1, lpB, vb, 10.0.0.2) and vb2 (ls2, lpB2, vb2,
#               10.0.0.4) on br-int
#   C (uvnetd)  namespace c, encap 10.250.9.3: tap tc (ls1, lpC, vc, 10.0.0.5)
#
# (1) binding on both kinds of chassis; ping A <-> B both ways (ARP through
#     _MC_flood, unicast by port key); (2) ls1 and ls2 share one IP subnet
#     and one uvnet bridge, yet see nothing of each other; (3) three
#     chassis: ping A <-> C and C <-> B; 5 ARP broadcasts sent in A arrive
#     exactly 5 times in C and B (the sender replicates, no chassis
#     re-floods); (4) the Southbound stopped: traffic goes on; (5) uvnetd A
#     SIGKILLed and restarted: it rebinds from its state file and traffic
#     resumes both ways.
#
# OVN_DP_ENCAP=vxlan runs the same checks in OVN's VXLAN mode (every
# chassis, OVS included, with VXLAN encaps).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init ovn-dp
source "$(dirname "${BASH_SOURCE[0]}")/ovn_lib.sh"
ovn_need ovsdb-server ovsdb-tool ovn-northd ovn-nbctl ovn-sbctl ovs-vswitchd ovs-vsctl ovn-controller
ctlc() { timeout 10 "$UVNETCTL" --control "$T/c.ctl.sock" "$@"; }

ulA=10.250.9.1 ulB=10.250.9.2 ulC=10.250.9.3
ENCAP=${OVN_DP_ENCAP:-geneve}
macA=52:54:00:d0:00:01 macB=52:54:00:d0:00:02 macA2=52:54:00:d0:00:03 macB2=52:54:00:d0:00:04
macC=52:54:00:d0:00:05
nsU='' nsB='' nsC='' nsVA='' nsVB='' nsVA2='' nsVB2='' nsVC=''

# Raw ARP: N broadcast requests for an address nobody has, and a counter
# of the requests for it that arrive (AF_PACKET, no tools needed).
cat >"$T/arp.py" <<'EOF'
import socket, struct, sys, time
cmd, ifname, target = sys.argv[1], sys.argv[2], socket.inet_aton(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind((ifname, 0))
if cmd == "send":  # IF TARGET N SRCMAC SRCIP
    src = bytes.fromhex(sys.argv[5].replace(":", ""))
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, src, socket.inet_aton(sys.argv[6]),
                      bytes(6), target)
    for _ in range(int(sys.argv[4])):
        s.send(b"\xff" * 6 + src + b"\x08\x06" + arp)
        time.sleep(0.05)
else:  # count IF TARGET SECONDS READYFILE
    open(sys.argv[5], "w").close()
    s.settimeout(0.2)
    n, end = 0, time.time() + float(sys.argv[4])
    while time.time() < end:
        try:
            p = s.recv(2048)
        except socket.timeout:
            continue
        if len(p) >= 42 and p[20:22] == b"\x00\x01" and p[38:42] == target:
            n += 1
    print(n)
EOF

# ---- central ----
ovn_central || e2e_bail "OVN central: NB + SB ovsdb-server, ovn-northd"

# ---- underlay ----
ns_add nsU u && ns_add nsB b && ns_add nsC c && ns_add nsVA va && ns_add nsVB vb &&
    ns_add nsVA2 va2 && ns_add nsVB2 vb2 && ns_add nsVC vc || e2e_bail "namespaces"
ip -n "$nsU" link add ulbr type bridge && ip -n "$nsU" link set ulbr up || e2e_bail "underlay bridge"
underlay_if() { # NS PEERNAME [ADDR]
    ip -n "$nsU" link add "$2" type veth peer name ul0 netns "$1" &&
        ip -n "$nsU" link set "$2" master ulbr up &&
        if [[ -n ${3:-} ]]; then ns_ifup "$1" ul0 "$3/24"; else ip -n "$1" link set ul0 up; fi
}
underlay_if "$E2E_NS" pa "$ulA" && underlay_if "$nsB" pb && underlay_if "$nsC" pc "$ulC" ||
    e2e_bail "underlay 10.250.9.0/24"

# ---- chassis B: OVS with the userspace datapath + ovn-controller ----
ovn_ovs_chassis "$nsB" "$ulB" "$ENCAP" "unix:$T/sb.sock" ||
    e2e_bail "chassis B: ovsdb-server, ovs-vswitchd --disable-system, br-phy, ovn-controller"
vif() { ovn_ovs_vif "$nsB" "$@"; }

# ---- logical switches ----
nb ls-add ls1 && nb ls-add ls2 &&
    nb lsp-add ls1 lpA && nb lsp-set-addresses lpA "$macA 10.0.0.1" &&
    nb lsp-add ls1 lpB && nb lsp-set-addresses lpB "$macB 10.0.0.2" &&
    nb lsp-add ls1 lpC && nb lsp-set-addresses lpC "$macC 10.0.0.5" &&
    nb lsp-add ls2 lpA2 && nb lsp-set-addresses lpA2 "$macA2 10.0.0.3" &&
    nb lsp-add ls2 lpB2 && nb lsp-set-addresses lpB2 "$macB2 10.0.0.4" ||
    e2e_bail "NB: ls1 (lpA, lpB, lpC), ls2 (lpA2, lpB2)"
vif "$nsVB" vb "$macB" 10.0.0.2 lpB && vif "$nsVB2" vb2 "$macB2" 10.0.0.4 lpB2 ||
    e2e_bail "chassis B: veths vb, vb2 on br-int"

# ---- chassis A: uvnetd ----
tap_into() { # NS0 IF NS ADDR MAC
    ip -n "$1" link set "$2" netns "$3" && ns_ifup "$3" "$2" "$4/24" "$5"
}
uvnetd_start || e2e_bail "uvnetd A starts"
ctl ovn-set remote="unix:$T/sb.sock" encap-ip=$ulA system-id=uv-a encap-type="$ENCAP" &&
    ctl add-port br-int ta type=tap iface-id=lpA && ctl add-port br-int ta2 type=tap iface-id=lpA2 &&
    tap_into "$E2E_NS" ta "$nsVA" 10.0.0.1 $macA && tap_into "$E2E_NS" ta2 "$nsVA2" 10.0.0.3 $macA2 ||
    e2e_bail "uvnetd A: ovn-set, taps ta (lpA), ta2 (lpA2)"

bound_to() { ovn_bound_to "$@"; }
tap_check "lpA, lpA2 bound to uvnet chassis uv-a" wait_for 20 eval 'bound_to lpA uv-a && bound_to lpA2 uv-a'
tap_check "lpB, lpB2 bound to OVS chassis ovs-hv" wait_for 30 eval 'bound_to lpB ovs-hv && bound_to lpB2 ovs-hv'
tap_check "ovn-nbctl --wait=hv sync returns (both chassis)" timeout 30 ovn-nbctl --db="unix:$T/nb.sock" --wait=hv sync
ovn_json() { ctl --json ovn-show | jget "$1"; }
tap_is "ovn-show: tunnel port ovn-$ENCAP, two logical switches, one remote chassis" \
    "$(ovn_json "[d['data_path']['tunnel_port'], len(d['data_path']['logical_switches']), d['data_path']['remote_chassis']]")" \
    "[\"ovn-$ENCAP\", 2, 1]"
tap_is "ta and ta2 sit in different internal VLANs" \
    "$(ovn_json "len(set(p['vlan'] for p in d['ports']))")" 2

# ---- (1) A <-> B ----
pingq() { in_ns "$1" busybox ping -c 1 -W 2 "$2" >/dev/null 2>&1; } # busybox: the host may have no other
tap_check "ping A (uvnet, 10.0.0.1) -> B (OVS, 10.0.0.2)" wait_for 20 pingq "$nsVA" 10.0.0.2
tap_check "ping B -> A" pingq "$nsVB" 10.0.0.1
tap_check "ping ls2: A2 (uvnet) -> B2 (OVS), and back" eval 'wait_for 10 pingq "$nsVA2" 10.0.0.4 && pingq "$nsVB2" 10.0.0.3'
out=$(in_ns "$nsVA" busybox ping -q -c 20 -i 0.05 -W 2 10.0.0.2 2>&1)
tap_like "20 pings A -> B, none lost" "$out" "20 packets transmitted, 20 packets received"
sent=$(ctl --json show | jget "[p['copies_sent'] for b in d['bridges'] for p in b['ports'] if p['name'] == 'ovn-$ENCAP'][0]" 2>/dev/null)
tap_cmp "the tunnel port counts what it sent" "${sent:-x}" -ge 20

# ---- (2) isolation ----
! pingq "$nsVA" 10.0.0.4 && ! pingq "$nsVA" 10.0.0.3 && ! pingq "$nsVB" 10.0.0.3
tap_is "ls1 reaches nothing of ls2 (same subnet): A -> B2, A -> A2, B -> A2 fail" "$?" 0
tap_like "... and A has no ARP entry for ls2's addresses" \
    "$(in_ns "$nsVA" ip neigh show 10.0.0.4; in_ns "$nsVA" ip neigh show 10.0.0.3)" '^(|.*(FAILED|INCOMPLETE).*)$'

# ---- (3) a third chassis: a second uvnetd ----
spawn ip netns exec "$nsC" "$UVNETD" --foreground --control "$T/c.ctl.sock" --state "$T/c.state" \
    --pid-file "$T/c.pid" --log-file "$T/uvnetd-c.log" ${E2E_UVNETD_ARGS:-} >"$T/uvnetd.c.out" 2>&1
wait_for 15 eval 'ctlc show >/dev/null 2>&1' &&
    ctlc ovn-set remote="unix:$T/sb.sock" encap-ip=$ulC system-id=uv-c encap-type="$ENCAP" &&
    ctlc add-port br-int tc type=tap iface-id=lpC && tap_into "$nsC" tc "$nsVC" 10.0.0.5 $macC ||
    e2e_bail "uvnetd C: ovn-set, tap tc (lpC)"
tap_check "lpC bound to uvnet chassis uv-c" wait_for 20 bound_to lpC uv-c
tap_check "--wait=hv sync (three chassis)" timeout 30 ovn-nbctl --db="unix:$T/nb.sock" --wait=hv sync
tap_check "ping A -> C (uvnet to uvnet)" wait_for 20 pingq "$nsVA" 10.0.0.5
tap_check "ping C -> B (uvnet to OVS)" wait_for 10 pingq "$nsVC" 10.0.0.2
tap_check "ping B -> C" pingq "$nsVB" 10.0.0.5
spawn ip netns exec "$nsVC" timeout 10 "$PY" "$T/arp.py" count tc 10.0.0.99 4 "$T/arp.c.ready" >"$T/arp.c.out"
PC=$BG_PID
spawn ip netns exec "$nsVB" timeout 10 "$PY" "$T/arp.py" count eth0 10.0.0.99 4 "$T/arp.b.ready" >"$T/arp.b.out"
PB=$BG_PID
wait_for 5 test -e "$T/arp.c.ready" && wait_for 5 test -e "$T/arp.b.ready"
in_ns "$nsVA" "$PY" "$T/arp.py" send ta 10.0.0.99 5 $macA 10.0.0.1
wait "$PC" "$PB" 2>/dev/null
tap_is "5 ARP broadcasts from A arrive 5 times in C (uvnet) and 5 times in B (OVS)" \
    "$(cat "$T/arp.c.out" 2>/dev/null) $(cat "$T/arp.b.out" 2>/dev/null)" "5 5"
tap_is "ovn-show on A: two remote chassis" "$(ovn_json "d['data_path']['remote_chassis']")" 2

# ---- (4) the Southbound away ----
kill "$SB_PID" && wait "$SB_PID" 2>/dev/null
tap_check "SB stopped: uvnetd A sees the Southbound gone" \
    wait_for 15 eval '[[ $(ovn_json "d[\"connection\"][\"state\"]") == disconnected ]]'
tap_check "... and A <-> B, A <-> C still forward (last known state)" \
    eval 'pingq "$nsVA" 10.0.0.2 && pingq "$nsVB" 10.0.0.1 && pingq "$nsVA" 10.0.0.5'
ovn_sb_server
tap_check "SB back: uvnetd A reconnects" \
    wait_for 20 eval '[[ $(ovn_json "d[\"connection\"][\"state\"]") == connected ]]'

# ---- (5) restart ----
uvnetd_stop KILL
uvnetd_start || e2e_bail "uvnetd A restarts"
tap_into "$E2E_NS" ta "$nsVA" 10.0.0.1 $macA && tap_into "$E2E_NS" ta2 "$nsVA2" 10.0.0.3 $macA2 ||
    e2e_bail "taps of the restarted uvnetd into va, va2"
tap_check "restart after SIGKILL: lpA bound again" wait_for 20 bound_to lpA uv-a
tap_check "... ping A -> B resumes" wait_for 20 pingq "$nsVA" 10.0.0.2
tap_check "... ping B -> A, C -> A" eval 'pingq "$nsVB" 10.0.0.1 && wait_for 10 pingq "$nsVC" 10.0.0.1'
tap_check "... ls2 still apart: A -> B2 fails" eval '! pingq "$nsVA" 10.0.0.4'
tap_check "uvnetd C exits 0 on SIGTERM" eval 'kill $(cat "$T/c.pid") && wait_for 10 eval "! kill -0 $(cat "$T/c.pid") 2>/dev/null"'
tap_done
