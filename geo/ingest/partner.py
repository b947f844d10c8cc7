"""Partners' own incident files: knife crime, modern slavery, county lines, port events.

The format is documented in ``docs/partner-format.md``. In short: one row per incident with
``incident_id``, ``category`` and ``date``, a location as latitude/longitude (WGS84) or
easting/northing (British National Grid), and for county lines an origin and a destination,
for port events a port. Headers and category names are forgiving; any other column is kept in
the incident's ``attributes``.

Every row is loaded, stored unmapped (no location given and none to look up), or quarantined
with a one-line reason. A file already loaded changes nothing; a file whose ids are already
stored from its source replaces those rows. A file-level problem (missing, empty, not UTF-8,
no usable columns) refuses the file and leaves the store as it was.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import chain
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo.areas import Port, packaged_ports, ports_from_connection, seed_ports
from geo.errors import InputError, SocmapError, ValidationError
from geo.ingest._area import Area
from geo.ingest._load import (
    BatchReport,
    Chunk,
    LoadContext,
    LoadSpec,
    already_loaded,
    load_chunks,
)
from geo.ingest._options import LoadOptions, ReplacePolicy
from geo.ingest._partner_columns import ColumnMap, map_columns
from geo.ingest._partner_formats import OpenedFile, RawPart, open_partner_file
from geo.ingest._partner_rules import register_lookups, validate_params, validate_sql
from geo.ingest._partner_sql import prep_sql, project
from geo.ingest._points import Points
from geo.ingest._progress import LoadProgress
from geo.ingest._stage import float_values, select_canonical
from geo.settings import Settings
from geo.store import Store

KIND = "incidents"
DEFAULT_SOURCE = "partner"
RESERVED_SOURCES = ("police-uk", "synthetic-demo")


def ingest_incidents(
    store: Store,
    path: str | Path,
    settings: Settings,
    *,
    source: str | None = None,
    encoding: str = "utf-8",
    progress: bool | None = None,
    options: LoadOptions | None = None,
) -> BatchReport:
    """Load one partner file (CSV, GeoJSON or Parquet) as one batch.

    ``source`` names the supplier; without it the file's ``source`` column (its first value)
    names it, else ``"partner"``. ``options``: default from ``settings``.
    """
    path = Path(path)
    options = options or LoadOptions.from_settings(settings)
    given = _clean_source(source)
    opened = open_partner_file(path, encoding)
    cols = map_columns(
        path, opened.headers, source_given=given is not None, geometry=opened.layout.geometry
    )
    with LoadProgress(opened.path.name, progress, total=opened.total, unit=opened.unit) as bar:
        bar.step("reading")
        parts = opened.read(bar.advance)
        try:
            # Peek at the first block: a file's source column names its source.
            first = next(parts, None)
            file_source = _not_reserved(given or _source_in(path, first, cols) or DEFAULT_SOURCE)
            checker = _Checker(cols, opened, file_source)
            spec = _spec(opened, file_source, checker, options)
            if (batch := already_loaded(store, spec)) is not None:
                return BatchReport(spec.file, KIND, file_source, already_loaded_as=batch)
            blocks = chain([first], parts) if first is not None else iter(())
            report = load_chunks(
                store, spec, lambda ctx: checker.chunks(blocks, ctx), step=bar.step
            )
        finally:
            parts.close()
    report.notes.extend(_notes(path, opened, checker, report))
    return report


def _spec(opened: OpenedFile, source: str, checker: _Checker, options: LoadOptions) -> LoadSpec:
    return LoadSpec(
        kind=KIND,
        source=source,
        file=str(opened.path),
        checksum=opened.checksum,
        replace=ReplacePolicy.IDS,
        id_label="incident_id",
        prepare=checker.prepare,
        options=options,
    )


def _clean_source(source: str | None) -> str | None:
    if source is None:
        return None
    if not source.strip() or _has_control(source):
        raise ValidationError(f"--source {source!r}: name the supplying organisation")
    return source.strip()


def _has_control(text: str) -> bool:
    # Cc: control characters; Zl, Zp: Unicode line and paragraph separators.
    return any(unicodedata.category(c) in {"Cc", "Zl", "Zp"} for c in text)


def _not_reserved(source: str) -> str:
    # A partner batch replaces rows by id within its source: it must never touch police.uk
    # rows or the demo's.
    if source.lower() in RESERVED_SOURCES:
        raise ValidationError(
            f"source {source!r} is reserved for socmap's own loaders; name the partner instead"
        )
    return source


def _source_in(path: Path, part: RawPart | None, cols: ColumnMap) -> str | None:
    if part is None or not cols.has("source"):
        return None
    values = pc.utf8_trim_whitespace(part.table[cols.roles["source"]])
    present = pc.filter(values, pc.not_equal(values, ""))
    if not len(present):
        return None
    source = present[0].as_py()
    if _has_control(source):
        raise InputError(
            path,
            f"the source column's first value {source!r} contains a line break or control "
            "character; correct it or pass --source",
        )
    return source


def _notes(path: Path, opened: OpenedFile, checker: _Checker, report: BatchReport) -> list[str]:
    notes = list(opened.notes)
    if report.blank_lines:
        notes.append(f"{path}: {report.blank_lines} blank lines skipped")
    if checker.unplaced:
        notes.append(
            f"{path}: {checker.unplaced} county-lines rows have no coordinates and a "
            "destination that is not in the gazetteer; they are stored unmapped"
        )
    return notes


class _Checker:
    """Turns raw blocks into validated chunks (see _partner_sql and _partner_rules)."""

    def __init__(self, cols: ColumnMap, opened: OpenedFile, source: str) -> None:
        has_source = cols.has("source")
        self._prep = prep_sql(cols, opened.layout)
        self._validate = validate_sql(cols, opened.layout, has_source)
        self._params = validate_params(cols, opened.layout, source, date.today())
        self._ports: tuple[Port, ...] | None = None
        self._seen: list[np.ndarray] = []  # id hashes of the blocks already checked, sorted
        self.unplaced = 0

    def prepare(self, con: duckdb.DuckDBPyConnection) -> None:
        # Runs in the load's transaction, before the first block is validated: events are
        # checked against the very ports that commit with them.
        seed_ports(con)
        self._ports = ports_from_connection(con)

    def chunks(self, parts: Iterable[RawPart], ctx: LoadContext) -> Iterator[Chunk]:
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")  # DuckDB would draw it on stdout
        self._params["edge"] = f"{ctx.area.edge_m:g}"
        try:
            register_lookups(con, self._ports or packaged_ports())
            for part in parts:
                yield self._check(con, part, ctx.area)
        finally:
            con.close()

    def _check(self, con: duckdb.DuckDBPyConnection, part: RawPart, area: Area) -> Chunk:
        if part.table.num_rows == 0:
            empty = con.sql(f"SELECT {select_canonical({})} LIMIT 0").to_arrow_table()
            return Chunk(empty, part.unparsed, part.blank_lines)
        con.register("b", part.table)
        try:
            prepped = con.sql(self._prep).to_arrow_table()
        finally:
            con.unregister("b")
        prepped = prepped.append_column("_repeat", self._repeats(prepped["id_hash"]))
        projected, points = project(prepped, area)
        con.register("p", projected)
        try:
            table, points = self._validate_with_cells(con, points, area)
        finally:
            con.unregister("p")
        if table.num_rows != part.table.num_rows:  # every row read must come out
            raise SocmapError(
                f"internal error: validation returned {table.num_rows} of "
                f"{part.table.num_rows} rows; nothing was loaded"
            )
        self.unplaced += _count_unplaced(table)
        return Chunk(table, part.unparsed, part.blank_lines, points)

    def _validate_with_cells(
        self, con: duckdb.DuckDBPyConnection, points: Points, area: Area
    ) -> tuple[pa.Table, Points]:
        """Validate in DuckDB's threads while this one computes the H3 cells of the points in
        the area (h3-py is a Python loop), then line the points up with the validated rows,
        which a join may reorder."""
        assert points.located is not None
        table = points.cells_beside(
            lambda: con.sql(self._validate, params=self._params).to_arrow_table(),
            points.located.inside,
        )
        rows = points.row_number
        order = np.argsort(rows)
        at = order[np.searchsorted(rows, table["row_number"].to_numpy(), sorter=order)]
        points = points.take(at)
        # The validated rows' points: a row placed from a gazetteer (a destination, a port)
        # gets its cells and place now, and a rejected row has none.
        points.move_to(float_values(table["latitude"]), float_values(table["longitude"]), area)
        return table, points

    def _repeats(self, id_hash: pa.ChunkedArray) -> pa.Array:
        """Rows whose id came earlier in the file. The loader rejects repeats only after every
        block is staged; marking them here keeps their raw text for the quarantine. Ids are
        compared by 64-bit hash: a collision only keeps one more raw text."""
        hashes = id_hash.to_numpy()
        order = np.argsort(hashes, kind="stable")  # the first of equal ids comes first
        ordered = hashes[order]
        repeat = np.zeros(len(hashes), dtype=bool)
        repeat[order[1:][ordered[1:] == ordered[:-1]]] = True
        for seen in self._seen:  # sorted hashes of each earlier block
            at = np.minimum(np.searchsorted(seen, hashes), len(seen) - 1)
            repeat |= seen[at] == hashes
        self._seen.append(ordered)
        return pa.array(repeat & (hashes != 0))


def _count_unplaced(table: pa.Table) -> int:
    mask = pc.and_(
        pc.and_(pc.is_null(table["reason"]), pc.is_null(table["latitude"])),
        pc.equal(table["category"], "county_lines"),
    )
    return int(pc.sum(mask).as_py() or 0)
