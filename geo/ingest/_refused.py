"""Refused loads: a file none of whose rows can be loaded, or a new edition that would leave a
stored month with far fewer rows than it has.

Either way nothing of the file is stored and nothing stored is touched. The batch is
recorded with status ``refused``, its counts (what it would have loaded), the one-line
reason, and a sample of its rejected rows in ``refused_rows`` (the first
:data:`SAMPLE_ROWS`, each cut to :data:`RAW_CHARS` characters), so ``socmap quarantine
--batch N`` shows why, while a file of 200 MB of garbage costs the store a few hundred
kilobytes, not its size. A refused batch counts nowhere (not in ``summary``, not in
coverage) and goes when its file, a file of the same name or, for police.uk, a month and
force it named is loaded again (:func:`geo.ingest._replace.supersede_refused`), or by
``socmap batches remove``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from geo.filters import month_str
from geo.ingest._replace import Shrink
from geo.store._check import REFUSED_SAMPLE_ROWS

SAMPLE_ROWS = REFUSED_SAMPLE_ROWS
RAW_CHARS = 2000


def nothing_loads(file: str, rows: int, first: tuple[int, str] | None, batch_id: int) -> str:
    """The one line for a file none of whose rows can be stored."""
    where = f" (first: row {first[0]}: {first[1]})" if first else ""
    return (
        f"{file}: refused: none of its {rows:,} rows could be loaded{where}; nothing was "
        f"changed; {_kept(rows, batch_id)}"
    )


def shrinks_month(
    file: str,
    shrinks: list[Shrink],
    max_loss: float,
    rows: int,
    rejected: int,
    first: tuple[int, str] | None,
    batch_id: int,
) -> str:
    """The one line for a new edition that would empty or shrink stored months."""
    worst = shrinks[0]
    what = f"{month_str(worst.month)} ({worst.force or 'no force named'})"
    if worst.valid == 0:
        change = f"it would empty {what}: {worst.stored:,} rows are stored, none of this file's"
    else:
        change = (
            f"it would replace {what}, {worst.stored:,} rows stored, with {worst.valid:,} "
            f"({worst.lost:,} fewer, {worst.lost / worst.stored:.0%}; a load may remove at most "
            f"{max_loss:.0%} of a month, SOCMAP_MAX_MONTH_LOSS)"
        )
    more = f" (and {len(shrinks) - 1} more months)" if len(shrinks) > 1 else ""
    if rejected:
        why = (
            f"{rejected:,} of its {rows:,} rows were rejected"
            + (f" (first: row {first[0]}: {first[1]})" if first else "")
            + f"; {_kept(rejected, batch_id)}"
        )
    else:
        why = "none of its rows were rejected: is the file complete?"
    return (
        f"{file}: refused: {change}{more}; {why}; nothing was changed: correct the file, or "
        "pass --force-replace to replace the month anyway"
    )


def _kept(rejected: int, batch_id: int) -> str:
    kept = min(rejected, SAMPLE_ROWS)
    which = "its rejected rows are" if kept == rejected else f"the first {kept:,} rejected rows are"
    return f"{which} kept for inspection: `socmap quarantine --batch {batch_id}`"


def first_rejected(con: duckdb.DuckDBPyConnection) -> tuple[int, str] | None:
    row = con.execute(
        "SELECT row_number, reason FROM staged WHERE reason IS NOT NULL ORDER BY row_number LIMIT 1"
    ).fetchone()
    return (int(row[0]), row[1]) if row else None


def record_refused(
    con: duckdb.DuckDBPyConnection,
    *,
    batch_id: int,
    kind: str,
    source: str,
    file: str,
    checksum: str,
    counts: tuple[int, int, int, int],
    months: list,
    refusal: str,
) -> None:
    """Record batch ``batch_id`` as refused, with a sample of its rejected rows."""
    rows_read, loaded, unmapped, quarantined = counts
    con.execute(
        """
        INSERT INTO refused_rows
        SELECT ?, coalesce(source, ?), ?, row_number, reason,
               CASE WHEN length(coalesce(raw, '')) > ? THEN left(raw, ?) || '...'
                    ELSE coalesce(raw, '') END,
               month, category, incident_id, reported_by
        FROM staged WHERE reason IS NOT NULL ORDER BY row_number LIMIT ?
        """,
        [batch_id, source, file, RAW_CHARS, RAW_CHARS, SAMPLE_ROWS],
    )
    con.execute(
        """
        INSERT INTO batches (batch_id, kind, source, file, checksum, rows_read, loaded,
                             unmapped, quarantined, replaced, months, loaded_at, status,
                             superseded_by, replaced_later, refusal)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 'refused', NULL, 0, ?)
        """,
        [batch_id, kind, source, file, checksum, rows_read, loaded, unmapped, quarantined,
         months, datetime.now(UTC), refusal],
    )  # fmt: skip
