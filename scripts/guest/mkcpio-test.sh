#!/usr/bin/env bash
# Usage: mkcpio-test.sh SCRIPT OUT [BINARY...]
# Pack SCRIPT as /test.sh (mode 755) into OUT, a gzip'd newc cpio archive,
# with each host BINARY (an absolute path, e.g. /usr/sbin/ethtool) and the
# shared objects ldd lists for it at the same paths: a test that needs a
# tool the guest image lacks brings it along.
#
# The guest's /init runs /test.sh (with `sh`) when it exists, prints
# `UVNET-TEST-EXIT <status>` and powers off. Append the archive to the guest
# initrd; the kernel unpacks concatenated archives one after the other:
#   cat initrd.img test.cpio.gz > combined.img
#   qemu-system-x86_64 -kernel vmlinuz -initrd combined.img ...
set -euo pipefail

(($# >= 2)) || { echo "usage: $0 SCRIPT OUT [BINARY...]" >&2; exit 2; }
script=$1 out=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
install -m 755 "$script" "$tmp/test.sh"
for bin in "$@"; do
    [[ $bin == /* && -x $bin ]] || { echo "mkcpio-test: $bin: not an executable absolute path" >&2; exit 1; }
    install -D -m 755 "$bin" "$tmp$bin"
    for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
        install -D -m 755 "$lib" "$tmp$lib"
    done
done
(cd "$tmp" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9n >"$out"
