"""Rows whose id repeats: rejected with a reason, and quarantined with their own text.

Runs inside the load's transaction on ``staged_rows`` (the new batch's rows) and leaves the
``repeats`` table (row number, reason, raw text) and the ``staged`` view (the rows with those
reasons) for the rest of :mod:`geo.ingest._load` (the contracts: :mod:`geo.ingest._staging`).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import numpy as np
import pyarrow as pa

from geo.ingest._replace import mark_stored_repeats
from geo.ingest._staging import REPEAT_TEXT, REPEATS, STAGED, require


def reject_repeats(
    con: duckdb.DuckDBPyConnection,
    id_label: str,
    by_month: bool,
    source: str,
    raw_texts: list[Callable[[np.ndarray], pa.Table]],
) -> None:
    """Reject rows whose id repeats, and expose the staged rows with those reasons.

    A second row with an id seen earlier in the file is a duplicate (rows with no id, such
    as police.uk anti-social behaviour, never are). Under month replacement, an id already
    stored for a month and force this file does not replace is the same crime published
    again (police.uk repeats a few in the next month): it is counted once.
    """
    con.execute(
        f"""
        CREATE TEMP TABLE {REPEATS.name} AS
        SELECT row_number, 'duplicate ' || ? || ' ' || incident_id
                           || ' (first at row ' || first_row || ')' AS reason
        FROM (
            SELECT row_number, incident_id,
                   min(row_number) OVER (PARTITION BY incident_id) AS first_row
            FROM staged_rows
            WHERE reason IS NULL AND incident_id IN (
                -- Only ids that repeat go through the window: a count is a hash
                -- aggregate, while a window over every row sorts them all.
                SELECT incident_id FROM staged_rows
                WHERE reason IS NULL AND incident_id IS NOT NULL
                GROUP BY incident_id HAVING count(*) > 1)
        )
        WHERE row_number <> first_row
        """,
        [id_label],
    )
    if by_month:
        mark_stored_repeats(con, id_label, source)
    _add_repeat_text(con, raw_texts)
    require(con, REPEATS)
    con.execute(
        f"""
        CREATE TEMP VIEW {STAGED.name} AS
        SELECT s.* REPLACE (coalesce(s.reason, r.reason) AS reason,
                            coalesce(s.raw, r.raw) AS raw)
        FROM staged_rows s LEFT JOIN repeats r USING (row_number)
        """
    )
    require(con, STAGED)


def _add_repeat_text(
    con: duckdb.DuckDBPyConnection, raw_texts: list[Callable[[np.ndarray], pa.Table]]
) -> None:
    """Give each rejected repeat its raw text, from the chunks that can recover it."""
    con.execute("ALTER TABLE repeats ADD COLUMN raw VARCHAR")
    numbers = con.sql("SELECT row_number FROM repeats").fetchnumpy()["row_number"]
    if not raw_texts or len(numbers) == 0:
        return
    con.register(REPEAT_TEXT.name, pa.concat_tables([text(numbers) for text in raw_texts]))
    require(con, REPEAT_TEXT)
    con.execute(
        "UPDATE repeats SET raw = t.raw FROM repeat_text t WHERE repeats.row_number = t.row_number"
    )
