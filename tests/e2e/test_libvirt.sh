#!/usr/bin/env bash
# libvirt as the front door (issue 18): a real libvirtd (started here with
# virtlogd, as there is no systemd) runs TCG guests whose
# <interface type='vhostuser'> has QEMU make its socket, in server mode, in
# a uvnet network's socket directory; uvnetd attaches each as a port.
#
#   libvirtd (host ns) -- QEMU as libvirt-qemu -- $T/net/lvnet/lvX.sock
#                                                      | (unix socket)
#   uvnetd (its ns): network lvnet, nat, 10.218.0.0/24, port lvX (client mode)
#
#  - the socket directory is root:libvirt-qemu 2770;
#  - `virsh define` + `virsh start` of a domain with memfd shared memory:
#    the port appears, the guest gets its lease from the network's dnsmasq
#    (net-dhcp-leases) and pings the gateway;
#  - a `virt-install --import` guest comes up the same way;
#  - the socket-directory ports lock on their guest's MAC (the domain
#    XML's) and the address it leased (show --json: port_security MAC,IP,
#    port_security_learn locked); guest a, once it pinged, changes its MAC
#    and pings: those frames are dropped and counted (eth-src), and with
#    its MAC back it pings on;
#  - uvnetd SIGKILLed and started again from its state file: the running
#    guest is attached again, locked on the same MAC and address, and
#    pings again;
#  - `virsh destroy` removes the port;
#  - a domain with <driver queues='4'/> and 4 vCPUs starts (needs GET_QUEUE_NUM
#    to answer at least 4: the vhost-user port's default maximum), its 8
#    vrings run and every one carries packets (a pinned ping per vCPU, 32
#    UDP flows towards it);
#  - net-stop removes the directory.
# Everything started here (domains, libvirtd, virtlogd unless they ran
# already) is stopped and removed at the end, also on failure.
# Guests boot with no_timer_check: on a loaded host a TCG guest with
# several vCPUs can fail the kernel's IO-APIC timer check and panic.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_TIME_LIMIT=${E2E_TIME_LIMIT:-330}
e2e_init libvirt

VIRSH=(virsh -q -c qemu:///system)
net=lvnet gw=10.218.0.1
mac_a=52:54:00:e2:18:0a mac_b=52:54:00:e2:18:0b mac_c=52:54:00:e2:18:0c
mac_forged=52:54:00:e2:18:66
dom_a=uvnet-e2e-$$-a dom_b=uvnet-e2e-$$-b dom_c=uvnet-e2e-$$-c
DOMS=()            # defined here: destroyed and undefined at the end
LV_STARTED=()      # daemons started here: stopped at the end
LV_RUNDIR_NEW=     # /run/libvirt did not exist before

for p in virsh libvirtd virtlogd virt-install; do
    command -v "$p" >/dev/null || {
        echo "1..0 # SKIP $p is not installed (scripts/install-deps.sh libvirt)"
        exit 0
    }
done

# ---- libvirt: started here unless it runs already ----

_stop_pidfile() { # PIDFILE: stop the daemon it names, up to 10 s
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 0
    [[ $pid =~ ^[0-9]+$ ]] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
}

libvirt_cleanup() {
    local d
    for d in "${DOMS[@]}"; do
        timeout 30 "${VIRSH[@]}" destroy "$d" >/dev/null 2>&1
        timeout 30 "${VIRSH[@]}" undefine "$d" >/dev/null 2>&1
        rm -f "/var/log/libvirt/qemu/$d.log"
    done
    if [[ " ${LV_STARTED[*]} " == *" libvirtd "* ]]; then
        _stop_pidfile /run/libvirtd.pid
    fi
    if [[ " ${LV_STARTED[*]} " == *" virtlogd "* ]]; then
        _stop_pidfile /run/virtlogd.pid
    fi
    [[ -n $LV_RUNDIR_NEW && ${#LV_STARTED[@]} -gt 0 ]] && rm -rf /run/libvirt
}
trap '_rc=$?; libvirt_cleanup; (exit $_rc); _e2e_exit' EXIT

lv_answers() { timeout 10 "${VIRSH[@]}" version >/dev/null 2>&1; }

if ! lv_answers; then
    [[ -d /run/libvirt ]] || LV_RUNDIR_NEW=1
    if ! pgrep -x virtlogd >/dev/null; then
        /usr/sbin/virtlogd -d && LV_STARTED+=(virtlogd) || e2e_bail "virtlogd -d"
    fi
    /usr/sbin/libvirtd -d && LV_STARTED+=(libvirtd) || e2e_bail "libvirtd -d"
    wait_for 30 lv_answers || e2e_bail "libvirtd answers on qemu:///system"
fi
tap_ok "libvirtd answers on qemu:///system (started here: ${LV_STARTED[*]:-none})"

# ---- uvnetd and the network ----

# QEMU runs as libvirt-qemu: it must traverse $T to reach the socket
# directory, its kernel, initrd and console file.
chmod 0711 "$T"
uvnetd_start || e2e_bail "uvnetd starts and answers"
ctl net-define "$net" mode=nat subnet=10.218.0.0/24 && ctl net-start "$net" ||
    e2e_bail "network $net defined and started"
SD=$(ctl --json net-list | jget "[n for n in d['networks'] if n['name'] == '$net'][0]['socket_dir']")
tap_is "net-list names the socket directory" "$SD" "$T/net/$net"
if getent group libvirt-qemu >/dev/null; then
    tap_is "socket directory is root:libvirt-qemu, mode 2770" "$(stat -c '%U:%G %a' "$SD")" "root:libvirt-qemu 2770"
else
    tap_is "socket directory is root:root, mode 2770 (no libvirt-qemu group)" "$(stat -c '%U:%G %a' "$SD")" "root:root 2770"
fi

# ---- guests ----

mkdir -p "$T/lv" && chmod 0755 "$T/lv"
guest_prepare || e2e_bail "test guest built"
cp "$GUEST_KERNEL" "$T/lv/vmlinuz" || e2e_bail "kernel copied"

# lv_image NAME <SCRIPT: $T/lv/NAME.img, the guest's initrd with SCRIPT as /test.sh.
lv_image() {
    cat >"$T/lv/$1.sh"
    "$GUEST_SCRIPTS/mkcpio-test.sh" "$T/lv/$1.sh" "$T/lv/$1.cpio.gz" &&
        cat "$GUEST_INITRD" "$T/lv/$1.cpio.gz" >"$T/lv/$1.img"
}

# A guest that pings the gateway once a second, a mark for each answer;
# with FORGED (a MAC), after 5 answers it pings for 3 s from that MAC
# (marks "forged" when done) and then goes on with its own.
pinger() {
    local forged=${1:-}
    cat <<EOF
echo "== addr \$(ip -4 -o addr show eth0 | awk '{print \$4}')"
i=0 n=0 mac=\$(cat /sys/class/net/eth0/address)
while [ \$i -lt 900 ]; do
    ping -c 1 -W 1 $gw >/dev/null 2>&1 && echo "E2E-MARK ping-ok" && n=\$((n + 1)) && sleep 1
    if [ -n "$forged" ] && [ \$n -eq 5 ]; then
        ip link set eth0 down; ip link set eth0 address $forged; ip link set eth0 up
        ping -c 3 -i 1 -W 1 $gw
        ip link set eth0 down; ip link set eth0 address \$mac; ip link set eth0 up
        echo "E2E-MARK forged"
        n=6
    fi
    i=\$((i + 1))
done
EOF
}

# domain_xml NAME PORT MAC VCPUS [QUEUES]
domain_xml() {
    local name=$1 port=$2 mac=$3 vcpus=$4 queues=${5:-}
    cat <<EOF
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$name</name>
  <memory unit='MiB'>256</memory>
  <vcpu>$vcpus</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$T/lv/vmlinuz</kernel>
    <initrd>$T/lv/$port.img</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 no_timer_check ipv6.disable=1 uvnet.dhcp=1</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <memoryBacking>
    <source type='memfd'/>
    <access mode='shared'/>
  </memoryBacking>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <interface type='vhostuser'>
      <mac address='$mac'/>
      <source type='unix' path='$SD/$port.sock' mode='server'/>
      <model type='virtio'/>
      ${queues:+<driver queues='$queues'/>}
      <alias name='ua-net0'/>
    </interface>
    <serial type='file'>
      <source path='$T/lv/$port.serial'/>
      <target port='0'/>
    </serial>
    <memballoon model='none'/>
  </devices>
  <qemu:override>
    <qemu:device alias='ua-net0'>
      <qemu:frontend>
        <qemu:property name='vectors' type='unsigned' value='0'/>
      </qemu:frontend>
    </qemu:device>
  </qemu:override>
</domain>
EOF
}

serial() { tr -d '\r' <"$T/lv/$1.serial" 2>/dev/null; }
pings() { serial "$1" | grep -c '^E2E-MARK ping-ok'; }
pinged_since() { (($(pings "$1") > $2)); }
port_gone() { ! ctl --json show | jget "[p['name'] for b in d['bridges'] for p in b['ports']]" | grep -q "\"$1\""; }
port_connected() { port_info "$1" 2>/dev/null | jget "d['connected']" 2>/dev/null | grep -qx true; }
leased() { ctl --json net-dhcp-leases "$net" | jget "[l['ip'] for l in d['leases'] if l['mac'] == '$1'][0]" 2>/dev/null; }
# psec PORT: "PORT_SECURITY STATE" of show --json (- for a missing one)
psec() { port_info "$1" 2>/dev/null | jget "d.get('port_security', '-') + ' ' + d.get('port_security_learn', '-')"; }
secdrop() { ctl --json stats "$1" | jget "d['ports'][0]['security_drops']['$2']"; }
has_lease() { [[ -n $(leased "$1") ]]; }

# start_domain NAME PORT MAC VCPUS [QUEUES]: define and start it.
start_domain() {
    domain_xml "$@" >"$T/lv/$2.xml"
    : >"$T/lv/$2.serial"
    timeout 30 "${VIRSH[@]}" define "$T/lv/$2.xml" >"$T/lv/$2.virsh" 2>&1 || return 1
    DOMS+=("$1")
    timeout 60 "${VIRSH[@]}" start "$1" >>"$T/lv/$2.virsh" 2>&1
}

pinger "$mac_forged" | lv_image lva || e2e_bail "guest image a"
pinger | lv_image lvc || e2e_bail "guest image c"

if start_domain "$dom_a" lva "$mac_a" 1; then
    tap_ok "virsh define + start $dom_a (vhostuser, mode='server', in $SD)"
else
    tap_not_ok "virsh define + start $dom_a"
    diag_file "$T/lv/lva.virsh" 20
fi
tap_check "port lva attached and connected" wait_for 10 port_connected lva

# virt-install --import, as docs/libvirt.md shows it (the TCG workaround as -global)
: >"$T/lv/lvc.serial"
DOMS+=("$dom_c")
if timeout 120 virt-install --connect qemu:///system --name "$dom_c" --memory 256 --vcpus 1 \
    --virt-type qemu --import --disk none --osinfo detect=on,require=off \
    --network "vhostuser,source_type=unix,source_path=$SD/lvc.sock,source_mode=server,model=virtio,mac=$mac_c" \
    --memorybacking source.type=memfd,access.mode=shared \
    --boot "kernel=$T/lv/vmlinuz,initrd=$T/lv/lvc.img,kernel_args=console=ttyS0 quiet panic=-1 no_timer_check ipv6.disable=1 uvnet.dhcp=1" \
    --qemu-commandline="-global virtio-net-pci.vectors=0" \
    --graphics none --serial "file,path=$T/lv/lvc.serial" --noautoconsole >"$T/lv/lvc.virsh" 2>&1; then
    tap_ok "virt-install --import $dom_c"
else
    tap_not_ok "virt-install --import $dom_c"
    diag_file "$T/lv/lvc.virsh" 20
fi
tap_check "port lvc attached and connected" wait_for 10 port_connected lvc

for g in a c; do
    mac=mac_$g
    if wait_for 120 has_lease "${!mac}"; then
        tap_ok "guest $g got its lease from $net: $(leased "${!mac}")"
    else
        tap_not_ok "guest $g got its lease from $net"
        diag "$(ctl net-dhcp-leases "$net")" "$(serial lv$g | tail -n 20)"
    fi
    tap_check "guest $g pings the gateway $gw" wait_for 60 pinged_since "lv$g" 0
    tap_is "port lv$g: locked on the domain's MAC and its lease" "$(psec "lv$g")" \
        "${!mac},$(leased "${!mac}") locked"
done

# ---- guest a sends from another MAC ----
forged() { serial lva | grep -q '^E2E-MARK forged'; }
if wait_for 60 forged; then
    tap_ok "guest a sent from $mac_forged"
    tap_cmp "its frames were dropped and counted (eth-src)" "$(secdrop lva eth-src)" -gt 0
    tap_is "port lva still locked on $mac_a" "$(psec lva)" "$mac_a,$(leased "$mac_a") locked"
    n=$(pings lva)
    tap_check "with its MAC back, guest a pings on" wait_for 30 pinged_since lva "$n"
else
    tap_not_ok "guest a sent from $mac_forged"
    diag "$(serial lva | tail -n 20)"
fi
lock_a=$(psec lva)

# ---- uvnetd SIGKILLed and started again under a running guest ----
uvnetd_stop KILL 10
before=$(pings lva)
uvnetd_start || e2e_bail "uvnetd starts again from its state file"
tap_check "after the restart, port lva is attached and connected again" wait_for 15 port_connected lva
tap_check "after the restart, port lva is locked on the same MAC and address" \
    wait_for 15 eval '[[ $lock_a == *" locked" && $(psec lva) == "$lock_a" ]]'
if wait_for 60 pinged_since lva $((before + 2)); then
    tap_ok "guest a pings the gateway again (pings: $before before, $(pings lva) now)"
else
    tap_not_ok "guest a pings the gateway again"
    diag "$(serial lva | tail -n 5)" "$(ctl show)"
fi

# ---- virsh destroy removes the port ----
timeout 60 "${VIRSH[@]}" destroy "$dom_a" >/dev/null 2>&1
tap_check "virsh destroy $dom_a removes port lva" wait_for 15 port_gone lva
timeout 60 "${VIRSH[@]}" destroy "$dom_c" >/dev/null 2>&1
tap_check "virsh destroy $dom_c removes port lvc" wait_for 15 port_gone lvc

# ---- 4 queue pairs, 4 vCPUs ----
lv_image lvb <<EOF || e2e_bail "guest image b"
echo "== cpus \$(nproc), queues: \$(ls /sys/class/net/eth0/queues | tr '\n' ' ')"
i=0
while [ \$i -lt 60 ] && ! ping -c 1 -W 1 $gw >/dev/null 2>&1; do i=\$((i + 1)); done
for c in 0 1 2 3; do
    echo "== ping from cpu\$c"
    taskset -c \$c ping -c 3 -i 0.3 -W 2 $gw
done
echo "E2E-MARK mq-pinged"
sleep 900
EOF
b_up=
if start_domain "$dom_b" lvb "$mac_b" 4 4; then
    tap_ok "virsh start $dom_b with <driver queues='4'/> and 4 vCPUs"
    b_up=1
else
    tap_not_ok "virsh start $dom_b with <driver queues='4'/> and 4 vCPUs"
    diag_file "$T/lv/lvb.virsh" 20
fi
if [[ -n $b_up ]] && wait_for 10 port_connected lvb && wait_for 60 vhost_ready lvb 8; then
    tap_ok "port lvb: all 8 vrings running"
else
    tap_not_ok "port lvb: all 8 vrings running"
    diag "$(port_info lvb 2>&1)"
fi
mq_pinged() { serial lvb | grep -q '^E2E-MARK mq-pinged'; }
if [[ -n $b_up ]] && wait_for 150 mq_pinged; then
    tap_ok "guest b pinged from each vCPU"
    ip_b=$(leased "$mac_b")
    # 32 UDP flows (one per source port) towards the guest: uvnetd hashes
    # each onto one of the RX vrings; missing one of four has p < 4 * (3/4)^32.
    in_ns "$E2E_NS" "$PY" - "$gw" "${ip_b:-10.218.0.254}" <<'PY'
import socket, sys
for sport in range(20000, 20032):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], sport))
    s.sendto(b"uvnet-e2e flow", (sys.argv[2], 9))
    s.close()
PY
    sleep 1
else
    tap_not_ok "guest b pinged from each vCPU"
    diag "$(serial lvb | tail -n 20)"
fi
info=$(port_info lvb 2>/dev/null)
diag "$(serial lvb | grep -E '^==|packets transmitted')"
for i in 0 1 2 3 4 5 6 7; do
    n=$(jget "[r for r in d['vrings'] if r['index'] == $i][0]['packets']" <<<"$info" 2>/dev/null)
    tap_cmp "queue pair $((i / 2)) $( ((i % 2)) && echo TX || echo RX) vring $i carried packets" "${n:-x}" -gt 0
done
timeout 60 "${VIRSH[@]}" destroy "$dom_b" >/dev/null 2>&1
tap_check "virsh destroy $dom_b removes port lvb" wait_for 15 port_gone lvb

# ---- net-stop ----
ctl net-stop "$net"
tap_check "net-stop removes the socket directory" test ! -e "$SD"

tap_done
