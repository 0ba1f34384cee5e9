#!/usr/bin/env bash
# Test runner: runs test programs that print TAP ("ok N - name" /
# "not ok N - name"), one line of result per program, and a last line
# "N passed, N failed" summing every TAP line of every program.  A program
# that exits non-zero without a "not ok" line (a crash, a sanitizer report)
# counts as one failure.  Logs go to $UVNET_TEST_LOGS (default test-logs/).
#
# usage: tests/run.sh SUITE:PROGRAM [SUITE:PROGRAM ...]
#   PROGRAM is a path, with arguments separated by spaces, run under a
#   per-program timeout ($UVNET_TEST_TIMEOUT seconds, default 900).
set -uo pipefail

logs=${UVNET_TEST_LOGS:-test-logs}
timeout_s=${UVNET_TEST_TIMEOUT:-900}
mkdir -p "$logs"
export CMOCKA_MESSAGE_OUTPUT=TAP

passed=0
failed=0
for item in "$@"; do
	suite=${item%%:*}
	prog=${item#*:}
	read -r -a cmd <<<"$prog"
	name=$(basename "${cmd[0]}")
	log="$logs/$suite-$name.log"
	start=$(date +%s)
	timeout --kill-after=10 "$timeout_s" "${cmd[@]}" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	ok=$(grep -cE '^ok [0-9]+' "$log")
	nok=$(grep -cE '^not ok [0-9]+' "$log")
	if [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then
		nok=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	passed=$((passed + ok))
	failed=$((failed + nok))
	if [ "$nok" -eq 0 ] && [ "$ok" -gt 0 ]; then
		printf 'PASS %-6s %-32s %4d ok  (%ds)\n' "$suite" "$name" "$ok" "$secs"
	else
		[ "$ok" -eq 0 ] && [ "$nok" -eq 0 ] && { nok=1; failed=$((failed + 1)); echo "not ok - $name ran no test" >>"$log"; }
		printf 'FAIL %-6s %-32s %4d ok %d not ok  (%ds, log %s)\n' "$suite" "$name" "$ok" "$nok" "$secs" "$log"
		grep -E '^not ok|^# ' "$log" | head -20 | sed 's/^/    /'
		tail -n 15 "$log" | sed 's/^/    | /'
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
