# shellcheck shell=bash
# Set-up shared by the benches that boot test guests in namespaces of
# their own (bench/iperf.sh, bench/migration.sh, bench/vxlan.sh).  Source
# it from the repository root with $tmp set (and $build, default build/).
# It installs the build and e2e package groups, builds $build, finds the
# test guest ($kernel, $initrd) and QEMU's accelerator ($accel); the
# clean-up on exit is bench/lib/bench-env.sh's.
build=${build:-$PWD/build}
source bench/lib/bench-env.sh

scripts/install-deps.sh build e2e
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null
paths=$(scripts/guest/build-guest.sh)
kernel=$(sed -n 's/^kernel=//p' <<<"$paths")
initrd=$(sed -n 's/^initrd=//p' <<<"$paths")
accel=$(scripts/guest/pick-accel.sh)
