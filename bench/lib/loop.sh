# shellcheck shell=bash
# The packet loop that bench/pps and bench/ab time: uvnetd as a forwarder
# between two vhost-user ports, and the generator and sink that loop
# frames through a forwarder: dpdk-testpmd with two virtio-user ports
# (start tx_first), each port with its own MAC so that a learning switch
# forwards instead of flooding.  Two ways to hand a frame back:
#   mac  rewrite its Ethernet addresses (testpmd's mac forwarding): the
#        generator reads and writes every frame, as a guest application
#        that looks at its packets does
#   io   send it on untouched (io forwarding, as in DPDK's and OVS's
#        PVP tests): the frame's lines stay with the forwarder, so its own
#        cost shows most.  A frame still enters the forwarder through the
#        port that sent it first (port 0 sends MAC0 -> MAC1, received on
#        port 1 it goes back out of port 0), so a learning switch learns
#        each MAC on one port.  Frame sizes count the
# 4-byte FCS, as on a wire: 64 means 60 bytes in the buffer.  Source after
# testpmd.sh; needs $tmp (private temp dir) and $root (the checkout).
#
#   wait_sockets PATH...          until they all exist (10 s)
#   uvnetd_start BIN CPU          uvnetd pinned to CPU, a bridge with two
#                                 vhost-user ports; sets uvnetd_pid SOCK0 SOCK1
#   uvnetd_stop
#   uvnetd_ctl ARGS...            uvnetctl on that uvnetd
#   uvnetd_worker_counters        worker 0's "frames busy_cycles bursts"
#   capture_start PORT FILE [ARG...]  uvnetctl capture PORT -w FILE ARG... in
#                                 the background, once it runs
#   capture_stop                  SIGINT to it; its count of frames captured
#                                 and dropped logged; the file removed
#   gen_start SIZE CPU [MODE]     the generator on SOCK0/SOCK1, mac (default)
#                                 or io forwarding, started (the
#                                 testpmd instance "gen"; tp_stop gen ends it;
#                                 tp_busy gen reads its busy cycles after
#                                 "set record-core-cycles on")
uvnetd_pid=

wait_sockets() {
    for _ in $(seq 100); do
        local all=1 p
        for p in "$@"; do [ -S "$p" ] || all=0; done
        ((all)) && return 0
        sleep 0.1
    done
    return 1
}

uvnetd_ctl() { "$root/build/tools/uvnetctl" --control "$tmp/uvnetd.sock" "$@"; }

uvnetd_start() {
    local bin=$1 cpu=$2
    taskset -c "$cpu" "$bin" --foreground \
        --control "$tmp/uvnetd.sock" --state "$tmp/uvnetd.state" --pid-file "$tmp/uvnetd.pid" \
        --cpu-list "$cpu" --poll busy --log-level warn >"$tmp/uvnetd.log" 2>&1 </dev/null &
    uvnetd_pid=$!
    wait_sockets "$tmp/uvnetd.sock" || return 1
    uvnetd_ctl add-br br0 && uvnetd_ctl add-port br0 p0 type=vhost-user path="$tmp/u0.sock" &&
        uvnetd_ctl add-port br0 p1 type=vhost-user path="$tmp/u1.sock" >/dev/null || return 1
    SOCK0=$tmp/u0.sock SOCK1=$tmp/u1.sock
}

uvnetd_stop() {
    [ -n "$uvnetd_pid" ] || return 0
    kill -TERM "$uvnetd_pid" 2>/dev/null || true
    wait "$uvnetd_pid" 2>/dev/null || true
    uvnetd_pid=
    rm -f "$tmp"/uvnetd.* "$tmp"/u[01].sock
}

capture_pid= capture_file=
capture_start() {
    local port=$1 file=$2
    shift 2
    "$root/build/tools/uvnetctl" --control "$tmp/uvnetd.sock" capture "$port" -w "$file" "$@" \
        2>"$tmp/capture.err" &
    capture_pid=$! capture_file=$file
    for _ in $(seq 50); do
        uvnetd_ctl show | grep -q 'captures: 1' && return 0
        sleep 0.1
    done
    return 1
}

capture_stop() {
    [ -n "$capture_pid" ] || return 0
    kill -INT "$capture_pid" 2>/dev/null || true
    wait "$capture_pid" 2>/dev/null || true
    echo "pps: capture: $(tr '\n' ' ' <"$tmp/capture.err")($(du -h "$capture_file" | cut -f1) written)" >&2
    rm -f "$capture_file"
    capture_pid=
}

uvnetd_worker_counters() {
    uvnetd_ctl --json stats | python3 -c 'import json, sys
w = json.load(sys.stdin)["workers"][0]
print(w["frames"], w["busy_cycles"], w["bursts"])'
}

GEN_MAC0=02:00:00:00:00:10 GEN_MAC1=02:00:00:00:00:11

# hugepages, as a VM's memory would be for a DPDK or OVS-DPDK host (the
# caller reserves $tmp/huge-gen); one file per segment list, or the
# segments exceed vhost-user's regions
gen_start() {
    local size=$1 cpu=$2 mode=${3:-mac}
    tp_start gen "$cpu" --huge-dir "$tmp/huge-gen" -m 512 --single-file-segments --no-pci \
        --vdev "net_virtio_user0,path=$SOCK0,queues=1,queue_size=1024,mac=$GEN_MAC0" \
        --vdev "net_virtio_user1,path=$SOCK1,queues=1,queue_size=1024,mac=$GEN_MAC1" \
        -- -i --total-num-mbufs 32768 --nb-cores=1 --forward-mode="$mode" --rxd=1024 --txd=1024 \
        --txpkts=$((size - 4)) --eth-peer=0,$GEN_MAC1 --eth-peer=1,$GEN_MAC0
    if ! tp_wait_for gen 'testpmd> ' 1 30; then
        echo "generator did not start:" >&2
        tail -5 "$TP_DIR/gen.out" >&2
        tp_stop gen
        return 1
    fi
    tp_cmd gen "start tx_first 8"
}
