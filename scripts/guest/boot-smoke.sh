#!/usr/bin/env bash
# Self-check of the test guest: build it, boot it under QEMU with a
# virtio-net-pci NIC on a tap device, and from the guest ping and run iperf3
# against the host side of the tap. Exits 0 only when both succeed and the
# guest reports `UVNET-TEST-EXIT 0`.
#
# Everything network-facing lives in a private namespace uvnet-smoke-$$:
# the tap (10.200.0.1/24; guest 10.200.0.2/24, no default route), the iperf3
# server and QEMU itself (a tap is looked up by name in the namespace of the
# process that opens it, so QEMU must run inside). All of it is removed on
# exit, failure included.
#
# Accelerator: whatever pick-accel.sh says (KVM if it works, else TCG).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ns=uvnet-smoke-$$
host_ip=10.200.0.1
guest_ip=10.200.0.2

log() { echo "boot-smoke: $*" >&2; }

tmp=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! command -v qemu-system-x86_64 >/dev/null; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >&2
fi

paths=$("$here/build-guest.sh")
kernel=$(sed -n 's/^kernel=//p' <<<"$paths")
initrd=$(sed -n 's/^initrd=//p' <<<"$paths")

# with_test SCRIPT IMG: IMG = guest initrd + SCRIPT appended as /test.sh.
with_test() {
    "$here/mkcpio-test.sh" "$1" "$tmp/test.cpio.gz"
    cat "$initrd" "$tmp/test.cpio.gz" >"$2"
}

# qemu_cmd ACCEL INITRD SERIAL_LOG KERNEL_ARGS: set the array qemu to a
# NIC-less guest command line with the console written to SERIAL_LOG.
qemu_cmd() {
    qemu=(qemu-system-x86_64 -accel "$1" -m 256 -nodefaults -display none -no-reboot
        -serial "file:$3" -kernel "$kernel" -initrd "$2"
        -append "console=ttyS0 quiet panic=-1 no_timer_check $4")
}

accel=$("$here/pick-accel.sh")

cat >"$tmp/smoke.sh" <<TEST
set -e
ip -o link
ip -o addr
ping -c 3 -W 2 $host_ip
iperf3 -c $host_ip -t 2
TEST
with_test "$tmp/smoke.sh" "$tmp/smoke.img"

ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" ip tuntap add dev tap0 mode tap
ip -n "$ns" addr add "$host_ip/24" dev tap0
ip -n "$ns" link set tap0 up

ip netns exec "$ns" timeout 75 iperf3 -s -1 -B "$host_ip" >"$tmp/iperf3-server.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
    [[ -n $(ip netns exec "$ns" ss -Hltn 'sport = :5201') ]] && break
    sleep 0.1
done

serial=$tmp/serial.log
qemu_cmd "$accel" "$tmp/smoke.img" "$serial" "uvnet.ip=$guest_ip/24"
# shellcheck disable=SC2054 # commas belong to QEMU option values
qemu+=(-device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56
    -netdev tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=off)
printf -v cmdline '%q ' "${qemu[@]}"
log "accel=$accel; running in $ns: ${cmdline//\\,/,}"
start=$SECONDS
ip netns exec "$ns" timeout 60 "${qemu[@]}" &
pids+=($!)
qemu_rc=0
wait "${pids[-1]}" || qemu_rc=$?
log "QEMU exited with $qemu_rc after $((SECONDS - start)) s; guest console:"
sed 's/\r$//' "$serial" >&2

fail=()
((qemu_rc == 0)) || fail+=("QEMU exit status $qemu_rc")
grep -q ', 0% packet loss' "$serial" || fail+=("ping")
grep -q 'receiver' "$serial" || fail+=("iperf3")
grep -q '^UVNET-TEST-EXIT 0' "$serial" || fail+=("UVNET-TEST-EXIT 0 missing")
if ((${#fail[@]})); then
    log "FAIL: ${fail[*]}"
    exit 1
fi
log "PASS"
