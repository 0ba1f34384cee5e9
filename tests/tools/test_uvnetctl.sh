#!/usr/bin/env bash
# uvnetctl's command line, without a daemon: --help lists every verb of
# the table (src/control/verbs.h), usage errors exit 2 with one line, and
# the options are taken anywhere (a request that passes the checks fails
# with "cannot connect", status 1, since nothing listens).  TAP.
#
#   UVNET_BUILD  build directory (default build/)
# shellcheck disable=SC2015 # ok/not_ok always succeed: A && ok || not_ok is if-then-else
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ctl=${UVNET_BUILD:-$root/build}/tools/uvnetctl
tmp=$(mktemp -d /tmp/uvnet-test-uvnetctl.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sock=$tmp/none.sock     # never created: every request fails to connect

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

# expect DESC STATUS REGEX ARG...: uvnetctl ARG... exits STATUS with one
# line on stderr matching REGEX.
expect() {
    local desc=$1 want=$2 re=$3 err rc=0
    shift 3
    err=$("$ctl" "$@" 2>&1 >/dev/null) || rc=$?
    if ((rc == want)) && [[ $(wc -l <<<"$err") == 1 ]] && grep -qE -- "$re" <<<"$err"; then
        ok "$desc"
    else
        not_ok "$desc"
        printf '# uvnetctl %s\n# status %s (wanted %s), stderr:\n' "$*" "$rc" "$want"
        printf '#   %s\n' "${err//$'\n'/$'\n#   '}"
        echo "#   wanted one line matching /$re/"
    fi
}
no_daemon='^uvnetctl: cannot connect to '"$sock"': '

[[ -x $ctl ]] || { echo "1..0 # SKIP no $ctl (build first)"; exit 0; }

# ---- --help ----
help=$("$ctl" --help) && ok "--help exits 0" || not_ok "--help exits 0"
mapfile -t verbs < <(grep -oE '^[[:space:]]*X\([A-Z_]+, "[a-z-]+"' "$root/src/control/verbs.h" | grep -oE '"[a-z-]+"' | tr -d '"')
((${#verbs[@]} >= 10)) && ok "the verb table has ${#verbs[@]} verbs" || not_ok "verbs.h read: ${verbs[*]}"
missing=()
for v in "${verbs[@]}"; do grep -qE "^  $v( |\$)" <<<"$help" || missing+=("$v"); done
((${#missing[@]} == 0)) && ok "--help lists every verb" || not_ok "--help lacks: ${missing[*]}"
for o in --control --json --help; do
    grep -qE -- "^  $o " <<<"$help" && ok "--help describes $o" || not_ok "--help describes $o"
done
grep -q 'after -- ' <<<"${help,,}" && ok "--help states the option rule" || not_ok "--help states the option rule"
[[ $("$ctl" show --help) == "$help" ]] && ok "--help after the command" || not_ok "--help after the command"

# ---- usage errors: status 2, nothing sent ----
rc=0; err=$("$ctl" --control "$sock" 2>&1 >/dev/null) || rc=$?
((rc == 2)) && [[ $err == "usage: uvnetctl "* ]] && ok "no command: the usage, status 2" ||
    not_ok "no command: the usage, status 2 (got $rc)"
expect "unknown command" 2 '^uvnetctl: frobnicate: unknown command \(see uvnetctl --help\)$' --control "$sock" frobnicate
expect "too few words" 2 '^uvnetctl: add-br: usage: uvnetctl add-br BRIDGE$' --control "$sock" add-br
expect "too many words" 2 '^uvnetctl: show: usage: uvnetctl show$' --control "$sock" show extra
expect "unknown option before the command" 2 '^uvnetctl: --frob: unknown option' --control "$sock" --frob show
expect "--control without a path" 2 '^uvnetctl: --control: needs a PATH$' show --control
expect "after --, --json is a word" 2 '^uvnetctl: show: usage: ' --control "$sock" show -- --json
expect "after --, even the command" 2 '^uvnetctl: --json: unknown command' --control "$sock" -- --json show

# capture reads its own options (-w -c --direction --snaplen) before it connects
cap_usage='\(usage: uvnetctl capture PORT \[-w FILE\|-\] \[-c COUNT\] \[--direction in\|out\|both\] \[--snaplen N\]\)$'
expect "capture without a port" 2 '^uvnetctl: capture: usage: uvnetctl capture PORT ' --control "$sock" capture
expect "capture of two ports" 2 '^uvnetctl: capture: vm2: unknown option or extra word$' --control "$sock" capture vm1 vm2
expect "capture --direction sideways" 2 "^uvnetctl: capture: --direction: in, out or both $cap_usage" \
    --control "$sock" capture vm1 --direction sideways
expect "capture -c 0" 2 "^uvnetctl: capture: -c: COUNT is a number from 1 $cap_usage" --control "$sock" capture vm1 -c 0
expect "capture --snaplen=262145" 2 "^uvnetctl: capture: --snaplen: a number from 0 to 262144 \(0: 262144\) $cap_usage" \
    --control "$sock" capture vm1 --snaplen=262145
expect "capture -w without a file" 2 "^uvnetctl: capture: -w: needs a FILE \(- for standard output\) $cap_usage" \
    --control "$sock" capture vm1 -w
expect "capture -w into a directory that is not there" 1 '^uvnetctl: -w: .*/nowhere/x.pcap' \
    --control "$sock" capture vm1 -w "$tmp/nowhere/x.pcap"
expect "capture with good options reaches for the socket" 1 "$no_daemon" \
    --control "$sock" capture vm1 -w "$tmp/x.pcap" -c 5 --direction in --snaplen 0

# ---- options anywhere: these pass the checks and reach for the socket ----
expect "--json before the command" 1 "$no_daemon" --control "$sock" --json show
expect "--json after the command" 1 "$no_daemon" --control "$sock" show --json
expect "--json between the words" 1 "$no_daemon" --control "$sock" fdb-show --json br0
expect "--control after the command" 1 "$no_daemon" show --json --control "$sock"
expect "--control=PATH" 1 "$no_daemon" stats --control="$sock"
expect "tag=-1 and a word with a dash stay words" 1 "$no_daemon" \
    add-port br0 p1 type=tap tag=-1 -x --control "$sock"

echo "1..$n"
((failed == 0))
