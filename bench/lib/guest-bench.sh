# shellcheck shell=bash
# Set-up shared by the benches that boot test guests in namespaces of
# their own (bench/iperf.sh, bench/migration.sh, bench/vxlan.sh).  Source
# it from the repository root with $tmp set (and $build, default build/).
# It installs the build and e2e package groups, builds $build, finds the
# test guest ($kernel, $initrd) and QEMU's accelerator ($accel), and traps
# EXIT to stop every pid in $pids and every process in the namespaces in
# $nss, delete those namespaces and remove $tmp (KEEP=1 keeps it).
pids=()
nss=()
build=${build:-$PWD/build}

bench_cleanup() {
    set +e
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    for ns in "${nss[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    if [ -n "${KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

scripts/install-deps.sh build e2e
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null
paths=$(scripts/guest/build-guest.sh)
kernel=$(sed -n 's/^kernel=//p' <<<"$paths")
initrd=$(sed -n 's/^initrd=//p' <<<"$paths")
accel=$(scripts/guest/pick-accel.sh)
