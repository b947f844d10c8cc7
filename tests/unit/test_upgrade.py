"""``socmap store upgrade``: a version-4 store (resolution-10 cells only) brought up to date
from its stored coordinates answers as a store loaded afresh; a version-5 store gains the
(empty) context tables, a version-6 store the (empty) register tables; a version-7 store gains
each batch's rows replaced later and the tables of refused files and of the store's log, and
passes the store check; a version-8 store gains the pre-aggregated hexagon counts, equal to a
store loaded afresh and to a count of its incidents; anything older is refused."""

from __future__ import annotations

import shutil

import pytest

from geo import Settings, Store, ingest_police_uk
from geo.errors import StoreError
from geo.filters import Filters
from geo.grid import CELL_COLUMNS
from geo.store._counts import COUNT_TABLES
from geo.store._schema import CONTEXT_DDL, DDL, LOADS_DDL, REGISTER_DDL, SCHEMA_VERSION
from geo.store.queries.counts import hex_counts
from geo.themes import load_themes
from socmap.cli import main
from tests.support.police_uk import CANTERBURY, MAIDSTONE, MARGATE, row, write_csv

THEMES = load_themes()


CONTEXT_TABLES = [s.split("CREATE TABLE ")[1].split()[0] for s in CONTEXT_DDL]
REGISTER_TABLES = [s.split("CREATE TABLE ")[1].split()[0] for s in REGISTER_DDL]


LOADS_TABLES = [s.split("CREATE TABLE ")[1].split()[0] for s in LOADS_DDL]


def _without_loads_history(con) -> None:
    # Schema 8's refused batches must not exist yet in a store made to look older.
    assert con.execute("SELECT count(*) FROM batches WHERE status = 'refused'").fetchone() == (0,)
    for table in LOADS_TABLES:
        con.execute(f"DROP TABLE {table}")
    for column in ("replaced_later", "refusal"):
        con.execute(f"ALTER TABLE batches DROP COLUMN {column}")


# What each schema version added, undone: a store "as version N" lacks what N+1 and every
# later version added. Newest first, so each step undoes the one after it.
_ADDED = {
    9: lambda con: [con.execute(f"DROP TABLE {t}") for t in COUNT_TABLES],
    8: _without_loads_history,
    7: lambda con: [con.execute(f"DROP TABLE {t}") for t in REGISTER_TABLES],
    6: lambda con: [con.execute(f"DROP TABLE {t}") for t in CONTEXT_TABLES],
    5: lambda con: [
        con.execute(f"ALTER TABLE incidents DROP COLUMN {c}") for c in CELL_COLUMNS[:-1]
    ],
}


def _as_version(path, version: int) -> None:
    """Make the store at ``path`` what a store written at schema ``version`` holds: 4 has
    resolution-10 cells only, 5 no context tables, 6 no register tables, 7 no loads history
    (replaced rows, refused files, the store log), 8 no pre-aggregated hexagon counts."""
    import duckdb

    assert set(_ADDED) == set(range(5, int(SCHEMA_VERSION) + 1)), "a new schema step to undo here"
    con = duckdb.connect(str(path))
    for step in sorted(_ADDED, reverse=True):
        if step > version:
            _ADDED[step](con)
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])
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
    _as_version(old, 4)
    with pytest.raises(StoreError, match=r"version 4.*socmap --db .* store upgrade"):
        Store(old).fetch_rows("SELECT 1")
    assert main(["--db", str(old), "store", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"upgraded from schema version 4 to {SCHEMA_VERSION}" in out
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
    _as_version(old, 5)
    with pytest.raises(StoreError, match=r"version 5.*store upgrade"):
        Store(old).fetch_rows("SELECT 1")
    assert main(["--db", str(old), "store", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"upgraded from schema version 5 to {SCHEMA_VERSION}: context tables added" in out
    assert "hexagons" not in out
    assert _tables(old) == tables
    assert _snapshot(old) == fresh
    from geo.context import context_sets, search_places

    assert context_sets(Store(old)) == [] and search_places(Store(old), "Margate") == []


def test_a_version_6_store_gains_the_register_tables(loaded, tmp_path, capsys):
    fresh, tables = _snapshot(loaded.db_path), _tables(loaded.db_path)
    assert set(REGISTER_TABLES) <= set(tables)
    old = tmp_path / "old6.duckdb"
    shutil.copyfile(loaded.db_path, old)
    _as_version(old, 6)
    with pytest.raises(StoreError, match=r"version 6.*store upgrade"):
        Store(old).fetch_rows("SELECT 1")
    assert main(["--db", str(old), "store", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"upgraded from schema version 6 to {SCHEMA_VERSION}: register tables added" in out
    assert "context tables" not in out and "hexagons" not in out
    assert _tables(old) == tables
    assert _snapshot(old) == fresh
    from geo.store.queries.rates import register_batches

    assert register_batches(Store(old)).empty


def test_a_version_7_store_gains_what_later_batches_replaced(tmp_path, capsys):
    """A store with history (a month replaced by a new edition, rejects in both, a partly
    covered batch) upgraded from version 7 records for each batch what later batches
    replaced exactly as a store loaded afresh does, and passes the whole store check."""
    from geo.store import check_store_file

    settings = _history(tmp_path, edition_copies=5)
    batches_sql = "SELECT batch_id, status, rows_read, replaced_later FROM batches ORDER BY 1"
    fresh, tables = Store(settings.db_path).fetch_rows(batches_sql), _tables(settings.db_path)
    # The October edition replaced October (20 rows and a reject) of the first batch, which
    # keeps its three November rows and stays active.
    assert fresh == [(1, "active", 24, 21), (2, "active", 21, 0)]
    old = tmp_path / "old7.duckdb"
    shutil.copyfile(settings.db_path, old)
    _as_version(old, 7)
    with pytest.raises(StoreError, match=r"version 7.*store upgrade"):
        Store(old).fetch_rows("SELECT 1")
    assert main(["--db", str(old), "store", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"upgraded from schema version 7 to {SCHEMA_VERSION}" in out
    assert "context tables" not in out and "register tables" not in out
    assert _tables(old) == tables
    assert Store(old).fetch_rows(batches_sql) == fresh
    report = check_store_file(old)
    assert report.ok, report.problems


def _history(tmp_path, *, edition_copies: int = 6):
    """A store with history: a month replaced by a new edition (``edition_copies`` times the
    four points), rejects, unmapped rows, a batch partly replaced."""
    settings = Settings(db_path=tmp_path / "socmap.duckdb")
    store = Store(settings.db_path)
    points = [MAIDSTONE, CANTERBURY, MARGATE, ("", "")]
    first = [row(f"a{i}", lon_lat=p) for i, p in enumerate(points * 5)]
    first += [row("bad1", lon_lat=("x", "51.2"))]
    first += [row(f"n{i}", month="2018-11", lon_lat=MAIDSTONE) for i in range(3)]
    ingest_police_uk(store, write_csv(tmp_path / "oct-nov.csv", first), settings, progress=False)
    second = [row(f"b{i}", lon_lat=p) for i, p in enumerate(points * edition_copies)]
    second += [row("bad2", lon_lat=("y", "51.2"))]
    ingest_police_uk(store, write_csv(tmp_path / "oct-v2.csv", second), settings, progress=False)
    store.close()
    return settings


def _count_rows(path):
    store = Store(path)
    try:
        return {t: store.fetch_rows(f"SELECT * FROM {t} ORDER BY ALL") for t in COUNT_TABLES}
    finally:
        store.close()


def test_a_version_8_store_gains_the_hexagon_counts(tmp_path, capsys):
    """Upgraded from version 8, the counts are the ones a store loaded afresh keeps (every
    resolution, unmapped incidents with no cell, the replaced month counted once), every
    count query answers the same, and the whole store check (which compares the counts with
    the incidents row for row) passes."""
    from geo.store import check_store_file

    settings = _history(tmp_path)
    fresh_counts, tables = _count_rows(settings.db_path), _tables(settings.db_path)
    fresh = _snapshot(settings.db_path)
    # October's second edition (18 mapped, 6 unmapped) and November's 3, at every resolution.
    for res in range(5, 11):
        rows = fresh_counts[f"cell_counts_{res}"]
        assert sum(r[-1] for r in rows) == 27
        assert sum(r[-1] for r in rows if r[5] is None) == 6
    old = tmp_path / "old8.duckdb"
    shutil.copyfile(settings.db_path, old)
    _as_version(old, 8)
    with pytest.raises(StoreError, match=r"version 8.*store upgrade"):
        Store(old).fetch_rows("SELECT 1")
    assert main(["--db", str(old), "store", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"upgraded from schema version 8 to {SCHEMA_VERSION}" in out
    assert "hexagon counts made" in out and "refused files" not in out
    assert _tables(old) == tables
    assert _count_rows(old) == fresh_counts
    assert _snapshot(old) == fresh
    report = check_store_file(old)
    assert report.ok, report.problems
