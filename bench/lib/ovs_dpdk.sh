# shellcheck shell=bash disable=SC2034
# Open vSwitch with the DPDK (userspace, "netdev") datapath as a forwarder
# between two dpdkvhostuser ports, for benchmarks.  Source this file (and
# bench/lib/hugepages.sh); it only defines functions and sets no options,
# traps or working directory.
#
#   ovs_dpdk_start DIR [CPU]   bring it up (CPU defaults to 1)
#   ovs_dpdk_stop              tear it down (idempotent; call it from the
#                              sourcing script's EXIT trap)
#   ovs_dpdk_stats [PORT...]   per-port rx/tx packets and drops, one line
#                              per port (default: both vhost-user ports)
#   ovs_dpdk_pmd_cpus          the CPUs OVS's PMD threads are pinned to
#   ovs_dpdk_busy              "CYCLES PACKETS": the PMD threads' cycles in
#                              iterations that moved packets, and those
#                              packets, since dpif-netdev/pmd-stats-clear
#   ovs_dpdk_vsctl / ovs_dpdk_appctl / ovs_dpdk_ofctl ARGS...
#                              the OVS tools, aimed at this instance
#
# What ovs_dpdk_start does, everything private to the run so that it never
# touches or conflicts with a system OVS or another DPDK process:
#   - raises the 2 MiB hugepage pool by what dpdk-socket-mem needs (the
#     previous nr_hugepages value is restored by ovs_dpdk_stop) and mounts
#     a hugetlbfs of that size on DIR/huge;
#   - creates DIR/db/conf.db from the vswitch schema and runs ovsdb-server
#     on it (socket, pidfile, control socket in DIR/run, log in DIR/log);
#   - runs ovs-vswitchd-dpdk under `taskset -c CPU`, in a network namespace
#     of its own (its datapath's tap devices stay off the host), with
#     OVS_RUNDIR=DIR/run
#     etc., dpdk-init=true, dpdk-socket-mem (and -limit), dpdk-hugepage-dir
#     DIR/huge, dpdk-extra "--file-prefix PREFIX --no-pci --no-telemetry",
#     dpdk-lcore-mask and pmd-cpu-mask both 1<<CPU (one PMD thread, on CPU);
#   - adds bridge OVS_DPDK_BRIDGE (datapath_type=netdev, default flow
#     actions=NORMAL, i.e. a learning switch) with ports vhu0 and vhu1 of
#     type dpdkvhostuser: OVS is the vhost-user server, the sockets are
#     DIR/run/vhu0 and DIR/run/vhu1 (OVS_SOCK0, OVS_SOCK1).  Connect the
#     front-ends (QEMU, virtio-user) as clients.
# ovsdb-server and ovs-vswitchd are background children of the calling
# shell (so that ovs_dpdk_stop can reap them): don't `wait` without
# arguments while OVS is up.
# On failure it prints why (and the end of the vswitchd log) on stderr,
# undoes what it had done and returns nonzero.  Needs root.
#
# Inputs (optional, read by ovs_dpdk_start):
#   OVS_DPDK_SOCKET_MEM  MiB of hugepage memory for DPDK, default 1024
#   OVS_DPDK_BRIDGE      bridge name, default br-ovs
#   OVS_DPDK_VSWITCHD    default /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
#   OVS_DPDK_TIMEOUT     seconds to wait for each step, default 60
#   OVS_DPDK_KEEP=1      ovs_dpdk_stop leaves DIR/log (and DIR) in place
# Outputs (set by ovs_dpdk_start, unset by ovs_dpdk_stop):
#   OVS_SOCK0, OVS_SOCK1   the vhost-user socket paths (ports vhu0, vhu1)
#   OVS_DPDK_PORT0, OVS_DPDK_PORT1  port names (vhu0, vhu1)
#   OVS_DPDK_DIR           DIR (absolute);  OVS_DPDK_CPU  CPU
#   OVS_DPDK_PREFIX        the DPDK --file-prefix (/var/run/dpdk/PREFIX)
#   OVS_DPDK_LOG           the ovs-vswitchd log file
#   OVS_DPDK_PID           ovs-vswitchd's pid
# Internal state lives in OVS_DPDK__* variables.
#
# Port statistics: "rx" is what OVS received from the front-end on that
# port (the guest's tx), "tx" what OVS sent to it.  OVS 3.1.0 has no packet
# counters for dpdkvhostuser ports; see ovs_dpdk_stats for what it does.

ovs_dpdk__err() { echo "ovs_dpdk: $*" >&2; }

# Run an OVS tool with this instance's directories in its environment.
ovs_dpdk__env() {
    env OVS_RUNDIR="$OVS_DPDK__RUN" OVS_DBDIR="$OVS_DPDK__DB" \
        OVS_LOGDIR="$OVS_DPDK__LOGDIR" OVS_SYSCONFDIR="$OVS_DPDK__DB" \
        OVS_PKGDATADIR=/usr/share/openvswitch "$@"
}

ovs_dpdk_vsctl() {
    ovs_dpdk__env ovs-vsctl --db="unix:$OVS_DPDK__RUN/db.sock" \
        --timeout="${OVS_DPDK__TMO:-60}" "$@"
}

ovs_dpdk_appctl() {   # ovs-vswitchd's control socket
    ovs_dpdk__env ovs-appctl -t "$OVS_DPDK__RUN/ovs-vswitchd.ctl" \
        --timeout="${OVS_DPDK__TMO:-60}" "$@"
}

ovs_dpdk_ofctl() {    # ovs_dpdk_ofctl dump-flows (the bridge is implied)
    local cmd=$1
    shift
    ovs_dpdk__env ovs-ofctl "$cmd" "unix:$OVS_DPDK__RUN/$OVS_DPDK__BR.mgmt" "$@"
}

# ovs_dpdk__wait SECS CMD...: retry CMD every 0.1 s until it succeeds;
# give up after SECS or as soon as CMD exits with 2 or more.
ovs_dpdk__wait() {
    local n=$(( $1 * 10 )) rc
    shift
    while :; do
        rc=0
        "$@" >/dev/null 2>&1 || rc=$?
        [ "$rc" = 0 ] && return 0
        [ "$rc" -ge 2 ] && return "$rc"
        n=$((n - 1))
        [ "$n" -gt 0 ] || return 1
        sleep 0.1
    done
}

# Pids of live processes whose command line contains $1 (zombies have an
# empty one).  The pattern goes to grep through a file so that grep's own
# command line does not match it.
ovs_dpdk__pids() {
    grep -lsF -f <(printf '%s\n' "$1") /proc/[0-9]*/cmdline 2>/dev/null |
        sed -n 's|^/proc/\([0-9]*\)/cmdline$|\1|p'
    return 0
}

# ovs_dpdk__kill MARK: end the processes whose command line has MARK (a
# path unique to this run): TERM, then KILL after 5 s.
ovs_dpdk__kill() {
    local pids n=50
    pids=$(ovs_dpdk__pids "$1")
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill $pids 2>/dev/null
    while [ -n "$(ovs_dpdk__pids "$1")" ]; do
        n=$((n - 1))
        if [ "$n" -le 0 ]; then
            # shellcheck disable=SC2046
            kill -9 $(ovs_dpdk__pids "$1") 2>/dev/null
            sleep 0.2
            break
        fi
        sleep 0.1
    done
    return 0
}

ovs_dpdk__fail() {
    ovs_dpdk__err "$*"
    if [ -n "${OVS_DPDK__LOGDIR:-}" ] && [ -s "$OVS_DPDK__LOGDIR/ovs-vswitchd.log" ]; then
        ovs_dpdk__err "last lines of $OVS_DPDK__LOGDIR/ovs-vswitchd.log:"
        tail -n 15 "$OVS_DPDK__LOGDIR/ovs-vswitchd.log" | sed 's/^/    /' >&2
    fi
    ovs_dpdk_stop
    return 1
}

ovs_dpdk_start() {
    local -   # the caller's set -e/-u/pipefail must not cut this short
    set +e +u +o pipefail
    local dir=${1:-} cpu=${2:-1}
    local vswitchd=${OVS_DPDK_VSWITCHD:-/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk}
    local mem=${OVS_DPDK_SOCKET_MEM:-1024}
    local tmo=${OVS_DPDK_TIMEOUT:-60}
    local p err

    if [ -n "${OVS_DPDK__DIR:-}" ]; then
        ovs_dpdk__err "already started in $OVS_DPDK__DIR; ovs_dpdk_stop first"
        return 1
    fi
    [ -n "$dir" ] || { ovs_dpdk__err "usage: ovs_dpdk_start DIR [CPU]"; return 1; }
    [ "$(id -u)" = 0 ] || { ovs_dpdk__err "needs root"; return 1; }
    case $cpu in ''|*[!0-9]*) ovs_dpdk__err "CPU must be a CPU number, not '$cpu'"; return 1 ;; esac
    case $mem in ''|*[!0-9]*) ovs_dpdk__err "OVS_DPDK_SOCKET_MEM must be MiB, not '$mem'"; return 1 ;; esac
    if ! taskset -c "$cpu" true 2>/dev/null; then
        ovs_dpdk__err "CPU $cpu is not usable here (allowed: $(taskset -pc $$ | sed 's/.*: //'))"
        return 1
    fi
    [ -x "$vswitchd" ] || { ovs_dpdk__err "$vswitchd not found (openvswitch-switch-dpdk)"; return 1; }
    for p in ovsdb-tool ovsdb-server ovs-vsctl ovs-appctl ovs-ofctl taskset unshare mount; do
        command -v "$p" >/dev/null || { ovs_dpdk__err "$p not found"; return 1; }
    done
    [ -r /usr/share/openvswitch/vswitch.ovsschema ] ||
        { ovs_dpdk__err "/usr/share/openvswitch/vswitch.ovsschema missing"; return 1; }
    [ -d "$dir" ] || OVS_DPDK__MADEDIR=1
    mkdir -p "$dir" || { unset OVS_DPDK__MADEDIR; ovs_dpdk__err "cannot create $dir"; return 1; }
    dir=$(cd "$dir" && pwd -P) || { unset OVS_DPDK__MADEDIR; return 1; }
    if [ -e "$dir/run" ] || [ -e "$dir/db" ] || [ -e "$dir/huge" ]; then
        unset OVS_DPDK__MADEDIR
        ovs_dpdk__err "$dir already holds run/, db/ or huge/; give an empty directory"
        return 1
    fi
    if [ $(( ${#dir} + 10 )) -gt 107 ]; then   # sun_path is 108 bytes
        unset OVS_DPDK__MADEDIR
        ovs_dpdk__err "$dir is too long for vhost-user socket paths under it"
        return 1
    fi

    # From here on ovs_dpdk_stop undoes whatever has been done.
    OVS_DPDK__DIR=$dir
    OVS_DPDK__RUN=$dir/run
    OVS_DPDK__DB=$dir/db
    OVS_DPDK__LOGDIR=$dir/log
    OVS_DPDK__HUGE=$dir/huge
    OVS_DPDK__TMO=$tmo
    OVS_DPDK__BR=${OVS_DPDK_BRIDGE:-br-ovs}
    OVS_DPDK_DIR=$dir
    OVS_DPDK_CPU=$cpu
    OVS_DPDK_PREFIX=uvnet-ovs-$$-$RANDOM
    OVS_DPDK_LOG=$OVS_DPDK__LOGDIR/ovs-vswitchd.log
    OVS_DPDK_PORT0=vhu0
    OVS_DPDK_PORT1=vhu1
    mkdir -p "$OVS_DPDK__RUN" "$OVS_DPDK__DB" "$OVS_DPDK__LOGDIR" "$OVS_DPDK__HUGE" ||
        { ovs_dpdk__fail "cannot create directories under $dir"; return 1; }

    # Hugepages for socket-mem, on a private mount (bench/lib/hugepages.sh).
    if ! hugepages_reserve "$OVS_DPDK__HUGE" "$mem"; then
        ovs_dpdk__fail "no hugepages for OVS"
        return 1
    fi

    # ovsdb-server on a private database.
    if ! err=$(ovsdb-tool create "$OVS_DPDK__DB/conf.db" \
            /usr/share/openvswitch/vswitch.ovsschema 2>&1); then
        ovs_dpdk__fail "ovsdb-tool create failed: $err"
        return 1
    fi
    # The daemons run as children of this shell, not --detach'ed: a
    # detached daemon is reparented to PID 1, which need not reap it (here
    # it does not, and every run would leave two zombies behind).
    env OVS_RUNDIR="$OVS_DPDK__RUN" OVS_DBDIR="$OVS_DPDK__DB" \
        OVS_LOGDIR="$OVS_DPDK__LOGDIR" OVS_SYSCONFDIR="$OVS_DPDK__DB" \
        OVS_PKGDATADIR=/usr/share/openvswitch \
        taskset -c "$cpu" ovsdb-server "$OVS_DPDK__DB/conf.db" \
            --remote="punix:$OVS_DPDK__RUN/db.sock" \
            --pidfile="$OVS_DPDK__RUN/ovsdb-server.pid" \
            --unixctl="$OVS_DPDK__RUN/ovsdb-server.ctl" \
            --log-file="$OVS_DPDK__LOGDIR/ovsdb-server.log" --no-chdir \
            </dev/null >>"$OVS_DPDK__LOGDIR/ovsdb-server.out" 2>&1 &
    OVS_DPDK__DBPID=$!
    p=0
    ovs_dpdk__wait "$tmo" ovs_dpdk__db_up || p=$?
    if [ "$p" != 0 ]; then
        ovs_dpdk__fail "ovsdb-server did not start: $(tail -n 3 "$OVS_DPDK__LOGDIR/ovsdb-server.out")"
        return 1
    fi
    if ! err=$(ovs_dpdk_vsctl --no-wait init -- set Open_vSwitch . \
            other_config:dpdk-init=true \
            "other_config:dpdk-socket-mem=$mem" \
            "other_config:dpdk-socket-limit=$mem" \
            "other_config:dpdk-hugepage-dir=$OVS_DPDK__HUGE" \
            "other_config:dpdk-extra=--file-prefix $OVS_DPDK_PREFIX --no-pci --no-telemetry" \
            "other_config:dpdk-lcore-mask=$(printf '0x%x' $((1 << cpu)))" \
            "other_config:pmd-cpu-mask=$(printf '0x%x' $((1 << cpu)))" \
            other_config:n-handler-threads=1 \
            other_config:n-revalidator-threads=1 2>&1); then
        ovs_dpdk__fail "configuring the database failed: $err"
        return 1
    fi

    # ovs-vswitchd (DPDK build), pinned to CPU, in a network namespace of
    # its own: the userspace datapath makes kernel tap devices for its
    # internal ports, one of them always named "ovs-netdev", which would
    # clash with any other OVS userspace datapath on the host.  vhost-user
    # sockets are files and don't care.  (unshare and taskset exec, so $!
    # is ovs-vswitchd.)
    env OVS_RUNDIR="$OVS_DPDK__RUN" OVS_DBDIR="$OVS_DPDK__DB" \
        OVS_LOGDIR="$OVS_DPDK__LOGDIR" OVS_SYSCONFDIR="$OVS_DPDK__DB" \
        OVS_PKGDATADIR=/usr/share/openvswitch \
        taskset -c "$cpu" unshare --net -- "$vswitchd" "unix:$OVS_DPDK__RUN/db.sock" \
            --pidfile="$OVS_DPDK__RUN/ovs-vswitchd.pid" \
            --unixctl="$OVS_DPDK__RUN/ovs-vswitchd.ctl" \
            --log-file="$OVS_DPDK_LOG" --no-chdir -vconsole:off \
            </dev/null >>"$OVS_DPDK__LOGDIR/ovs-vswitchd.out" 2>&1 &
    OVS_DPDK_PID=$!
    p=0
    ovs_dpdk__wait "$tmo" ovs_dpdk__dpdk_up || p=$?
    if [ "$p" = 2 ]; then
        ovs_dpdk__fail "ovs-vswitchd exited while initialising DPDK"
        return 1
    elif [ "$p" != 0 ]; then
        ovs_dpdk__fail "DPDK did not initialise in ovs-vswitchd within ${tmo}s"
        return 1
    fi
    OVS_DPDK__UP=1

    # Bridge and the two vhost-user server ports.  ovs-vsctl waits until
    # ovs-vswitchd has applied the change.
    if ! err=$(ovs_dpdk_vsctl add-br "$OVS_DPDK__BR" -- \
            set bridge "$OVS_DPDK__BR" datapath_type=netdev -- \
            add-port "$OVS_DPDK__BR" vhu0 -- set interface vhu0 type=dpdkvhostuser -- \
            add-port "$OVS_DPDK__BR" vhu1 -- set interface vhu1 type=dpdkvhostuser 2>&1); then
        ovs_dpdk__fail "adding bridge $OVS_DPDK__BR and its ports failed: $err"
        return 1
    fi
    for p in vhu0 vhu1; do
        err=$(ovs_dpdk_vsctl get interface "$p" error 2>/dev/null)
        if [ -n "$err" ] && [ "$err" != "[]" ]; then
            ovs_dpdk__fail "port $p: $err"
            return 1
        fi
        if ! ovs_dpdk__wait "$tmo" test -S "$OVS_DPDK__RUN/$p"; then
            ovs_dpdk__fail "vhost-user socket $OVS_DPDK__RUN/$p did not appear"
            return 1
        fi
    done
    if ! ovs_dpdk_ofctl dump-flows 2>/dev/null | grep -q 'actions=NORMAL'; then
        ovs_dpdk__fail "bridge $OVS_DPDK__BR has no actions=NORMAL flow"
        return 1
    fi
    p=$(ovs_dpdk_pmd_cpus)
    if [ "$p" != "$cpu" ]; then
        ovs_dpdk__fail "PMD threads on CPU(s) '$p', wanted $cpu"
        return 1
    fi
    OVS_SOCK0=$OVS_DPDK__RUN/vhu0
    OVS_SOCK1=$OVS_DPDK__RUN/vhu1
    return 0
}

# ovs_dpdk__alive PID: PID exists and is not a zombie.
ovs_dpdk__alive() {
    local st
    [ -n "${1:-}" ] && st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) &&
        [ -n "$st" ] && [ "$st" != Z ]
}

# ovs_dpdk__reap PID: collect our child PID once it is dead.
ovs_dpdk__reap() {
    if [ -n "${1:-}" ] && ! ovs_dpdk__alive "$1"; then
        wait "$1" 2>/dev/null
    fi
    return 0
}

# For ovs_dpdk__wait: 0 up, 1 not yet, 2 the daemon has died.
ovs_dpdk__db_up() {
    OVS_DPDK__TMO=2 ovs_dpdk_vsctl --no-wait show >/dev/null 2>&1 && return 0
    ovs_dpdk__alive "$OVS_DPDK__DBPID" && return 1
    return 2
}

ovs_dpdk__dpdk_up() {
    [ "$(OVS_DPDK__TMO=2 ovs_dpdk_vsctl get Open_vSwitch . dpdk_initialized 2>/dev/null)" = true ] &&
        return 0
    ovs_dpdk__alive "$OVS_DPDK_PID" && return 1
    return 2
}

# The CPUs the PMD threads of ovs-vswitchd are allowed on (from the threads'
# affinity masks), space separated.
ovs_dpdk_pmd_cpus() {
    local -   # the caller's set -e/-u/pipefail must not cut this short
    set +e +u +o pipefail
    local pid t out=
    pid=${OVS_DPDK_PID:-}
    [ -n "$pid" ] && [ -d "/proc/$pid/task" ] || return 1
    for t in /proc/"$pid"/task/*; do
        case $(cat "$t/comm" 2>/dev/null) in
        pmd-*) out="$out $(awk '/^Cpus_allowed_list:/ {print $2}' "$t/status")" ;;
        esac
    done
    out=${out# }
    [ -n "$out" ] || return 1
    echo "$out"
}

# ovs_dpdk_busy: summed over the PMD threads, from pmd-stats-show's
#   "avg processing cycles per packet: X (CYCLES/PACKETS)"
ovs_dpdk_busy() {
    ovs_dpdk_appctl dpif-netdev/pmd-stats-show 2>/dev/null |
        sed -nE 's|.*avg processing cycles per packet: .*\(([0-9]+)/([0-9]+)\).*|\1 \2|p' |
        awk '{c += $1; p += $2} END {if (p) printf "%.0f %.0f\n", c, p}'
}

# ovs_dpdk_stats [PORT...]: one line per port (default vhu0 vhu1),
#   PORT rx_packets=N rx_dropped=N tx_packets=N tx_dropped=N source=S
# S=port: the port's own counters (OpenFlow port stats, live).
# S=flows: OVS 3.1.0 cannot read the counters of dpdkvhostuser (server)
#   ports (vhost vring statistics are only enabled for its client ports;
#   ovs-ofctl shows "?", dpctl/show "Protocol error").  Then rx_packets
#   and tx_packets are summed from the live datapath flows (packets with
#   in_port(PORT), and sent by an action to PORT, less tx_dropped), and
#   the drops are OVS's own counters from the Interface table, which
#   ovs-vswitchd refreshes only every 5 s.  Datapath flows are evicted
#   after 10 s idle (their counts go with them), so take deltas while
#   traffic flows.
ovs_dpdk_stats() {
    local -   # the caller's set -e/-u/pipefail must not cut this short
    set +e +u +o pipefail
    local p ports flows stats rxd txd rx tx
    [ -n "${OVS_DPDK__BR:-}" ] || { ovs_dpdk__err "not started"; return 1; }
    [ $# -gt 0 ] || set -- vhu0 vhu1
    flows=
    for p in "$@"; do
        ports=$(ovs_dpdk_ofctl dump-ports "$p" 2>/dev/null | awk '
            function num(s) { sub(/^[a-z]+=/, "", s); sub(/,$/, "", s); return s }
            $1 == "port" { dir = "rx" }
            $1 == "tx" { dir = "tx" }
            { for (i = 1; i <= NF; i++) {
                  if ($i ~ /^pkts=/) v[dir "p"] = num($i)
                  if ($i ~ /^drop=/) v[dir "d"] = num($i)
              } }
            END {
                if (v["rxp"] !~ /^[0-9]+$/ || v["txp"] !~ /^[0-9]+$/) exit 1
                printf "rx_packets=%s rx_dropped=%s tx_packets=%s tx_dropped=%s source=port\n",
                       v["rxp"], v["rxd"], v["txp"], v["txd"]
            }') && { echo "$p $ports"; continue; }
        if ! stats=$(ovs_dpdk_vsctl get interface "$p" statistics 2>/dev/null); then
            ovs_dpdk__err "no port $p"
            return 1
        fi
        read -r rxd txd < <(echo "$stats" | tr -d '{} ' | tr ',' '\n' | awk -F= '
            $1 == "ovs_rx_qos_drops" { r += $2 }
            $1 ~ /^ovs_tx_.*_drops$/ { t += $2 }
            END { printf "%.0f %.0f\n", r, t }')
        if [ -z "$flows" ]; then
            flows=$(ovs_dpdk_appctl dpctl/dump-flows --names 2>/dev/null) ||
                { ovs_dpdk__err "cannot dump datapath flows"; return 1; }
        fi
        read -r rx tx < <(echo "$flows" | awk -v port="$p" '
            /packets:[0-9]/ {
                n = $0; sub(/.*packets:/, "", n); sub(/,.*/, "", n)
                if (index($0, "in_port(" port ")")) rx += n
                a = $0; sub(/.*actions:/, "", a)
                k = split(a, t, ",")
                for (i = 1; i <= k; i++) if (t[i] == port) tx += n
            }
            END { printf "%.0f %.0f\n", rx, tx }')
        tx=$((tx > txd ? tx - txd : 0))
        echo "$p rx_packets=$rx rx_dropped=$rxd tx_packets=$tx tx_dropped=$txd source=flows"
    done
}

# ovs_dpdk__wait_exit PIDFILE TENTHS: until its process is gone, at most
# TENTHS tenths of a second.
ovs_dpdk__wait_exit() {
    local n=$2
    while [ -n "$(ovs_dpdk__pids "$1")" ] && [ "$n" -gt 0 ]; do
        sleep 0.1
        n=$((n - 1))
    done
}

ovs_dpdk_stop() {
    local -   # the caller's set -e/-u/pipefail must not cut this short
    set +e +u +o pipefail
    local dir=${OVS_DPDK__DIR:-} run
    [ -n "$dir" ] || return 0
    run=$OVS_DPDK__RUN

    # ovs-vswitchd: remove the bridge, ask it to exit, then signals (at
    # once if it is still initialising DPDK and would not answer).
    if [ -n "${OVS_DPDK__UP:-}" ] && [ -n "$(ovs_dpdk__pids "$run/ovs-vswitchd.pid")" ]; then
        OVS_DPDK__TMO=5 ovs_dpdk_vsctl --if-exists del-br "$OVS_DPDK__BR" >/dev/null 2>&1
        OVS_DPDK__TMO=5 ovs_dpdk_appctl exit >/dev/null 2>&1
        ovs_dpdk__wait_exit "$run/ovs-vswitchd.pid" 100
    fi
    ovs_dpdk__kill "$run/ovs-vswitchd.pid"
    ovs_dpdk__reap "${OVS_DPDK_PID:-}"
    # ovsdb-server
    if [ -n "$(ovs_dpdk__pids "$run/ovsdb-server.pid")" ]; then
        OVS_DPDK__TMO=5 ovs_dpdk__env ovs-appctl -t "$run/ovsdb-server.ctl" --timeout=5 \
            exit >/dev/null 2>&1
        ovs_dpdk__wait_exit "$run/ovsdb-server.pid" 50
    fi
    ovs_dpdk__kill "$run/ovsdb-server.pid"
    ovs_dpdk__reap "${OVS_DPDK__DBPID:-}"

    # Hugepages: unmount (frees any files left in it), restore the pool.
    [ -n "${OVS_DPDK__HUGE:-}" ] && hugepages_release "$OVS_DPDK__HUGE"

    case ${OVS_DPDK_PREFIX:-} in
    uvnet-ovs-*) rm -rf "/var/run/dpdk/$OVS_DPDK_PREFIX" ;;
    esac
    rm -rf "$run" "$OVS_DPDK__DB"
    if [ -n "${OVS_DPDK_KEEP:-}" ]; then
        echo "ovs_dpdk: kept logs in $OVS_DPDK__LOGDIR" >&2
    else
        rm -rf "$OVS_DPDK__LOGDIR"
        [ -n "${OVS_DPDK__MADEDIR:-}" ] && rmdir "$dir" 2>/dev/null
    fi

    unset OVS_DPDK__DIR OVS_DPDK__RUN OVS_DPDK__DB OVS_DPDK__LOGDIR OVS_DPDK__HUGE \
        OVS_DPDK__TMO OVS_DPDK__BR OVS_DPDK__MADEDIR \
        OVS_DPDK__DBPID OVS_DPDK__UP \
        OVS_DPDK_DIR OVS_DPDK_CPU OVS_DPDK_PREFIX OVS_DPDK_LOG OVS_DPDK_PID \
        OVS_DPDK_PORT0 OVS_DPDK_PORT1 OVS_SOCK0 OVS_SOCK1
    return 0
}
