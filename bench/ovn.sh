#!/usr/bin/env bash
# OVN chassis benchmarks, in one run (medians of RUNS runs of SECS s):
#
#   Geneve forwarding rate (Mpps), 64- and 1518-byte frames (60 and 1514
#     bytes without the FCS): a sender (bench/udp_blast.c, AF_PACKET
#     sendmmsg, 64 flows) into a port bound to logical port A on chassis 1,
#     forwarded over Geneve to chassis 2 and out of the port bound to
#     logical port B, counted where it arrives (the sink's veth).  Two
#     pairs of chassis in the same run, each pair on a logical switch and
#     an underlay of its own: two uvnetd ("uvnet"), and two OVS 3.1
#     chassis with the userspace datapath, dpif-netdev, the datapath
#     OVS-DPDK runs ("ovs-netdev": ovs-vswitchd --disable-system, netdev
#     bridges, ovn-controller; its ports are veths through netdev-linux,
#     not DPDK PMD ports: there is no DPDK NIC here).  Sender on CPU 0;
#     both chassis of a pair (uvnetd's workers, ovs-vswitchd) on CPU 1.
#   Bind latency (s): 100 ports with iface-id=lbN waiting on a chassis,
#     then one ovn-nbctl transaction adds logical switch lsb with lb1..100;
#     the time until the first and until all 100 Logical_Switch_Port.up
#     are true (northd sets them from Port_Binding.up): on a uvnetd chassis
#     (tap ports) and on an OVS chassis (internal ports).
#
# OVN central (NB, SB, northd) runs in the temp dir.  Prints a table and
# writes bench/results/ovn.csv.  Everything in private namespaces
# (uvnet-ovnb-PID-*), removed at exit.
#
# usage: bench/ovn.sh [RUNS] [SECS]     (default 3 runs of 5 s)
#   KEEP=1 keeps the temp dir; ONLY=rate or ONLY=bind runs one half.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${1:-3}
secs=${2:-5}
build=${UVNET_BUILD:-$root/build}
pfx=uvnet-ovnb-$$
tmp=$(mktemp -d /tmp/uvnet-ovnb.XXXXXX)
out=bench/results
source bench/lib/bench-env.sh

for t in ovsdb-server ovsdb-tool ovn-northd ovn-nbctl ovs-vswitchd ovs-vsctl ovn-controller; do
    command -v "$t" >/dev/null || { echo "bench/ovn.sh: $t is missing (scripts/install-deps.sh ovn)" >&2; exit 1; }
done
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null
cc -O2 -Wall -Wextra -Werror -o "$tmp/udp_blast" bench/udp_blast.c

bg() { "$@" >>"$tmp/daemons.out" 2>&1 & pids+=($!); }
waitfor() { local i; for i in $(seq "$(($1 * 10))"); do "${@:2}" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
mkns() { ip netns add "$pfx-$2"; nss+=("$pfx-$2"); ip -n "$pfx-$2" link set lo up; printf -v "$1" '%s' "$pfx-$2"; }
nb() { ovn-nbctl --db="unix:$tmp/nb.sock" "$@"; }

# ---- central ----
ovsdb-tool create "$tmp/nb.db" /usr/share/ovn/ovn-nb.ovsschema
ovsdb-tool create "$tmp/sb.db" /usr/share/ovn/ovn-sb.ovsschema
for d in nb sb; do
    bg ovsdb-server --no-chdir --remote="punix:$tmp/$d.sock" --unixctl="$tmp/$d.ctl" \
        --log-file="$tmp/$d.log" "$tmp/$d.db"
done
waitfor 10 test -S "$tmp/sb.sock" && waitfor 10 test -S "$tmp/nb.sock"
nb init
bg env OVN_RUNDIR="$tmp" ovn-northd --no-chdir --ovnnb-db="unix:$tmp/nb.sock" \
    --ovnsb-db="unix:$tmp/sb.sock" --unixctl="$tmp/northd.ctl" --log-file="$tmp/northd.log"

# ---- chassis ----
uvnet_chassis() { # NS NAME ENCAP_IP: uvnetd NAME in NS, an OVN chassis
    bg ip netns exec "$1" "$build/src/daemon/uvnetd" --foreground --control "$tmp/$2.sock" \
        --state "$tmp/$2.state" --pid-file "$tmp/$2.pid" --log-file "$tmp/$2.log" --cpu-list 1
    waitfor 10 "$build/tools/uvnetctl" --control "$tmp/$2.sock" show
    ctl "$2" ovn-set remote="unix:$tmp/sb.sock" encap-ip="$3" system-id="$2"
}
ctl() { local n=$1; shift; "$build/tools/uvnetctl" --control "$tmp/$n.sock" "$@"; }
ovs_chassis() { # NS NAME ENCAP_IP: OVS (userspace datapath) + ovn-controller in NS
    local d=$tmp/$2
    mkdir -p "$d"
    ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    bg ip netns exec "$1" env OVS_RUNDIR="$d" ovsdb-server --no-chdir --remote="punix:$d/db.sock" \
        --unixctl="$d/ovsdb.ctl" --log-file="$d/ovsdb.log" "$d/conf.db"
    waitfor 10 test -S "$d/db.sock"
    vs "$2" --no-wait init
    bg ip netns exec "$1" env OVS_RUNDIR="$d" taskset -c 1 ovs-vswitchd --disable-system --no-chdir \
        --unixctl="$d/vswitchd.ctl" --log-file="$d/vswitchd.log" "unix:$d/db.sock"
    vs "$2" add-br br-phy -- set bridge br-phy datapath_type=netdev -- add-port br-phy ul0 \
        -- set interface br-phy mtu_request=1600
    ip -n "$1" addr add "$3/24" dev br-phy && ip -n "$1" link set br-phy up
    vs "$2" set open . external_ids:system-id="$2" external_ids:ovn-remote="unix:$tmp/sb.sock" \
        external_ids:ovn-encap-type=geneve external_ids:ovn-encap-ip="$3" \
        external_ids:ovn-bridge-datapath-type=netdev
    bg ip netns exec "$1" env OVS_RUNDIR="$d" OVN_RUNDIR="$d" ovn-controller --no-chdir \
        --log-file="$d/ovn-controller.log" "unix:$d/db.sock"
    waitfor 20 vs "$2" br-exists br-int
}
vs() { local n=$1; shift; ovs-vsctl --db="unix:$tmp/$n/db.sock" "$@"; }
underlay() { # NS1 NS2 NET [ADDRESSED]: veth ul0 <-> ul0, MTU 1600 (a 1514-byte frame + 58)
    ip -n "$1" link add ul0 mtu 1600 type veth peer name ul0 mtu 1600 netns "$2"
    if [ -n "${4:-}" ]; then
        ip -n "$1" addr add "$3.1/24" dev ul0 && ip -n "$2" addr add "$3.2/24" dev ul0
    fi
    ip -n "$1" link set ul0 up && ip -n "$2" link set ul0 up
}
mkdir -p "$out"
csv=$out/ovn.csv
echo "test,stack,run,value,unit" >"$csv"

mkns nsU1 u1; mkns nsU2 u2; mkns nsO1 o1; mkns nsO2 o2; mkns nsrc src; mkns nsink sink
underlay "$nsU1" "$nsU2" 10.250.21 addressed
underlay "$nsO1" "$nsO2" 10.250.22
uvnet_chassis "$nsU1" uv1 10.250.21.1
uvnet_chassis "$nsU2" uv2 10.250.21.2
ovs_chassis "$nsO1" ovs1 10.250.22.1
ovs_chassis "$nsO2" ovs2 10.250.22.2

# ---- forwarding rate ----
if [ "${ONLY:-rate}" = rate ]; then
# a veth from the sender (s0TAG) to chassis NS (s1), and from chassis NS2 (d1) to the sink (d0TAG)
ends() { # TAG NS1 NS2
    ip -n "$nsrc" link add "s0$1" type veth peer name s1 netns "$2"
    ip -n "$nsink" link add "d0$1" type veth peer name d1 netns "$3"
    ip -n "$nsrc" link set "s0$1" up && ip -n "$2" link set s1 up
    ip -n "$nsink" link set "d0$1" up && ip -n "$3" link set d1 up
}
ends u "$nsU1" "$nsU2"
ends o "$nsO1" "$nsO2"
# udp_blast's frames: 02:00:00:00:00:01 -> 02:00:00:00:00:02
nb ls-add lsu -- lsp-add lsu lpu1 -- lsp-set-addresses lpu1 "02:00:00:00:00:01 10.251.0.1" \
    -- lsp-add lsu lpu2 -- lsp-set-addresses lpu2 "02:00:00:00:00:02 10.251.0.2" \
    -- ls-add lso -- lsp-add lso lpo1 -- lsp-set-addresses lpo1 "02:00:00:00:00:01 10.251.0.1" \
    -- lsp-add lso lpo2 -- lsp-set-addresses lpo2 "02:00:00:00:00:02 10.251.0.2"
ctl uv1 add-port br-int p1 type=afpacket dev=s1 iface-id=lpu1
ctl uv2 add-port br-int p2 type=afpacket dev=d1 iface-id=lpu2
vs ovs1 add-port br-int s1 -- set interface s1 external_ids:iface-id=lpo1
vs ovs2 add-port br-int d1 -- set interface d1 external_ids:iface-id=lpo2
timeout 60 ovn-nbctl --db="unix:$tmp/nb.sock" --wait=hv sync
up() { [ "$(nb get Logical_Switch_Port "$1" up)" = true ]; }
for p in lpu1 lpu2 lpo1 lpo2; do waitfor 30 up "$p" || { echo "$p did not come up" >&2; exit 1; }; done

sink_rx() { ip -n "$nsink" -s -j link show "d0$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'; }
rate() { # STACK TAG SIZE RUN
    local before after sent
    before=$(sink_rx "$2")
    sent=$(ip netns exec "$nsrc" taskset -c 0 "$tmp/udp_blast" "s0$2" "$secs" "$3")
    sleep 0.3
    after=$(sink_rx "$2")
    python3 - "$1" "$(( $3 + 4 ))" "$4" "$before" "$after" "$sent" "$secs" >>"$csv" <<'PY'
import sys
stack, size, run, before, after, sent, secs = sys.argv[1:]
print(f"geneve-{size},{stack},{run},{(int(after) - int(before)) / float(secs) / 1e6:.4f},Mpps")
print(f"offered-{size},{stack},{run},{int(sent) / float(secs) / 1e6:.4f},Mpps")
PY
    tail -2 "$csv" | tr '\n' ' '; echo
}
for r in $(seq "$runs"); do
    for size in 60 1514; do
        rate uvnet u "$size" "$r"
        rate ovs-netdev o "$size" "$r"
    done
done
ctl uv1 stats | sed 's/^/  uv1: /'
fi

# ---- bind latency ----
if [ "${ONLY:-bind}" = bind ]; then
bind_latency() { # STACK PREFIX: time lsp-add of 100 ports until they are up
    local stack=$1 p=$2 args=() t0 first='' n
    nb ls-add "ls$p"
    for i in $(seq 100); do args+=(${args[0]:+--} lsp-add "ls$p" "$p$i" -- lsp-set-addresses "$p$i" "$(printf '02:00:00:0b:%02x:%02x' "${#p}" "$i")"); done
    t0=$(date +%s.%N)
    nb "${args[@]}"
    while :; do
        n=$(nb --bare --columns=name find Logical_Switch_Port up=true | grep -c "^$p" || true)
        [ -z "$first" ] && [ "$n" -gt 0 ] && first=$(date +%s.%N)
        [ "$n" -ge 100 ] && break
        python3 -c "import time,sys; sys.exit(time.time() - $t0 > 120)" || { echo "$stack: only $n of 100 up after 120 s" >&2; break; }
        sleep 0.05
    done
    python3 - "$stack" "$t0" "$first" "$(date +%s.%N)" "$n" >>"$csv" <<'PY'
import sys
stack, t0, first, last, n = sys.argv[1], float(sys.argv[2]), sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
print(f"bind-first,{stack},1,{float(first) - t0 if first else float('nan'):.3f},s")
print(f"bind-all-100,{stack},1,{last - t0 if n >= 100 else float('nan'):.3f},s")
PY
    tail -2 "$csv" | tr '\n' ' '; echo
}
for i in $(seq 100); do ctl uv1 add-port br-int "b$i" type=tap iface-id="lb$i" >/dev/null; done
for i in $(seq 100); do vs ovs1 add-port br-int "c$i" -- set interface "c$i" type=internal external_ids:iface-id="lc$i"; done
sleep 2
bind_latency uvnet lb
bind_latency ovs-netdev lc
fi

echo
echo "medians of $runs runs (${secs} s each), $(nproc) CPUs:"
python3 - "$csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def med(test, stack):
    v = [float(r["value"]) for r in rows if r["test"] == test and r["stack"] == stack]
    return statistics.median(v) if v else float("nan")
print("| test | uvnet (2 uvnetd) | OVS userspace (2 ovs-vswitchd) | ratio |")
print("|---|---|---|---|")
for t, what in (("geneve-64", "Geneve forwarding, 64 B, Mpps"), ("geneve-1518", "Geneve forwarding, 1518 B, Mpps"),
                ("offered-64", "(offered, 64 B, Mpps)"), ("offered-1518", "(offered, 1518 B, Mpps)"),
                ("bind-first", "bind: lsp-add -> first of 100 up, s"), ("bind-all-100", "bind: lsp-add -> all 100 up, s")):
    u, o = med(t, "uvnet"), med(t, "ovs-netdev")
    print(f"| {what} | {u:.3f} | {o:.3f} | {u / o if o else float('nan'):.2f}x |")
PY
echo "results: $csv"
