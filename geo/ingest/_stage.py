"""The shape every format is validated into before it reaches the store.

A format reader turns its rows into a *validated chunk*: an Arrow table with exactly
:data:`CANONICAL` columns, where ``reason`` is NULL for a good row and a one-line problem for a
bad one. Everything after that (H3 cells, placement, duplicates, replacement, accounting) is
shared by every format in :mod:`geo.ingest._load`.
"""

from __future__ import annotations

from collections.abc import Iterable

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

# Columns copied from a staged row into the incidents table (uid, cells and places are added).
STORED = [c for c in CANONICAL if c not in {"row_number", "reason", "raw"}]


def select_canonical(exprs: dict[str, str]) -> str:
    """A SELECT list with every canonical column: given expressions, NULL for the rest."""
    _require_canonical(exprs)
    return select_columns({name: exprs.get(name, "NULL") for name in CANONICAL})


def select_columns(exprs: dict[str, str]) -> str:
    """A SELECT list of just the given canonical columns, each cast to its canonical type
    (the rest are added in Arrow by :func:`canonical_table`)."""
    _require_canonical(exprs)
    return ",\n       ".join(f"CAST({e} AS {CANONICAL[n]}) AS {n}" for n, e in exprs.items())


def _require_canonical(names: Iterable[str]) -> None:
    unknown = set(names) - set(CANONICAL)
    if unknown:
        raise ValueError(f"not canonical columns: {sorted(unknown)}")


# Each canonical DuckDB type as Arrow has it.
ARROW_TYPES = {
    "BIGINT": pa.int64(),
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "DOUBLE": pa.float64(),
}


def canonical_table(columns: dict[str, pa.ChunkedArray | pa.Array], n: int) -> pa.Table:
    """A validated chunk from some canonical columns: the rest are NULL, in canonical order.
    Text columns may be dictionary-encoded; DuckDB reads them as VARCHAR."""
    _require_canonical(columns)
    arrays = [
        columns[name] if name in columns else pa.nulls(n, ARROW_TYPES[sql_type])
        for name, sql_type in CANONICAL.items()
    ]
    return pa.Table.from_arrays(arrays, names=list(CANONICAL))


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
    all-NULL column may have the null type; integers are widened): the one way numbers
    become the arrays of :class:`geo.ingest._points.Points`."""
    return pc.fill_null(column.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False)


def text_values(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A text column as :func:`text_sql` makes it (surrounding spaces removed, NULL when
    empty), computed in Arrow so the strings are not copied: a dictionary column is fixed in
    its dictionary, and a plain column only gains a validity bitmap unless it is padded."""
    return pa.chunked_array([_text_chunk(chunk) for chunk in column.chunks], column.type)


def _text_chunk(chunk: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(chunk.type):
        words = chunk.dictionary
        if _padded(words):
            return _text_chunk(chunk.cast(pa.string())).dictionary_encode()
        empty = pc.equal(words, "").to_numpy(zero_copy_only=False)
        if not empty.any():
            return chunk
        indices = chunk.indices
        blank = pc.fill_null(pc.take(pa.array(empty), indices), True)
        return pa.DictionaryArray.from_arrays(
            pc.if_else(blank, pa.scalar(None, indices.type), indices), words
        )
    if _padded(chunk):
        chunk = pc.utf8_trim(chunk, " ")
    present = pc.fill_null(pc.not_equal(chunk, ""), False)
    if pc.all(present).as_py():
        return chunk
    if chunk.offset == 0 and chunk.null_count == 0:  # the usual case: mark empties as NULL
        validity = present.buffers()[1]
        return pa.Array.from_buffers(chunk.type, len(chunk), [validity, *chunk.buffers()[1:]])
    return pc.if_else(present, chunk, pa.scalar(None, chunk.type))


def _padded(values: pa.Array) -> bool:
    return bool(pc.any(pc.or_(pc.starts_with(values, " "), pc.ends_with(values, " "))).as_py())
