"""Options several commands share, and turning them into typed filters."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from typing import Any

from geo.errors import ValidationError
from geo.filters import Filters, parse_month
from geo.store import Store


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
        rows = store.fetch_rows("SELECT code, name FROM areas WHERE level = ?", [level])
        known = dict(rows)
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
    # The column is one of two fixed names chosen above, never user input.
    column = {"category": "category", "source": "source"}[label]
    stored = [v for (v,) in store.fetch_rows(f"SELECT DISTINCT {column} FROM incidents")]
    by_lower = {v.lower(): v for v in stored}
    for value in values:
        if value in stored:
            continue
        near = [by_lower[value.lower()]] if value.lower() in by_lower else []
        near = near or difflib.get_close_matches(value, stored, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        print(f"socmap: warning: no incidents have {label} {value!r}{hint}", file=sys.stderr)


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
