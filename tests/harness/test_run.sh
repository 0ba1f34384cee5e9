#!/usr/bin/env bash
# Self-test of the test runner, itself a TAP program: writes fake TAP
# programs to a temp dir, runs tests/run.sh on them and checks the last
# line ("N passed, N failed[, N skipped]"), the exit status, the
# per-program verdict and the reasons it gives.  Run against the old
# runner (it counted "ok" lines), it fails.
#
# usage: tests/harness/test_run.sh [RUN_SH]
#   RUN_SH: the runner under test (default: tests/run.sh next to this dir)
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run_sh=${1:-$here/../run.sh}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/uvnet-harness.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin" "$tmp/logs"

n=0
nfailed=0
# A "#" in a description is escaped ("\#"): unescaped, "# SKIP" in
# "1..0 # SKIP: ..." would make the line a skip.
ok() { n=$((n + 1)); echo "ok $n - ${*//#/\\#}"; }
not_ok() { n=$((n + 1)); nfailed=$((nfailed + 1)); echo "not ok $n - ${*//#/\\#}"; }
diag() { sed 's/^/# /'; }

# fake NAME <BODY: an executable bash script $tmp/bin/NAME.
fake() {
	{
		echo '#!/usr/bin/env bash'
		cat
	} >"$tmp/bin/$1"
	chmod +x "$tmp/bin/$1"
}

# run NAME...: run.sh on the fakes NAME... (suite "t"; a NAME may have
# NAME=VALUE words and arguments around it); its output in $out, its last
# line in $last, its status in $rc.
out='' last='' rc=0
run() {
	local items=() f i words
	for f in "$@"; do
		read -r -a words <<<"$f"
		for i in "${!words[@]}"; do
			if [[ ${words[i]} != *=* ]]; then
				words[i]=$tmp/bin/${words[i]}
				break
			fi
		done
		items+=("t:${words[*]}")
	done
	rm -f "$tmp"/logs/*
	out=$(cd "$tmp" && UVNET_TEST_LOGS="$tmp/logs" UVNET_TEST_TIMEOUT="${TIMEOUT:-60}" \
		"$run_sh" "${items[@]}" 2>&1)
	rc=$?
	last=$(tail -n 1 <<<"$out")
}

# expect DESC LAST STATUS NAME...: run.sh on NAME... ends with LAST and
# exits 0 (STATUS 0) or non-zero (STATUS 1).
expect() {
	local desc=$1 want=$2 want_rc=$3 got_rc=0
	shift 3
	run "$@"
	((rc)) && got_rc=1
	if [[ $last == "$want" && $got_rc == "$want_rc" ]]; then
		ok "$desc: \"$want\", status $want_rc"
	else
		not_ok "$desc"
		diag <<<"want: \"$want\", status $want_rc"$'\n'"got:  \"$last\", status $rc"
		diag <<<"$out"
	fi
}

# has DESC REGEX [FILE]: the last run's output (or FILE) has a line matching REGEX.
has() {
	if grep -qE -- "$2" "${3:-/dev/stdin}" <<<"$out"; then
		ok "$1"
	else
		not_ok "$1"
		diag <<<"no line matches /$2/ in ${3:-the output of run.sh}:"
		if [[ -n ${3:-} ]]; then diag <"$3"; else diag <<<"$out"; fi
	fi
}

fake plan_ok <<'EOF'
echo 1..3; echo "ok 1 - a"; echo "ok 2 - b"; echo "ok 3 - c"
EOF
fake plan_short <<'EOF'
echo 1..5; echo "ok 1 - a"; echo "ok 2 - b"; echo "ok 3 - c"
EOF
fake plan_long <<'EOF'
echo 1..1; echo "ok 1 - a"; echo "ok 2 - b"
EOF
fake plan_missing <<'EOF'
echo "ok 1 - a"; echo "ok 2 - b"
EOF
fake plan_at_end <<'EOF'
echo "ok 1 - a"; echo "# a comment"; echo "ok 2 - b"; echo 1..2
EOF
fake plan_twice <<'EOF'
echo 1..2; echo "ok 1 - a"; echo "ok 2 - b"; echo 1..2
EOF
fake plan_middle <<'EOF'
echo "ok 1 - a"; echo 1..2; echo "ok 2 - b"
EOF
fake skips <<'EOF'
echo 1..6
echo "ok 1 - a"
echo "ok 2 - b # SKIP no dpdk-testpmd"
echo "ok 3 - c # skip lower case"
echo "ok 4 - d #Skipped: spelled out"
echo "not ok 5 - e # TODO not written yet"
echo "ok 6 - skip logic, a description and no directive"
EOF
fake escaped <<'EOF'
echo 1..2; echo 'ok 1 - a \# SKIP escaped, not a directive'; echo 'ok 2 - b # TODOS: not a TODO'
EOF
fake cmocka_skip <<'EOF'
echo 1..3; echo "ok 1 - a"; echo "not ok 2 # SKIP b"; echo "not ok 3 - c"; echo "# not ok - group"; exit 1
EOF
fake whole_skip <<'EOF'
echo "1..0 # SKIP end-to-end tests need root"
EOF
fake whole_skip_rc <<'EOF'
echo "1..0 # SKIP no reason to fail"; exit 2
EOF
fake plan_zero <<'EOF'
echo 1..0
EOF
fake crash <<'EOF'
echo 1..2; echo "ok 1 - a"; echo "ok 2 - b"; kill -SEGV $$
EOF
fake exit_status <<'EOF'
echo "ok 1 - a"; echo "ok 2 - b"; echo 1..2; exit 3
EOF
fake bail <<'EOF'
echo 1..1; echo "ok 1 - a"; echo "Bail out! the network is gone"
EOF
fake fails <<'EOF'
echo 1..2; echo "ok 1 - a"; echo "not ok 2 - b"; exit 1
EOF
fake env_args <<'EOF'
echo 1..2
[[ ${E2E_X:-} == 1 && ${E2E_Y:-} == b=c ]] && echo "ok 1 - NAME=VALUE words set" || echo "not ok 1 - E2E_X='${E2E_X:-}' E2E_Y='${E2E_Y:-}'"
[[ $* == "arg1 arg2" ]] && echo "ok 2 - arguments passed" || echo "not ok 2 - arguments: $*"
EOF
fake no_env <<'EOF'
echo 1..1
[[ -z ${E2E_X:-} ]] && echo "ok 1 - E2E_X is not set" || echo "not ok 1 - E2E_X='$E2E_X' from the program before"
EOF
fake hangs <<'EOF'
echo 1..1; exec sleep 30
EOF

expect "plan matches" "3 passed, 0 failed" 0 plan_ok
has "a passing program is PASS with its counts" '^PASS t +plan_ok +3 passed +0 failed +0 skipped'
expect "plan at the end" "2 passed, 0 failed" 0 plan_at_end
expect "plan short: 3 of 5 ran" "3 passed, 1 failed" 1 plan_short
has "plan short: FAIL" '^FAIL t +plan_short +3 passed +1 failed'
has "plan short: the reason is printed" 'run\.sh: planned 5 tests, 3 result lines'
has "plan short: the reason is in the log" '^# run\.sh: planned 5 tests, 3 result lines' "$tmp/logs/t-plan_short.log"
expect "plan long: 2 results for 1..1" "2 passed, 1 failed" 1 plan_long
expect "plan missing" "2 passed, 1 failed" 1 plan_missing
has "plan missing: the reason is printed" 'run\.sh: no TAP plan'
expect "plan printed twice" "2 passed, 1 failed" 1 plan_twice
has "plan printed twice: the reason is printed" 'run\.sh: the TAP plan was printed 2 times'
expect "plan in the middle of the results" "2 passed, 1 failed" 1 plan_middle
expect "SKIP and TODO lines count as skipped" "2 passed, 0 failed, 4 skipped" 0 skips
has "skips: the program line shows them" '^PASS t +skips +2 passed +0 failed +4 skipped'
has "skips: the summary gives the reason" '^skipped:$'
has "skips: the summary names the case" '^ +t +skips: ok 2 - b # SKIP no dpdk-testpmd$'
has "skips: the TODO is listed" '^ +t +skips: not ok 5 - e # TODO not written yet$'
expect "an escaped SKIP and a TODOS are no directives" "2 passed, 0 failed" 0 escaped
expect "cmocka's skip() (not ok N # SKIP name) is a skip" "1 passed, 1 failed, 1 skipped" 1 cmocka_skip
has "cmocka's skip(): listed" '^ +t +cmocka_skip: not ok 2 # SKIP b$'
expect "1..0 # SKIP: the whole program is one skip" "0 passed, 0 failed, 1 skipped" 0 whole_skip
has "whole skip: SKIP line" '^SKIP t +whole_skip +0 passed +0 failed +1 skipped'
has "whole skip: the summary gives the reason" 'whole_skip: whole program: end-to-end tests need root$'
expect "1..0 # SKIP and exit status 2 is a failure" "0 passed, 1 failed" 1 whole_skip_rc
expect "1..0 without a reason is a failure" "0 passed, 1 failed" 1 plan_zero
expect "a crash after all ok" "2 passed, 1 failed" 1 crash
has "crash: the signal is printed" 'run\.sh: killed by signal 11'
expect "exit status 3 after all ok" "2 passed, 1 failed" 1 exit_status
expect "Bail out! is a failure" "1 passed, 1 failed" 1 bail
has "bail: the reason is printed" 'run\.sh: Bail out! the network is gone'
expect "a not ok line: one failure, not two" "1 passed, 1 failed" 1 fails
expect "NAME=VALUE words before a program: its environment only" "3 passed, 0 failed" 0 \
	"E2E_X=1 E2E_Y=b=c env_args arg1 arg2" no_env
has "NAME=VALUE: the program is named by its path" '^PASS t +env_args +2 passed'
TIMEOUT=1 expect "a program over the time limit" "0 passed, 1 failed" 1 hangs
has "timeout: the reason is printed" 'run\.sh: timed out after 1 s'
expect "several programs add up" "9 passed, 2 failed, 5 skipped" 1 \
	plan_ok skips whole_skip plan_short fails
if [[ $(grep -cE '^(PASS|SKIP|FAIL) t ' <<<"$out") == 5 ]]; then
	ok "several: one line per program"
else
	not_ok "several: one line per program"
	diag <<<"$out"
fi
has "several: the skips of both programs are listed" '^ +t +whole_skip: whole program: '
expect "all passing: no skipped count" "5 passed, 0 failed" 0 plan_ok plan_at_end

echo "1..$n"
((nfailed == 0))
