"""Load validated chunks into the store as one batch, in one transaction.

The steps, each a named function below: refuse a file already loaded; stage every row in
memory (each good row's point, its H3 cell at every resolution and its district and division
come from the chunk's :class:`~geo.ingest._points.Points`, computed once) and show it to
DuckDB as an Arrow view, so it is written once; reject repeated ids
(:mod:`geo.ingest._repeats`); refuse the batch if nothing of it can be stored or it would
shrink a stored month too far (:mod:`geo.ingest._refused`); remove the rows this batch
replaces (:mod:`geo.ingest._replace`); insert incidents and quarantine; record the batch and
check that every row read is accounted for. Any failure rolls the whole batch back, and the
store checks the whole file before it publishes it (:mod:`geo.store._check`). The relations
the steps share are listed, with their columns, in :mod:`geo.ingest._staging`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from geo.errors import InputError, SocmapError
from geo.grid import CELL_COLUMNS
from geo.ingest import _refused
from geo.ingest._area import NO_BOUNDARIES_NOTE, Area, area_of_store
from geo.ingest._options import LoadOptions, ReplacePolicy
from geo.ingest._order import in_storage_order
from geo.ingest._points import Points
from geo.ingest._repeats import reject_repeats
from geo.ingest._replace import (
    prepare_keys,
    remove_replaced,
    shrinking_months,
    supersede_refused,
)
from geo.ingest._stage import STORED, float_values
from geo.ingest._staging import STAGED_ROWS, drop_all, require, staged_schema
from geo.store import Store
from geo.store._batches import log_action

MAX_MESSAGES = 10


@dataclass(frozen=True)
class LoadSpec:
    """What is being loaded and how it replaces what is already there.

    ``replace`` (:class:`~geo.ingest._options.ReplacePolicy`, a name is parsed) is
    ``months`` for police.uk (a corrected edition of a month replaces that month from that
    source and force), ``ids`` for partner files (a row whose id is already stored from that
    source replaces it, and a quarantined row with that id is dropped: the new file's version
    of that record is the one that counts) or ``source`` for generated data (the batch
    replaces everything from its source). ``options``: when a replacement is refused, the
    area's edge, the store's forces (:class:`~geo.ingest._options.LoadOptions`).

    ``prepare`` runs inside the load's transaction before any chunk is read, so reference
    data a load validates against (the ports table) commits or rolls back with it.
    """

    kind: str
    source: str
    file: str
    checksum: str
    replace: ReplacePolicy
    id_label: str
    prepare: Callable[[duckdb.DuckDBPyConnection], None] | None = None
    options: LoadOptions = field(default_factory=LoadOptions)

    def __post_init__(self) -> None:
        object.__setattr__(self, "replace", ReplacePolicy.parse(self.replace))


@dataclass
class BatchReport:
    """The outcome of one file: counts, and the first few problems as one-line messages.

    A refused file (``refused`` says why, in one line) stored nothing: its counts are what
    it would have loaded, and ``batch_id`` is the refused batch holding a sample of its
    rejected rows."""

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
    refused: str | None = None
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> bool:
        return self.already_loaded_as is not None

    @property
    def status(self) -> str:
        if self.skipped:
            return "already loaded"
        return "refused" if self.refused else "loaded"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "kind": self.kind,
            "source": self.source,
            "status": self.status,
            "batch_id": self.batch_id,
            "rows_read": self.rows_read,
            "loaded": self.loaded,
            "unmapped": self.unmapped,
            "quarantined": self.quarantined,
            "replaced": self.replaced,
            "already_loaded_as": self.already_loaded_as,
            "refused": self.refused,
        }


@dataclass(frozen=True)
class LoadContext:
    """What a format may use while its chunks are read inside the load's transaction: the
    store's connection (reference data that commits with the batch), its area and the
    load's options."""

    con: duckdb.DuckDBPyConnection
    area: Area
    options: LoadOptions


@dataclass(frozen=True)
class Chunk:
    """Validated rows (CANONICAL columns) plus rows the parser could not split into fields.

    ``points`` are the rows' points, in the table's row order, read once by the format
    (:class:`~geo.ingest._points.Points`, with their places and cells if the format computed
    them beside its validation); the stored latitude, longitude, cells and areas come from
    them. Without them (generated data), the table's own latitude and longitude are the
    points, and ``cells``, if given, their cells (one row per resolution).

    ``raw_text``, given row numbers, returns those rows' text as the file had it (columns
    ``row_number`` and ``raw``). A format that leaves ``raw`` NULL on good rows supplies it,
    so a row the loader rejects later (a repeated id) is still quarantined as written.
    """

    table: pa.Table
    unparsed: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, raw)
    blank_lines: int = 0
    points: Points | None = None
    raw_text: Callable[[np.ndarray], pa.Table] | None = None
    cells: np.ndarray | None = None


Chunks = Iterable[Chunk] | Callable[[LoadContext], Iterable[Chunk]]


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
    chunks: Chunks,
    step: Callable[[str, int], None] | None = None,
) -> BatchReport:
    """Load one file's chunks as one batch. Returns the report; raises on failure.

    ``chunks`` is the chunks, or a function of the load's :class:`LoadContext` that gives
    them (a format that checks rows against the store's area or reference data). ``step``
    is told the name of each stage as it starts and the rows read so far, for a progress
    display (:class:`geo.ingest._progress.LoadProgress`).
    """
    step = step or (lambda _name, _rows: None)
    report = BatchReport(file=spec.file, kind=spec.kind, source=spec.source)
    previous = already_loaded(store, spec)
    if previous is not None:
        report.already_loaded_as = previous
        return report
    try:
        with store.writing(rules=True) as con:
            _refuse_repeat(con, spec)
            if spec.prepare is not None:
                spec.prepare(con)
            area = area_of_store(con, spec.options.edge_m, spec.options.bbox)
            read = chunks(LoadContext(con, area, spec.options)) if callable(chunks) else chunks
            staged, raw_texts = _stage(read, area, report, step)
            if report.rows_read == 0:
                raise InputError(spec.file, "has a header but no data rows")
            if not area.has_boundaries and spec.replace is not ReplacePolicy.SOURCE:
                report.notes.append(f"{spec.file}: {NO_BOUNDARIES_NOTE}")
            step("storing", report.rows_read)
            con.register(STAGED_ROWS.name, staged)
            _store_staged(con, spec, report, raw_texts)
            drop_all(con)  # the published file holds none of the load's relations
    except _AlreadyLoaded as done:
        report.already_loaded_as = done.batch_id
    return report


def _store_staged(
    con: duckdb.DuckDBPyConnection,
    spec: LoadSpec,
    report: BatchReport,
    raw_texts: list[Callable[[np.ndarray], pa.Table]],
) -> None:
    by_month = spec.replace is ReplacePolicy.MONTHS
    if by_month:
        prepare_keys(con)
    reject_repeats(con, spec.id_label, by_month, spec.source, raw_texts)
    batch_id = _next_batch_id(con)
    months = _count_staged(con, spec, report)
    refusal, shrinks = _refusal(con, spec, report, batch_id)
    report.batch_id = batch_id
    report.messages = _first_messages(con, spec.file)
    if refusal is not None:
        report.refused = refusal
        _refused.record_refused(
            con,
            batch_id=batch_id,
            kind=spec.kind,
            source=spec.source,
            file=spec.file,
            checksum=spec.checksum,
            counts=(report.rows_read, report.loaded, report.unmapped, report.quarantined),
            months=months,
            refusal=refusal,
        )
    else:
        report.replaced = remove_replaced(con, spec.replace, spec.source, batch_id)
        _insert_incidents(con, batch_id)
        _insert_quarantine(con, spec, batch_id)
        _record_batch(con, spec, batch_id, report, months)
        if shrinks:
            _log_forced(con, spec, batch_id, shrinks)
    supersede_refused(
        con,
        source=spec.source,
        batch_id=batch_id,
        file=spec.file,
        checksum=spec.checksum,
        by_month=by_month,
    )


def _refusal(
    con: duckdb.DuckDBPyConnection, spec: LoadSpec, report: BatchReport, batch_id: int
) -> tuple[str | None, list]:
    """Why the batch is refused (None: it is not), and the months it shrinks past the
    limit (loaded anyway only with ``force_replace``).

    A new edition that would empty or shrink a stored month is refused first, with the
    month named (a file of swapped coordinates is that); ``--force-replace`` replaces the
    month anyway, even with a file none of whose rows can be stored (its rows are then
    quarantined, the month emptied, and the store's log says who forced it). Otherwise a
    file none of whose rows can be stored is refused."""
    shrinks = []
    if spec.replace is ReplacePolicy.MONTHS:
        shrinks = shrinking_months(con, spec.source, spec.options.max_loss)
    if shrinks and not spec.options.force_replace:
        first = _refused.first_rejected(con) if report.quarantined else None
        refusal = _refused.shrinks_month(
            spec.file, shrinks, spec.options.max_loss, report.rows_read, report.quarantined,
            first, batch_id,
        )  # fmt: skip
        return refusal, shrinks
    if report.loaded + report.unmapped == 0 and not shrinks:
        first = _refused.first_rejected(con)
        return _refused.nothing_loads(spec.file, report.rows_read, first, batch_id), []
    return None, shrinks


def _log_forced(
    con: duckdb.DuckDBPyConnection, spec: LoadSpec, batch_id: int, shrinks: list
) -> None:
    log_action(
        con,
        "forced-replace",
        batch_id,
        {
            "file": spec.file,
            "months": [
                {"month": str(s.month), "force": s.force, "stored": s.stored, "kept": s.valid}
                for s in shrinks
            ],
        },
    )


def _refuse_repeat(con: duckdb.DuckDBPyConnection, spec: LoadSpec) -> None:
    # Checked again under the writer's lock: another process may have loaded it meanwhile.
    row = con.execute(_SAME_FILE_SQL, [spec.kind, spec.source, spec.checksum]).fetchone()
    if row:
        raise _AlreadyLoaded(row[0])


def _stage(
    chunks: Iterable[Chunk],
    area: Area,
    report: BatchReport,
    step: Callable[[str, int], None],
) -> tuple[pa.Table, list[Callable[[np.ndarray], pa.Table]]]:
    """Every row of every chunk, with cell, district and division columns, in memory; and
    the chunks' ways to recover raw text (:attr:`Chunk.raw_text`)."""
    parts, raw_texts = [], []
    for chunk in chunks:
        step("placing", report.rows_read + chunk.table.num_rows + len(chunk.unparsed))
        parts.append(_stage_chunk(chunk, area, report))
        if chunk.unparsed:
            parts.append(_unparsed_table(chunk.unparsed, parts[-1].schema))
        if chunk.raw_text is not None:
            raw_texts.append(chunk.raw_text)
    if not parts:
        return _unparsed_table([], None), raw_texts
    return in_storage_order(pa.concat_tables(parts)), raw_texts


def _stage_chunk(chunk: Chunk, area: Area, report: BatchReport) -> pa.Table:
    table = chunk.table
    report.blank_lines += chunk.blank_lines
    report.rows_read += table.num_rows + len(chunk.unparsed)
    points = chunk.points
    if points is None:  # generated data: the table's own coordinates are its points
        points = Points.from_numbers(
            table["row_number"].to_numpy(),
            float_values(table["latitude"]),
            float_values(table["longitude"]),
        )
        points.cells = chunk.cells
    points.require_rows(table["row_number"])
    good = table["reason"].is_null().to_numpy(zero_copy_only=False)
    located = points.locate(area)
    has_point = good & np.isfinite(points.lat)
    cells = np.where(has_point, points.compute_cells(has_point), 0).astype(np.uint64)
    if (cells[:, has_point] == 0).any():
        raise SocmapError("internal error: a stored point has no H3 cell; nothing was loaded")
    for name, values in (("latitude", points.lat), ("longitude", points.lon)):
        column = pa.array(values, pa.float64(), mask=~has_point)
        table = table.set_column(table.schema.get_field_index(name), name, column)
    for column, values in zip(CELL_COLUMNS, cells, strict=True):
        table = table.append_column(column, pa.array(values, pa.uint64(), mask=values == 0))
    if area.placer is None:
        district = division = pa.nulls(table.num_rows, pa.string())
    else:
        none = np.int64(-1)
        district = _area_codes(
            area.placer.district_codes, np.where(has_point, located.district, none)
        )
        division = _area_codes(
            area.placer.division_codes, np.where(has_point, located.division, none)
        )
    return table.append_column("district", district).append_column("division", division)


def _area_codes(codes: np.ndarray, index: np.ndarray) -> pa.DictionaryArray:
    """Area codes by index (-1 for none), dictionary-encoded: a million rows share a few
    hundred codes, so no string is built per row."""
    indices = pa.array(index.astype(np.int32), mask=index < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(codes, pa.string()))


def _unparsed_table(rows: list[tuple[int, str, str]], schema: pa.Schema | None) -> pa.Table:
    """Rows the parser could not split, in the staged shape (only number, reason, raw)."""
    schema = schema or staged_schema()
    data = {name: pa.nulls(len(rows), schema.field(name).type) for name in schema.names}
    data["row_number"] = pa.array([r[0] for r in rows], pa.int64())
    data["reason"] = pa.array([r[1] for r in rows], pa.string())
    data["raw"] = pa.array([r[2] for r in rows], pa.string())
    return pa.table(data, schema=schema)


def _next_batch_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM batches").fetchone()[0]


def _count_staged(con: duckdb.DuckDBPyConnection, spec: LoadSpec, report: BatchReport) -> list:
    """The batch's counts (into ``report``) and the months of its good rows; every row read
    must be one of loaded, unmapped or quarantined."""
    require(con, STAGED_ROWS)
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
    return months


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
    con: duckdb.DuckDBPyConnection,
    spec: LoadSpec,
    batch_id: int,
    report: BatchReport,
    months: list,
) -> None:
    con.execute(
        """
        INSERT INTO batches (batch_id, kind, source, file, checksum, rows_read, loaded,
                             unmapped, quarantined, replaced, months, loaded_at, status,
                             superseded_by, replaced_later, refusal)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', NULL, 0, NULL)
        """,
        [
            batch_id,
            spec.kind,
            spec.source,
            spec.file,
            spec.checksum,
            report.rows_read,
            report.loaded,
            report.unmapped,
            report.quarantined,
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
