# Entry points; the build itself is meson + ninja (build/, build-asan/, build-fuzz/).
.PHONY: all check demo bench clean

all:
	scripts/install-deps.sh build
	[ -f build/build.ninja ] || meson setup build
	ninja -C build

# Installs what is missing, builds every flavour, runs every test (the
# end-to-end ones against the ASan+UBSan build), ends with "N passed,
# N failed" (", N skipped" when something was skipped).
check:
	scripts/check.sh

# A NAT network and two QEMU guests started with uvnet-vm: DHCP, ping, NAT
# to an outside host, iperf3.
demo:
	scripts/demo.sh

# Packet rate vs dpdk-testpmd and OVS-DPDK, guest throughput vs QEMU's TAP
# path, and the VXLAN overlay.
bench: all
	bench/pps
	bench/iperf.sh
	bench/vxlan.sh

clean:
	rm -rf build build-asan build-fuzz test-logs
