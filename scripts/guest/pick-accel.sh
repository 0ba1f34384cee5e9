#!/usr/bin/env bash
# Prints the QEMU accelerator to use: kvm when it really runs a guest here,
# else tcg.  $UVNET_ACCEL overrides.  The probe boots the test guest under
# KVM once (a /dev/kvm that opens may still be unable to run it: it then
# hangs rather than fails) and caches the answer in
# ${UVNET_CACHE:-/var/cache/uvnet}/accel.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${UVNET_CACHE:-/var/cache/uvnet}

if [[ -n ${UVNET_ACCEL:-} ]]; then
    echo "$UVNET_ACCEL"
    exit 0
fi
if [[ -s $cache/accel ]]; then
    cat "$cache/accel"
    exit 0
fi
accel=tcg
if [[ -r /dev/kvm && -w /dev/kvm ]]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    paths=$("$here/build-guest.sh")
    kernel=$(sed -n 's/^kernel=//p' <<<"$paths")
    initrd=$(sed -n 's/^initrd=//p' <<<"$paths")
    echo 'exit 0' >"$tmp/probe.sh"
    "$here/mkcpio-test.sh" "$tmp/probe.sh" "$tmp/probe.cpio.gz"
    cat "$initrd" "$tmp/probe.cpio.gz" >"$tmp/probe.img"
    # A working KVM boots and powers off in about a second.
    if timeout 10 qemu-system-x86_64 -accel kvm -m 256 -nodefaults -display none -no-reboot \
        -serial "file:$tmp/probe.log" -kernel "$kernel" -initrd "$tmp/probe.img" \
        -append "console=ttyS0 quiet panic=-1" >/dev/null 2>&1 &&
        grep -q 'UVNET-TEST-EXIT 0' "$tmp/probe.log"; then
        accel=kvm
    fi
fi
mkdir -p "$cache"
echo "$accel" >"$cache/accel"
echo "pick-accel: probed accelerator: $accel (cached in $cache/accel)" >&2
echo "$accel"
