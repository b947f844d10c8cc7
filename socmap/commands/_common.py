"""Options several commands share, and turning them into typed filters."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from geo.filters import Filters, parse_month


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


def filters_from_args(args: argparse.Namespace) -> Filters:
    return Filters(
        categories=tuple(args.category),
        themes=tuple(args.theme),
        sources=tuple(args.source),
        month_from=parse_month(args.month_from) if args.month_from else None,
        month_to=parse_month(args.month_to) if args.month_to else None,
        district=args.district,
        division=args.division,
    )


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
