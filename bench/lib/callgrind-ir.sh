#!/usr/bin/env bash
# Instructions uvnetd's worker executes per forwarded frame, counted by
# callgrind (exact and repeatable, unlike time on a shared machine):
# uvnet-bench loops COUNT frames of SIZE bytes through a two-port bridge
# with 32 frames in flight (--window), so that each pass of the worker
# moves a whole burst, as under load; only the worker's poll passes are
# counted (--toggle-collect), in event mode so that idle polls do not add
# up.  The count depends on the code and the burst size, not on timing.
# Prints the number.   usage: callgrind-ir.sh SIZE [COUNT] [psec|police]
# psec: both ports with port-security= (the MAC and IPv4 address each
# side sends from), to count what the check costs; police: both with an
# ingress-policing-rate far above the offered load (nothing dropped), to
# count what the bucket costs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
size=$1 count=${2:-100000} extra_a='' extra_b=''
if [ "${3:-}" = psec ]; then
    extra_a=port-security=02:00:00:00:00:01,10.0.0.1
    extra_b=port-security=02:00:00:00:00:02,10.0.0.2
elif [ "${3:-}" = police ]; then
    extra_a="ingress-policing-rate=100000000 ingress-policing-burst=100000000"
    extra_b=$extra_a
fi
dir=$(mktemp -d /tmp/uvnet-cg.XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

valgrind --tool=callgrind --toggle-collect=poll_once --callgrind-out-file="$dir/cg.out" \
    "$root/build/src/daemon/uvnetd" --foreground --control "$dir/ctl.sock" --state "$dir/state" \
    --pid-file "$dir/pid" --cpu-list 1 --poll event --log-level warn >"$dir/log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 100); do [ -S "$dir/ctl.sock" ] && break; sleep 0.2; done
ctl() { "$root/build/tools/uvnetctl" --control "$dir/ctl.sock" "$@" >/dev/null; }
ctl add-br br0
ctl add-port br0 a type=vhost-user path="$dir/a.sock" $extra_a
ctl add-port br0 b type=vhost-user path="$dir/b.sock" $extra_b
"$root/build/tools/uvnet-bench" loop --tx-path "$dir/a.sock" --rx-path "$dir/b.sock" \
    --size "$size" --count "$count" --window 32 --cpu 0 --quiet --json --timeout-ms 30000 >/dev/null
read -r frames bursts < <("$root/build/tools/uvnetctl" --control "$dir/ctl.sock" --json stats |
    python3 -c 'import json, sys; w = json.load(sys.stdin)["workers"][0]; print(w["frames"], w["bursts"])')
echo "callgrind-ir: $frames frames in $bursts bursts" >&2
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=
ir=$(callgrind_annotate "$dir/cg.out" | awk '/PROGRAM TOTALS/ && !ir { gsub(",", "", $1); ir = $1 } END { print ir }')
awk -v ir="$ir" -v f="$frames" 'BEGIN { if (f > 0) printf "%.0f\n", ir / f; else exit 1 }'
