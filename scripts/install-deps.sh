#!/usr/bin/env bash
# Installs the Debian packages uvnet needs to build and test, skipping the
# ones already present.  Needs root (apt-get).  usage: install-deps.sh [GROUP...]
#   build: compiler, meson, libraries (json-c, libmnl, libpcap), cmocka (meson
#          builds the unit tests too)
#   test:  clang's fuzzer runtime
#   e2e:   QEMU, guest image parts, peers, tcpdump  (default: build test e2e)
#   bench: DPDK and OVS-DPDK peers, valgrind, gnuplot for the charts
#   ovn:   a real OVN (NB/SB ovsdb-server, northd, ovn-controller, OVS) for
#          tests/e2e/test_ovn.sh; nothing is started on install here
#   libvirt: libvirtd, virsh and virt-install for tests/e2e/test_libvirt.sh
#          and the demo's libvirt part; nothing is started on install here
set -euo pipefail

build=(gcc meson ninja-build pkg-config libjson-c-dev libmnl-dev libcmocka-dev libpcap-dev)
test=(clang libclang-rt-14-dev iproute2 systemd)
e2e=(qemu-system-x86 qemu-utils busybox-static iperf3 cpio gzip dnsmasq-base nftables dpdk-dev python3 tcpdump ethtool)
bench=(dpdk-dev openvswitch-switch-dpdk valgrind gnuplot-nox python3 util-linux)
ovn=(ovn-central ovn-host openvswitch-switch)
libvirt=(libvirt-daemon-system virtinst)

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(build test e2e)
want=()
for g in "${groups[@]}"; do
	case $g in
	build) want+=("${build[@]}") ;;
	test) want+=("${test[@]}") ;;
	e2e) want+=("${e2e[@]}") ;;
	bench) want+=("${bench[@]}") ;;
	ovn) want+=("${ovn[@]}") ;;
	libvirt) want+=("${libvirt[@]}") ;;
	*) echo "install-deps: unknown group '$g' (build, test, e2e, bench, ovn, libvirt)" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root or install them" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >/dev/null
