# shellcheck shell=bash
# The clean-up of a bench that runs in namespaces of its own: source it
# with $tmp set.  Every pid in $pids is stopped and every process in the
# namespaces in $nss, those namespaces deleted and $tmp removed on exit
# (KEEP=1 keeps $tmp).
pids=()
nss=()

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
