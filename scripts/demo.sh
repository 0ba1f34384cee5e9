#!/usr/bin/env bash
# The uvnet demo: two QEMU guests whose virtio-net NICs are vhost-user
# ports of a uvnetd bridge, with the host on a TAP port of the same bridge.
# The guests ping each other and the host and run iperf3; uvnetd's view
# (show, stats, fdb-show) and a summary are printed; everything is removed
# at the end.  The "host" side lives in a private network namespace, so
# nothing here touches the machine's real network.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

ns=uvnet-demo-$$
tmp=$(mktemp -d /tmp/uvnet-demo.XXXXXX)
host_ip=10.77.0.1
vm_ip=(10.77.0.11 10.77.0.12)
pids=()

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Installing what is missing and building"
scripts/install-deps.sh build e2e
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
paths=$(scripts/guest/build-guest.sh)
kernel=$(sed -n 's/^kernel=//p' <<<"$paths")
initrd=$(sed -n 's/^initrd=//p' <<<"$paths")
accel=$(scripts/guest/pick-accel.sh)
echo "guest kernel $kernel, accelerator $accel"

in_ns() { ip netns exec "$ns" "$@"; }
ctl() { in_ns "$root/build/tools/uvnetctl" --control "$tmp/uvnetd.sock" "$@"; }

say "Starting uvnetd and building the switch"
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" build/src/daemon/uvnetd --foreground --control "$tmp/uvnetd.sock" --state "$tmp/state" \
    --pid-file "$tmp/uvnetd.pid" --log-file "$tmp/uvnetd.log" &
pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/uvnetd.sock" ] && break; sleep 0.1; done
ctl add-br br0
ctl add-port br0 uvtap0 type=tap
ctl add-port br0 vm1 type=vhost-user path="$tmp/vm1.sock"
ctl add-port br0 vm2 type=vhost-user path="$tmp/vm2.sock"
ip -n "$ns" addr add "$host_ip/24" dev uvtap0
echo "uvnetctl add-br br0; add-port br0 uvtap0 type=tap; add-port br0 vm{1,2} type=vhost-user"

# Guest 2 serves iperf3 once; guest 1 pings everyone, then measures.
cat >"$tmp/vm1.sh" <<EOF
for i in \$(seq 50); do ping -c 1 -W 1 ${vm_ip[1]} >/dev/null 2>&1 && break; done
echo "== ping guest2"; ping -c 3 -W 2 ${vm_ip[1]}
echo "== ping host"; ping -c 3 -W 2 $host_ip
sleep 1
echo "== iperf3 guest1 -> guest2"; iperf3 -c ${vm_ip[1]} -t 3
echo "== iperf3 guest1 -> host"; iperf3 -c $host_ip -t 3
EOF
cat >"$tmp/vm2.sh" <<EOF
iperf3 -s -1 >/dev/null 2>&1 &
echo "== ping guest1"; for i in \$(seq 50); do ping -c 1 -W 1 ${vm_ip[0]} >/dev/null 2>&1 && break; done
ping -c 3 -W 2 ${vm_ip[0]}
echo "== ping host"; ping -c 3 -W 2 $host_ip
wait
EOF
ip netns exec "$ns" timeout 60 iperf3 -s -1 -B "$host_ip" >/dev/null 2>&1 &
pids+=($!)

say "Booting two guests (virtio-net-pci on vhost-user, $accel)"
for i in 1 2; do
    scripts/guest/mkcpio-test.sh "$tmp/vm$i.sh" "$tmp/vm$i.cpio.gz"
    cat "$initrd" "$tmp/vm$i.cpio.gz" >"$tmp/vm$i.img"
    ip netns exec "$ns" timeout 120 qemu-system-x86_64 -accel "$accel" -m 256 -nodefaults -display none \
        -no-reboot -serial "file:$tmp/vm$i.serial" -kernel "$kernel" -initrd "$tmp/vm$i.img" \
        -append "console=ttyS0 quiet panic=-1 ipv6.disable=1 uvnet.ip=${vm_ip[$((i - 1))]}/24" \
        -object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
        -chardev socket,id=c0,path="$tmp/vm$i.sock" -netdev vhost-user,id=n0,chardev=c0 \
        -device virtio-net-pci,netdev=n0,mac=52:54:00:77:00:0$i,vectors=0 &
    pids+=($!)
    echo "guest$i: ${vm_ip[$((i - 1))]}, MAC 52:54:00:77:00:0$i, socket $tmp/vm$i.sock"
done
sleep 8
say "uvnetctl show (guests running)"
ctl show
wait "${pids[-1]}" "${pids[-2]}" || true

for i in 1 2; do
    say "Guest $i console"
    sed 's/\r$//' "$tmp/vm$i.serial" | grep -v '^\[' | grep -v UVNET-GUEST
done
say "uvnetctl stats"
ctl stats
say "uvnetctl fdb-show br0"
ctl fdb-show br0

say "Summary"
s1=$(sed 's/\r$//' "$tmp/vm1.serial")
s2=$(sed 's/\r$//' "$tmp/vm2.serial")
loss() { grep -A10 "== $2" <<<"$1" | grep -o '[0-9]*% packet loss' | head -1; }
rate() { grep -A30 "== $2" <<<"$1" | grep receiver | head -1 | grep -o '[0-9.]* [GM]bits/sec'; }
ok=0
row() { printf '  %-28s %s\n' "$1" "${2:-FAILED}"; [ -n "${2:-}" ] || ok=1; }
row "guest1 -> guest2 ping" "$(loss "$s1" 'ping guest2')"
row "guest1 -> host ping" "$(loss "$s1" 'ping host')"
row "guest2 -> guest1 ping" "$(grep -A10 '== ping guest1' <<<"$s2" | grep -o '[0-9]*% packet loss' | head -1)"
row "guest2 -> host ping" "$(loss "$s2" 'ping host')"
row "iperf3 guest1 -> guest2" "$(rate "$s1" 'iperf3 guest1 -> guest2')"
row "iperf3 guest1 -> host" "$(rate "$s1" 'iperf3 guest1 -> host')"
if grep -q '100% packet loss' <<<"$s1$s2"; then ok=1; fi
[ $ok -eq 0 ] && echo "demo: all checks passed" || echo "demo: some checks failed (uvnetd log: see above)"
exit $ok
