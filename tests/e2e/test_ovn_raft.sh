#!/usr/bin/env bash
# uvnetd on a clustered (Raft) Southbound: three SB ovsdb-server members on
# unix sockets in $T (ovsdb-tool create-cluster / join-cluster), northd
# and uvnetd given all three.  uvnetd, like ovn-controller, uses any
# connected member, leader or follower, and leaves one that _Server says
# is disconnected from its cluster.
#
#   (1) bound through the cluster (lp1 on tap t1);
#   (2) the leader SIGKILLed: uvnetd moves to another member, lp1 stays
#       bound, a new binding (lp2) is written through the new session;
#   (3) a second member killed: the last one loses its quorum and says
#       so (_Server.Database.connected false); uvnetd leaves it (ovn-show
#       names why) and keeps its ports forwarding;
#   (4) both members back: uvnetd reconnects, both bindings still there.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init ovn-raft
source "$(dirname "${BASH_SOURCE[0]}")/ovn_lib.sh"
ovn_need ovsdb-server ovsdb-tool ovn-northd ovn-nbctl ovn-sbctl ovs-appctl

SBS="unix:$T/sb1.sock,unix:$T/sb2.sock,unix:$T/sb3.sock"
sb() { timeout 20 ovn-sbctl --db="$SBS" "$@"; }
declare -A MEMBER_PID
member() { # N: start SB member N on its database file
    spawn ovsdb-server --no-chdir --remote="punix:$T/sb$1.sock" --unixctl="$T/sb$1.ctl" \
        --log-file="$T/sb$1.log" "$T/sb$1.db"
    MEMBER_PID[$1]=$BG_PID
}
role() { timeout 5 ovs-appctl -t "$T/sb$1.ctl" cluster/status OVN_Southbound 2>/dev/null | sed -n 's/^Role: //p'; }
leader() { local n; for n in 1 2 3; do [[ $(role $n) == leader ]] && echo $n; done; }

cluster() {
    ovsdb-tool create-cluster "$T/sb1.db" /usr/share/ovn/ovn-sb.ovsschema "unix:$T/sb1.raft" &&
        ovsdb-tool join-cluster "$T/sb2.db" OVN_Southbound "unix:$T/sb2.raft" "unix:$T/sb1.raft" &&
        ovsdb-tool join-cluster "$T/sb3.db" OVN_Southbound "unix:$T/sb3.raft" "unix:$T/sb1.raft" || return 1
    member 1 && member 2 && member 3
    wait_for 30 eval '[[ -n $(leader) ]] && [[ $(role 2) == follower && $(role 3) == follower ]]'
}
cluster || e2e_bail "a 3-member SB cluster"
ovn_central "$SBS" || e2e_bail "NB ovsdb-server and northd on the cluster"
tap_ok "a 3-member Southbound cluster (leader: sb$(leader)), NB, northd"

ovn_field() { ctl --json ovn-show | jget "$1" 2>/dev/null; }
bound() { [[ $(sb get Port_Binding "$1" chassis 2>/dev/null) == "$(sb get Chassis uv-r _uuid 2>/dev/null)" &&
             $(sb get Port_Binding "$1" up 2>/dev/null) == true ]]; }
on_member() { ovn_field "d['connection']['remote']" | sed -n 's/.*sb\([123]\)\.sock$/\1/p'; }

# ---- (1) ----
ip -n "$E2E_NS" link add ul0 type veth peer name ul1 && ns_ifup "$E2E_NS" ul0 10.250.6.1/24 &&
    ip -n "$E2E_NS" link set ul1 up || e2e_bail "underlay veth"
nb ls-add ls1 && nb lsp-add ls1 lp1 && nb lsp-set-addresses lp1 "52:54:00:7a:00:01 10.0.0.1" &&
    nb lsp-add ls1 lp2 && nb lsp-set-addresses lp2 "52:54:00:7a:00:02 10.0.0.2" || e2e_bail "NB: ls1, lp1, lp2"
uvnetd_start || e2e_bail "uvnetd starts"
ctl ovn-set remote="$SBS" encap-ip=10.250.6.1 system-id=uv-r && ctl add-port br-int t1 type=tap iface-id=lp1 ||
    e2e_bail "ovn-set with the three members, tap t1 (lp1)"
tap_check "lp1 bound through the cluster" wait_for 20 bound lp1
m=$(on_member) l=$(leader)
tap_like "uvnetd is connected to a member (sb$m; the leader is sb$l)" "$m $(ovn_field "d['connection']['state']")" \
    '^[123] connected$'

# ---- (2) the leader killed ----
kill -KILL "${MEMBER_PID[$l]}"
tap_check "leader sb$l SIGKILLed: a new leader among the other two" \
    wait_for 20 eval 'n=$(leader); [[ -n $n && $n != "$l" ]]'
tap_check "uvnetd is connected to a live member" \
    wait_for 30 eval 'm=$(on_member); [[ -n $m && $m != "$l" && $(ovn_field "d[\"connection\"][\"state\"]") == connected ]]'
m=$(on_member)
diag "uvnetd on sb$m ($(role "$m")), connects: $(ovn_field "d['connection']['connects']")"
tap_check "lp1 is still bound" bound lp1
ctl add-port br-int t2 type=tap iface-id=lp2
tap_check "lp2 bound through the new session (written via sb$m, a $(role "$m"))" wait_for 20 bound lp2
tap_check "ovn-nbctl --wait=hv sync returns" timeout 30 ovn-nbctl --db="unix:$T/nb.sock" --wait=hv sync

# ---- (3) quorum lost: the last member is disconnected from its cluster ----
for n in 1 2 3; do [[ $n != "$l" && $n != "$m" ]] && other=$n; done
kill -KILL "${MEMBER_PID[$other]}"
tap_check "sb$other killed too: sb$m has no quorum and uvnetd leaves it (disconnected from its cluster)" \
    wait_for 30 eval 'grep -q "sb$m.sock: this cluster member is disconnected from its cluster" "$T/uvnetd.1.log" &&
                        [[ $(ovn_field "d[\"connection\"][\"state\"]") != connected ]]'
tap_is "... its ports stay bound locally (ovn-show: bound)" \
    "$(ovn_field "[p['bound'] for p in d['ports']]")" "[true, true]"
c0=$(ovn_field "d['connection']['connects']")
sleep 4
tap_cmp "... and retries it with a backoff, not in a loop (sessions in 4 s)" \
    "$(( $(ovn_field "d['connection']['connects']") - c0 ))" -le 4

# ---- (4) back ----
member "$l" && member "$other"
tap_check "both members back: the cluster has a leader" wait_for 30 eval '[[ -n $(leader) ]]'
tap_check "uvnetd reconnects" wait_for 40 eval '[[ $(ovn_field "d[\"connection\"][\"state\"]") == connected ]]'
tap_check "lp1 and lp2 still bound to uv-r" eval 'bound lp1 && bound lp2'
tap_done
