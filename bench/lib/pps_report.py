#!/usr/bin/env python3
"""Summarise bench/pps runs: medians per contender and frame size, ratios
of uvnetd to each peer, a Markdown table on stdout, pps.csv (medians) and
pps.png (grouped bars with the min-max range of the runs) in OUT_DIR.
With --seconds, a second table splits the per-second rates by where the
host had put the two vCPUs in that second: sharing a last-level cache
("near": a cache line crosses in under NEAR_NS) or not ("far"), and a
third gives, per placement, each contender's busy cycles per frame and
how busy the generator was, over the runs whose seconds all had that
placement.  --gen-mode names how the generator handed frames back (mac
or io forwarding, bench/lib/loop.sh).

usage: pps_report.py RUNS_CSV OUT_DIR [--seconds SECONDS_CSV] [--gen-mode MODE]
                     [--ir SIZE=INSTRUCTIONS ...]
"""
import csv
import statistics
import subprocess
import sys
from collections import defaultdict

ORDER = ["uvnetd", "uvnetd-psec", "uvnetd-police", "testpmd", "ovs"]
LABEL = {"uvnetd": "uvnetd", "uvnetd-psec": "uvnetd port-security",
         "uvnetd-police": "uvnetd ingress policing", "testpmd": "testpmd vhost io",
         "ovs": "OVS-DPDK"}
NEAR_NS = 80  # splits xcore-latency's two clusters (docs/performance.md)


def load(path):
    mpps = defaultdict(list)
    cycles = defaultdict(list)
    with open(path) as f:
        for row in csv.DictReader(f):
            key = (row["contender"], int(row["size"]))
            mpps[key].append(float(row["mpps"]))
            if row.get("cycles_per_frame"):
                cycles[key].append(float(row["cycles_per_frame"]))
    return mpps, cycles


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    runs_csv, out = args[0], args[1]
    ir = {}
    seconds = None
    gen_mode = "mac"
    rest = args[2:]
    while rest:
        if rest[0] not in ("--ir", "--seconds", "--gen-mode") or len(rest) < 2:
            sys.exit(__doc__)
        if rest[0] == "--seconds":
            seconds = rest[1]
        elif rest[0] == "--gen-mode":
            gen_mode = rest[1]
        else:
            size, count = rest[1].split("=")
            ir[int(size)] = count
        rest = rest[2:]

    mpps, cycles = load(runs_csv)
    if not mpps:
        sys.exit("pps_report: no runs recorded in " + runs_csv)
    names = [c for c in ORDER if any(k[0] == c for k in mpps)]
    sizes = sorted({k[1] for k in mpps})
    med = {k: statistics.median(v) for k, v in mpps.items()}

    with open(f"{out}/pps.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["contender", "size", "runs", "median_mpps", "min_mpps", "max_mpps",
                    "median_cycles_per_frame"])
        for c in names:
            for s in sizes:
                v = mpps.get((c, s))
                if not v:
                    continue
                cyc = cycles.get((c, s))
                w.writerow([c, s, len(v), f"{med[(c, s)]:.3f}", f"{min(v):.3f}", f"{max(v):.3f}",
                            f"{statistics.median(cyc):.0f}" if cyc else ""])

    peers = [c for c in names if c != "uvnetd"]
    head = ["frame"] + [LABEL[c] + " Mpps" for c in names]
    head += ["uvnetd / " + LABEL[c] for c in peers if "uvnetd" in names]
    if cycles:
        head.append("uvnetd cycles/frame")
    if ir:
        head.append("uvnetd instructions/frame")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for s in sizes:
        row = [f"{s} B"]
        for c in names:
            row.append(f"{med[(c, s)]:.2f} ({len(mpps[(c, s)])})" if (c, s) in med else "-")
        if "uvnetd" in names:
            for c in peers:
                a, b = med.get(("uvnetd", s)), med.get((c, s))
                row.append(f"{a / b:.2f}x" if a and b else "-")
        if cycles:
            cyc = cycles.get(("uvnetd", s))
            row.append(f"{statistics.median(cyc):.0f}" if cyc else "-")
        if ir:
            row.append(ir.get(s, "-"))
        print("| " + " | ".join(row) + " |")
    print("\nMpps: median of the runs (their number in brackets), both directions "
          f"together; the forwarder alone on one CPU; the generator in {gen_mode} forwarding.")
    if seconds:
        placement_mix(seconds, names, sizes)
        by_placement(seconds, names, sizes)
        busy_by_placement(runs_csv, seconds, names, sizes)
    chart(out, names, sizes, mpps, med, gen_mode)


def placement(xcore_ns):
    """'near' or 'far' for a second's cache-line transfer time in ns."""
    return "near" if float(xcore_ns) < NEAR_NS else "far"


def placement_mix(path, names, sizes):
    """Warn when the contenders drew different shares of far seconds: then
    the medians above compare placements more than forwarders."""
    far, total = defaultdict(int), defaultdict(int)
    with open(path) as f:
        for row in csv.DictReader(f):
            if row["xcore_ns"]:
                key = (row["contender"], int(row["size"]))
                total[key] += 1
                far[key] += placement(row["xcore_ns"]) == "far"
    for s in sizes:
        share = {c: far[(c, s)] / total[(c, s)] for c in names if total[(c, s)]}
        if len(share) > 1 and max(share.values()) - min(share.values()) > 0.25:
            mix = ", ".join(f"{LABEL[c]} {100 * v:.0f}%" for c, v in share.items())
            print(f"\nNote, {s} B: the contenders' seconds were far in different shares "
                  f"({mix}); compare them by placement, below.")


def by_placement(path, names, sizes):
    """Medians of the per-second rates, near and far apart."""
    rate = defaultdict(list)
    with open(path) as f:
        for row in csv.DictReader(f):
            if not row["xcore_ns"] or not row["mpps"]:
                continue
            where = placement(row["xcore_ns"])
            rate[(where, row["contender"], int(row["size"]))].append(float(row["mpps"]))
    if not rate:
        return
    peers = [c for c in names if c != "uvnetd"]
    head = ["frame", "vCPUs"] + [LABEL[c] + " Mpps" for c in names]
    head += ["uvnetd / " + LABEL[c] for c in peers if "uvnetd" in names]
    print(f"\nPer second, by where the two vCPUs were (near: a cache line crosses in "
          f"under {NEAR_NS} ns; far: not); median (seconds):\n")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for s in sizes:
        for where in ("near", "far"):
            med = {c: statistics.median(rate[(where, c, s)]) for c in names
                   if rate.get((where, c, s))}
            if not med:
                continue
            row = [f"{s} B", where]
            row += [f"{med[c]:.2f} ({len(rate[(where, c, s)])})" if c in med else "-"
                    for c in names]
            if "uvnetd" in names:
                row += [f"{med['uvnetd'] / med[c]:.2f}x" if "uvnetd" in med and c in med
                        else "-" for c in peers]
            print("| " + " | ".join(row) + " |")


def run_placements(path):
    """(run, contender, size) -> 'near' or 'far' when all its seconds agree."""
    seen = defaultdict(set)
    with open(path) as f:
        for row in csv.DictReader(f):
            if row["xcore_ns"]:
                seen[(row["run"], row["contender"], int(row["size"]))].add(
                    placement(row["xcore_ns"]))
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


def busy_by_placement(runs_csv, seconds_csv, names, sizes):
    """Busy cycles per frame of each contender, and the generator's busy
    share, medians over the runs that stayed in one placement."""
    where = run_placements(seconds_csv)
    cyc, gen = defaultdict(list), defaultdict(list)
    with open(runs_csv) as f:
        for row in csv.DictReader(f):
            p = where.get((row["run"], row["contender"], int(row["size"])))
            if not p:
                continue
            key = (p, row["contender"], int(row["size"]))
            if row.get("cycles_per_frame"):
                cyc[key].append(float(row["cycles_per_frame"]))
            if row.get("gen_busy_pct"):
                gen[key].append(float(row["gen_busy_pct"]))
    if not cyc and not gen:
        return
    head = ["frame", "vCPUs"] + [LABEL[c] + " cycles/frame" for c in names]
    head += ["generator busy with " + LABEL[c] for c in names]
    print("\nBusy TSC cycles per frame, each contender's own count (uvnetd's worker, testpmd's "
          "record-core-cycles, OVS's pmd-stats), and the share of its CPU the generator "
          "spent moving frames; medians over the runs whose seconds all had one placement "
          "(runs in brackets):\n")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for s in sizes:
        for p in ("near", "far"):
            if not any((p, c, s) in cyc or (p, c, s) in gen for c in names):
                continue
            row = [f"{s} B", p]
            for table, fmt in ((cyc, "{:.0f}"), (gen, "{:.0f}%")):
                row += [(fmt.format(statistics.median(table[(p, c, s)])) +
                         f" ({len(table[(p, c, s)])})") if table.get((p, c, s)) else "-"
                        for c in names]
            print("| " + " | ".join(row) + " |")


def chart(out, names, sizes, mpps, med, gen_mode):
    """Grouped bars, one group per frame size, error bars spanning the runs."""
    data = f"{out}/pps.dat"
    with open(data, "w") as f:
        for s in sizes:
            cols = [f"{s}B"]
            for c in names:
                v = mpps.get((c, s), [0])
                cols += [f"{med.get((c, s), 0):.3f}", f"{min(v):.3f}", f"{max(v):.3f}"]
            f.write(" ".join(cols) + "\n")
    plots = []
    for i, c in enumerate(names):
        col = 2 + 3 * i
        plots.append(f"'{data}' using {col}:{col + 1}:{col + 2}:xtic(1) title '{LABEL[c]}'")
    script = f"""
set terminal pngcairo size 900,520 font ',11'
set output '{out}/pps.png'
set title 'Forwarding between two vhost-user ports, one CPU (median of runs; generator: {gen_mode} fwd)'
set ylabel 'Mpps (both directions)'
set xlabel 'frame size'
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.8 border -1
set yrange [0:*]
set key top right
set grid ytics
plot {", ".join(plots)}
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
        print(f"\nchart: {out}/pps.png, medians: {out}/pps.csv", file=sys.stderr)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"pps_report: no chart ({e}); install gnuplot-nox", file=sys.stderr)


if __name__ == "__main__":
    main()
