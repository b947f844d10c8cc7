"""Load validated chunks into the store as one batch, in one transaction.

The steps, each a named function below: refuse a file already loaded; stage every row (good
rows get their H3 cell and their district and division); mark repeated ids as duplicates;
remove the rows this batch replaces; insert incidents and quarantine; record the batch and
check that every row read is accounted for. Any failure rolls the whole batch back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from geo import placement
from geo.cells import incidents_to_cells
from geo.errors import InputError, SocmapError
from geo.ingest._stage import CANONICAL, STORED
from geo.store import Store

MAX_MESSAGES = 10


@dataclass(frozen=True)
class LoadSpec:
    """What is being loaded and how it replaces what is already there.

    ``replace`` is ``"months"`` for police.uk (a corrected edition of a month replaces that
    month from that source and force) or ``"ids"`` for partner files (a row whose id is
    already stored from that source replaces it).
    """

    kind: str
    source: str
    file: str
    checksum: str
    replace: str
    id_label: str


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
    """Validated rows (CANONICAL columns) plus rows the parser could not split into fields."""

    table: pa.Table
    unparsed: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, raw)
    blank_lines: int = 0


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


def load_chunks(store: Store, spec: LoadSpec, chunks: Iterable[Chunk]) -> BatchReport:
    """Load one file's chunks as one batch. Returns the report; raises on failure."""
    report = BatchReport(file=spec.file, kind=spec.kind, source=spec.source)
    previous = already_loaded(store, spec)
    if previous is not None:
        report.already_loaded_as = previous
        return report
    try:
        with store.writing() as con:
            _refuse_repeat(con, spec)
            placer = placement.placer_from_connection(con)
            _create_staging(con)
            for chunk in chunks:
                _stage_chunk(con, chunk, placer, report)
            if report.rows_read == 0:
                raise InputError(spec.file, "has a header but no data rows")
            _mark_duplicates(con, spec)
            if spec.replace == "months":
                _mark_already_stored(con, spec)
            batch_id = _next_batch_id(con)
            report.replaced = _remove_replaced(con, spec, batch_id)
            _insert_incidents(con, batch_id)
            _insert_quarantine(con, spec, batch_id)
            _record_batch(con, spec, batch_id, report)
            report.batch_id = batch_id
            report.messages = _first_messages(con, spec.file)
            con.execute("DROP TABLE staged")
    except _AlreadyLoaded as done:
        report.already_loaded_as = done.batch_id
    return report


def _refuse_repeat(con: duckdb.DuckDBPyConnection, spec: LoadSpec) -> None:
    # Checked again under the writer's lock: another process may have loaded it meanwhile.
    row = con.execute(_SAME_FILE_SQL, [spec.kind, spec.source, spec.checksum]).fetchone()
    if row:
        raise _AlreadyLoaded(row[0])


def _create_staging(con: duckdb.DuckDBPyConnection) -> None:
    cols = ", ".join(f"{name} {sql_type}" for name, sql_type in CANONICAL.items())
    con.execute(
        f"CREATE TEMP TABLE staged ({cols}, cell UBIGINT, district VARCHAR, division VARCHAR)"
    )


def _stage_chunk(
    con: duckdb.DuckDBPyConnection,
    chunk: Chunk,
    placer: placement.Placer | None,
    report: BatchReport,
) -> None:
    table = chunk.table
    report.blank_lines += chunk.blank_lines
    report.rows_read += table.num_rows + len(chunk.unparsed)
    lat = table["latitude"].to_numpy(zero_copy_only=False).astype(np.float64)
    lon = table["longitude"].to_numpy(zero_copy_only=False).astype(np.float64)
    good = table["reason"].is_null().to_numpy(zero_copy_only=False)
    lat = np.where(good, lat, np.nan)
    lon = np.where(good, lon, np.nan)
    cells = incidents_to_cells(lat, lon)
    district, division = (
        placer.place(lat, lon) if placer is not None else (_nulls(len(lat)), _nulls(len(lat)))
    )
    table = table.append_column("cell", pa.array(np.where(cells == 0, None, cells), pa.uint64()))
    table = table.append_column("district", pa.array(district, pa.string()))
    table = table.append_column("division", pa.array(division, pa.string()))
    con.register("chunk_view", table)
    try:
        con.execute("INSERT INTO staged SELECT * FROM chunk_view")
    finally:
        con.unregister("chunk_view")
    if chunk.unparsed:
        con.executemany(
            "INSERT INTO staged (row_number, reason, raw) VALUES (?, ?, ?)",
            [list(u) for u in chunk.unparsed],
        )


def _nulls(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def _mark_duplicates(con: duckdb.DuckDBPyConnection, spec: LoadSpec) -> None:
    """A second row with an id already seen in this file is a duplicate (rows with no id,
    such as police.uk anti-social behaviour, are never duplicates of each other)."""
    con.execute(
        """
        UPDATE staged SET reason = 'duplicate ' || ? || ' ' || d.incident_id
                                   || ' (first at row ' || d.first_row || ')'
        FROM (
            SELECT row_number, incident_id,
                   min(row_number) OVER (PARTITION BY incident_id) AS first_row
            FROM staged WHERE reason IS NULL AND incident_id IS NOT NULL
        ) AS d
        WHERE staged.row_number = d.row_number AND d.row_number <> d.first_row
        """,
        [spec.id_label],
    )


def _mark_already_stored(con: duckdb.DuckDBPyConnection, spec: LoadSpec) -> None:
    """An id already stored for a month this file does not replace is the same crime
    published again (police.uk repeats a few in the next month); count it once."""
    con.execute(
        """
        UPDATE staged SET reason = ? || ' ' || i.incident_id || ' is already loaded for '
                                   || strftime(i.month, '%Y-%m') || ' (batch '
                                   || i.batch_id || ')'
        FROM (
            SELECT incident_id, min(month) AS month, min(batch_id) AS batch_id
            FROM incidents
            WHERE source = ? AND incident_id IS NOT NULL
              AND month NOT IN (SELECT month FROM staged WHERE reason IS NULL)
              AND incident_id IN (SELECT incident_id FROM staged WHERE reason IS NULL)
            GROUP BY incident_id
        ) AS i
        WHERE staged.reason IS NULL AND staged.incident_id = i.incident_id
        """,
        [spec.id_label, spec.source],
    )


def _next_batch_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM batches").fetchone()[0]


def _remove_replaced(con: duckdb.DuckDBPyConnection, spec: LoadSpec, batch_id: int) -> int:
    if spec.replace == "months":
        return _replace_months(con, spec.source, batch_id)
    if spec.replace == "ids":
        return _replace_ids(con, spec.source)
    raise ValueError(f"unknown replace policy {spec.replace!r}")


def _replace_months(con: duckdb.DuckDBPyConnection, source: str, batch_id: int) -> int:
    """A new edition of a month (per force) replaces the old one, rejects included."""
    con.execute(
        """
        CREATE TEMP TABLE replaced_keys AS
        SELECT DISTINCT month, coalesce(reported_by, '') AS reporter
        FROM staged WHERE reason IS NULL
        """
    )
    replaced = con.execute(
        """
        DELETE FROM incidents i USING replaced_keys k
        WHERE i.source = ? AND i.month = k.month AND coalesce(i.reported_by, '') = k.reporter
        """,
        [source],
    ).fetchone()[0]
    con.execute(
        """
        DELETE FROM quarantine
        WHERE source = ? AND month IN (SELECT month FROM replaced_keys)
        """,
        [source],
    )
    con.execute(
        """
        UPDATE batches SET status = 'superseded', superseded_by = ?
        WHERE source = ? AND status = 'active'
          AND list_has_all((SELECT list(DISTINCT month) FROM replaced_keys), months)
        """,
        [batch_id, source],
    )
    con.execute("DROP TABLE replaced_keys")
    return int(replaced)


def _replace_ids(con: duckdb.DuckDBPyConnection, source: str) -> int:
    return int(
        con.execute(
            """
            DELETE FROM incidents
            WHERE source = ? AND incident_id IN (
                SELECT incident_id FROM staged
                WHERE reason IS NULL AND incident_id IS NOT NULL)
            """,
            [source],
        ).fetchone()[0]
    )


def _insert_incidents(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    stored = ", ".join(STORED)
    # Rows go in month order: DuckDB's zone maps then skip whole row groups on a period filter.
    con.execute(
        f"""
        INSERT INTO incidents (uid, {stored}, cell, district, division, batch_id)
        SELECT (SELECT coalesce(max(uid), 0) FROM incidents)
                   + row_number() OVER (ORDER BY month, category, row_number),
               {stored}, cell, district, division, ?
        FROM staged WHERE reason IS NULL
        ORDER BY month, category, row_number
        """,
        [batch_id],
    )


def _insert_quarantine(con: duckdb.DuckDBPyConnection, spec: LoadSpec, batch_id: int) -> None:
    con.execute(
        """
        INSERT INTO quarantine
        SELECT ?, coalesce(source, ?), ?, row_number, reason, coalesce(raw, ''), month, category
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
