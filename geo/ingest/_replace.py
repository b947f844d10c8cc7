"""How a new batch replaces what is stored: the policies of :class:`geo.ingest._load.LoadSpec`.

``months`` (police.uk): a new edition of a month replaces that month for the force that
reported it ("Reported by"), its rejects included, and a batch whose every month and force is
replaced is superseded. ``ids`` (partner files): a row replaces the stored row with its id.
``source`` (generated data): a batch replaces everything from its source.

Every function runs inside the load's transaction, on the ``staged`` view (the new batch's
rows with their reasons) or ``staged_rows`` (before repeats are marked).
"""

from __future__ import annotations

import duckdb


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
          SELECT 1 FROM staged_rows n
          WHERE n.reason IS NULL AND n.month = incidents.month
            AND coalesce(n.reported_by, '') = coalesce(incidents.reported_by, ''))
      AND incident_id IN (SELECT incident_id FROM staged_rows WHERE reason IS NULL)
    GROUP BY incident_id
) AS i USING (incident_id)
WHERE s.reason IS NULL AND s.row_number NOT IN (SELECT row_number FROM repeats)
"""


def remove_replaced(con: duckdb.DuckDBPyConnection, policy: str, source: str, batch_id: int) -> int:
    """Remove what batch ``batch_id`` (its rows in the ``staged`` view) replaces under
    ``policy``; returns how many stored incidents it replaced."""
    if policy == "months":
        return _replace_months(con, source, batch_id)
    if policy == "ids":
        return _replace_ids(con, source, batch_id)
    if policy == "source":
        return _replace_source(con, source, batch_id)
    raise ValueError(f"unknown replace policy {policy!r}")


def _replace_months(con: duckdb.DuckDBPyConnection, source: str, batch_id: int) -> int:
    """A new edition of a month replaces that month for the forces it covers, rejects included.

    The key is (month, force): police.uk publishes one file per force ("Reported by") and
    month, and British Transport Police reports crimes that fall within Kent, so a BTP file
    for a month must leave Kent Police's file for that month, its rejects and its batch
    alone. A stored batch whose every key is replaced goes as a whole (rows whose month or
    force could not be read included) and is superseded; a batch only partly covered keeps
    its other keys' rows and stays active.
    """
    con.execute(
        """
        CREATE TEMP TABLE replaced_keys AS
        SELECT DISTINCT month, coalesce(reported_by, '') AS force
        FROM staged WHERE reason IS NULL
        """
    )
    con.execute(_WHOLE_BATCHES_SQL, [source])
    replaced = con.execute(
        """
        DELETE FROM incidents i USING replaced_keys k
        WHERE i.source = ? AND i.month = k.month AND coalesce(i.reported_by, '') = k.force
        """,
        [source],
    ).fetchone()[0]
    con.execute(
        """
        DELETE FROM quarantine q
        WHERE q.source = ? AND (
            q.batch_id IN (SELECT batch_id FROM whole_batches)
            OR EXISTS (SELECT 1 FROM replaced_keys k
                       WHERE k.month = q.month AND k.force = coalesce(q.reported_by, '')))
        """,
        [source],
    )
    _supersede_emptied_batches(con, source, batch_id)
    con.execute("DROP TABLE replaced_keys")
    con.execute("DROP TABLE whole_batches")
    return int(replaced)


# Stored batches all of whose incidents have a key the new edition replaces.
_WHOLE_BATCHES_SQL = """
CREATE TEMP TABLE whole_batches AS
SELECT i.batch_id
FROM incidents i
LEFT JOIN replaced_keys k ON i.month = k.month AND coalesce(i.reported_by, '') = k.force
WHERE i.source = ?
GROUP BY i.batch_id
HAVING count(k.month) = count(*)
"""


def _replace_ids(con: duckdb.DuckDBPyConnection, source: str, batch_id: int) -> int:
    """Good rows replace stored rows with their ids. Only good rows do: a bad row in a new
    edition must not delete the good one already stored. Any row with an id (good or bad)
    replaces an earlier quarantined row with that id, which it corrects or repeats."""
    replaced = con.execute(
        """
        DELETE FROM incidents
        WHERE source = ? AND incident_id IN (
            SELECT incident_id FROM staged
            WHERE reason IS NULL AND incident_id IS NOT NULL)
        """,
        [source],
    ).fetchone()[0]
    con.execute(
        """
        DELETE FROM quarantine
        WHERE source = ? AND incident_id IN (
            SELECT incident_id FROM staged WHERE incident_id IS NOT NULL)
        """,
        [source],
    )
    _supersede_emptied_batches(con, source, batch_id)
    return int(replaced)


def _replace_source(con: duckdb.DuckDBPyConnection, source: str, batch_id: int) -> int:
    replaced = con.execute("DELETE FROM incidents WHERE source = ?", [source]).fetchone()[0]
    con.execute("DELETE FROM quarantine WHERE source = ?", [source])
    _supersede_emptied_batches(con, source, batch_id)
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
