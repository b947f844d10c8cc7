"""Callback round trip benchmark: a filter change at county, district and division level on
a million incidents, as the browser sends it, against ``socmap serve`` (production settings).

A filter change in the browser is one POST to ``_dash-update-component`` for the navigation
callback (URL and view state), then the three render callbacks it sets off (map, side panel,
hotspot summary) sent in parallel. This script sends exactly those (tests/support/dashclient.py;
``--check-browser`` compares its bodies with Chromium's) and times each callback and the whole
wait. The view is the public one, which publishes one (period block, theme) pair at a time;
each period or theme change picks a pair no level has shown yet (while any is left), so the
server counts a new publication and caches do not flatter it. Blocks are of one month here
(``--period-months``, default 1; socmap's own default, SOCMAP_PUBLIC_PERIOD_MONTHS, is 3),
the setting with the most pairs to choose from: quarters give 7 blocks on this store, so
pairs run out and later changes revisit cached ones.
The same changes are then repeated ("revisit") to show what caching gives.

Baseline, in this process after the server has stopped: the naive dashboard of
benchmarks/_naive.py (pandas over the whole table in memory, h3 outlines in a Python loop,
json.dumps) building the same views, which does less than socmap does.

    .venv/bin/python -m benchmarks.callback_bench [--rows 1000000] [--changes 24]
        [--workers N] [--period-months 1] [--check-browser] [--json]

The machine's load average is printed with the figures (the benchmark machine is shared).
With the basemap on (orient's ``--context DIR``, loading the context data into a copy of the
store), the same changes measure the dashboard as it ships with context data.

Targets (issue 22): the county filter change's whole wait at most 150 ms at p95 (with the
basemap on); (issue 5) every callback under 300 ms at p95, county response under 1.5 MB.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from benchmarks._bigstore import OUT, bigstore, working_copy
from benchmarks._naive import NaiveDashboard
from tests.support.dashclient import Http, Tab
from tests.support.serve import Recorder, log_problems, served, summary

LEVELS = ("county", "district", "division")
MEASURES = ("hotspots", "change", "emerging", "count")
CALLBACKS = ("sync", "map", "panel", "hotspots")
THEME = ("filter-themes", None)  # a theme change: which theme is chosen as the user goes


class Changes:
    """The filter changes, chosen as the user goes: a new period block at every other change,
    the measure or the theme between them. A block or theme is picked so that the view's
    (block, theme) pair is one not shown before, while there is one."""

    def __init__(self, seed: int = 5) -> None:
        self._rng = random.Random(seed)
        self.seen: set[tuple[str, str]] = set()
        self.fresh = 0  # changes that showed a pair not shown before
        self._others = itertools.cycle(
            [("filter-measure", m) for m in MEASURES[:2]]
            + [THEME]
            + [("filter-measure", m) for m in MEASURES[2:]]
            + [THEME]
        )

    def next(self, tab: Tab, i: int) -> tuple[str, object]:
        block, theme = tab.value("filter-period", "value"), tab.value("filter-themes", "value")
        self.seen.add((block, theme))
        if i % 2 == 0:
            blocks = [o["value"] for o in tab.value("filter-period", "options")]
            return "filter-period", self._pick(blocks, block, lambda b: (b, theme))
        change = next(self._others)
        if change is THEME:
            themes = [o["value"] for o in tab.value("filter-themes", "options")]
            return "filter-themes", self._pick(themes, theme, lambda t: (block, t))
        return change

    def _pick(self, choices: list[str], current: str, pair) -> str:
        others = [c for c in choices if c != current]
        self._rng.shuffle(others)
        new = [c for c in others if pair(c) not in self.seen]
        if new:
            self.fresh += 1
        picked = (new or others)[0]
        self.seen.add(pair(picked))
        return picked


def go_to(tab: Tab, level: str, district: str, division: str) -> None:
    tab.open("")
    if level != "county":
        tab.click_map(_pick(lambda c: c[2] == district))
    if level == "division":
        tab.click_map(_pick(lambda c: c[1] == division))


def _pick(test):
    def choose(pieces):
        chosen = [p for p in pieces if test(p[2])]
        return chosen[len(chosen) // 2][:2]

    return choose


def busiest(tab: Tab) -> tuple[str, str]:
    """The district with the most map pieces and its division with the most."""
    tab.open("")
    districts = [c[2] for _, _, c in tab.pieces() if c[2]]
    district = max(set(districts), key=districts.count)
    divisions = [c[1] for _, _, c in tab.pieces() if c[2] == district and c[1] != district]
    return district, max(set(divisions), key=divisions.count)


def run_level(tab, rec, level, changes, where, n: int) -> list[dict]:
    """``n`` changes at ``level``: chosen by ``changes`` (a :class:`Changes`), or replayed
    from a list of an earlier run's results."""
    go_to(tab, level, *where)
    results = []
    for i in range(n):
        if isinstance(changes, Changes):
            component, value = changes.next(tab, i)
        else:
            component, value = changes[i]["change"]
        mark = rec.mark()
        wait = tab.set(component, "value", value)
        samples = rec.since(mark)
        results.append(
            {
                "level": level,
                "change": (component, value),
                "state": tab.value("view-state", "data"),
                "wait": wait,
                **{s.kind: s.seconds for s in samples},
                "size": {s.kind: s.size for s in samples},
                "errors": [s.error for s in samples if s.error],
            }
        )
    return results


def measure_server(db, args) -> dict:
    rec = Recorder()
    log = OUT / "callback-bench-server.log"
    env = {"SOCMAP_PUBLIC_PERIOD_MONTHS": str(args.period_months)}
    with (
        served(db, log, workers=args.workers, env=env) as server,
        ThreadPoolExecutor(4) as pool,
    ):
        base = server.base
        if not args.cold:
            ready = server.wait_for_publication(args.publish_timeout)
        print(f"publisher ready after {ready:.0f} s", file=sys.stderr)
        tab = Tab(Http(base, rec), pool=pool)
        t0 = time.perf_counter()
        tab.open("")
        first_open = time.perf_counter() - t0
        where = busiest(tab)
        plan = Changes()
        fresh, cpu = [], {}
        for lv in LEVELS:
            before = server.cpu_seconds()
            fresh += run_level(tab, rec, lv, plan, where, args.changes)
            cpu[lv] = (server.cpu_seconds() - before) / args.changes
        again = []
        for lv in LEVELS:
            done = [r for r in fresh if r["level"] == lv]
            again += run_level(tab, rec, lv, done, where, args.changes)
        if args.check_browser:
            from benchmarks._browsercheck import check  # noqa: PLC0415 - needs Playwright

            check(base, where[0])
    return {
        "first_open": first_open,
        "pairs": (plan.fresh, len(plan.seen), len(fresh)),
        "cpu_per_change": cpu,
        "fresh": fresh,
        "revisit": again,
        "where": where,
        "errors": [e for s in rec.samples if (e := s.error)],
        "server_log_problems": log_problems(log),
    }


def naive_baseline(db, results: list[dict], per_level: int) -> dict[str, dict]:
    naive = NaiveDashboard(db)
    out = {"load_seconds": naive.load_seconds}
    for level in LEVELS:
        states = [r["state"] for r in results if r["level"] == level][:per_level]
        times, sizes = [], []
        for query in states:
            t0 = time.perf_counter()
            sizes.append(naive.view(query))
            times.append(time.perf_counter() - t0)
        out[level] = {**summary(times), "size": max(sizes)}
    return out


def level_table(results: list[dict]) -> dict[str, dict]:
    table = {}
    for level in LEVELS:
        rows = [r for r in results if r["level"] == level]
        entry = {k: summary([r[k] for r in rows if k in r]) for k in (*CALLBACKS, "wait")}
        entry["map_bytes"] = max(r["size"].get("map", 0) for r in rows)
        entry["panel_bytes"] = max(r["size"].get("panel", 0) for r in rows)
        entry["by_measure"] = {
            m: summary([r["wait"] for r in rows if _measure(r["state"]) == m]) for m in MEASURES
        }
        table[level] = entry
    return table


def _measure(query: str) -> str:
    for m in MEASURES[:3]:
        if f"m={m}" in query:
            return m
    return "count"


def report(server: dict, naive: dict, args) -> None:
    fresh, again = level_table(server["fresh"]), level_table(server["revisit"])
    ms = lambda s: f"{s['median'] * 1000:5.0f} / {s['p95'] * 1000:5.0f}"  # noqa: E731
    print(f"first page open after start (cold workers): {server['first_open']:.2f} s")
    print(f"district {server['where'][0]}, division {server['where'][1]}")
    new, shown, n = server["pairs"]
    print(
        f"public blocks of {args.period_months} month(s): {new} of {n} changes showed a new "
        f"(block, theme) pair; {shown} pairs shown in all"
    )
    print("milliseconds, median / p95, per filter change (a new view each time):")
    print(f"{'level':9} {'sync':>13} {'map':>13} {'panel':>13} {'hotspots':>13} "
          f"{'user waits':>13} {'revisit':>13} {'naive':>13} {'map MB':>7}")  # fmt: skip
    for level in LEVELS:
        f, n = fresh[level], naive[level]
        print(
            f"{level:9} {ms(f['sync'])} {ms(f['map'])} {ms(f['panel'])} {ms(f['hotspots'])} "
            f"{ms(f['wait'])} {ms(again[level]['wait'])} {ms(n)} {f['map_bytes'] / 1e6:7.2f}"
        )
    for level in LEVELS:
        parts = ", ".join(
            f"{m} {s['p95'] * 1000:.0f}" for m, s in fresh[level]["by_measure"].items() if s["n"]
        )
        print(f"p95 wait by measure at {level}: {parts} ms")
    cpu = ", ".join(f"{lv} {s * 1000:.0f}" for lv, s in server["cpu_per_change"].items())
    print(f"server CPU per filter change (all workers; includes the drill-down): {cpu} ms")
    for level in LEVELS:
        ratio = naive[level]["p95"] / fresh[level]["wait"]["p95"]
        print(f"{level}: naive p95 / socmap p95 = {ratio:.1f}x")
    print(f"naive baseline: table read into pandas in {naive['load_seconds']:.1f} s")
    worst = max(
        max(fresh[lv][k]["p95"] for k in ("map", "panel", "hotspots", "sync")) for lv in LEVELS
    )
    worst_wait = max(fresh[lv]["wait"]["p95"] for lv in LEVELS)
    print(
        f"targets: every callback p95 < 300 ms: {'met' if worst < 0.3 else 'MISSED'} "
        f"(worst {worst * 1000:.0f} ms; whole wait worst p95 {worst_wait * 1000:.0f} ms); "
        f"county response < 1.5 MB: "
        f"{'met' if fresh['county']['map_bytes'] < 1.5e6 else 'MISSED'} "
        f"({fresh['county']['map_bytes'] / 1e6:.2f} MB)"
    )
    county = fresh["county"]["wait"]["p95"]
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"county filter change, whole wait p95 {county * 1000:.0f} ms (median "
        f"{fresh['county']['wait']['median'] * 1000:.0f} ms); naive p95 "
        f"{naive['county']['p95'] * 1000:.0f} ms; target 150 ms: "
        f"{'met' if county <= 0.150 else 'MISSED'}; load average {load}"
    )
    print(f"errors: {len(server['errors'])}; server log problems: "
          f"{len(server['server_log_problems'])}")  # fmt: skip
    if args.json:
        json.dump({"fresh": fresh, "revisit": again, "naive": naive}, sys.stdout, default=str)
        print()


def _with_context(db, folder: str):
    """A working copy of the cached store with the context data loaded (built once)."""
    from geo.context import load_context  # noqa: PLC0415
    from geo.store import Store  # noqa: PLC0415

    copy = db.with_name(db.stem + "-context.duckdb")
    if copy.is_file() and copy.stat().st_mtime > db.stat().st_mtime:
        print(f"store with context: {copy} (cached)")
        return copy
    copy = working_copy(db, db.stem + "-context")
    store = Store(copy)
    try:
        load_context(store, folder)
    finally:
        store.close()
    print(f"store with context: {copy}")
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=24, help="filter changes per level")
    parser.add_argument("--workers", type=int, help="server workers (default: socmap's)")
    parser.add_argument(
        "--period-months", type=int, default=1, choices=(1, 3, 6, 12), help="public blocks"
    )
    parser.add_argument("--naive-views", type=int, default=8, help="naive views per level")
    parser.add_argument("--check-browser", action="store_true")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="measure at once, without waiting for the publisher to prepare the public views",
    )
    parser.add_argument(
        "--publish-timeout",
        type=float,
        default=300,
        help="seconds to wait for the publisher (a shared, busy machine needs more)",
    )
    parser.add_argument(
        "--context",
        metavar="DIR",
        help="load the context data (basemap, places) from DIR into a copy of the store first: "
        "the callbacks with the basemap on",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    db = bigstore(args.rows)
    if args.context:
        db = _with_context(db, args.context)
    server = measure_server(db, args)
    naive = naive_baseline(db, server["fresh"], args.naive_views)
    report(server, naive, args)


if __name__ == "__main__":
    main()
