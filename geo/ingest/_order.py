"""The order a batch's rows are written in: by category, then month, then H3 cell.

DuckDB keeps min/max statistics per row group, so a hexagon count filtered by category or
month skips the row groups that cannot match (:mod:`geo.store.queries.counts`;
``benchmarks/hex_query_bench.py`` measures it). Order never changes a result, only how
tightly the rows are packed.

The rows are put in that order here, in Arrow, rather than by an ``ORDER BY`` on the insert:
DuckDB's sort moves every column through its row format (``benchmarks/ingest_bench.py``
gives the cost), while the permutation is a sort of one packed integer key and the
low-cardinality text columns arrive dictionary-encoded, so reordering them moves 4-byte
codes, not strings (and other text moves as string views).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# The packed key: category rank in the top 12 bits, month (days since 1970, which holds any
# date from 1970 to 4840) in the next 20, and the cell's top 32 bits (its base cell and
# coarsest digits) below. Batches with more categories fall back to an exact three-key sort.
_CATEGORY_BITS = 12
_MONTH_BITS = 20
_MONTH_MASK = (1 << _MONTH_BITS) - 1


def in_storage_order(table: pa.Table) -> pa.Table:
    """``table`` reordered by (category, month, cell), every column reordered together."""
    if table.num_rows < 2:
        return table
    order = pa.array(storage_order(table))
    with ThreadPoolExecutor(max_workers=2) as pool:  # take releases the GIL: one per core
        columns = list(pool.map(lambda column: _take(column, order), table.columns))
    return pa.Table.from_arrays(columns, schema=table.schema)


def storage_order(table: pa.Table) -> np.ndarray:
    """The permutation that sorts ``table`` by (category, month, cell); nulls sort last."""
    category = _category_ranks(table["category"])
    month = _int_values(table["month"].cast(pa.int32()), np.iinfo(np.int32).max)
    # A missing cell sorts last as the largest uint64: no H3 index sets bit 63.
    cell = _int_values(table["cell"], np.iinfo(np.uint64).max).astype(np.uint64)
    days = month.astype(np.int64)
    if category.max(initial=0) < (1 << _CATEGORY_BITS) and days.min(initial=0) >= 0:
        days = np.minimum(days, _MONTH_MASK).astype(np.uint64)
        key = (category.astype(np.uint64) << np.uint64(64 - _CATEGORY_BITS)) | (
            days << np.uint64(32)
        )
        key |= cell >> np.uint64(32)
        return np.argsort(key, kind="stable")
    return np.lexsort((cell, days, category))


def _category_ranks(column: pa.ChunkedArray) -> np.ndarray:
    """Each row's category as its rank in byte order (how DuckDB orders text); null last."""
    encoded = pc.dictionary_encode(column)
    encoded = encoded.combine_chunks() if isinstance(encoded, pa.ChunkedArray) else encoded
    names = encoded.dictionary.to_pylist()
    rank = np.empty(len(names) + 1, dtype=np.int64)
    rank[sorted(range(len(names)), key=lambda i: names[i].encode())] = np.arange(len(names))
    rank[len(names)] = len(names)
    codes = pc.fill_null(encoded.indices, len(names))
    return rank[codes.to_numpy(zero_copy_only=False)]


def _int_values(column: pa.ChunkedArray, null: int) -> np.ndarray:
    return pc.fill_null(column, null).to_numpy()


def _take(column: pa.ChunkedArray, order: pa.Array) -> pa.ChunkedArray:
    if column.null_count == len(column):  # nothing to move (most canonical columns)
        return column
    if column.type == pa.string() and column.nbytes > 16 * len(column):  # long strings
        return pa.chunked_array([_take_strings(column.combine_chunks(), order)])
    return column.take(order)


def _take_strings(values: pa.StringArray, order: pa.Array) -> pa.Array:
    """Reorder text by moving 16-byte string views, not the strings (a unique 64-character
    Crime ID per row made this the slowest column to reorder). Arrow has no take for
    string views, so the views are taken as fixed-size binary; the character data is
    shared with the input, and DuckDB reads string views as VARCHAR."""
    views = pc.cast(values, pa.string_view())
    buffers = views.buffers()
    fixed = pa.Array.from_buffers(pa.binary(16), len(views), [None, buffers[1]], views.offset)
    moved = fixed.take(order)
    validity = pc.is_valid(views).take(order).buffers()[1] if views.null_count else None
    return pa.Array.from_buffers(
        pa.string_view(),
        len(moved),
        [validity, moved.buffers()[1], *buffers[2:]],
        null_count=views.null_count,
    )
