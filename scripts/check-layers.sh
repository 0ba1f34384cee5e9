#!/usr/bin/env bash
# The layering rule as a test: every #include "LAYER/x.h" under src/LAYER/
# (and tools/) names a layer this one may use.  TAP, one line per folder.
# A layer calls only those below it (docs/ARCHITECTURE.md, "Layers").
set -uo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
	[util]="util"
	[virtio]="util virtio"
	[net]="util net"
	[vhost]="util virtio vhost"
	[port]="util virtio net vhost port"
	[switch]="util net port switch"
	[control]="util control"
	[ovsdb]="util ovsdb"
	[daemon]="util virtio net vhost port switch control ovsdb daemon"
	[tools]="util vhost control tools"
)
folders=(util virtio net vhost port switch control ovsdb daemon tools)

n=0 failed=0
for f in "${folders[@]}"; do
	dir=src/$f
	[ "$f" = tools ] && dir=tools
	[ -d "$dir" ] || continue
	n=$((n + 1))
	bad=()
	while IFS=: read -r file line inc; do
		layer=${inc#*\"}
		layer=${layer%%/*}
		if [[ $inc != *'"'*/* ]]; then
			bad+=("$file:$line: not layer-qualified: $inc")
		elif [[ " ${allowed[$f]} " != *" $layer "* ]]; then
			bad+=("$file:$line: $f may not include $layer: $inc")
		fi
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"' "$dir"/*.[ch] 2>/dev/null)
	if [ ${#bad[@]} -eq 0 ]; then
		echo "ok $n - $dir includes only ${allowed[$f]}"
	else
		failed=$((failed + 1))
		echo "not ok $n - $dir includes a layer above it"
		printf '# %s\n' "${bad[@]}"
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
