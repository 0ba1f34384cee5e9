#!/usr/bin/env bash
# OVN port security on a uvnet chassis: Port_Binding.port_security (what
# `ovn-nbctl lsp-set-port-security` writes) enforced on the bound port by
# uvnet's port security, against a real OVN 23.03 (NB, SB, northd in $T).
#
#   one uvnetd chassis, logical switch ls1: tap ts (lpS, namespace vs,
#   52:54:00:5e:00:01 10.0.0.1, port_security "MAC 10.0.0.1") and tap tv
#   (lpV, namespace vv, 10.0.0.2, none);
#   (1) the binding carries the port security (ovn-show, show); vs pings vv;
#   (2) vs spoofs: another source IP, then another MAC: not one frame
#       reaches vv, ping fails, drops counted (arp-spa, eth-src);
#   (3) port_security changed in the NB: the spoofed IP is now the allowed
#       one and passes; (4) a local port-security= word wins over the SB's
#       (and =off gives the SB's back); (5) several entries: the first is
#       enforced, ovn-show notes it; (6) port_security cleared, and the
#       logical port deleted (released): the port has none left;
#   (7) ACLs, on ls1 and through a port group, are not enforced here:
#       ovn-show says so for the ports of ls1, the log once; gone with them.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init ovn-psec

source "$(dirname "${BASH_SOURCE[0]}")/ovn_lib.sh"
ovn_need ovsdb-server ovsdb-tool ovn-northd ovn-nbctl ovn-sbctl
ovn_central || e2e_bail "OVN central: NB + SB ovsdb-server, ovn-northd"

macS=52:54:00:5e:00:01 macV=52:54:00:5e:00:02 macX=52:54:00:5e:00:99
nsVS='' nsVV=''
ns_add nsVS vs && ns_add nsVV vv || e2e_bail "namespaces"
for n in "$nsVS" "$nsVV"; do in_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; done
# the encap IP on an interface of uvnetd's namespace (no peer: no tunnel traffic here)
ip -n "$E2E_NS" link add ul0 type veth peer name ul1 && ns_ifup "$E2E_NS" ul0 10.250.7.1/24 &&
    ip -n "$E2E_NS" link set ul1 up || e2e_bail "underlay veth"

nb ls-add ls1 && nb lsp-add ls1 lpS && nb lsp-set-addresses lpS "$macS 10.0.0.1" &&
    nb lsp-set-port-security lpS "$macS 10.0.0.1" &&
    nb lsp-add ls1 lpV && nb lsp-set-addresses lpV "$macV 10.0.0.2" || e2e_bail "NB: ls1 (lpS, lpV)"

uvnetd_start || e2e_bail "uvnetd starts"
ctl ovn-set remote="unix:$T/sb.sock" encap-ip=10.250.7.1 system-id=uv-ps &&
    ctl add-port br-int ts type=tap iface-id=lpS && ctl add-port br-int tv type=tap iface-id=lpV &&
    ip -n "$E2E_NS" link set ts netns "$nsVS" && ns_ifup "$nsVS" ts 10.0.0.1/24 $macS &&
    ip -n "$E2E_NS" link set tv netns "$nsVV" && ns_ifup "$nsVV" tv 10.0.0.2/24 $macV ||
    e2e_bail "uvnetd: ovn-set, taps ts (lpS), tv (lpV)"

ovn_port() { ctl --json ovn-show | jget "[p.get('$2', '') for p in d['ports'] if p['port'] == '$1'][0]" 2>/dev/null; }
own_sec() { ctl --json show | jget "[p.get('port_security', '') for b in d['bridges'] for p in b['ports'] if p['name'] == '$1'][0]" 2>/dev/null; }
secdrop() { ctl --json stats ts | jget "d['ports'][0]['security_drops']['$1']"; }
rx_v() { in_ns "$nsVV" cat /sys/class/net/tv/statistics/rx_packets; }
pingq() { in_ns "$nsVS" busybox ping -c 1 -W 1 "$1" >/dev/null 2>&1; }

# ---- (1) ----
tap_check "lpS and lpV bound" wait_for 20 eval '[[ $(ovn_port ts bound) == true && $(ovn_port tv bound) == true ]]'
tap_check "ts gets lpS's port security" wait_for 10 eval '[[ $(own_sec ts) == "$macS,10.0.0.1" ]]'
tap_is "ovn-show: ts's port security comes from the southbound; tv has none" \
    "$(ovn_port ts port_security_from) $(ovn_port ts port_security) $(ovn_port tv port_security_from)" \
    "southbound $macS,10.0.0.1 none"
tap_check "vs (its own addresses) pings vv" wait_for 10 pingq 10.0.0.2
tap_is "no ACLs: ovn-show has no note" "$(ctl --json ovn-show | jget "d['notes']")" "[]"

# ---- (2) spoofing ----
in_ns "$nsVV" ip neigh flush dev tv
d0=$(secdrop arp-spa) r0=$(rx_v)
in_ns "$nsVS" ip addr flush dev ts && in_ns "$nsVS" ip addr add 10.0.0.9/24 dev ts && in_ns "$nsVS" ip neigh flush dev ts
tap_check "spoofed source IP 10.0.0.9: ping fails" eval '! pingq 10.0.0.2 && ! pingq 10.0.0.2'
tap_cmp "... ARP from the spoofed IP dropped, counted as arp-spa" "$(secdrop arp-spa)" -ge $((d0 + 2))
e0=$(secdrop eth-src)
in_ns "$nsVS" ip link set ts address $macX
in_ns "$nsVS" ip addr flush dev ts && in_ns "$nsVS" ip addr add 10.0.0.1/24 dev ts
tap_check "spoofed source MAC: ping fails" eval '! pingq 10.0.0.2 && ! pingq 10.0.0.2'
tap_cmp "... frames dropped, counted as eth-src" "$(secdrop eth-src)" -ge $((e0 + 2))
tap_is "not one frame of the spoofer reached vv" "$(( $(rx_v) - r0 ))" 0
in_ns "$nsVS" ip link set ts address $macS

# ---- (3) the SB changes ----
nb lsp-set-port-security lpS "$macS 10.0.0.9"
tap_check "port_security changed to 10.0.0.9 in the NB: the port follows" \
    wait_for 10 eval '[[ $(own_sec ts) == "$macS,10.0.0.9" ]]'
in_ns "$nsVS" ip addr flush dev ts && in_ns "$nsVS" ip addr add 10.0.0.9/24 dev ts
tap_check "... and 10.0.0.9 now reaches vv" wait_for 10 pingq 10.0.0.2

# ---- (4) a local port-security= word wins ----
ctl set-port ts port-security=$macS,10.0.0.1
tap_is "set-port ts port-security=: the local word wins (ovn-show: local)" \
    "$(ovn_port ts port_security_from) $(own_sec ts)" "local $macS,10.0.0.1"
in_ns "$nsVS" ip neigh flush dev ts; in_ns "$nsVV" ip neigh flush dev tv
tap_check "... 10.0.0.9 (allowed by the SB only) is dropped again" eval '! pingq 10.0.0.2'
ctl set-port ts port-security=off
tap_check "set-port ts port-security=off: the SB's is back" \
    wait_for 10 eval '[[ $(ovn_port ts port_security_from) == southbound && $(own_sec ts) == "$macS,10.0.0.9" ]]'
tap_check "... and 10.0.0.9 passes" wait_for 10 pingq 10.0.0.2

# ---- (5) several entries ----
nb lsp-set-port-security lpS "$macS 10.0.0.9" "$macX 10.0.0.7"
tap_check "two port_security entries: ovn-show notes only the first is enforced" \
    wait_for 10 eval '[[ $(ovn_port ts port_security_note) == *"only the first"* ]]'
tap_like "... the log warns" "$(cat "$T"/uvnetd*.log "$T"/uvnetd.*.out 2>/dev/null)" "only the first is enforced"

# ---- (6) cleared, released ----
nb clear Logical_Switch_Port lpS port_security
tap_check "port_security cleared: ts has no port security" \
    wait_for 10 eval '[[ -z $(own_sec ts) && $(ovn_port ts port_security_from) == none ]]'
nb lsp-set-port-security lpS "$macS 10.0.0.9"
wait_for 10 eval '[[ -n $(own_sec ts) ]]'
nb lsp-del lpS
tap_check "lsp-del lpS (released): ts parked, no port security left" \
    wait_for 10 eval '[[ -z $(own_sec ts) && $(ovn_port ts bound) == false ]]'

# ---- (7) ACLs ----
acl_notes() { ctl --json ovn-show | jget "len([n for n in d['notes'] if 'ACLs are not enforced' in n and 'lpV' in n])" 2>/dev/null; }
acl_warnings() { grep -c "ACLs are not enforced on this chassis" "$T/uvnetd.1.log"; }
nb acl-add ls1 to-lport 1001 'ip4.src == 10.0.0.99' drop
tap_check "acl-add on ls1: ovn-show notes ACLs are not enforced for lpV" wait_for 10 eval '[[ $(acl_notes) == 1 ]]'
tap_like "... uvnetctl ovn-show prints it" "$(ctl ovn-show)" "note: ACLs are not enforced on this chassis: the logical switch of lpV"
tap_is "... the log warns once" "$(acl_warnings)" 1
nb pg-add pg1 lpV && nb acl-add pg1 from-lport 1002 'inport == @pg1 && ip4' allow-related && nb acl-del ls1
sleep 2
tap_is "an ACL through a port group instead: still noted, not warned again" "$(acl_notes) $(acl_warnings)" "1 1"
nb acl-del pg1 && nb pg-del pg1
tap_check "ACLs gone: the note goes" wait_for 10 eval '[[ $(acl_notes) == 0 ]]'
tap_done
