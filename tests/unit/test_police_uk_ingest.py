"""police.uk ingest on small constructed files: bad input, replacement, atomicity."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo import InputError, ingest_police_uk
from geo.ingest import _load
from geo.ingest.police_uk import HEADER
from socmap.cli import main
from tests.support.police_uk import CANTERBURY, MARGATE, row, write_csv


def run_cli(db: Path, *args: str) -> int:
    return main(["--db", str(db), *args])


def counts(store) -> tuple[int, int]:
    return (
        store.fetch_rows("SELECT count(*) FROM incidents")[0][0],
        store.fetch_rows("SELECT count(*) FROM quarantine")[0][0],
    )


def test_good_file_loads_with_cells_and_unmapped_rows(tmp_path, store, settings):
    rows = [row("a1"), row("a2", lon_lat=CANTERBURY), row("", lon_lat=("", "")), row("")]
    report = ingest_police_uk(store, write_csv(tmp_path / "f.csv", rows), settings)
    assert (report.rows_read, report.loaded, report.unmapped, report.quarantined) == (4, 3, 1, 0)
    cells = store.fetch_rows("SELECT count(cell) FROM incidents")[0][0]
    assert cells == 3


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (row("b1", lon_lat=("abc", "51.2")), "Longitude 'abc' is not a number"),
        (row("b2", lon_lat=("51.270400", "0.522700")), "look swapped"),
        (row("b3", lon_lat=("-3.408175", "50.621733")), "outside Kent and Medway"),
        (row("b4", month="2018-13"), "is not a real month"),
        (row("b5", month="18-10"), "is not a real month"),
        (row("b6", month="2999-01"), "is in the future"),
        (row("b7", lon_lat=("", "51.2")), "Longitude is empty but Latitude is given"),
        (row("b8", crime_type=""), "Crime type is empty"),
        (row("b9", lon_lat=("nan", "51.2")), "is not a number"),
    ],
)
def test_bad_rows_are_quarantined_with_a_one_line_reason(
    tmp_path, store, settings, capsys, bad, message
):
    path = write_csv(tmp_path / "bad.csv", [row("ok1"), bad])
    code = run_cli(settings.db_path, "ingest", "police-uk", "--no-progress", str(path))
    err = capsys.readouterr().err
    assert code == 3
    assert f"{path}: row 3: " in err and message in err
    assert "Traceback" not in err
    (reason, raw) = store.fetch_rows("SELECT reason, raw FROM quarantine")[0]
    assert message in reason
    assert bad[0] in raw
    assert counts(store) == (1, 1)


def test_a_row_with_the_wrong_number_of_fields_is_quarantined(tmp_path, store, settings):
    path = tmp_path / "ragged.csv"
    write_csv(path, [row("r1"), row("r2")])
    with path.open("a") as fh:
        fh.write("r3,2018-10,only,four\n")
        fh.write(",".join(row("r4")) + "\n")
    report = ingest_police_uk(store, path, settings)
    assert (report.rows_read, report.loaded, report.quarantined) == (4, 3, 1)
    (number, reason, raw) = store.fetch_rows("SELECT row_number, reason, raw FROM quarantine")[0]
    assert number == 4
    assert "4 fields, expected 12" in reason
    assert raw == "r3,2018-10,only,four"
    # Rows after the bad one keep their spreadsheet numbers.
    assert report.messages == [f"{path}: row 4: row has 4 fields, expected 12"]


def test_repeated_crime_id_is_a_duplicate_but_empty_ids_are_not(tmp_path, store, settings):
    rows = [row("dup"), row(""), row(""), row("dup", lon_lat=CANTERBURY)]
    report = ingest_police_uk(store, write_csv(tmp_path / "d.csv", rows), settings)
    assert (report.loaded, report.quarantined) == (3, 1)
    assert "duplicate Crime ID dup (first at row 2)" in report.messages[0]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "file not found"),
        (lambda p: p.write_bytes(b"") and p, "file is empty"),
        (lambda p: write_csv(p, []), "has a header but no data rows"),
        (lambda p: write_csv(p, [row("x")], header=HEADER[:-1]), "missing 'Context'"),
        (lambda p: write_csv(p, [row("x")], header=("a", "b")), "header is not police.uk"),
        (
            lambda p: write_csv(p, [row("x", location="On or near Caf\u00e9")], encoding="latin-1"),
            "row 2: not valid utf-8 (byte 0xE9)",
        ),
    ],
)
def test_file_level_errors_name_the_file_and_change_nothing(
    tmp_path, store, settings, capsys, make, message
):
    ingest_police_uk(store, write_csv(tmp_path / "first.csv", [row("keep")]), settings)
    before = store.data_version()
    path = tmp_path / "broken.csv"
    make(path)
    code = run_cli(settings.db_path, "ingest", "police-uk", "--no-progress", str(path))
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith(f"socmap: error: {path}")
    assert message in err
    assert len(err.splitlines()) == 1
    assert store.data_version() == before
    assert counts(store) == (1, 0)


def test_a_bom_is_accepted_with_a_note(tmp_path, store, settings):
    report = ingest_police_uk(
        store, write_csv(tmp_path / "bom.csv", [row("x")], bom=True), settings
    )
    assert report.loaded == 1
    assert any("byte-order mark" in n for n in report.notes)


def test_cp1252_file_loads_when_asked(tmp_path, store, settings):
    path = write_csv(
        tmp_path / "win.csv", [row("x", location="On or near Caf\u00e9")], encoding="cp1252"
    )
    report = ingest_police_uk(store, path, settings, encoding="cp1252")
    assert report.loaded == 1
    assert store.fetch_rows("SELECT location FROM incidents")[0][0] == "On or near Caf\u00e9"


def test_corrected_edition_replaces_that_month_only(tmp_path, store, settings):
    oct_rows = [row(f"o{i}") for i in range(5)]
    nov_rows = [row(f"n{i}", month="2018-11") for i in range(4)]
    ingest_police_uk(store, write_csv(tmp_path / "oct.csv", oct_rows), settings)
    ingest_police_uk(store, write_csv(tmp_path / "nov.csv", nov_rows), settings)
    corrected = [row(f"o{i}", lon_lat=MARGATE) for i in range(3)] + [row("o-new")]
    report = ingest_police_uk(store, write_csv(tmp_path / "oct-v2.csv", corrected), settings)
    assert report.replaced == 5
    by_month = dict(
        store.fetch_rows("SELECT strftime(month, '%Y-%m'), count(*) FROM incidents GROUP BY 1")
    )
    assert by_month == {"2018-10": 4, "2018-11": 4}
    statuses = dict(store.fetch_rows("SELECT file, status FROM batches"))
    assert statuses[str(tmp_path / "oct.csv")] == "superseded"
    assert statuses[str(tmp_path / "nov.csv")] == "active"


def test_a_failure_mid_load_leaves_the_store_as_it_was(tmp_path, store, settings, monkeypatch):
    ingest_police_uk(store, write_csv(tmp_path / "a.csv", [row("a")]), settings)
    before = (store.data_version(), counts(store))

    def boom(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(_load, "_insert_quarantine", boom)
    with pytest.raises(KeyboardInterrupt):
        ingest_police_uk(store, write_csv(tmp_path / "b.csv", [row("b"), row("c")]), settings)
    assert (store.data_version(), counts(store)) == before
    assert not settings.db_path.with_name("socmap.duckdb.writing").exists()
    monkeypatch.undo()
    report = ingest_police_uk(store, tmp_path / "b.csv", settings)
    assert report.loaded == 2


def test_input_error_carries_file_and_row():
    err = InputError("x.csv", "bad thing", row=7)
    assert str(err) == "x.csv: row 7: bad thing"
    assert (err.file, err.row, err.problem) == ("x.csv", 7, "bad thing")


def test_a_crime_published_again_next_month_is_counted_once(tmp_path, store, settings):
    ingest_police_uk(
        store, write_csv(tmp_path / "nov.csv", [row("same", month="2018-11")]), settings
    )
    report = ingest_police_uk(
        store,
        write_csv(
            tmp_path / "dec.csv", [row("same", month="2018-12"), row("other", month="2018-12")]
        ),
        settings,
    )
    assert (report.loaded, report.quarantined) == (1, 1)
    assert "Crime ID same is already loaded for 2018-11 (batch 1)" in report.messages[0]


def test_rejected_repeats_keep_the_row_as_the_file_had_it(tmp_path, store, settings):
    ingest_police_uk(
        store, write_csv(tmp_path / "nov.csv", [row("same", month="2018-11")]), settings
    )
    rows = [
        row("same", month="2018-12"),
        row("dup", month="2018-12"),
        row("dup", month="2018-12", lon_lat=CANTERBURY),
    ]
    ingest_police_uk(store, write_csv(tmp_path / "dec.csv", rows), settings)
    raws = [r[0] for r in store.fetch_rows("SELECT raw FROM quarantine ORDER BY row_number")]
    assert raws == [",".join(rows[0]), ",".join(rows[2])]


def test_a_large_file_keeps_each_cell_with_its_own_row(tmp_path, store, settings):
    """Large enough for DuckDB to validate in parallel, which does not keep row order."""
    import numpy as np
    import pandas as pd

    from geo.grid import incidents_to_cells

    rng = np.random.default_rng(3)
    n = 300_000
    lat = rng.uniform(51.05, 51.40, n).round(6)
    lon = rng.uniform(0.30, 1.30, n).round(6)
    frame = pd.DataFrame(dict.fromkeys(HEADER, ""), index=range(n))
    frame["Crime ID"] = [f"id{i}" for i in range(n)]
    frame["Month"] = "2018-10"
    frame["Crime type"] = "Drugs"
    # Long rows make a file of several parse blocks, which DuckDB scans on both cores.
    frame["Location"] = "On or near " + "A Very Long Road Name " * 8
    frame["Latitude"], frame["Longitude"] = lat.astype(str), lon.astype(str)
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    ingest_police_uk(store, path, settings)
    got = store.fetch("SELECT latitude, longitude, cell FROM incidents").to_pandas()
    want = incidents_to_cells(got["latitude"].to_numpy(), got["longitude"].to_numpy())
    assert np.array_equal(got["cell"].to_numpy().astype(np.uint64), want)
