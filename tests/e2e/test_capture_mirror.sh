#!/usr/bin/env bash
# uvnetctl capture and port mirrors, against real traffic:
#  - two tap ports in namespaces a and b with static neighbours (so that a
#    ping is exactly its echo requests and replies); captures of a ping on
#    tapa read back by tcpdump -r: to a file (-c), direction in / out /
#    both at once on one port (ended by SIGINT), live through a pipe into
#    tcpdump -r -, a pipe whose reader goes away (the capture is released),
#    a capture whose port is deleted;
#  - a capture on the vhost-user port of a QEMU guest pinging a;
#  - mirrors to a tap port in namespace c, sniffed there by tcpdump:
#    select-src, select-src+dst (a frame selected twice is sent once), the
#    output port out of switching (c cannot ping a meanwhile), show and the
#    state file, del-mirror (nothing more reaches c, c pings a again), a
#    mirror removed with its output port.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init capture_mirror

command -v tcpdump >/dev/null || e2e_bail "tcpdump is installed (scripts/install-deps.sh e2e)"
ipa=10.207.0.1 ipb=10.207.0.2 ipc=10.207.0.3 ipg=10.207.0.4
nsa='' nsb='' nsc=''

uvnetd_start || e2e_bail "uvnetd starts and answers"
ns_add nsa a && ns_add nsb b && ns_add nsc c || e2e_bail "namespaces a, b, c"
ctl add-br br0 && ctl add-port br0 tapa type=tap && ctl add-port br0 tapb type=tap &&
    ctl add-port br0 tapm type=tap || e2e_bail "bridge br0 with tap ports tapa, tapb, tapm"
ip -n "$E2E_NS" link set tapa netns "$nsa" && ip -n "$E2E_NS" link set tapb netns "$nsb" &&
    ip -n "$E2E_NS" link set tapm netns "$nsc" &&
    ns_ifup "$nsa" tapa "$ipa/24" && ns_ifup "$nsb" tapb "$ipb/24" && ns_ifup "$nsc" tapm "$ipc/24" ||
    e2e_bail "taps in namespaces a, b, c"
maca=$(ip -n "$nsa" -br link show tapa | awk '{print $3}')
macb=$(ip -n "$nsb" -br link show tapb | awk '{print $3}')
macc=$(ip -n "$nsc" -br link show tapm | awk '{print $3}')
ip -n "$nsa" neigh replace "$ipb" lladdr "$macb" nud permanent dev tapa &&
    ip -n "$nsb" neigh replace "$ipa" lladdr "$maca" nud permanent dev tapb &&
    ip -n "$nsa" neigh replace "$ipc" lladdr "$macc" nud permanent dev tapa &&
    ip -n "$nsc" neigh replace "$ipa" lladdr "$maca" nud permanent dev tapm &&
    ip -n "$nsb" neigh replace "$ipc" lladdr "$macc" nud permanent dev tapb ||
    e2e_bail "static neighbours"
out=$(hping "$nsa" -c 2 -i 0.2 -W 2 "$ipb")
[[ $(ping_stats "$out") == "2 2" ]] || e2e_bail "a pings b through uvnetd"
tap_ok "taps in namespaces a, b, c; a pings b"

# captures PORT: how many captures `show` lists on PORT.
captures() { port_info "$1" | jget "d.get('captures', 0)"; }
# pcap_count FILE [FILTER...]: frames in a pcap file, as tcpdump reads them.
pcap_count() { local f=$1; shift; tcpdump -n -r "$f" "$@" 2>/dev/null | wc -l; }
# cap_start NAME ARG...: uvnetctl capture ARG... in the background, its
# stderr in $T/NAME.err; waits until the capture runs (show lists one
# more on the port, the first ARG).
cap_start() {
    local name=$1 port=$2 before
    shift
    before=$(captures "$port")
    spawn timeout 60 "$UVNETCTL" --control "$T/ctl.sock" capture "$@" 2>"$T/$name.err"
    wait_for 10 eval '[[ $(captures "$port") -gt $before ]]'
}
# cap_wait PID: wait for a capture to end; its status.
cap_wait() { wait_for 20 _pid_gone "$1"; wait "$1" 2>/dev/null; }
# err_count NAME WHAT: N of "N frames WHAT" in a capture's stderr.
err_count() { sed -n "s/^\([0-9]*\) frames $2\$/\1/p" "$T/$1.err"; }

# ---- a capture to a file: 5 pings = 5 requests in, 5 replies out ----
cap_start file tapa -w "$T/file.pcap" -c 10 || tap_not_ok "capture tapa started (show lists it)"
pid=$BG_PID
hping "$nsa" -c 5 -i 0.1 -W 2 "$ipb" >/dev/null
cap_wait "$pid"
tap_is "capture -c 10 ends by itself with status 0" "$?" 0
tap_is "tcpdump -r reads 10 frames" "$(pcap_count "$T/file.pcap")" 10
tap_is "  5 echo requests a -> b" "$(pcap_count "$T/file.pcap" "icmp[icmptype] == icmp-echo and src $ipa")" 5
tap_is "  5 echo replies b -> a" "$(pcap_count "$T/file.pcap" "icmp[icmptype] == icmp-echoreply and dst $ipa")" 5
tap_is "uvnetctl says 10 captured, 0 dropped" "$(err_count file captured) $(err_count file 'dropped by the capture')" "10 0" ||
    diag_file "$T/file.err"
tap_is "the capture is gone from show" "$(captures tapa)" 0

# ---- three captures of one port at once, by direction, ended by SIGINT ----
pids=()
for d in in out both; do
    cap_start "dir-$d" tapa -w "$T/dir-$d.pcap" --direction "$d" || tap_not_ok "capture --direction $d started"
    pids+=("$BG_PID")
done
tap_is "show lists 3 captures on tapa" "$(captures tapa)" 3
hping "$nsa" -c 7 -i 0.1 -W 2 "$ipb" >/dev/null
sleep 0.3
for p in "${pids[@]}"; do kill -INT "$p"; done
for p in "${pids[@]}"; do cap_wait "$p" || tap_not_ok "a capture ended by SIGINT exits 0"; done
tap_is "--direction in: the 7 requests, nothing else" \
    "$(pcap_count "$T/dir-in.pcap") $(pcap_count "$T/dir-in.pcap" "icmp[icmptype] == icmp-echo and src $ipa")" "7 7"
tap_is "--direction out: the 7 replies, nothing else" \
    "$(pcap_count "$T/dir-out.pcap") $(pcap_count "$T/dir-out.pcap" "icmp[icmptype] == icmp-echoreply and dst $ipa")" "7 7"
tap_is "--direction both: 14 frames" "$(pcap_count "$T/dir-both.pcap")" 14
tap_is "SIGINT: uvnetctl reports 14 captured, 0 dropped" \
    "$(err_count dir-both captured) $(err_count dir-both 'dropped by the capture')" "14 0" ||
    diag_file "$T/dir-both.err"

# ---- live: -w - into tcpdump -r -, which prints frames while the capture runs ----
mkfifo "$T/live.fifo"
spawn ip netns exec "$nsc" timeout 60 tcpdump -n -l -r "$T/live.fifo" >"$T/live.txt" 2>/dev/null
reader=$BG_PID
cap_start live tapb -w - --snaplen 96 >"$T/live.fifo" || tap_not_ok "live capture of tapb started"
live=$BG_PID
hping "$nsa" -c 4 -i 0.1 -W 2 "$ipb" >/dev/null
wait_for 5 eval '[[ $(wc -l <"$T/live.txt") -ge 8 ]]'
tap_is "tcpdump -r - printed the 8 frames while the capture still runs" \
    "$(wc -l <"$T/live.txt") $(captures tapb)" "8 1" || diag_file "$T/live.txt"
kill -INT "$live"
cap_wait "$live"
tap_is "uvnetctl ends on SIGINT with status 0" "$?" 0
wait_for 10 _pid_gone "$reader"
tap_is "then tcpdump ends too, having read 8 frames" "$(_pid_gone "$reader" && wc -l <"$T/live.txt")" 8

# ---- a pipe whose reader goes away: uvnetctl ends, the capture is released ----
spawn bash -c "timeout 60 '$UVNETCTL' --control '$T/ctl.sock' capture tapb -w - 2>'$T/pipe.err' | head -c 200 >/dev/null"
piped=$BG_PID
wait_for 10 eval '[[ $(captures tapb) == 1 ]]' || tap_not_ok "capture into head -c 200 started"
hping "$nsa" -c 5 -i 0.1 -W 2 "$ipb" >/dev/null
if wait_for 10 _pid_gone "$piped"; then tap_ok "the reader went away: uvnetctl ended"; else
    tap_not_ok "the reader went away: uvnetctl ended"
fi
wait_for 5 eval '[[ $(captures tapb) == 0 ]]'
tap_is "uvnetd released that capture" "$(captures tapb)" 0

# ---- the port goes away under a capture ----
ctl add-port br0 tmp0 type=tap || tap_not_ok "port tmp0"
cap_start gone tmp0 -w "$T/gone.pcap" || tap_not_ok "capture tmp0 started"
pid=$BG_PID
ctl del-port tmp0
cap_wait "$pid"
tap_is "del-port ends its capture (status 0)" "$?" 0
tap_like "uvnetctl says why" "$(cat "$T/gone.err")" "capture of tmp0 ended: the port was deleted"

# ---- mirrors, sniffed in c ----
# sniff_start: tcpdump on tapm in c, into $T/sniff.N.pcap.  sniff_stop
# WANT: once the file holds WANT frames (at most 10 s), and 0.5 s more for
# any that should not be there, stop it (tcpdump drops what it has not
# read yet when interrupted); prints the frames in the file.
sniff_n=0
sniff_start() {
    sniff_n=$((sniff_n + 1))
    spawn ip netns exec "$nsc" timeout 60 tcpdump -n -U -i tapm -w "$T/sniff.$sniff_n.pcap" \
        2>"$T/sniff.$sniff_n.err"
    sniff_pid=$BG_PID
    wait_for 10 grep -q 'listening on' "$T/sniff.$sniff_n.err"
}
sniff_stop() {
    local want=$1
    wait_for 10 eval '[[ $(pcap_count "$T/sniff.$sniff_n.pcap") -ge $want ]]'
    sleep 0.5
    kill -INT "$sniff_pid"
    wait_for 10 _pid_gone "$sniff_pid"
    pcap_count "$T/sniff.$sniff_n.pcap"
}

sniff_start || tap_not_ok "tcpdump listens on tapm in c"
ctl add-mirror br0 m0 select-src=tapa output=tapm || tap_not_ok "add-mirror m0 select-src=tapa output=tapm"
hping "$nsa" -c 5 -i 0.1 -W 2 "$ipb" >/dev/null
tap_is "select-src=tapa: c sees the 5 requests and nothing else" \
    "$(sniff_stop 5) $(pcap_count "$T/sniff.$sniff_n.pcap" "icmp[icmptype] == icmp-echo and src $ipa")" "5 5"
tap_is "show --json lists m0" "$(ctl --json show | jget "[(m['name'], m['select_src'], m['output']) for m in d['bridges'][0]['mirrors']]")" \
    '[["m0", ["tapa"], "tapm"]]'
tap_like "show prints it" "$(ctl show)" "Mirror m0"
tap_is "the state file keeps it" "$(jget "[m for b in d['bridges'] for m in b.get('mirrors', [])]" <"$T/state")" \
    '[["add-mirror", "br0", "m0", "select-src=tapa", "output=tapm"]]'
before=$(stat_of tapm rx dropped)
out=$(hping "$nsc" -c 3 -i 0.1 -W 1 "$ipa")
tap_is "the output port is out of switching: c cannot ping a" "$(ping_stats "$out")" "3 0"
tap_cmp "  what c sent was dropped at tapm" "$(stat_of tapm rx dropped)" -ge $((before + 3))
tap_is "  and nothing was learned on tapm" \
    "$(ctl --json fdb-show br0 | jget "len([e for e in d['entries'] if e['port'] == 'tapm'])")" 0

ctl del-mirror br0 m0 &&
    ctl add-mirror br0 m1 select-src=tapa,tapb select-dst=tapa,tapb select-vlan=0 output=tapm ||
    tap_not_ok "m1: select-src and select-dst on both ports"
sniff_start || tap_not_ok "tcpdump listens on tapm in c"
hping "$nsa" -c 5 -i 0.1 -W 2 "$ipb" >/dev/null
tap_is "a frame selected twice (in by one, out by the other) reaches c once: 10" "$(sniff_stop 10)" 10

ctl del-mirror br0 m1 || tap_not_ok "del-mirror m1"
sniff_start || tap_not_ok "tcpdump listens on tapm in c"
hping "$nsa" -c 5 -i 0.1 -W 2 "$ipb" >/dev/null
tap_is "after del-mirror nothing reaches c" "$(sniff_stop 0)" 0
out=$(hping "$nsc" -c 3 -i 0.1 -W 2 "$ipa")
tap_is "and c pings a again" "$(ping_stats "$out")" "3 3"
tap_is "show lists no mirror" "$(ctl --json show | jget "d['bridges'][0].get('mirrors', [])")" "[]"
out=$(ctl show)
tap_is "show as text: status 0, Port lines, no Mirror line" \
    "$?/$(grep -c '^    Port ' <<<"$out")/$(grep -c Mirror <<<"$out")" "0/3/0"

ctl add-port br0 tmp1 type=tap && ctl add-mirror br0 m2 select-dst=tapb output=tmp1 &&
    ctl del-port tmp1 || tap_not_ok "mirror m2 to port tmp1, then del-port tmp1"
tap_is "a mirror goes with its output port" "$(ctl --json show | jget "d['bridges'][0].get('mirrors', [])")" "[]"
tap_like "  and the log says so" "$(cat "$T/uvnetd.1.log")" "mirror m2 removed from br0: its output port tmp1 is deleted"

# ---- a capture on a guest's vhost-user port ----
ctl add-port br0 vm1 type=vhost-user path="$T/vm1.sock" || tap_not_ok "port vm1"
ip -n "$nsa" neigh replace "$ipg" lladdr 52:54:00:e2:07:04 nud permanent dev tapa
guest_start vm1 52:54:00:e2:07:04 "$ipg/24" <<EOF || e2e_bail "guest starts"
ping_until $ipa 60 || echo "E2E-NO-LINK"
wait_host capture 90
ping -c 6 -i 0.2 -W 2 $ipa
mark pinged
EOF
if guest_wait_mark vm1 capture 120; then
    cap_start guest vm1 -w "$T/guest.pcap" || tap_not_ok "capture vm1 started"
    pid=$BG_PID
    guest_go vm1
    guest_wait_mark vm1 pinged 60 || tap_not_ok "the guest pinged a"
    sleep 0.3
    kill -INT "$pid"
    cap_wait "$pid"
    tap_is "capture of vm1 ends on SIGINT with status 0" "$?" 0
    tap_is "  the guest's 6 echo requests" "$(pcap_count "$T/guest.pcap" "icmp[icmptype] == icmp-echo and src $ipg")" 6
    tap_is "  and the 6 replies" "$(pcap_count "$T/guest.pcap" "icmp[icmptype] == icmp-echoreply and dst $ipg")" 6
else
    tap_not_ok "guest booted and waits for the capture"
fi
tap_is "guest script ran to the end" "$(guest_wait vm1 60)" 0

tap_done
