#!/usr/bin/env bash
# A QEMU guest on an OVN logical port: `uvnet-vm run --net ovn:LSP` on a
# uvnetd chassis, talking over Geneve to a namespace on a real OVS chassis
# (OVN 23.03, OVS 3.1 userspace datapath; everything in $T and this
# test's namespaces):
#
#   underlay    Linux bridge ulbr in namespace u, 10.250.8.0/24
#   A (uvnetd)  $E2E_NS, encap 10.250.8.1: the guest g1 on lpG
#               (52:54:00:6a:00:01 10.0.0.1, port_security "MAC 10.0.0.1")
#   B (OVS)     namespace b, encap 10.250.8.2: veth vb (lpB, namespace vb,
#               10.0.0.2)
#
# uvnet-vm refuses a logical port that does not exist or has no MAC; run
# puts vm-g1 on the OVN bridge with iface-id=lpG and the logical port's
# MAC; the binding brings its port security; the guest pings B and B pings
# the guest; stop releases the logical port.
#
# Also "unknown"-address ports across chassis (docs/ovn.md, the FDB
# table): tap tu on A (lpUA, addresses "unknown", namespace vua, a MAC the
# NB does not know, 10.0.0.8) and veth vu on B (lpUB, "unknown", namespace
# vub, 10.0.0.7) reach each other and B's vb both ways; B's ovn-controller
# writes vu's MAC into the SB FDB and uvnetd reads it; uvnetd writes tu's.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init ovn-guest
source "$(dirname "${BASH_SOURCE[0]}")/ovn_lib.sh"
ovn_need ovsdb-server ovsdb-tool ovn-northd ovn-nbctl ovn-sbctl ovs-vswitchd ovs-vsctl ovn-controller

UVNET_VM=$UVNET_BUILD/tools/uvnet-vm
[[ -x $UVNET_VM ]] || e2e_bail "$UVNET_VM is not built"
ulA=10.250.8.1 ulB=10.250.8.2
macG=52:54:00:6a:00:01 macB=52:54:00:6a:00:02
nsU='' nsB='' nsVB=''

ovn_central || e2e_bail "OVN central: NB + SB ovsdb-server, ovn-northd"
ns_add nsU u && ns_add nsB b && ns_add nsVB vb || e2e_bail "namespaces"
ip -n "$nsU" link add ulbr type bridge && ip -n "$nsU" link set ulbr up &&
    ip -n "$nsU" link add pa type veth peer name ul0 netns "$E2E_NS" &&
    ip -n "$nsU" link add pb type veth peer name ul0 netns "$nsB" &&
    ip -n "$nsU" link set pa master ulbr up && ip -n "$nsU" link set pb master ulbr up &&
    ns_ifup "$E2E_NS" ul0 "$ulA/24" && ip -n "$nsB" link set ul0 up || e2e_bail "underlay"
ovn_ovs_chassis "$nsB" "$ulB" geneve "unix:$T/sb.sock" || e2e_bail "chassis B (OVS)"
nb ls-add ls1 && nb lsp-add ls1 lpG && nb lsp-set-addresses lpG "$macG 10.0.0.1" &&
    nb lsp-set-port-security lpG "$macG 10.0.0.1" &&
    nb lsp-add ls1 lpB && nb lsp-set-addresses lpB "$macB 10.0.0.2" &&
    nb lsp-add ls1 lpN && nb lsp-set-addresses lpN unknown &&
    nb lsp-add ls1 lpUA && nb lsp-set-addresses lpUA unknown &&
    nb lsp-add ls1 lpUB && nb lsp-set-addresses lpUB unknown || e2e_bail "NB: ls1 (lpG, lpB, lpN, lpUA, lpUB)"
nsVUA='' nsVUB=''
ns_add nsVUA vua && ns_add nsVUB vub || e2e_bail "namespaces vua, vub"
ovn_ovs_vif "$nsB" "$nsVB" vb "$macB" 10.0.0.2 lpB &&
    ovn_ovs_vif "$nsB" "$nsVUB" vu 52:54:00:6a:00:77 10.0.0.7 lpUB || e2e_bail "chassis B: veths vb (lpB), vu (lpUB)"
uvnetd_start || e2e_bail "uvnetd starts"
ctl ovn-set remote="unix:$T/sb.sock" encap-ip=$ulA system-id=uv-a || e2e_bail "ovn-set"
guest_prepare || e2e_bail "test guest (kernel + initramfs) and accelerator"
tap_check "the chassis has the Southbound (ovn-show lpB answers)" wait_for 20 ctl ovn-show lpB

# ---- unknown-address ports, no FDB table ----
ctl add-port br-int tu type=tap iface-id=lpUA && ip -n "$E2E_NS" link set tu netns "$nsVUA" &&
    ns_ifup "$nsVUA" tu 10.0.0.8/24 52:54:00:6a:00:88 || e2e_bail "tap tu (lpUA) in vua"
tap_check "unknown-address ports bound: lpUA here, lpUB on B" \
    wait_for 30 eval 'ovn_bound_to lpUA uv-a && ovn_bound_to lpUB ovs-hv'
uping() { in_ns "$1" busybox ping -c 1 -W 2 "$2" >/dev/null 2>&1; }
tap_check "unknown <-> unknown across chassis: vua -> vub and back" \
    eval 'wait_for 20 uping "$nsVUA" 10.0.0.7 && uping "$nsVUB" 10.0.0.8'
tap_check "known -> unknown: vb (B) -> vua (A), and A's unknown -> B's known" \
    eval 'wait_for 10 uping "$nsVB" 10.0.0.8 && uping "$nsVUA" 10.0.0.2'
fdb_macs() { sb --bare --columns=mac list FDB; }
tap_check "OVS's chassis wrote vub's MAC into the SB FDB" eval 'out=$(fdb_macs) && grep -q 52:54:00:6a:00:77 <<<"$out"'
fdb_of() { echo $(sb --bare --columns=dp_key,port_key find FDB "mac=\"$1\""); }
keys_of() { echo "$(sb get Datapath_Binding "$(sb get Port_Binding "$1" datapath)" tunnel_key) $(sb get Port_Binding "$1" tunnel_key)"; }
tap_check "uvnetd wrote vua's MAC with lpUA's datapath and port keys" \
    wait_for 10 eval '[[ $(fdb_of 52:54:00:6a:00:88) == "$(keys_of lpUA)" ]]'
tap_check "uvnetd takes vub's MAC from the FDB (ovn-show: 2 remote MACs, lpB's and it)" \
    wait_for 10 eval '[[ $(ctl --json ovn-show | jget "d[\"data_path\"][\"macs\"]") == 2 ]]'
tap_check "... and vua still reaches vub" uping "$nsVUA" 10.0.0.7

vm() { timeout 60 "$UVNET_VM" --control "$T/ctl.sock" "$@"; }
ok_args=(--kernel "$GUEST_KERNEL" --initrd "$GUEST_INITRD" --accel "$E2E_ACCEL")
out=$(vm run --name e1 --net ovn:nosuch "${ok_args[@]}" 2>&1)
tap_like "uvnet-vm refuses a logical port the Southbound lacks" "$out" \
    '^uvnet-vm: --net ovn:nosuch: ovn: no logical port nosuch in the Southbound'
out=$(vm run --name e2 --net ovn:lpN "${ok_args[@]}" 2>&1)
tap_like "... and one without a MAC in its addresses, unless mac= is given" "$out" \
    'logical port lpN has no MAC in its addresses.*give --net ovn:lpN,mac=MAC'
tap_like "ovn-show LSP shows the logical port's addresses and port security" \
    "$(ctl ovn-show lpG)" "addresses: \"$macG 10.0.0.1\"
    port_security: \"$macG 10.0.0.1\""

# the guest: 10.0.0.1 on its NIC, pings B until it answers, then idles
cat >"$T/g1.sh" <<'EOS'
i=0
while [ $i -lt 90 ]; do
    ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1 && { echo "E2E-MARK pinged"; break; }
    i=$((i + 1))
done
[ $i -lt 90 ] || echo "E2E-MARK no-answer"
sleep 300
EOS
"$GUEST_SCRIPTS/mkcpio-test.sh" "$T/g1.sh" "$T/g1.cpio.gz" && cat "$GUEST_INITRD" "$T/g1.cpio.gz" >"$T/g1.img" ||
    e2e_bail "guest g1's initramfs"
spawn ip netns exec "$E2E_NS" timeout -k 5 200 "$UVNET_VM" --control "$T/ctl.sock" run --name g1 \
    --kernel "$GUEST_KERNEL" --initrd "$T/g1.img" --accel "$E2E_ACCEL" --mem 256 \
    --cmdline "quiet panic=-1 ipv6.disable=1 uvnet.ip=10.0.0.1/24" --net ovn:lpG \
    --serial-log "$T/g1.serial" >"$T/g1.vm.out" 2>&1
G1=$BG_PID GUEST_PID[g1]=$BG_PID
port_word() { ctl --json show | jget "[p.get('$2', '') for b in d['bridges'] for p in b['ports'] if p['name'] == '$1'][0]" 2>/dev/null; }
tap_check "vm-g1 is on the OVN bridge br-int" wait_for 60 eval '[[ -n $(port_word vm-g1 name) ]]'
vm_mac() { vm list --json | jget "d[0]['mac']" 2>/dev/null; }
tap_check "its MAC is lpG's first address" wait_for 30 eval '[[ $(vm_mac) == "$macG" ]]'
[[ $(vm_mac) == "$macG" ]] || diag "list: $(vm list --json 2>&1)" "run dir: $(ls "$T/vms" 2>&1)"
tap_check "lpG bound to uvnet chassis uv-a" wait_for 30 ovn_bound_to lpG uv-a
tap_is "vm-g1 has lpG's port security from the binding" "$(port_word vm-g1 port_security)" "$macG,10.0.0.1"
tap_check "the guest pings B on the OVS chassis" guest_wait_line g1 '^E2E-MARK (pinged|no-answer)$' 150
tap_like "... and is answered" "$(guest_serial g1)" 'E2E-MARK pinged'
tap_check "B pings the guest" wait_for 10 in_ns "$nsVB" busybox ping -c 1 -W 2 10.0.0.1
out=$(in_ns "$nsVB" busybox ping -q -c 10 -i 0.2 -W 2 10.0.0.1 2>&1)
tap_like "10 pings B -> guest, none lost" "$out" "10 packets transmitted, 10 packets received"
tap_is "uvnet-vm stop g1" "$(vm stop g1)" "g1 stopped"
wait "$G1" 2>/dev/null
tap_check "... the logical port is released (no chassis)" \
    wait_for 20 eval '[[ $(sb get Port_Binding lpG chassis) == "[]" ]]'
tap_no_sanitizer_report "no sanitizer report from uvnet-vm" "$UVNET_VM" "$T"/*.vm.out
tap_done
