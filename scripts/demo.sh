#!/usr/bin/env bash
# The uvnet demo, the libvirt way: uvnetd defines and starts a NAT network
# `default` (a bridge, a gateway tap with 192.168.122.1, dnsmasq for DHCP,
# nftables masquerade), uvnet-vm boots two QEMU guests on it (virtio-net on
# vhost-user ports of that bridge), the guests take DHCP leases, ping their
# gateway and each other, reach an "outside" host through NAT (which sees
# the uplink's address as the source) and run iperf3.  A summary is printed
# and everything is removed at the end.
#
# uvnetd runs in a network namespace of its own whose only uplink is a veth
# to a second namespace, the outside host: nothing here touches the
# machine's real network.
#
# With libvirt installed (scripts/install-deps.sh libvirt), a third guest
# is started by libvirt (virsh create) with its vhost-user socket in the
# network's socket directory: uvnetd attaches it with no uvnetctl command.
# libvirtd and virtlogd are started for that (with the system's
# configuration) unless they run already, and stopped again after.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

ns=uvnet-demo-$$            # uvnetd's namespace: "the host"
out_ns=uvnet-demo-out-$$    # the outside host
tmp=$(mktemp -d /tmp/uvnet-demo.XXXXXX)
up_ip=203.0.113.1 out_ip=203.0.113.2 port=7000
macs=(52:54:00:77:00:01 52:54:00:77:00:02)
pids=()
vm_pid=()
lv_dom=uvnet-demo-$$          # the libvirt guest (transient)
lv_started=()                 # libvirt daemons the demo started
lv_rundir_new=                # /run/libvirt did not exist before: removed after
lv_result=                    # its summary row
t_start=$SECONDS

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

stop_pidfile() { # PIDFILE: stop the daemon it names
    local pid
    pid=$(cat "$1" 2>/dev/null) && kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
}

libvirt_cleanup() {
    command -v virsh >/dev/null || return 0
    timeout 30 virsh -q -c qemu:///system destroy "$lv_dom" >/dev/null 2>&1 || true
    rm -f "/var/log/libvirt/qemu/$lv_dom.log"
    [[ " ${lv_started[*]} " == *" libvirtd "* ]] && stop_pidfile /run/libvirtd.pid
    [[ " ${lv_started[*]} " == *" virtlogd "* ]] && stop_pidfile /run/virtlogd.pid
    [[ -n $lv_rundir_new && ${#lv_started[@]} -gt 0 ]] && rm -rf /run/libvirt
    lv_started=()
}

cleanup() {
    set +e
    libvirt_cleanup
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    for n in "$ns" "$out_ns"; do
        for p in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
        ip netns del "$n" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Installing what is missing and building"
scripts/install-deps.sh build e2e
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
paths=$(build/tools/uvnet-vm build-guest)
kernel=$(sed -n 's/^kernel=//p' <<<"$paths")
initrd=$(sed -n 's/^initrd=//p' <<<"$paths")
accel=$(scripts/guest/pick-accel.sh)
echo "guest kernel $kernel, accelerator $accel"

in_ns() { ip netns exec "$ns" "$@"; }
ctl() { "$root/build/tools/uvnetctl" --control "$tmp/uvnetd.sock" "$@"; }
vm() { "$root/build/tools/uvnet-vm" --control "$tmp/uvnetd.sock" "$@"; }
show() { # CMD...: print it as typed (uvnetctl, uvnet-vm), run it
    local shown=$*
    shown=${shown/#ctl /uvnetctl }
    printf '$ %s\n' "${shown/#vm /uvnet-vm }"
    "$@"
}

say "The host (a namespace) and an outside host behind its uplink"
ip netns add "$ns"
ip netns add "$out_ns"
ip -n "$ns" link set lo up
ip -n "$out_ns" link set lo up
ip -n "$ns" link add up0 type veth peer name eth0 netns "$out_ns"
ip -n "$ns" addr add "$up_ip/24" dev up0
ip -n "$ns" link set up0 up
ip -n "$ns" route add default via "$out_ip"
ip -n "$out_ns" addr add "$out_ip/24" dev eth0
ip -n "$out_ns" link set eth0 up
echo "host uplink up0 $up_ip, default route via the outside host $out_ip (which has no route back)"
# The outside host: a TCP listener that prints who connected, and iperf3.
ip netns exec "$out_ns" timeout 110 python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", '"$port"'))
s.listen(8)
while True:
    c, a = s.accept()
    c.settimeout(5)
    try:
        data = c.recv(200).decode(errors="replace").strip()
    except OSError:
        data = ""
    print("connection from %s: %s" % (a[0], data), flush=True)
    c.close()' >"$tmp/outside.log" 2>&1 &
pids+=($!)
ip netns exec "$out_ns" timeout 110 iperf3 -s -1 >"$tmp/outside-iperf3.log" 2>&1 &
pids+=($!)

say "uvnetd and the NAT network 'default'"
in_ns build/src/daemon/uvnetd --foreground --control "$tmp/uvnetd.sock" --state "$tmp/state" \
    --pid-file "$tmp/uvnetd.pid" --log-file "$tmp/uvnetd.log" &
pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/uvnetd.sock" ] && break; sleep 0.1; done
show ctl net-define default mode=nat
show ctl net-start default
show ctl net-list
in_ns nft list table inet uvnet-default | sed 's/^/    /'

# Each guest waits for its peer's address from the host (on ttyS1), then
# pings the gateway, the peer and the outside host, connects to it, and
# guest 1 runs iperf3 against guest 2 and the outside host.
preamble='exec 3<>/dev/ttyS1
stty -F /dev/ttyS1 raw -echo 2>/dev/null
echo "== lease: $(ip -4 -o addr show eth0 | awk "{print \$4}")"
echo DEMO-WAIT
read -r -t 100 peer <&3
'
cat >"$tmp/vm1.sh" <<EOF
$preamble
echo "== ping gateway"; ping -c 3 -W 2 192.168.122.1
echo "== ping guest2"; ping -c 3 -W 2 \$peer
echo "== ping outside"; ping -c 3 -W 2 $out_ip
echo "hello from guest1" | nc -w 3 $out_ip $port
sleep 1
echo "== iperf3 guest1 -> outside"; iperf3 -c $out_ip -t 3
echo "== iperf3 guest1 -> guest2"; iperf3 -c \$peer -t 3
EOF
cat >"$tmp/vm2.sh" <<EOF
iperf3 -s -1 >/dev/null 2>&1 &
$preamble
echo "== ping gateway"; ping -c 3 -W 2 192.168.122.1
echo "== ping guest1"; ping -c 3 -W 2 \$peer
echo "== ping outside"; ping -c 3 -W 2 $out_ip
echo "hello from guest2" | nc -w 3 $out_ip $port
wait
EOF

say "Booting two guests with uvnet-vm (DHCP on the network 'default', $accel)"
for i in 1 2; do
    scripts/guest/mkcpio-test.sh "$tmp/vm$i.sh" "$tmp/vm$i.cpio.gz"
    cat "$initrd" "$tmp/vm$i.cpio.gz" >"$tmp/vm$i.img"
    mkfifo "$tmp/vm$i.ctl.in" "$tmp/vm$i.ctl.out"
    printf '$ uvnet-vm run --name guest%s --net default,mac=%s --kernel vmlinuz --initrd initrd --mem 256 \\\n' \
        "$i" "${macs[i - 1]}"
    echo "      --cmdline 'uvnet.dhcp=1 ...' &"
    in_ns timeout 100 "$root/build/tools/uvnet-vm" --control "$tmp/uvnetd.sock" run --name "guest$i" \
        --net "default,mac=${macs[i - 1]}" --kernel "$kernel" --initrd "$tmp/vm$i.img" --mem 256 --cpus 1 \
        --accel "$accel" --cmdline "quiet panic=-1 no_timer_check ipv6.disable=1 uvnet.dhcp=1" \
        --serial-log "$tmp/vm$i.serial" -- -serial "pipe:$tmp/vm$i.ctl" >"$tmp/vm$i.out" 2>&1 &
    pids+=($!)
    vm_pid[i]=$!
done
for i in 1 2; do
    for _ in $(seq 600); do
        grep -q DEMO-WAIT "$tmp/vm$i.serial" 2>/dev/null && break
        kill -0 "${vm_pid[i]}" 2>/dev/null || break
        sleep 0.2
    done
done
say "DHCP leases (dnsmasq, read by uvnetd)"
show ctl net-dhcp-leases default
leases=$(ctl --json net-dhcp-leases default)
lease_of() { python3 -c 'import json,sys; print(next((l["ip"] for l in json.load(sys.stdin)["leases"] if l["mac"] == sys.argv[1]), ""))' "$1" <<<"$leases"; }
ip1=$(lease_of "${macs[0]}")
ip2=$(lease_of "${macs[1]}")
show vm list
tell() { timeout 5 bash -c 'echo "$1" >"$2"' _ "$2" "$tmp/vm$1.ctl.in" || true; }
tell 1 "$ip2"
tell 2 "$ip1"
sleep 3
say "uvnetctl show (guests running)"
ctl show
# the counters while both guests are still connected (their ports go with them)
while kill -0 "${vm_pid[1]}" 2>/dev/null && kill -0 "${vm_pid[2]}" 2>/dev/null; do
    ctl stats >"$tmp/stats.new" 2>/dev/null && grep -q vm-guest2 "$tmp/stats.new" && mv "$tmp/stats.new" "$tmp/stats"
    sleep 0.5
done
rc1=0 rc2=0
wait "${vm_pid[1]}" || rc1=$?
wait "${vm_pid[2]}" || rc2=$?

for i in 1 2; do
    say "Guest $i console"
    sed 's/\r$//' "$tmp/vm$i.serial" | grep -vE '^\[ *[0-9]+\.[0-9]+\]' | grep -vE 'UVNET-|DEMO-WAIT|udhcpc: (started|broadcasting)' || true
done
say "The outside host ($out_ip) saw"
sed 's/^/    /' "$tmp/outside.log"
grep 'Accepted connection from' "$tmp/outside-iperf3.log" | head -1 | sed 's/^/    iperf3: /' || true
say "uvnetctl stats (the last taken while both guests ran)"
cat "$tmp/stats" 2>/dev/null || ctl stats

# ---- the optional libvirt part: a guest libvirt starts, no uvnetctl command ----
libvirt_guest() {
    local lv=$tmp/lv type=kvm override='' sockdir
    local virsh=(virsh -q -c qemu:///system)
    if ! timeout 10 "${virsh[@]}" version >/dev/null 2>&1; then
        [ -d /run/libvirt ] || lv_rundir_new=1
        if ! pgrep -x virtlogd >/dev/null; then
            /usr/sbin/virtlogd -d && lv_started+=(virtlogd)
        fi
        /usr/sbin/libvirtd -d && lv_started+=(libvirtd)
        for _ in $(seq 50); do timeout 5 "${virsh[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
    fi
    # QEMU runs as libvirt-qemu: it must reach the socket directory and its files
    chmod 0711 "$tmp"
    mkdir -p "$lv" && chmod 0755 "$lv"
    printf '%s\n' "echo \"== lease: \$(ip -4 -o addr show eth0 | awk '{print \$4}')\"" \
        'echo "== ping gateway"; ping -c 3 -W 2 192.168.122.1' >"$lv/vm3.sh"
    scripts/guest/mkcpio-test.sh "$lv/vm3.sh" "$lv/vm3.cpio.gz"
    cat "$initrd" "$lv/vm3.cpio.gz" >"$lv/vm3.img"
    cp "$kernel" "$lv/vmlinuz"
    : >"$lv/vm3.serial"
    if [ "$accel" = tcg ]; then # QEMU 7.2 under TCG needs vectors=0 (docs/libvirt.md)
        type=qemu
        override="<qemu:override><qemu:device alias='ua-net0'><qemu:frontend>
    <qemu:property name='vectors' type='unsigned' value='0'/></qemu:frontend></qemu:device></qemu:override>"
    fi
    sockdir=$(ctl --json net-list | python3 -c 'import json,sys; print(json.load(sys.stdin)["networks"][0]["socket_dir"])')
    cat >"$lv/vm3.xml" <<XML
<domain type='$type' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$lv_dom</name>
  <memory unit='MiB'>256</memory>
  <os><type arch='x86_64'>hvm</type><kernel>$lv/vmlinuz</kernel><initrd>$lv/vm3.img</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 no_timer_check ipv6.disable=1 uvnet.dhcp=1</cmdline></os>
  <features><acpi/><apic/></features>
  <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <interface type='vhostuser'>
      <mac address='52:54:00:77:00:03'/>
      <source type='unix' path='$sockdir/vm3.sock' mode='server'/>
      <model type='virtio'/>
      <alias name='ua-net0'/>
    </interface>
    <serial type='file'><source path='$lv/vm3.serial'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
  $override
</domain>
XML
    echo "the network's socket directory: $sockdir; the domain's interface:"
    sed -n '/<interface/,/<\/interface>/p' "$lv/vm3.xml"
    show virsh -c qemu:///system create "$lv/vm3.xml" || return 1
    show ctl show
    for _ in $(seq 600); do
        grep -q UVNET-TEST-EXIT "$lv/vm3.serial" && break
        sleep 0.2
    done
    sed 's/\r$//' "$lv/vm3.serial" | grep -E '^== |packets transmitted' | sed 's/^/    /'
    show ctl net-dhcp-leases default
    for _ in $(seq 50); do ctl show | grep -q 'Port vm3' || break; sleep 0.2; done
    if ctl show | grep -q 'Port vm3'; then
        echo "guest powered off: port vm3 is still there"
        return 1
    fi
    echo "guest powered off: port vm3 went with its socket"
    sed 's/\r$//' "$lv/vm3.serial" | grep -q ' 0% packet loss' &&
        ctl --json net-dhcp-leases default | grep -q 52:54:00:77:00:03
}
if command -v virsh >/dev/null && [ -x /usr/sbin/libvirtd ]; then
    say "A libvirt guest on the same network: no uvnetctl command"
    lv_result=
    libvirt_guest && lv_result="lease, ping, port came and went"
    libvirt_cleanup
else
    say "libvirt is not installed: its part is skipped (scripts/install-deps.sh libvirt)"
    lv_result="skipped (libvirt not installed)"
fi

say "Removing everything"
show ctl net-stop default
show ctl net-undefine default
kill -TERM "$(cat "$tmp/uvnetd.pid")"
for _ in $(seq 50); do [ -e "$tmp/uvnetd.pid" ] || break; sleep 0.1; done
left_tables=$(in_ns nft list tables 2>/dev/null | wc -l)
left_dnsmasq=0
for p in $(ip netns pids "$ns"); do [ "$(cat /proc/"$p"/comm 2>/dev/null)" = dnsmasq ] && left_dnsmasq=$((left_dnsmasq + 1)); done
left_taps=$(ip -n "$ns" -o link show | grep -c ' uv-' || true)

say "Summary"
s1=$(sed 's/\r$//' "$tmp/vm1.serial")
s2=$(sed 's/\r$//' "$tmp/vm2.serial")
loss() { grep -A10 "^== $2" <<<"$1" | grep -o '[0-9]*% packet loss' | head -1; }
rate() { grep -A30 "^== $2" <<<"$1" | grep receiver | head -1 | grep -o '[0-9.]* [GM]bits/sec'; }
ok=0
row() { printf '  %-40s %s\n' "$1" "${2:-FAILED}"; [ -n "${2:-}" ] || ok=1; }
row "guest1 DHCP lease" "$ip1"
row "guest2 DHCP lease" "$ip2"
row "guest1 -> gateway ping" "$(loss "$s1" 'ping gateway')"
row "guest2 -> gateway ping" "$(loss "$s2" 'ping gateway')"
row "guest1 -> guest2 ping" "$(loss "$s1" 'ping guest2')"
row "guest2 -> guest1 ping" "$(loss "$s2" 'ping guest1')"
row "guest1 -> outside ping (NAT)" "$(loss "$s1" 'ping outside')"
row "guest2 -> outside ping (NAT)" "$(loss "$s2" 'ping outside')"
seen=$(sed -n 's/^connection from \([0-9.]*\): hello from guest.*/\1/p' "$tmp/outside.log" | sort -u | tr '\n' ' ')
row "source address the outside host saw" "$([ "${seen% }" = "$up_ip" ] && echo "$up_ip (the uplink's: SNAT)")"
row "iperf3 guest1 -> guest2" "$(rate "$s1" 'iperf3 guest1 -> guest2')"
row "iperf3 guest1 -> outside (NAT)" "$(rate "$s1" 'iperf3 guest1 -> outside')"
row "libvirt guest (virsh create)" "$lv_result"
row "uvnet-vm run exit status (powered off)" "$([ $rc1$rc2 = 00 ] && echo "0 0")"
row "left after net-stop and uvnetd's exit" \
    "$([ "$left_tables$left_dnsmasq$left_taps" = 000 ] && echo "no nft table, dnsmasq or tap")"
if grep -q '100% packet loss' <<<"$s1$s2"; then ok=1; fi
echo "  ($((SECONDS - t_start)) s)"
[ $ok -eq 0 ] && echo "demo: all checks passed" || echo "demo: some checks failed (uvnetd log: $tmp/uvnetd.log is removed on exit)"
exit $ok
