"""Partner incident files (CSV): forgiving headers, categories and dates; every kind of bad
row quarantined with its reason; file-level refusals; reloading and replacement by id."""

from __future__ import annotations

import json
from datetime import date

import pytest

from geo import InputError, ValidationError, ingest_incidents
from geo.ingest import _load
from tests.support.partner import (
    CANTERBURY,
    DEVON,
    HEADER,
    MAIDSTONE,
    counts,
    knife,
    one,
    run_cli,
    write_csv,
)


def test_a_good_file_loads_every_theme(tmp_path, store, settings):
    header = (*HEADER, "origin", "destination", "line_name", "port", "weapon")
    rows = [
        [*knife("k1"), "", "", "", "", "kitchen knife"],
        ["m1", "modern_slavery", "2024-03", "", "", "", "", "", "", ""],
        ["c1", "county_lines", "2024-03-02", "", "", "Lewisham", "Margate", "Ace line", "", ""],
        ["p1", "port_event", "2024-03-03", "", "", "", "", "", "Dover", ""],
    ]
    report = ingest_incidents(store, write_csv(tmp_path / "f.csv", rows, header), settings)
    assert (report.rows_read, report.loaded, report.unmapped, report.quarantined) == (4, 3, 1, 0)
    got = {
        r[0]: r[1:]
        for r in store.fetch_rows(
            "SELECT incident_id, category, date, month, round(latitude, 4), round(longitude, 4),"
            " origin_code, port, source, reported_by, cell IS NOT NULL FROM incidents"
        )
    }
    assert got["k1"] == ("knife_crime", date(2024, 3, 5), date(2024, 3, 1), 51.2704, 0.5227,
                         None, None, "partner", "partner", True)  # fmt: skip
    assert got["m1"][1:5] == (None, date(2024, 3, 1), None, None)
    assert got["c1"][3:6] == (51.3813, 1.3862, "E09000023")  # Margate, Lewisham's code
    assert got["p1"][6] == "dover-eastern-docks"
    attrs = json.loads(one(store, "SELECT attributes FROM incidents WHERE incident_id='k1'")[0])
    assert attrs == {"location_from": "latitude/longitude", "weapon": "kitchen knife"}


@pytest.mark.parametrize(
    "header",
    [
        ("Incident ID", "Category", "Date", "Latitude", "Longitude"),
        (" incident-id ", "CATEGORY", "date", "lat", "lng"),
        ("Crime Reference", "Crime Type", "Date Occurred", "LAT", "Long"),
        ("ref", "theme", "month", "Lat", "Lon"),
    ],
)
def test_headers_are_forgiving(tmp_path, store, settings, header):
    report = ingest_incidents(store, write_csv(tmp_path / "h.csv", [knife("a")], header), settings)
    assert report.loaded == 1


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("Knife crime", "knife_crime"),
        ("KNIFE-CRIME", "knife_crime"),
        (" knife_crime ", "knife_crime"),
        ("Knife / sharp instrument", "knife_crime"),
        ("Modern Slavery & Human Trafficking", "modern_slavery"),
        ("MSHT", "modern_slavery"),
        ("County Lines", "county_lines"),
        ("Port of entry event", "port_event"),
    ],
)
def test_category_names_are_forgiving(tmp_path, store, settings, written, stored):
    header = (*HEADER, "origin", "destination", "port")
    row = ["a", written, "2024-01-02", *MAIDSTONE, "Lewisham", "Maidstone", "Dover"]
    ingest_incidents(store, write_csv(tmp_path / "c.csv", [row], header), settings)
    category, attributes = one(store, "SELECT category, attributes FROM incidents")
    assert category == stored
    given = json.loads(attributes).get("category_given")
    assert given == (None if written.strip() == stored else written.strip())


@pytest.mark.parametrize(
    ("written", "day", "month"),
    [
        ("2024-03-05", date(2024, 3, 5), date(2024, 3, 1)),
        ("2024-3-5", date(2024, 3, 5), date(2024, 3, 1)),
        ("2024/03/05", date(2024, 3, 5), date(2024, 3, 1)),
        ("2024-03-05T23:30:00Z", date(2024, 3, 5), date(2024, 3, 1)),
        ("2024-03-05 14:30", date(2024, 3, 5), date(2024, 3, 1)),
        ("2024-03-05T14:30:00.123+01:00", date(2024, 3, 5), date(2024, 3, 1)),
        ("05/03/2024", date(2024, 3, 5), date(2024, 3, 1)),  # day first, as in the UK
        ("5/3/2024 09:15", date(2024, 3, 5), date(2024, 3, 1)),
        ("05.03.2024", date(2024, 3, 5), date(2024, 3, 1)),
        ("2024-03", None, date(2024, 3, 1)),
        ("03/2024", None, date(2024, 3, 1)),
    ],
)
def test_dates(tmp_path, store, settings, written, day, month):
    ingest_incidents(store, write_csv(tmp_path / "d.csv", [knife("a", written)]), settings)
    assert one(store, "SELECT date, month FROM incidents") == (day, month)


BAD_ROWS = [
    (["", "knife_crime", "2024-01-01", *MAIDSTONE], "incident_id is empty"),
    (["b", "", "2024-01-01", *MAIDSTONE], "category is empty"),
    (["b", "burglary", "2024-01-01", *MAIDSTONE], "unknown category 'burglary' (expected"),
    (knife("b", ""), "date is empty"),
    (knife("b", "2024-02-30"), "date '2024-02-30' is impossible"),
    (knife("b", "31/02/2024"), "date '31/02/2024' is impossible"),
    (knife("b", "2024-13"), "date '2024-13' is impossible"),
    (knife("b", "yesterday"), "date 'yesterday' is not a date (expected YYYY-MM-DD"),
    (knife("b", "24-01-05"), "is not a date"),
    (["b", "burglary\nor theft", "2024-01-01", *MAIDSTONE], "unknown category 'burglary or theft'"),
    (["b\t1", "knife_crime", "2024-01-01", *MAIDSTONE], "'b 1' contains a control character"),
    (knife("b", "x" * 500), "date 'xxxxxxxxxx"),
    (knife("b", "2999-01-01"), "date 2999-01-01 is in the future"),
    (knife("b", "1985-06"), "date 1985-06 is before 1990"),
    (knife("b", point=("51,27", "0.52")), "latitude '51,27' is not a number"),
    (knife("b", point=("51.27", "nan")), "longitude 'nan' is not a number"),
    (knife("b", point=("", "0.52")), "latitude is empty but longitude is given"),
    (knife("b", point=(0.5227, 51.2704)), "latitude and longitude look swapped"),
    (knife("b", point=DEVON), "point (latitude 50.621733, longitude -3.408175) is outside Kent"),
    (knife("b", point=(91.5, 0.5)), "coordinates out of range"),
    (knife("b", point=(155800, 575900)), "look like British National Grid metres"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_ROWS)
def test_bad_rows_are_quarantined_with_a_one_line_reason(
    tmp_path, store, settings, capsys, bad, message
):
    path = write_csv(tmp_path / "bad.csv", [knife("ok"), bad])
    code = run_cli(settings.db_path, "ingest", "incidents", "--no-progress", str(path))
    err = capsys.readouterr().err
    assert code == 3
    assert f"{path}: row 3: " in err and message in err
    assert "Traceback" not in err
    reason, raw = one(store, "SELECT reason, raw FROM quarantine")
    assert message in reason and "\n" not in reason
    assert str(bad[0]) in raw
    assert counts(store) == (1, 1)


GRID_HEADER = ("incident_id", "category", "date", "easting", "northing", "origin", "destination",
               "port")  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (["g", "knife_crime", "2024-01-01", 155800, 575900, "", "", ""],
         "easting and northing look swapped (easting 155800, northing 575900)"),
        (["g", "knife_crime", "2024-01-01", 0.52, 51.27, "", "", ""],
         "look like longitude and latitude in degrees, not British National Grid metres"),
        (["g", "knife_crime", "2024-01-01", -5, 155800, "", "", ""],
         "coordinates outside the British National Grid"),
        (["g", "knife_crime", "2024-01-01", 400000, 155800, "", "", ""],
         "is outside Kent and Medway"),
        (["g", "knife_crime", "2024-01-01", "575900", "", "", "", ""],
         "northing is empty but easting is given"),
        (["g", "county_lines", "2024-01-01", "", "", "", "Margate", ""],
         "county-lines row without origin"),
        (["g", "county_lines", "2024-01-01", "", "", "Lewisham", "", ""],
         "county-lines row without destination"),
        (["g", "county lines", "2024-01-01", "", "", "", "", ""],
         "county-lines row without origin or destination"),
        (["g", "port_event", "2024-01-01", "", "", "", "", ""], "port event without a port"),
        (["g", "port_event", "2024-01-01", "", "", "", "", "Dovr"],
         "unknown port 'Dovr' (see `socmap ports list`)"),
    ],
)  # fmt: skip
def test_grid_and_theme_problems_are_quarantined(tmp_path, store, settings, bad, message):
    path = write_csv(tmp_path / "g.csv", [bad], GRID_HEADER)
    report = ingest_incidents(store, path, settings)
    assert report.quarantined == 1
    (line,) = report.messages
    assert line.startswith(f"{path}: row 2: ") and message in line


def test_a_repeated_id_is_quarantined_with_its_raw_row(tmp_path, store, settings):
    rows = [knife("dup"), knife("other"), knife("dup", point=CANTERBURY)]
    report = ingest_incidents(store, write_csv(tmp_path / "d.csv", rows), settings)
    assert (report.loaded, report.quarantined) == (2, 1)
    reason, raw = one(store, "SELECT reason, raw FROM quarantine")
    assert reason == "duplicate incident_id dup (first at row 2)"
    assert raw == "dup,knife_crime,2024-03-05,51.2802,1.0789"


def test_a_row_with_the_wrong_number_of_fields_is_quarantined(tmp_path, store, settings):
    path = write_csv(tmp_path / "r.csv", [knife("a")])
    with path.open("a") as fh:
        fh.write("b,knife_crime\n")
    report = ingest_incidents(store, path, settings)
    assert report.messages == [f"{path}: row 3: row has 2 fields, expected 5"]


def test_source_option_column_and_default(tmp_path, store, settings):
    header = (*HEADER, "source")
    rows = [[*knife("a"), "Kent Police"], [*knife("b"), "kent police "], [*knife("c"), "BF"]]
    path = write_csv(tmp_path / "s.csv", rows, header)
    report = ingest_incidents(store, path, settings)
    assert report.source == "Kent Police"
    assert "differs from this file's source 'Kent Police'" in report.messages[0]
    other = write_csv(tmp_path / "o.csv", rows, header)
    report = ingest_incidents(store, other, settings, source="Border Force")
    assert (report.source, report.loaded) == ("Border Force", 3)
    attrs = one(store, "SELECT attributes FROM incidents WHERE source='Border Force' AND "
                       "incident_id='c'")[0]  # fmt: skip
    assert json.loads(attrs)["source"] == "BF"
    plain = ingest_incidents(store, write_csv(tmp_path / "p.csv", [knife("z")]), settings)
    assert plain.source == "partner"


FILE_ERRORS = [
    (lambda p: p, "file not found"),
    (lambda p: p.write_bytes(b"") and p, "file is empty (0 bytes)"),
    (lambda p: write_csv(p, []), "has a header but no data rows"),
    (
        lambda p: write_csv(p, [["a", "knife", "2024-01-01"]], ("id", "when", "what")),
        "no usable columns: missing required column(s) category, date; the header has: "
        "'id', 'when', 'what'",
    ),
    (
        lambda p: write_csv(p, [knife("a")[:3]], HEADER[:3]),
        "no location columns: expected latitude and longitude, or easting and northing",
    ),
    (
        lambda p: write_csv(p, [knife("a")[:4]], HEADER[:4]),
        "has a latitude column but no longitude",
    ),
    (
        lambda p: p.write_text("incident_id;category;date\na;knife;2024-01-01\n") and p,
        "separated by semicolons, not commas",
    ),
    (
        lambda p: write_csv(p, [[*knife("a")[:4], "Caf\u00e9"]], encoding="latin-1"),
        "row 2: not valid utf-8 (byte 0xE9)",
    ),
    (lambda p: p.write_bytes(b"PK\x03\x04rest of a workbook") and p, "is an Excel workbook"),
    (
        # A bad byte in a row that also has the wrong number of fields.
        lambda p: p.write_bytes(b"incident_id,category,date,lat,lon\nbad,\xff\xfe,only\n") and p,
        "row 2: not valid utf-8 (byte 0xFF)",
    ),
]


@pytest.mark.parametrize(("make", "message"), FILE_ERRORS)
def test_file_level_errors_name_the_file_and_change_nothing(
    tmp_path, store, settings, capsys, make, message
):
    ingest_incidents(store, write_csv(tmp_path / "first.csv", [knife("keep")]), settings)
    before = store.data_version()
    path = tmp_path / "broken.csv"
    make(path)
    code = run_cli(settings.db_path, "ingest", "incidents", "--no-progress", str(path))
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith(f"socmap: error: {path}")
    assert message in err
    assert len(err.splitlines()) == 1
    assert store.data_version() == before
    assert counts(store) == (1, 0)


def test_a_bom_is_accepted_with_a_note_and_cp1252_when_asked(tmp_path, store, settings):
    report = ingest_incidents(
        store, write_csv(tmp_path / "b.csv", [knife("x")], bom=True), settings
    )
    assert report.loaded == 1
    assert any("byte-order mark" in n for n in report.notes)
    header = (*HEADER, "location")
    path = write_csv(tmp_path / "w.csv", [[*knife("y"), "Caf\u00e9"]], header, encoding="cp1252")
    ingest_incidents(store, path, settings, encoding="cp1252")
    assert one(store, "SELECT location FROM incidents WHERE incident_id = 'y'")[0] == "Caf\u00e9"


def test_the_same_file_twice_changes_nothing(tmp_path, store, settings, capsys):
    path = write_csv(tmp_path / "f.csv", [knife("a"), knife("b")])
    assert run_cli(settings.db_path, "ingest", "incidents", str(path)) == 0
    before = store.data_version()
    assert run_cli(settings.db_path, "ingest", "incidents", str(path)) == 0
    assert "already loaded as batch 1; nothing changed" in capsys.readouterr().out
    assert store.data_version() == before


def test_a_new_edition_replaces_rows_by_id_within_its_source(tmp_path, store, settings):
    v1 = [knife("a"), knife("b"), knife("c", "2024-02-30")]
    ingest_incidents(store, write_csv(tmp_path / "v1.csv", v1), settings)
    ingest_incidents(store, write_csv(tmp_path / "x.csv", [knife("a")]), settings, source="other")
    v2 = [knife("a", point=CANTERBURY), knife("c"), knife("d"), knife("b", "nonsense")]
    report = ingest_incidents(store, write_csv(tmp_path / "v2.csv", v2), settings)
    assert report.replaced == 1  # a (b's bad update does not delete the stored b)
    rows = dict(store.fetch_rows(
        "SELECT incident_id, round(longitude, 4) FROM incidents WHERE source = 'partner'"
    ))  # fmt: skip
    assert rows == {"a": 1.0789, "b": 0.5227, "c": 0.5227, "d": 0.5227}
    assert store.fetch_rows("SELECT count(*) FROM incidents WHERE source = 'other'")[0][0] == 1
    # c's old rejection is gone (corrected); b's bad update is the one quarantined row.
    assert store.fetch_rows("SELECT incident_id, file FROM quarantine") == [
        ("b", str(tmp_path / "v2.csv"))
    ]
    # v1 still has b; once b is replaced too, v1 is superseded and can be loaded again.
    ingest_incidents(store, write_csv(tmp_path / "v3.csv", [knife("b")]), settings)
    status = dict(store.fetch_rows("SELECT file, status FROM batches"))
    assert status[str(tmp_path / "v1.csv")] == "superseded"
    again = ingest_incidents(store, tmp_path / "v1.csv", settings)
    assert not again.skipped and again.replaced == 2


def test_a_failure_mid_load_leaves_the_store_as_it_was(tmp_path, store, settings, monkeypatch):
    ingest_incidents(store, write_csv(tmp_path / "a.csv", [knife("a")]), settings)
    before = (store.data_version(), counts(store))

    def boom(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(_load, "_insert_quarantine", boom)
    with pytest.raises(KeyboardInterrupt):
        ingest_incidents(store, write_csv(tmp_path / "b.csv", [knife("b")]), settings)
    assert (store.data_version(), counts(store)) == before


def test_a_refused_first_load_creates_no_store(tmp_path, store, settings):
    with pytest.raises(InputError):
        ingest_incidents(store, write_csv(tmp_path / "e.csv", []), settings)
    assert not settings.db_path.exists()


def test_progress_bar_runs(tmp_path, store, settings, capsys):
    report = ingest_incidents(
        store, write_csv(tmp_path / "p.csv", [knife("a")]), settings, progress=True
    )
    assert report.loaded == 1
    assert "p.csv" in capsys.readouterr().err


@pytest.mark.parametrize("reserved", ["police-uk", "Synthetic-Demo"])
def test_reserved_sources_are_refused(tmp_path, store, settings, reserved):
    path = write_csv(tmp_path / "r.csv", [knife("a")])
    with pytest.raises(ValidationError, match="reserved for socmap's own loaders"):
        ingest_incidents(store, path, settings, source=reserved)
    rows = [[*knife("a"), reserved]]
    with pytest.raises(ValidationError, match="reserved"):
        ingest_incidents(store, write_csv(tmp_path / "c.csv", rows, (*HEADER, "source")), settings)
    assert not settings.db_path.exists()
