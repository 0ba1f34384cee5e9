#!/usr/bin/env python3
"""Summarise bench/ab's seconds: the B/A ratio per vCPU placement.

A pair counts for a placement (pps_report.placement) when both of its
seconds were measured in it; pairs that straddle a move are left out.
"""
import csv
import statistics
import sys

from pps_report import placement


def main():
    pairs = {}
    for row in csv.DictReader(open(sys.argv[1])):
        pairs.setdefault(row["pair"], {})[row["way"]] = row
    by_place = {}
    for p in pairs.values():
        if "A" not in p or "B" not in p:
            continue
        a, b = p["A"]["xcore_ns"], p["B"]["xcore_ns"]
        if not a or not b or placement(a) != placement(b):
            continue
        place = placement(a)
        by_place.setdefault(place, []).append(p)
    print("| placement | pairs | B/A median | B/A mean | A Mpps | B Mpps | A cycles/frame | B cycles/frame | A frames/burst | B frames/burst |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for place in ("near", "far"):
        ps = by_place.get(place, [])
        if not ps:
            print(f"| {place} | 0 | | | | | | | | |")
            continue
        ratios = [float(p["B"]["mpps"]) / float(p["A"]["mpps"]) for p in ps]
        med = lambda way, key: statistics.median(float(p[way][key]) for p in ps)
        print(f"| {place} | {len(ps)} | {statistics.median(ratios):.3f} | "
              f"{statistics.mean(ratios):.3f} | {med('A', 'mpps'):.2f} | {med('B', 'mpps'):.2f} | "
              f"{med('A', 'cycles_per_frame'):.0f} | {med('B', 'cycles_per_frame'):.0f} | "
              f"{med('A', 'frames_per_burst'):.1f} | {med('B', 'frames_per_burst'):.1f} |")


if __name__ == "__main__":
    main()
