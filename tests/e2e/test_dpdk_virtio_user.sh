#!/usr/bin/env bash
# DPDK's virtio-user PMD (dpdk-testpmd) as the front-end of uvnetd's
# vhost-user ports: one testpmd sends (txonly) into port p0, another
# receives (rxonly) from port p1, uvnetd switches between them.  Every
# combination of split/packed rings, mergeable rx buffers on/off,
# in_order and two queue pairs; packets are counted on all four sides.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init dpdk_virtio_user

command -v dpdk-testpmd >/dev/null || e2e_bail "dpdk-testpmd is installed (Debian dpdk-dev)"
uvnetd_start || e2e_bail "uvnetd starts and answers"
ctl add-br br0 || e2e_bail "bridge br0"

# testpmd NAME SOCK MODE DEVARGS QUEUES: a testpmd with one virtio-user port
# on SOCK forwarding in MODE from the start, until finish NAME stops it
# (SIGTERM, upon which it prints its statistics to $T/NAME.out).  Its stdin
# is a fifo nobody writes, so it waits there instead of seeing end of file.
testpmd() {
    local name=$1 sock=$2 mode=$3 args=$4
    rm -f "$T/$name.in"
    mkfifo "$T/$name.in"
    exec {FD_STDIN}<>"$T/$name.in"
    # not through spawn: a background command's own redirection is the only
    # way it gets a stdin other than /dev/null
    dpdk-testpmd -l 0,1 --main-lcore 0 --no-huge -m 512 --no-pci \
        --file-prefix "uvnet-e2e-$$-$name" --vdev "net_virtio_user0,path=$sock,$args" \
        -- --total-num-mbufs 16384 --nb-cores=1 --rxq="$5" --txq="$5" --forward-mode="$mode" \
        <"$T/$name.in" >"$T/$name.out" 2>&1 &
    BG_PID=$!
    E2E_PIDS+=("$BG_PID")
}
# finish PID: stop a testpmd, wait until it printed its statistics and exited.
finish() {
    kill -TERM "$1" 2>/dev/null
    wait_for 30 _pid_gone "$1" || kill -KILL "$1" 2>/dev/null
}
counter() { sed -n "s/.*$2: *\([0-9]*\).*/\1/p" "$T/$1.out" | tail -n1; }

run_case() { # DESC QUEUES TESTPMD_DEVARGS
    local desc=$1 q=$2 args=$3 tx rx p0rx p1tx p1drop
    ctl add-port br0 p0 type=vhost-user path="$T/p0.sock" queues="$q" &&
        ctl add-port br0 p1 type=vhost-user path="$T/p1.sock" queues="$q" || {
        tap_not_ok "$desc: ports"
        return
    }
    testpmd rx "$T/p1.sock" rxonly "queues=$q,$args" "$q"
    rxp=$BG_PID
    wait_for 40 vhost_ready p1 $((2 * q)) || tap_not_ok "$desc: receiver's rings run"
    testpmd tx "$T/p0.sock" txonly "queues=$q,$args" "$q"
    txp=$BG_PID
    wait_for 40 vhost_ready p0 $((2 * q)) || tap_not_ok "$desc: sender's rings run"
    # testpmd starts forwarding only after its link check, which can take
    # seconds after the rings run on a loaded machine: time from its first
    # packet, not from ring set-up
    wait_for 30 eval '(($(stat_of p0 rx packets 2>/dev/null || echo 0) > 0))' ||
        tap_not_ok "$desc: testpmd starts sending"
    sleep 2
    finish "$txp"
    sleep 0.5
    finish "$rxp"
    rm -rf "/var/run/dpdk/uvnet-e2e-$$-rx" "/var/run/dpdk/uvnet-e2e-$$-tx"
    tx=$(counter tx TX-packets)
    rx=$(counter rx RX-packets)
    declare -A c
    stats_load c
    p0rx=${c[p0.rx.packets]:-0} p1tx=${c[p1.tx.packets]:-0} p1drop=${c[p1.tx.dropped]:-0}
    # testpmd counts a packet sent once it is in the ring: up to a ring's
    # worth per queue may still be there when it stops
    if ((${tx:-0} > 1000 && tx >= p0rx && tx - p0rx <= 256 * q && p1tx == ${rx:--1} &&
        p1tx + p1drop == p0rx)) &&
        ((${c[p0.rx.errors]:-1} + ${c[p1.tx.errors]:-1} == 0)); then
        tap_ok "$desc: testpmd sent $tx, uvnetd took $p0rx, gave $p1tx (dropped $p1drop when the receiver was full), testpmd received $rx"
    else
        tap_not_ok "$desc: testpmd sent ${tx:-?}, uvnetd took $p0rx, gave $p1tx, dropped $p1drop, testpmd received ${rx:-?}"
        diag_file "$T/tx.out" 15
        diag_file "$T/rx.out" 15
    fi
    ctl del-port p0
    ctl del-port p1
}

run_case "split, mergeable rx" 1 "mrg_rxbuf=1"
run_case "split, no mergeable rx" 1 "mrg_rxbuf=0"
run_case "split, in_order" 1 "mrg_rxbuf=1,in_order=1"
run_case "packed, mergeable rx" 1 "packed_vq=1,mrg_rxbuf=1"
run_case "packed, no mergeable rx" 1 "packed_vq=1,mrg_rxbuf=0"
run_case "packed, in_order" 1 "packed_vq=1,in_order=1"
run_case "split, 2 queue pairs" 2 "mrg_rxbuf=1"
run_case "packed, 2 queue pairs" 2 "packed_vq=1"
tap_done
