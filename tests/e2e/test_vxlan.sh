#!/usr/bin/env bash
# VXLAN tunnel ports (type=vxlan).  Three "hosts" on one underlay segment
# (a Linux bridge in namespace u, 10.240.0.0/24):
#
#   A  10.240.0.1  this test's uvnetd ($E2E_NS): br0 = vx1 (to B, VNI 42),
#                  vx2 (to C, VNI 43), tap tapa (namespace ea, 10.241.0.1),
#                  guest vm1 (10.241.0.11); br1 = vx3 (to C, VNI 44), tap
#                  tapa2 (namespace ea2, 10.241.0.5).  vx1-vx3 give local=
#                  and so share one endpoint (10.240.0.1:4789).
#   B  10.240.0.2  the Linux kernel: vxlan vx0 (VNI 42) on a bridge with a
#                  veth to namespace eb (10.241.0.2).
#   C  10.240.0.3  a second uvnetd (--control $T/c.ctl.sock), no local=:
#                  br0 = vx1 (to A, VNI 43) + tap (ec, 10.241.0.3);
#                  br1 = vx2 (to A, VNI 44) + tap (ec2, 10.241.0.4).
#
# (1) uvnetd <-> kernel vxlan: ping, iperf3 (guest and tap endpoints), 1450-
#     byte DF packets both ways, a 1500-byte one dropped and counted, the
#     port's MTU following the underlay's, fdb-show learns B's MACs on vx1.
# (2) uvnetd <-> uvnetd: ping and iperf3 through C; VNI 44 (br1) reaches
#     only br1: demultiplexing by VNI on one endpoint.
# (3) crafted UDP to A's endpoint: wrong VNI, bad flags, reserved bits,
#     truncated headers, runt inner frames, an unknown remote are counted
#     by reason and dropped; a flood of 2000 unknown inner source MACs is
#     learned on vx1 and forwarding goes on.
#
# Host B's underlay veth has transmit checksum offload turned off: across a
# veth the kernel hands a partial inner TCP checksum (CHECKSUM_PARTIAL) to
# the receiving namespace, where a UDP socket reader - uvnetd - gets the
# unfinished bytes.  A real NIC (or this setting) completes it first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init vxlan

ulA=10.240.0.1 ulB=10.240.0.2 ulC=10.240.0.3 ulX=10.240.0.9
ovEA=10.241.0.1 ovEB=10.241.0.2 ovEC=10.241.0.3 ovEC2=10.241.0.4 ovEA2=10.241.0.5
ovVM=10.241.0.11 macVM=52:54:00:e2:0a:11
nsU='' nsB='' nsC='' nsEA='' nsEB='' nsEC='' nsEA2='' nsEC2=''

# A small Python tool: crafted VXLAN packets, DF-marked UDP, and turning
# off a device's transmit checksum offload (ethtool's ioctl: no ethtool needed).
cat >"$T/vx.py" <<'EOF'
import ctypes, fcntl, os, socket, struct, sys, time
IP_MTU_DISCOVER, IP_PMTUDISC_DO = 10, 2
SIOCETHTOOL, ETHTOOL_STXCSUM = 0x8946, 0x17

def vxh(vni, flags=0x08, r1=0, r2=0):
    return bytes([flags, 0, 0, r1]) + vni.to_bytes(3, "big") + bytes([r2])

def mac(s):
    return bytes.fromhex(s.replace(":", ""))

INNER = mac("ff:ff:ff:ff:ff:ff") + mac("02:00:00:00:00:01") + b"\x88\xb5" + b"x" * 46
cmd = sys.argv[1]
if cmd == "txcsum-off":  # IFNAME
    val = ctypes.create_string_buffer(struct.pack("II", ETHTOOL_STXCSUM, 0))
    ifr = struct.pack("16sP", sys.argv[2].encode(), ctypes.addressof(val)) + bytes(16)
    fcntl.ioctl(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), SIOCETHTOOL, ifr)
elif cmd == "vxlan":  # SRC DST KIND COUNT [DSTMAC]
    src, dst, kind, count = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    for i in range(count):
        p = {
            "good": lambda: vxh(42) + INNER,
            "vni": lambda: vxh(99) + INNER,
            "flags0": lambda: vxh(42, flags=0) + INNER,
            "flagsc": lambda: vxh(42, flags=0x0c) + INNER,
            "reserved": lambda: vxh(42, r1=1) + INNER,
            "reserved2": lambda: vxh(42, r2=7) + INNER,
            "empty": lambda: b"",
            "short": lambda: vxh(42)[:7],
            "runt": lambda: vxh(42) + INNER[:13],
            "flood": lambda: vxh(42) + mac(sys.argv[6]) + bytes([2]) + os.urandom(5) + INNER[12:],
        }[kind]()
        s.sendto(p, (dst, 4789))
        if kind == "flood" and i % 200 == 199:
            time.sleep(0.01)  # the receiver's socket buffer, not a rate test
elif cmd == "df-send":  # DST PORT SIZE: one DF datagram; prints the errno name
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
    try:
        for _ in range(3):
            s.sendto(b"d" * int(sys.argv[4]), (sys.argv[2], int(sys.argv[3])))
            time.sleep(0.05)
        print("sent")
    except OSError as e:
        print(os.strerror(e.errno))
elif cmd == "recv":  # PORT SECONDS: sizes of the datagrams received
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    s.settimeout(0.2)
    open(sys.argv[4], "w").close()
    end = time.time() + float(sys.argv[3])
    sizes = []
    while time.time() < end:
        try:
            sizes.append(len(s.recv(65536)))
        except socket.timeout:
            pass
    print(" ".join(map(str, sorted(set(sizes)))))
EOF

# ---- underlay ----
ns_add nsU u && ns_add nsB b && ns_add nsC c && ns_add nsEA ea && ns_add nsEB eb &&
    ns_add nsEC ec && ns_add nsEA2 ea2 && ns_add nsEC2 ec2 || e2e_bail "namespaces"
ip -n "$nsU" link add ulbr type bridge && ip -n "$nsU" link set ulbr up || e2e_bail "underlay bridge"
underlay_if() { # NS ADDR PEERNAME
    ip -n "$nsU" link add "$3" type veth peer name ul0 netns "$1" &&
        ip -n "$nsU" link set "$3" master ulbr up && ns_ifup "$1" ul0 "$2/24"
}
underlay_if "$E2E_NS" "$ulA" pa && underlay_if "$nsB" "$ulB" pb && underlay_if "$nsC" "$ulC" pc &&
    ip -n "$nsB" addr add "$ulX/24" dev ul0 && in_ns "$nsB" "$PY" "$T/vx.py" txcsum-off ul0 ||
    e2e_bail "underlay 10.240.0.0/24: A, B, C on bridge ulbr"

# ---- host B: the kernel's vxlan ----
ip -n "$nsB" link add vx0 type vxlan id 42 remote "$ulA" local "$ulB" dstport 4789 &&
    ip -n "$nsB" link add br0 type bridge &&
    ip -n "$nsB" link set vx0 master br0 up &&
    ip -n "$nsB" link add vethb mtu 1450 type veth peer name eth0 netns "$nsEB" &&
    ip -n "$nsB" link set vethb master br0 up && ip -n "$nsB" link set br0 up &&
    ip -n "$nsEB" link set eth0 mtu 1450 && ns_ifup "$nsEB" eth0 "$ovEB/24" ||
    e2e_bail "host B: kernel vxlan vx0 (VNI 42) + bridge + endpoint eb"
tap_ok "host B: kernel vxlan VNI 42 to $ulA, endpoint $ovEB"

# ---- host A: uvnetd ----
uvnetd_start || e2e_bail "uvnetd A starts and answers"
ctl add-br br0 && ctl add-br br1 &&
    ctl add-port br0 vx1 type=vxlan remote="$ulB" vni=42 local="$ulA" dstport=4789 &&
    ctl add-port br0 vx2 type=vxlan remote="$ulC" vni=43 local="$ulA" &&
    ctl add-port br1 vx3 type=vxlan remote="$ulC" vni=44 local="$ulA" &&
    ctl add-port br0 tapa type=tap && ctl add-port br1 tapa2 type=tap &&
    ctl add-port br0 vm1 type=vhost-user path="$T/vm1.sock" ||
    e2e_bail "uvnetd A: br0 (vx1, vx2, tapa, vm1), br1 (vx3, tapa2)"
# tap_into NS IF ADDR: move a tap of the daemon in NS0 into NS, MTU 1450.
tap_into() { # NS0 IF NS ADDR
    ip -n "$1" link set "$2" netns "$3" && ip -n "$3" link set "$2" mtu 1450 && ns_ifup "$3" "$2" "$4/24"
}
tap_into "$E2E_NS" tapa "$nsEA" "$ovEA" && tap_into "$E2E_NS" tapa2 "$nsEA2" "$ovEA2" ||
    e2e_bail "taps of A into ea, ea2"
tap_ok "host A: uvnetd with vx1 (VNI 42 to B), vx2 (43 to C), vx3 (44 to C, br1)"

# ---- add-port errors: status 1, one line naming the option ----
ctl_error() { # DESC REGEX ARG...
    local desc=$1 re=$2 err rc=0
    shift 2
    err=$(ctl "$@" 2>&1 >/dev/null) || rc=$?
    if ((rc != 0)) && [[ $(wc -l <<<"$err") == 1 ]] && grep -qE -- "$re" <<<"$err"; then
        tap_ok "error: $desc: $err"
    else
        tap_not_ok "error: $desc"
        diag "  status $rc, stderr: '$err'" "  wanted one line matching /$re/"
    fi
}
ctl_error "no remote" '^uvnetctl: remote: ' add-port br0 vxe type=vxlan vni=1
ctl_error "remote not an address" '^uvnetctl: remote: .*nohost' add-port br0 vxe type=vxlan remote=nohost vni=1
ctl_error "IPv6 remote" '^uvnetctl: remote: .*IPv6' add-port br0 vxe type=vxlan remote=fd00::2 vni=1
ctl_error "multicast remote" '^uvnetctl: remote: .*unicast' add-port br0 vxe type=vxlan remote=239.1.1.1 vni=1
ctl_error "no vni" '^uvnetctl: vni: ' add-port br0 vxe type=vxlan remote="$ulB"
ctl_error "vni over 24 bits" '^uvnetctl: vni: .*16777216' add-port br0 vxe type=vxlan remote="$ulB" vni=16777216
ctl_error "dstport 0" '^uvnetctl: dstport: ' add-port br0 vxe type=vxlan remote="$ulB" vni=1 dstport=0
ctl_error "local not ours" '^uvnetctl: local: .*10.240.0.77' add-port br0 vxe type=vxlan remote="$ulB" vni=1 local=10.240.0.77
ctl_error "same remote and VNI twice" '^uvnetctl: remote: .*vx1' add-port br0 vxe type=vxlan remote="$ulB" vni=42 local="$ulA"
ctl_error "mtu over underlay - 50" '^uvnetctl: mtu: .*1450' add-port br0 vxe type=vxlan remote="$ulB" vni=1 mtu=1451
ctl_error "wildcard and $ulA on one port" '^uvnetctl: dstport: .*4789' add-port br0 vxe type=vxlan remote="$ulB" vni=1
ctl_error "unknown option" '^uvnetctl: ttl: ' add-port br0 vxe type=vxlan remote="$ulB" vni=1 ttl=3
tap_is "failed add-ports left no port behind" \
    "$(ctl --json show | jget "sorted(p['name'] for b in d['bridges'] for p in b['ports'])")" \
    '["tapa", "tapa2", "vm1", "vx1", "vx2", "vx3"]'

# ---- host C: a second uvnetd ----
ctlc() { timeout 10 "$UVNETCTL" --control "$T/c.ctl.sock" "$@"; }
uvnetd_start_other "$nsC" c || e2e_bail "uvnetd C starts and answers"
UVNETD_C=$BG_PID
ctlc add-br br0 && ctlc add-br br1 &&
    ctlc add-port br0 vx1 type=vxlan remote="$ulA" vni=43 &&
    ctlc add-port br1 vx2 type=vxlan remote="$ulA" vni=44 &&
    ctlc add-port br0 tapc type=tap && ctlc add-port br1 tapc2 type=tap &&
    tap_into "$nsC" tapc "$nsEC" "$ovEC" && tap_into "$nsC" tapc2 "$nsEC2" "$ovEC2" ||
    e2e_bail "uvnetd C: br0 (vx1 VNI 43, tapc), br1 (vx2 VNI 44, tapc2)"
tap_ok "host C: uvnetd with vx1 (VNI 43 to A), vx2 (44 to A, br1)"

# ---- show ----
info=$(port_info vx1)
tap_is "show vx1: remote, local, vni, dstport" \
    "$(jget "'%s %s %s %s' % (d['remote'], d['local'], d['vni'], d['dstport'])" <<<"$info")" \
    "$ulB $ulA 42 4789"
tap_is "show vx1: underlay MTU 1500, port MTU 1450" \
    "$(jget "'%s %s' % (d['underlay_mtu'], d['mtu'])" <<<"$info")" "1500 1450"
tap_is "vx1, vx2, vx3 share one endpoint ($ulA:4789)" \
    "$(jget "'%s %s' % (d['endpoint']['bind'], d['endpoint']['ports'])" <<<"$info")" "$ulA:4789 3"
tap_is "show C's vx1: no local= binds any address" \
    "$(ctlc --json show | jget "[p for b in d['bridges'] for p in b['ports'] if p['name'] == 'vx1'][0]['endpoint']['bind']")" \
    "0.0.0.0:4789"

vx() { in_ns "$1" timeout 30 "$PY" "$T/vx.py" "${@:2}"; }
# df_check FROM TO TOADDR SIZE: a DF datagram of SIZE bytes of payload
# from FROM arrives at TO; prints "<sender's result>/<sizes received>".
df_check() {
    local f=$T/recv.$RANDOM
    spawn ip netns exec "$2" timeout 10 "$PY" "$T/vx.py" recv 7777 3 "$f.ready" >"$f" 2>&1
    local pid=$BG_PID
    wait_for 5 test -e "$f.ready"
    local r
    r=$(vx "$1" df-send "$3" 7777 "$4")
    wait "$pid" 2>/dev/null
    echo "$r/$(cat "$f")"
}
mac_of() { ip -n "$1" -br link show "$2" | awk '{print $3}'; }

# ---- (1) uvnetd <-> Linux kernel vxlan ----
iperf3_server "$nsEB" 5201 "$T/iperf-vm-eb.json" || tap_not_ok "iperf3 server in eb"
guest_start vm1 "$macVM" "$ovVM/24" --append "uvnet.mtu=1450" <<EOF || e2e_bail "guest vm1 starts"
ping_until $ovEB 60 || echo "E2E-NO-LINK"
echo "== ping eb"
ping -c 5 -i 0.2 -W 2 $ovEB
echo "== ping ec"
ping -c 5 -i 0.2 -W 2 $ovEC
timeout 90 iperf3 -s -1 -p 5202 >/dev/null 2>&1 &
i=0; while ! netstat -ltn | grep -q ':5202 ' && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
wait_host serving 90
wait
echo "== iperf3 vm1->eb"
iperf3 -c $ovEB -p 5201 -t 2 --connect-timeout 5000
EOF

out=$(hping "$nsEA" -c 10 -i 0.1 -W 2 "$ovEB")
tap_is "ea -> eb (kernel vxlan) ping: 10 of 10" "$(ping_stats "$out")" "10 10" || diag "$out"
out=$(hping "$nsEB" -c 5 -i 0.1 -W 2 -s 1422 "$ovEA")
tap_is "eb -> ea ping of 1450-byte IP packets (DF): 5 of 5" "$(ping_stats "$out")" "5 5" || diag "$out"
tap_is "eb -> ea: a 1422-byte UDP payload with DF (IP_PMTUDISC_DO) arrives" \
    "$(df_check "$nsEB" "$nsEA" "$ovEA" 1422)" "sent/1422"
tap_is "ea -> eb: a 1422-byte UDP payload with DF arrives" \
    "$(df_check "$nsEA" "$nsEB" "$ovEB" 1422)" "sent/1422"
tap_is "eb: 1423 bytes with DF do not fit the kernel's 1450 MTU" \
    "$(vx "$nsEB" df-send "$ovEA" 7777 1423)" "Message too long"
# A 1500-byte frame from a tap with MTU 1500: too big for vx1, counted.
drops0=$(stat_of vx1 tx dropped)
ip -n "$nsEA" link set tapa mtu 1500
tap_is "ea (MTU 1500) -> eb: a 1472-byte DF payload does not arrive" \
    "$(df_check "$nsEA" "$nsEB" "$ovEB" 1472)" "sent/"
ip -n "$nsEA" link set tapa mtu 1450
tap_cmp "... and vx1 counted it dropped (tx)" "$(stat_of vx1 tx dropped)" -ge $((drops0 + 3))

iperf3_server "$nsEB" 5203 "$T/iperf-ea-eb.json" || tap_not_ok "iperf3 server in eb"
in_ns "$nsEA" timeout 30 iperf3 -c "$ovEB" -p 5203 -t 2 --connect-timeout 3000 >/dev/null 2>&1
n=$(iperf3_received "$T/iperf-ea-eb.json")
tap_cmp "iperf3 ea (tap, TSO) -> eb (kernel) moved data ($((${n:-0} / 1000000)) MB)" "${n:-x}" -gt 1000000
iperf3_server "$nsEA" 5204 "$T/iperf-eb-ea.json" || tap_not_ok "iperf3 server in ea"
in_ns "$nsEB" timeout 30 iperf3 -c "$ovEA" -p 5204 -t 2 --connect-timeout 3000 >/dev/null 2>&1
n=$(iperf3_received "$T/iperf-eb-ea.json")
tap_cmp "iperf3 eb (kernel) -> ea (tap) moved data ($((${n:-0} / 1000000)) MB)" "${n:-x}" -gt 1000000

if guest_wait_mark vm1 serving 150; then
    tap_ok "guest vm1 booted and pinged eb and ec"
    in_ns "$nsEB" timeout 30 iperf3 -c "$ovVM" -p 5202 -t 2 --connect-timeout 5000 --json \
        >"$T/iperf-eb-vm.json" 2>&1
    guest_go vm1
else
    tap_not_ok "guest vm1 booted and pinged eb and ec"
fi
st=$(guest_wait vm1 120)
tap_is "guest test script ran to the end (UVNET-TEST-EXIT 0)" "$st" 0
serial=$(guest_serial vm1)
tap_is "vm1 -> eb (kernel vxlan) ping: 5 of 5" \
    "$(ping_stats "$(sed -n '/^== ping eb/,/^== ping ec/p' <<<"$serial")")" "5 5"
tap_is "vm1 -> ec (through uvnetd C) ping: 5 of 5" \
    "$(ping_stats "$(sed -n '/^== ping ec/,/^E2E-WAIT/p' <<<"$serial")")" "5 5"
n=$(iperf3_received "$T/iperf-vm-eb.json")
tap_cmp "iperf3 vm1 -> eb moved data ($((${n:-0} / 1000000)) MB)" "${n:-x}" -gt 1000000
n=$(iperf3_received "$T/iperf-eb-vm.json")
tap_cmp "iperf3 eb -> vm1 moved data ($((${n:-0} / 1000000)) MB)" "${n:-x}" -gt 1000000

fdb=$(ctl --json fdb-show br0)
diag "$(ctl fdb-show br0)"
tap_is "fdb-show br0: eb's MAC learned on vx1" \
    "$(jget "[e['port'] for e in d['entries'] if e['mac'] == '$(mac_of "$nsEB" eth0)']" <<<"$fdb")" '["vx1"]'
tap_is "fdb-show br0: ec's MAC learned on vx2" \
    "$(jget "[e['port'] for e in d['entries'] if e['mac'] == '$(mac_of "$nsEC" tapc)']" <<<"$fdb")" '["vx2"]'
tap_is "fdb-show br0: vm1's MAC on vm1" \
    "$(jget "[e['port'] for e in d['entries'] if e['mac'] == '$macVM']" <<<"$fdb")" '["vm1"]'

# The port MTU follows the underlay's (refreshed every second).
ip -n "$E2E_NS" link set ul0 mtu 1400
tap_check "underlay MTU 1400: vx1's MTU becomes 1350" \
    wait_for 5 eval '[[ $(port_info vx1 | jget "d[\"mtu\"]") == 1350 ]]'
ip -n "$E2E_NS" link set ul0 mtu 1500
tap_check "underlay MTU 1500 again: vx1's MTU is 1450" \
    wait_for 5 eval '[[ $(port_info vx1 | jget "d[\"mtu\"]") == 1450 ]]'

# ---- (2) uvnetd <-> uvnetd ----
out=$(hping "$nsEA" -c 10 -i 0.1 -W 2 "$ovEC")
tap_is "ea -> ec (uvnetd A -> uvnetd C, VNI 43) ping: 10 of 10" "$(ping_stats "$out")" "10 10" || diag "$out"
out=$(hping "$nsEB" -c 5 -i 0.1 -W 2 "$ovEC")
tap_is "eb -> ec (kernel -> A -> C) ping: 5 of 5" "$(ping_stats "$out")" "5 5" || diag "$out"
out=$(hping "$nsEA2" -c 5 -i 0.1 -W 2 "$ovEC2")
tap_is "ea2 -> ec2 (br1, VNI 44, same endpoint) ping: 5 of 5" "$(ping_stats "$out")" "5 5" || diag "$out"
out=$(hping "$nsEA" -c 3 -i 0.1 -W 1 "$ovEC2")
tap_is "ea (VNI 43) cannot reach ec2 (VNI 44)" "$(ping_stats "$out")" "3 0" || diag "$out"
iperf3_server "$nsEC" 5205 "$T/iperf-ea-ec.json" || tap_not_ok "iperf3 server in ec"
in_ns "$nsEA" timeout 30 iperf3 -c "$ovEC" -p 5205 -t 2 --connect-timeout 3000 >/dev/null 2>&1
n=$(iperf3_received "$T/iperf-ea-ec.json")
tap_cmp "iperf3 ea -> ec across two uvnetd moved data ($((${n:-0} / 1000000)) MB)" "${n:-x}" -gt 1000000
iperf3_server "$nsEA" 5206 "$T/iperf-ec-ea.json" || tap_not_ok "iperf3 server in ea"
in_ns "$nsEC" timeout 30 iperf3 -c "$ovEA" -p 5206 -t 2 --connect-timeout 3000 >/dev/null 2>&1
n=$(iperf3_received "$T/iperf-ec-ea.json")
tap_cmp "iperf3 ec -> ea across two uvnetd moved data ($((${n:-0} / 1000000)) MB)" "${n:-x}" -gt 1000000
tap_is "C's fdb-show br0: ea's MAC on C's vx1" \
    "$(ctlc --json fdb-show br0 | jget "[e['port'] for e in d['entries'] if e['mac'] == '$(mac_of "$nsEA" tapa)']")" \
    '["vx1"]'

declare -A c
stats_load c
diag "$(ctl stats)"
for p in vx1 vx2 vx3; do
    tap_cmp "$p carried traffic both ways" \
        "$(( ${c[$p.rx.packets]:-0} > 0 && ${c[$p.tx.packets]:-0} > 0 ))" -eq 1
    tap_cmp "$p has no rx/tx errors" $((${c[$p.rx.errors]:-1} + ${c[$p.tx.errors]:-1})) -eq 0
done
drops=$(port_info vx1 | jget "d['drops']")
tap_is "vx1: no drop by reason yet" \
    "$(jget "sum(d.values())" <<<"$drops")" 0 || diag "$drops"

# ---- (3) malformed packets, unknown remote, wrong VNI, MAC flood ----
before=$(port_info vx1)
vx "$nsB" vxlan "$ulB" "$ulA" vni 5 && vx "$nsB" vxlan "$ulB" "$ulA" flags0 3 &&
    vx "$nsB" vxlan "$ulB" "$ulA" flagsc 2 && vx "$nsB" vxlan "$ulB" "$ulA" reserved 2 &&
    vx "$nsB" vxlan "$ulB" "$ulA" reserved2 2 && vx "$nsB" vxlan "$ulB" "$ulA" empty 1 &&
    vx "$nsB" vxlan "$ulB" "$ulA" short 2 && vx "$nsB" vxlan "$ulB" "$ulA" runt 3 &&
    vx "$nsB" vxlan "$ulX" "$ulA" good 6 || tap_not_ok "crafted packets sent"
sleep 0.5
after=$(port_info vx1)
# delta KEY: how much a counter of vx1's show object grew.
delta() {
    echo $(($(jget "$1" <<<"$after") - $(jget "$1" <<<"$before")))
}
tap_is "vx1 drops: unknown_vni 5, bad_flags 5, reserved 4, truncated 3, runt 3" \
    "$(delta "d['drops']['unknown_vni']") $(delta "d['drops']['bad_flags']") $(delta "d['drops']['reserved']") $(delta "d['drops']['truncated']") $(delta "d['drops']['runt']")" \
    "5 5 4 3 3"
tap_is "endpoint drops: unknown_remote 6 (from $ulX), unknown_vni 5" \
    "$(delta "d['endpoint']['drops']['unknown_remote']") $(delta "d['endpoint']['drops']['unknown_vni']")" "6 5"
tap_is "vx1 counters: rx errors +15 (malformed), rx dropped +5 (wrong VNI)" \
    "$(($(stat_of vx1 rx errors) - ${c[vx1.rx.errors]:-0})) $(($(stat_of vx1 rx dropped) - ${c[vx1.rx.dropped]:-0}))" \
    "15 5"
ctl --json show | "$PY" -m json.tool >/dev/null
tap_is "uvnetd A answers after the malformed packets" "$?" 0

macEA=$(mac_of "$nsEA" tapa)
vx "$nsB" vxlan "$ulB" "$ulA" flood 2000 "$macEA" || tap_not_ok "flood sent"
sleep 0.5
n=$(ctl --json fdb-show br0 | jget "len([e for e in d['entries'] if e['port'] == 'vx1'])")
tap_cmp "fdb-show br0: the 2000 flooded source MACs are learned on vx1 ($n entries)" "${n:-0}" -ge 2000
out=$(hping "$nsEA" -c 10 -i 0.1 -W 2 "$ovEB")
tap_is "after the flood, ea -> eb ping: 10 of 10" "$(ping_stats "$out")" "10 10" || diag "$out"
out=$(hping "$nsEA" -c 5 -i 0.1 -W 2 "$ovEC")
tap_is "after the flood, ea -> ec ping: 5 of 5" "$(ping_stats "$out")" "5 5" || diag "$out"

# ---- removal: a shared endpoint outlives its other ports ----
tap_check "del-port vx3 (one of the endpoint's three ports)" ctl del-port br1 vx3
tap_is "vx1's endpoint now has 2 ports" "$(port_info vx1 | jget "d['endpoint']['ports']")" 2
out=$(hping "$nsEA" -c 5 -i 0.1 -W 2 "$ovEC")
tap_is "ea -> ec still pings: 5 of 5" "$(ping_stats "$out")" "5 5" || diag "$out"
tap_check "del-br br0 (vx1, vx2 go with it)" ctl del-br br0
tap_check "port 4789 is free again on A" \
    eval '[[ -z $(ip netns exec "$E2E_NS" ss -Hlun "sport = :4789") ]]'

uvnetd_stop_other "$UVNETD_C"
tap_is "uvnetd C exits with status 0 on SIGTERM" "$?" 0
tap_done
