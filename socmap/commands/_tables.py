"""The statistics commands' shared parts: the resolution option, and writing tables as CSV
(safe in a spreadsheet) or JSON with what was asked.

Notes that qualify a result (a missing boundary, too few months) go to standard error, so
standard output stays a clean table for a pipe or a file.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import math
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from geo.filters import Filters, month_str
from geo.grid import FINE_RES, MIN_RES
from socmap.commands._common import print_json

if TYPE_CHECKING:  # pandas is slow to import; only the statistics commands need it
    import pandas as pd


def add_res_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--res",
        type=int,
        required=True,
        choices=range(MIN_RES, FINE_RES + 1),
        metavar="R",
        help=f"H3 resolution, {MIN_RES} (large hexagons) to {FINE_RES} (small)",
    )


def filters_dict(filters: Filters) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(filters):
        value = getattr(filters, f.name)
        if isinstance(value, date):
            value = month_str(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def records(
    frame: pd.DataFrame, columns: Sequence[str], rename: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Rows as plain JSON values (NaN and infinity become None), keys renamed as in the CSV
    (``cell`` is always the hex id)."""
    rename = {"cell_hex": "cell", **(rename or {})}
    rows = frame[list(columns)].astype(object).to_dict(orient="records")
    return [{rename.get(k, k): _plain(v) for k, v in row.items()} for row in rows]


def write_csv(frame: pd.DataFrame, columns: Sequence[str], rename: dict[str, str]) -> None:
    """``columns`` of ``frame`` as CSV on stdout, headed by their ``rename`` names."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([rename.get(c, c) for c in columns])
    for row in frame[list(columns)].itertuples(index=False):
        writer.writerow([_cell(v) for v in row])


def write_json(payload: dict[str, Any]) -> None:
    print_json(payload)


def write_empty(args, filters: Filters, columns: Sequence[str], rename: dict[str, str], cov) -> int:
    """The result of a statistic with no data loaded for its filters (``--allow-empty``):
    a CSV header and no rows, or JSON saying "no data loaded" with no rows; exit 0."""
    if args.format == "json":
        write_json(
            {
                "resolution": getattr(args, "res", None),
                "filters": filters_dict(filters),
                "status": "no data loaded",
                "notes": [cov.message()],
                "rows": [],
            }
        )
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([rename.get(c, c) for c in columns])
    return 0


def print_notes(notes: Iterable[str], warnings: Iterable[str] = ()) -> None:
    """Notes to standard error; those among ``warnings`` (the result may mislead) as such."""
    warnings = set(warnings)
    for note in notes:
        kind = "warning" if note in warnings else "note"
        print(f"socmap: {kind}: {note}", file=sys.stderr)


def json_value(value: Any) -> Any:
    """A plain JSON value: numpy scalars unwrapped, NaN and infinity as None."""
    return _plain(value)


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    # A cell starting with one of these runs as a formula in a spreadsheet (CSV injection);
    # place names come from data files, so guard them.
    if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and not _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
