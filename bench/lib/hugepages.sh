# shellcheck shell=bash
# 2 MiB hugepages for benchmark peers that need them (OVS-DPDK, DPDK
# processes): raise the pool by what is asked, mount a private hugetlbfs,
# and put everything back afterwards.  Source this file.
#
#   hugepages_reserve DIR MIB   add MIB (+32 MiB slack) to the pool and mount
#                               a hugetlbfs of that size on DIR (created).
#                               Nonzero (nothing changed) on failure, with
#                               why on stderr.
#   hugepages_release DIR       unmount and remove DIR, shrink the pool back
#                               by what DIR added (idempotent)
#   hugepages_release_all       every reservation still held
declare -A HUGEPAGES__PAGES

hugepages__err() { echo "hugepages: $*" >&2; }

hugepages__file() {
    local f=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
    [ -w "$f" ] || f=/proc/sys/vm/nr_hugepages
    echo "$f"
}

hugepages_reserve() {
    local -
    set +e +u +o pipefail
    local dir=$1 mib=$2 pages have want avail free hpf
    [ -z "${HUGEPAGES__PAGES[$dir]:-}" ] || { hugepages__err "$dir is reserved already"; return 1; }
    hpf=$(hugepages__file)
    pages=$(((mib + 1) / 2 + 16))
    avail=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
    if [ $((pages * 2)) -gt "${avail:-0}" ]; then
        hugepages__err "$((pages * 2)) MiB of hugepages wanted, only ${avail:-0} MiB available"
        return 1
    fi
    have=$(cat "$hpf") || { hugepages__err "cannot read $hpf"; return 1; }
    want=$((have + pages))
    if ! echo "$want" >"$hpf" 2>/dev/null || [ "$(cat "$hpf")" -lt "$want" ]; then
        hugepages__err "could not raise $hpf from $have to $want (got $(cat "$hpf"); memory fragmented or short?)"
        echo "$have" >"$hpf" 2>/dev/null
        return 1
    fi
    HUGEPAGES__PAGES[$dir]=$pages
    free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
    if [ "${free:-0}" -lt "$pages" ]; then
        hugepages__err "only ${free:-0} free 2 MiB hugepages after raising the pool, need $pages"
        hugepages_release "$dir"
        return 1
    fi
    if ! mkdir -p "$dir" ||
        ! mount -t hugetlbfs -o "pagesize=2M,size=$((pages * 2))M,mode=0700" uvnet-huge "$dir"; then
        hugepages__err "cannot mount hugetlbfs on $dir"
        hugepages_release "$dir"
        return 1
    fi
}

hugepages_release() {
    local -
    set +e +u +o pipefail
    local dir=$1 n=20 hpf pages=${HUGEPAGES__PAGES[$1]:-}
    [ -n "$pages" ] || return 0
    while mountpoint -q "$dir" && [ "$n" -gt 0 ]; do
        umount "$dir" 2>/dev/null || sleep 0.25
        n=$((n - 1))
    done
    if mountpoint -q "$dir"; then
        hugepages__err "could not unmount $dir; detaching it lazily"
        umount -l "$dir" 2>/dev/null
    fi
    rmdir "$dir" 2>/dev/null
    hpf=$(hugepages__file)
    echo $(($(cat "$hpf") - pages)) >"$hpf" 2>/dev/null ||
        hugepages__err "could not shrink $hpf by $pages pages"
    unset "HUGEPAGES__PAGES[$dir]"
    return 0
}

hugepages_release_all() {
    local dir
    for dir in "${!HUGEPAGES__PAGES[@]}"; do hugepages_release "$dir"; done
}
