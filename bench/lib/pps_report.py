#!/usr/bin/env python3
"""Summarise bench/pps runs: medians per contender and frame size, ratios
of uvnetd to each peer, a Markdown table on stdout, pps.csv (medians) and
pps.png (grouped bars with the min-max range of the runs) in OUT_DIR.

usage: pps_report.py RUNS_CSV OUT_DIR [--ir SIZE=INSTRUCTIONS ...]
"""
import csv
import statistics
import subprocess
import sys
from collections import defaultdict

ORDER = ["uvnetd", "testpmd", "ovs"]
LABEL = {"uvnetd": "uvnetd", "testpmd": "testpmd vhost io", "ovs": "OVS-DPDK"}


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
    rest = args[2:]
    while rest:
        if rest[0] != "--ir" or len(rest) < 2:
            sys.exit(__doc__)
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
          "together; the forwarder alone on one CPU.")
    chart(out, names, sizes, mpps, med)


def chart(out, names, sizes, mpps, med):
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
set title 'Forwarding between two vhost-user ports, one CPU (median of runs)'
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
