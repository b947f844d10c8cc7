"""``socmap rates``, ``deprivation``, ``registers load|list|remove`` and ``proximity``: rates
per 1,000 residents, incidents by deprivation, and incidents near vulnerable places
(docs/rates.md).

Only the options are defined here; the commands run in :mod:`socmap.commands._rates_run`,
imported when one of them is used (they need scipy, pandas and pyproj).
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from pathlib import Path

from geo.settings import Settings
from socmap.commands._common import (
    add_allow_empty_argument,
    add_filter_arguments,
    add_format_argument,
)


def register(sub: argparse._SubParsersAction) -> None:
    _register_rates(sub)
    _register_deprivation(sub)
    _register_registers(sub)
    _register_proximity(sub)


def _lazy(name: str) -> Callable[[argparse.Namespace, Settings], int]:
    def handler(args: argparse.Namespace, settings: Settings) -> int:
        return getattr(importlib.import_module("socmap.commands._rates_run"), name)(args, settings)

    return handler


def _add_population(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ages",
        metavar="FROM-TO|all",
        help="residents of these ages as the denominator, e.g. 10-24 or 65- (default: the "
        "theme's rate_ages in the themes file when one theme is chosen, else all ages)",
    )
    parser.add_argument(
        "--year",
        type=int,
        help="population mid-year (default: the loaded year nearest the period)",
    )
    parser.add_argument(
        "--public",
        action="store_true",
        help="the Part 1 (public) figures: the published period block and theme, counts "
        "suppressed, rates only where the count is published",
    )


def _register_rates(sub: argparse._SubParsersAction) -> None:
    rates = sub.add_parser(
        "rates",
        help="incidents per 1,000 residents by district, division or LSOA, with relative risk",
        description="Rates per 1,000 residents (population year printed), exact 95% "
        "intervals, relative risk against Kent and Medway with an exact Poisson test "
        "(Benjamini-Hochberg within the level), and optionally empirical-Bayes smoothed "
        "rates; see docs/rates.md.",
    )
    rates.add_argument("--level", required=True, choices=("district", "division", "lsoa"))
    add_filter_arguments(rates)
    _add_population(rates)
    rates.add_argument("--smooth", action="store_true", help="add empirical-Bayes rates")
    rates.add_argument("--alpha", type=float, default=0.05, help="FDR level (0.05)")
    add_format_argument(rates, ("csv", "json"))
    add_allow_empty_argument(rates)
    rates.set_defaults(handler=_lazy("run_rates"))


def _register_deprivation(sub: argparse._SubParsersAction) -> None:
    dep = sub.add_parser(
        "deprivation",
        help="incidents and rates by IMD decile, shares in the most deprived 10%% and 20%%, "
        "concentration index",
        description="For the county, or a district (--district): incidents by England's IMD "
        "2019 deciles, their shares and rates per 1,000, and the concentration curve's index; "
        "see docs/rates.md.",
    )
    add_filter_arguments(dep)
    _add_population(dep)
    add_format_argument(dep, ("text", "csv", "json"))
    add_allow_empty_argument(dep)
    dep.set_defaults(handler=_lazy("run_deprivation"))


def _register_registers(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser(
        "registers", help="registers of vulnerable places: DfE schools (GIAS), CQC care locations"
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    load = actions.add_parser(
        "load",
        help="load a register file, replacing the one loaded",
        description="schools: a DfE GIAS 'all establishment data' CSV; care: CQC's care "
        "directory with filters (HSCA Active Locations) saved as CSV. Every row is loaded, "
        "or kept with its reason (rows of places beyond Kent and Medway are counted as "
        "outside). The same file again changes nothing.",
    )
    load.add_argument("register", choices=("schools", "care"))
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--encoding", default="utf-8", help="text encoding (default utf-8)")
    load.add_argument("--vintage", help="the extract's date (default: from the file name)")
    load.add_argument("--force", action="store_true", help="load even if already loaded")
    add_format_argument(load)
    load.set_defaults(handler=_lazy("run_registers_load"))

    listing = actions.add_parser("list", help="the registers loaded, with their accounting")
    listing.add_argument(
        "--problems", action="store_true", help="also list the rows not loaded, with reasons"
    )
    add_format_argument(listing)
    listing.set_defaults(handler=_lazy("run_registers_list"))

    remove = actions.add_parser("remove", help="remove a loaded register")
    remove.add_argument("register", choices=("schools", "care"))
    remove.set_defaults(handler=_lazy("run_registers_remove"))


def _register_proximity(sub: argparse._SubParsersAction) -> None:
    near = sub.add_parser(
        "proximity",
        help="incidents within a distance of each school or care location, ranked (Part 2)",
        description="For each place of the loaded registers in the area, open during the "
        "period: the incidents of the filters within --within metres, the nearest one, and "
        "the Gi* hot spot holding the place; see docs/rates.md.",
    )
    near.add_argument("--within", type=float, required=True, metavar="METRES")
    add_filter_arguments(near)
    near.add_argument(
        "--register", action="append", default=[], choices=("schools", "care"), dest="registers"
    )
    near.add_argument("--method", choices=("bng", "geodesic"), default="bng")
    near.add_argument(
        "--res", type=int, default=8, help="H3 resolution of the hot spots (default 8)"
    )
    near.add_argument("--no-hotspots", action="store_true", help="skip the Gi* hot spots")
    near.add_argument("--limit", type=int, help="the first N places only")
    add_format_argument(near, ("csv", "json"))
    add_allow_empty_argument(near)
    near.set_defaults(handler=_lazy("run_proximity"))
