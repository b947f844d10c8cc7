"""Running ``socmap emerging``, ``change`` and ``evaluate``.

The options are in :mod:`socmap.commands.stats`.
"""

from __future__ import annotations

import argparse

from geo.errors import NoDataError
from geo.filters import month_str
from geo.settings import Settings
from geo.stats import (
    CATEGORY_LABELS,
    METRICS,
    NO_PATTERN,
    STAT_COLUMNS,
    backtest,
    compare_periods,
    emerging_hotspots,
)
from geo.store import open_store, read_coverage, untested_reason
from geo.themes import load_themes
from socmap.cli import EXIT_OK
from socmap.commands._common import filters_from_args, require_data
from socmap.commands._tables import (
    filters_dict,
    print_notes,
    records,
    write_csv,
    write_empty,
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
    store = open_store(settings)
    filters = filters_from_args(args, store)
    themes = load_themes(settings.themes_file)
    cov = require_data(store, filters, themes, allow_empty=args.allow_empty)
    if cov.empty:
        return write_empty(args, filters, _EMERGING_COLUMNS, {"cell_hex": "cell"}, cov)
    result = emerging_hotspots(
        store,
        filters,
        args.res,
        themes,
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
    store = open_store(settings)
    filters = filters_from_args(args, store)
    themes = load_themes(settings.themes_file)
    coverage = read_coverage(store)
    if filters.month_from is None and filters.month_to is None:
        # The last month with data from a source that can report what was asked.
        loaded = coverage.period(filters, themes).covered
        if loaded:
            filters = filters.with_period(loaded[-1], loaded[-1])
    elif filters.month_from is None or filters.month_to is None:
        month = filters.month_from or filters.month_to
        filters = filters.with_period(month, month)
    key = ["cell_hex"] if args.by == "cell" else ["level", "code", "name"]
    columns = [*key, *STAT_COLUMNS]
    now = require_data(
        store, filters, themes, allow_empty=args.allow_empty, coverage=coverage, warn_thin=False
    )  # the change's own notes name its thin months
    if now.empty or filters.month_from is None:
        return write_empty(args, filters, columns, {"cell_hex": "cell"}, now)
    before = require_data(
        store,
        filters.previous_period(),
        themes,
        allow_empty=args.allow_empty,
        name="the previous period",
        coverage=coverage,
        warn_thin=False,
    )
    if before.empty:
        return write_empty(args, filters, columns, {"cell_hex": "cell"}, before)
    result = compare_periods(store, filters, args.res, themes, alpha=args.alpha, coverage=coverage)
    print_notes(result.notes)
    frame = result.cells if args.by == "cell" else result.areas
    if result.thin:  # not tested: neither significant nor "not significant" (empty, null)
        frame = frame.assign(significant=None)
    if args.format == "json":
        write_json(
            {
                "resolution": args.res,
                "filters": filters_dict(filters),
                "period": [month_str(m) for m in result.period],
                "previous_period": [month_str(m) for m in result.previous_period],
                "days": result.coverage.days,
                "previous_days": result.previous_coverage.days,
                "status": result.coverage.status,
                "previous_status": result.previous_coverage.status,
                "alpha": result.alpha,
                "untested": untested_reason(result.thin) or None,
                "notes": list(result.notes),
                "rows": records(frame, columns),
            }
        )
    else:
        write_csv(frame, columns, {"cell_hex": "cell"})
    return EXIT_OK


def run_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings)
    filters = filters_from_args(args, store)
    themes = load_themes(settings.themes_file)
    cov = require_data(store, filters, themes, allow_empty=args.allow_empty)
    if cov.empty:
        return write_empty(args, filters, ["method", *METRICS], {}, cov)
    result = backtest(
        store,
        filters,
        args.res,
        themes,
        train_months=args.train_months,
        coverage=args.coverage,
        bandwidth=args.bandwidth,
        seed=args.seed,
    )
    if result.folds.empty and not args.allow_empty:
        # Too few months for one fold: nothing was evaluated, which a script must not read
        # as success (an empty statistic exits 4 the same way).
        why = next((n for n in result.notes if "a backtest needs" in n), "no fold to evaluate")
        raise NoDataError(
            f"{why} (--train-months {args.train_months}); --allow-empty writes the empty result"
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
