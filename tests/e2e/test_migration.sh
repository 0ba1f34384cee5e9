#!/usr/bin/env bash
# Live migration of a QEMU guest between two vhost-user ports of one
# uvnetd (issue 17), under traffic.  The source QEMU runs on port vm1; a
# destination QEMU with the same command line and -incoming runs on port
# vm2; QMP migrate on the source, query-migrate until it completes.
# Meanwhile a host on the TAP port (in uvnetd's namespace) streams
# MIGR_MBYTES (64) MiB of random bytes to the guest over TCP, at a rate
# that spans the migration, and pings it every 100 ms.  Checked:
#   - QEMU agrees to migrate (it refuses a back-end without LOG_SHMFD)
#     and the migration completes; time and downtime are reported;
#   - uvnetd logged the source's rings while QEMU copied memory;
#   - the guest, now on the destination, received the whole stream: its
#     md5 matches the sender's;
#   - ping loss across the migration is bounded (MIGR_MAX_LOST, 20 of
#     100 ms pings) and reported;
#   - the bridge's FDB has the guest's MAC on vm2 at once (QEMU's
#     SEND_RARP, or the guest's own announcement with GUEST_ANNOUNCE);
#   - no ring stopped with buffers in flight, none broke.
# (TCP cannot see a missing dirty-log mark: retransmission covers it;
# tests/e2e/test_dirty_log.sh checks the log page by page.)
#
# MIGR_VARIANTS: the guests to migrate, each one boot (~40-60 s under
# TCG); default "split packed-nomrg split-mq2".  A variant is a word of
#   split | packed      ring layout
#   -nomrg              mergeable RX buffers off
#   -mq2                two queue pairs (and two vCPUs)
#   -cpu2               two vCPUs (with one queue pair)
#   -noann              guest_announce=off on the device (QEMU announces
#                       with RARPs instead of a config interrupt)
#   -qtap               the control: QEMU's own virtio-net on a tap
#                       (vhost=off), taps qtapA -> qtapB on a Linux bridge
#                       that holds the host's address meanwhile: uvnetd is
#                       not in the guest's path at all
# The guests' RAM is lib.sh's GUEST_RAM, 8 KiB over 256 MiB: QEMU 7.2
# under TCG loses guest stores in a migration of a RAM block sized a
# multiple of 256 KiB (docs/migration.md); GUEST_RAM=256M shows it, the
# destination guest's kernel oopsing now and then (often with -mq2, also
# with -qtap).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_TIME_LIMIT=${E2E_TIME_LIMIT:-360}
e2e_init migration

host=10.217.0.1
guest=10.217.0.2
mac=52:54:00:e2:17:02
mbytes=${MIGR_MBYTES:-64}
max_lost=${MIGR_MAX_LOST:-20}
variants=${MIGR_VARIANTS:-split packed-nomrg split-mq2}

tap_vm_bridge "$host/24"
ctl add-port br0 vm2 type=vhost-user path="$T/vm2.sock" queues=2 &&
    ctl del-port vm1 && ctl add-port br0 vm1 type=vhost-user path="$T/vm1.sock" queues=2 ||
    e2e_bail "ports vm1 and vm2 with two queue pairs each"

# The host's side of the stream: RATE bytes/s of random data to the guest;
# prints "BYTES MD5" when done.  Its last MiB waits for the file
# $T/migrated (at most 150 s), so that the stream spans the migration
# however long a loaded machine makes it.
sender() {
    rm -f "$T/migrated"
    ip netns exec "$E2E_NS" timeout 300 "$PY" - "$guest" 5000 $((mbytes << 20)) "$1" "$T/migrated" <<'PYEOF'
import hashlib, os, socket, sys, time

host, port, total, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
flag = sys.argv[5]
for _ in range(100):
    try:
        s = socket.create_connection((host, port), timeout=30)
        break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit("cannot connect to the guest")
h, sent, t0 = hashlib.md5(), 0, time.monotonic()
while sent < total:
    if total - sent <= 1 << 20:
        t_wait = time.monotonic()
        while not os.path.exists(flag) and time.monotonic() - t_wait < 150:
            time.sleep(0.1)
    chunk = os.urandom(min(65536, total - sent))
    s.sendall(chunk)
    h.update(chunk)
    sent += len(chunk)
    ahead = sent / rate - (time.monotonic() - t0)
    if ahead > 0:
        time.sleep(ahead)
s.shutdown(socket.SHUT_WR)
s.recv(1)
print(sent, h.hexdigest())
PYEOF
}

# fdb_port MAC: the port the bridge has MAC on.
fdb_port() {
    ctl --json fdb-show br0 | jget "[e['port'] for e in d['entries'] if e['mac'] == '$1'][0]" 2>/dev/null
}

# qtap_up QUEUES: the host's address moves from tap0 to a Linux bridge
# qbr with taps qtapA and qtapB for QEMU (multi_queue for more than one
# queue pair).  qtap_down: back to tap0.
qtap_up() {
    local t mq=''
    (($1 > 1)) && mq=multi_queue
    qtap_down
    in_ns "$E2E_NS" ip addr del "$host/24" dev tap0 &&
        in_ns "$E2E_NS" ip link add qbr type bridge &&
        in_ns "$E2E_NS" ip addr add "$host/24" dev qbr &&
        in_ns "$E2E_NS" ip link set qbr up || return 1
    for t in A B; do
        in_ns "$E2E_NS" ip tuntap add dev "qtap$t" mode tap $mq &&
            in_ns "$E2E_NS" ip link set "qtap$t" master qbr up || return 1
    done
}
qtap_down() {
    in_ns "$E2E_NS" ip link del qtapA 2>/dev/null
    in_ns "$E2E_NS" ip link del qtapB 2>/dev/null
    in_ns "$E2E_NS" ip link del qbr 2>/dev/null &&
        in_ns "$E2E_NS" ip addr add "$host/24" dev tap0
    return 0
}

# kernel_fdb_port MAC: the tap the Linux bridge qbr has MAC on.
kernel_fdb_port() {
    in_ns "$E2E_NS" bridge fdb show br qbr | awk -v m="$1" '$1 == m && $2 == "dev" { print $3; exit }'
}

migrate_one() {
    local v=$1 nic='' queues=1 src=vm1 dst=vm1b sport=vm1 dport=vm2 qtap=() cpus=()
    local state info total down lost sum='' sent tx rx
    [[ $v == packed* ]] && nic=packed=on
    [[ $v == *-nomrg* ]] && nic=${nic:+$nic,}mrg_rxbuf=off
    [[ $v == *-noann* ]] && nic=${nic:+$nic,}guest_announce=off
    [[ $v == *-mq2* ]] && queues=2
    [[ $v == *-cpu2* ]] && cpus=(--cpus 2)
    if [[ $v == *-qtap* ]]; then
        qtap_up "$queues" || { tap_not_ok "$v: taps qtapA, qtapB on a Linux bridge"; return; }
        qtap=(--tap qtapA) sport=qtapA dport=qtapB
    fi
    diag "variant $v"

    guest_start "$src" "$mac" "$guest/24" ${nic:+--nic "$nic"} --queues "$queues" "${cpus[@]}" --timeout 220 "${qtap[@]}" \
        -- -qmp "unix:$T/$src.qmp,server=on,wait=off" <<EOF || { tap_not_ok "$v: source guest starts"; return; }
ping_until $host 30 || echo "E2E-NO-LINK"
nc -l -p 5000 </dev/null | md5sum >/tmp/sum &
mark listening
wait
echo "GUEST-SUM \$(cut -d' ' -f1 /tmp/sum)"
wait_host done 60
EOF
    if ! guest_wait_mark "$src" listening 120; then
        tap_not_ok "$v: guest booted and listens"
        diag_file "$T/$src.serial" 20
        guest_kill "$src"
        return
    fi
    ((${#qtap[@]})) || wait_for 10 vhost_ready "$sport" $((2 * queues)) || diag "$sport not ready"

    # the destination: the same command line, another port, -incoming
    local -a cmd
    eval "cmd=($(cat "$T/$src.cmdline"))"
    cmd=("${cmd[@]//$T\/$src.sock/$T/vm2.sock}")
    cmd=("${cmd[@]//$T\/$src.serial/$T/$dst.serial}")
    cmd=("${cmd[@]//$T\/$src.ctl/$T/$dst.ctl}")
    cmd=("${cmd[@]//$T\/$src.qmp/$T/$dst.qmp}")
    cmd=("${cmd[@]//ifname=qtapA/ifname=qtapB}")
    rm -f "$T/$dst.serial" "$T/$dst.ctl.in" "$T/$dst.ctl.out" "$T/mig.sock"
    mkfifo "$T/$dst.ctl.in" "$T/$dst.ctl.out"
    spawn ip netns exec "$E2E_NS" timeout -k 5 200 "${cmd[@]}" -incoming "unix:$T/mig.sock" \
        >"$T/$dst.qemu.log" 2>&1
    GUEST_PID[$dst]=$BG_PID
    wait_for 20 test -S "$T/mig.sock" || diag "destination not listening"
    ((${#qtap[@]})) || wait_for 10 eval 'port_info vm2 | jget "d[\"connected\"]" 2>/dev/null | grep -qx true' ||
        diag "destination did not connect to vm2"

    # traffic: the stream, and pings
    spawn sender $((6 << 20)) >"$T/sender.$v" 2>&1
    local sender_pid=$BG_PID
    spawn ip netns exec "$E2E_NS" timeout 60 busybox ping -i 0.1 -W 1 -w 25 "$guest" >"$T/ping.$v" 2>&1
    local ping_pid=$BG_PID
    sleep 3

    qmp_call "$T/$src.qmp" migrate-set-parameters '{"max-bandwidth": 1073741824, "downtime-limit": 300}' >/dev/null
    if ! qmp_call "$T/$src.qmp" migrate "{\"uri\": \"unix:$T/mig.sock\"}" >"$T/migrate.$v" 2>&1; then
        tap_not_ok "$v: QEMU accepts to migrate a guest on uvnetd"
        diag_file "$T/migrate.$v" 5
        guest_kill "$src"; guest_kill "$dst"
        return
    fi
    tap_ok "$v: QEMU accepts to migrate a guest on uvnetd"
    local logged=no
    state=active
    for _ in $(seq 600); do
        info=$(qmp_call "$T/$src.qmp" query-migrate 2>/dev/null)
        state=$(jget "d.get('status', '')" <<<"$info")
        [[ $logged == no ]] && port_info "$sport" | jget "d.get('dirty_log')" 2>/dev/null | grep -qx true &&
            logged=yes
        [[ $state == completed || $state == failed || $state == cancelled ]] && break
        sleep 0.1
    done
    total=$(jget "d.get('total-time', -1)" <<<"$info")
    down=$(jget "d.get('downtime', -1)" <<<"$info")
    tap_is "$v: migration completed (${total} ms, downtime ${down} ms, $(jget \
        "'%d MB sent, %d sync rounds' % (d['ram']['transferred'] >> 20, d['ram']['dirty-sync-count'])" \
        <<<"$info" 2>/dev/null))" "$state" completed || { diag "$info"; diag_file "$T/$dst.qemu.log" 10; }
    # the FDB, at once: QEMU announces as soon as the destination runs
    local fdb=fdb_port
    ((${#qtap[@]})) && fdb=kernel_fdb_port
    wait_for 3 eval '[[ $('"$fdb $mac"') == '"$dport"' ]]'
    tap_is "$v: the bridge has the guest's MAC on $dport right after the migration" "$($fdb "$mac")" "$dport"
    if ((${#qtap[@]})); then
        tap_skip "$v: uvnetd logged the source's dirty pages" "QEMU's own back-end: no uvnetd ring"
    else
        tap_is "$v: uvnetd logged the source's dirty pages while QEMU copied (show: dirty_log)" "$logged" yes
    fi
    touch "$T/migrated" # the stream's last MiB goes to the destination
    qmp_call "$T/$src.qmp" quit >/dev/null 2>&1
    wait_for 10 _pid_gone "${GUEST_PID[$src]}"

    wait_for 180 _pid_gone "$sender_pid"
    if guest_wait_line "$dst" '^GUEST-SUM ' 120; then
        sum=$(guest_serial "$dst" | sed -n 's/^GUEST-SUM \([0-9a-f]*\).*/\1/p' | head -n1)
    fi
    sent=$(cat "$T/sender.$v" 2>/dev/null)
    tap_is "$v: the guest received the ${mbytes} MiB stream whole across the migration (md5)" \
        "${sum:-none}" "${sent#* }" || { diag "sender: $sent"; diag_file "$T/$dst.serial" 15; }
    wait_for 35 _pid_gone "$ping_pid"
    lost=$(ping_stats "$(cat "$T/ping.$v")")
    read -r tx rx <<<"${lost:-0 0}"
    tap_cmp "$v: pings lost across the migration: $((tx - rx)) of $tx (at most $max_lost)" \
        $((tx - rx)) -le "$max_lost"
    guest_go "$dst" done
    guest_wait "$dst" 30 >/dev/null || guest_kill "$dst"
    ((${#qtap[@]} == 0)) || qtap_down
}

for v in $variants; do
    migrate_one "$v"
done
tap_is "no ring stopped with buffers in flight" "$(grep -c 'in flight' "$T"/uvnetd.*.log)" 0
tap_is "no ring broke" "$(grep -c 'broken' "$T"/uvnetd.*.log)" 0
tap_done
