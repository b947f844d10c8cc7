"""Options several commands share, and turning them into typed filters."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from typing import Any

from geo.errors import NoDataError, ValidationError
from geo.filters import Filters, month_str, parse_month
from geo.store import Coverage, PeriodCoverage, Store, describe, read_coverage
from geo.store.queries.areas import areas
from geo.store.queries.coverage import distinct_values
from geo.themes import ThemeMap


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--category",
        action="append",
        default=[],
        metavar="C",
        help="a stored category, e.g. 'Possession of weapons' (repeatable)",
    )
    parser.add_argument(
        "--theme",
        action="append",
        default=[],
        metavar="T",
        help="a SOC theme: knife_crime, county_lines, modern_slavery, port_events (repeatable)",
    )
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="S",
        help="a source, e.g. police-uk or synthetic-demo (repeatable)",
    )
    parser.add_argument(
        "--from", dest="month_from", metavar="YYYY-MM", help="first month (inclusive)"
    )
    parser.add_argument("--to", dest="month_to", metavar="YYYY-MM", help="last month (inclusive)")
    area = parser.add_mutually_exclusive_group()
    area.add_argument("--district", metavar="CODE", help="a district's ONS code")
    area.add_argument("--division", metavar="CODE", help="an electoral division's ONS code")


def filters_from_args(args: argparse.Namespace, store: Store | None = None) -> Filters:
    """The filters the options give; checked against ``store`` when given (see
    :func:`check_filter_values`)."""
    filters = Filters(
        categories=tuple(args.category),
        themes=tuple(args.theme),
        sources=tuple(args.source),
        month_from=parse_month(args.month_from) if args.month_from else None,
        month_to=parse_month(args.month_to) if args.month_to else None,
        district=args.district,
        division=args.division,
    )
    if store is not None:
        check_filter_values(store, filters)
    return filters


def check_filter_values(store: Store, filters: Filters) -> None:
    """Name what the store does not know. An area that is not loaded is an error (a map of
    the wrong area, or of nothing, would answer a question nobody asked); a category or source
    with no incidents is a warning: the empty answer is right, but probably a typo. (An
    unknown theme is already an error: themes are a fixed list.)"""
    if not store.exists():
        return
    level, code = filters.area
    if code is not None:
        known = {a.code: a.name for a in areas(store, level)}
        if not known:
            raise ValidationError(
                f"{level} {code}: no {level} boundaries are loaded "
                "(load them with 'socmap boundaries fetch')"
            )
        if code not in known:
            near = difflib.get_close_matches(code, list(known), n=1)
            hint = f" (did you mean {near[0]}, {known[near[0]]}?)" if near else ""
            raise ValidationError(f"unknown {level} {code}: no such {level} is loaded{hint}")
    for label, values in (("category", filters.categories), ("source", filters.sources)):
        if values:
            _warn_unknown(store, label, values)


def _warn_unknown(store: Store, label: str, values: tuple[str, ...]) -> None:
    stored = distinct_values(store, label)
    by_lower = {v.lower(): v for v in stored}
    for value in values:
        if value in stored:
            continue
        near = [by_lower[value.lower()]] if value.lower() in by_lower else []
        near = near or difflib.get_close_matches(value, stored, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        print(f"socmap: warning: no incidents have {label} {value!r}{hint}", file=sys.stderr)


def add_allow_empty_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-empty",
        action="store_true",
        help="when no data is loaded for the filters, write a result labelled 'no data "
        "loaded' and exit 0 (default: exit 4 naming the months that are loaded)",
    )


def require_data(
    store: Store,
    filters: Filters,
    themes: ThemeMap,
    *,
    allow_empty: bool,
    name: str = "",
    coverage: Coverage | None = None,
    warn_thin: bool = True,
) -> PeriodCoverage:
    """The coverage of ``filters``: with no data loaded for them, exit 4 (``NoDataError``)
    with one line naming the months that are loaded, or with ``allow_empty`` a note; a
    partial period, a thin month in it (``warn_thin``: a statistic that says so itself
    passes False), or a theme no source can report, is a warning on standard error.
    ``name``: what the period is ("the previous period")."""
    coverage = coverage or read_coverage(store)
    cov = coverage.period(filters, themes)
    if cov.empty:
        line = no_data_line(coverage, cov, filters, themes, name)
        if not allow_empty:
            raise NoDataError(line)
        print(f"socmap: note: {line}; the result is empty (--allow-empty)", file=sys.stderr)
        return cov
    if cov.partial:
        print(f"socmap: warning: {cov.message()}", file=sys.stderr)
    thin = coverage.thin_in([cov]) if warn_thin else ()
    if thin:
        months = "; ".join(t.text for t in thin)
        print(
            f"socmap: warning: thin {'month' if len(thin) == 1 else 'months'}: {months}. "
            "Months are often incomplete when first published: a count for such a month may "
            "be low because records are missing, not because there was less crime",
            file=sys.stderr,
        )
    for theme in cov.uncovered:
        print(
            f"socmap: warning: no data for {themes.theme(theme).label.lower()}: no loaded "
            "source can report it (not a count of 0)",
            file=sys.stderr,
        )
    return cov


def no_data_line(
    coverage: Coverage, cov: PeriodCoverage, filters: Filters, themes: ThemeMap, name: str = ""
) -> str:
    """One line: what has no data, and the months that are loaded."""
    what = describe(filters, themes) if filters.categories or filters.themes else "any data"
    if filters.sources:
        what += f" from {', '.join(filters.sources)}"
    loaded = coverage.loaded_text(cov.sources or None)
    if not cov.sources:
        return f"no loaded source can report {what} (data loaded: {coverage.loaded_text()})"
    span = (
        f"{month_str(cov.first)}" + (f" to {month_str(cov.last)}" if cov.last != cov.first else "")
        if cov.first
        else "any month"
    )
    period = f"{name} ({span})" if name else span
    for_what = f" for {what}" if filters.categories or filters.themes or filters.sources else ""
    return f"no data loaded for {period}{for_what} (data loaded: {loaded})"


def add_format_argument(parser: argparse.ArgumentParser, choices=("text", "json")) -> None:
    parser.add_argument(
        "--format",
        choices=choices,
        default=choices[0],
        help=f"output format (default {choices[0]})",
    )


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
