#!/usr/bin/env bash
# Build (or reuse from cache) the uvnet test guest: a Debian cloud kernel plus a
# small busybox + iperf3 initramfs whose /init is scripts/guest/init.
#
# Output, in ${UVNET_CACHE:-/var/cache/uvnet}/guest/:
#   vmlinuz      the kernel
#   initrd.img   gzip'd newc cpio (append more archives to it: see mkcpio-test.sh)
#   stamp        kernel version + hashes of the inputs; when it matches, a re-run
#                only prints the paths
# stdout carries exactly two lines, `kernel=PATH` and `initrd=PATH` (eval-able);
# everything else goes to stderr.
#
# Only Debian packages are used. The kernel is taken from /boot + /lib/modules
# when a *-cloud-amd64 kernel is installed there, otherwise the package is
# fetched with `apt-get download` and unpacked into a temp dir, so the host's
# own boot setup (initramfs hooks) is never touched. Needs root (apt-get, mknod).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${UVNET_CACHE:-/var/cache/uvnet}/guest
# Guest kernel modules: required ones must exist (as module or built in),
# optional ones are included when the kernel has them as modules.
required_mods=(virtio_pci virtio_net)
optional_mods=(af_packet 8021q)

log() { echo "build-guest: $*" >&2; }
die() { log "error: $*"; exit 1; }

apt_updated=
apt_update() {
    if [[ -z $apt_updated ]]; then
        log "apt-get update"
        apt-get update -qq >&2
        apt_updated=1
    fi
}

pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }

# Install whichever of the given packages are missing.
ensure_pkgs() {
    local p missing=()
    for p in "$@"; do
        [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    apt_update
    log "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# The versioned package the meta package linux-image-cloud-amd64 depends on.
meta_kernel_pkg() {
    apt-cache depends linux-image-cloud-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}' || true
}

# Sets kver; also kimage/kmods when a kernel is installed on the host.
pick_kernel() {
    local f pkg vers=()
    kver='' kimage='' kmods=''
    for f in /boot/vmlinuz-*-cloud-amd64; do
        [[ -f $f && -f /lib/modules/${f#/boot/vmlinuz-}/modules.dep ]] && vers+=("${f#/boot/vmlinuz-}")
    done
    if ((${#vers[@]})); then
        kver=$(printf '%s\n' "${vers[@]}" | sort -V | tail -n1)
        kimage=/boot/vmlinuz-$kver kmods=/lib/modules/$kver
        return
    fi
    pkg=$(meta_kernel_pkg)
    [[ -n $pkg ]] || { apt_update; pkg=$(meta_kernel_pkg); }
    [[ -n $pkg ]] || die "cannot resolve linux-image-cloud-amd64"
    kver=${pkg#linux-image-}
}

# Download and unpack the kernel package into $tmp/kpkg; sets kimage/kmods.
fetch_kernel() {
    log "downloading linux-image-$kver"
    mkdir -p "$tmp/deb" "$tmp/kpkg"
    (cd "$tmp/deb" && apt-get download -q -o APT::Sandbox::User=root "linux-image-$kver" >&2)
    dpkg-deb -x "$tmp"/deb/*.deb "$tmp/kpkg"
    kimage=$tmp/kpkg/boot/vmlinuz-$kver
    kmods=$tmp/kpkg/lib/modules/$kver
    [[ -f $kimage && -d $kmods ]] || die "unexpected layout in linux-image-$kver"
    # The package ships no modules.dep (its postinst runs depmod): make one.
    depmod -b "$tmp/kpkg" "$kver"
}

# Module name of a module file path: kernel/net/8021q/8021q.ko.xz -> 8021q.
modname() {
    local n=${1##*/}
    n=${n%%.ko*}
    echo "${n//-/_}"
}

# Copy the wanted modules and their dependencies (from modules.dep) into
# $root/lib/modules as plain NAME.ko, and write lib/modules/load-order with
# the names in an order insmod can follow.
stage_modules() {
    local -A path deps seen
    local line p name order=()
    while IFS= read -r line; do
        p=${line%%:*}
        name=$(modname "$p")
        path[$name]=$p
        deps[$name]=${line#*:}
    done <"$kmods/modules.dep"

    # Helpers below use the locals above (bash scoping is dynamic).
    visit() {
        local d
        [[ -z ${seen[$1]:-} ]] || return 0
        seen[$1]=1
        for d in ${deps[$1]}; do visit "$(modname "$d")"; done
        order+=("$1")
    }
    is_builtin() { sed 's|.*/||; s|\.ko.*||; s|-|_|g' "$kmods/modules.builtin" | grep -qx "$1"; }

    for name in "${required_mods[@]}"; do
        if [[ -n ${path[$name]:-} ]]; then visit "$name"
        elif is_builtin "$name"; then log "$name is built in"
        else die "module $name not found for $kver"
        fi
    done
    for name in "${optional_mods[@]}"; do
        if [[ -n ${path[$name]:-} ]]; then visit "$name"
        else log "optional module $name not a module of $kver, skipped"
        fi
    done

    mkdir -p "$root/lib/modules"
    for name in "${order[@]}"; do
        p=$kmods/${path[$name]}
        # busybox insmod cannot be relied on for compressed modules.
        case $p in
            *.ko) cp "$p" "$root/lib/modules/$name.ko" ;;
            *.ko.xz) xz -dc "$p" >"$root/lib/modules/$name.ko" ;;
            *.ko.zst) zstd -dqc "$p" >"$root/lib/modules/$name.ko" ;;
            *.ko.gz) gzip -dc "$p" >"$root/lib/modules/$name.ko" ;;
            *) die "unknown module format: $p" ;;
        esac
    done
    printf '%s\n' "${order[@]}" >"$root/lib/modules/load-order"
    log "modules: ${order[*]}"
}

# Copy a binary and every shared object ldd lists (the dynamic loader
# included) to the same paths under $root.
stage_binary() {
    local f
    install -D -m 755 "$1" "$root$1"
    for f in $(ldd "$1" | grep -o '/[^ ]*'); do
        install -D -m 755 "$f" "$root$f"    # install follows symlinks
    done
}

stage_userland() {
    local a
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc,usr/share/udhcpc}
    chmod 1777 "$root/tmp"
    mknod -m 600 "$root/dev/console" c 5 1
    install -m 755 "$here/init" "$root/init"

    install -m 755 /bin/busybox "$root/bin/busybox"
    for a in $(/bin/busybox --list-full); do
        [[ $a == bin/busybox || $a == linuxrc ]] || ln -s /bin/busybox "$root/$a"
    done
    stage_binary /usr/bin/iperf3

    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts"

    cat >"$root/usr/share/udhcpc/default.script" <<'SCRIPT'
#!/bin/sh
# udhcpc event hook: apply the lease (address, routers, DNS) to $interface.
case "$1" in
deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" ${broadcast:+broadcast "$broadcast"} dev "$interface"
    [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
    if [ -n "$router" ]; then
        while ip -4 route del default dev "$interface" 2>/dev/null; do :; done
        for r in $router; do ip route add default via "$r" dev "$interface" && break; done
    fi
    : >/etc/resolv.conf
    [ -n "$domain" ] && echo "search $domain" >>/etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
    ;;
esac
exit 0
SCRIPT
    chmod 755 "$root/usr/share/udhcpc/default.script"
    # Debian's busybox looks for the hook here.
    mkdir -p "$root/etc/udhcpc"
    ln -s /usr/share/udhcpc/default.script "$root/etc/udhcpc/default.script"
}

ensure_pkgs busybox-static iperf3 cpio gzip kmod xz-utils zstd
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9                     # concurrent callers wait for one build

pick_kernel
stamp="kernel=$kver
init=$(sha256sum <"$here/init" | cut -d' ' -f1)
build-guest=$(sha256sum <"$here/build-guest.sh" | cut -d' ' -f1)
busybox-static=$(pkg_version busybox-static)
iperf3=$(pkg_version iperf3)"

if [[ -f $out/vmlinuz && -f $out/initrd.img && $(cat "$out/stamp" 2>/dev/null) == "$stamp" ]]; then
    log "up to date ($kver)"
else
    log "building guest for kernel $kver"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    root=$tmp/root
    [[ -n $kimage ]] || fetch_kernel
    stage_userland
    stage_modules
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9n >"$tmp/initrd.img"
    rm -f "$out/stamp"
    cp "$kimage" "$out/vmlinuz.new" && mv "$out/vmlinuz.new" "$out/vmlinuz"
    mv "$tmp/initrd.img" "$out/initrd.img"
    echo "$stamp" >"$out/stamp"
fi
echo "kernel=$out/vmlinuz"
echo "initrd=$out/initrd.img"
