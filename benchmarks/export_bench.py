"""Export benchmark: one map (cold and warm) and the full briefing pack (12 districts and
Medway) on the real Kent data, in this process and from the command line.

* ``socmap export map`` and ``socmap export briefing`` from a new process each time (what an
  analyst waits for), against the floor run the same way: a new Python process that draws
  the same map figure (socmap's own print figure, saved from a profiled run) to PDF with
  kaleido alone (the same plotly.js bundle), with no store, query, page or audit. Where a
  target is missed, a profiled run prints where the time goes: Python's start, imports, the
  store's opening, the view's queries, the figure, the browser's start (beside the queries)
  and kaleido's drawing and printing;
* cold map: a new headless browser and a new app context (nothing cached), county map, PDF;
* warm map: the browser kept open, a new app context (the data is read again);
* hot map: the browser and the context's cache both warm (a second download of one view);
* briefing pack: a new context with the browser kept open, then the same with a naive
  renderer that starts a browser for every drawing (what a one-shot image call per figure,
  such as kaleido's ``write_fig_sync``, costs), run in the same process for the ratio.

    SOCMAP_SHARED_DATA=../shared/data .venv/bin/python benchmarks/export_bench.py
    .venv/bin/python benchmarks/export_bench.py --db data/socmap.duckdb [--no-naive]

Targets (issue 22): ``socmap export map`` from a new process at most 2 s; the briefing pack
at most 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dashboard.export import Renderer, export_briefing, export_map
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from geo.disclosure import Audience
from geo.settings import Settings
from geo.store import Store

MAP_TARGET_S = 3.0  # in this process, a new browser
PACK_TARGET_S = 60.0
CLI_MAP_TARGET_S = 2.0  # `socmap export map` from a new process
CLI_PACK_TARGET_S = 5.0
SOCMAP = [sys.executable, "-m", "socmap"]

# `socmap export ...` in a new process, with the time of each step (the functions the
# command calls, wrapped), the print figure saved for the floor to draw.
_PROFILED = """
import json, sys, time
spawned, figure_path = float(sys.argv[1]), sys.argv[2]
steps = {"python start": time.time() - spawned}
t = time.perf_counter()
import socmap.cli
from dashboard import browser
steps["import socmap.cli, dashboard.browser"] = time.perf_counter() - t
t = time.perf_counter()
import dashboard.export._map_export as me
import dashboard.export._svg_layer as layer
import dashboard.views.context as vc
steps["import dashboard.export"] = time.perf_counter() - t
def timed(owner, name, label, keep=None):
    inner = getattr(owner, name)
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            out = inner(*args, **kwargs)
            if keep:
                keep(out)
            return out
        finally:
            steps[label] = steps.get(label, 0.0) + time.perf_counter() - t
    setattr(owner, name, wrapper)
def save(figure):
    with open(figure_path, "w") as f:
        f.write(figure.to_json() if hasattr(figure, "to_json") else json.dumps(figure))
create = vc.AppContext.create.__func__
def opened(cls, *args, **kwargs):
    t = time.perf_counter()
    try:
        return create(cls, *args, **kwargs)
    finally:
        steps["store open (app context)"] = time.perf_counter() - t
vc.AppContext.create = classmethod(opened)
timed(me, "resolve_view", "queries: view")
timed(me, "map_model", "queries: map model")
timed(me, "rules_for", "queries: disclosure rules")
timed(me, "print_figure", "figure (plotly)", keep=save)
timed(layer, "bottom_layer", "bottom layer: pieces and basemap to SVG (Python)")
timed(browser.Renderer, "svg", "plotly.js: the rest to SVG (waits for the browser)")
timed(browser.Renderer, "pdf", "Chromium: page to PDF")
timed(browser.Renderer, "png", "Chromium: page to PNG")
opening = browser.Renderer._open
async def open_timed(self):
    t = time.perf_counter()
    await opening(self)
    steps["browser start (beside the queries)"] = time.perf_counter() - t
browser.Renderer._open = open_timed
t = time.perf_counter()
code = socmap.cli.main(sys.argv[3:])
steps["command in all"] = time.perf_counter() - t
print(json.dumps(steps))
sys.exit(code)
"""

# The floor: a new process draws the same figure to PDF with kaleido alone.
_FLOOR = """
import asyncio, json, sys
import kaleido
figure_path, out, plotlyjs, width, height = sys.argv[1:6]
with open(figure_path) as f:
    figure = json.load(f)
async def main():
    async with kaleido.Kaleido(n=1, mathjax=False, plotlyjs=plotlyjs) as k:
        await k.write_fig(figure, out, opts={"format": "pdf", "width": int(width),
                                             "height": int(height)})
asyncio.run(main())
"""


class NaiveRenderer(Renderer):
    """A new browser for every drawing and every page: the baseline."""

    def _run(self, coro):
        try:
            return super()._run(coro)
        finally:
            self.close()


def kent_store(shared: Path, folder: Path) -> Settings:
    from geo.areas.boundaries import fetch_boundaries  # noqa: PLC0415
    from geo.ingest import ingest_police_uk  # noqa: PLC0415

    settings = Settings(db_path=folder / "bench.duckdb")
    store = Store(settings.db_path)
    fetch_boundaries(store, from_dir=shared / "boundaries")
    for path in sorted((shared / "police-uk").glob("*.csv")):
        ingest_police_uk(store, path, settings, progress=False)
    return settings


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def bench_maps(settings: Settings, audience: Audience, repeat: int) -> dict[str, float]:
    view = ViewState()

    def ctx() -> AppContext:
        return AppContext.create(Store(settings.db_path), settings, audience)

    def one(renderer, context, fmt="pdf"):
        return export_map(
            context, view, audience, fmt, renderer=renderer, user="bench", client="bench"
        )

    colds = []
    for _ in range(repeat):
        with Renderer() as r:
            colds.append(timed(lambda r=r: one(r, ctx()))[0])
    out = {"cold": statistics.median(colds)}
    with Renderer() as r:
        one(r, ctx())
        out["warm"] = statistics.median(timed(lambda: one(r, ctx()))[0] for _ in range(repeat))
        shared = ctx()
        one(r, shared)
        out["hot"] = statistics.median(timed(lambda: one(r, shared))[0] for _ in range(repeat))
        out["warm_png"] = statistics.median(
            timed(lambda: one(r, ctx(), "png"))[0] for _ in range(repeat)
        )
    return out


def bench_pack(settings: Settings, audience: Audience, renderer: Renderer) -> float:
    context = AppContext.create(Store(settings.db_path), settings, audience)
    seconds, export = timed(
        lambda: export_briefing(
            context, ViewState(), audience, renderer=renderer, user="bench", client="bench"
        )
    )
    print(f"  {audience} pack: {seconds:.1f} s, {len(export.data) / 1e6:.1f} MB")
    return seconds


def _wall(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    # Its progress lines (standard error) are not the benchmark's output, unless it fails.
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(done.stderr)
    return time.perf_counter() - t0


def _spread(times: list[float]) -> str:
    return f"{statistics.median(times):.2f} s ({min(times):.2f}-{max(times):.2f})"


def bench_cli(settings: Settings, folder: Path, repeat: int) -> None:
    """``socmap export map`` and ``briefing`` from new processes, against the floor."""
    from dashboard.browser import PLOTLY_JS  # noqa: PLC0415

    env = {**os.environ, "SOCMAP_DB": str(settings.db_path)}
    out = folder / "map.pdf"
    figure = folder / "figure.json"
    map_args = ["export", "map", "--out", str(out)]
    pack_args = ["export", "briefing", "--out", str(folder / "pack.pdf")]
    # One profiled run first: it saves the print figure the floor draws (and warms the
    # page cache for both, so neither pays for the first read of the files).
    profile = _profiled(map_args, figure, env)
    import plotly.io as pio  # noqa: PLC0415

    layout = pio.from_json(figure.read_text()).layout
    width, height = int(layout.width or 800), int(layout.height or 600)
    floor_argv = [sys.executable, "-c", _FLOOR, str(figure), str(folder / "floor.pdf"),
                  str(PLOTLY_JS), str(width), str(height)]  # fmt: skip
    ours, floor = [], []
    for _ in range(repeat):  # interleaved: a burst of load falls on both
        ours.append(_wall([*SOCMAP, *map_args], env))
        floor.append(_wall(floor_argv, env))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"from a new process, median (range) of {repeat}; load average {load}")
    met = statistics.median(ours) <= CLI_MAP_TARGET_S
    print(f"  socmap export map (county, public, PDF): {_spread(ours)}; target "
          f"{CLI_MAP_TARGET_S:.0f} s: {'met' if met else 'MISSED'}")  # fmt: skip
    print(f"  floor (new Python, kaleido draws the same figure to PDF): {_spread(floor)}; "
          f"socmap / floor {statistics.median(ours) / statistics.median(floor):.2f}x")  # fmt: skip
    if not met:
        _print_profile(profile)
    packs = [_wall([*SOCMAP, *pack_args], env) for _ in range(max(1, repeat // 2))]
    met = statistics.median(packs) <= CLI_PACK_TARGET_S
    print(f"  socmap export briefing (public): {_spread(packs)}; target "
          f"{CLI_PACK_TARGET_S:.0f} s: {'met' if met else 'MISSED'}")  # fmt: skip
    if not met:
        _print_profile(_profiled(pack_args, folder / "pack-figure.json", env))


def _profiled(args: list[str], figure: Path, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _PROFILED, str(time.time()), str(figure), *args],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _print_profile(steps: dict[str, float]) -> None:
    print("    where the time goes (one profiled run; the browser starts beside the queries):")
    for name, seconds in steps.items():
        print(f"      {name:48} {seconds:5.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", type=Path, help="an existing store (default: build from $SOCMAP_SHARED_DATA)"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-naive", action="store_true", help="skip the naive pack")
    parser.add_argument(
        "--cli-only", action="store_true", help="only the exports from a new process"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            settings = Settings(db_path=args.db)
        else:
            settings = kent_store(Path(os.environ["SOCMAP_SHARED_DATA"]), Path(tmp))
        bench_cli(settings, Path(tmp), args.repeat)
        if args.cli_only:
            return
        print("map export, county, A4 PDF (median of", args.repeat, "runs)")
        for audience in Audience:
            t = bench_maps(settings, audience, args.repeat)
            print(
                f"  {audience}: cold {t['cold']:.2f} s, warm {t['warm']:.2f} s, "
                f"hot {t['hot']:.2f} s, warm PNG 300 dpi {t['warm_png']:.2f} s; "
                f"target {MAP_TARGET_S:.0f} s: {'met' if t['cold'] < MAP_TARGET_S else 'MISSED'}"
                f"; cold/warm {t['cold'] / t['warm']:.1f}x"
            )
        print("briefing pack, 12 districts and Medway")
        with Renderer() as r:
            kept = [bench_pack(settings, a, r) for a in Audience]
        print(
            f"  kept-open browser: worst {max(kept):.1f} s; target {PACK_TARGET_S:.0f} s: "
            f"{'met' if max(kept) < PACK_TARGET_S else 'MISSED'}"
        )
        if not args.no_naive:
            naive = bench_pack(settings, Audience.PUBLIC, NaiveRenderer())
            print(
                f"  naive (a browser per drawing): {naive:.1f} s; kept-open is "
                f"{naive / kept[0]:.1f}x faster"
            )


if __name__ == "__main__":
    main()
