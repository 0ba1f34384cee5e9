#!/usr/bin/env bash
# Test runner: runs TAP programs one after the other and judges each one by
# its TAP output and its exit status.
#
#  - The plan "1..N" must appear exactly once, before the first result line
#    (cmocka) or after the last one (the e2e scripts), and the program must
#    print exactly N result lines ("ok ..." / "not ok ...").  A missing,
#    repeated or misplaced plan, or a result count that differs from N,
#    fails the program even if every line it printed said ok.
#  - "ok ... # SKIP reason" (SKIP in any case; also "skipped") counts as
#    skipped, never as passed.  So does "not ok N # SKIP name": that is how
#    cmocka 1.1 prints a test that called skip().
#  - "# TODO" results, ok or not ok, count as skipped: known unfinished
#    work, neither passed nor failed (as in TAP, a failing TODO is not a
#    failure).  They are listed with the skips.
#  - "1..0 # SKIP reason", no result line and exit status 0 (e.g. the e2e
#    tests run without root): the whole program is one skip.  "1..0"
#    without a SKIP reason is a failure.
#  - "Bail out!", a plan problem, a timeout, or a non-zero exit status
#    without any "not ok" line (a crash, a sanitizer abort) adds one
#    failure for the program, on top of its "not ok" lines; the reasons are
#    appended to its log as "# run.sh: ..." and printed.
#
# Output: one line per program (PASS, FAIL or SKIP; passed, failed and
# skipped counts), the skipped programs and cases with their reasons, and
# a last line "N passed, N failed", or "N passed, N failed, N skipped" when
# anything was skipped.  Exits non-zero iff anything failed.  Logs go to
# $UVNET_TEST_LOGS (default test-logs/), one per program.
#
# usage: tests/run.sh SUITE:PROGRAM [SUITE:PROGRAM ...]
#   PROGRAM is a path, with arguments separated by spaces, run under a
#   per-program timeout ($UVNET_TEST_TIMEOUT seconds, default 900).  It may
#   be preceded by NAME=VALUE words, set in its environment only
#   ("e2e:UVNET_BUILD=/x/build-asan tests/e2e/test_vlan.sh").
set -uo pipefail

logs=${UVNET_TEST_LOGS:-test-logs}
timeout_s=${UVNET_TEST_TIMEOUT:-900}
mkdir -p "$logs"
export CMOCKA_MESSAGE_OUTPUT=TAP

# judge LOG RC TIMEDOUT: reads a program's TAP; prints "counts P F S", then
# one "why REASON" line per reason the program fails as a whole, and one
# "skip TEXT" line per skipped or TODO case (or the whole-program skip).
judge() {
	awk -v rc="$2" -v timedout="$3" -v limit="$timeout_s" '
	function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
	# The directive: what follows the first unescaped "#" of a result line.
	function directive(line,   s, i) {
		s = line
		gsub(/\\#/, "..", s)
		i = index(s, "#")
		return i ? trim(substr(line, i + 1)) : ""
	}
	# "SKIP reason" -> "reason"
	function reason(d) {
		sub(/^[^ \t]*[ \t]*/, "", d)
		return d == "" ? "no reason given" : d
	}
	{ sub(/\r$/, "") }
	/^1\.\.[0-9]+[ \t]*(#.*)?$/ {
		plans++
		if (plans == 1) {
			plan = substr($0, 4)
			sub(/[^0-9].*/, "", plan)
			plan += 0
			before = results
			d = directive($0)
			if (tolower(d) ~ /^skip/) {
				plan_skip = 1
				plan_why = reason(d)
			}
		}
		next
	}
	/^(not )?ok([ \t]|$)/ {
		results++
		if (plans)
			after++
		notok = ($0 ~ /^not /)
		d = tolower(directive($0))
		if (d ~ /^todo([^a-z0-9_]|$)/ || d ~ /^skip/) {
			skipped++
			skips[++nskips] = $0
		} else if (notok) {
			failed++
		} else {
			passed++
		}
		next
	}
	/^Bail out!/ {
		if (!bail)
			bail_why = trim(substr($0, 10))
		bail++
	}
	END {
		if (plans == 0)
			why[++nwhy] = "no TAP plan (1..N) was printed"
		else if (plans > 1)
			why[++nwhy] = "the TAP plan was printed " plans " times"
		else if (plan == 0 && results > 0)
			why[++nwhy] = "plan 1..0 but " results " result lines"
		else if (plan == 0 && !plan_skip)
			why[++nwhy] = "plan 1..0 without a # SKIP reason"
		else if (results != plan)
			why[++nwhy] = "planned " plan " tests, " results " result lines"
		else if (before > 0 && after > 0)
			why[++nwhy] = "the plan is in the middle of the results"
		if (bail)
			why[++nwhy] = "Bail out!" (bail_why == "" ? "" : " " bail_why)
		if (timedout)
			why[++nwhy] = "timed out after " limit " s"
		else if (rc != 0 && failed == 0)
			why[++nwhy] = rc > 128 ? "killed by signal " (rc - 128) " (status " rc ")" : "exited with status " rc
		if (nwhy)
			failed++
		else if (plans == 1 && plan == 0) {
			skipped = 1
			skips[++nskips] = "whole program: " plan_why
		}
		printf "counts %d %d %d\n", passed, failed, skipped
		for (i = 1; i <= nwhy; i++)
			print "why " why[i]
		for (i = 1; i <= nskips; i++)
			print "skip " skips[i]
	}' "$1"
}

passed=0
failed=0
skipped=0
skip_notes=()
t0=$(date +%s)
for item in "$@"; do
	suite=${item%%:*}
	prog=${item#*:}
	read -r -a cmd <<<"$prog"
	vars=()
	while [ "${#cmd[@]}" -gt 1 ] && [[ ${cmd[0]} =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
		vars+=("${cmd[0]}")
		cmd=("${cmd[@]:1}")
	done
	name=$(basename "${cmd[0]}")
	log="$logs/$suite-$name.log"
	start=$(date +%s)
	env ${vars[@]+"${vars[@]}"} timeout --kill-after=10 "$timeout_s" "${cmd[@]}" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	# timeout(1): 124 when its SIGTERM ended the program, 137 when the
	# SIGKILL --kill-after sends was needed.
	timedout=0
	if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && [ "$secs" -ge "$timeout_s" ]; }; then
		timedout=1
	fi
	p=0 f=0 s=0
	whys=()
	while IFS= read -r line; do
		case $line in
		"counts "*) read -r _ p f s <<<"$line" ;;
		"why "*) whys+=("${line#why }") ;;
		"skip "*) skip_notes+=("$(printf '%-6s %s: %s' "$suite" "$name" "${line#skip }")") ;;
		esac
	done < <(judge "$log" "$rc" "$timedout")
	for w in "${whys[@]}"; do
		echo "# run.sh: $w" >>"$log"
	done
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	counts=$(printf '%4d passed %3d failed %3d skipped' "$p" "$f" "$s")
	if [ "$f" -gt 0 ]; then
		printf 'FAIL %-6s %-32s %s  (%ds, log %s)\n' "$suite" "$name" "$counts" "$secs" "$log"
		for w in "${whys[@]}"; do
			echo "    run.sh: $w"
		done
		# Each "not ok" with the comment lines right after it (its diagnostics).
		awk '/^not ok/ { print; d = 1; next } d && /^#/ && !/^# run\.sh: / { print; next } { d = 0 }' \
			"$log" | head -n 40 | sed 's/^/    /'
		tail -n 15 "$log" | sed 's/^/    | /'
	elif [ "$p" -eq 0 ] && [ "$s" -gt 0 ]; then
		printf 'SKIP %-6s %-32s %s  (%ds)\n' "$suite" "$name" "$counts" "$secs"
	else
		printf 'PASS %-6s %-32s %s  (%ds)\n' "$suite" "$name" "$counts" "$secs"
	fi
done
if [ "${#skip_notes[@]}" -gt 0 ]; then
	echo "skipped:"
	printf '    %s\n' "${skip_notes[@]}"
fi
echo "$# programs in $(($(date +%s) - t0)) s"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
