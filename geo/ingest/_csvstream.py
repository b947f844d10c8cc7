"""Read a CSV file as Arrow strings, numbering every row as a spreadsheet does.

:func:`read_csv_table` parses the whole file on every core; when the file has malformed rows
it parses again in order (:func:`stream_csv`), because only an in-order parse can say which
row each malformed one was.

Rows with the wrong number of fields are not dropped: they come back as :class:`BadRow` with
their row number and text, so the loader can quarantine them. Blank lines are not rows (they
hold no crime), but they are counted so later row numbers still match the file.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from geo.errors import InputError
from geo.ingest._files import BOM, FileInfo, encoding_error

_BLOCK_SIZE = 16 * 1024 * 1024


@dataclass(frozen=True)
class BadRow:
    row_number: int
    text: str
    problem: str


@dataclass(frozen=True)
class CsvChunk:
    """One block of rows: string columns plus ``row_number``; blank lines removed."""

    table: pa.Table
    bad_rows: list[BadRow]
    blank_lines: int


class _CountingReader(io.RawIOBase):
    """A file wrapper that reports bytes read, for the progress bar."""

    def __init__(self, path: Path, skip: int, on_read: Callable[[int], None]) -> None:
        self._fh = path.open("rb")
        self._fh.seek(skip)
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._fh.readinto(buffer)
        if n:
            self._on_read(n)
        return n or 0

    def close(self) -> None:
        self._fh.close()
        super().close()


def stream_csv(
    info: FileInfo,
    columns: list[str],
    on_bytes: Callable[[int], None],
    dictionary: Collection[str] = (),
) -> Iterator[CsvChunk]:
    """Yield chunks of ``info.path`` with ``columns`` as the (already checked) header names;
    the ``dictionary`` columns come dictionary-encoded (see :func:`read_csv_table`)."""
    bad: list[BadRow] = []
    expected = len(columns)

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append(
            BadRow(
                row_number=row.number,
                text=row.text,
                problem=f"row has {row.actual_columns} fields, expected {expected}",
            )
        )
        return "skip"

    raw = _CountingReader(info.path, len(BOM) if info.has_bom else 0, on_bytes)
    try:
        reader = pacsv.open_csv(
            io.BufferedReader(raw, buffer_size=_BLOCK_SIZE),
            # In order, one thread: keeps InvalidRow.number, which names the row in messages.
            read_options=_read_options(info, columns, use_threads=False),
            parse_options=_parse_options(on_invalid),
            convert_options=_convert_options(columns, dictionary),
        )
    except pa.ArrowInvalid as exc:
        raw.close()
        raise _parse_error(info, exc) from None
    next_row = 2  # the header is row 1
    try:
        for batch in _batches(reader, info):
            chunk_bad, bad[:] = list(bad), []
            rows = batch.num_rows
            numbers = _number_rows(next_row, rows, {b.row_number for b in chunk_bad})
            next_row = (int(numbers[-1]) + 1) if rows else next_row
            if chunk_bad:
                next_row = max(next_row, max(b.row_number for b in chunk_bad) + 1)
            table = pa.Table.from_batches([batch]).append_column(
                "row_number", pa.array(numbers, pa.int64())
            )
            table, blanks = _drop_blank(table, columns)
            yield CsvChunk(table, chunk_bad, blanks)
        if bad:
            yield CsvChunk(_empty(columns, dictionary), list(bad), 0)
    finally:
        raw.close()


def _batches(reader: pacsv.CSVStreamingReader, info: FileInfo) -> Iterator[pa.RecordBatch]:
    try:
        yield from reader
    except pa.ArrowInvalid as exc:
        raise _parse_error(info, exc) from None


def _number_rows(start: int, count: int, skipped: set[int]) -> np.ndarray:
    """Row numbers for ``count`` good rows from ``start``, stepping over skipped (bad) rows."""
    if not skipped:
        return np.arange(start, start + count, dtype=np.int64)
    candidates = np.arange(start, start + count + len(skipped), dtype=np.int64)
    keep = ~np.isin(candidates, np.fromiter(skipped, dtype=np.int64))
    return candidates[keep][:count]


def _drop_blank(table: pa.Table, columns: list[str]) -> tuple[pa.Table, int]:
    """Remove rows whose every field is empty; return the table and how many there were."""
    # Most files have none: look at one column first, and at the rest only if it is empty.
    blank = pc.equal(table[columns[0]], "")
    if not pc.any(blank).as_py():
        return table, 0
    for name in columns[1:]:
        blank = pc.and_(blank, pc.equal(table[name], ""))
    n_blank = pc.sum(blank).as_py() or 0
    if not n_blank:
        return table, 0
    return table.filter(pc.invert(blank)), n_blank


def _empty(columns: list[str], dictionary: Collection[str] = ()) -> pa.Table:
    types = _column_types(columns, dictionary)
    arrays = [pa.array([], types[name]) for name in columns] + [pa.array([], pa.int64())]
    return pa.Table.from_arrays(arrays, names=[*columns, "row_number"])


def read_csv_table(
    info: FileInfo, columns: list[str], dictionary: Collection[str] = ()
) -> CsvChunk:
    """The whole file as one chunk (string columns plus ``row_number``).

    The ``dictionary`` columns are read dictionary-encoded: a column with few distinct
    values (a force, an outcome, a street) then costs half the memory, and reordering its
    rows moves 4-byte codes rather than strings.
    """
    bad: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append(row)
        return "skip"

    source = pa.memory_map(str(info.path))
    try:
        source.seek(len(BOM) if info.has_bom else 0)
        table = pacsv.read_csv(
            source,
            read_options=_read_options(info, columns, use_threads=True),
            parse_options=_parse_options(on_invalid),
            convert_options=_convert_options(columns, dictionary),
        )
    except pa.ArrowInvalid as exc:
        raise _parse_error(info, exc) from None
    finally:
        source.close()
    if bad:
        parts = list(stream_csv(info, columns, lambda _n: None, dictionary))
        tables = [p.table for p in parts]
        return CsvChunk(
            pa.concat_tables(tables) if tables else _empty(columns, dictionary),
            [b for p in parts for b in p.bad_rows],
            sum(p.blank_lines for p in parts),
        )
    numbers = np.arange(2, table.num_rows + 2, dtype=np.int64)
    table, blanks = _drop_blank(table.append_column("row_number", pa.array(numbers)), columns)
    return CsvChunk(table, [], blanks)


def _parse_error(info: FileInfo, exc: pa.ArrowInvalid) -> InputError:
    text = str(exc)
    if "utf8" in text.lower().replace("-", ""):
        return encoding_error(info.path, info.encoding)
    return InputError(info.path, f"cannot be read as CSV ({text.splitlines()[0][:160]})")


def _read_options(info: FileInfo, columns: list[str], *, use_threads: bool) -> pacsv.ReadOptions:
    return pacsv.ReadOptions(
        use_threads=use_threads,
        block_size=_BLOCK_SIZE,
        column_names=columns,
        skip_rows=1,
        encoding=info.encoding if info.encoding.lower() not in {"utf-8", "utf8"} else "utf8",
    )


def _parse_options(on_invalid) -> pacsv.ParseOptions:
    return pacsv.ParseOptions(
        newlines_in_values=True,
        ignore_empty_lines=False,
        invalid_row_handler=on_invalid,
    )


_DICTIONARY = pa.dictionary(pa.int32(), pa.string())


def _column_types(columns: list[str], dictionary: Collection[str]) -> dict[str, pa.DataType]:
    return {name: _DICTIONARY if name in dictionary else pa.string() for name in columns}


def _convert_options(columns: list[str], dictionary: Collection[str]) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(
        column_types=_column_types(columns, dictionary),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
