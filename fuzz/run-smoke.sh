#!/usr/bin/env bash
# Smoke-run each libFuzzer target for a while on a scratch copy of its seed
# corpus (fuzz/corpus/<name>/ is never modified) and print TAP, one line per
# target, with libFuzzer's final stats as comments.  Crash inputs are kept
# in BUILD_DIR/fuzz/artifacts/.  Exits non-zero if any target failed.
#
# usage: fuzz/run-smoke.sh BUILD_DIR SECONDS
#   BUILD_DIR was configured with CC=clang meson setup BUILD_DIR -Dfuzz=true
set -uo pipefail

build=${1:?usage: run-smoke.sh BUILD_DIR SECONDS}
secs=${2:?usage: run-smoke.sh BUILD_DIR SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
targets=(split_chain packed_chain)
artifacts="$build/fuzz/artifacts"
mkdir -p "$artifacts"

echo "1..${#targets[@]}"
failed=0
n=0
for t in "${targets[@]}"; do
	n=$((n + 1))
	work=$(mktemp -d)
	mkdir "$work/corpus"
	cp "$here/corpus/$t/"* "$work/corpus/"
	"$build/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=16384 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$artifacts/$t-" \
		"$work/corpus" >"$work/log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - fuzz_$t"
		grep -E '^#[0-9]+ +DONE|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
			"$work/log" | sed 's/^/# /'
		echo "# corpus: $(ls "$work/corpus" | wc -l) inputs"
	else
		echo "not ok $n - fuzz_$t (exit $rc)"
		tail -n 40 "$work/log" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
	rm -rf "$work"
done
[ "$failed" -eq 0 ]
