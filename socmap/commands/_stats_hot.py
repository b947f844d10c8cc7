"""Running ``socmap hexes`` and ``socmap hotspots`` (options in :mod:`socmap.commands.stats`)."""

from __future__ import annotations

import argparse

import pandas as pd

from geo.areas import PLACE_COLUMNS, cells_to_places, place_label
from geo.settings import Settings
from geo.stats import COLUMNS, find_hotspots
from geo.store import Store
from geo.store.queries.counts import hex_counts
from geo.themes import load_themes
from socmap.cli import EXIT_OK
from socmap.commands._common import filters_from_args, require_data
from socmap.commands._tables import (
    filters_dict,
    json_value,
    print_notes,
    records,
    write_csv,
    write_empty,
    write_json,
)

_HOT_COLUMNS = [c for c in COLUMNS if c != "cell"]
_PLACE_OUT = ["place_label", *PLACE_COLUMNS[1:]]
# "place" is the one-line label a reader wants; the modal police.uk location is "location".
_RENAME = {"cell_hex": "cell", "place_label": "place", "place": "location"}


def run_hexes(args: argparse.Namespace, settings: Settings) -> int:
    store = Store(settings.db_path)
    filters = filters_from_args(args, store)
    themes = load_themes(settings.themes_file)
    cov = require_data(store, filters, themes, allow_empty=args.allow_empty)
    frame = hex_counts(store, filters, args.res, themes).to_pandas()
    frame = frame.sort_values(["count", "cell"], ascending=[False, True], ignore_index=True)
    if args.format == "json":
        write_json(
            {
                "resolution": args.res,
                "filters": filters_dict(filters),
                "status": cov.status,
                "notes": [cov.message()] if cov.status != "complete" else [],
                "total": None if cov.empty else int(frame["count"].sum()),
                "cells": records(frame, ["cell_hex", "count"]),
            }
        )
    else:
        write_csv(frame, ["cell_hex", "count"], {"cell_hex": "cell"})
    return EXIT_OK


def run_hotspots(args: argparse.Namespace, settings: Settings) -> int:
    store = Store(settings.db_path)
    filters = filters_from_args(args, store)
    themes = load_themes(settings.themes_file)
    cov = require_data(store, filters, themes, allow_empty=args.allow_empty)
    if cov.empty:
        # No data: no cell is "not significant" (that would read as a finding).
        return write_empty(args, filters, [*_HOT_COLUMNS, *_PLACE_OUT], _RENAME, cov)
    result = find_hotspots(
        store,
        filters,
        args.res,
        themes,
        test=args.test,
        class_by=args.class_by,
    )
    cells = result.cells if args.all else result.cells[result.cells["class"] != "not_significant"]
    cells = _with_places(store, cells, args.res)
    print_notes(result.notes, result.warnings)
    columns = [*_HOT_COLUMNS, *_PLACE_OUT]
    if args.format == "json":
        write_json(
            {
                "resolution": args.res,
                "filters": filters_dict(filters),
                "test": result.test,
                "class_by": result.class_by,
                "total": result.total,
                "region_cells": len(result.cells),
                "classes": result.counts_by_class(),
                "mean_count": json_value(result.mean_count),
                "expected_neighbourhood": json_value(result.expected_neighbourhood),
                "sparse": result.sparse,
                "notes": list(result.notes),
                "warnings": list(result.warnings),
                "cells": records(cells, columns, _RENAME),
            }
        )
    else:
        write_csv(cells, columns, _RENAME)
    return EXIT_OK


def _with_places(store: Store, cells: pd.DataFrame, res: int) -> pd.DataFrame:
    """Names for the significant cells (hot and cold); other rows get empty place fields."""
    significant = cells[cells["class"] != "not_significant"]["cell"].to_numpy()
    places = cells_to_places(store, significant, res)
    places["place_label"] = [place_label(row) for _, row in places.iterrows()]
    return cells.merge(places, on="cell", how="left")
