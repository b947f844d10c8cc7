"""Disclosure control benchmark: building and suppressing a county-wide count tree.

A Kent-shaped tree (12 districts with divisions, Medway without, incidents around town
centres, many small counts) with about 10,000 leaves at resolution 8, as one dashboard filter
gives. Times ``build_count_tree`` + ``suppress`` end to end (what a callback pays once per
filter), and compares socmap's exact bounds (one vectorised pass up and one down the tree)
with a naive baseline run in the same process: interval propagation over every sum constraint
in plain Python, repeated until nothing changes. Both must give the same bounds.

    .venv/bin/python benchmarks/disclosure_bench.py [--incidents 40000] [--k 5] [--repeat 7]

Target (issue 7): fast enough for a dashboard callback (well inside its 300 ms budget).
"""

from __future__ import annotations

import argparse
import statistics
import time

import h3.api.basic_int as h3i
import numpy as np

from geo.disclosure import build_count_tree, suppress
from geo.disclosure._suppress import MERGED, bounds, protect

TOWNS = [(51.27, 0.52), (51.28, 1.08), (51.38, 1.39), (51.15, 0.87), (51.13, 1.31),
         (51.08, 1.17), (51.44, 0.37), (51.39, 0.54), (51.34, 0.73), (51.13, 0.26),
         (51.19, 0.27), (51.36, 1.02), (51.40, 0.50)]  # fmt: skip


def kent_like_leaves(incidents: int, seed: int = 11) -> list[tuple]:
    """(district, division, res-8 cell, count): the last town is Medway (no divisions)."""
    rng = np.random.default_rng(seed)
    town = rng.integers(0, len(TOWNS), incidents)
    centre = np.array(TOWNS)[town]
    spread = rng.choice([0.01, 0.03, 0.08], incidents, p=[0.3, 0.4, 0.3])
    lat = centre[:, 0] + rng.normal(0, 1, incidents) * spread
    lon = centre[:, 1] + rng.normal(0, 1, incidents) * spread * 1.6
    counts: dict[tuple, int] = {}
    for t, a, b in zip(town.tolist(), lat.tolist(), lon.tolist(), strict=True):
        cell = h3i.latlng_to_cell(a, b, 8)
        district = f"E07{t:06d}" if t < 12 else "E06000035"
        # Divisions are spatial: the resolution-6 parent decides which of 7 a cell is in.
        division = None if t == 12 else f"E05{t:03d}{h3i.cell_to_parent(cell, 6) % 7:03d}"
        key = (district, division, cell)
        counts[key] = counts.get(key, 0) + 1
    return [(*key, n) for key, n in counts.items()]


def naive_bounds(tree, status, k) -> tuple[list[float], list[float]]:
    """Interval propagation over each constraint parent = sum(children) until a fixpoint."""
    value = tree.value.tolist()
    lo, hi = [], []
    for s, v in zip(status.tolist(), value, strict=True):
        lo.append(1.0 if s == 2 else float(k) if s == 3 else float(v))
        hi.append(k - 1.0 if s == 2 else float("inf") if s == 3 else float(v))
    kids: dict[int, list[int]] = {}
    for i, p in enumerate(tree.parent.tolist()):
        if p >= 0 and status[i] != MERGED:
            kids.setdefault(p, []).append(i)
    changed = True
    while changed:
        changed = False
        for p, ks in kids.items():
            s_lo, s_hi = sum(lo[c] for c in ks), sum(hi[c] for c in ks)
            new = [(p, s_lo, s_hi)]
            new += [(c, lo[p] - (s_hi - hi[c]), hi[p] - (s_lo - lo[c])) for c in ks]
            for i, a, b in new:
                if a > lo[i]:
                    lo[i], changed = a, True
                if b < hi[i]:
                    hi[i], changed = b, True
    return lo, hi


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=40_000)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    leaves = kent_like_leaves(args.incidents)
    tree = build_count_tree(leaves, max_res=8)
    status = protect(tree, args.k)
    names = ("shown", "zero", "primary", "secondary", "merged")
    print(f"{len(leaves):,} leaves from {args.incidents:,} incidents; {len(tree):,} nodes")
    print("statuses:", dict(zip(names, np.bincount(status, minlength=5).tolist(), strict=True)))

    build = _median_ms(lambda: build_count_tree(leaves, max_res=8), args.repeat)
    full = _median_ms(lambda: suppress(build_count_tree(leaves, max_res=8), args.k), args.repeat)
    print(f"build_count_tree: {build:.1f} ms; build + suppress: {full:.1f} ms (median)")
    result = suppress(tree, args.k)
    t = time.perf_counter()
    result.area("district", "E06000035")  # the first lookup builds the key index
    lookup = (time.perf_counter() - t) * 1000
    drawn = _median_ms(lambda: result.pieces(8), args.repeat)
    print(f"first lookup (builds the index): {lookup:.1f} ms; county-wide pieces at res 8: "
          f"{drawn:.1f} ms (median)")  # fmt: skip

    ours = bounds(tree, status, args.k)
    lo, hi = naive_bounds(tree, status, args.k)
    active = status != MERGED
    assert np.array_equal(ours.lo[active], np.array(lo)[active]), "naive bounds differ (lo)"
    assert np.array_equal(ours.hi[active], np.array(hi)[active]), "naive bounds differ (hi)"
    fast = _median_ms(lambda: bounds(tree, status, args.k), args.repeat)
    slow = _median_ms(lambda: naive_bounds(tree, status, args.k), max(1, args.repeat // 3))
    print(f"exact bounds, one pass each way: {fast:.2f} ms; naive fixpoint: {slow:.1f} ms; "
          f"ratio {slow / fast:.0f}x (same bounds)")  # fmt: skip


if __name__ == "__main__":
    main()
