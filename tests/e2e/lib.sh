# shellcheck shell=bash
# Shared helpers of the end-to-end tests (tests/e2e/test_*.sh); source it,
# then call e2e_init.  Needs root (namespaces, taps, QEMU).
#
# Every test runs in its own world: a temp dir $T (/tmp/uvnet-e2e.PID.NAME.*)
# and network namespaces named uvnet-e2e-PID-*, with uvnetd, QEMU and iperf3
# all running inside them.  An EXIT trap (also reached on SIGTERM/SIGINT/
# SIGHUP, and after the E2E_TIME_LIMIT watchdog fires) kills every process
# it started and every process still inside its namespaces, deletes the
# namespaces (and with them every tap and veth made there) and removes $T.
# Leftovers of a run that was SIGKILLed are swept by the next e2e_init.
#
# Output is TAP: tap_ok / tap_not_ok / tap_check / tap_cmp ... number the
# results; tap_done prints the plan "1..N" and exits 0 only if all passed.
#
#   E2E_TIME_LIMIT  seconds before the watchdog stops the test (default 230)
#   E2E_KEEP=1      keep $T (logs, serial consoles) after the run (the
#                   sweep of leftovers spares it; remove it yourself)
#   E2E_VERBOSE=1   print the logs as TAP comments even when everything passed
#   E2E_UVNETD_ARGS more uvnetd options for every start (e.g. "--workers 2 --poll event")
#   UVNET_BUILD     build directory with uvnetd and uvnetctl (default build/;
#                   build-asan/ runs the daemon under ASan/UBSan)
#   UVNET_ACCEL     QEMU accelerator (default: scripts/guest/pick-accel.sh)
#
# Sanitizers: with UVNET_BUILD=build-asan (what scripts/check.sh uses),
# uvnetd, uvnetctl, uvnet-bench and uvnet-vm are ASan+UBSan builds.  Their
# reports go to their stderr (log_path=stderr is appended to
# ASAN/LSAN/UBSAN_OPTIONS below, so a log_path from the caller cannot send
# them elsewhere), which the tests keep in $T/*.out; tap_done asserts that
# no uvnetd run wrote one, and that uvnetd exits 0 on SIGTERM (LeakSanitizer
# runs at that exit).  Against a build without sanitizers those assertions
# could not fail, so they are reported as skipped (tap_no_sanitizer_report).

set -uo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
UVNET_ROOT=$(cd "$E2E_DIR/../.." && pwd)
UVNET_BUILD=${UVNET_BUILD:-$UVNET_ROOT/build}
UVNETD=$UVNET_BUILD/src/daemon/uvnetd
UVNETCTL=$UVNET_BUILD/tools/uvnetctl
GUEST_SCRIPTS=$UVNET_ROOT/scripts/guest
# The test guests' RAM: QEMU's -m and the size of their memfd.  8 KiB over
# 256 MiB on purpose, see docs/migration.md ("QEMU 7.2 under TCG"): QEMU
# 7.2 syncs the dirty bitmap of a RAM block whose size is a multiple of
# 256 KiB by a fast path that forgets to re-arm TCG's dirty tracking, and a
# guest migrated under TCG then loses some of its own stores.
GUEST_RAM=${GUEST_RAM:-262152K}
PY=$(command -v /usr/bin/python3 || command -v python3 || echo python3)

# Sanitizer reports to the stderr of the process that found them (the last
# setting of an option wins).
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=stderr
export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}log_path=stderr
export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=stderr

E2E_PREFIX=uvnet-e2e
T=                  # this test's temp dir
E2E_NS=             # the namespace uvnetd (and the guests) run in
E2E_NETNS=()        # every namespace we made
E2E_PIDS=()         # every background process we started
E2E_WATCHDOG=
UVNETD_PID=
UVNETD_STARTS=0
UVNETD_OUTS=()      # stdout+stderr of every uvnetd started (checked by tap_done)
UVNETD_STATE=       # state file (default $T/state)
declare -A GUEST_PID=()

# ---- TAP ----

_tap_n=0
_tap_failed=0

tap_ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
tap_not_ok() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $*"; }
tap_skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP ${2:-}"; }

# diag TEXT...: TAP comment lines (each input line prefixed with "# ").
diag() {
    local line
    while IFS= read -r line; do printf '# %s\n' "$line"; done <<<"$*"
}
# diag_file FILE [LINES]: the last LINES (default 40) lines of FILE as comments.
diag_file() {
    [[ -f $1 ]] || return 0
    printf '# --- %s (last %s lines)\n' "${1#"$T"/}" "${2:-40}"
    tail -n "${2:-40}" "$1" | tr -d '\r' | sed 's/^/#   /'
}

# tap_check DESC CMD [ARG...]: ok if CMD succeeds.
tap_check() {
    local desc=$1
    shift
    if "$@"; then tap_ok "$desc"; else tap_not_ok "$desc"; return 1; fi
}

# tap_cmp DESC A OP B: integer comparison (OP: -eq -ne -gt -ge -lt -le);
# a non-number on either side fails.
tap_cmp() {
    local desc=$1 a=$2 op=$3 b=$4
    local num='^-?[0-9]+$'
    if [[ $a =~ $num && $b =~ $num ]] && test "$a" "$op" "$b"; then
        tap_ok "$desc"
    else
        tap_not_ok "$desc"
        diag "  got: '$a' $op '$b'"
        return 1
    fi
}

# tap_is DESC GOT WANT: string equality.
tap_is() {
    if [[ $2 == "$3" ]]; then tap_ok "$1"; else
        tap_not_ok "$1"
        diag "  got:  '$2'" "  want: '$3'"
        return 1
    fi
}

# tap_like DESC TEXT REGEX: TEXT matches the extended regex.
tap_like() {
    if grep -qE -- "$3" <<<"$2"; then tap_ok "$1"; else
        tap_not_ok "$1"
        diag "  '$2'" "  does not match /$3/"
        return 1
    fi
}

# sanitized BINARY: BINARY is built with ASan or UBSan.
sanitized() { LC_ALL=C grep -qaE '__(asan|ubsan)_' "$1" 2>/dev/null; }

# tap_no_sanitizer_report DESC BINARY FILE...: none of the FILEs (the
# stdout+stderr of runs of BINARY) holds an ASan, LSan or UBSan report;
# every FILE must exist.  A skip when BINARY has no sanitizer built in.
tap_no_sanitizer_report() {
    local desc=$1 bin=$2 f missing=() reports
    shift 2
    if ! sanitized "$bin"; then
        tap_skip "$desc" "${bin##*/} is not built with ASan/UBSan (UVNET_BUILD=build-asan)"
        return 0
    fi
    for f in "$@"; do [[ -f $f ]] || missing+=("${f#"$T"/}"); done
    if ((${#missing[@]} || $# == 0)); then
        tap_not_ok "$desc"
        diag "  no output to check: ${missing[*]:-no file given}"
        return 1
    fi
    reports=$(grep -lE 'Sanitizer|runtime error:' "$@")
    if [[ -z $reports ]]; then
        tap_ok "$desc"
        return 0
    fi
    tap_not_ok "$desc"
    for f in $reports; do
        diag "  ${f#"$T"/}:"
        diag "$(grep -E 'ERROR: |runtime error:|SUMMARY: ' "$f" | head -n 10 | sed 's/^/    /')"
    done
    return 1
}

# tap_done: stop uvnetd (it must exit 0, with no sanitizer report), print
# the plan, exit (the cleanup runs from the EXIT trap).
tap_done() {
    if [[ -n $UVNETD_PID ]]; then
        uvnetd_stop TERM 15
        tap_is "uvnetd exits with status 0 on SIGTERM" "$?" 0
    fi
    if ((${#UVNETD_OUTS[@]})); then
        tap_no_sanitizer_report "no sanitizer report from uvnetd" "$UVNETD" "${UVNETD_OUTS[@]}"
    fi
    echo "1..$_tap_n"
    ((_tap_failed == 0)) && exit 0
    exit 1
}

# e2e_bail REASON: a setup step failed; nothing after it makes sense.
e2e_bail() {
    tap_not_ok "$*"
    echo "Bail out! $*"
    echo "1..$_tap_n"
    exit 1
}

# ---- lifecycle ----

_log() { echo "e2e: $*" >>"$T/e2e.log"; }

# Namespaces and temp dirs of runs whose test process is gone (SIGKILLed).
_sweep_stale() {
    local ns pid dir
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$E2E_PREFIX-[0-9]*-" || true); do
        pid=${ns#"$E2E_PREFIX"-}
        pid=${pid%%-*}
        _alive_test "$pid" && continue
        _kill_ns_procs "$ns"
        ip netns del "$ns" 2>/dev/null || true
    done
    for dir in /tmp/"$E2E_PREFIX".*; do
        [[ -d $dir ]] || continue
        pid=${dir#/tmp/"$E2E_PREFIX".}
        pid=${pid%%.*}
        [[ $pid =~ ^[0-9]+$ ]] || continue
        [[ -e $dir/.kept ]] && continue # E2E_KEEP=1: the user removes it
        _alive_test "$pid" || rm -rf "$dir"
    done
}

# Is PID a live e2e test script?
_alive_test() {
    [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' </proc/"$1"/cmdline | grep -qE 'test_[a-z0-9_]*\.sh'
}

# Stop every process inside namespace NS (all of them are ours): SIGTERM,
# up to 2 s for them to go (a `timeout` reaps its child), then SIGKILL.
_kill_ns_procs() {
    local p left
    for p in $(ip netns pids "$1" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
    for _ in $(seq 20); do
        left=$(ip netns pids "$1" 2>/dev/null)
        [[ -z $left ]] && return 0
        sleep 0.1
    done
    for p in $left; do kill -KILL "$p" 2>/dev/null; done
    return 0
}

# e2e_init NAME: temp dir, main namespace $E2E_NS, traps, watchdog.
e2e_init() {
    local name=$1
    if [[ $(id -u) != 0 ]]; then
        echo "1..0 # SKIP end-to-end tests need root"
        exit 0
    fi
    _sweep_stale
    T=$(mktemp -d "/tmp/$E2E_PREFIX.$$.$name.XXXXXX")
    trap _e2e_exit EXIT
    trap '_e2e_signal TERM 143' TERM
    trap '_e2e_signal INT 130' INT
    trap '_e2e_signal HUP 129' HUP
    local t
    for t in "$UVNETD" "$UVNETCTL"; do
        [[ -x $t ]] || e2e_bail "$t is not built (ninja -C ${UVNET_BUILD#"$UVNET_ROOT"/})"
    done
    ns_add E2E_NS main || e2e_bail "cannot create a network namespace"
    # Watchdog: the test is bounded whatever happens inside it.  It ends
    # with the test, even a SIGKILLed one.
    (
        s=
        trap 'kill $s 2>/dev/null; exit 0' TERM
        end=$((SECONDS + ${E2E_TIME_LIMIT:-230}))
        while ((SECONDS < end)); do
            sleep 1 &
            s=$!
            wait $s
            kill -0 $$ 2>/dev/null || exit 0
        done
        echo "# e2e: time limit of ${E2E_TIME_LIMIT:-230} s reached" >&2
        kill -TERM $$
        # The trap runs only once the test's foreground command returns:
        # if that one hangs, stop the test's children (not this watchdog).
        for _ in $(seq 100); do
            kill -0 $$ 2>/dev/null || exit 0
            sleep 0.1
        done
        for c in $(pgrep -P $$); do
            [[ $c != "$BASHPID" ]] && kill -TERM "$c" 2>/dev/null
        done
    ) &
    E2E_WATCHDOG=$!
    _log "test $name, pid $$, dir $T"
}

_e2e_signal() {
    trap '' TERM INT HUP
    tap_not_ok "interrupted by SIG$1"
    echo "1..$_tap_n"
    exit "$2"
}

_e2e_exit() {
    local rc=$? p ns
    trap '' TERM INT HUP
    set +e
    if [[ -n $E2E_WATCHDOG ]]; then
        kill "$E2E_WATCHDOG" 2>/dev/null
        wait "$E2E_WATCHDOG" 2>/dev/null
    fi
    if [[ -n $T ]] && { ((rc != 0 || _tap_failed)) || [[ ${E2E_VERBOSE:-} == 1 ]]; }; then
        for p in "$T"/uvnetd*.log "$T"/*.serial "$T"/*.qemu.log "$T"/*.out; do
            [[ -s $p ]] && diag_file "$p" 60
        done
    fi
    # Polite first (QEMU and uvnetd tidy up on SIGTERM), then firm.  Only
    # our own children: a pid we reaped earlier may be someone else's now.
    local mine=()
    for p in "${E2E_PIDS[@]}"; do
        [[ $(_proc_stat "$p" 2) == "$$" ]] && mine+=("$p")
    done
    for p in "${mine[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for _ in $(seq 30); do
        local alive=0
        for p in "${mine[@]}"; do _pid_gone "$p" || alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for p in "${mine[@]}"; do _pid_gone "$p" || kill -KILL "$p" 2>/dev/null; done
    for ns in "${E2E_NETNS[@]}"; do _kill_ns_procs "$ns"; done
    for p in "${mine[@]}"; do wait "$p" 2>/dev/null; done
    for ns in "${E2E_NETNS[@]}"; do
        for _ in 1 2 3 4 5; do
            ip netns del "$ns" 2>/dev/null && break
            ip netns list | grep -qw "$ns" || break
            sleep 0.2
        done
    done
    if [[ -n $T && -d $T ]]; then
        if [[ ${E2E_KEEP:-} == 1 ]]; then
            touch "$T/.kept"
            echo "# e2e: kept $T" >&2
        else
            rm -rf "$T"
        fi
    fi
    exit "$rc"
}

# spawn CMD...: run CMD in the background, remember it for the cleanup; the
# pid is in $BG_PID.  CMD should be a program (ip netns exec ..., timeout
# ...), not a shell function: the cleanup signals that pid only.
spawn() {
    "$@" &
    BG_PID=$!
    E2E_PIDS+=("$BG_PID")
}

# wait_for SECONDS CMD [ARG...]: poll CMD every 0.2 s until it succeeds.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    while ! "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

# ---- namespaces ----

# ns_add VAR SUFFIX: create namespace uvnet-e2e-PID-SUFFIX, loopback up,
# IPv6 off (no RS/DAD/MLD noise in the counters); its name goes into VAR.
ns_add() {
    local name=$E2E_PREFIX-$$-$2
    ip netns add "$name" || return 1
    E2E_NETNS+=("$name")
    ip -n "$name" link set lo up
    ip netns exec "$name" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
        >/dev/null 2>&1
    printf -v "$1" '%s' "$name"
}

# in_ns NS CMD...: run CMD in NS.
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ns_ifup NS IF ADDR/PREFIX [MAC]: address and bring up an interface.
ns_ifup() {
    [[ -n ${4:-} ]] && ip -n "$1" link set "$2" address "$4"
    ip -n "$1" addr replace "$3" dev "$2" && ip -n "$1" link set "$2" up
}

# ---- uvnetd ----

# uvnetd_start [ARG...]: start uvnetd in $E2E_NS with $T/ctl.sock, $UVNETD_STATE,
# $T/uvnetd.pid and $T/uvnetd.N.log; wait until it answers.
uvnetd_start() {
    UVNETD_STARTS=$((UVNETD_STARTS + 1))
    UVNETD_OUTS+=("$T/uvnetd.$UVNETD_STARTS.out")
    # --foreground: stderr (where sanitizer reports go) stays on the .out
    # file; without it uvnetd daemonizes with stderr on /dev/null.
    # shellcheck disable=SC2086 # E2E_UVNETD_ARGS: words
    spawn ip netns exec "$E2E_NS" "$UVNETD" --foreground --control "$T/ctl.sock" --state "${UVNETD_STATE:-$T/state}" \
        --pid-file "$T/uvnetd.pid" --log-file "$T/uvnetd.$UVNETD_STARTS.log" ${E2E_UVNETD_ARGS:-} "$@" \
        >"$T/uvnetd.$UVNETD_STARTS.out" 2>&1
    UVNETD_PID=$BG_PID
    _log "uvnetd #$UVNETD_STARTS pid $UVNETD_PID"
    local deadline=$((SECONDS + 15))
    until [[ -S $T/ctl.sock ]] && timeout 5 "$UVNETCTL" --control "$T/ctl.sock" show >/dev/null 2>&1; do
        if _pid_gone "$UVNETD_PID" || ((SECONDS >= deadline)); then
            _log "uvnetd #$UVNETD_STARTS did not answer"
            return 1
        fi
        sleep 0.1
    done
}

# uvnetd_stop [SIGNAL] [SECONDS]: signal uvnetd (default TERM) and reap it;
# returns its exit status (128+N when killed by signal N), 124 if it would
# not exit in SECONDS (default 10; it is then SIGKILLed).
uvnetd_stop() { _uvnetd_stop "$@" 2>/dev/null; } # no "Killed" job notices
_uvnetd_stop() {
    local sig=${1:-TERM} secs=${2:-10} rc=0
    [[ -n $UVNETD_PID ]] || return 0
    kill -"$sig" "$UVNETD_PID" 2>/dev/null
    if ! wait_for "$secs" _pid_gone "$UVNETD_PID"; then
        kill -KILL "$UVNETD_PID" 2>/dev/null
        wait "$UVNETD_PID" 2>/dev/null
        UVNETD_PID=
        return 124
    fi
    wait "$UVNETD_PID" 2>/dev/null || rc=$?
    UVNETD_PID=
    return "$rc"
}

# uvnetd_start_other NS NAME: a further uvnetd (another "host") in
# namespace NS with control socket $T/NAME.ctl.sock, state $T/NAME.state
# and log $T/uvnetd-NAME.log; its stderr is checked by tap_done like the
# first one's.  Waits until it answers; its pid is in $BG_PID.
uvnetd_start_other() {
    local ns=$1 name=$2 pid
    # shellcheck disable=SC2086 # E2E_UVNETD_ARGS: words
    spawn ip netns exec "$ns" "$UVNETD" --foreground --control "$T/$name.ctl.sock" --state "$T/$name.state" \
        --pid-file "$T/$name.pid" --log-file "$T/uvnetd-$name.log" ${E2E_UVNETD_ARGS:-} \
        >"$T/uvnetd.$name.out" 2>&1
    pid=$BG_PID
    UVNETD_OUTS+=("$T/uvnetd.$name.out")
    local deadline=$((SECONDS + 15))
    until timeout 5 "$UVNETCTL" --control "$T/$name.ctl.sock" show >/dev/null 2>&1; do
        _pid_gone "$pid" || ((SECONDS >= deadline)) && return 1
        sleep 0.1
    done
    BG_PID=$pid
}

# uvnetd_stop_other PID: SIGTERM a uvnetd_start_other daemon and reap it;
# returns its exit status (SIGKILLed after 15 s: 124).
uvnetd_stop_other() {
    kill -TERM "$1" 2>/dev/null
    if ! wait_for 15 _pid_gone "$1"; then
        kill -KILL "$1" 2>/dev/null
        wait "$1" 2>/dev/null
        return 124
    fi
    wait "$1" 2>/dev/null
}

# _proc_stat PID N: field N after the command name of /proc/PID/stat
# (1: state, 2: parent pid).
_proc_stat() {
    local st
    st=$(cat /proc/"$1"/stat 2>/dev/null) || return 1
    st=${st##*) }
    # shellcheck disable=SC2086 # split into fields
    set -- "$2" $st
    local n=$1
    shift "$n"
    echo "$1"
}

# A child that exited but is not reaped is a zombie: gone for our purpose.
_pid_gone() {
    local st
    st=$(_proc_stat "$1" 1) || return 0
    [[ -z $st || $st == Z ]]
}

# ctl ARG...: uvnetctl against this test's uvnetd.
ctl() { timeout 10 "$UVNETCTL" --control "$T/ctl.sock" "$@"; }

# tap_vm_bridge HOST_ADDR/PREFIX [VM1_OPTION...]: uvnetd started with
# bridge br0 of TAP port tap0 (addressed and up in $E2E_NS) and vhost-user
# port vm1 on $T/vm1.sock (with the options given); bails out on failure.
tap_vm_bridge() {
    local host=$1
    shift
    uvnetd_start || e2e_bail "uvnetd starts and answers"
    ctl add-br br0 && ctl add-port br0 tap0 type=tap &&
        ctl add-port br0 vm1 type=vhost-user path="$T/vm1.sock" "$@" ||
        e2e_bail "bridge br0 with ports tap0, vm1${*:+ ($*)}"
    ns_ifup "$E2E_NS" tap0 "$host" || e2e_bail "tap0 configured"
}

# jget EXPR: evaluate the Python expression EXPR with `d` bound to the JSON
# document on stdin; prints the value (JSON for lists and objects; nothing
# and status 1 if EXPR fails, e.g. on a missing key).
jget() {
    "$PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
    r = eval(sys.argv[1])
except Exception as e:
    print("jget: %s: %r" % (sys.argv[1], e), file=sys.stderr)
    sys.exit(1)
print(json.dumps(r) if isinstance(r, (dict, list, bool)) or r is None else r)' "$1"
}

# stat_of PORT rx|tx packets|bytes|dropped|errors: one counter of one port.
stat_of() {
    ctl --json stats "$1" | jget "d['ports'][0]['$2']['$3']"
}

# stats_load ARRAY: snapshot every port's counters (one `stats --json`)
# into the associative array ARRAY, keys PORT.rx|tx.packets|bytes|dropped|errors.
stats_load() {
    local -n _arr=$1
    local k v
    _arr=()
    while read -r k v; do _arr["$k"]=$v; done < <(ctl --json stats | jget "'\\n'.join(
        '%s.%s.%s %d' % (p['name'], x, f, p[x][f])
        for p in d['ports'] for x in ('rx', 'tx') for f in p[x])")
}

# port_info PORT: the port's object of `show --json`.
port_info() {
    ctl --json show | jget "[p for b in d['bridges'] for p in b['ports'] if p['name'] == '$1'][0]"
}

# vring_of PORT INDEX FIELD: a field of one vring of a vhost-user port
# (index, running, size, packets); empty when the field is absent.
vring_of() {
    port_info "$1" | jget "[r for r in d['vrings'] if r['index'] == $2][0].get('$3', '')"
}

# vhost_ready PORT [NVRINGS]: the front-end is connected and the first
# NVRINGS (default 2) vrings run.
vhost_ready() {
    port_info "$1" | jget "d['connected'] and all(r['running'] for r in d['vrings'][:${2:-2}])" \
        2>/dev/null | grep -qx true
}

# ---- guests ----

GUEST_KERNEL=
GUEST_INITRD=
E2E_ACCEL=

# guest_prepare: build (or reuse the cached) test guest; pick the accelerator.
guest_prepare() {
    [[ -n $GUEST_KERNEL ]] && return 0
    command -v qemu-system-x86_64 >/dev/null || { _log "no qemu-system-x86_64"; return 1; }
    local paths
    paths=$("$GUEST_SCRIPTS/build-guest.sh" 2>>"$T/build-guest.log") || return 1
    GUEST_KERNEL=$(sed -n 's/^kernel=//p' <<<"$paths")
    GUEST_INITRD=$(sed -n 's/^initrd=//p' <<<"$paths")
    E2E_ACCEL=$("$GUEST_SCRIPTS/pick-accel.sh" 2>>"$T/build-guest.log") || E2E_ACCEL=tcg
    [[ -f $GUEST_KERNEL && -f $GUEST_INITRD ]]
}

# Shell functions every guest script gets (busybox sh).
_guest_preamble() {
    cat <<'EOF'
# -- e2e preamble --
# mark TEXT: a line the host waits for.
mark() { echo "E2E-MARK $*"; }
# wait_host TAG [SECONDS]: tell the host (E2E-WAIT TAG) and wait for its go
# on the control serial port (ttyS1); fails after SECONDS (default 120).
exec 3<>/dev/ttyS1
stty -F /dev/ttyS1 raw -echo 2>/dev/null
wait_host() {
    local line
    echo "E2E-WAIT $1"
    read -r -t "${2:-120}" line <&3 || { echo "E2E-WAIT-TIMEOUT $1"; return 1; }
    echo "E2E-GO $1 $line"
}
# ping_until IP [SECONDS]: one ping a second until one is answered.
ping_until() {
    local i=0
    while [ "$i" -lt "${2:-30}" ]; do
        ping -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0
        i=$((i + 1))
    done
    return 1
}
# -- test script --
EOF
}

# guest_start NAME MAC IP [OPTION...] [-- QEMU_ARG...] <SCRIPT
# Boot a guest in the background, in $E2E_NS, with a virtio-net-pci NIC on
# vhost-user socket $T/NAME.sock, the test script from stdin as /test.sh
# (after a preamble: mark, wait_host, ping_until) and its console in
# $T/NAME.serial.  IP (ADDR/PREFIX, or "" for none) becomes uvnet.ip.
# Options:
#   --sock PATH      vhost-user socket (default $T/NAME.sock)
#   --chardev OPTS   extra socket chardev options: server=on,wait=off or reconnect=1
#   --tap IFNAME     QEMU's own virtio-net back-end on tap IFNAME (vhost=off)
#                    instead of vhost-user: a control for QEMU's side
#   --queues N       N queue pairs (mq=on) and N vCPUs
#   --cpus N         N vCPUs (after --queues: fewer vCPUs than queue pairs)
#   --bin PATH       a host binary (and its libraries) into the guest
#   --nic OPTS       more virtio-net-pci properties, e.g. packed=on
#   --append ARGS    more kernel command line
#   --timeout S      QEMU's life limit (default 200)
guest_start() {
    local name=$1 mac=$2 ip=$3 sock chardev='' queues=1 cpus='' append='' limit=200 nic= bins=() tap=
    shift 3
    sock=$T/$name.sock
    while (($#)); do
        case $1 in
        --sock) sock=$2; shift 2 ;;
        --chardev) chardev=,$2; shift 2 ;;
        --tap) tap=$2; shift 2 ;;
        --queues) queues=$2; shift 2 ;;
        --cpus) cpus=$2; shift 2 ;;
        --bin) bins+=("$2"); shift 2 ;;
        --nic) nic=,$2; shift 2 ;;
        --append) append=$2; shift 2 ;;
        --timeout) limit=$2; shift 2 ;;
        --) shift; break ;;
        *) echo "guest_start: unknown option $1" >&2; return 2 ;;
        esac
    done
    guest_prepare || return 1
    { _guest_preamble; cat; } >"$T/$name.sh"
    "$GUEST_SCRIPTS/mkcpio-test.sh" "$T/$name.sh" "$T/$name.cpio.gz" "${bins[@]}" || return 1
    cat "$GUEST_INITRD" "$T/$name.cpio.gz" >"$T/$name.img"
    rm -f "$T/$name.serial" "$T/$name.ctl.in" "$T/$name.ctl.out"
    mkfifo "$T/$name.ctl.in" "$T/$name.ctl.out"
    local netdev=vhost-user,id=n0,chardev=c0 dev=virtio-net-pci,netdev=n0,mac=$mac,vectors=0$nic smp=()
    local backend=(-chardev "socket,id=c0,path=$sock$chardev")
    if [[ -n $tap ]]; then
        netdev=tap,id=n0,ifname=$tap,script=no,downscript=no,vhost=off
        backend=()
    fi
    if ((queues > 1)); then
        netdev+=,queues=$queues
        dev+=,mq=on
        smp=(-smp "$queues")
    fi
    [[ -z $cpus ]] || smp=(-smp "$cpus")
    # no_timer_check: on a loaded host a TCG guest can miss the kernel's
    # IO-APIC timer check and panic at boot ("IO-APIC + timer doesn't work")
    # shellcheck disable=SC2054 # commas belong to QEMU option values
    local qemu=(qemu-system-x86_64 -accel "$E2E_ACCEL" -m "$GUEST_RAM" "${smp[@]}" -nodefaults -display none
        -no-reboot -serial "file:$T/$name.serial" -serial "pipe:$T/$name.ctl"
        -kernel "$GUEST_KERNEL" -initrd "$T/$name.img"
        -append "console=ttyS0 quiet panic=-1 no_timer_check ipv6.disable=1${ip:+ uvnet.ip=$ip} $append"
        -object "memory-backend-memfd,id=mem,size=$GUEST_RAM,share=on" -numa node,memdev=mem
        "${backend[@]}" -netdev "$netdev" -device "$dev" "$@")
    printf '%q ' "${qemu[@]}" >"$T/$name.cmdline"
    spawn ip netns exec "$E2E_NS" timeout -k 5 "$limit" "${qemu[@]}" >"$T/$name.qemu.log" 2>&1
    GUEST_PID[$name]=$BG_PID
    _log "guest $name pid $BG_PID: $(cat "$T/$name.cmdline")"
}

# guest_serial NAME: the guest's console so far, without carriage returns.
guest_serial() { tr -d '\r' 2>/dev/null <"$T/$1.serial"; }

# guest_wait_line NAME REGEX SECONDS: wait for a console line matching
# REGEX (extended); fails early if QEMU exits.
guest_wait_line() {
    local name=$1 re=$2 deadline=$((SECONDS + $3))
    while ! guest_serial "$name" | grep -qE -- "$re"; do
        if _pid_gone "${GUEST_PID[$name]}"; then
            guest_serial "$name" | grep -qE -- "$re"
            return
        fi
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

# guest_wait_mark NAME TEXT SECONDS: wait for `mark TEXT` (or wait_host TEXT).
guest_wait_mark() { guest_wait_line "$1" "^E2E-(MARK|WAIT) $2\$" "$3"; }

# guest_go NAME [WORD]: answer the guest's wait_host.
guest_go() { timeout 5 bash -c 'echo "$1" >"$2"' _ "${2:-go}" "$T/$1.ctl.in"; }

# guest_wait NAME SECONDS: wait for UVNET-TEST-EXIT; prints the status.
# Fails if it does not come (QEMU is then killed).  Reaps QEMU.
guest_wait() {
    local name=$1 st
    if ! guest_wait_line "$name" '^UVNET-TEST-EXIT [0-9]+' "$2"; then
        guest_kill "$name"
        return 1
    fi
    st=$(guest_serial "$name" | sed -n 's/^UVNET-TEST-EXIT \([0-9]*\).*/\1/p' | head -n1)
    wait_for 15 _pid_gone "${GUEST_PID[$name]}" || kill -TERM "${GUEST_PID[$name]}" 2>/dev/null
    wait "${GUEST_PID[$name]}" 2>/dev/null
    echo "$st"
}

# guest_kill NAME: stop a guest now.
guest_kill() { _guest_kill "$@" 2>/dev/null; }
_guest_kill() {
    local pid=${GUEST_PID[$1]}
    kill -TERM "$pid" 2>/dev/null
    wait_for 5 _pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# ---- host-side traffic ----

# iperf3_server NS PORT OUTFILE [ARG...]: one-shot iperf3 server (JSON
# report to OUTFILE) in NS; waits until it listens.
iperf3_server() {
    local ns=$1 port=$2 out=$3
    shift 3
    spawn ip netns exec "$ns" timeout -k 2 150 iperf3 -s -1 -p "$port" --json "$@" >"$out" 2>&1
    wait_for 10 _listening "$ns" "$port"
}

# iperf3_received JSONFILE: bytes the receiving side counted (end.sum_received).
iperf3_received() {
    [[ -s $1 ]] && jget "d['end']['sum_received']['bytes']" <"$1" 2>/dev/null
}

_listening() { [[ -n $(ip netns exec "$1" ss -Hltn "sport = :$2") ]]; }

# hping NS ARG...: ping from NS (busybox ping: the host may have no other).
hping() {
    local ns=$1
    shift
    ip netns exec "$ns" timeout 60 busybox ping "$@" 2>&1
}

# ping_stats OUTPUT: "TRANSMITTED RECEIVED" from ping's summary.
ping_stats() {
    sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) \(packets \)\{0,1\}received.*/\1 \2/p' <<<"$1" |
        tail -n1
}

# bench_run NAME ARG...: uvnet-bench ($BENCH) ARG... --json in the
# foreground, at most 60 s; the summary in $T/NAME.json, progress in
# $T/NAME.out.  Returns its status.
bench_run() {
    local name=$1
    shift
    timeout -k 5 60 "$BENCH" "$@" --json >"$T/$name.json" 2>"$T/$name.out"
}

# bench_field NAME EXPR: a field of a bench_run's JSON summary (EXPR over d).
bench_field() { jget "$2" <"$T/$1.json"; }

# ---- QMP ----

# qmp_call SOCKET COMMAND [ARGUMENTS_JSON]: one QMP command on a QEMU
# monitor socket; prints its "return" as JSON, fails on an error reply.
qmp_call() {
    timeout 20 "$PY" - "$@" <<'PYEOF'
import json, socket, sys

sock = socket.socket(socket.AF_UNIX)
sock.settimeout(10)
sock.connect(sys.argv[1])
f = sock.makefile("rw")


def call(cmd, args=None):
    msg = {"execute": cmd}
    if args:
        msg["arguments"] = args
    f.write(json.dumps(msg) + "\n")
    f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r:
            return r["return"]
        if "error" in r:
            sys.exit(f"qmp {cmd}: {r['error'].get('desc')}")


json.loads(f.readline())  # the greeting
call("qmp_capabilities")
print(json.dumps(call(sys.argv[2], json.loads(sys.argv[3]) if len(sys.argv) > 3 else None)))
PYEOF
}
