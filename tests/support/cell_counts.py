"""The reference for the pre-aggregated hexagon counts: the same query functions on a copy of
the store whose count tables are views counting the incidents one by one (n = 1 a row)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

import geo.store.queries._run as run
from geo.filters import Filters
from geo.grid import CELL_COLUMNS, RESOLUTIONS
from geo.store import Store
from geo.store._counts import KEYS, counts_table
from geo.store.queries import counts as q
from geo.themes import load_themes

THEMES = load_themes()


def reference_copy(path: Path, folder: Path) -> Path:
    """A copy whose count tables are views counting the incidents one by one."""
    ref = folder / f"reference-{path.stem}.duckdb"
    shutil.copyfile(path, ref)
    con = duckdb.connect(str(ref))
    for res in RESOLUTIONS:
        table, column = counts_table(res), CELL_COLUMNS[RESOLUTIONS.index(res)]
        con.execute(f"DROP TABLE {table}")
        con.execute(
            f"CREATE VIEW {table} AS SELECT {', '.join(KEYS)}, {column} AS cell, 1::BIGINT AS n "
            "FROM incidents"
        )
    con.close()
    return ref


def every_answer(store: Store, f: Filters, res: int) -> dict[str, object]:
    """Every count query's answer for ``f`` at ``res``, in a comparable form."""
    run.clear_cache()
    whole = Filters(
        categories=f.categories, themes=f.themes, sources=f.sources, month_from=f.month_from,
        month_to=f.month_to, exclude_categories=f.exclude_categories,
    )  # fmt: skip
    answers = {
        "hex": sorted(q.hex_counts(store, f, res, THEMES).to_pylist(), key=str),
        "cell_month": q.cell_month_counts(store, f, res, THEMES).to_pylist(),
        "total": q.filtered_total(store, f, THEMES),
        "pieces": sorted(q.piece_counts(store, f, THEMES, res), key=str),
        "outside": q.outside_count(store, whole, THEMES, res=res),
        "breakdown": sorted(q.breakdown(store, f, THEMES), key=str),
    }
    for depth in q.DEPTHS:
        answers[f"located {depth}"] = sorted(
            q.located_counts(store, f, THEMES, res=res, depth=depth), key=str
        )
    for level in q.AREA_LEVELS:
        answers[f"areas {level}"] = q.area_counts(store, f, THEMES, level)
    return answers
