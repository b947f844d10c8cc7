"""``socmap store upgrade``: bring a store of an older schema version up to date in place.

Each step takes a store one version on; a store of version 4 runs all four.

Version 9 adds the pre-aggregated hexagon counts (:mod:`geo.store._counts`), counted from
the stored incidents in the upgrade's transaction by the function every write uses.

Version 8 adds each batch's ``replaced_later`` (rows that later batches replaced, so that for
every live batch rows read = stored + quarantined + replaced later) and ``refusal``, and the
``refused_rows`` and ``store_log`` tables, empty. ``replaced_later`` of a stored batch is what
it no longer holds: a version-7 store recorded no more than that.

Version 7 adds the register tables (schools and care locations), empty: ``socmap registers
load`` fills them. Version 6 adds the context tables (geo.context), empty: ``socmap context
load`` fills them.

Version 5 stores each incident's own H3 cell at resolutions 5 to 9 beside the resolution-10
``cell`` (H3 cells do not nest, so a coarse count cannot come from the fine cell). Every
stored incident keeps its WGS84 coordinates, so the new columns are computed exactly from
them, by the same function a load uses: an upgraded store answers every query as a store
loaded afresh would. The work happens on a copy in one transaction, as a load does, so an
interrupted upgrade changes nothing.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from geo.errors import StoreError
from geo.grid import CELL_COLUMNS, RESOLUTIONS, incidents_to_cell_columns
from geo.store._counts import COUNTS_DDL, refresh_counts
from geo.store._file import Store
from geo.store._schema import (
    BATCHES_V8,
    CONTEXT_DDL,
    LOADS_DDL,
    REGISTER_DDL,
    SCHEMA_VERSION,
    UPGRADABLE,
)

_NEW_COLUMNS = [c for c in CELL_COLUMNS if c != "cell"]


def upgrade_store(store: Store) -> tuple[str, int]:
    """Upgrade ``store`` to the current schema. Returns (the version it had, incidents
    whose cells were computed, 0 from version 5 or 6); (current version, 0) when there was
    nothing to do."""
    if not store.exists():
        raise StoreError(f"{store.path}: no store here to upgrade")
    found = store.schema_version()
    if found == SCHEMA_VERSION:
        return found, 0
    if found not in UPGRADABLE:
        raise StoreError(
            f"{store.path}: store schema version {found} cannot be upgraded; rebuild it (move "
            "the file aside and load the data again)"
        )
    computed = 0
    with store.writing(upgrading=True) as con:
        if found == "4":
            computed = _add_cell_columns(con)
        if found in ("4", "5"):
            for statement in CONTEXT_DDL:  # version 6
                con.execute(statement)
        if found in ("4", "5", "6"):
            for statement in REGISTER_DDL:  # version 7
                con.execute(statement)
        if found != "8":
            _add_load_tables(con)  # version 8
        for statement in COUNTS_DDL:  # version 9
            con.execute(statement)
        refresh_counts(con)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [SCHEMA_VERSION])
    return found, computed


def _add_load_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Version 8: what later batches replaced, why a batch was refused, and two new tables."""
    for statement in [*BATCHES_V8, *LOADS_DDL]:
        con.execute(statement)
    con.execute(
        """
        UPDATE batches SET replaced_later = rows_read
            - (SELECT count(*) FROM incidents i WHERE i.batch_id = batches.batch_id)
            - (SELECT count(*) FROM quarantine q WHERE q.batch_id = batches.batch_id)
        """
    )


def _add_cell_columns(con: duckdb.DuckDBPyConnection) -> int:
    """Version 5: each incident's own cell at resolutions 5 to 9, from its coordinates."""
    for column in _NEW_COLUMNS:  # fixed identifiers from geo.grid._cells
        con.execute(f"ALTER TABLE incidents ADD COLUMN {column} UBIGINT")
    rows = con.execute(
        "SELECT uid, latitude, longitude FROM incidents WHERE latitude IS NOT NULL"
    ).fetchnumpy()
    cells = incidents_to_cell_columns(
        np.asarray(rows["latitude"], dtype=np.float64),
        np.asarray(rows["longitude"], dtype=np.float64),
    )
    computed = {
        column: pa.array(cells[i], pa.uint64(), mask=cells[i] == 0)
        for i, column in enumerate(CELL_COLUMNS)
    }
    table = pa.table({"uid": pa.array(rows["uid"], pa.int64()), **computed})
    con.register("upgraded_cells", table)
    try:
        # Every resolution, 10 included, from the one function a load uses.
        assignments = ", ".join(f"{c} = u.{c}" for c in CELL_COLUMNS)
        con.execute(
            f"UPDATE incidents SET {assignments} FROM upgraded_cells u WHERE incidents.uid = u.uid"
        )
    finally:
        con.unregister("upgraded_cells")
    return len(rows["uid"])


assert len(CELL_COLUMNS) == len(RESOLUTIONS)
