# Entry points; the build itself is meson + ninja (build/, build-asan/, build-fuzz/).
.PHONY: all check demo bench clean

all:
	scripts/install-deps.sh build
	[ -f build/build.ninja ] || meson setup build
	ninja -C build

# Installs what is missing, builds every flavour, runs every test, ends with
# "N passed, N failed".
check:
	scripts/check.sh

# Two QEMU guests on a uvnetd bridge with the host on a TAP port.
demo:
	scripts/demo.sh

bench: all
	bench/run.sh

clean:
	rm -rf build build-asan build-fuzz test-logs
