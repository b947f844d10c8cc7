"""Export benchmark: one map (cold and warm) and the full briefing pack (12 districts and
Medway) on the real Kent data.

* cold map: a new headless browser and a new app context (nothing cached), county map, PDF;
* warm map: the browser kept open, a new app context (the data is read again);
* hot map: the browser and the context's cache both warm (a second download of one view);
* briefing pack: a new context with the browser kept open, then the same with a naive
  renderer that starts a browser for every drawing (what a one-shot image call per figure,
  such as kaleido's ``write_fig_sync``, costs), run in the same process for the ratio.

    SOCMAP_SHARED_DATA=../shared/data .venv/bin/python benchmarks/export_bench.py
    .venv/bin/python benchmarks/export_bench.py --db data/socmap.duckdb [--no-naive]

Targets (issue 6): a map in under 3 s, the pack in under 60 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from dashboard.export import Renderer, export_briefing, export_map
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from geo.disclosure import Audience
from geo.settings import Settings
from geo.store import Store

MAP_TARGET_S = 3.0
PACK_TARGET_S = 60.0


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", type=Path, help="an existing store (default: build from $SOCMAP_SHARED_DATA)"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-naive", action="store_true", help="skip the naive pack")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            settings = Settings(db_path=args.db)
        else:
            settings = kent_store(Path(os.environ["SOCMAP_SHARED_DATA"]), Path(tmp))
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
