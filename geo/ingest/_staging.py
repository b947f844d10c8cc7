"""The relations a load makes inside its transaction: what each holds, who writes it, who
reads it. Nothing else in a load's connection is shared between modules.

A batch goes through the store's connection in this order (``geo.ingest._load`` runs it):

1. ``staged_rows`` (:data:`STAGED_ROWS`): every row of the file, good and bad, in storage
   order, as an Arrow table shown to DuckDB as a view (written once, never copied).
2. ``repeats`` (:data:`REPEATS`): the good rows whose id repeats, with their reason and
   their text as the file had it (via ``repeat_text``, :data:`REPEAT_TEXT`).
3. ``staged`` (:data:`STAGED`): ``staged_rows`` with the repeats' reasons; from here on every
   step reads ``staged``.
4. Under month replacement, ``replaced_keys`` (:data:`REPLACED_KEYS`, made before the
   repeats, which need it) and ``whole_batches`` (:data:`WHOLE_BATCHES`) say what the batch
   replaces, and ``replaced_rows`` (:data:`REPLACED_ROWS`) how many rows of each stored batch
   that removes; ``stale_refused`` (:data:`STALE_REFUSED`) the refused batches it makes stale.
5. Incidents and quarantine are inserted from ``staged``, the batch recorded, and every
   relation here dropped (:func:`drop_all`), so the published file holds none of them.

Each contract's columns are checked against the relation once it exists (:func:`require`),
so a module that changes what it writes breaks its load, not a reader three modules away.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from geo.errors import SocmapError
from geo.grid import CELL_COLUMNS
from geo.ingest._stage import ARROW_TYPES, CANONICAL


@dataclass(frozen=True)
class Staging:
    """One relation of a load: its name, kind, columns and who writes and reads it."""

    name: str
    kind: str  # "arrow view" (a registered Arrow table) | "temp table" | "temp view"
    columns: tuple[str, ...]
    written_by: str
    read_by: str

    def drop_sql(self) -> str:
        # Names come from the contracts below, never from input.
        return {
            "arrow view": "",
            "temp table": f"DROP TABLE IF EXISTS {self.name}",
            "temp view": f"DROP VIEW IF EXISTS {self.name}",
        }[self.kind]


# Canonical columns (geo.ingest._stage), the cell at every resolution, and the areas.
_STAGED_COLUMNS = (*CANONICAL, *CELL_COLUMNS, "district", "division")

STAGED_ROWS = Staging(
    "staged_rows",
    "arrow view",
    _STAGED_COLUMNS,
    written_by="geo.ingest._load (every chunk staged, placed and put in storage order)",
    read_by="geo.ingest._repeats (duplicate ids), geo.ingest._replace (ids already stored)",
)
REPEAT_TEXT = Staging(
    "repeat_text",
    "arrow view",
    ("row_number", "raw"),
    written_by="geo.ingest._repeats (from each chunk's raw_text)",
    read_by="geo.ingest._repeats (fills repeats.raw)",
)
REPEATS = Staging(
    "repeats",
    "temp table",
    ("row_number", "reason", "raw"),
    written_by="geo.ingest._repeats and geo.ingest._replace.mark_stored_repeats",
    read_by="geo.ingest._repeats (the staged view)",
)
STAGED = Staging(
    "staged",
    "temp view",
    _STAGED_COLUMNS,
    written_by="geo.ingest._repeats (staged_rows with the repeats' reasons)",
    read_by="geo.ingest._replace, geo.ingest._refused and geo.ingest._load (insert, record)",
)
REPLACED_KEYS = Staging(
    "replaced_keys",
    "temp table",
    ("month", "force"),
    written_by="geo.ingest._replace (every month and force a police.uk file names)",
    read_by="geo.ingest._replace (what is deleted, which batches go whole)",
)
WHOLE_BATCHES = Staging(
    "whole_batches",
    "temp table",
    ("batch_id",),
    written_by="geo.ingest._replace (stored batches all of whose rows are replaced)",
    read_by="geo.ingest._replace (their rejected rows go too)",
)
REPLACED_ROWS = Staging(
    "replaced_rows",
    "temp table",
    ("batch_id", "n"),
    written_by="geo.ingest._replace (rows of each stored batch about to be deleted)",
    read_by="geo.ingest._replace (batches.replaced_later)",
)

STALE_REFUSED = Staging(
    "stale_refused",
    "temp table",
    ("batch_id",),
    written_by="geo.ingest._replace.supersede_refused (refused batches this batch makes stale)",
    read_by="geo.ingest._replace.supersede_refused (their kept rows go)",
)

ALL = (
    STAGED_ROWS,
    REPEAT_TEXT,
    REPEATS,
    STAGED,
    REPLACED_KEYS,
    WHOLE_BATCHES,
    REPLACED_ROWS,
    STALE_REFUSED,
)


def staged_schema() -> pa.Schema:
    """The Arrow schema of ``staged_rows`` (text columns may also arrive dictionary-encoded)."""
    fields = [pa.field(name, ARROW_TYPES[t]) for name, t in CANONICAL.items()]
    fields += [pa.field(column, pa.uint64()) for column in CELL_COLUMNS]
    fields += [pa.field("district", pa.string()), pa.field("division", pa.string())]
    return pa.schema(fields)


def require(con: duckdb.DuckDBPyConnection, contract: Staging) -> None:
    """Check the relation ``contract`` names has exactly its columns, in order."""
    got = tuple(r[0] for r in con.execute(f"DESCRIBE {contract.name}").fetchall())
    if got != contract.columns:
        raise SocmapError(
            f"internal error: {contract.name} has columns {got}, its contract says "
            f"{contract.columns}"
        )


def drop_all(con: duckdb.DuckDBPyConnection) -> None:
    """Remove every relation of a load (views first: they read the tables)."""
    for contract in sorted(ALL, key=lambda c: c.kind != "temp view"):
        if contract.kind == "arrow view":
            con.unregister(contract.name)
        else:
            con.execute(contract.drop_sql())
