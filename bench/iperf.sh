#!/usr/bin/env bash
# Guest TCP throughput through uvnetd vs QEMU's own in-VMM TAP path.
#
# Same two guests, same kernel, same iperf3, in the same run:
#   uvnetd:    virtio-net-pci on vhost-user ports of a uvnetd bridge; the
#              host is a TAP port of that bridge
#   qemu-tap:  virtio-net-pci on `-netdev tap,vhost=off` (QEMU's own
#              device emulation), taps on a Linux bridge with the host
#              address on the bridge
# Measures guest->host and guest->guest iperf3 (TCP, RUNS runs of SECS s
# each, stacks alternated run by run), prints medians and the ratio, and
# writes bench/results/iperf.csv.  Everything runs in a private namespace.
#
# usage: bench/iperf.sh [RUNS] [SECS]     (default 3 runs of 5 s)
#   KEEP=1 keeps the temp dir (serial consoles, uvnetd log) for a look.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${1:-3}
secs=${2:-5}

ns=uvnet-bench-$$
tmp=$(mktemp -d /tmp/uvnet-bench.XXXXXX)
out=bench/results
host_ip=10.88.0.1
vm_ip=(10.88.0.11 10.88.0.12)
source bench/lib/guest-bench.sh

in_ns() { ip netns exec "$ns" "$@"; }
ctl() { in_ns "$root/build/tools/uvnetctl" --control "$tmp/uvnetd.sock" "$@"; }

ip netns add "$ns"
nss+=("$ns")
ip -n "$ns" link set lo up

# Guest 1 measures; guest 2 serves one iperf3 client and then powers off.
cat >"$tmp/vm1.sh" <<EOF
for i in \$(seq 60); do ping -c 1 -W 1 ${vm_ip[1]} >/dev/null 2>&1 && break; done
echo "== guest-host"; iperf3 -c $host_ip -t $secs
echo "== guest-guest"; iperf3 -c ${vm_ip[1]} -t $secs
EOF
cat >"$tmp/vm2.sh" <<EOF
iperf3 -s -1 >/dev/null 2>&1
EOF
for i in 1 2; do
    scripts/guest/mkcpio-test.sh "$tmp/vm$i.sh" "$tmp/vm$i.cpio.gz"
    cat "$initrd" "$tmp/vm$i.cpio.gz" >"$tmp/vm$i.img"
done

# boot_guests NETDEV1 NETDEV2: run both guests to completion, with an
# iperf3 server on the host address.
boot_guests() {
    local i g=() srv
    ip netns exec "$ns" iperf3 -s -B "$host_ip" >>"$tmp/iperf3-server.log" 2>&1 &
    srv=$!
    pids+=("$srv")
    for i in 1 2; do
        local netdev=$1
        shift
        # shellcheck disable=SC2086 # netdev is a list of QEMU words
        ip netns exec "$ns" timeout 120 qemu-system-x86_64 -accel "$accel" -m 512 -nodefaults -display none \
            -no-reboot -serial "file:$tmp/vm$i.serial" -kernel "$kernel" -initrd "$tmp/vm$i.img" \
            -append "console=ttyS0 quiet panic=-1 no_timer_check ipv6.disable=1 uvnet.ip=${vm_ip[$((i - 1))]}/24" \
            $netdev -device virtio-net-pci,netdev=n0,mac=52:54:00:88:00:0$i,vectors=0 &
        g+=($!)
    done
    wait "${g[@]}" || true
    kill "$srv"
    wait "$srv" || true
}

# result NAME: the receiver bitrate in Gbit/s of guest 1's test NAME.
result() {
    sed 's/\r$//' "$tmp/vm1.serial" | awk -v t="== $1" '/^== /{on = ($0 == t)} on' |
        grep receiver | head -1 |
        awk '{ for (i = 1; i < NF; i++) if ($(i + 1) ~ /bits\/sec/) {
                 v = $i; u = $(i + 1)
                 if (u ~ /^M/) v /= 1000; if (u ~ /^K/) v /= 1e6
                 print v; exit } }'
}

run_uvnetd() {
    ip netns exec "$ns" build/src/daemon/uvnetd --foreground --control "$tmp/uvnetd.sock" --state "$tmp/state" \
        --pid-file "$tmp/uvnetd.pid" --log-file "$tmp/uvnetd.log" &
    local d=$!
    pids+=("$d")
    for _ in $(seq 50); do [ -S "$tmp/uvnetd.sock" ] && break; sleep 0.1; done
    ctl add-br br0
    ctl add-port br0 uvtap0 type=tap
    ctl add-port br0 vm1 type=vhost-user path="$tmp/vm1.sock"
    ctl add-port br0 vm2 type=vhost-user path="$tmp/vm2.sock"
    ip -n "$ns" addr add "$host_ip/24" dev uvtap0
    boot_guests "-object memory-backend-memfd,id=mem,size=512M,share=on -numa node,memdev=mem
                 -chardev socket,id=c0,path=$tmp/vm1.sock -netdev vhost-user,id=n0,chardev=c0" \
        "-object memory-backend-memfd,id=mem,size=512M,share=on -numa node,memdev=mem
                 -chardev socket,id=c0,path=$tmp/vm2.sock -netdev vhost-user,id=n0,chardev=c0"
    kill "$d"
    wait "$d" || true
    rm -f "$tmp/state"
}

run_qemu_tap() {
    ip -n "$ns" link add qbr0 type bridge
    for i in 1 2; do
        in_ns ip tuntap add dev qtap$i mode tap
        ip -n "$ns" link set qtap$i master qbr0 up
    done
    ip -n "$ns" addr add "$host_ip/24" dev qbr0
    ip -n "$ns" link set qbr0 up
    boot_guests "-netdev tap,id=n0,ifname=qtap1,script=no,downscript=no,vhost=off" \
        "-netdev tap,id=n0,ifname=qtap2,script=no,downscript=no,vhost=off"
    ip -n "$ns" link del qbr0
    for i in 1 2; do ip -n "$ns" link del qtap$i 2>/dev/null || true; done
}

mkdir -p "$out"
echo "stack,test,run,gbit_s" >"$out/iperf.csv"
for run in $(seq "$runs"); do
    for stack in uvnetd qemu-tap; do
        "run_${stack/-/_}"
        for t in guest-host guest-guest; do
            v=$(result "$t")
            echo "$stack,$t,$run,${v:-0}" >>"$out/iperf.csv"
            printf '%-9s %-12s run %d: %s Gbit/s\n' "$stack" "$t" "$run" "${v:-failed}"
        done
    done
done

echo
echo "median of $runs runs, TCP, ${secs}s each, accelerator $accel:"
python3 - "$out/iperf.csv" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def med(stack, test):
    return statistics.median(float(r["gbit_s"]) for r in rows if r["stack"] == stack and r["test"] == test)
print(f"| test | uvnetd (Gbit/s) | QEMU tap, vhost=off (Gbit/s) | ratio |")
print(f"|---|---|---|---|")
for test in ("guest-host", "guest-guest"):
    u, q = med("uvnetd", test), med("qemu-tap", test)
    print(f"| {test} | {u:.2f} | {q:.2f} | {u / q if q else float('nan'):.2f}x |")
EOF
