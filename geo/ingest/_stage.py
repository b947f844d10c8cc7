"""The shape every format is validated into before it reaches the store.

A format reader turns its rows into a *validated chunk*: an Arrow table with exactly
:data:`CANONICAL` columns, where ``reason`` is NULL for a good row and a one-line problem for a
bad one. Everything after that (H3 cells, placement, duplicates, replacement, accounting) is
shared by every format in :mod:`geo.ingest._load`.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# name -> DuckDB type, in table order.
CANONICAL: dict[str, str] = {
    "row_number": "BIGINT",
    "reason": "VARCHAR",
    "raw": "VARCHAR",
    "source": "VARCHAR",
    "incident_id": "VARCHAR",
    "category": "VARCHAR",
    "subcategory": "VARCHAR",
    "date": "DATE",
    "month": "DATE",
    "latitude": "DOUBLE",
    "longitude": "DOUBLE",
    "location": "VARCHAR",
    "lsoa_code": "VARCHAR",
    "lsoa_name": "VARCHAR",
    "outcome": "VARCHAR",
    "reported_by": "VARCHAR",
    "origin": "VARCHAR",
    "origin_code": "VARCHAR",
    "origin_latitude": "DOUBLE",
    "origin_longitude": "DOUBLE",
    "destination": "VARCHAR",
    "line_name": "VARCHAR",
    "port": "VARCHAR",
    "attributes": "VARCHAR",
}

# Columns copied from a staged row into the incidents table (uid, cell and places are added).
STORED = [c for c in CANONICAL if c not in {"row_number", "reason", "raw"}]


def select_canonical(exprs: dict[str, str]) -> str:
    """A SELECT list with every canonical column: given expressions, NULL for the rest."""
    unknown = set(exprs) - set(CANONICAL)
    if unknown:
        raise ValueError(f"not canonical columns: {sorted(unknown)}")
    parts = []
    for name, sql_type in CANONICAL.items():
        expr = exprs.get(name, "NULL")
        parts.append(f"CAST({expr} AS {sql_type}) AS {name}")
    return ",\n       ".join(parts)


def csv_quote_sql(column: str) -> str:
    """SQL rebuilding one CSV field as it would be written (quoted when it needs to be)."""
    return (
        f"CASE WHEN {column} SIMILAR TO '.*[,\"\\n\\r].*' "
        f"THEN '\"' || replace({column}, '\"', '\"\"') || '\"' ELSE {column} END"
    )


def raw_row_sql(columns: list[str]) -> str:
    """SQL rebuilding a whole CSV row from its string columns, for the quarantine."""
    return " || ',' || ".join(csv_quote_sql(f'"{c}"') for c in columns)


def text_sql(column: str) -> str:
    """A text field with surrounding spaces removed, NULL when empty.

    Trimming allocates a new string, so only padded values are trimmed: on a million rows
    that halves the cost of validation.
    """
    return (
        f"NULLIF(CASE WHEN starts_with({column}, ' ') OR ends_with({column}, ' ') "
        f"THEN trim({column}) ELSE {column} END, '')"
    )


def float_values(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A numeric column as ``float64`` with NULL as NaN, whatever its Arrow type (an
    all-NULL column may have the null type; integers are widened): the one way every
    format turns coordinates into numbers for H3 and placement."""
    return pc.fill_null(column.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False)
