#!/usr/bin/env bash
# uvnet-vm as an attacker would use it (issue 16), each attempt with the
# refusal it must meet:
#  - a raw disk whose guest wrote a qcow2 header (backing file: a host
#    file) boots as raw: the guest reads its own bytes (QFI\xfb), never the
#    host file; --disk PATH,format=qcow2 is the only way to get qcow2, and
#    format=vmdk is refused;
#  - commas in --disk, --serial-log and --run-dir reach QEMU doubled (no
#    injected sub-options), and QEMU always gets the -sandbox option;
#  - --user nobody: QEMU runs as nobody under seccomp, reaches its
#    vhost-user socket (the guest gets a DHCP lease) and powers off cleanly;
#  - stop leaves alone pids in a record that are no longer that VM's
#    processes (a reused pid, even one of a process called qemu-*).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init vm_hardening

UVNET_VM=$UVNET_BUILD/tools/uvnet-vm
net=hnet subnet=10.209.0
SANDBOX=on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny
[[ -x $UVNET_VM ]] || e2e_bail "$UVNET_VM is not built"
chmod 711 "$T" # QEMU as nobody reads its initrd and disk here
uvnetd_start || e2e_bail "uvnetd starts and answers"
ctl net-define "$net" mode=isolated subnet=$subnet.0/24 && ctl net-start "$net" ||
    e2e_bail "network $net defined and started"
guest_prepare || e2e_bail "test guest (kernel + initramfs) and accelerator"

vm() { timeout 60 "$UVNET_VM" --control "$T/ctl.sock" "$@"; }

# ---- the command line QEMU gets (a fake QEMU writes its argv down) ----

cat >"$T/fake-qemu" <<FAKE
#!/bin/sh
printf '%s\n' "\$@" >"$T/argv"
FAKE
chmod 755 "$T/fake-qemu"
printf 'QFI\373' >"$T/a,b.img" && truncate -s 1M "$T/a,b.img"
mkdir -p "$T/run,dir"
fake_run() { vm --run-dir "$T/run,dir" run --name f1 --net "$net" --kernel "$GUEST_KERNEL" \
    --initrd "$GUEST_INITRD" --accel tcg --qemu "$T/fake-qemu" --serial-log "$T/s,x=1.log" "$@"; }
fake_run --disk "$T/a,b.img" >"$T/fake.out" 2>&1
argv=$(cat "$T/argv" 2>/dev/null)
tap_like "QEMU runs with -sandbox $SANDBOX" "$(tr '\n' ' ' <<<"$argv")" "-sandbox $SANDBOX "
tap_like "a disk with qcow2's magic, no format given: format=raw, the comma in its path doubled" \
    "$argv" "^file=$T/a,,b\\.img,if=virtio,format=raw\$"
tap_like "--serial-log's comma doubled (no logfile sub-option injected)" "$argv" \
    "logfile=$T/s,,x=1\\.log,logappend=off\$"
tap_like "--run-dir's comma doubled in the vhost-user chardev" "$argv" \
    "^socket,id=net0,path=$T/run,,dir/f1\\.sock,reconnect=1\$"
tap_like "and in the monitor's" "$argv" "^socket,id=qmp,path=$T/run,,dir/f1\\.qmp,server=on,wait=off\$"
rm -f "$T/argv"
fake_run --disk "$T/a,b.img,format=qcow2" >/dev/null 2>&1
tap_like "--disk PATH,format=qcow2 asks for qcow2" "$(cat "$T/argv" 2>/dev/null)" \
    "^file=$T/a,,b\\.img,if=virtio,format=qcow2\$"
out=$(fake_run --disk "$T/a,b.img,format=vmdk" 2>&1)
tap_like "format=vmdk is refused: $out" "$out" '^uvnet-vm: --disk: format=vmdk is not raw or qcow2$'
out=$(fake_run --user root 2>&1)
tap_like "--user root is refused: $out" "$out" "^uvnet-vm: --user: 'root' is root"

# ---- a raw disk with a qcow2 header, booted ----

# virtio_blk for the test guest's kernel (not in its initramfs): from the
# kernel package, cached next to the guest
kver=$(sed -n 's/^kernel=//p' "$(dirname "$GUEST_KERNEL")/stamp")
vblk=${UVNET_CACHE:-/var/cache/uvnet}/modules/$kver/virtio_blk.ko
if [[ ! -s $vblk ]]; then
    mkdir -p "$T/deb" "$(dirname "$vblk")"
    (cd "$T/deb" && apt-get download -q -o APT::Sandbox::User=root "linux-image-$kver" >/dev/null 2>&1) &&
        dpkg-deb --fsys-tarfile "$T"/deb/*.deb | tar -xO --wildcards '*/virtio_blk.ko' >"$vblk.tmp" &&
        mv "$vblk.tmp" "$vblk"
    rm -rf "$T/deb" "$vblk.tmp"
fi
[[ -s $vblk ]] || e2e_bail "virtio_blk.ko for the guest kernel $kver"
mkdir -p "$T/mod" && cp "$vblk" "$T/mod/virtio_blk.ko"
(cd "$T/mod" && echo virtio_blk.ko | cpio -o -H newc -R 0:0 --quiet) | gzip -9n >"$T/mod.cpio.gz"

# vm_run NAME SCRIPT [RUN-ARG...]: uvnet-vm run in the background (pid in
# GUEST_PID[NAME]), SCRIPT as the guest's /test.sh, console in $T/NAME.serial
vm_run() {
    local name=$1 script=$2
    shift 2
    printf '%s\n' "$script" >"$T/$name.sh"
    "$GUEST_SCRIPTS/mkcpio-test.sh" "$T/$name.sh" "$T/$name.cpio.gz" &&
        cat "$GUEST_INITRD" "$T/mod.cpio.gz" "$T/$name.cpio.gz" >"$T/$name.img" && chmod 644 "$T/$name.img" ||
        return 1
    spawn ip netns exec "$E2E_NS" timeout -k 5 150 "$UVNET_VM" --control "$T/ctl.sock" run --name "$name" \
        --kernel "$GUEST_KERNEL" --initrd "$T/$name.img" --accel "$E2E_ACCEL" --mem 256 --cpus 1 \
        --cmdline "quiet panic=-1 no_timer_check ipv6.disable=1 uvnet.dhcp=1" --net "$net" --serial-log "$T/$name.serial" \
        "$@" >"$T/$name.vm.out" 2>&1
    GUEST_PID[$name]=$BG_PID
}
run_wait() {
    RUN_RC=0
    wait_for "$2" _pid_gone "${GUEST_PID[$1]}" || guest_kill "$1"
    wait "${GUEST_PID[$1]}" 2>/dev/null || RUN_RC=$?
}

printf 'HOST-SECRET-%s\n' "$RANDOM$RANDOM" >"$T/secret"
secret=$(cat "$T/secret")
qemu-img create -q -f qcow2 -b "$T/secret" -F raw "$T/evil.img" 1M || e2e_bail "qemu-img makes the qcow2 header"
tap_is "the disk starts with qcow2's magic and names a host file as its backing" \
    "$(head -c 4 "$T/evil.img" | od -An -c | tr -s ' ')" " Q F I 373"
vm_run disk 'insmod /virtio_blk.ko; sleep 1
echo "E2E-DISK $(dd if=/dev/vda bs=4 count=1 2>/dev/null | od -An -c | tr -s " ")"
dd if=/dev/vda bs=65536 count=1 2>/dev/null | grep -q HOST-SECRET && echo E2E-LEAK
exit 0' --disk "$T/evil.img"
run_wait disk 120
tap_is "the guest ran and powered off (uvnet-vm run exit status)" "$RUN_RC" 0 || diag_file "$T/disk.vm.out"
tap_like "the guest reads its disk's own first bytes, the qcow2 magic (raw)" \
    "$(guest_serial disk)" '^E2E-DISK  ?Q F I 373'
tap_is "and never the host file's" "$(guest_serial disk | grep -c E2E-LEAK)" 0

# ---- --user nobody ----

vm_run user 'i=0; while [ $i -lt 60 ] && ! ip -4 addr show eth0 | grep -q "inet "; do sleep 1; i=$((i+1)); done
ip -4 addr show eth0 | grep -q "inet " && echo E2E-LEASED
echo "E2E-MARK up"; sleep 4; exit 0' --user nobody
tap_check "user: the guest booted" guest_wait_mark user up 120
qemu=$(vm list --json | jget "[v['qemu_pid'] for v in d if v['name'] == 'user'][0]")
tap_is "user: QEMU runs as nobody" "$(ps -o user= -p "${qemu:-0}" 2>/dev/null | tr -d ' ')" nobody
tap_is "user: under seccomp (Seccomp: 2)" "$(awk '/^Seccomp:/ {print $2}' /proc/"${qemu:-0}"/status 2>/dev/null)" 2
tap_is "user: its vhost-user socket is nobody's" "$(stat -c %U "$T/vms/user.sock" 2>/dev/null)" nobody
tap_like "user: the guest got a DHCP lease over it" "$(guest_serial user)" '^E2E-LEASED'
run_wait user 60
tap_is "user: uvnet-vm run exits 0 after the guest powered off" "$RUN_RC" 0 || diag_file "$T/user.vm.out"
tap_check "user: its files are gone (NAME.d too)" eval '! ls -d "$T"/vms/user.* 2>/dev/null'

# ---- stop and reused pids ----

cp /bin/sleep "$T/qemu-system-decoy"
spawn "$T/qemu-system-decoy" 60
decoy_qemu=$BG_PID
spawn sleep 60
decoy_run=$BG_PID
cat >"$T/vms/ghost.json" <<JSON
{ "name": "ghost", "pid": $decoy_run, "qemu_pid": $decoy_qemu, "pid_start": 1, "qemu_start": 1,
  "port": "vm-ghost", "network": "$net" }
JSON
out=$(vm stop ghost 2>&1)
tap_like "stop of a record whose pids were reused says so: $(head -n1 <<<"$out")" "$out" \
    'pid [0-9]+ is no longer its (uvnet-vm run|QEMU): left alone'
tap_check "the process now holding the run's pid is alive" kill -0 "$decoy_run"
tap_check "the process called qemu-* now holding QEMU's pid is alive" kill -0 "$decoy_qemu"
tap_check "and the stale record is gone" eval '! test -e "$T/vms/ghost.json"'

tap_done
