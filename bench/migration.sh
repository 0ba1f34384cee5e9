#!/usr/bin/env bash
# Live migration time and downtime of a guest on uvnetd vs on QEMU's own
# TAP path, in the same run (issue 17).
#
# A 512 MiB guest (MEM) is migrated between two QEMU processes on this
# host (-incoming unix:, max-bandwidth 1 GiB/s, downtime limit 300 ms):
#   uvnetd:    virtio-net-pci on vhost-user ports vmA -> vmB of a uvnetd
#              bridge; uvnetd logs the pages it writes while QEMU copies
#   qemu-tap:  virtio-net-pci on `-netdev tap,vhost=off`, taps qtapA ->
#              qtapB on a Linux bridge
# each idle and loaded (the host streams TCP into the guest as fast as it
# takes it during the migration); RUNS rounds, stacks alternated.  Prints
# QEMU's total time, downtime, MB sent and the stream's rate, and writes
# bench/results/migration.csv.  Everything runs in a private namespace.
#
# usage: bench/migration.sh [RUNS]    (default 1)
#   MEM=MiB (default 512); KEEP=1 keeps the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${1:-1}
mem=${MEM:-512}

ns=uvnet-migbench-$$
tmp=$(mktemp -d /tmp/uvnet-migbench.XXXXXX)
out=bench/results
source bench/lib/guest-bench.sh

in_ns() { ip netns exec "$ns" "$@"; }
ctl() { in_ns "$root/build/tools/uvnetctl" --control "$tmp/uvnetd.sock" "$@" >/dev/null; }
qmp() { # SOCKET COMMAND [ARGS_JSON]
    python3 - "$@" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(20); s.connect(sys.argv[1]); f = s.makefile("rw")
def call(c, a=None):
    f.write(json.dumps({"execute": c, **({"arguments": a} if a else {})}) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r: return r["return"]
        if "error" in r: sys.exit(r["error"]["desc"])
f.readline(); call("qmp_capabilities")
print(json.dumps(call(sys.argv[2], json.loads(sys.argv[3]) if len(sys.argv) > 3 else None)))
EOF
}

ip netns add "$ns"
nss+=("$ns")
ip -n "$ns" link set lo up
spawn_ns() { in_ns "$@" & pids+=($!); }

# uvnetd: br0 with the host on tap0 (10.89.0.1), ports vmA and vmB
spawn_ns "$root/build/src/daemon/uvnetd" --foreground --control "$tmp/uvnetd.sock" \
    --state "$tmp/state" --pid-file "$tmp/uvnetd.pid" --log-file "$tmp/uvnetd.log"
for _ in $(seq 50); do [ -S "$tmp/uvnetd.sock" ] && break; sleep 0.1; done
ctl add-br br0
ctl add-port br0 tap0 type=tap
ctl add-port br0 vmA type=vhost-user path="$tmp/vmA.sock"
ctl add-port br0 vmB type=vhost-user path="$tmp/vmB.sock"
in_ns ip addr add 10.89.0.1/24 dev tap0
in_ns ip link set tap0 up
# QEMU's TAP path: a Linux bridge (10.89.1.1) with qtapA and qtapB
in_ns ip link add lbr0 type bridge
in_ns ip addr add 10.89.1.1/24 dev lbr0
in_ns ip link set lbr0 up
for t in qtapA qtapB; do
    in_ns ip tuntap add dev "$t" mode tap
    in_ns ip link set "$t" master lbr0 up
done

cat >"$tmp/guest.sh" <<'EOF'
while true; do nc -l -p 5000 >/dev/null; done &
echo READY
sleep 3600
EOF
scripts/guest/mkcpio-test.sh "$tmp/guest.sh" "$tmp/guest.cpio.gz"
cat "$initrd" "$tmp/guest.cpio.gz" >"$tmp/guest.img"

# start STACK SIDE [QEMU_ARG...]: a guest of STACK on side A or B; its
# address in $gip (not printed: a $(...) would wait for QEMU's copy of
# the pipe)
start() {
    local stack=$1 side=$2 ip=10.89.0.2 nic ram=$((mem * 1024))K
    # under TCG 8 KiB over: QEMU 7.2 loses guest stores in a migration
    # of a RAM block sized a multiple of 256 KiB (docs/migration.md)
    [ "$accel" != tcg ] || ram=$((mem * 1024 + 8))K
    rm -f "$tmp/mig.sock"
    shift 2
    if [ "$stack" = uvnetd ]; then
        nic=(-chardev "socket,id=c0,path=$tmp/vm$side.sock,reconnect=1"
             -netdev vhost-user,id=n0,chardev=c0)
    else
        ip=10.89.1.2
        nic=(-netdev "tap,id=n0,ifname=qtap$side,script=no,downscript=no,vhost=off")
    fi
    rm -f "$tmp/$side.qmp" "$tmp/$side.serial"
    spawn_ns timeout -k 5 300 qemu-system-x86_64 -accel "$accel" -m "$ram" -nodefaults \
        -display none -no-reboot -serial "file:$tmp/$side.serial" \
        -object "memory-backend-memfd,id=mem,size=$ram,share=on" -numa node,memdev=mem \
        -kernel "$kernel" -initrd "$tmp/guest.img" \
        -append "console=ttyS0 quiet panic=-1 ipv6.disable=1 uvnet.ip=$ip/24" \
        "${nic[@]}" -device virtio-net-pci,netdev=n0,mac=52:54:00:89:00:02,vectors=0 \
        -qmp "unix:$tmp/$side.qmp,server=on,wait=off" "$@" >"$tmp/$side.log" 2>&1
    gip=$ip
}

# the host streams into the guest as fast as it takes it, for 60 s at most
# (or until SIGTERM); prints MB/s
cat >"$tmp/stream.py" <<'EOF'
import signal, socket, sys, time
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
s = socket.create_connection((sys.argv[1], 5000), timeout=30)
buf, sent, t0 = bytes(range(256)) * 256, 0, time.monotonic()
try:
    while time.monotonic() - t0 < 60:
        s.sendall(buf); sent += len(buf)
except OSError:
    pass
finally:
    print("%.1f" % (sent / (time.monotonic() - t0) / 1e6), flush=True)
EOF

mkdir -p "$out"
echo "stack,load,run,total_ms,downtime_ms,sent_mb,stream_mbs" >"$out/migration.csv"
printf '%-9s %-7s %9s %9s %8s %10s\n' stack load total_ms downtime sent_MB stream_MB/s
for ((r = 1; r <= runs; r++)); do
    for stack in uvnetd qemu-tap; do
        for load in idle loaded; do
            start "$stack" A
            ip=$gip
            for _ in $(seq 120); do grep -q READY "$tmp/A.serial" 2>/dev/null && break; sleep 1; done
            for _ in $(seq 30); do in_ns ping -c1 -W1 "$ip" >/dev/null 2>&1 && break; done
            spid=
            if [ "$load" = loaded ]; then
                # not through in_ns(): $! must be timeout itself, which passes SIGTERM on
                ip netns exec "$ns" timeout 70 python3 "$tmp/stream.py" "$ip" >"$tmp/stream.out" 2>&1 &
                spid=$!
                sleep 3
            fi
            start "$stack" B -incoming "unix:$tmp/mig.sock"
            for _ in $(seq 100); do [ -S "$tmp/mig.sock" ] && break; sleep 0.1; done
            qmp "$tmp/A.qmp" migrate-set-parameters '{"max-bandwidth": 1073741824, "downtime-limit": 300}' >/dev/null
            qmp "$tmp/A.qmp" migrate "{\"uri\": \"unix:$tmp/mig.sock\"}" >/dev/null
            info='{}'
            for _ in $(seq 1200); do
                info=$(qmp "$tmp/A.qmp" query-migrate)
                st=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("status"))' "$info")
                case $st in completed|failed|cancelled) break ;; esac
                sleep 0.1
            done
            qmp "$tmp/A.qmp" quit >/dev/null 2>&1 || true
            if [ -n "$spid" ]; then
                sleep 2
                kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null || true
            fi
            qmp "$tmp/B.qmp" quit >/dev/null 2>&1 || true
            sleep 1
            read -r total down sent < <(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(d.get("total-time", -1), d.get("downtime", -1), d.get("ram", {}).get("transferred", 0) >> 20)' "$info")
            rate=$(tail -n1 "$tmp/stream.out" 2>/dev/null || true)
            [ "$load" = idle ] && rate=-
            [ "$st" = completed ] || { total="$st"; down=-; }
            printf '%-9s %-7s %9s %9s %8s %10s\n' "$stack" "$load" "$total" "$down" "$sent" "${rate:-?}"
            echo "$stack,$load,$r,$total,$down,$sent,${rate:-}" >>"$out/migration.csv"
            rm -f "$tmp/stream.out"
        done
    done
done
