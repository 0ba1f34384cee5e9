#!/usr/bin/env bash
# VXLAN benchmarks, in one run, medians of RUNS runs:
#
#   guest-guest iperf3 (TCP, SECS s): two QEMU guests on the vhost-user
#     ports of one uvnetd bridge ("bridge"), and the same guests each on a
#     uvnetd of its own in two namespaces, joined by vxlan ports over a
#     veth underlay ("overlay").  Guest MTU 1450 in both (the overlay's).
#   encapsulation rate (Mpps): one sender (bench/udp_blast.c, sendmmsg on
#     an AF_PACKET socket, 60-byte UDP frames, 64 flows) into a switch
#     whose other port is a VXLAN tunnel to a sink namespace, counted as
#     they arrive at the sink's underlay veth: a uvnetd bridge (afpacket
#     port -> vxlan port) vs a Linux bridge with a kernel vxlan device.
#     Sender pinned to CPU 0, uvnetd's worker to CPU 1: the kernel path
#     switches and encapsulates in the sender's softirq (CPU 0), uvnetd
#     in its worker.
#
# Prints a table and writes bench/results/vxlan.csv.  Everything runs in
# private namespaces (uvnet-vxb-PID-*), removed at exit.
#
# usage: bench/vxlan.sh [RUNS] [SECS]     (default 3 runs of 5 s)
#   KEEP=1 keeps the temp dir (serial consoles, uvnetd logs).
#   ONLY=guests or ONLY=encap runs one half.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${1:-3}
secs=${2:-5}
build=${UVNET_BUILD:-$root/build}

pfx=uvnet-vxb-$$
tmp=$(mktemp -d /tmp/uvnet-vxb.XXXXXX)
out=bench/results
nsb='' nsa='' nsc='' nss_src='' nss_sink='' nsk='' nsu='' # set by mkns
source bench/lib/guest-bench.sh
cc -O2 -Wall -Wextra -Werror -o "$tmp/udp_blast" bench/udp_blast.c

mkns() { # VAR NAME: make namespace $pfx-NAME, its name into VAR
    ip netns add "$pfx-$2"
    nss+=("$pfx-$2")
    ip -n "$pfx-$2" link set lo up
    printf -v "$1" '%s' "$pfx-$2"
}
uvnetd_in() { # NS NAME [ARGS...]: start a uvnetd, control socket $tmp/NAME.sock
    local ns=$1 name=$2
    shift 2
    ip netns exec "$ns" "$build/src/daemon/uvnetd" --foreground --control "$tmp/$name.sock" \
        --state "$tmp/$name.state" --pid-file "$tmp/$name.pid" --log-file "$tmp/$name.log" "$@" \
        >"$tmp/$name.out" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do [ -S "$tmp/$name.sock" ] && break; sleep 0.1; done
}
ctl() { local name=$1; shift; "$build/tools/uvnetctl" --control "$tmp/$name.sock" "$@"; }
stop_uvnetd() { # NAME
    local pid
    pid=$(cat "$tmp/$1.pid")
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$tmp/$1.state"
}

mkdir -p "$out"
csv=$out/vxlan.csv
echo "test,stack,run,value,unit" >"$csv"

# ---- guest to guest ----
if [ "${ONLY:-guests}" = guests ]; then
ul1=10.250.0.1 ul2=10.250.0.2 vm1=10.251.0.11 vm2=10.251.0.12
cat >"$tmp/vm1.sh" <<EOF
for i in \$(seq 60); do ping -c 1 -W 1 $vm2 >/dev/null 2>&1 && break; done
for r in \$(seq $runs); do
    sleep 1
    echo "== run \$r"; iperf3 -c $vm2 -t $secs --connect-timeout 5000
done
EOF
cat >"$tmp/vm2.sh" <<EOF
for r in \$(seq $runs); do iperf3 -s -1 >/dev/null 2>&1; done
EOF
for i in 1 2; do
    scripts/guest/mkcpio-test.sh "$tmp/vm$i.sh" "$tmp/vm$i.cpio.gz"
    cat "$initrd" "$tmp/vm$i.cpio.gz" >"$tmp/vm$i.img"
done
guest() { # NS I SOCK: boot guest I on vhost-user socket SOCK, in the background
    ip netns exec "$1" timeout $((60 + runs * (secs + 15))) qemu-system-x86_64 -accel "$accel" -m 512 \
        -nodefaults -display none -no-reboot -serial "file:$tmp/$4.vm$2.serial" \
        -kernel "$kernel" -initrd "$tmp/vm$2.img" \
        -append "console=ttyS0 quiet panic=-1 no_timer_check ipv6.disable=1 uvnet.ip=$([ "$2" = 1 ] && echo $vm1 || echo $vm2)/24 uvnet.mtu=1450" \
        -object memory-backend-memfd,id=mem,size=512M,share=on -numa node,memdev=mem \
        -chardev "socket,id=c0,path=$3" -netdev vhost-user,id=n0,chardev=c0 \
        -device virtio-net-pci,netdev=n0,mac=52:54:00:fb:00:0$2,vectors=0 >/dev/null 2>&1 &
    gpids+=($!)
}
# receiver bitrates (Gbit/s) of guest 1's runs, one a line
g2g_results() {
    sed 's/\r$//' "$tmp/$1.vm1.serial" | grep receiver |
        awk '{ for (i = 1; i < NF; i++) if ($(i + 1) ~ /bits\/sec/) {
                 v = $i; u = $(i + 1)
                 if (u ~ /^M/) v /= 1000; if (u ~ /^K/) v /= 1e6
                 print v; break } }'
}
record_g2g() { # STACK
    local r=0 v
    while read -r v; do
        r=$((r + 1))
        echo "guest-guest,$1,$r,$v,Gbit/s" >>"$csv"
        printf 'guest-guest %-8s run %d: %s Gbit/s\n' "$1" "$r" "$v"
    done < <(g2g_results "$1")
    [ "$r" -gt 0 ] || echo "guest-guest $1: no result (see KEEP=1 $tmp/$1.vm1.serial)"
}

# one bridge
mkns nsb bridge
uvnetd_in "$nsb" b
ctl b add-br br0
ctl b add-port br0 vm1 type=vhost-user path="$tmp/b-vm1.sock"
ctl b add-port br0 vm2 type=vhost-user path="$tmp/b-vm2.sock"
gpids=()
guest "$nsb" 2 "$tmp/b-vm2.sock" bridge
guest "$nsb" 1 "$tmp/b-vm1.sock" bridge
wait "${gpids[@]}" || true
stop_uvnetd b
record_g2g bridge

# overlay: two uvnetd, two namespaces, a veth underlay
mkns nsa ha
mkns nsc hc
ip -n "$nsa" link add ul0 type veth peer name ul0 netns "$nsc"
ip -n "$nsa" addr add "$ul1/24" dev ul0 && ip -n "$nsa" link set ul0 up
ip -n "$nsc" addr add "$ul2/24" dev ul0 && ip -n "$nsc" link set ul0 up
uvnetd_in "$nsa" a
uvnetd_in "$nsc" c
ctl a add-br br0 && ctl c add-br br0
ctl a add-port br0 vx type=vxlan remote=$ul2 vni=7
ctl c add-port br0 vx type=vxlan remote=$ul1 vni=7
ctl a add-port br0 vm1 type=vhost-user path="$tmp/a-vm1.sock"
ctl c add-port br0 vm2 type=vhost-user path="$tmp/c-vm2.sock"
gpids=()
guest "$nsc" 2 "$tmp/c-vm2.sock" overlay
guest "$nsa" 1 "$tmp/a-vm1.sock" overlay
wait "${gpids[@]}" || true
ctl a stats | sed 's/^/  A: /'
stop_uvnetd a
stop_uvnetd c
record_g2g overlay
fi

# ---- encapsulation rate ----
if [ "${ONLY:-encap}" = encap ]; then
mkns nss_src src
mkns nss_sink sink
mkns nsk kern
mkns nsu uvn
# sw NS TAG SUBNET: sender veth s0TAG (src) <-> s1 (NS); underlay u0 (NS,
# .1) <-> u1TAG (sink, no address: counted, then dropped by IP)
sw() {
    local ns=$1 tag=$2 net=$3 mac
    ip -n "$nss_src" link add "s0$tag" type veth peer name s1 netns "$ns"
    ip -n "$nss_src" link set "s0$tag" up
    ip -n "$ns" link set s1 up
    ip -n "$ns" link add u0 type veth peer name "u1$tag" netns "$nss_sink"
    ip -n "$ns" addr add "$net.1/24" dev u0 && ip -n "$ns" link set u0 up
    ip -n "$nss_sink" link set "u1$tag" up
    mac=$(ip -n "$nss_sink" -br link show "u1$tag" | awk '{print $3}')
    ip -n "$ns" neigh replace "$net.2" lladdr "$mac" dev u0 nud permanent
}
sw "$nsk" k 10.250.1
sw "$nsu" u 10.250.2
ip -n "$nsk" link add vx0 type vxlan id 42 remote 10.250.1.2 local 10.250.1.1 dstport 4789
ip -n "$nsk" link add br0 type bridge
ip -n "$nsk" link set vx0 master br0 up
ip -n "$nsk" link set s1 master br0
ip -n "$nsk" link set br0 up
uvnetd_in "$nsu" u --cpu-list 1
ctl u add-br br0
ctl u add-port br0 p0 type=afpacket dev=s1
ctl u add-port br0 vx type=vxlan remote=10.250.2.2 vni=42

sink_rx() { ip -n "$nss_sink" -s -j link show "u1$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'; }
rate() { # STACK TAG RUN
    local before after sent mpps offered
    before=$(sink_rx "$2")
    sent=$(ip netns exec "$nss_src" taskset -c 0 "$tmp/udp_blast" "s0$2" "$secs")
    sleep 0.3
    after=$(sink_rx "$2")
    mpps=$(python3 -c "print(f'{($after - $before) / $secs / 1e6:.3f}')")
    offered=$(python3 -c "print(f'{$sent / $secs / 1e6:.3f}')")
    echo "encap,$1,$3,$mpps,Mpps" >>"$csv"
    echo "offered,$1,$3,$offered,Mpps" >>"$csv"
    printf 'encap       %-8s run %d: %s Mpps encapsulated (%s Mpps offered)\n' "$1" "$3" "$mpps" "$offered"
}
for r in $(seq "$runs"); do
    rate kernel k "$r"
    rate uvnetd u "$r"
done
ctl u show | grep -A3 "Port vx" | sed 's/^/  /'
ctl u stats | sed 's/^/  /'
fi

echo
echo "medians of $runs runs (${secs} s each), accelerator $accel, $(nproc) CPUs:"
python3 - "$csv" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def med(test, stack):
    v = [float(r["value"]) for r in rows if r["test"] == test and r["stack"] == stack]
    return statistics.median(v) if v else float("nan")
print("| test | uvnetd | reference | ratio |")
print("|---|---|---|---|")
o, b = med("guest-guest", "overlay"), med("guest-guest", "bridge")
print(f"| guest-guest iperf3, Gbit/s: VXLAN overlay (2 uvnetd) vs one bridge | {o:.2f} | {b:.2f} | {o / b if b else float('nan'):.2f}x |")
u, k = med("encap", "uvnetd"), med("encap", "kernel")
print(f"| VXLAN encapsulation, Mpps: uvnetd vs Linux vxlan + bridge | {u:.3f} | {k:.3f} | {u / k if k else float('nan'):.2f}x |")
ou, ok = med("offered", "uvnetd"), med("offered", "kernel")
print(f"| (sender's offered rate, Mpps) | {ou:.3f} | {ok:.3f} | |")
EOF
echo "results: $csv"
