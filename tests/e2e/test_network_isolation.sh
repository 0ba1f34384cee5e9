#!/usr/bin/env bash
# What leaves a network (issue 16), each attempt with the refusal it must
# meet.  uvnetd's namespace plays a host with an upstream DNS server (a fake
# one that answers everything, named in its resolv.conf), IPv6 forwarding
# on, and an outside IPv6 host; a client namespace on each network (an
# afpacket port on a veth) plays a guest:
#  - isolated: DNS answers the network's own names (a DHCP client's
#    hostname) and nothing else: no query reaches the upstream server
#    (a NAT network still forwards, as it should);
#  - IPv6: a client of a NAT or isolated network cannot reach the outside
#    host over IPv6 (the rules are `inet`), an isolated one not even the
#    host;
#  - ip_forward: a NAT network that turned it on turns it off again when it
#    stops; one that found it on leaves it on;
#  - dnsmasq does not log every DHCP transaction.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init network_isolation

FAKE_DNS=$E2E_DIR/helpers/fake_dns.py
v6on() { ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0; }

# ---- the host: an upstream DNS server, IPv6 forwarding, an outside host ----

# /etc/netns/NS/resolv.conf is what processes in NS see as /etc/resolv.conf
mkdir -p "/etc/netns/$E2E_NS" || e2e_bail "/etc/netns/$E2E_NS"
trap 'rc=$?; rm -rf "/etc/netns/$E2E_NS"; (exit $rc); _e2e_exit' EXIT
echo "nameserver 10.210.99.1" >"/etc/netns/$E2E_NS/resolv.conf"
v6on "$E2E_NS"
ip netns exec "$E2E_NS" sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=0
ns_add OUT out || e2e_bail "namespace out"
v6on "$OUT"
# the uplink vo0: the upstream DNS address, the default route, IPv6 to "out"
ip -n "$E2E_NS" link add vo0 type veth peer name eth0 netns "$OUT" &&
    ns_ifup "$E2E_NS" vo0 10.210.99.1/24 && ip -n "$E2E_NS" addr add 2001:db8:99::1/64 dev vo0 nodad &&
    ip -n "$E2E_NS" route add default via 10.210.99.2 &&
    ns_ifup "$OUT" eth0 10.210.99.2/24 && ip -n "$OUT" addr add 2001:db8:99::2/64 dev eth0 nodad &&
    ip -n "$OUT" route add 2001:db8::/32 via 2001:db8:99::1 || e2e_bail "uplink vo0 to namespace out"
: >"$T/queries"
spawn ip netns exec "$E2E_NS" timeout 200 "$PY" "$FAKE_DNS" 10.210.99.1 10.66.66.66 "$T/queries"

uvnetd_start || e2e_bail "uvnetd starts and answers"
ctl net-define iso mode=isolated subnet=10.210.1.0/24 && ctl net-start iso ||
    e2e_bail "isolated network iso"
tap_is "a NAT network's start turns ip_forward on (it was 0)" \
    "$(ctl net-define nat mode=nat subnet=10.210.2.0/24 >/dev/null && ctl net-start nat >/dev/null &&
        ip netns exec "$E2E_NS" cat /proc/sys/net/ipv4/ip_forward)" 1

# client NET ID: namespace C_NET on network NET over a veth and an afpacket
# port; DHCP with hostname NET-client; IPv6 2001:db8:ID::2 via ::1, which
# is also put on the network's gateway tap uv-NET
client() {
    local net=$1 id=$2 ns
    ns_add ns "c$net" || return 1
    printf -v "C_$net" '%s' "$ns"
    v6on "$ns"
    ip -n "$E2E_NS" link add "v$net" type veth peer name eth0 netns "$ns" &&
        ip -n "$E2E_NS" link set "v$net" up && ip -n "$ns" link set eth0 up || return 1
    ctl add-port "$net" "c$net" type=afpacket dev="v$net" || return 1
    cat >"$T/udhcpc.sh" <<'S'
#!/bin/sh
[ "$1" = bound ] && ip addr add "$ip/24" dev "$interface"
exit 0
S
    chmod 755 "$T/udhcpc.sh"
    ip netns exec "$ns" timeout 30 busybox udhcpc -i eth0 -n -q -t 10 -x "hostname:$net-client" \
        -s "$T/udhcpc.sh" >"$T/udhcpc.$net.out" 2>&1 || return 1
    ip -n "$E2E_NS" addr add "2001:db8:$id::1/64" dev "uv-$net" nodad &&
        ip -n "$ns" addr add "2001:db8:$id::2/64" dev eth0 nodad &&
        ip -n "$ns" route add default via "2001:db8:$id::1"
}
client iso 1 || e2e_bail "client of iso (DHCP, IPv6)"
client nat 2 || e2e_bail "client of nat (DHCP, IPv6)"
tap_ok "clients on iso and nat got DHCP leases"

# lookup NS NAME SERVER: the addresses busybox nslookup got ("" for none)
lookup() {
    ip netns exec "$1" timeout 10 busybox nslookup "$2" "$3" 2>/dev/null |
        awk '/^Name:/ {n=1} n && /^Address/ {print $NF}' | sort | tr '\n' ' ' | sed 's/ $//'
}

# ---- DNS ----

got=$(lookup "$C_iso" iso-client 10.210.1.1)
tap_like "isolated: its own name (a DHCP client's hostname) resolves: $got" "$got" '^10\.210\.1\.[0-9]+$'
got=$(lookup "$C_iso" leak-iso.example.com 10.210.1.1)
tap_is "isolated: any other name is not answered" "$got" ""
tap_is "isolated: and no query reached the upstream server" "$(grep -c leak-iso "$T/queries" 2>/dev/null)" 0
got=$(lookup "$C_iso" localhost 10.210.1.1)
tap_is "isolated: the host's /etc/hosts names are not served either" "$got" ""
got=$(lookup "$C_nat" fwd-nat.example.com 10.210.2.1)
tap_is "nat: other names are forwarded upstream, as they should be" "$got" 10.66.66.66

# ---- IPv6 ----

ping6() { ip netns exec "$1" timeout 10 busybox ping -6 -c 2 -W 2 "$2" >/dev/null 2>&1; }
tap_check "nat: the client reaches its gateway over IPv6 (the link works)" ping6 "$C_nat" 2001:db8:2::1
tap_check "nat: but not the outside host: IPv6 is not forwarded off the network" \
    eval '! ping6 "$C_nat" 2001:db8:99::2'
tap_check "isolated: the client cannot reach the host over IPv6" eval '! ping6 "$C_iso" 2001:db8:1::1'
tap_check "isolated: nor the outside host" eval '! ping6 "$C_iso" 2001:db8:99::2'
tap_like "the rules are one inet table per network" \
    "$(ip netns exec "$E2E_NS" nft list tables | tr '\n' ' ')" 'table inet uvnet-iso .*table inet uvnet-nat|table inet uvnet-nat .*table inet uvnet-iso'

# ---- dnsmasq's log ----

tap_is "dnsmasq logged no DHCP transaction (--quiet-dhcp)" \
    "$(cat "$T"/*.dnsmasq.log 2>/dev/null | grep -c 'DHCPACK\|DHCPDISCOVER')" 0

# ---- ip_forward ----

ctl net-stop nat >/dev/null
tap_is "the last NAT network's stop turns ip_forward off again" \
    "$(ip netns exec "$E2E_NS" cat /proc/sys/net/ipv4/ip_forward)" 0
ip netns exec "$E2E_NS" sysctl -qw net.ipv4.ip_forward=1
ctl net-start nat >/dev/null && ctl net-stop nat >/dev/null
tap_is "a NAT network that found it on leaves it on" \
    "$(ip netns exec "$E2E_NS" cat /proc/sys/net/ipv4/ip_forward)" 1

tap_done
