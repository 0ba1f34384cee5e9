#!/usr/bin/env bash
# Usage: mkcpio-test.sh SCRIPT OUT
# Pack SCRIPT as /test.sh (mode 755) into OUT, a gzip'd newc cpio archive.
#
# The guest's /init runs /test.sh (with `sh`) when it exists, prints
# `UVNET-TEST-EXIT <status>` and powers off. Append the archive to the guest
# initrd; the kernel unpacks concatenated archives one after the other:
#   cat initrd.img test.cpio.gz > combined.img
#   qemu-system-x86_64 -kernel vmlinuz -initrd combined.img ...
set -euo pipefail

(($# == 2)) || { echo "usage: $0 SCRIPT OUT" >&2; exit 2; }
script=$1 out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
install -m 755 "$script" "$tmp/test.sh"
(cd "$tmp" && echo test.sh | cpio -o -H newc -R 0:0 --quiet) | gzip -9n >"$out"
