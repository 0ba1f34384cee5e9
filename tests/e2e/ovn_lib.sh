# shellcheck shell=bash
# What the OVN tests share (sourced after lib.sh and e2e_init): the tools
# check, ovn-nbctl/ovn-sbctl/ovs-vsctl against this test's databases, OVN
# central (NB + SB ovsdb-server, ovn-northd) and an OVS chassis, each with
# its sockets, logs and run directory in $T; spawn's cleanup stops them.

# ovn_need TOOL...: skip the whole test when one is missing.
ovn_need() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null || { echo "1..0 # SKIP $t is not installed (scripts/install-deps.sh ovn)"; exit 0; }
    done
}

nb() { timeout 20 ovn-nbctl --db="unix:$T/nb.sock" "$@"; }
sb() { timeout 20 ovn-sbctl --db="unix:$T/sb.sock" "$@"; }
vsctl() { timeout 20 ovs-vsctl --db="unix:$T/ovsb/db.sock" "$@"; }

# ovn_central [SB_DB_REMOTE]: NB and SB ovsdb-server on unix sockets in $T
# and ovn-northd; northd reads the SB at SB_DB_REMOTE (default the SB
# socket; a clustered SB is the caller's).  SB_PID: the SB server's pid.
ovn_central() {
    local sbr=${1:-unix:$T/sb.sock}
    ovsdb-tool create "$T/nb.db" /usr/share/ovn/ovn-nb.ovsschema || return 1
    spawn ovsdb-server --no-chdir --remote="punix:$T/nb.sock" --unixctl="$T/nb.ctl" \
        --log-file="$T/nb.log" "$T/nb.db"
    if [[ -z ${1:-} ]]; then
        ovsdb-tool create "$T/sb.db" /usr/share/ovn/ovn-sb.ovsschema && ovn_sb_server || return 1
    fi
    wait_for 10 test -S "$T/nb.sock" || return 1
    nb init || return 1
    spawn env OVN_RUNDIR="$T" ovn-northd --no-chdir --ovnnb-db="unix:$T/nb.sock" \
        --ovnsb-db="$sbr" --unixctl="$T/northd.ctl" --log-file="$T/northd.log"
    wait_for 10 bash -c "ovn-sbctl --db=$sbr get SB_Global . nb_cfg >/dev/null 2>&1"
}

# ovn_sb_server: the standalone SB ovsdb-server (again, after a kill).
ovn_sb_server() {
    spawn ovsdb-server --no-chdir --remote="punix:$T/sb.sock" --unixctl="$T/sb.ctl" \
        --log-file="$T/sb.log" "$T/sb.db"
    SB_PID=$BG_PID
    wait_for 10 test -S "$T/sb.sock"
}

# ovn_ovs_chassis NS IP ENCAP SB_REMOTE: a real OVN chassis in namespace NS
# (whose ul0 is its underlay port): its own ovsdb-server, ovs-vswitchd
# --disable-system (userspace datapath), a netdev br-phy holding IP/24 over
# ul0, ovn-controller (system-id ovs-hv) with datapath type netdev.
ovn_ovs_chassis() {
    local ns=$1 ip=$2 encap=$3 remote=$4
    mkdir -p "$T/ovsb" &&
        ovsdb-tool create "$T/ovsb/conf.db" /usr/share/openvswitch/vswitch.ovsschema || return 1
    spawn ip netns exec "$ns" env OVS_RUNDIR="$T/ovsb" ovsdb-server --no-chdir \
        --remote="punix:$T/ovsb/db.sock" --unixctl="$T/ovsb/ovsdb.ctl" --log-file="$T/ovsb/ovsdb.log" \
        "$T/ovsb/conf.db"
    wait_for 10 test -S "$T/ovsb/db.sock" && vsctl --no-wait init || return 1
    spawn ip netns exec "$ns" env OVS_RUNDIR="$T/ovsb" ovs-vswitchd --disable-system --no-chdir \
        --unixctl="$T/ovsb/vswitchd.ctl" --log-file="$T/ovsb/vswitchd.log" "unix:$T/ovsb/db.sock"
    vsctl add-br br-phy -- set bridge br-phy datapath_type=netdev -- add-port br-phy ul0 || return 1
    ns_ifup "$ns" br-phy "$ip/24" || return 1
    vsctl set open . external_ids:system-id=ovs-hv external_ids:ovn-remote="$remote" \
        external_ids:ovn-encap-type="$encap" external_ids:ovn-encap-ip="$ip" \
        external_ids:ovn-bridge-datapath-type=netdev || return 1
    spawn ip netns exec "$ns" env OVS_RUNDIR="$T/ovsb" OVN_RUNDIR="$T/ovsb" ovn-controller --no-chdir \
        --log-file="$T/ovsb/ovn-controller.log" "unix:$T/ovsb/db.sock"
    wait_for 20 vsctl br-exists br-int
}

# ovn_ovs_vif CHASSIS_NS NSVIF IF MAC ADDR LSP: a veth IF on the OVS
# chassis's br-int bound to LSP, its peer eth0 in NSVIF with MAC, ADDR/24.
ovn_ovs_vif() {
    ip -n "$1" link add "$3" type veth peer name eth0 netns "$2" && ip -n "$1" link set "$3" up &&
        ns_ifup "$2" eth0 "$5/24" "$4" &&
        vsctl add-port br-int "$3" -- set interface "$3" external_ids:iface-id="$6"
}

# ovn_bound_to LSP CHASSIS: the SB says LSP is bound to CHASSIS and up.
ovn_bound_to() {
    [[ $(sb get Port_Binding "$1" chassis) == "$(sb get Chassis "$2" _uuid 2>/dev/null)" &&
        $(sb get Port_Binding "$1" up) == true ]]
}
