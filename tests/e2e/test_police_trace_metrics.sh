#!/usr/bin/env bash
# What an operator reaches for when a guest "has no network", without VMs:
# three taps (a and b each in a namespace of its own, c an access port of
# VLAN 10 left in uvnetd's namespace) on one bridge, uvnetd with --metrics.
#  - ingress policing: UDP iperf3 from a (ingress-policing-rate, set at
#    add-port, then changed with set-port) arrives within 30% of the rate
#    while b -> a is not limited; the drops show as `policing` in stats
#    (text and --json); rate= turns it off; the state file keeps the words;
#  - trace (text and --json): a learned MAC goes to its port only, an
#    unknown one and a broadcast flood (c's VLAN does not carry them), a
#    tag c does not admit is a VLAN drop, a spoofed source on a
#    port-security port a security drop; trace learns nothing;
#  - /metrics: Prometheus text format, every family with HELP and TYPE,
#    its counters equal to `stats --json` with the traffic stopped; 404
#    and 405 for anything else.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init police_trace_metrics

ipa=10.207.0.1 ipb=10.207.0.2
maca=02:00:0a:cf:00:01 macb=02:00:0a:cf:00:02
nsa='' nsb='' # set by ns_add
mport=$((20000 + $$ % 20000))
murl=http://127.0.0.1:$mport

uvnetd_start --metrics "127.0.0.1:$mport" || e2e_bail "uvnetd starts with --metrics and answers"
ns_add nsa a && ns_add nsb b || e2e_bail "namespaces a, b"
ctl add-br br0 &&
    ctl add-port br0 tapa type=tap ingress-policing-rate=20000 ingress-policing-burst=2000 &&
    ctl add-port br0 tapb type=tap && ctl add-port br0 tapc type=tap tag=10 ||
    e2e_bail "bridge br0: tapa (policed at 20000 kbit/s), tapb, tapc (VLAN 10)"
ip -n "$E2E_NS" link set tapa netns "$nsa" && ip -n "$E2E_NS" link set tapb netns "$nsb" &&
    ns_ifup "$nsa" tapa "$ipa/24" "$maca" && ns_ifup "$nsb" tapb "$ipb/24" "$macb" ||
    e2e_bail "taps moved into namespaces a ($ipa) and b ($ipb)"
out=$(hping "$nsa" -c 3 -i 0.2 -W 2 "$ipb")
tap_is "a -> b ping through uvnetd: 3 of 3" "$(ping_stats "$out")" "3 3" || diag "$out"

# ---- policing ----

# udp_rate NAME FROM_NS TO_NS TO_IP PORT MBITS: UDP iperf3 for 4 s at MBITS
# offered; the receiver's rate in kbit/s.
udp_rate() {
    local name=$1 from=$2 to=$3 ip=$4 port=$5 mbits=$6 got
    iperf3_server "$to" "$port" "$T/$name.json" || { echo 0; return; }
    in_ns "$from" timeout 30 iperf3 -u -b "${mbits}M" -l 1400 -c "$ip" -p "$port" -t 4 \
        --connect-timeout 3000 >"$T/$name.client" 2>&1
    wait_for 10 _pid_gone "$BG_PID"
    got=$(jget "d['end']['sum_received']['bits_per_second']" <"$T/$name.json" 2>/dev/null)
    echo $((${got%.*} / 1000))
}

# within30 DESC GOT WANT: GOT within 30% of WANT.
within30() {
    tap_cmp "$1: $2 kbit/s, within 30% of $3" "$2" -ge $(($3 * 7 / 10)) &&
        tap_cmp "$1: $2 kbit/s, at most 130% of $3" "$2" -le $(($3 * 13 / 10))
}

ab=$(udp_rate ab1 "$nsa" "$nsb" "$ipb" 5301 80)
within30 "a -> b, 80 Mbit/s offered, policed at 20000 kbit/s (add-port)" "$ab" 20000
ba=$(udp_rate ba1 "$nsb" "$nsa" "$ipa" 5302 80)
tap_cmp "b -> a is not policed: $ba kbit/s > 2 x 20000" "$ba" -gt 40000
pol=$(ctl --json stats tapa | jget "d['ports'][0]['policing']")
rxd=$(stat_of tapa rx dropped)
tap_cmp "stats --json: tapa's policing drops ($pol)" "${pol:-0}" -gt 100
tap_cmp "tapa's rx drops ($rxd) include them" "${rxd:-0}" -ge "${pol:-x}"
tap_is "stats --json: tapb has no policing drops" "$(ctl --json stats tapb | jget "d['ports'][0]['policing']")" 0
tap_like "stats (text) shows policing=$pol" "$(ctl stats)" "tapa .* policing=$pol "
tap_like "show: tapa's policing" "$(ctl show)" "ingress_policing: rate 20000 kbit/s, burst 2000 kbit"

ctl set-port tapa ingress-policing-rate=8000 || tap_not_ok "set-port tapa ingress-policing-rate=8000"
ab=$(udp_rate ab2 "$nsa" "$nsb" "$ipb" 5303 80)
within30 "a -> b policed at 8000 kbit/s (set-port, at run time)" "$ab" 8000
tap_like "the state file keeps the new rate" "$(cat "$T/state")" '"ingress-policing-rate=8000"'
ctl set-port tapa ingress-policing-rate= || tap_not_ok "set-port tapa ingress-policing-rate="
pol=$(ctl --json stats tapa | jget "d['ports'][0]['policing']")
ab=$(udp_rate ab3 "$nsa" "$nsb" "$ipb" 5304 30)
tap_cmp "policing off: a -> b at 30 Mbit/s offered gets $ab kbit/s" "$ab" -gt 24000
tap_is "policing off: no new policing drops" "$(ctl --json stats tapa | jget "d['ports'][0]['policing']")" "$pol"

# ---- trace ----

hping "$nsb" -c 1 -W 2 "$ipa" >/dev/null # both MACs learned afresh
fdb=$(ctl --json fdb-show br0)
tap_like "fdb-show: both MACs learned" \
    "$(jget "sorted(e['mac'] for e in d['entries'])" <<<"$fdb")" "$maca.*$macb"
t=$(ctl trace br0 in-port=tapa dl-src=$maca dl-dst=$macb)
tap_like "trace, learned MAC (text): dl-dst learned on tapb" "$t" "fdb: dl-dst learned on tapb"
tap_like "trace, learned MAC (text): output tapb, untagged" "$t" "output: tapb \(untagged\)"
tap_like "trace, learned MAC (text): forward" "$t" "verdict: forward"
j=$(ctl --json trace br0 in-port=tapa dl-src=$maca dl-dst=$macb)
tap_is "trace, learned MAC (--json): hit on tapb, out of tapb only" \
    "$(jget "[d['lookup'], d['fdb_port'], [p['port'] for p in d['ports'] if p['output']]]" <<<"$j")" \
    '["hit", "tapb", ["tapb"]]'
j=$(ctl --json trace br0 in-port=tapa dl-src=02:00:0a:cf:00:99 dl-dst=02:00:0a:cf:00:98)
tap_is "trace, unknown MAC (--json): flood to tapb; tapc does not carry VLAN 0" \
    "$(jget "[d['verdict'], d['lookup'], [[p['port'], p['output'], p.get('drop')] for p in d['ports']]]" <<<"$j")" \
    '["forward", "flood", [["tapb", true, null], ["tapc", false, "vlan"]]]'
t=$(ctl trace br0 in-port=tapb dl-src=$macb dl-dst=ff:ff:ff:ff:ff:ff dl-type=0x0806)
tap_like "trace, broadcast (text): flood" "$t" "broadcast/multicast dl-dst: flood"
tap_like "trace, broadcast (text): output tapa" "$t" "output: tapa \(untagged\)"
tap_like "trace, broadcast (text): not output tapc" "$t" "not output: tapc \(does not carry VLAN 0\)"
t=$(ctl trace br0 in-port=tapc dl-src=02:00:0a:cf:00:33 dl-dst=$maca vlan=20)
tap_like "trace, VLAN drop (text)" "$t" "vlan: dropped: tapc does not admit this frame's tag"
tap_like "trace, VLAN drop (text): verdict" "$t" "verdict: drop: vlan"
j=$(ctl --json trace br0 in-port=tapc dl-src=02:00:0a:cf:00:33 dl-dst=$maca vlan=20)
tap_is "trace, VLAN drop (--json)" "$(jget "[d['verdict'], 'ports' in d]" <<<"$j")" '["vlan", false]'
j=$(ctl --json trace br0 in-port=tapc dl-src=02:00:0a:cf:00:33 dl-dst=$maca)
tap_is "trace from the access port: VLAN 10 (a's MAC is known in VLAN 0 only), flooded tagged 10" \
    "$(jget "[d['vlan'], d['lookup'], [[p['port'], p.get('tag')] for p in d['ports'] if p['output']]]" <<<"$j")" \
    '[10, "flood", [["tapa", 10], ["tapb", 10]]]'
ctl set-port tapa port-security=$maca || tap_not_ok "set-port tapa port-security=$maca"
j=$(ctl --json trace br0 in-port=tapa dl-src=02:00:0a:cf:00:66 dl-dst=$macb dl-type=0x0806)
tap_is "trace, spoofed source on a port-security port (--json)" \
    "$(jget "[d['verdict'], d['port_security']]" <<<"$j")" '["port security", "eth-src"]'
tap_is "trace learned none of the sources it traced" \
    "$(ctl --json fdb-show br0 | jget "[e['mac'] for e in d['entries'] if e['mac'].endswith(('99', '33', '66'))]")" '[]'
err=$(ctl trace br0 in-port=tapa dl-src=$maca dl-dst=$macb dl-type=806 2>&1 >/dev/null)
tap_like "trace: a bad dl-type is named" "$err" "dl-type: '806' is not an EtherType"

# ---- metrics ----

# fetch PATH [METHOD]: "STATUS" then the body, from uvnetd's namespace.
fetch() {
    in_ns "$E2E_NS" "$PY" -c '
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(urllib.request.Request(sys.argv[1], method=sys.argv[2]), timeout=5)
    print(r.status); print(r.headers.get("Content-Type")); sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code); print(e.headers.get("Content-Type"))' "$murl$1" "${2:-GET}"
}

sleep 1 # the last replies are in
stats1=$(ctl --json stats)
page=$(fetch /metrics)
stats2=$(ctl --json stats)
printf '%s\n' "$page" >"$T/metrics.txt"
tap_is "GET /metrics: 200" "$(head -n1 <<<"$page")" 200
tap_is "Content-Type: the text format 0.0.4" "$(sed -n 2p <<<"$page")" "text/plain; version=0.0.4; charset=utf-8"
# Every family has HELP and TYPE before its samples; every sample line parses.
check=$(tail -n +3 <<<"$page" | "$PY" -c '
import re, sys
fam = {}; bad = []
for l in sys.stdin.read().splitlines():
    m = re.match(r"# (HELP|TYPE) ([a-z_]+) (.*)$", l)
    if m:
        fam.setdefault(m.group(2), set()).add(m.group(1)); continue
    m = re.match(r"([a-z_]+)(\{([a-z_]+=\"([^\"\\\\]|\\\\.)*\",?)*\})? [0-9]+$", l)
    if not m or fam.get(m.group(1)) != {"HELP", "TYPE"}:
        bad.append(l)
print(len(fam), len(bad), bad[:3])')
tap_like "every sample parses and follows its HELP and TYPE ($check)" "$check" "^[0-9]+ 0 \[\]$"
# sample FAMILY LABELS: its value on the page.
sample() { grep -F "$1{$2} " "$T/metrics.txt" | awk '{print $NF}'; }
mism=()
for p in tapa tapb tapc; do
    for x in rx tx; do
        for f in packets bytes dropped errors; do
            v=$(sample "uvnet_port_${x}_${f}_total" "bridge=\"br0\",port=\"$p\"")
            lo=$(jget "[q for q in d['ports'] if q['name'] == '$p'][0]['$x']['$f']" <<<"$stats1")
            hi=$(jget "[q for q in d['ports'] if q['name'] == '$p'][0]['$x']['$f']" <<<"$stats2")
            [[ -n $v && $v -ge $lo && $v -le $hi ]] || mism+=("$p.$x.$f=$v ($lo..$hi)")
        done
    done
done
tap_is "/metrics: 24 port counters equal stats --json (${#mism[@]} differ: ${mism[*]})" "${#mism[@]}" 0
tap_is "/metrics: tapa's policing drops equal stats" \
    "$(sample uvnet_port_drops_total 'bridge="br0",port="tapa",reason="policing"')" \
    "$(jget "[q for q in d['ports'] if q['name'] == 'tapa'][0]['policing']" <<<"$stats2")"
tap_cmp "/metrics: tapa's policing drops are real" \
    "$(sample uvnet_port_drops_total 'bridge="br0",port="tapa",reason="policing"')" -gt 100
tap_is "/metrics: br0's FDB size equals stats" "$(sample uvnet_fdb_entries 'bridge="br0"')" \
    "$(jget "d['bridges'][0]['fdb_entries']" <<<"$stats2")"
tap_is "/metrics: worker 0's busy cycles equal stats (no traffic)" \
    "$(sample uvnet_worker_busy_cycles_total 'worker="0"')" \
    "$(jget "d['workers'][0]['busy_cycles']" <<<"$stats2")"
tap_is "GET /: 404" "$(fetch / | head -n1)" 404
tap_is "POST /metrics: 405" "$(fetch /metrics POST | head -n1)" 405
# a client that says nothing holds only its own connection
ip netns exec "$E2E_NS" timeout 8 "$PY" -c '
import socket, sys, time
s = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(20)]
time.sleep(8)' "$mport" &
silent=$!
sleep 1
tap_is "GET /metrics answers beside 20 silent clients" "$(fetch /metrics | head -n1)" 200
kill "$silent" 2>/dev/null
wait "$silent" 2>/dev/null

tap_done
