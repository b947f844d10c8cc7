"""Load validated chunks into the store as one batch, in one transaction.

The steps, each a named function below: refuse a file already loaded; stage every row in
memory (good rows get their H3 cell at every resolution and their district and division) and
show it to DuckDB as an Arrow view, so it is written once; reject repeated ids
(:mod:`geo.ingest._repeats`); remove the rows this batch replaces (the policies are in
:mod:`geo.ingest._replace`); insert incidents and quarantine; record the batch and check that
every row read is accounted for. Any failure rolls the whole batch back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from geo.areas import _placement as placement
from geo.errors import InputError, SocmapError
from geo.grid import CELL_COLUMNS, incidents_to_cell_columns
from geo.ingest._order import in_storage_order
from geo.ingest._repeats import reject_repeats
from geo.ingest._replace import remove_replaced
from geo.ingest._stage import ARROW_TYPES, CANONICAL, STORED, float_values
from geo.store import Store

MAX_MESSAGES = 10


@dataclass(frozen=True)
class LoadSpec:
    """What is being loaded and how it replaces what is already there.

    ``replace`` is ``"months"`` for police.uk (a corrected edition of a month replaces that
    month from that source and force), ``"ids"`` for partner files (a row whose id is
    already stored from that source replaces it, and a quarantined row with that id is
    dropped: the new file's version of that record is the one that counts) or ``"source"``
    for generated data (the batch replaces everything from its source).

    ``prepare`` runs inside the load's transaction before any chunk is read, so reference
    data a load validates against (the ports table) commits or rolls back with it.
    """

    kind: str
    source: str
    file: str
    checksum: str
    replace: str
    id_label: str
    prepare: Callable[[duckdb.DuckDBPyConnection], None] | None = None


@dataclass
class BatchReport:
    """The outcome of one file: counts, and the first few problems as one-line messages."""

    file: str
    kind: str
    source: str
    batch_id: int | None = None
    rows_read: int = 0
    loaded: int = 0
    unmapped: int = 0
    quarantined: int = 0
    replaced: int = 0
    blank_lines: int = 0
    already_loaded_as: int | None = None
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> bool:
        return self.already_loaded_as is not None

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "kind": self.kind,
            "source": self.source,
            "batch_id": self.batch_id,
            "rows_read": self.rows_read,
            "loaded": self.loaded,
            "unmapped": self.unmapped,
            "quarantined": self.quarantined,
            "replaced": self.replaced,
            "already_loaded_as": self.already_loaded_as,
        }


@dataclass(frozen=True)
class Chunk:
    """Validated rows (CANONICAL columns) plus rows the parser could not split into fields.

    ``cells`` may carry H3 cells computed already, one row per resolution as
    :func:`geo.cells.incidents_to_cell_columns` gives them (aligned with ``table``; 0 for
    none), so a format can compute them while DuckDB validates; otherwise the loader does.

    ``raw_text``, given row numbers, returns those rows' text as the file had it (columns
    ``row_number`` and ``raw``). A format that leaves ``raw`` NULL on good rows supplies it,
    so a row the loader rejects later (a repeated id) is still quarantined as written.
    """

    table: pa.Table
    unparsed: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, raw)
    blank_lines: int = 0
    cells: np.ndarray | None = None
    raw_text: Callable[[np.ndarray], pa.Table] | None = None


class _AlreadyLoaded(Exception):  # noqa: N818 - control flow, never shown to a user
    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id


def already_loaded(store: Store, spec: LoadSpec) -> int | None:
    """The active batch that loaded this exact file before, if any (a cheap read)."""
    if not store.exists():
        return None
    rows = store.fetch_rows(_SAME_FILE_SQL, [spec.kind, spec.source, spec.checksum])
    return rows[0][0] if rows else None


_SAME_FILE_SQL = """
    SELECT batch_id FROM batches
    WHERE kind = ? AND source = ? AND checksum = ? AND status = 'active'
    ORDER BY batch_id LIMIT 1
"""


def load_chunks(
    store: Store,
    spec: LoadSpec,
    chunks: Iterable[Chunk],
    step: Callable[[str, int], None] | None = None,
) -> BatchReport:
    """Load one file's chunks as one batch. Returns the report; raises on failure.

    ``step`` is told the name of each stage as it starts and the rows read so far, for a
    progress display (:class:`geo.ingest._progress.LoadProgress`).
    """
    step = step or (lambda _name, _rows: None)
    report = BatchReport(file=spec.file, kind=spec.kind, source=spec.source)
    previous = already_loaded(store, spec)
    if previous is not None:
        report.already_loaded_as = previous
        return report
    try:
        with store.writing() as con:
            _refuse_repeat(con, spec)
            if spec.prepare is not None:
                spec.prepare(con)
            staged, raw_texts = _stage(con, chunks, report, step)
            if report.rows_read == 0:
                raise InputError(spec.file, "has a header but no data rows")
            step("storing", report.rows_read)
            con.register("staged_rows", staged)
            try:
                _store_staged(con, spec, report, raw_texts)
            finally:
                con.unregister("staged_rows")
    except _AlreadyLoaded as done:
        report.already_loaded_as = done.batch_id
    return report


def _store_staged(
    con: duckdb.DuckDBPyConnection,
    spec: LoadSpec,
    report: BatchReport,
    raw_texts: list[Callable[[np.ndarray], pa.Table]],
) -> None:
    reject_repeats(con, spec.id_label, spec.replace == "months", spec.source, raw_texts)
    batch_id = _next_batch_id(con)
    report.replaced = remove_replaced(con, spec.replace, spec.source, batch_id)
    _insert_incidents(con, batch_id)
    _insert_quarantine(con, spec, batch_id)
    _record_batch(con, spec, batch_id, report)
    report.batch_id = batch_id
    report.messages = _first_messages(con, spec.file)
    con.execute("DROP VIEW staged")
    con.execute("DROP TABLE repeats")


def _refuse_repeat(con: duckdb.DuckDBPyConnection, spec: LoadSpec) -> None:
    # Checked again under the writer's lock: another process may have loaded it meanwhile.
    row = con.execute(_SAME_FILE_SQL, [spec.kind, spec.source, spec.checksum]).fetchone()
    if row:
        raise _AlreadyLoaded(row[0])


def _stage(
    con: duckdb.DuckDBPyConnection,
    chunks: Iterable[Chunk],
    report: BatchReport,
    step: Callable[[str, int], None],
) -> tuple[pa.Table, list[Callable[[np.ndarray], pa.Table]]]:
    """Every row of every chunk, with cell, district and division columns, in memory; and
    the chunks' ways to recover raw text (:attr:`Chunk.raw_text`)."""
    placer = placement.placer_from_connection(con)
    parts, raw_texts = [], []
    for chunk in chunks:
        step("placing", report.rows_read + chunk.table.num_rows + len(chunk.unparsed))
        parts.append(_stage_chunk(chunk, placer, report))
        if chunk.unparsed:
            parts.append(_unparsed_table(chunk.unparsed, parts[-1].schema))
        if chunk.raw_text is not None:
            raw_texts.append(chunk.raw_text)
    if not parts:
        return _unparsed_table([], None), raw_texts
    return in_storage_order(pa.concat_tables(parts)), raw_texts


def _stage_chunk(chunk: Chunk, placer: placement.Placer | None, report: BatchReport) -> pa.Table:
    table = chunk.table
    report.blank_lines += chunk.blank_lines
    report.rows_read += table.num_rows + len(chunk.unparsed)
    good = table["reason"].is_null().to_numpy(zero_copy_only=False)
    lat = np.where(good, float_values(table["latitude"]), np.nan)
    lon = np.where(good, float_values(table["longitude"]), np.nan)
    cells = incidents_to_cell_columns(lat, lon) if chunk.cells is None else chunk.cells
    cells = np.where(np.isfinite(lat), cells, 0).astype(np.uint64)
    if chunk.cells is not None:
        _check_cells(cells, lat, lon)
    if placer is None:
        district = division = pa.nulls(table.num_rows, pa.string())
    else:
        at_district, at_division = placer.place_indices(lat, lon)
        district = _area_codes(placer.district_codes, at_district)
        division = _area_codes(placer.division_codes, at_division)
    for column, values in zip(CELL_COLUMNS, cells, strict=True):
        table = table.append_column(column, pa.array(values, pa.uint64(), mask=values == 0))
    return table.append_column("district", district).append_column("division", division)


def _check_cells(cells: np.ndarray, lat: np.ndarray, lon: np.ndarray, sample: int = 2000) -> None:
    """Cells a format computed beside validation must belong to their own rows: recompute a
    spread sample and refuse the load (it rolls back) if any differs. A parallel query that
    reorders rows once put cells on the wrong incidents; this makes that impossible to miss."""
    at = np.flatnonzero(np.isfinite(lat))
    at = at[np.linspace(0, len(at) - 1, min(sample, len(at))).astype(int)] if len(at) else at
    if len(at) and not np.array_equal(cells[:, at], incidents_to_cell_columns(lat[at], lon[at])):
        raise SocmapError("internal error: H3 cells do not match their rows; nothing was loaded")


def _area_codes(codes: np.ndarray, index: np.ndarray) -> pa.DictionaryArray:
    """Area codes by index (-1 for none), dictionary-encoded: a million rows share a few
    hundred codes, so no string is built per row."""
    indices = pa.array(index.astype(np.int32), mask=index < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(codes, pa.string()))


def _unparsed_table(rows: list[tuple[int, str, str]], schema: pa.Schema | None) -> pa.Table:
    """Rows the parser could not split, in the staged shape (only number, reason, raw)."""
    schema = schema or _staged_schema()
    data = {name: pa.nulls(len(rows), schema.field(name).type) for name in schema.names}
    data["row_number"] = pa.array([r[0] for r in rows], pa.int64())
    data["reason"] = pa.array([r[1] for r in rows], pa.string())
    data["raw"] = pa.array([r[2] for r in rows], pa.string())
    return pa.table(data, schema=schema)


def _staged_schema() -> pa.Schema:
    fields = [pa.field(name, ARROW_TYPES[t]) for name, t in CANONICAL.items()]
    fields += [pa.field(column, pa.uint64()) for column in CELL_COLUMNS]
    fields += [
        pa.field("district", pa.string()),
        pa.field("division", pa.string()),
    ]
    return pa.schema(fields)


def _next_batch_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM batches").fetchone()[0]


def _insert_incidents(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    stored = ", ".join([*STORED, *CELL_COLUMNS])
    # Row numbers are unique within a file, so they give new rows unique keys without a
    # window. The staged rows are already in storage order (geo.ingest._order) and DuckDB
    # keeps a scan's order on insert (preserve_insertion_order), so no sort is needed here.
    con.execute(
        f"""
        INSERT INTO incidents (uid, {stored}, district, division, batch_id)
        SELECT (SELECT coalesce(max(uid), 0) FROM incidents) + row_number,
               {stored}, district, division, ?
        FROM staged WHERE reason IS NULL
        """,
        [batch_id],
    )


def _insert_quarantine(con: duckdb.DuckDBPyConnection, spec: LoadSpec, batch_id: int) -> None:
    con.execute(
        """
        INSERT INTO quarantine
            (batch_id, source, file, row_number, reason, raw, month, category, incident_id,
             reported_by)
        SELECT ?, coalesce(source, ?), ?, row_number, reason, coalesce(raw, ''), month,
               category, incident_id, reported_by
        FROM staged WHERE reason IS NOT NULL ORDER BY row_number
        """,
        [batch_id, spec.source, spec.file],
    )


def _record_batch(
    con: duckdb.DuckDBPyConnection, spec: LoadSpec, batch_id: int, report: BatchReport
) -> None:
    loaded, unmapped, quarantined, months = con.execute(
        """
        SELECT count(*) FILTER (WHERE reason IS NULL AND latitude IS NOT NULL),
               count(*) FILTER (WHERE reason IS NULL AND latitude IS NULL),
               count(*) FILTER (WHERE reason IS NOT NULL),
               coalesce(list(DISTINCT month ORDER BY month)
                        FILTER (WHERE reason IS NULL), [])
        FROM staged
        """
    ).fetchone()
    report.loaded, report.unmapped, report.quarantined = loaded, unmapped, quarantined
    if report.rows_read != loaded + unmapped + quarantined:
        raise SocmapError(
            f"{spec.file}: internal accounting error: read {report.rows_read} rows but "
            f"stored {loaded + unmapped} and quarantined {quarantined}; nothing was loaded"
        )
    con.execute(
        """
        INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', NULL)
        """,
        [
            batch_id,
            spec.kind,
            spec.source,
            spec.file,
            spec.checksum,
            report.rows_read,
            loaded,
            unmapped,
            quarantined,
            report.replaced,
            months,
            datetime.now(UTC),
        ],
    )


def _first_messages(con: duckdb.DuckDBPyConnection, file: str) -> list[str]:
    rows = con.execute(
        "SELECT row_number, reason FROM staged WHERE reason IS NOT NULL "
        "ORDER BY row_number LIMIT ?",
        [MAX_MESSAGES],
    ).fetchall()
    return [f"{file}: row {n}: {reason}" for n, reason in rows]


def display_name(path: Path) -> str:
    """How a file is named in batches, quarantine and messages: the path as given."""
    return str(path)
