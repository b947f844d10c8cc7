"""Running ``socmap emerging``, ``change`` and ``evaluate``.

The options are in :mod:`socmap.commands.stats`.
"""

from __future__ import annotations

import argparse

from geo.change import STAT_COLUMNS, compare_periods
from geo.emerging import CATEGORY_LABELS, NO_PATTERN, emerging_hotspots
from geo.evaluate import METRICS, backtest
from geo.filters import month_str
from geo.hexes import months_loaded
from geo.settings import Settings
from geo.store import Store
from geo.themes import load_themes
from socmap.cli import EXIT_OK
from socmap.commands._common import filters_from_args
from socmap.commands._tables import (
    filters_dict,
    print_notes,
    records,
    write_csv,
    write_json,
)

_EMERGING_COLUMNS = [
    "cell_hex",
    "count",
    "category",
    "label",
    "hot_months",
    "cold_months",
    "final_z",
    "trend_z",
    "trend_p",
    "count_trend_z",
    "count_trend_p",
    "count_slope",
]


def run_emerging(args: argparse.Namespace, settings: Settings) -> int:
    store = Store(settings.db_path)
    filters = filters_from_args(args, store)
    result = emerging_hotspots(
        store,
        filters,
        args.res,
        load_themes(settings.themes_file),
        alpha=args.alpha,
        trend_alpha=args.trend_alpha,
        global_window=args.global_window,
        steps_back=args.steps_back,
        test=args.test,
    )
    cells = result.cells.assign(label=result.cells["category"].map(CATEGORY_LABELS))
    if not args.all:
        cells = cells[cells["category"] != NO_PATTERN]
    print_notes(result.notes, result.warnings)
    if args.format == "json":
        write_json(
            {
                "resolution": args.res,
                "filters": filters_dict(filters),
                "months": [month_str(m) for m in result.months],
                "alpha": result.alpha,
                "trend_alpha": result.trend_alpha,
                "global_window": result.global_window,
                "steps_back": result.steps_back,
                "test": result.test,
                "categories": result.counts_by_category(),
                "notes": list(result.notes),
                "warnings": list(result.warnings),
                "cells": records(cells, _EMERGING_COLUMNS),
            }
        )
    else:
        write_csv(cells, _EMERGING_COLUMNS, {"cell_hex": "cell"})
    return EXIT_OK


def run_change(args: argparse.Namespace, settings: Settings) -> int:
    store = Store(settings.db_path)
    filters = filters_from_args(args, store)
    if filters.month_from is None and filters.month_to is None:
        loaded = months_loaded(store)
        if loaded:
            filters = filters.with_period(loaded[-1], loaded[-1])
    elif filters.month_from is None or filters.month_to is None:
        month = filters.month_from or filters.month_to
        filters = filters.with_period(month, month)
    themes = load_themes(settings.themes_file)
    result = compare_periods(store, filters, args.res, themes, alpha=args.alpha)
    print_notes(result.notes)
    key = ["cell_hex"] if args.by == "cell" else ["level", "code", "name"]
    frame = result.cells if args.by == "cell" else result.areas
    columns = [*key, *STAT_COLUMNS]
    if args.format == "json":
        write_json(
            {
                "resolution": args.res,
                "filters": filters_dict(filters),
                "period": [month_str(m) for m in result.period],
                "previous_period": [month_str(m) for m in result.previous_period],
                "alpha": result.alpha,
                "notes": list(result.notes),
                "rows": records(frame, columns),
            }
        )
    else:
        write_csv(frame, columns, {"cell_hex": "cell"})
    return EXIT_OK


def run_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    store = Store(settings.db_path)
    filters = filters_from_args(args, store)
    result = backtest(
        store,
        filters,
        args.res,
        load_themes(settings.themes_file),
        train_months=args.train_months,
        coverage=args.coverage,
        bandwidth=args.bandwidth,
        seed=args.seed,
    )
    print_notes(result.notes, result.warnings)
    frame = result.folds if args.folds else result.summary
    columns = list(frame.columns)
    if args.format == "json":
        write_json(
            {
                "resolution": args.res,
                "filters": filters_dict(filters),
                "coverage": result.coverage,
                "train_months": result.train_months,
                "seed": result.seed,
                "metrics": list(METRICS),
                "degenerate": result.degenerate(),
                "notes": list(result.notes),
                "warnings": list(result.warnings),
                "summary": records(result.summary, list(result.summary.columns)),
                "folds": records(result.folds, list(result.folds.columns)),
            }
        )
    else:
        write_csv(frame, columns, {})
    return EXIT_OK
