"""``socmap store check``: is the store file whole, and does it keep socmap's own rules?

Two kinds of check, on a connection of its own (so every block is read from the file, not
from another connection's buffers):

* **Every block.** DuckDB keeps a checksum in each block and verifies it whenever it reads
  the block from the file; it has no statement that verifies a whole file. Reading every
  column of every table in full (the hash of each value, so no statistic can answer in its
  place) makes it read every block a table uses, and a damaged one fails with "Corrupt
  database file". Blocks no table uses (free space after a load) are not read: damage there
  harms nothing. The file's headers and catalogue are read on opening it. On a store of a
  million incidents this takes about 0.15 s (``full=False`` skips it).
* **socmap's rules.** Every batch accounts for its rows (rows read = loaded + unmapped +
  quarantined, and a live batch still holds them or they were replaced later); rows belong to
  a batch that may hold them; each incident keeps the schema's rules (a month on its first
  day, a date inside it, both coordinates or neither, a cell at every resolution exactly when
  it has a point, areas that are loaded, a division inside its district); and for a spread
  sample of incidents, each stored cell is h3's cell of the stored point, recomputed here
  point by point with h3-py; and the pre-aggregated hexagon counts (:mod:`geo.store._counts`)
  equal a count of the incidents, row for row (a write checks each month's digest instead).

Every write reads every block of its working copy before it publishes it, so damage is never
published; the loads and batch removals (which keep the accounts) run the rules too, so a load
never publishes a file that breaks them. ``socmap serve`` runs the whole check before it
starts: it refuses a damaged file, and names any broken rule in a warning (a hand-built or
older store may break one) but serves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import h3

from geo.errors import StoreError
from geo.grid import CELL_COLUMNS, RESOLUTIONS
from geo.store._counts import count_problems
from geo.store._errors import corrupt_message, damage_in
from geo.store._schema import SCHEMA_VERSION

SAMPLE_CELLS = 2000  # incidents whose cells are recomputed with h3-py
REFUSED_SAMPLE_ROWS = 1000  # at most this many rejected rows are kept for a refused batch
STATUSES = ("active", "superseded", "refused", "removed")


@dataclass
class CheckReport:
    """What was checked and what was found (``problems`` empty: the store is sound)."""

    path: str
    full: bool
    seconds: float = 0.0
    tables: int = 0
    rows: int = 0
    cells_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {
            "store": self.path,
            "full": self.full,
            "seconds": round(self.seconds, 3),
            "tables": self.tables,
            "rows": self.rows,
            "cells_checked": self.cells_checked,
            "problems": self.problems,
        }


def check_store_file(
    path: str | Path, *, full: bool = True, rules: bool = True, exact_counts: bool = True
) -> CheckReport:
    """Check the store file at ``path``: every block (``full``) and socmap's rules
    (``rules``). A damaged file raises a StoreError with the one-line "not a readable socmap
    store" message; broken rules come back as ``problems``. ``exact_counts``: the rules
    compare every hexagon count with a count of the incidents (otherwise only each month's
    digest: a write checks that, having just counted the months it changed)."""
    path = Path(path)
    report = CheckReport(str(path), full)
    start = time.perf_counter()
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(corrupt_message(path, str(exc))) from exc
    try:
        con.execute("SET enable_progress_bar = false")
        tables = [r[0] for r in con.execute(_TABLES_SQL).fetchall()]
        report.tables = len(tables)
        if full:
            report.rows = sum(_read_every_block(con, t) for t in tables)
        if rules:
            report.problems += _rules(con, tables, exact_counts=exact_counts)
        if rules and "incidents" in tables:
            report.cells_checked, wrong = _sample_cells(con)
            report.problems += wrong
    except duckdb.Error as exc:
        damage = damage_in(exc)
        if damage is None:
            raise
        raise StoreError(corrupt_message(path, damage)) from exc
    finally:
        con.close()
    report.seconds = time.perf_counter() - start
    return report


def require_sound(
    path: str | Path,
    *,
    full: bool = True,
    rules: bool = True,
    name: str | Path | None = None,
    writing: bool = False,
) -> CheckReport:
    """:func:`check_store_file`, raising a one-line StoreError naming the first problem.
    ``writing``: ``path`` is the working copy of the store ``name``, about to be published."""
    report = check_store_file(path, full=full, rules=rules, exact_counts=not writing)
    if report.problems:
        more = f" (and {len(report.problems) - 1} more)" if len(report.problems) > 1 else ""
        when = "after this write, " if writing else ""
        outcome = "nothing was changed. " if writing else ""
        raise StoreError(
            f"{name or path}: {when}the store check found a problem: {report.problems[0]}"
            f"{more}; {outcome}Restore the previous version with `socmap store restore`, or "
            "run `socmap store check` to see every problem"
        )
    return report


_TABLES_SQL = "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name"


def _read_every_block(con: duckdb.DuckDBPyConnection, table: str) -> int:
    columns = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
            "AND NOT internal ORDER BY column_index",
            [table],
        ).fetchall()
    ]
    # Names come from DuckDB's own catalogue, quoted as identifiers.
    hashes = ", ".join(f'max(hash("{c}"))' for c in (name.replace('"', '""') for name in columns))
    quoted = table.replace('"', '""')
    return int(con.execute(f'SELECT count(*), {hashes} FROM "{quoted}"').fetchone()[0])


def _rules(con: duckdb.DuckDBPyConnection, tables: list[str], *, exact_counts: bool) -> list[str]:
    problems = []
    version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    if not version or version[0][0] != SCHEMA_VERSION:
        found = version[0][0] if version else None
        return [f"schema version {found}, expected {SCHEMA_VERSION}"]
    if not con.execute("SELECT 1 FROM meta WHERE key = 'data_version'").fetchall():
        problems.append("meta has no data_version")
    problems += _batch_rules(con)
    problems += _incident_rules(con)
    problems += count_problems(con, exact=exact_counts)
    (blank,) = con.execute("SELECT count(*) FROM quarantine WHERE reason = ''").fetchone()
    if blank:
        problems.append(f"{blank} quarantined rows have no reason")
    return problems


_PER_BATCH_SQL = """
WITH stored AS (
    SELECT batch_id, count(latitude) AS mapped, count(*) - count(latitude) AS unmapped
    FROM incidents GROUP BY batch_id
), rejected AS (
    SELECT batch_id, count(*) AS n FROM quarantine GROUP BY batch_id
), sampled AS (
    SELECT batch_id, count(*) AS n FROM refused_rows GROUP BY batch_id
)
SELECT b.batch_id, b.status, b.rows_read, b.loaded, b.unmapped, b.quarantined,
       coalesce(b.replaced_later, 0), b.refusal,
       coalesce(s.mapped, 0), coalesce(s.unmapped, 0), coalesce(r.n, 0), coalesce(p.n, 0)
FROM batches b
LEFT JOIN stored s USING (batch_id) LEFT JOIN rejected r USING (batch_id)
LEFT JOIN sampled p USING (batch_id)
ORDER BY b.batch_id
"""

_ORPHANS_SQL = """
SELECT 'incidents', count(*) FROM incidents WHERE batch_id NOT IN (SELECT batch_id FROM batches)
UNION ALL
SELECT 'quarantine', count(*) FROM quarantine
WHERE batch_id NOT IN (SELECT batch_id FROM batches)
UNION ALL
SELECT 'refused_rows', count(*) FROM refused_rows
WHERE batch_id NOT IN (SELECT batch_id FROM batches)
"""


def _batch_rules(con: duckdb.DuckDBPyConnection) -> list[str]:
    problems = []
    for row in con.execute(_PER_BATCH_SQL).fetchall():
        batch, status, read, loaded, unmapped, quarantined, later, refusal = row[:8]
        mapped, stored_unmapped, rejected, sampled = row[8:]
        where = f"batch {batch} ({status})"
        if status not in STATUSES:
            problems.append(f"{where}: unknown status")
            continue
        if read != loaded + unmapped + quarantined:
            problems.append(
                f"{where}: {read} rows read but {loaded} loaded + {unmapped} unmapped + "
                f"{quarantined} quarantined"
            )
        held = mapped + stored_unmapped + rejected
        if status == "active":
            if held + later != read or mapped > loaded or stored_unmapped > unmapped:
                problems.append(
                    f"{where}: holds {mapped} mapped, {stored_unmapped} unmapped and {rejected} "
                    f"quarantined rows, {later} replaced later, of {read} read"
                )
            if sampled:
                problems.append(f"{where}: a live batch with refused rows")
        elif held:
            problems.append(f"{where}: still holds {held} rows")
        if status == "refused" and (not refusal or sampled > min(quarantined, REFUSED_SAMPLE_ROWS)):
            problems.append(f"{where}: {sampled} refused rows kept of {quarantined}")
        if status != "refused" and sampled:
            problems.append(f"{where}: holds {sampled} refused rows")
    for table, n in con.execute(_ORPHANS_SQL).fetchall():
        if n:
            problems.append(f"{n} rows of {table} belong to no batch")
    return problems


def _incident_rules(con: duckdb.DuckDBPyConnection) -> list[str]:
    cell_null = " OR ".join(f"(({c} IS NULL) <> (latitude IS NULL))" for c in CELL_COLUMNS)
    rules = {
        "share a uid": "uid IN (SELECT uid FROM incidents GROUP BY uid HAVING count(*) > 1)",
        "have a month that is not a first day": "month <> date_trunc('month', month)",
        "have a date outside their month": "date IS NOT NULL "
        "AND date_trunc('month', date) <> month",
        "have one coordinate without the other": "(latitude IS NULL) <> (longitude IS NULL)",
        "have coordinates out of range": "latitude IS NOT NULL AND NOT ("
        "isfinite(latitude) AND isfinite(longitude) AND latitude BETWEEN -90 AND 90 "
        "AND longitude BETWEEN -180 AND 180)",
        "have a cell exactly where they have no point, or none where they have one": cell_null,
        "are in a live batch of another source, or in a batch that is not live": (
            "NOT EXISTS (SELECT 1 FROM batches b WHERE b.batch_id = incidents.batch_id "
            "AND b.source = incidents.source AND b.status = 'active')"
        ),
        "name a district that is not loaded": "district IS NOT NULL AND district NOT IN "
        "(SELECT code FROM areas WHERE level = 'district')",
        "name a division that is not loaded, or is not in their district": (
            "division IS NOT NULL AND NOT EXISTS (SELECT 1 FROM areas a WHERE a.level = "
            "'division' AND a.code = incidents.division AND a.parent_code = incidents.district)"
        ),
        "have a division but no district": "division IS NOT NULL AND district IS NULL",
    }
    counts = ", ".join(f"count(*) FILTER (WHERE {rule})" for rule in rules.values())
    found = con.execute(f"SELECT {counts} FROM incidents").fetchone()
    return [f"{n} incidents {what}" for what, n in zip(rules, found, strict=True) if n]


def _sample_cells(con: duckdb.DuckDBPyConnection) -> tuple[int, list[str]]:
    """Recompute the cells of a spread sample of incidents with h3-py, one point at a time."""
    columns = ", ".join(CELL_COLUMNS)
    # A reservoir sample over the whole table, the same rows each time for the same file.
    rows = con.execute(
        f"SELECT uid, latitude, longitude, {columns} FROM incidents "
        f"WHERE latitude IS NOT NULL USING SAMPLE reservoir({SAMPLE_CELLS} ROWS) REPEATABLE (19)"
    ).fetchall()
    wrong = []
    for uid, lat, lon, *cells in rows:
        for res, cell in zip(RESOLUTIONS, cells, strict=True):
            if cell != h3.str_to_int(h3.latlng_to_cell(lat, lon, res)):
                wrong.append(uid)
                break
    if wrong:
        return len(rows), [
            f"{len(wrong)} of {len(rows)} sampled incidents have a cell that is not h3's cell "
            f"of their point (uid {wrong[0]} first)"
        ]
    return len(rows), []
