#!/usr/bin/env bash
# uvnet-bench (the virtio-user front-end) against a real uvnetd, no VM:
# two vhost-user ports on a bridge, `uvnet-bench loop` sends UDP frames
# into one and receives them from the other.  At a modest rate every frame
# must arrive, in order, with its payload intact, and the counts must agree
# on both sides: what the bench sent = what uvnetd took in on port A, what
# the bench received = what uvnetd sent out of port B.  The bench keeps at
# most --window frames in flight (below the RX ring size), so a process
# that stalls for a while (a loaded machine) cannot overrun the RX ring.
#
# Cases: split and packed rings, mergeable RX buffers on and off, 1518-byte
# frames, in-order + header descriptors, event mode, no event idx (and no
# RX refill kicks), 2 queue pairs (both RX and TX vrings carry traffic),
# tx and rx as two processes,
# uvnetd as the vhost-user client (the bench listens), a flat-out run
# (throughput as a diagnostic; order and payload still checked), uvnetd
# SIGKILLed and restarted under a running bench with --reconnect, and a
# busy-polling uvnetd (no TX kicks asked for).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init frontend

BENCH=$UVNET_BUILD/tools/uvnet-bench
[[ -x $BENCH ]] || e2e_bail "$BENCH is not built"
RATE=${E2E_BENCH_RATE:-20000}
SECS=${E2E_BENCH_SECONDS:-2}

uvnetd_start || e2e_bail "uvnetd starts and answers"
ctl add-br br0 && ctl add-port br0 a type=vhost-user path="$T/a.sock" &&
    ctl add-port br0 b type=vhost-user path="$T/b.sock" ||
    e2e_bail "bridge br0 with vhost-user ports a and b (server mode)"
ctl add-br br1 && ctl add-port br1 a2 type=vhost-user path="$T/a2.sock" queues=2 &&
    ctl add-port br1 b2 type=vhost-user path="$T/b2.sock" queues=2 ||
    e2e_bail "bridge br1 with 2-queue-pair ports a2 and b2"
tap_ok "bridges br0 (a, b) and br1 (a2, b2, 2 queue pairs)"

# loop_case NAME PORT_A PORT_B WANT_PACKED WANT_MRG ARG...: a run at a
# modest rate through ports PORT_A -> PORT_B, and its checks.
loop_case() {
    local name=$1 pa=$2 pb=$3 packed=$4 mrg=$5 rc=0
    shift 5
    declare -A s0 s1
    stats_load s0
    bench_run "$name" loop --tx-path "$T/$pa.sock" --rx-path "$T/$pb.sock" \
        --rate "$RATE" --seconds "$SECS" --window 64 "$@" || rc=$?
    stats_load s1
    if ! tap_is "$name: uvnet-bench loop exits 0" "$rc" 0; then
        diag_file "$T/$name.out" 20
        return 1
    fi
    diag "$name: $(tail -n 1 "$T/$name.out" | tr -s ' ')"
    tap_is "$name: rings as asked (packed, mergeable)" \
        "$(bench_field "$name" "d['packed']") $(bench_field "$name" "d['mrg']")" "$packed $mrg"
    local tx rx
    tx=$(bench_field "$name" "d['tx']['packets']")
    rx=$(bench_field "$name" "d['rx']['packets']")
    # a loose bound: on a loaded machine the bench may get little CPU
    tap_cmp "$name: frames sent ($tx, $RATE/s asked)" "${tx:-0}" -ge $((RATE * SECS / 4))
    tap_cmp "$name: every frame received, in order, intact" "${rx:-x}" -eq "${tx:-y}"
    tap_is "$name: no loss, reorder, bad payload or length" \
        "$(bench_field "$name" "[d['lost'], d['out_of_order'], d['bad_payload'], d['bad_length'], d['rx']['errors'], d['payload_checked']]")" \
        "[0, 0, 0, 0, 0, true]"
    tap_cmp "$name: uvnetd took in on $pa what the bench sent" \
        $((${s1[$pa.rx.packets]:-0} - ${s0[$pa.rx.packets]:-0})) -eq "${tx:-y}"
    tap_cmp "$name: uvnetd sent out of $pb what the bench received" \
        $((${s1[$pb.tx.packets]:-0} - ${s0[$pb.tx.packets]:-0})) -eq "${rx:-y}"
    tap_cmp "$name: no drops or errors on $pa, $pb" \
        $((${s1[$pa.rx.errors]:-1} + ${s1[$pb.tx.dropped]:-1} + ${s1[$pb.tx.errors]:-1} -
            ${s0[$pa.rx.errors]:-0} - ${s0[$pb.tx.dropped]:-0} - ${s0[$pb.tx.errors]:-0})) -eq 0
}

loop_case split-mrg a b false true
loop_case split-nomrg a b false false --mrg off
loop_case packed-mrg a b true true --packed
loop_case packed-nomrg-1518 a b true false --packed --mrg off --size 1518
loop_case split-1518-event a b false true --size 1518 --mode event
# Without EVENT_IDX the driver kicks after a refill unless the device set
# NO_NOTIFY: uvnetd never waits for RX buffers, so it asks for no kicks.
if loop_case split-noevidx a b false true --event-idx off; then
    tap_cmp "split-noevidx: RX refills were not kicked (uvnetd asks for none)" \
        "$(bench_field split-noevidx "d['rx']['kicks']")" -le 1
fi
loop_case split-inorder-hdrdesc a b false true --in-order on --split-hdr --queue-size 512
loop_case packed-inorder-hdrdesc-noind a b true false --packed --mrg off --in-order on \
    --split-hdr --indirect off --queue-size 300

# Two queue pairs, 8 flows each: uvnetd spreads flows over b2's RX rings.
if loop_case queues2 a2 b2 false true --queues 2 --flows 8; then
    for r in 0 2; do
        tap_cmp "queues2: b2's RX vring $r carried frames" "$(vring_of b2 $r packets)" -gt 0
    done
    for r in 1 3; do
        tap_cmp "queues2: a2's TX vring $r carried frames" "$(vring_of a2 $r packets)" -gt 0
    done
fi
loop_case queues2-packed a2 b2 true true --queues 2 --flows 8 --packed

# uvnetd as the vhost-user client: the bench listens, uvnetd connects
# (it retries once a second).
if ctl add-br br2 && ctl add-port br2 c type=vhost-user path="$T/c.sock" mode=client &&
    ctl add-port br2 d type=vhost-user path="$T/d.sock" mode=client; then
    tap_ok "bridge br2 with client-mode ports c and d"
    loop_case server-mode c d false true --server --timeout-ms 15000
else
    tap_not_ok "bridge br2 with client-mode ports c and d"
fi

# tx and rx as two processes (the receiver sleeping on its call eventfd):
# no window across processes, so a receiver that stalls may lose frames,
# but every lost frame must be one uvnetd dropped for lack of RX buffers.
N=$((RATE * SECS))
declare -A s0 s1
stats_load s0
spawn timeout -k 5 60 "$BENCH" rx --path "$T/b.sock" --count "$N" --seconds 30 --mode event \
    --json >"$T/rxonly.json" 2>"$T/rxonly.out"
rx_pid=$BG_PID
if wait_for 10 vhost_ready b && bench_run txonly tx --path "$T/a.sock" --count "$N" --rate "$RATE"; then
    wait "$rx_pid"
    tap_is "tx + rx processes: the receiver exits 0" "$?" 0
    stats_load s1
    diag "rxonly: $(tail -n 1 "$T/rxonly.out" | tr -s ' ')"
    rx=$(bench_field rxonly "d['rx']['packets']")
    lost=$(bench_field rxonly "d['lost']")
    tap_cmp "tx + rx processes: the sender sent $N" "$(bench_field txonly "d['tx']['packets']")" -eq "$N"
    tap_cmp "tx + rx processes: received ($rx) + lost ($lost) = sent" $((${rx:-0} + ${lost:-0})) -eq "$N"
    tap_cmp "tx + rx processes: every lost frame is a drop on b in uvnetd" \
        $((${s1[b.tx.dropped]:-0} - ${s0[b.tx.dropped]:-0})) -eq "${lost:-x}"
    tap_cmp "tx + rx processes: at most 5% lost" "${lost:-x}" -le $((N / 20))
    tap_is "tx + rx processes: nothing reordered or corrupted" \
        "$(bench_field rxonly "[d['out_of_order'], d['bad_payload'], d['bad_length']]")" "[0, 0, 0]"
else
    tap_not_ok "tx + rx processes: receiver connected, sender ran"
    diag_file "$T/txonly.out" 10
fi

# Flat out: loss is allowed (one core for the bench, RX ring overruns),
# corruption and reordering are not.
for size in 64 1518; do
    name=flat-$size
    if bench_run "$name" loop --tx-path "$T/a.sock" --rx-path "$T/b.sock" --seconds 2 --size $size; then
        diag "$name: $(tail -n 1 "$T/$name.out" | tr -s ' ')"
        diag "$name: tx $(bench_field $name "d['tx']['mpps']") Mpps, rx $(bench_field $name "d['rx']['mpps']") Mpps $(bench_field $name "d['rx']['gbps']") Gbit/s, lost $(bench_field $name "d['lost']")"
        tap_cmp "$name: flat out, frames went through" "$(bench_field $name "d['rx']['packets']")" -gt 1000
        tap_is "$name: flat out, nothing reordered or corrupted" \
            "$(bench_field $name "[d['out_of_order'], d['bad_payload'], d['bad_length']]")" "[0, 0, 0]"
    else
        tap_not_ok "$name: uvnet-bench loop flat out exits 0"
        diag_file "$T/$name.out" 20
    fi
done

# uvnetd restarts under a running bench: with --reconnect the bench keeps
# going, both ports renegotiate, frames flow again afterwards.
spawn timeout -k 5 60 "$BENCH" loop --tx-path "$T/a.sock" --rx-path "$T/b.sock" --rate "$RATE" \
    --seconds 8 --reconnect --drain-ms 2000 --json >"$T/reconnect.json" 2>"$T/reconnect.out"
bench_pid=$BG_PID
sleep 2
uvnetd_stop KILL
tap_is "reconnect: uvnetd SIGKILLed under the bench" "$?" 137
uvnetd_start || e2e_bail "uvnetd started again from its state file"
tap_ok "reconnect: uvnetd started again from its state file"
wait "$bench_pid"
tap_is "reconnect: uvnet-bench exits 0" "$?" 0
diag_file "$T/reconnect.out" 12
tap_cmp "reconnect: both ports reconnected" "$(bench_field reconnect "d['reconnects']")" -ge 2
tap_is "reconnect: nothing reordered or corrupted" \
    "$(bench_field reconnect "[d['out_of_order'], d['bad_payload'], d['bad_length']]")" "[0, 0, 0]"
declare -A s
stats_load s
tap_cmp "reconnect: the new uvnetd forwarded a -> b (b tx packets)" "${s[b.tx.packets]:-0}" -ge $((RATE * 3))

# A busy-polling worker never sleeps, so it never re-arms: it must have
# switched the guest's kicks off when it took the queue, or a driver
# without EVENT_IDX (DPDK's virtio PMD) makes a syscall after every burst.
uvnetd_stop
uvnetd_start --poll busy || e2e_bail "uvnetd started again with --poll busy"
wait_for 5 test -S "$T/a.sock" -a -S "$T/b.sock"
if loop_case busy-noevidx a b false true --event-idx off; then
    tap_cmp "busy-noevidx: TX bursts were not kicked (the busy worker asks for none)" \
        "$(bench_field busy-noevidx "d['tx']['kicks']")" -le 1
fi

bench_outs=()
for f in "$T"/*.out; do [[ ${f##*/} == uvnetd.* ]] || bench_outs+=("$f"); done
tap_no_sanitizer_report "no sanitizer report from uvnet-bench" "$BENCH" "${bench_outs[@]}"

tap_done
