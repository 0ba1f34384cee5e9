#!/usr/bin/env bash
# The whole test suite, from a clean clone: install what is missing, build
# (normal, ASan+UBSan, libFuzzer), run unit tests in both builds, a short
# fuzz smoke run, the end-to-end tests, and print "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh build test e2e ovn

setup() { # DIR [meson args...]
	local dir=$1; shift
	[ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null
	ninja -C "$dir" >/dev/null
}
setup build
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
CC=clang setup build-fuzz -Dfuzz=true -Db_lundef=false

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# The runner's own test first: every count after it comes from tests/run.sh.
items=("harness:tests/harness/test_run.sh")
for t in build/tests/*/test_*; do
	[ -f "$t" ] && [ -x "$t" ] && items+=("unit:$t")
done
for t in build-asan/tests/*/test_*; do
	[ -f "$t" ] && [ -x "$t" ] && items+=("asan:$t")
done
items+=("lint:scripts/check-layers.sh")
items+=("tools:tests/tools/test_uvnetctl.sh")
items+=("fuzz:fuzz/run-smoke.sh build-fuzz ${UVNET_FUZZ_SECONDS:-20}")
# End-to-end tests (root; QEMU guests under TCG, namespaces, taps), each
# one TAP program; UVNET_E2E=0 leaves them out.  The test guest is built
# (or found in its cache) once here, so no test pays for it.
if [ "${UVNET_E2E:-1}" != 0 ]; then
	if ! out=$(scripts/guest/build-guest.sh 2>&1 >/dev/null); then
		tail -n 5 <<<"$out" >&2
		echo "check: the test guest could not be built; the e2e tests with guests will fail" >&2
	fi
	for t in tests/e2e/test_*.sh; do
		[ -f "$t" ] && [ -x "$t" ] && items+=("e2e:$t")
	done
fi
exec tests/run.sh "${items[@]}"
