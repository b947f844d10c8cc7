"""How a new batch replaces what is stored: the :class:`ReplacePolicy` of a load.

``months`` (police.uk): a new edition of a month replaces that month for the force that
reported it ("Reported by"), rejects included, and a batch whose every month and force is
replaced goes as a whole. The months and forces a file replaces are those any of its rows
names, good or rejected: a new edition whose rows are all rejected still replaces its month
(and would empty it: :func:`shrinking_months` is the guard). ``ids`` (partner files): a row
replaces the stored row with its id. ``source`` (generated data): a batch replaces everything
from its source.

Every row a replacement removes is counted against the batch that held it
(``batches.replaced_later``), so every live batch still accounts for all it read. A refused
batch (:mod:`geo.ingest._refused`) of the same source goes when a later batch loads the same
file, a file of the same name, or (police.uk) a month and force it named.

Every function runs inside the load's transaction on the staging relations of
:mod:`geo.ingest._staging`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from geo.ingest._options import ReplacePolicy
from geo.ingest._staging import (
    REPLACED_KEYS,
    REPLACED_ROWS,
    STALE_REFUSED,
    WHOLE_BATCHES,
    require,
)


def prepare_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Month replacement: every (month, force) a row of the new file names."""
    con.execute(
        f"""
        CREATE TEMP TABLE {REPLACED_KEYS.name} AS
        SELECT DISTINCT month, coalesce(reported_by, '') AS force
        FROM staged_rows WHERE month IS NOT NULL
        """
    )
    require(con, REPLACED_KEYS)


def mark_stored_repeats(con: duckdb.DuckDBPyConnection, id_label: str, source: str) -> None:
    """Under month replacement, a Crime ID already stored for a month and force this file
    does not replace is the same crime published again (police.uk repeats a few in the next
    month): add those rows to the ``repeats`` table, so it is counted once."""
    con.execute(_ALREADY_STORED_SQL, [id_label, source])


_ALREADY_STORED_SQL = """
INSERT INTO repeats
SELECT s.row_number, ? || ' ' || s.incident_id || ' is already loaded for '
                     || strftime(i.month, '%Y-%m') || ' (batch ' || i.batch_id || ')'
FROM staged_rows s
JOIN (
    SELECT incident_id, min(month) AS month, min(batch_id) AS batch_id
    FROM incidents
    WHERE source = ? AND incident_id IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM replaced_keys k
          WHERE k.month = incidents.month AND k.force = coalesce(incidents.reported_by, ''))
      AND incident_id IN (SELECT incident_id FROM staged_rows WHERE reason IS NULL)
    GROUP BY incident_id
) AS i USING (incident_id)
WHERE s.reason IS NULL AND s.row_number NOT IN (SELECT row_number FROM repeats)
"""


@dataclass(frozen=True)
class Shrink:
    """A stored month (of one force) a new edition would shrink by more than allowed."""

    month: date
    force: str
    stored: int  # incidents stored now (mapped and unmapped)
    valid: int  # rows of the new file that would be stored

    @property
    def lost(self) -> int:
        return self.stored - self.valid


def shrinking_months(con: duckdb.DuckDBPyConnection, source: str, max_loss: float) -> list[Shrink]:
    """The months and forces the new edition would empty, or shrink by more than
    ``max_loss`` of their stored rows, worst first."""
    rows = con.execute(
        """
        WITH new AS (
            SELECT month, coalesce(reported_by, '') AS force,
                   count(*) FILTER (WHERE reason IS NULL) AS valid
            FROM staged WHERE month IS NOT NULL GROUP BY ALL
        ), old AS (
            SELECT i.month, k.force, count(*) AS stored
            FROM incidents i JOIN replaced_keys k
              ON i.month = k.month AND coalesce(i.reported_by, '') = k.force
            WHERE i.source = ? GROUP BY ALL
        )
        SELECT n.month, n.force, o.stored, n.valid
        FROM new n JOIN old o USING (month, force)
        WHERE n.valid = 0 OR o.stored - n.valid > ? * o.stored
        ORDER BY o.stored - n.valid DESC, n.month
        """,
        [source, max_loss],
    ).fetchall()
    return [Shrink(m, f, int(s), int(v)) for m, f, s, v in rows]


def remove_replaced(
    con: duckdb.DuckDBPyConnection, policy: ReplacePolicy, source: str, batch_id: int
) -> int:
    """Remove what batch ``batch_id`` (its rows in the ``staged`` view) replaces under
    ``policy``; returns how many stored incidents it replaced."""
    match ReplacePolicy.parse(policy):
        case ReplacePolicy.MONTHS:
            replaced = _replace_months(con, source)
        case ReplacePolicy.IDS:
            replaced = _replace_ids(con, source)
        case ReplacePolicy.SOURCE:
            replaced = _remove(
                con, "incidents WHERE source = ?", "quarantine WHERE source = ?", [source]
            )
    _supersede_emptied_batches(con, source, batch_id)
    return replaced


def _replace_months(con: duckdb.DuckDBPyConnection, source: str) -> int:
    """A new edition of a month replaces that month for the forces it covers, rejects included.

    The key is (month, force): police.uk publishes one file per force ("Reported by") and
    month, and British Transport Police reports crimes that fall within Kent, so a BTP file
    for a month must leave Kent Police's file for that month, its rejects and its batch
    alone. A stored batch whose every key is replaced goes as a whole (rows whose month or
    force could not be read included) and is superseded; a batch only partly covered keeps
    its other keys' rows and stays active.
    """
    con.execute(_WHOLE_BATCHES_SQL, [source])
    require(con, WHOLE_BATCHES)
    keyed = "EXISTS (SELECT 1 FROM replaced_keys k WHERE k.month = {t}.month AND k.force = " \
        "coalesce({t}.reported_by, ''))"  # fmt: skip
    return _remove(
        con,
        f"incidents WHERE source = ? AND {keyed.format(t='incidents')}",
        "quarantine WHERE source = ? AND (batch_id IN (SELECT batch_id FROM whole_batches) "
        f"OR {keyed.format(t='quarantine')})",
        [source],
    )


# Stored batches all of whose incidents have a key the new edition replaces.
_WHOLE_BATCHES_SQL = f"""
CREATE TEMP TABLE {WHOLE_BATCHES.name} AS
SELECT i.batch_id
FROM incidents i
LEFT JOIN replaced_keys k ON i.month = k.month AND coalesce(i.reported_by, '') = k.force
WHERE i.source = ?
GROUP BY i.batch_id
HAVING count(k.month) = count(*)
"""


def _replace_ids(con: duckdb.DuckDBPyConnection, source: str) -> int:
    """Good rows replace stored rows with their ids. Only good rows do: a bad row in a new
    edition must not delete the good one already stored. Any row with an id (good or bad)
    replaces an earlier quarantined row with that id, which it corrects or repeats."""
    return _remove(
        con,
        "incidents WHERE source = ? AND incident_id IN (SELECT incident_id FROM staged "
        "WHERE reason IS NULL AND incident_id IS NOT NULL)",
        "quarantine WHERE source = ? AND incident_id IN (SELECT incident_id FROM staged "
        "WHERE incident_id IS NOT NULL)",
        [source],
    )


def _remove(
    con: duckdb.DuckDBPyConnection, incidents: str, quarantine: str, params: list[object]
) -> int:
    """Delete the incidents and quarantined rows the two ``FROM`` clauses select (fixed SQL
    from this module, values as parameters), counting them against their batches first."""
    con.execute(
        f"""
        CREATE TEMP TABLE {REPLACED_ROWS.name} AS
        SELECT batch_id, count(*) AS n FROM (
            SELECT batch_id FROM {incidents} UNION ALL SELECT batch_id FROM {quarantine}
        ) GROUP BY batch_id
        """,
        params + params,
    )
    require(con, REPLACED_ROWS)
    con.execute(
        "UPDATE batches SET replaced_later = coalesce(replaced_later, 0) + r.n "
        "FROM replaced_rows r WHERE batches.batch_id = r.batch_id"
    )
    (replaced,) = con.execute(f"DELETE FROM {incidents}", params).fetchone()
    con.execute(f"DELETE FROM {quarantine}", params)
    return int(replaced)


def _supersede_emptied_batches(con: duckdb.DuckDBPyConnection, source: str, batch_id: int) -> None:
    # A batch with nothing left is superseded, so loading its file again is a real load
    # (the newest load wins) rather than "already loaded".
    con.execute(
        """
        UPDATE batches SET status = 'superseded', superseded_by = ?
        WHERE source = ? AND status = 'active'
          AND batch_id NOT IN (SELECT batch_id FROM incidents WHERE source = ?)
          AND batch_id NOT IN (SELECT batch_id FROM quarantine WHERE source = ?)
        """,
        [batch_id, source, source, source],
    )


def supersede_refused(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    batch_id: int,
    file: str,
    checksum: str,
    by_month: bool,
) -> None:
    """Refused batches of ``source`` that batch ``batch_id`` (loaded or refused itself) makes
    stale go, with their kept rows: those of the same file, or a file of the same name, and
    under month replacement those naming a month and force this batch names."""
    keyed = (
        " OR batch_id IN (SELECT r.batch_id FROM refused_rows r JOIN replaced_keys k "
        "ON r.month = k.month AND coalesce(r.reported_by, '') = k.force)"
        if by_month
        else ""
    )
    con.execute(
        f"""
        CREATE TEMP TABLE {STALE_REFUSED.name} AS
        SELECT batch_id FROM batches
        WHERE source = ? AND status = 'refused' AND batch_id <> ?
          AND (checksum = ? OR file = ?{keyed})
        """,
        [source, batch_id, checksum, file],
    )
    require(con, STALE_REFUSED)
    con.execute("DELETE FROM refused_rows WHERE batch_id IN (SELECT batch_id FROM stale_refused)")
    con.execute(
        "UPDATE batches SET status = 'superseded', superseded_by = ? "
        "WHERE batch_id IN (SELECT batch_id FROM stale_refused)",
        [batch_id],
    )
