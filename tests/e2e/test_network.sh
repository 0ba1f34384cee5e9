#!/usr/bin/env bash
# Networks (uvnetctl net-*), the libvirt `default` network on uvnetd:
#
#   outside ns: eth0 10.209.0.2 (a listener that prints who connects; no
#        |       route to any guest subnet: only NAT brings replies back)
#        |      eth1 10.208.3.1 ---------------------------------------.
#   uvnetd ns:  up0 10.209.0.1 (default route via 10.209.0.2)           |
#        +-- nata  nat       192.168.122.0/24 (all defaults)  guest ga  |
#        +-- natb  nat       10.208.1.0/24, .100-.150, uplink=up0  guest gb
#        +-- iso   isolated  10.208.2.0/24                    guest gi  |
#        +-- lan   bridge    uplink=lan0 (a veth) --------------------'
#                            guest gl, static 10.208.3.10
#
#  - net-define rejects malformed and overlapping subnets and bad options
#    with one line naming the field;
#  - net-start makes the gateway tap with its address, one nft table and one
#    dnsmasq per network; dnsmasq is restarted when it dies; the network's
#    bridge and port cannot be deleted from under it;
#  - guests booted with uvnet-vm get leases (net-dhcp-leases shows them),
#    ping their gateway, and the nat ones reach the outside host, which sees
#    the uplink address as the source; the isolated one reaches neither the
#    outside (even with a route) nor the host's uplink address; no guest
#    reaches another network's guest; the bridged one reaches the outside
#    host's LAN side with its own address;
#  - net-stop, uvnetd's SIGTERM and a test that fails half-way leave no
#    table, process, device or namespace behind; a SIGKILLed uvnetd started
#    again brings the started networks back, with one dnsmasq each.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init network

UVNET_VM=$UVNET_BUILD/tools/uvnet-vm
up_ip=10.209.0.1 out_ip=10.209.0.2 port=7000 lan_host=10.208.3.1 lan_guest=10.208.3.10
mac_a=52:54:00:e2:09:0a mac_b=52:54:00:e2:09:0b mac_i=52:54:00:e2:09:01 mac_l=52:54:00:e2:09:0c
OUT=
[[ -x $UVNET_VM ]] || e2e_bail "$UVNET_VM is not built"

# ---- the outside host, behind the uplink ----
ns_add OUT out || e2e_bail "namespace out"
ip -n "$E2E_NS" link add up0 type veth peer name eth0 netns "$OUT" &&
    ns_ifup "$E2E_NS" up0 "$up_ip/24" && ns_ifup "$OUT" eth0 "$out_ip/24" &&
    ip -n "$E2E_NS" route add default via "$out_ip" dev up0 || e2e_bail "veth up0 <-> out eth0"
# the LAN a mode=bridge network attaches to: no address on uvnetd's side
ip -n "$E2E_NS" link add lan0 type veth peer name eth1 netns "$OUT" && ip -n "$E2E_NS" link set lan0 up &&
    ns_ifup "$OUT" eth1 "$lan_host/24" || e2e_bail "veth lan0 <-> out eth1"
# One line per TCP connection: the peer address and the first line sent.
spawn ip netns exec "$OUT" timeout 220 "$PY" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(16)
while True:
    c, a = s.accept()
    c.settimeout(5)
    try:
        data = c.recv(200).decode(errors="replace").strip()
    except OSError:
        data = ""
    print("PEER %s %s" % (a[0], data), flush=True)
    c.close()' "$port" >"$T/peers.txt" 2>&1
wait_for 10 _listening "$OUT" "$port" || e2e_bail "listener on the outside host"
tap_ok "outside host $out_ip listens on tcp $port; uvnetd's namespace routes to it by up0"

uvnetd_start || e2e_bail "uvnetd starts and answers"

# ---- net-define: validation ----
# rejects DESC FIELD WORD...: net-define fails with one line "uvnetctl: FIELD: ...".
rejects() {
    local desc=$1 field=$2 out rc
    shift 2
    out=$(ctl net-define "$@" 2>&1 >/dev/null)
    rc=$?
    if ((rc != 0)) && [[ $(wc -l <<<"$out") == 1 && $out == "uvnetctl: $field: "* ]]; then
        tap_ok "net-define rejects $desc: $out"
    else
        tap_not_ok "net-define rejects $desc"
        diag "  status $rc, stderr: $out" "  wanted one line 'uvnetctl: $field: ...'"
    fi
}
ctl net-define nata mode=nat || e2e_bail "net-define nata mode=nat"
rejects "an overlapping subnet" subnet x mode=nat subnet=192.168.122.128/25
rejects "a subnet with host bits" subnet x mode=nat subnet=10.208.9.1/24
rejects "a malformed subnet" subnet x mode=isolated subnet=10.208.300.0/24
rejects "a prefix out of range" subnet x mode=nat subnet=10.208.0.0/31
rejects "a subnet of the uplink's" subnet x mode=nat subnet=10.209.0.0/16
rejects "a DHCP range outside the subnet" dhcp-range x mode=nat subnet=10.208.9.0/24 dhcp-range=10.208.9.2,10.208.10.9
rejects "a DHCP range the wrong way round" dhcp-range x mode=nat subnet=10.208.9.0/24 dhcp-range=10.208.9.50,10.208.9.40
rejects "an unknown mode" mode x mode=routed
rejects "a missing mode" mode x subnet=10.208.9.0/24
rejects "an isolated network with an uplink" uplink x mode=isolated uplink=up0
rejects "a bridge network without uplink" uplink x mode=bridge
rejects "a bridge network with a subnet" subnet x mode=bridge uplink=lan0 subnet=10.208.9.0/24
rejects "an unknown option" foo x mode=nat foo=bar
rejects "a name taken" name nata mode=nat
ctl net-define natb mode=nat subnet=10.208.1.0/24 dhcp-range=10.208.1.100,10.208.1.150 uplink=up0 &&
    ctl net-define iso mode=isolated subnet=10.208.2.0/24 && ctl net-define lan mode=bridge uplink=lan0 ||
    e2e_bail "net-define natb, iso, lan"
list=$(ctl --json net-list)
tap_is "nata got the defaults: 192.168.122.0/24, .2-.254, the default route's uplink" \
    "$(jget "[(n['subnet'], n['dhcp_range'], n['uplink'], n['active']) for n in d['networks'] if n['name'] == 'nata']" <<<"$list")" \
    '[["192.168.122.0/24", "192.168.122.2,192.168.122.254", "", false]]'

# ---- net-start ----
ctl net-start nata && ctl net-start natb && ctl net-start iso && ctl net-start lan ||
    e2e_bail "net-start nata, natb, iso, lan"
diag "$(ctl net-list)"
list=$(ctl --json net-list)
tap_is "net-list: all four active; nata's uplink is the default route's device" \
    "$(jget "[(n['name'], n['active'], n.get('uplink')) for n in d['networks']]" <<<"$list")" \
    '[["nata", true, "up0"], ["natb", true, "up0"], ["iso", true, null], ["lan", true, "lan0"]]'
tap_is "lan (mode=bridge) is an afpacket port on lan0" \
    "$(ctl --json show | jget "[(p['name'], p['type'], p.get('dev')) for b in d['bridges'] if b['name'] == 'lan' for p in b['ports']]")" \
    '[["uv-lan", "afpacket", "lan0"]]'
addrs=$(ip -n "$E2E_NS" -4 -o addr show | awk '{print $2, $4}' | grep '^uv-' | sort | tr '\n' ' ')
tap_is "gateway taps carry the gateway addresses" "$addrs" \
    "uv-iso 10.208.2.1/24 uv-nata 192.168.122.1/24 uv-natb 10.208.1.1/24 "
tables() { in_ns "$E2E_NS" nft list tables 2>/dev/null | awk '{print $3}' | sort | tr '\n' ' '; }
tap_is "one nft table per nat/isolated network" "$(tables)" "uvnet-iso uvnet-nata uvnet-natb "
tap_like "nata's table masquerades its subnet out of up0" \
    "$(in_ns "$E2E_NS" nft list table inet uvnet-nata)" 'ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 oifname "up0" masquerade'
# dnsmasq processes in uvnetd's namespace
dnsmasqs() {
    local p
    for p in $(ip netns pids "$E2E_NS" 2>/dev/null); do
        [[ $(cat /proc/"$p"/comm 2>/dev/null) == dnsmasq ]] && echo "$p"
    done | sort -n | tr '\n' ' '
}
tap_is "one dnsmasq per nat/isolated network" "$(wc -w <<<"$(dnsmasqs)")" 3
tap_is "IPv4 forwarding is on in uvnetd's namespace" "$(in_ns "$E2E_NS" sysctl -n net.ipv4.ip_forward)" 1
out=$(ctl del-br nata 2>&1)
tap_like "del-br of a network's bridge is refused" "$out" '^uvnetctl: bridge: nata belongs to network nata'
out=$(ctl del-port uv-iso 2>&1)
tap_like "del-port of a network's gateway port is refused" "$out" '^uvnetctl: port: uv-iso belongs to network iso'
old=$(jget "[n['dnsmasq_pid'] for n in d['networks'] if n['name'] == 'nata'][0]" <<<"$list")
kill -KILL "$old"
restarted() {
    ctl --json net-list | jget "[n for n in d['networks'] if n['name'] == 'nata'][0]" >"$T/nata.json" &&
        [[ $(jget "d['dnsmasq_restarts']" <"$T/nata.json") == 1 && $(jget "d['dnsmasq_pid']" <"$T/nata.json") != "$old" ]]
}
tap_check "a killed dnsmasq is started again" wait_for 10 restarted

# ---- guests ----
guest_prepare || e2e_bail "test guest (kernel + initramfs) and accelerator"

# vm_start NAME NETWORK MAC [KERNEL-ARG] <SCRIPT: boot a guest with uvnet-vm in
# uvnetd's namespace, eth0 set up by KERNEL-ARG (default uvnet.dhcp=1), SCRIPT (after lib.sh's preamble, plus host_word)
# as /test.sh, console in $T/NAME.serial, a control channel on ttyS1 as
# guest_start makes it (guest_go answers).
vm_start() {
    local name=$1 net=$2 mac=$3 args=${4:-uvnet.dhcp=1}
    {
        _guest_preamble
        # host_word TAG: wait for the host's word (guest_go NAME WORD), print it.
        echo 'host_word() { local l; echo "E2E-WAIT $1" >&2; read -r -t "${2:-120}" l <&3 || return 1; echo "$l"; }'
        cat
    } >"$T/$name.sh"
    "$GUEST_SCRIPTS/mkcpio-test.sh" "$T/$name.sh" "$T/$name.cpio.gz" &&
        cat "$GUEST_INITRD" "$T/$name.cpio.gz" >"$T/$name.img" &&
        mkfifo "$T/$name.ctl.in" "$T/$name.ctl.out" || return 1
    spawn ip netns exec "$E2E_NS" timeout -k 5 200 "$UVNET_VM" --control "$T/ctl.sock" run --name "$name" \
        --kernel "$GUEST_KERNEL" --initrd "$T/$name.img" --accel "$E2E_ACCEL" --mem 256 --cpus 1 \
        --cmdline "quiet panic=-1 no_timer_check ipv6.disable=1 $args" --net "$net,mac=$mac" \
        --serial-log "$T/$name.serial" -- -serial "pipe:$T/$name.ctl" >"$T/$name.vm.out" 2>&1
    GUEST_PID[$name]=$BG_PID
}

# Each guest: report its lease, ping its gateway, get the others' addresses
# from the host, then try the outside host, the uplink address and the
# other networks' guests.  Results are lines "R <what> <sent> <received>";
# TCP to the outside prints "R tcp-<who> ok|fail".
common='
lease=$(ip -4 -o addr show eth0 | awk "{print \$4}")
echo "LEASE $lease"
echo "ROUTE $(ip route | grep ^default || echo none)"
tryping() { # NAME ADDR
    out=$(ping -c 3 -i 0.3 -W 1 "$2" 2>&1)
    echo "R $1 $(echo "$out" | sed -n "s/^\([0-9]*\) packets transmitted, \([0-9]*\) .*/\1 \2/p")"
}
trytcp() { # NAME
    if echo "via-$1" | nc -w 3 '"$out_ip $port"' >/dev/null 2>&1; then echo "R tcp-$1 ok"; else echo "R tcp-$1 fail"; fi
}
'
vm_start ga nata "$mac_a" <<EOF
$common
tryping gateway 192.168.122.1
set -- \$(host_word peers)
tryping outside $out_ip
trytcp ga
tryping natb-guest \$1
tryping iso-guest \$2
EOF
vm_start gb natb "$mac_b" <<EOF
$common
tryping gateway 10.208.1.1
set -- \$(host_word peers)
tryping outside $out_ip
trytcp gb
tryping nata-guest \$1
EOF
vm_start gl lan "$mac_l" "uvnet.ip=$lan_guest/24" <<EOF
$common
set -- \$(host_word peers)
tryping lan-host $lan_host
echo "via-gl" | nc -w 3 $lan_host $port >/dev/null 2>&1 && echo "R tcp-gl ok" || echo "R tcp-gl fail"
EOF
vm_start gi iso "$mac_i" <<EOF
$common
tryping gateway 10.208.2.1
set -- \$(host_word peers)
ip route add default via 10.208.2.1 2>/dev/null
tryping outside $out_ip
trytcp gi
tryping uplink $up_ip
tryping nata-guest \$1
EOF

booted=1
for g in ga gb gi gl; do
    guest_wait_mark "$g" peers 150 || { booted=0; diag "$g did not get to its peers question"; }
done
leases() { ctl --json net-dhcp-leases "$1" | jget "[l['ip'] for l in d['leases'] if l['mac'] == '$2']"; }
ip_a=$(leases nata "$mac_a" | jget 'd[0]') ip_b=$(leases natb "$mac_b" | jget 'd[0]')
ip_i=$(leases iso "$mac_i" | jget 'd[0]')
tap_cmp "all four guests booted and asked for their peers" "$booted" -eq 1
diag "$(ctl net-dhcp-leases nata)"
tap_like "net-dhcp-leases nata: ga has an address in 192.168.122.2-254 ($ip_a)" "$ip_a" '^192\.168\.122\.([2-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-4])$'
tap_like "net-dhcp-leases natb: gb has an address in 10.208.1.100-150 ($ip_b)" "$ip_b" '^10\.208\.1\.(1[0-4][0-9]|150)$'
tap_like "net-dhcp-leases iso: gi has an address in 10.208.2.0/24 ($ip_i)" "$ip_i" '^10\.208\.2\.[0-9]+$'
tap_like "net-dhcp-leases prints a table" "$(ctl net-dhcp-leases natb)" "$mac_b +$ip_b/24"
guest_go ga "$ip_b $ip_i"
guest_go gb "$ip_a"
guest_go gi "$ip_a"
guest_go gl "$ip_a"
for g in ga gb gi gl; do
    st=$(guest_wait "$g" 120)
    tap_is "$g ran its script to the end" "$st" 0
done
# the uvnet-vm runs: they exit 0 once their guest powered off
for g in ga gb gi gl; do
    rc=0
    wait_for 20 _pid_gone "${GUEST_PID[$g]}"
    wait "${GUEST_PID[$g]}" 2>/dev/null || rc=$?
    tap_is "uvnet-vm run $g exited 0 after the poweroff" "$rc" 0
done
result() { guest_serial "$1" | sed -n "s/^R $2 //p" | head -n1; }
sa=$(guest_serial ga) si=$(guest_serial gi)
tap_is "ga's own view of its address is its lease" "$(sed -n 's/^LEASE //p' <<<"$sa")" "$ip_a/24"
tap_like "ga got a default route via its gateway" "$sa" '^ROUTE default via 192\.168\.122\.1 '
tap_like "gi (isolated) got no default route" "$si" '^ROUTE none'
tap_is "ga pings its gateway" "$(result ga gateway)" "3 3"
tap_is "gb pings its gateway" "$(result gb gateway)" "3 3"
tap_is "gi pings its gateway" "$(result gi gateway)" "3 3"
tap_is "ga (nat) reaches the outside host" "$(result ga outside)" "3 3"
tap_is "gb (nat, explicit uplink) reaches the outside host" "$(result gb outside)" "3 3"
tap_is "ga: tcp to the outside host" "$(result ga tcp-ga)" ok
tap_is "gb: tcp to the outside host" "$(result gb tcp-gb)" ok
peers=$(cat "$T/peers.txt")
diag "outside host saw:" "$peers"
tap_is "the outside host saw ga's connection from the uplink address (SNAT)" \
    "$(grep -c "^PEER $up_ip via-ga$" <<<"$peers")" 1
tap_is "the outside host saw gb's connection from the uplink address (SNAT)" \
    "$(grep -c "^PEER $up_ip via-gb$" <<<"$peers")" 1
tap_is "the outside host never saw a nat or isolated guest's address" \
    "$(grep -cE '^PEER (192\.168\.122|10\.208\.[12])\.' <<<"$peers")" 0
tap_like "the outside host has no route back to the guests but through NAT" \
    "$(in_ns "$OUT" ip route get "$ip_a" 2>&1)" 'unreachable'
tap_is "gi (isolated) does not reach the outside host, even with a route" "$(result gi outside)" "3 0"
tap_is "gi: no tcp to the outside host" "$(result gi tcp-gi)" fail
tap_is "the outside host saw nothing from gi" "$(grep -c via-gi <<<"$peers")" 0
tap_is "gi does not reach the host's uplink address" "$(result gi uplink)" "3 0"
tap_is "ga does not reach natb's guest" "$(result ga natb-guest)" "3 0"
tap_is "gb does not reach nata's guest" "$(result gb nata-guest)" "3 0"
tap_is "ga does not reach iso's guest" "$(result ga iso-guest)" "3 0"
tap_is "gi does not reach nata's guest" "$(result gi nata-guest)" "3 0"
tap_is "gl (bridged onto lan0) reaches the LAN host" "$(result gl lan-host)" "3 3"
tap_is "the LAN host saw gl's connection from gl's own address (bridged, no NAT)" \
    "$(grep -c "^PEER $lan_guest via-gl$" <<<"$peers")" 1

# ---- stopping leaves nothing behind ----
links() { ip -n "$E2E_NS" -o link show | awk -F': ' '{print $2}' | grep '^uv-' | tr '\n' ' '; }
ctl net-stop nata && ctl net-stop natb && ctl net-stop iso && ctl net-stop lan ||
    tap_not_ok "net-stop nata, natb, iso, lan"
tap_is "net-stop: no nft table left" "$(tables)" ""
tap_is "net-stop: no dnsmasq left" "$(dnsmasqs)" ""
tap_is "net-stop: no gateway tap left" "$(links)" ""
tap_is "net-stop: no bridge left" "$(ctl --json show | jget "len(d['bridges'])")" 0
tap_is "net-stop: no pid file left" "$(ls "$T"/*.dnsmasq.pid 2>/dev/null)" ""
tap_is "net-list: all inactive" "$(ctl --json net-list | jget "[n['active'] for n in d['networks']]")" \
    '[false, false, false, false]'

# SIGKILL: dnsmasq outlives uvnetd (its change of user drops the parent
# death signal), a new uvnetd with the same state replaces it.
ctl net-start nata && ctl net-start iso || tap_not_ok "net-start nata, iso again"
before=$(dnsmasqs)
uvnetd_stop KILL
uvnetd_start || e2e_bail "uvnetd starts again after SIGKILL"
list=$(ctl --json net-list)
tap_is "after SIGKILL and a restart: nata and iso active again, natb and lan not" \
    "$(jget "[(n['name'], n['active']) for n in d['networks']]" <<<"$list")" \
    '[["nata", true], ["natb", false], ["iso", true], ["lan", false]]'
now=$(dnsmasqs)
tap_is "after the restart: two dnsmasq, neither of them the old ones" \
    "$(wc -w <<<"$now") $(comm -12 <(tr ' ' '\n' <<<"$before" | sort) <(tr ' ' '\n' <<<"$now" | sort) | wc -w)" "2 0"
tap_is "after the restart: one table each" "$(tables)" "uvnet-iso uvnet-nata "
uvnetd_stop TERM 15
tap_is "SIGTERM with two networks active: uvnetd exits 0" "$?" 0
tap_is "SIGTERM: no nft table left" "$(tables)" ""
tap_is "SIGTERM: no dnsmasq left" "$(dnsmasqs)" ""
tap_is "SIGTERM: no gateway tap left" "$(links)" ""
uvnetd_start || e2e_bail "uvnetd starts a third time"
out=$(ctl net-undefine nata 2>&1)
tap_like "net-undefine of an active network is refused" "$out" 'network nata is active'
ctl net-stop nata && ctl net-stop iso && ctl net-undefine nata && ctl net-undefine natb && ctl net-undefine iso &&
    ctl net-undefine lan
tap_is "net-undefine: no network left" "$(ctl --json net-list | jget "len(d['networks'])")" 0

# ---- a test that fails half-way leaves nothing behind ----
# A nested test (lib.sh, its own uvnetd, a started nat network) that dies
# in the middle: by `exit 1` (a failed step) and by SIGTERM (the watchdog).
cat >"$T/test_nested.sh" <<EOF
#!/usr/bin/env bash
source "$E2E_DIR/lib.sh"
e2e_init nested
echo "NESTED \$\$ \$T"
uvnetd_start && ctl net-define n1 mode=nat subnet=10.208.7.0/24 && ctl net-start n1 || exit 2
echo NESTED-UP
[[ \$1 == term ]] && { kill -TERM \$\$; sleep 30; }
exit 1
EOF
chmod +x "$T/test_nested.sh"
for how in exit term; do
    E2E_TIME_LIMIT=60 timeout 90 "$T/test_nested.sh" "$how" >"$T/nested-$how.out" 2>&1
    rc=$?
    read -r _ npid ndir < <(grep '^NESTED ' "$T/nested-$how.out")
    if ! grep -q NESTED-UP "$T/nested-$how.out"; then
        tap_not_ok "nested ($how): its network came up"
        diag_file "$T/nested-$how.out"
        continue
    fi
    tap_cmp "nested test failed half-way ($how, status $rc)" "$rc" -ne 0
    tap_like "nested ($how): it ran in its own directory ($ndir)" "$ndir" "^/tmp/$E2E_PREFIX\.$npid\.nested\."
    tap_is "nested ($how): no namespace left" "$(ip netns list | grep -c "^$E2E_PREFIX-$npid-")" 0
    tap_check "nested ($how): its directory is gone" test ! -e "$ndir"
    tap_is "nested ($how): no process of it left (dnsmasq, uvnetd)" \
        "$(pgrep -f -- "$ndir" | tr '\n' ' ')" ""
done

tap_no_sanitizer_report "no sanitizer report from uvnet-vm" "$UVNET_VM" "$T"/*.vm.out

tap_done
