"""``socmap hexes``, ``hotspots``, ``emerging``, ``change`` and ``evaluate``: the statistics.

Only the options are defined here. The commands run in ``_stats_hot`` and ``_stats_time``,
imported when one of them is used: they need scipy and pandas, whose import every other
command would otherwise pay for. Methods: docs/statistics.md.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

from geo.settings import Settings
from socmap.commands._common import (
    add_allow_empty_argument,
    add_filter_arguments,
    add_format_argument,
)
from socmap.commands._tables import add_res_argument


def register(sub: argparse._SubParsersAction) -> None:
    _register_hotspots(sub)
    _register_trends(sub)


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace, Settings], int]:
    def handler(args: argparse.Namespace, settings: Settings) -> int:
        run = getattr(importlib.import_module(f"socmap.commands.{module}"), name)
        return run(args, settings)

    return handler


def _register_hotspots(sub: argparse._SubParsersAction) -> None:
    hexes = sub.add_parser(
        "hexes",
        help="incidents per H3 hexagon at a resolution",
        description="Each hexagon's count is the incidents whose point lies in it at that "
        "resolution (never a finer cell's parent); unmapped incidents are in no hexagon. A "
        "thin or partial month in the period is a warning on standard error.",
    )
    add_res_argument(hexes)
    add_filter_arguments(hexes)
    add_format_argument(hexes, ("csv", "json"))
    add_allow_empty_argument(hexes)
    hexes.set_defaults(handler=_lazy("_stats_hot", "run_hexes"))

    hot = sub.add_parser(
        "hotspots",
        help="Getis-Ord Gi* hot and cold spots on the hexagon grid",
        description="Gi* per cell of the area's study region, with an exact randomisation "
        "p-value, its false-discovery-rate adjustment and a class; see docs/statistics.md.",
    )
    add_res_argument(hot)
    add_filter_arguments(hot)
    hot.add_argument(
        "--test",
        choices=("exact", "conditional", "normal"),
        default="exact",
        help="p-values from the exact randomisation test (default), its conditional version "
        "(each cell's own count fixed, as esda and GeoDa), or z's normal approximation (for "
        "comparison only: far too many hot spots on sparse counts)",
    )
    hot.add_argument(
        "--class-by",
        choices=("q", "p"),
        default="q",
        help="which p-value sets the class (default q, adjusted for the false discovery rate)",
    )
    hot.add_argument(
        "--all",
        action="store_true",
        help="list every cell of the study region (default: significant cells only)",
    )
    add_format_argument(hot, ("csv", "json"))
    add_allow_empty_argument(hot)
    hot.set_defaults(handler=_lazy("_stats_hot", "run_hotspots"))


def _register_trends(sub: argparse._SubParsersAction) -> None:
    em = sub.add_parser(
        "emerging",
        help="emerging hot spot analysis (ArcGIS Pro's categories) by month",
        description="Gi* for every month of the cube, each cell's Mann-Kendall trend, and "
        "ArcGIS Pro's categories. ArcGIS asks for at least 10 months; with fewer, or with a "
        "thin month in the cube (far fewer records than usual: cold patterns may be the "
        "data), the warnings say so; see docs/statistics.md.",
    )
    _common(em)
    em.add_argument("--alpha", type=float, default=0.10, help="FDR level of a hot month (0.10)")
    em.add_argument("--trend-alpha", type=float, default=0.05, help="trend level (0.05)")
    em.add_argument(
        "--steps-back",
        type=int,
        default=1,
        help="months before each month in its neighbourhood (ArcGIS's neighborhood time "
        "step; default 1)",
    )
    em.add_argument(
        "--global-window",
        choices=("cube", "month"),
        default="cube",
        help="compare each month with the whole cube (default) or with the months its "
        "neighbourhood reaches",
    )
    em.add_argument(
        "--test",
        choices=("exact", "conditional", "normal"),
        default="exact",
        help="significant months from the exact randomisation test (default), its conditional "
        "version, or z's normal approximation (for comparison only)",
    )
    em.add_argument("--all", action="store_true", help="include cells with no pattern")
    em.set_defaults(handler=_lazy("_stats_time", "run_emerging"))

    ch = sub.add_parser(
        "change",
        help="a period against the previous period of the same length: rates per day, exact tests",
        description="Without --from/--to, the last loaded month against the one before. "
        "Counts are compared as rates per day over each period's days with data. Across a "
        "thin month (far fewer records than usual) no change is tested: p, q, the interval "
        "and significant are empty.",
    )
    _common(ch)
    ch.add_argument(
        "--by",
        choices=("area", "cell"),
        default="area",
        help="a row per area (the county, each district and division; default) or per hexagon",
    )
    ch.add_argument("--alpha", type=float, default=0.05, help="FDR level (0.05)")
    ch.set_defaults(handler=_lazy("_stats_time", "run_change"))

    ev = sub.add_parser(
        "evaluate",
        help="rolling backtest: hit rate, PAI, PEI, RRI per method",
        description="Each method ranks hexagons on --train-months months and is scored on "
        "the month after, month by month; at least --train-months + 1 months must be loaded.",
    )
    _common(ev)
    ev.add_argument("--train-months", type=int, default=3, help="training months k (3)")
    ev.add_argument("--coverage", type=float, default=0.03, help="share of the area (0.03)")
    ev.add_argument("--bandwidth", type=int, default=2, help="kernel bandwidth in rings (2)")
    ev.add_argument("--seed", type=int, default=0, help="random seed for ties (0)")
    ev.add_argument("--folds", action="store_true", help="one row per test month and method")
    ev.set_defaults(handler=_lazy("_stats_time", "run_evaluate"))


def _common(parser: argparse.ArgumentParser) -> None:
    add_res_argument(parser)
    add_filter_arguments(parser)
    add_format_argument(parser, ("csv", "json"))
    add_allow_empty_argument(parser)
