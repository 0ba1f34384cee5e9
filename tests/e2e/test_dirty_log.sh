#!/usr/bin/env bash
# The dirty-page log of a live migration, checked page by page (issue 17):
# vu-log-check plays two migrating guests (virtio-user front-ends whose
# guest-physical addresses differ from their own, each sharing a dirty
# log with uvnetd as QEMU does) on two vhost-user ports of one bridge,
# sends frames both ways and checks that every page uvnetd wrote (RX
# buffers, used rings) is marked and no buffer page it only read.  An
# end-to-end TCP checksum cannot see a missing mark (retransmission
# covers stale buffers, QEMU marks the split used ring itself at stop):
# this test is the one that proves the log.  Split and packed rings,
# mergeable buffers on and off, software GSO, two queue pairs.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init dirty_log

check=$UVNET_BUILD/tests/vhost/vu-log-check
[[ -x $check ]] || e2e_bail "vu-log-check is built ($check)"
uvnetd_start || e2e_bail "uvnetd starts and answers"
ctl add-br br0 &&
    ctl add-port br0 a type=vhost-user path="$T/a.sock" &&
    ctl add-port br0 b type=vhost-user path="$T/b.sock" &&
    ctl add-port br0 c type=vhost-user path="$T/c.sock" queues=2 &&
    ctl add-port br0 d type=vhost-user path="$T/d.sock" queues=2 ||
    e2e_bail "bridge br0 with vhost-user ports a, b (1 queue pair), c, d (2)"

# run_check DESC PORT1 PORT2 ARGS...: one vu-log-check run as one result
# (its own TAP lines as comments).
run_check() {
    local desc=$1 p1=$2 p2=$3 out rc
    shift 3
    out=$(timeout 120 "$check" "$T/$p1.sock" "$T/$p2.sock" "$@" 2>&1)
    rc=$?
    if ((rc == 0)) && ! grep -q '^not ok' <<<"$out"; then
        tap_ok "$desc ($(grep -c '^ok' <<<"$out") checks)"
    else
        tap_not_ok "$desc (exit $rc)"
    fi
    grep -qE '^(not ok|Bail)' <<<"$out" && diag "$(grep -E '^(not ok|Bail)' <<<"$out")"
    [[ ${E2E_VERBOSE:-0} == 1 ]] && diag "$out"
    return 0
}

run_check "split rings, mergeable buffers" a b
run_check "split rings, no mergeable buffers" a b --no-mrg
run_check "packed rings, mergeable buffers" a b --packed
run_check "packed rings, no mergeable buffers" a b --packed --no-mrg
run_check "split rings, TSO frames cut in software" a b --tso
run_check "two queue pairs, split" c d --queues 2
run_check "two queue pairs, packed" c d --queues 2 --packed
logged=$(grep -c 'stopped at base .* (dirty log on)' "$T"/uvnetd.*.log)
tap_cmp "uvnetd logged rings stopping while the log was on ($logged)" "$logged" -ge 4
inflight=$(grep -c 'in flight' "$T"/uvnetd.*.log)
tap_is "no ring stopped with buffers in flight" "$inflight" 0
tap_done
