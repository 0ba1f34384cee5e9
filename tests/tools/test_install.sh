#!/usr/bin/env bash
# `meson install` into a DESTDIR: the binaries, the man pages and the
# systemd unit uvnetd.service land where they belong; the unit passes
# `systemd-analyze verify` with the installed uvnetd as its ExecStart
# (no systemd needs to run), is ordered before libvirt and keeps its
# run-time and state directories where uvnetd's defaults are; every
# option it gives uvnetd is one `uvnetd --help` lists.  TAP.
#
#   UVNET_BUILD  a configured and built build directory (default build/)
# shellcheck disable=SC2015 # ok/not_ok always succeed: A && ok || not_ok is if-then-else
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${UVNET_BUILD:-$root/build}
tmp=$(mktemp -d /tmp/uvnet-test-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

[[ -f $build/build.ninja ]] || { echo "1..0 # SKIP no $build (meson setup and ninja first)"; exit 0; }
command -v systemd-analyze >/dev/null || {
    echo "1..0 # SKIP no systemd-analyze (scripts/install-deps.sh test)"
    exit 0
}

dest=$tmp/dest
if meson install -C "$build" --no-rebuild --destdir "$dest" >"$tmp/install.log" 2>&1; then
    ok "meson install --destdir"
else
    not_ok "meson install --destdir"
    sed 's/^/# /' "$tmp/install.log" | tail -n 20
fi
prefix=$(meson introspect "$build" --buildoptions |
    python3 -c 'import json, sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')
bindir=$prefix/bin
for b in uvnetd uvnetctl uvnet-vm; do
    check "$bindir/$b installed, executable" test -x "$dest$bindir/$b"
done
for m in uvnetd uvnetctl; do
    check "man page $m(8) installed" test -s "$dest$prefix/share/man/man8/$m.8"
done

unit=$(find "$dest" -name uvnetd.service -path '*/systemd/system/*' | head -n 1)
check "uvnetd.service installed in a systemd/system directory (${unit#"$dest"})" test -n "$unit"
[[ -n $unit ]] || unit=/nonexistent
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
check "ExecStart runs the installed uvnetd ($bindir/uvnetd)" test "${exec_start%% *}" = "$bindir/uvnetd"

# verify, as systemd would load it installed: a copy whose commands point
# into the DESTDIR (systemd-analyze checks that they are executables) and
# man pages found there (it runs man for Documentation=)
mkdir -p "$tmp/unit" && sed "s|$bindir/|$dest$bindir/|g" "$unit" >"$tmp/unit/uvnetd.service"
if MANPATH=$dest$prefix/share/man systemd-analyze verify "$tmp/unit/uvnetd.service" >"$tmp/verify.log" 2>&1 &&
    ! grep -q . "$tmp/verify.log"; then
    ok "systemd-analyze verify: no complaint"
else
    not_ok "systemd-analyze verify: no complaint"
    sed 's/^/# /' "$tmp/verify.log" | tail -n 20
fi

# key=value lines the unit must have
want=(
    "Before=libvirtd.service virtqemud.service libvirt-guests.service"
    "Restart=on-failure"
    "RuntimeDirectory=uvnet"
    "RuntimeDirectoryPreserve=yes"
    "StateDirectory=uvnet"
)
for w in "${want[@]}"; do
    check "unit says $w" grep -qxF "$w" "$unit"
done
for w in --foreground "--control /run/uvnet/uvnetd.sock" "--state /var/lib/uvnet/uvnetd.state"; do
    check "ExecStart has $w" grep -qF -- " $w" <<<"$exec_start"
done
help=$("$dest$bindir/uvnetd" --help 2>&1)
for o in $(grep -oE -- '--[a-z-]+' <<<"$exec_start"); do
    check "uvnetd --help lists $o" grep -qE -- "^  $o( |$)" <<<"$help"
done

echo "1..$n"
((failed == 0))
