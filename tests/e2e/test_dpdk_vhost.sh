#!/usr/bin/env bash
# Our virtio-user front-end (uvnet-bench) against DPDK's vhost PMD: one
# dpdk-testpmd is the vhost-user back-end with two vhost ports, v0 and v1,
# and forwards in io mode (port 0 RX -> port 1 TX, port 1 RX -> port 0 TX).
# `uvnet-bench loop` sends UDP frames into v0 and receives them from v1 at
# a modest rate with at most --window frames in flight (below the RX ring
# size: no frame can be dropped for lack of RX buffers).  Every frame must
# arrive, in order, intact, and the counts must agree on both sides: what
# the bench sent = what testpmd received on port 0, what the bench received
# = what testpmd sent out of port 1 (testpmd prints its forward statistics
# when SIGTERM stops it).  The bench's receiver announces its MAC once a
# second (a broadcast on v1); testpmd carries those back into v0, where the
# bench's sender counts them as "other" frames: that direction is checked
# too.
#
# Cases: split and packed rings x mergeable RX buffers on and off,
# in-order (split and packed), 2 queue pairs (split and packed; both
# queue pairs must carry frames), the vhost PMD as the vhost-user client
# (client=1, the bench listens), and tx and rx as two processes with the
# traffic the other way round (v1 -> port 1 -> port 0 -> v0).
#
# Each case has its own testpmd (--file-prefix uvnet-e2e-PID-vhost-CASE),
# sockets in $T; testpmd_stop stops testpmd and removes its DPDK runtime
# directory (/var/run/dpdk/uvnet-e2e-PID-vhost-CASE; DPDK leaves it) after
# the case, and the EXIT trap removes whatever a failure or a signal left.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init dpdk_vhost

BENCH=$UVNET_BUILD/tools/uvnet-bench
RATE=${E2E_BENCH_RATE:-20000}
SECS=${E2E_BENCH_SECONDS:-2}
DPDK_RUN=/var/run/dpdk
TP_PID=          # the running testpmd, if any
TP_NAME=
TP_FD=           # our end of its stdin fifo

# testpmd_stop: SIGTERM the running testpmd (it prints its forward
# statistics and exits), SIGKILL it after 20 s; reap it, close its stdin,
# remove its DPDK runtime directory.  Returns 0 if it went on SIGTERM.
testpmd_stop() { _testpmd_stop 2>/dev/null; } # no "Terminated" job notices
_testpmd_stop() {
    local rc=0
    [[ -n $TP_PID ]] || return 0
    kill -TERM "$TP_PID"
    if ! wait_for 20 _pid_gone "$TP_PID"; then
        kill -KILL "$TP_PID"
        rc=1
    fi
    wait "$TP_PID"
    TP_PID=
    [[ -n $TP_FD ]] && exec {TP_FD}>&-
    TP_FD=
    rm -rf "${DPDK_RUN:?}/uvnet-e2e-$$-vhost-$TP_NAME" "$T/$TP_NAME.in"
    return "$rc"
}

# Ours first (testpmd, then its runtime directory), then lib.sh's cleanup.
_vhost_exit() {
    local rc=$?
    trap '' TERM INT HUP
    testpmd_stop
    rm -rf "${DPDK_RUN:?}/uvnet-e2e-$$-vhost-"*
    (exit "$rc")
    _e2e_exit
}
trap _vhost_exit EXIT

# Runtime directories of runs of this test that were SIGKILLed.
for d in "$DPDK_RUN"/uvnet-e2e-*-vhost-*; do
    [[ -d $d ]] || continue
    pid=${d#"$DPDK_RUN"/uvnet-e2e-}
    pid=${pid%%-*}
    [[ $pid =~ ^[0-9]+$ ]] && ! _alive_test "$pid" && rm -rf "$d"
done

command -v dpdk-testpmd >/dev/null || e2e_bail "dpdk-testpmd is installed (Debian dpdk-dev)"
[[ -x $BENCH ]] || e2e_bail "$BENCH is not built"

# testpmd_start NAME QUEUES [DEVARGS]: testpmd with vhost ports on
# $T/NAME.v0.sock and $T/NAME.v1.sock (QUEUES queue pairs each, DEVARGS
# more vhost PMD options), forwarding in io mode from the start; output in
# $T/NAME.pmd.out.  Its stdin is a fifo nobody writes, so it waits there
# instead of seeing end of file (and quitting); it does not hold that fifo
# open itself, so if this script is SIGKILLed it quits on its own.
#
# --no-flush-rx: the sockets are there (and the bench connects and sends)
# before testpmd starts forwarding, and by default testpmd then empties
# every RX queue, uncounted: frames already in v0's TX ring would vanish
# (the vhost lib marks them used, they are neither forwarded nor in the
# statistics) and a bench with a full window would wait for them forever.
testpmd_start() {
    local name=$1 q=$2 more=${3:+,$3}
    TP_NAME=$name
    rm -f "$T/$name.in"
    mkfifo "$T/$name.in"
    exec {TP_FD}<>"$T/$name.in"
    # not through spawn: a background command's own redirection is the only
    # way it gets a stdin other than /dev/null
    dpdk-testpmd -l 0,1 --main-lcore 0 --no-huge -m 1024 --no-pci \
        --file-prefix "uvnet-e2e-$$-vhost-$name" \
        --vdev "net_vhost0,iface=$T/$name.v0.sock,queues=$q$more" \
        --vdev "net_vhost1,iface=$T/$name.v1.sock,queues=$q$more" \
        -- --no-flush-rx --total-num-mbufs 32768 --nb-cores=1 --rxq="$q" --txq="$q" --forward-mode=io -a \
        <"$T/$name.in" {TP_FD}>&- >"$T/$name.pmd.out" 2>&1 &
    TP_PID=$!
    E2E_PIDS+=("$TP_PID")
}

# Both vhost-user sockets of a testpmd (server mode) are there.
tp_listening() { [[ -S $T/$1.v0.sock && -S $T/$1.v1.sock ]] && ! _pid_gone "$TP_PID"; }

# tp_load NAME ARRAY: testpmd's forward statistics into ARRAY: per port
# p0.rx p0.tx p1.rx p1.tx (RX-packets, TX-packets) and, with more streams
# than ports, per stream sP.Q.rx (RX-packets of the stream from port P
# queue Q).  Empty if testpmd printed none.
tp_load() {
    local -n _a=$2
    local k v
    _a=()
    while read -r k v; do _a["$k"]=$v; done < <(awk '
        /Forward Stats for RX Port=/ { gsub(/[^0-9]+/, " "); s = "s" $1 "." $2; p = ""; next }
        /Forward statistics for port/ { gsub(/[^0-9]+/, " "); p = "p" $1; s = ""; next }
        /Accumulated forward statistics/ { p = s = ""; next }
        s != "" && /RX-packets:/ { print s ".rx", $2; s = "" }
        p != "" && /RX-packets:/ { print p ".rx", $2 }
        p != "" && /TX-packets:/ { print p ".tx", $2; p = "" }' "$T/$1.pmd.out")
}

# case_fail NAME WHAT: one failed check with the logs that explain it.
case_fail() {
    tap_not_ok "$1: $2"
    diag_file "$T/$1.out" 15
    diag_file "$T/$1.pmd.out" 25
}

# loop_checks NAME WANT_PACKED WANT_MRG WANT_IN_ORDER QUEUES: the checks of
# one `loop` run (frames v0 -> port 0 -> port 1 -> v1) once testpmd stopped.
loop_checks() {
    local name=$1 packed=$2 mrg=$3 in_order=$4 q=$5 tx rx other
    declare -A s
    tp_load "$name" s
    if [[ -z ${s[p1.tx]:-} ]]; then
        case_fail "$name" "testpmd printed its forward statistics on SIGTERM"
        return 1
    fi
    diag "$name: $(tail -n 1 "$T/$name.out" | tr -s ' ')"
    diag "$name: testpmd port 0 rx ${s[p0.rx]} tx ${s[p0.tx]}, port 1 rx ${s[p1.rx]} tx ${s[p1.tx]}"
    tap_is "$name: rings as asked (packed, mergeable, in-order)" \
        "$(bench_field "$name" "[d['packed'], d['mrg'], d['features'] >> 35 & 1 == 1]")" \
        "[$packed, $mrg, $in_order]"
    tx=$(bench_field "$name" "d['tx']['packets']")
    rx=$(bench_field "$name" "d['rx']['packets']")
    other=$(bench_field "$name" "d['rx']['other']")
    # a loose bound: on a loaded machine the bench may get little CPU
    tap_cmp "$name: frames sent ($tx, $RATE/s asked)" "${tx:-0}" -ge $((RATE * SECS / 4))
    tap_cmp "$name: every frame received, in order, intact" "${rx:-x}" -eq "${tx:-y}"
    tap_is "$name: no loss, reorder, bad payload or length" \
        "$(bench_field "$name" "[d['lost'], d['out_of_order'], d['bad_payload'], d['bad_length'], d['rx']['errors'], d['rx']['stale'], d['payload_checked']]")" \
        "[0, 0, 0, 0, 0, 0, true]" || diag_file "$T/$name.out" 15
    # Exact: the bench stops only once it has received every frame it
    # sent, so testpmd has taken each of them from v0 and put each into v1,
    # and nothing else goes that way.
    tap_cmp "$name: testpmd received on port 0 what the bench sent" "${s[p0.rx]}" -eq "${tx:-y}"
    tap_cmp "$name: testpmd sent out of port 1 what the bench received" "${s[p1.tx]}" -eq "${rx:-y}"
    # The other way: the receiver's announces (v1 -> port 1 -> port 0 ->
    # v0, where the sender counts them as "other").  Not exact: the last
    # announce, sent as the bench stops (once a second, so never more than
    # one), may still be on its way: not yet taken from v1, or dropped by
    # testpmd because v0 went first, or in v0 and not looked at.
    if ((${s[p1.rx]:-0} >= 2 && ${s[p1.rx]:-0} >= ${s[p0.tx]:-0} && ${s[p0.tx]:-0} >= ${other:-0} &&
        ${s[p1.rx]:-0} - ${other:--9} <= 1)); then
        tap_ok "$name: announces: testpmd took ${s[p1.rx]} from port 1, sent ${s[p0.tx]} out of port 0, the bench saw $other"
    else
        tap_not_ok "$name: announces: testpmd took ${s[p1.rx]} from port 1, sent ${s[p0.tx]} out of port 0, the bench saw ${other:-?}"
    fi
    if ((q > 1)); then
        local qi
        for ((qi = 0; qi < q; qi++)); do
            tap_cmp "$name: queue pair $qi carried frames (testpmd's port 0 queue $qi stream)" \
                "${s[s0.$qi.rx]:-0}" -gt 0
        done
    fi
}

# loop_case NAME QUEUES WANT_PACKED WANT_MRG WANT_IN_ORDER BENCH_ARG...:
# testpmd (server), then the bench connects to both ports and runs.
loop_case() {
    local name=$1 q=$2 packed=$3 mrg=$4 in_order=$5 rc=0
    shift 5
    testpmd_start "$name" "$q"
    if ! wait_for 30 tp_listening "$name"; then
        testpmd_stop
        case_fail "$name" "testpmd listens on both vhost-user sockets"
        return 1
    fi
    bench_run "$name" loop --tx-path "$T/$name.v0.sock" --rx-path "$T/$name.v1.sock" \
        --rate "$RATE" --seconds "$SECS" --window 64 --queues "$q" "$@" || rc=$?
    testpmd_stop
    tap_is "$name: testpmd stops on SIGTERM" "$?" 0
    if ! tap_is "$name: uvnet-bench loop exits 0" "$rc" 0; then
        diag_file "$T/$name.out" 20
        diag_file "$T/$name.pmd.out" 30
        return 1
    fi
    loop_checks "$name" "$packed" "$mrg" "$in_order" "$q"
}

loop_case split-mrg 1 false true false
loop_case split-nomrg 1 false false false --mrg off
loop_case packed-mrg 1 true true false --packed
loop_case packed-nomrg 1 true false false --packed --mrg off
loop_case split-inorder 1 false true true --in-order on
loop_case packed-inorder 1 true true true --packed --in-order on
loop_case split-2q 2 false true false --flows 8
loop_case packed-2q 2 true true false --packed --flows 8

# The vhost PMD as the vhost-user client (client=1): the bench listens on
# both sockets, testpmd connects (and retries once a second until the
# second socket is there: the bench makes it only after the first one
# was accepted).
name=client
rc=0
spawn timeout -k 5 60 "$BENCH" loop --server --tx-path "$T/$name.v0.sock" --rx-path "$T/$name.v1.sock" \
    --rate "$RATE" --seconds "$SECS" --window 64 --timeout-ms 20000 --json \
    >"$T/$name.json" 2>"$T/$name.out"
bench_pid=$BG_PID
if wait_for 10 test -S "$T/$name.v1.sock"; then
    testpmd_start "$name" 1 client=1
    wait "$bench_pid" || rc=$?
    testpmd_stop
    tap_is "$name: testpmd stops on SIGTERM" "$?" 0
    if tap_is "$name: uvnet-bench loop --server exits 0 (testpmd connected to it)" "$rc" 0; then
        loop_checks "$name" false true false 1
    else
        diag_file "$T/$name.out" 20
        diag_file "$T/$name.pmd.out" 30
    fi
else
    case_fail "$name" "uvnet-bench --server listens"
fi

# tx and rx as two processes, the traffic the other way round: the sender
# on v1 (port 1 RX), the receiver on v0 (port 0 TX), both sleeping on
# their call eventfds when idle.  No window across processes: a receiver
# that stalls may lose frames, but each lost one must be a frame testpmd
# could not put into v0 (its RX ring full) or one still in v1's TX ring
# when the sender, done, disconnected (testpmd never took it).
name=txrx
N=$((RATE * SECS))
testpmd_start "$name" 1
if wait_for 30 tp_listening "$name"; then
    spawn timeout -k 5 60 "$BENCH" rx --path "$T/$name.v0.sock" --count "$N" --seconds 40 \
        --mode event --json >"$T/$name-rx.json" 2>"$T/$name-rx.out"
    rx_pid=$BG_PID
    if wait_for 10 grep -q "receiving" "$T/$name-rx.out" &&
        bench_run "$name-tx" tx --path "$T/$name.v1.sock" --count "$N" --rate "$RATE" --mode event; then
        # Every frame normally arrives within milliseconds; frames the
        # receiver will never get (see above) must not cost 40 s.
        wait_for 5 _pid_gone "$rx_pid" || kill -TERM "$rx_pid" 2>/dev/null
        wait "$rx_pid"
        tap_is "$name: the receiver exits 0" "$?" 0
        testpmd_stop
        tap_is "$name: testpmd stops on SIGTERM" "$?" 0
        declare -A s
        tp_load "$name" s
        diag "$name: rx: $(tail -n 1 "$T/$name-rx.out" | tr -s ' ')"
        diag "$name: testpmd port 0 rx ${s[p0.rx]:-?} tx ${s[p0.tx]:-?}, port 1 rx ${s[p1.rx]:-?} tx ${s[p1.tx]:-?}"
        rx=$(bench_field "$name-rx" "d['rx']['packets']")
        lost=$(bench_field "$name-rx" "d['lost']")
        tap_cmp "$name: the sender sent $N" "$(bench_field "$name-tx" "d['tx']['packets']")" -eq "$N"
        tap_cmp "$name: received ($rx) + lost ($lost) = sent" $((${rx:-0} + ${lost:-0})) -eq "$N"
        # A bound that catches a path that loses most frames, not a receiver
        # the scheduler stalled: make check runs the bench under ASan on two
        # shared cores, where a stall of the receiving process cost 6-10%.
        tap_cmp "$name: at most 25% lost" "${lost:-x}" -le $((N / 4))
        tap_is "$name: nothing reordered or corrupted" \
            "$(bench_field "$name-rx" "[d['out_of_order'], d['bad_payload'], d['bad_length'], d['rx']['errors']]")" "[0, 0, 0, 0]"
        # testpmd takes what the sender put into v1's TX ring; only frames
        # still in the ring when the sender disconnected (at most a ring's
        # worth, normally none) are not taken.
        tap_cmp "$name: testpmd received on port 1 what the sender sent (less what it left in the ring)" \
            $((N - ${s[p1.rx]:-0})) -le 256
        tap_cmp "$name: ... and that is no more than the sender sent" "${s[p1.rx]:--1}" -le "$N"
        # Exact: the receiver kept going until it had every frame or had
        # waited 5 s after the sender was done, and nothing else goes to v0.
        tap_cmp "$name: testpmd sent out of port 0 what the receiver received" "${s[p0.tx]:--1}" -eq "${rx:-x}"
        tap_cmp "$name: every lost frame is one testpmd never took ($((N - ${s[p1.rx]:-0}))) or could not deliver ($((${s[p1.rx]:-0} - ${s[p0.tx]:-0})))" \
            $((N - ${s[p0.tx]:-0})) -eq "${lost:-x}"
        # The receiver's announces go v0 -> port 0 -> port 1 -> v1, to the
        # sender while it runs (it counts them as "other"), dropped by
        # testpmd once it is gone; the last one before it went may still
        # have been in v1, not looked at.
        other=$(bench_field "$name-tx" "d['rx']['other']")
        if ((${s[p0.rx]:-0} >= 1 && ${s[p0.rx]:-0} >= ${s[p1.tx]:-0} && ${s[p1.tx]:-0} >= ${other:-0} &&
            ${s[p1.tx]:-0} - ${other:--9} <= 1)); then
            tap_ok "$name: announces: testpmd took ${s[p0.rx]} from port 0, sent ${s[p1.tx]} out of port 1, the sender saw $other"
        else
            tap_not_ok "$name: announces: testpmd took ${s[p0.rx]:-?} from port 0, sent ${s[p1.tx]:-?} out of port 1, the sender saw ${other:-?}"
        fi
    else
        case_fail "$name" "receiver connected, sender ran"
        diag_file "$T/$name-tx.out" 10
        diag_file "$T/$name-rx.out" 10
    fi
else
    testpmd_stop
    case_fail "$name" "testpmd listens on both vhost-user sockets"
fi
testpmd_stop

bench_outs=()
for f in "$T"/*.out; do [[ ${f##*/} == uvnetd.* || $f == *.pmd.out ]] || bench_outs+=("$f"); done
tap_no_sanitizer_report "no sanitizer report from uvnet-bench" "$BENCH" "${bench_outs[@]}"
tap_done
