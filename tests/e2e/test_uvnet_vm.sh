#!/usr/bin/env bash
# uvnet-vm, the VM launcher, against a uvnetd with an isolated network:
#  - it rejects a missing kernel, too little memory, an unknown or stopped
#    network, a bad MAC and a taken name, each with one clear line, and
#    leaves no port behind;
#  - `run` exits 0 after the guest powers off, 1 after it reboots, and
#    removes its port and record either way;
#  - list shows a running VM with its DHCP address, console reaches its
#    shell, stop ends it (run exits 143) and removes its port;
#  - a SIGKILLed run takes QEMU with it, and stop then removes the port it
#    left behind.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init uvnet_vm

UVNET_VM=$UVNET_BUILD/tools/uvnet-vm
net=vmnet subnet=10.207.0 # .0/24
[[ -x $UVNET_VM ]] || e2e_bail "$UVNET_VM is not built"
uvnetd_start || e2e_bail "uvnetd starts and answers"
ctl net-define "$net" mode=isolated subnet=$subnet.0/24 && ctl net-start "$net" &&
    ctl net-define idle mode=isolated subnet=10.207.1.0/24 || e2e_bail "network $net defined and started"
guest_prepare || e2e_bail "test guest (kernel + initramfs) and accelerator"
tap_ok "uvnetd up, network $net started, guest ready ($E2E_ACCEL)"

vm() { timeout 60 "$UVNET_VM" --control "$T/ctl.sock" "$@"; }

# the ports of the network's bridge other than its gateway port
vm_ports() {
    ctl --json show | jget "' '.join(p['name'] for b in d['bridges'] if b['name'] == '$net'
                                     for p in b['ports'] if p['name'] != 'uv-$net')"
}

# ---- errors: one line on stderr, naming what is wrong ----

# rejects DESC REGEX RUN-ARG...: uvnet-vm run fails with one line matching REGEX.
rejects() {
    local desc=$1 re=$2 out rc
    shift 2
    out=$(vm run "$@" 2>&1 >/dev/null)
    rc=$?
    if ((rc != 0)) && [[ $(wc -l <<<"$out") == 1 ]] && grep -qE -- "$re" <<<"$out"; then
        tap_ok "rejects $desc: $out"
    else
        tap_not_ok "rejects $desc"
        diag "  status $rc, stderr:" "$out" "  wanted one line matching /$re/"
    fi
}
ok_args=(--kernel "$GUEST_KERNEL" --initrd "$GUEST_INITRD" --accel "$E2E_ACCEL")
rejects "a missing kernel" '^uvnet-vm: --kernel: .*/no-such-vmlinuz: No such file or directory$' \
    --name e1 --net "$net" --kernel "$T/no-such-vmlinuz" --initrd "$GUEST_INITRD"
rejects "too little memory" '^uvnet-vm: --mem: 64 MiB is too little memory \(at least 128 MiB\)$' \
    --name e2 --net "$net" --mem 64M "${ok_args[@]}"
rejects "an unknown network" '^uvnet-vm: --net: no network named nosuchnet' \
    --name e3 --net nosuchnet "${ok_args[@]}"
rejects "a network that is not started" '^uvnet-vm: --net: network idle is not active' \
    --name e4 --net idle "${ok_args[@]}"
rejects "a multicast MAC" '^uvnet-vm: --net: mac=01:00:5e:00:00:01 is not a unicast MAC address' \
    --name e5 --net "$net,mac=01:00:5e:00:00:01" "${ok_args[@]}"
rejects "a malformed MAC" '^uvnet-vm: --net: mac=52:54:00:zz:00:01 is not a unicast MAC address' \
    --name e6 --net "$net,mac=52:54:00:zz:00:01" "${ok_args[@]}"
rejects "more queue pairs than a port offers" '^uvnet-vm: --net: queues=129 is not a number from 1 to 128$' \
    --name e7 --net "$net,queues=129" "${ok_args[@]}"
rejects "a bad name" "^uvnet-vm: --name: 'a/b' is not a valid VM name" --name a/b --net "$net" "${ok_args[@]}"
out=$(vm --help | tr '\n' ' ')
tap_like "--help lists run, list, stop, console and build-guest" "$out" \
    'run --name .* list .* stop NAME .* console NAME .* build-guest'
tap_is "no port was left by the rejected runs" "$(vm_ports)" ""

# ---- run to a clean poweroff, and to a reboot ----

# vm_run NAME SCRIPT [RUN-ARG...]: start `uvnet-vm run` in the background
# (in uvnetd's namespace), SCRIPT as the guest's /test.sh (none: the guest
# ends in a shell on its console), its console in $T/NAME.serial; pid in
# GUEST_PID[NAME].
vm_run() {
    local name=$1 script=$2
    shift 2
    if [[ -n $script ]]; then
        printf '%s\n' "$script" >"$T/$name.sh"
        "$GUEST_SCRIPTS/mkcpio-test.sh" "$T/$name.sh" "$T/$name.cpio.gz" &&
            cat "$GUEST_INITRD" "$T/$name.cpio.gz" >"$T/$name.img" || return 1
    else
        cp "$GUEST_INITRD" "$T/$name.img" || return 1
    fi
    spawn ip netns exec "$E2E_NS" timeout -k 5 150 "$UVNET_VM" --control "$T/ctl.sock" run --name "$name" \
        --kernel "$GUEST_KERNEL" --initrd "$T/$name.img" --accel "$E2E_ACCEL" --mem 256 --cpus 1 \
        --cmdline "quiet panic=-1 no_timer_check ipv6.disable=1 uvnet.dhcp=1" --net "$net" --serial-log "$T/$name.serial" \
        "$@" >"$T/$name.vm.out" 2>&1
    GUEST_PID[$name]=$BG_PID
}

# run_wait NAME SECONDS: wait for uvnet-vm run to end; its status in $RUN_RC
# (not a function to call in $(...): only this shell can reap its children).
run_wait() {
    RUN_RC=0
    wait_for "$2" _pid_gone "${GUEST_PID[$1]}" || guest_kill "$1"
    wait "${GUEST_PID[$1]}" 2>/dev/null || RUN_RC=$?
}

t0=$SECONDS
vm_run off 'echo "E2E-MARK up"; sleep 1; exit 0'
tap_check "off: the VM's port is on the network's bridge while it runs" wait_for 60 eval '[[ $(vm_ports) == vm-off ]]'
run_wait off 120
tap_is "off: uvnet-vm run exits 0 after the guest powered off ($((SECONDS - t0)) s)" "$RUN_RC" 0 ||
    diag_file "$T/off.vm.out"
tap_like "off: the guest ran its script to the end" "$(guest_serial off)" 'UVNET-TEST-EXIT 0'
tap_like "off: it said the guest powered off" "$(cat "$T/off.vm.out")" 'off: the guest powered off'
tap_is "off: its port is gone" "$(vm_ports)" ""
tap_check "off: its record and sockets are gone" eval '! ls "$T"/vms/off.{json,qmp,console,lock} 2>/dev/null'

vm_run reboot 'reboot -f'
run_wait reboot 120
tap_is "reboot: uvnet-vm run exits 1 when the guest rebooted instead" "$RUN_RC" 1
tap_like "reboot: and says so" "$(cat "$T/reboot.vm.out")" 'the guest rebooted'
tap_is "reboot: its port is gone" "$(vm_ports)" ""

# ---- list, console, stop ----

mac=52:54:00:e2:07:01
vm_run shell '' --net "$net,mac=$mac" # no script: an interactive shell on the console
tap_check "shell: the guest booted to its shell" guest_wait_line shell '^UVNET-GUEST-READY' 120
rejects "a name already running" '^uvnet-vm: --name: a VM named shell is already running \(pid [0-9]+\)$' \
    --name shell --net "$net" "${ok_args[@]}"
lease=$(ctl --json net-dhcp-leases "$net" | jget "[l['ip'] for l in d['leases'] if l['mac'] == '$mac'][0]")
tap_like "shell: it has a DHCP lease on $net ($lease)" "$lease" "^$subnet\\.[0-9]+$"
list=$(vm list --json)
tap_is "list: shell is running, with its MAC and leased address" \
    "$(jget "[(v['name'], v['state'], v['mac'], v.get('ip')) for v in d]" <<<"$list")" \
    "[[\"shell\", \"running\", \"$mac\", \"$lease\"]]"
diag "$(vm list)"
out=$( (sleep 1; echo 'echo CONSOLE-$((6 * 7))') | vm console shell | tr -d '\r')
tap_like "console: a command typed there runs in the guest" "$out" '^CONSOLE-42'
qemu=$(jget "d[0]['qemu_pid']" <<<"$list")
out=$(vm stop shell)
tap_is "stop: prints that it stopped" "$out" "shell stopped"
run_wait shell 20
tap_is "stop: uvnet-vm run ended with 143 (SIGTERM)" "$RUN_RC" 143
tap_check "stop: QEMU is gone" _pid_gone "${qemu:-0}"
tap_is "stop: the port is gone" "$(vm_ports)" ""
tap_is "stop: list is empty" "$(vm list --json | jget 'len(d)')" 0

# ---- a SIGKILLed run ----

vm_run killed ''
tap_check "killed: the guest booted" guest_wait_line killed '^UVNET-GUEST-READY' 120
qemu=$(vm list --json | jget "d[0]['qemu_pid']")
# the uvnet-vm process itself: the child of `timeout`, in the namespace
run_pid=$(vm list --json | jget "d[0]['pid']")
kill -KILL "$run_pid"
tap_check "killed: QEMU went with uvnet-vm run" wait_for 10 _pid_gone "${qemu:-0}"
tap_is "killed: list shows the record as stale" "$(vm list --json | jget "d[0]['state']")" stale
tap_is "killed: the port is still there" "$(vm_ports)" vm-killed
tap_is "killed: stop tidies up" "$(vm stop killed)" "killed stopped"
tap_is "killed: the port is gone" "$(vm_ports)" ""
tap_is "killed: list is empty" "$(vm list --json | jget 'len(d)')" 0
run_wait killed 10

tap_no_sanitizer_report "no sanitizer report from uvnet-vm" "$UVNET_VM" "$T"/*.vm.out

tap_done
