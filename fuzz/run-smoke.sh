#!/usr/bin/env bash
# Smoke-run every libFuzzer target built in BUILD_DIR/fuzz/ for SECONDS on a
# scratch copy of its seed corpus fuzz/corpus/<name>/ (fuzz_<name> is the
# target; the corpus in the tree is never modified) and print TAP, one line
# per target, with libFuzzer's final stats as comments.  Crash inputs are
# kept in BUILD_DIR/fuzz/artifacts/.  Exits non-zero if any target failed.
#
# usage: fuzz/run-smoke.sh BUILD_DIR SECONDS
#   BUILD_DIR was set up with: CC=clang meson setup BUILD_DIR -Dfuzz=true
set -uo pipefail

build=${1:?usage: run-smoke.sh BUILD_DIR SECONDS}
secs=${2:?usage: run-smoke.sh BUILD_DIR SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
artifacts="$build/fuzz/artifacts"
mkdir -p "$artifacts"

targets=()
for f in "$build"/fuzz/fuzz_*; do
	[ -f "$f" ] && [ -x "$f" ] && targets+=("$(basename "$f")")
done
if [ "${#targets[@]}" -eq 0 ]; then
	echo "1..1"
	echo "not ok 1 - no fuzz targets in $build/fuzz (configure with -Dfuzz=true)"
	exit 1
fi

# Run one target; its log goes to $2.
run_target() {
	local t=$1 log=$2 work
	work=$(dirname "$log")
	mkdir "$work/corpus"
	if [ -d "$here/corpus/${t#fuzz_}" ]; then
		cp -r "$here/corpus/${t#fuzz_}/." "$work/corpus/"
	fi
	"$build/fuzz/$t" -max_total_time="$secs" -max_len=16384 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$artifacts/$t-" \
		"$work/corpus" >"$log" 2>&1
}

echo "1..${#targets[@]}"
failed=0
n=0
for t in "${targets[@]}"; do
	n=$((n + 1))
	work=$(mktemp -d)
	if run_target "$t" "$work/log"; then
		echo "ok $n - $t"
		grep -E '^#[0-9]+[[:space:]]+DONE' "$work/log" | sed 's/^/# /'
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$work/log" |
			sed 's/^/# /'
		echo "# corpus: $(find "$work/corpus" -type f | wc -l) inputs"
	else
		echo "not ok $n - $t (exit $?)"
		tail -n 40 "$work/log" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
	rm -rf "$work"
done
[ "$failed" -eq 0 ]
