# dpdk-testpmd as a benchmark peer, driven through its interactive console.
# Sourced by bench scripts; they own the EXIT trap and call tp_stop_all.
#
#   tp_start NAME CPU EAL_ARGS -- APP_ARGS   start, pinned to CPU (both of
#                                            its lcores: the main one only
#                                            reads the console)
#   tp_cmd NAME LINE...                      type console lines
#   tp_wait_for NAME PATTERN COUNT SECS      wait for COUNT lines matching
#   tp_busy NAME                             "CYCLES PACKETS MHZ" since its
#                                            last "clear fwd stats all"
#   tp_stop NAME / tp_stop_all               quit, then kill if it hangs
#
# Needs $TP_DIR (a private temp dir).  Output goes to $TP_DIR/NAME.out.
declare -A TP_PID TP_FD

tp_start() {
    local name=$1 cpu=$2 fd
    shift 2
    rm -f "$TP_DIR/$name.in"
    mkfifo "$TP_DIR/$name.in"
    exec {fd}<>"$TP_DIR/$name.in"
    TP_FD[$name]=$fd
    # the console is a fifo we hold open: testpmd waits there for commands
    # instead of seeing end of file
    taskset -c "$cpu" stdbuf -oL dpdk-testpmd --lcores "0@$cpu,1@$cpu" --main-lcore 0 \
        --file-prefix "uvnet-bench-$$-$name" "$@" \
        <"$TP_DIR/$name.in" >"$TP_DIR/$name.out" 2>&1 &
    TP_PID[$name]=$!
}

tp_cmd() {
    local name=$1
    shift
    printf '%s\n' "$@" >&"${TP_FD[$name]}"
}

# tp_wait_for NAME REGEX COUNT SECS: true once $TP_DIR/NAME.out has COUNT
# lines matching REGEX; false on timeout or when testpmd died.
tp_wait_for() {
    local name=$1 re=$2 count=$3 deadline=$((SECONDS + $4))
    while ((SECONDS < deadline)); do
        (($(grep -cE "$re" "$TP_DIR/$name.out" 2>/dev/null) >= count)) && return 0
        kill -0 "${TP_PID[$name]}" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# tp_busy NAME: the TSC cycles its forwarding core spent in bursts that
# moved packets, those packets and the TSC rate, since the last "clear fwd
# stats all" (testpmd counts cycles after "set record-core-cycles on").
tp_busy() {
    local name=$1 re='CPU cycles/packet=' n
    n=$(grep -c "$re" "$TP_DIR/$name.out" 2>/dev/null) || n=0
    tp_cmd "$name" "show fwd stats all"
    tp_wait_for "$name" "$re" $((n + 1)) 5 || return 1
    grep "$re" "$TP_DIR/$name.out" | tail -n 1 |
        sed -nE 's|.*cycles=([0-9]+) / total [a-z-]+ packets=([0-9]+)\) at ([0-9]+) MHz.*|\1 \2 \3|p'
}

tp_stop() {
    local name=$1 pid=${TP_PID[$1]:-}
    [ -n "$pid" ] || return 0
    tp_cmd "$name" "stop" "quit" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null && sleep 1
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    exec {TP_FD[$name]}>&-
    unset "TP_PID[$name]" "TP_FD[$name]"
    rm -rf "/var/run/dpdk/uvnet-bench-$$-$name"
}

tp_stop_all() {
    local name
    for name in "${!TP_PID[@]}"; do tp_stop "$name"; done
}
