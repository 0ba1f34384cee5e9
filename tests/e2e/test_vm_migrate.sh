#!/usr/bin/env bash
# `uvnet-vm migrate NAME`: live migration of a VM started with `uvnet-vm
# run` to a new QEMU process on a new port of its network (issue 17).
#  - migrate exits 0 and prints the destination and the outcome; the
#    record and the run follow the new QEMU (its pid, port vn-NAME), the
#    old QEMU and port are gone, the guest keeps running (its console
#    ticks on, in the same log) and answers pings; loss during the move
#    is reported; the FDB has its MAC on the new port;
#  - a migration whose destination QEMU is killed half-way exits 1 and
#    says so; the VM goes on in its QEMU, on its port, and the new port is
#    removed; a migration after that works (back to vm-NAME);
#  - stop then ends the run and removes the last port and the record.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init vm_migrate

UVNET_VM=$UVNET_BUILD/tools/uvnet-vm
net=mignet subnet=10.218.0 gw=10.218.0.1 ip=10.218.0.50
mac=52:54:00:e2:18:50
[[ -x $UVNET_VM ]] || e2e_bail "$UVNET_VM is not built"
uvnetd_start || e2e_bail "uvnetd starts and answers"
ctl net-define "$net" mode=isolated subnet=$subnet.0/24 && ctl net-start "$net" ||
    e2e_bail "network $net defined and started"
guest_prepare || e2e_bail "test guest (kernel + initramfs) and accelerator"

vm() { timeout 120 "$UVNET_VM" --control "$T/ctl.sock" "$@"; }
vm_ports() {
    ctl --json show | jget "' '.join(p['name'] for b in d['bridges'] if b['name'] == '$net'
                                     for p in b['ports'] if p['name'] != 'uv-$net')"
}
rec() { jget "d['$1']" <"$T/vms/mig.json"; }
ticks() { guest_serial mig | grep -c '^TICK '; }
fdb_port() {
    ctl --json fdb-show "$net" | jget "[e['port'] for e in d['entries'] if e['mac'] == '$mac'][0]" 2>/dev/null
}

printf '%s\n' 'i=0; while true; do echo "TICK $i"; i=$((i + 1)); sleep 0.5; done' >"$T/mig.sh"
"$GUEST_SCRIPTS/mkcpio-test.sh" "$T/mig.sh" "$T/mig.cpio.gz" && cat "$GUEST_INITRD" "$T/mig.cpio.gz" >"$T/mig.img" ||
    e2e_bail "guest image"
spawn ip netns exec "$E2E_NS" timeout -k 5 200 "$UVNET_VM" --control "$T/ctl.sock" run --name mig \
    --kernel "$GUEST_KERNEL" --initrd "$T/mig.img" --accel "$E2E_ACCEL" --mem 256 \
    --cmdline "quiet panic=-1 no_timer_check ipv6.disable=1 uvnet.ip=$ip/24" --net "$net,mac=$mac" \
    --serial-log "$T/mig.serial" >"$T/mig.vm.out" 2>&1
GUEST_PID[mig]=$BG_PID
guest_wait_line mig '^TICK 3$' 120 || e2e_bail "the VM booted and ticks"
tap_is "the VM runs on port vm-mig" "$(vm_ports)" vm-mig

# ---- a migration ----
q0=$(rec qemu_pid)
spawn ip netns exec "$E2E_NS" timeout 40 busybox ping -i 0.1 -W 1 -w 15 "$ip" >"$T/ping.1" 2>&1
pinger=$BG_PID
sleep 1
t0=$SECONDS
out=$(ip netns exec "$E2E_NS" timeout 120 "$UVNET_VM" --control "$T/ctl.sock" migrate mig 2>&1)
rc=$?
tap_is "migrate exits 0 ($((SECONDS - t0)) s)" "$rc" 0 || diag "$out"
diag "$out"
tap_like "it named the destination" "$out" '^mig: destination QEMU pid [0-9]+ on port vn-mig$'
tap_like "and said it completed, with time and downtime" "$out" \
    '^mig: completed: completed in [0-9]+ ms \(downtime [0-9]+ ms, [0-9]+ MiB sent\); now QEMU pid'
q1=$(rec qemu_pid)
tap_check "the record follows the new QEMU (pid $q0 -> $q1), which runs" eval \
    '[[ $q1 != "$q0" ]] && kill -0 "$q1"'
tap_check "the old QEMU is gone" wait_for 10 eval '! kill -0 "$q0" 2>/dev/null'
tap_is "the record's port is vn-mig, the only one on the network" "$(rec port) $(vm_ports)" "vn-mig vn-mig"
tap_is "the bridge has the guest's MAC on vn-mig" "$(fdb_port)" vn-mig
n=$(ticks)
tap_check "the guest goes on: its console (same log) still ticks" guest_wait_line mig "^TICK $((n + 2))\$" 20
wait_for 30 _pid_gone "$pinger"
read -r tx rx <<<"$(ping_stats "$(cat "$T/ping.1")")"
tap_cmp "pings lost while it moved: $((tx - rx)) of $tx (at most 20)" $((tx - rx)) -le 20
out=$(hping "$E2E_NS" -c 5 -i 0.2 -W 2 "$ip")
tap_is "the guest answers pings after the move: 5 of 5" "$(ping_stats "$out")" "5 5"
tap_check "the run is still there" kill -0 "${GUEST_PID[mig]}"

# ---- a failed migration: the destination QEMU killed half-way ----
spawn ip netns exec "$E2E_NS" timeout 120 "$UVNET_VM" --control "$T/ctl.sock" migrate mig \
    --max-bandwidth 4 >"$T/migrate.2" 2>&1
migrator=$BG_PID
if wait_for 30 grep -q 'destination QEMU pid' "$T/migrate.2"; then
    dst=$(sed -n 's/.*destination QEMU pid \([0-9]*\).*/\1/p' "$T/migrate.2")
    sleep 0.5
    grep -q completed "$T/migrate.2" && diag "the migration completed before the kill"
    kill -KILL "$dst"
fi
wait_for 60 _pid_gone "$migrator"
rc=0
wait "$migrator" 2>/dev/null || rc=$?
out=$(cat "$T/migrate.2")
diag "$out"
tap_is "migrate exits 1 when the destination dies" "$rc" 1
tap_like "and says the VM goes on where it was" "$out" \
    "^mig: failed: (the destination QEMU died|QEMU: migration failed).*; the VM goes on in QEMU pid $q1 on port vn-mig\$"
tap_check "the VM's QEMU is the same and runs" eval '[[ $(rec qemu_pid) == "$q1" ]] && kill -0 "$q1"'
tap_is "the new port was removed: only vn-mig is left" "$(vm_ports)" vn-mig
n=$(ticks)
tap_check "the guest goes on ticking" guest_wait_line mig "^TICK $((n + 2))\$" 20
out=$(hping "$E2E_NS" -c 5 -i 0.2 -W 2 "$ip")
tap_is "and answers pings: 5 of 5" "$(ping_stats "$out")" "5 5"

# ---- and back ----
out=$(ip netns exec "$E2E_NS" timeout 120 "$UVNET_VM" --control "$T/ctl.sock" migrate mig 2>&1)
tap_is "a migration after the failed one works (back to vm-mig)" "$?/$(rec port)/$(vm_ports)" \
    "0/vm-mig/vm-mig" || diag "$out"
out=$(hping "$E2E_NS" -c 5 -i 0.2 -W 2 "$ip")
tap_is "the guest answers pings there: 5 of 5" "$(ping_stats "$out")" "5 5"

# ---- stop ----
out=$(ip netns exec "$E2E_NS" timeout 60 "$UVNET_VM" --control "$T/ctl.sock" stop mig 2>&1)
wait_for 30 _pid_gone "${GUEST_PID[mig]}"
tap_is "stop ends the run, its last port is removed" "$(vm_ports)" ""
tap_check "and its record and files" eval '! ls "$T"/vms/mig.* 2>/dev/null'
tap_done
