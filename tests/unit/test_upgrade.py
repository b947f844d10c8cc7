"""``socmap store upgrade``: a version-4 store (resolution-10 cells only) brought up to date
from its stored coordinates answers as a store loaded afresh; a version-5 store gains the
(empty) context tables; anything older is refused."""

from __future__ import annotations

import shutil

import pytest

from geo import Settings, Store, ingest_police_uk
from geo.errors import StoreError
from geo.filters import Filters
from geo.grid import CELL_COLUMNS
from geo.store._schema import CONTEXT_DDL, DDL
from geo.store.queries.counts import hex_counts
from geo.themes import load_themes
from socmap.cli import main
from tests.support.police_uk import CANTERBURY, MAIDSTONE, MARGATE, row, write_csv

THEMES = load_themes()


CONTEXT_TABLES = [s.split("CREATE TABLE ")[1].split()[0] for s in CONTEXT_DDL]


def _as_version_5(path) -> None:
    """What a store written before schema 6 holds: no context tables."""
    import duckdb

    con = duckdb.connect(str(path))
    for table in CONTEXT_TABLES:
        con.execute(f"DROP TABLE {table}")
    con.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    con.close()


def _as_version_4(path) -> None:
    """What a store written before schema 5 holds: no cell_5 to cell_9 (nor context tables)."""
    import duckdb

    _as_version_5(path)
    con = duckdb.connect(str(path))
    for column in CELL_COLUMNS[:-1]:
        con.execute(f"ALTER TABLE incidents DROP COLUMN {column}")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    con.close()


@pytest.fixture
def loaded(tmp_path):
    settings = Settings(db_path=tmp_path / "socmap.duckdb")
    store = Store(settings.db_path)
    points = [MAIDSTONE, CANTERBURY, MARGATE, ("0.5301", "51.2712"), ("", "")]
    rows = [row(f"id{i}", lon_lat=p) for i, p in enumerate(points * 7)]
    ingest_police_uk(store, write_csv(tmp_path / "f.csv", rows), settings, progress=False)
    store.close()
    return settings


def _snapshot(path):
    store = Store(path)
    try:
        columns = ", ".join(["uid", *CELL_COLUMNS])
        rows = store.fetch_rows(f"SELECT {columns} FROM incidents ORDER BY uid")
        layout = store.fetch_rows("SELECT column_name FROM (DESCRIBE incidents)")
        counts = {
            res: sorted(hex_counts(store, Filters(), res, THEMES)["count"].to_pylist())
            for res in range(5, 11)
        }
        return rows, layout, counts
    finally:
        store.close()


def test_an_upgraded_store_equals_one_loaded_afresh(loaded, tmp_path, capsys):
    fresh = _snapshot(loaded.db_path)
    old = tmp_path / "old.duckdb"
    shutil.copyfile(loaded.db_path, old)
    _as_version_4(old)
    with pytest.raises(StoreError, match=r"version 4.*socmap --db .* store upgrade"):
        Store(old).fetch_rows("SELECT 1")
    assert main(["--db", str(old), "store", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert "upgraded from schema version 4 to 6" in out
    assert "hexagons at every resolution computed for 28 incidents" in out
    assert _snapshot(old) == fresh
    assert main(["--db", str(old), "store", "upgrade"]) == 0
    assert "nothing changed" in capsys.readouterr().out


def test_a_store_too_old_to_upgrade_is_refused_and_left_alone(loaded, capsys):
    import duckdb

    con = duckdb.connect(str(loaded.db_path))
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    before = loaded.db_path.read_bytes()
    assert main(["--db", str(loaded.db_path), "store", "upgrade"]) == 2
    assert "cannot be upgraded; rebuild it" in capsys.readouterr().err
    assert loaded.db_path.read_bytes() == before


def _tables(path):
    store = Store(path)
    try:
        return {
            name: store.fetch_rows(f"SELECT column_name, column_type FROM (DESCRIBE {name})")
            for (name,) in store.fetch_rows("SELECT table_name FROM duckdb_tables() ORDER BY 1")
        }
    finally:
        store.close()


def test_a_version_5_store_gains_the_context_tables(loaded, tmp_path, capsys):
    """The upgraded store has every table a new store has, the same layout, and its data."""
    fresh, tables = _snapshot(loaded.db_path), _tables(loaded.db_path)
    assert set(CONTEXT_TABLES) <= set(tables) and len(CONTEXT_DDL) < len(DDL)
    old = tmp_path / "old5.duckdb"
    shutil.copyfile(loaded.db_path, old)
    _as_version_5(old)
    with pytest.raises(StoreError, match=r"version 5.*store upgrade"):
        Store(old).fetch_rows("SELECT 1")
    assert main(["--db", str(old), "store", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert "upgraded from schema version 5 to 6: context tables added" in out
    assert "hexagons" not in out
    assert _tables(old) == tables
    assert _snapshot(old) == fresh
    from geo.context import context_sets, search_places

    assert context_sets(Store(old)) == [] and search_places(Store(old), "Margate") == []
