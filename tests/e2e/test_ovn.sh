#!/usr/bin/env bash
# uvnetd as an OVN chassis against a real OVN 23.03 on this machine: NB and
# SB ovsdb-server and ovn-northd started by hand in $T (their own run
# directory, stopped with the test), uvnetd in its namespace.
#
#   registration: Chassis + Encap (csum=true) + the feature flags +
#     Chassis_Private, through a remote list whose first member is dead;
#   binding: a tap with iface-id=LSP claims its Port_Binding (chassis,
#     up=true; NB's Logical_Switch_Port.up follows), ovn-nbctl --wait=hv
#     sync returns (nb_cfg echo), requested-chassis of another chassis and
#     a non-VIF port type are refused with a note in ovn-show;
#   lsp-del / lsp-add rebind, del-port releases (chassis [], up=false);
#   restart: a SIGKILLed uvnetd takes back its own Chassis row (same UUID)
#     and rebinds; SIGTERM removes the chassis; ovn-clear removes it and
#     forgets the configuration (state file).
#
# Traffic with an OVS chassis: test_ovn_datapath.sh.  Not here yet: QEMU
# guests.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init ovn

for t in ovsdb-server ovsdb-tool ovn-northd ovn-nbctl ovn-sbctl; do
    command -v "$t" >/dev/null || { echo "1..0 # SKIP $t is not installed (scripts/install-deps.sh ovn)"; exit 0; }
done

nb() { timeout 20 ovn-nbctl --db="unix:$T/nb.sock" "$@"; }
sb() { timeout 20 ovn-sbctl --db="unix:$T/sb.sock" "$@"; }

# ---- central: NB, SB, northd (foreground processes the cleanup stops) ----
central() {
    ovsdb-tool create "$T/nb.db" /usr/share/ovn/ovn-nb.ovsschema &&
        ovsdb-tool create "$T/sb.db" /usr/share/ovn/ovn-sb.ovsschema || return 1
    spawn ovsdb-server --no-chdir --remote="punix:$T/nb.sock" --unixctl="$T/nb.ctl" \
        --log-file="$T/nb.log" "$T/nb.db"
    spawn ovsdb-server --no-chdir --remote="punix:$T/sb.sock" --unixctl="$T/sb.ctl" \
        --log-file="$T/sb.log" "$T/sb.db"
    wait_for 10 test -S "$T/nb.sock" && wait_for 10 test -S "$T/sb.sock" || return 1
    nb init || return 1
    spawn env OVN_RUNDIR="$T" ovn-northd --no-chdir --ovnnb-db="unix:$T/nb.sock" \
        --ovnsb-db="unix:$T/sb.sock" --unixctl="$T/northd.ctl" --log-file="$T/northd.log"
    wait_for 10 bash -c "ovn-sbctl --db=unix:$T/sb.sock get SB_Global . nb_cfg >/dev/null 2>&1"
}
central || e2e_bail "OVN central: NB + SB ovsdb-server, ovn-northd"
tap_ok "OVN central up (NB, SB, northd in $T)"

SYSID=uv-e2e-$$
ENCAP=10.250.0.1
uvnetd_start || e2e_bail "uvnetd starts"

# ---- ovn-set errors ----
err=$(ctl ovn-set encap-ip=$ENCAP 2>&1) && tap_not_ok "ovn-set without remote= fails" ||
    tap_like "ovn-set without remote= fails, naming it" "$err" "remote: "
err=$(ctl ovn-set remote=unix:$T/sb.sock encap-ip=fe80::1 2>&1) && tap_not_ok "ovn-set with an IPv6 encap-ip fails" ||
    tap_like "ovn-set with an IPv6 encap-ip fails" "$err" "IPv4 only"
err=$(ctl ovn-set remote=ssl:1.2.3.4:6642 encap-ip=$ENCAP 2>&1) && tap_not_ok "ovn-set with ssl: fails" ||
    tap_like "ovn-set with ssl: fails" "$err" "ssl is not supported"

# ---- registration ----
tap_check "ovn-set (first remote dead, second the SB)" \
    ctl ovn-set remote="unix:$T/nothing.sock,unix:$T/sb.sock" encap-ip=$ENCAP system-id=$SYSID
ovn_field() { ctl --json ovn-show | jget "$1" 2>/dev/null; }
registered() { [[ $(ovn_field "d['registered']") == true ]]; }
tap_check "chassis registered within 10 s" wait_for 10 registered
tap_is "ovn-show: connected to the live remote" "$(ovn_field "d['connection']['state'] + ' ' + d['connection']['remote']")" \
    "connected unix:$T/sb.sock"
tap_is "bridge br-int made by ovn-set" "$(ctl --json show | jget "[b['name'] for b in d['bridges']]")" '["br-int"]'
tap_is "SB Chassis: hostname" "$(sb get Chassis "$SYSID" hostname | tr -d '"')" "$(hostname)"
ENC_UUID=$(sb --bare --columns=_uuid find Encap chassis_name="$SYSID")
tap_is "SB Encap: geneve $ENCAP, csum=true, the chassis's only encap" \
    "$(sb get Encap "$ENC_UUID" type ip options:csum | tr -d '"' | tr '\n' ' ')$(sb get Chassis "$SYSID" encaps)" \
    "geneve $ENCAP true [$ENC_UUID]"
flags=$(for f in port-up-notif ct-no-masked-label mac-binding-timestamp ovn-ct-lb-related; do
    sb get Chassis "$SYSID" other_config:"$f"; done | tr -d '"' | sort -u)
tap_is "SB Chassis: the four feature flags northd ANDs are true" "$flags" "true"
tap_is "SB Chassis_Private for $SYSID points at the chassis" \
    "$(sb get Chassis_Private "$SYSID" chassis)" "$(sb get Chassis "$SYSID" _uuid)"
CH_UUID=$(sb get Chassis "$SYSID" _uuid)

# ---- binding ----
nb ls-add ls1 && nb lsp-add ls1 lp1 && nb lsp-set-addresses lp1 "52:54:00:0e:00:01 10.251.0.1" &&
    nb lsp-add ls1 lp2 && nb lsp-set-options lp2 requested-chassis=some-other-hv &&
    nb lsp-add ls1 lp3 && nb lsp-set-type lp3 localnet && nb lsp-set-options lp3 network_name=phys ||
    e2e_bail "NB: ls1 with lp1, lp2 (requested elsewhere), lp3 (localnet)"
ctl add-port br-int t1 type=tap iface-id=lp1 && ctl add-port br-int t2 type=tap iface-id=lp2 &&
    ctl add-port br-int t3 type=tap iface-id=lp3 || e2e_bail "tap ports t1-t3 with iface-id"
pb_bound() { [[ $(sb get Port_Binding "$1" chassis) == "$CH_UUID" && $(sb get Port_Binding "$1" up) == true ]]; }
tap_check "lp1: Port_Binding chassis = ours, up = true" wait_for 10 pb_bound lp1
nb_up() { [[ $(nb get Logical_Switch_Port "$1" up) == "$2" ]]; }
tap_check "lp1: NB Logical_Switch_Port.up = true (port-up-notif)" wait_for 10 nb_up lp1 true
tap_check "ovn-nbctl --wait=hv sync returns (nb_cfg echoed)" timeout 15 ovn-nbctl --db="unix:$T/nb.sock" --wait=hv sync
tap_is "Chassis_Private.nb_cfg = SB_Global.nb_cfg" "$(sb get Chassis_Private "$SYSID" nb_cfg)" \
    "$(sb get SB_Global . nb_cfg)"
port_state() { ctl --json ovn-show | jget "[p['state'] for p in d['ports'] if p['port'] == '$1'][0]"; }
tap_is "ovn-show: t1 bound, with datapath and port keys" \
    "$(ctl --json ovn-show | jget "[[p['state'], p['datapath_key'] > 0, p['tunnel_key'] > 0] for p in d['ports'] if p['port'] == 't1'][0]")" \
    '["bound", true, true]'
tap_like "lp2 (requested-chassis elsewhere): not claimed, ovn-show says why" "$(port_state t2)" "requested-chassis is"
tap_is "lp2: Port_Binding chassis stays empty" "$(sb get Port_Binding lp2 chassis)" "[]"
tap_like "lp3 (localnet): refused, ovn-show says why" "$(port_state t3)" "refused: logical port type 'localnet'"
tap_is "lp3: Port_Binding chassis stays empty" "$(sb get Port_Binding lp3 chassis)" "[]"

# ---- lsp-del, lsp-add, del-port ----
nb lsp-del lp1
gone() { [[ $(port_state t1) == "no logical port lp1 in the Southbound database" ]]; }
tap_check "lsp-del lp1: ovn-show says there is no such logical port" wait_for 10 gone
nb lsp-add ls1 lp1 && nb lsp-set-addresses lp1 "52:54:00:0e:00:01 10.251.0.1"
tap_check "lsp-add lp1 again: bound again" wait_for 10 pb_bound lp1
ctl del-port t1
released() { [[ $(sb get Port_Binding lp1 chassis) == "[]" && $(sb get Port_Binding lp1 up) == false ]]; }
tap_check "del-port t1: lp1 released (chassis [], up false)" wait_for 10 released
tap_check "lp1: NB up = false" wait_for 10 nb_up lp1 false

# ---- restarts ----
ctl add-port br-int t1 type=tap iface-id=lp1 && wait_for 10 pb_bound lp1 || tap_not_ok "t1 bound again"
uvnetd_stop KILL
tap_is "SIGKILL leaves the chassis in the SB" "$(sb get Chassis "$SYSID" _uuid 2>/dev/null)" "$CH_UUID"
uvnetd_start || e2e_bail "uvnetd restarts"
tap_check "restart after SIGKILL: registered again (from the state file)" wait_for 10 registered
tap_is "... with its own Chassis row taken back (same UUID)" "$(sb get Chassis "$SYSID" _uuid)" "$CH_UUID"
tap_is "... and one Encap" "$(sb --bare --columns=_uuid find Encap chassis_name="$SYSID" | grep -c .)" 1
tap_check "... and lp1 bound" wait_for 10 pb_bound lp1
tap_check "... and --wait=hv sync returns" timeout 15 ovn-nbctl --db="unix:$T/nb.sock" --wait=hv sync
uvnetd_stop TERM
tap_is "SIGTERM: uvnetd exits 0" "$?" 0
tap_is "SIGTERM: the chassis is gone from the SB" "$(sb --bare --columns=name find Chassis name="$SYSID")" ""
tap_is "SIGTERM: Chassis_Private gone" "$(sb --bare --columns=name find Chassis_Private name="$SYSID")" ""
tap_is "SIGTERM: lp1 released (up false)" "$(sb get Port_Binding lp1 up)" false
uvnetd_start || e2e_bail "uvnetd restarts again"
tap_check "restart after SIGTERM: registered again" wait_for 10 registered
CH_UUID=$(sb get Chassis "$SYSID" _uuid)
tap_check "... and lp1 bound" wait_for 10 pb_bound lp1
tap_check "ovn-clear" ctl ovn-clear
tap_is "ovn-clear: the chassis is gone from the SB" "$(sb --bare --columns=name find Chassis name="$SYSID")" ""
tap_like "ovn-clear: the state file forgets it" "$(grep -c '"ovn"' "$T/state")" "^0$"
err=$(ctl ovn-show 2>&1) && tap_not_ok "ovn-show after ovn-clear fails" ||
    tap_like "ovn-show after ovn-clear: no chassis configured" "$err" "no OVN chassis"
tap_done
