#!/usr/bin/env bash
# The whole test suite, from a clean clone: install what is missing, build
# (normal, ASan+UBSan, libFuzzer), then run through tests/run.sh: the
# runner's self-test, the unit tests in both builds, the layering lint,
# uvnetctl's command-line test, a short fuzz smoke run and the end-to-end
# tests against the ASan+UBSan build.  Ends with
# "N passed, N failed" (", N skipped" when something was skipped); exits
# non-zero iff something failed.
#
#   UVNET_E2E=0             leave the end-to-end tests out
#   UVNET_E2E_BUILD=DIR     build the e2e tests run against (default build-asan)
#   UVNET_FUZZ_SECONDS=S    seconds per fuzz target (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh build test e2e ovn libvirt

setup() { # DIR [meson args...]
	local dir=$1; shift
	[ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null
	ninja -C "$dir" >/dev/null
}
setup build
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
CC=clang setup build-fuzz -Dfuzz=true -Db_lundef=false

# For the asan: items and the e2e tests' uvnetd, uvnetctl, uvnet-bench and
# uvnet-vm: a leak or UBSan finding ends the program with a non-zero status.
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
items+=("tools:tests/tools/test_install.sh")
items+=("fuzz:fuzz/run-smoke.sh build-fuzz ${UVNET_FUZZ_SECONDS:-20}")
# End-to-end tests (root; QEMU guests under TCG, namespaces, taps), each
# one TAP program, run once, against the ASan+UBSan build: their checks
# that uvnetd exits 0 on SIGTERM (LeakSanitizer runs then) and left no
# sanitizer report can fail only there (against build/ they are skipped).
# Without root they print "1..0 # SKIP" and count as skipped.  The test
# guest is built (or found in its cache) once here, so no test pays for it.
if [ "${UVNET_E2E:-1}" != 0 ]; then
	e2e_build=${UVNET_E2E_BUILD:-build-asan}
	[[ $e2e_build == /* ]] || e2e_build=$PWD/$e2e_build
	if ! out=$(scripts/guest/build-guest.sh 2>&1 >/dev/null); then
		tail -n 5 <<<"$out" >&2
		echo "check: the test guest could not be built; the e2e tests with guests will fail" >&2
	fi
	for t in tests/e2e/test_*.sh; do
		[ -f "$t" ] && [ -x "$t" ] && items+=("e2e:UVNET_BUILD=$e2e_build $t")
	done
fi
exec tests/run.sh "${items[@]}"
