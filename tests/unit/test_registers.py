"""Registers of vulnerable places in the DfE GIAS and CQC care-directory layouts (small
GENERATED files, tests.register_helpers): every row loaded or kept with a one-line reason,
rows read = loaded + outside + quarantined, the same file again changes nothing, a refused
file changes nothing, points from coordinates or postcodes, and the command line."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from geo.context import load_register, remove_register
from geo.errors import InputError, ValidationError
from geo.store import Store
from geo.store.queries.rates import register_batches, register_places, register_quarantine
from socmap.cli import main
from tests.support.boundaries import DISTRICT_A, DISTRICT_B, MEDWAY
from tests.support.context import EAST, NORTH, WEST
from tests.support.rates import build_store
from tests.support.registers import (
    CQC_HEADER,
    GIAS_HEADER,
    cqc_row,
    gias_row,
    write_register,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("registers")).db_path


@pytest.fixture
def store(built, tmp_path):
    """A fresh copy of the made-up store for each test (a load replaces files)."""
    shutil.copyfile(built, tmp_path / "socmap.duckdb")
    s = Store(tmp_path / "socmap.duckdb")
    yield s
    s.close()


def _schools(path):
    rows = [
        gias_row(100001, "Alpha Academy", "academy", (0.53, 51.12)),  # West
        gias_row(100002, "Alpha PRU", "pru", (0.66, 51.08)),  # East
        gias_row(100003, "Beta AP", "ap", (0.82, 51.16), opened="01-09-2017"),  # North
        gias_row(100004, "Free AP", "free_ap", None, postcode="AA1 2AA"),  # postcode only
        gias_row(100005, "Medway School", "community", (0.7, 51.25), la=("887", "Medway")),
        gias_row(
            100006, "Old School", "community", (0.55, 51.1), status="Closed", closed="31-08-2015"
        ),
        gias_row(100007, "Camden School", "community", (-0.14, 51.54), la=("202", "Camden")),
        gias_row("1X", "Bad URN", "community", (0.55, 51.1)),
        gias_row(100001, "Repeated", "community", (0.55, 51.1)),
        gias_row(100008, "No place", "community", None, postcode="ZZ9 9ZZ"),
        gias_row(100009, "Bad date", "community", (0.55, 51.1), opened="31-02-2019"),
    ]
    rows.append(["100010", "886", "Kent", "too few fields"])
    return write_register(path, GIAS_HEADER, rows)


def test_schools_every_row_accounted_for(store, tmp_path):
    path = _schools(tmp_path / "edubasealldata20180901.csv")
    report = load_register(store, "schools", path)
    assert report.rows_read == 12
    assert (report.loaded, report.outside, report.quarantined) == (6, 1, 5)
    assert report.rows_read == report.loaded + report.outside + report.quarantined
    assert report.by_kind == {
        "alternative_provision": 2, "pupil_referral_unit": 1, "school": 3,
    }  # fmt: skip
    assert report.problems == [
        f"{path}: row 9: URN '1X' is not a DfE unique reference number (5 to 7 digits)",
        f"{path}: row 10: URN 100001 repeats row 2",
        f"{path}: row 11: no coordinates, and postcode 'ZZ9 9ZZ' is not found "
        "(Code-Point Open 2025.4)",
        f"{path}: row 12: OpenDate '31-02-2019' is not a date (dd-mm-yyyy)",
        f"{path}: row 13: has 4 fields where the header has 21",
    ]
    places = register_places(store, ("schools",)).set_index("place_id")
    assert places.at["100001", "division"] == WEST and places.at["100002", "division"] == EAST
    assert (
        places.at["100003", "division"] == NORTH and places.at["100003", "district"] == DISTRICT_B
    )
    assert places.at["100005", "district"] == MEDWAY and pd.isna(places.at["100005", "division"])
    assert places.at["100004", "located_by"] == "postcode"
    assert places.at["100004", "longitude"] == pytest.approx(0.68)  # AA1 2AA's centroid
    assert places.at["100001", "longitude"] == pytest.approx(0.53, abs=2e-5)  # BNG round trip
    assert bool(places.at["100002", "pru_or_ap"]) and not bool(places.at["100001", "pru_or_ap"])
    assert places.at["100002", "type"] == "Pupil referral unit"
    kept = register_quarantine(store, "schools")
    assert len(kept) == 6 and kept["outside"].sum() == 1
    assert "outside Kent and Medway" in kept.loc[kept["outside"], "reason"].item()
    batch = register_batches(store).set_index("register")
    assert batch.at["schools", "vintage"] == "2018-09-01"  # from the file's name
    assert batch.at["schools", "rows_read"] == 12


def test_the_same_file_again_changes_nothing_and_another_replaces_it(store, tmp_path):
    path = _schools(tmp_path / "schools.csv")
    load_register(store, "schools", path)
    version = store.data_version()
    again = load_register(store, "schools", path)
    assert again.unchanged and store.data_version() == version
    smaller = write_register(
        tmp_path / "schools2.csv", GIAS_HEADER,
        [gias_row(200001, "Only One", "community", (0.53, 51.12))],
    )  # fmt: skip
    report = load_register(store, "schools", smaller)
    assert report.loaded == 1 and report.quarantined == 0
    assert list(register_places(store, ("schools",))["place_id"]) == ["200001"]
    assert register_quarantine(store, "schools").empty


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "file not found"),
        (b"", "is empty"),
        (b"URN,EstablishmentName\r\n1,x\r\n", "not the DfE Get Information About Schools"),
        (",".join(GIAS_HEADER).encode() + b"\r\n", "has a header but no rows"),
        (",".join(GIAS_HEADER).encode() + b"\r\n100001,886,Kent,\xe9", "try --encoding cp1252"),
    ],
)
def test_a_refused_file_leaves_the_store_as_it_was(store, tmp_path, content, problem):
    load_register(store, "schools", _schools(tmp_path / "first.csv"))
    before = (store.data_version(), len(register_places(store)))
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=problem) as caught:
        load_register(store, "schools", path)
    assert str(path) in str(caught.value)
    assert (store.data_version(), len(register_places(store))) == before


def test_windows_1252_with_the_encoding_given(store, tmp_path):
    path = write_register(
        tmp_path / "cp.csv", GIAS_HEADER,
        [gias_row(100011, "St Mary’s C of E", "community", (0.53, 51.12))], encoding="cp1252",
    )  # fmt: skip
    with pytest.raises(InputError, match="not utf-8"):
        load_register(store, "schools", path)
    report = load_register(store, "schools", path, encoding="cp1252")
    assert report.loaded == 1
    assert register_places(store)["name"].item() == "GENERATED St Mary’s C of E"


def test_care_locations(store, tmp_path):
    rows = [
        cqc_row("1-1000000001", "Alpha Care Home", True, (0.54, 51.15)),
        cqc_row("1-1000000002", "Beta Children", False, (0.75, 51.03), children=True),
        cqc_row("1-1000000003", "By postcode", True, None, postcode="AB2 1AB"),
        cqc_row("1-1000000004", "Swapped", True, (51.1, 0.55)),
        cqc_row("1-1000000005", "Not Y/N", True, (0.55, 51.1)),
        cqc_row("ABC", "Bad id", True, (0.55, 51.1)),
        cqc_row("1-1000000006", "Devon", True, (-3.5, 50.7), la="Devon"),
    ]
    rows[4][3] = "maybe"
    path = write_register(tmp_path / "01_October_2018_HSCA_Active_Locations.csv", CQC_HEADER, rows)
    report = load_register(store, "care", path)
    assert (report.loaded, report.outside, report.quarantined) == (3, 1, 3)
    assert report.by_kind == {"care_home": 2, "care_location": 1}
    reasons = [line.split(": ", 2)[2] for line in report.problems]
    assert reasons == [
        "latitude 0.55 and longitude 51.1 look swapped",
        "Care home? 'maybe' is not Y or N",
        "Location ID 'ABC' is not a CQC location id (1- and digits)",
    ]
    places = register_places(store, ("care",)).set_index("place_id")
    assert bool(places.at["1-1000000002", "children"])
    assert places.at["1-1000000003", "located_by"] == "postcode"
    assert places.at["1-1000000001", "district"] == DISTRICT_A
    assert register_batches(store).set_index("register").at["care", "vintage"] == "2018-10-01"


def test_unknown_register_and_no_boundaries(tmp_path):
    with pytest.raises(ValidationError, match="expected one of schools, care"):
        load_register(Store(tmp_path / "x.duckdb"), "prisons", tmp_path / "x.csv")


def test_the_command_line(store, tmp_path, capsys):
    db = str(store.path)
    path = _schools(tmp_path / "s.csv")
    assert main(["--db", db, "registers", "load", "schools", str(path)]) == 3  # quarantined
    out = capsys.readouterr()
    assert (
        "12 rows read = 6 loaded" in out.out
        and "+ 1 outside Kent and Medway + 5 quarantined" in out.out
    )
    assert f"{path}: row 9: URN '1X'" in out.err
    assert main(["--db", db, "registers", "load", "schools", str(path)]) == 0
    assert "loaded already; nothing changed" in capsys.readouterr().out
    assert main(["--db", db, "registers", "list", "--problems"]) == 0
    listing = capsys.readouterr().out
    assert "schools: DfE Get Information About Schools" in listing
    assert f"{path}: row 13: has 4 fields" in listing
    assert main(["--db", db, "registers", "remove", "schools"]) == 0
    assert register_batches(store).empty and remove_register(store, "schools") is False
