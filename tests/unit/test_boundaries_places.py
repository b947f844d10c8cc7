"""Incidents and boundaries together: placed at load, placed again, counted in the summary."""

from __future__ import annotations

import json

import pytest

from geo import ingest_police_uk
from geo.areas.boundaries import load_boundaries, remove_boundaries
from geo.store import summarize
from geo.themes import load_themes
from socmap.cli import main
from tests.support.boundaries import (
    DISTRICT_A,
    DISTRICT_B,
    MEDWAY,
    POINTS,
    districts_frame,
    divisions_frame,
    write,
    write_police_csv,
)

# What each of POINTS must get: (district, division).
EXPECTED = [
    (DISTRICT_A, "E58000901"),
    (DISTRICT_A, "E58000902"),
    (DISTRICT_A, "E58000901"),
    (DISTRICT_A, "E58000902"),
    (DISTRICT_B, "E58000903"),
    (DISTRICT_B, "E58000904"),
    (MEDWAY, None),
    (None, None),
]


def places(store):
    return store.fetch_rows("SELECT district, division FROM incidents ORDER BY incident_id")


def load_set(store, tmp_path):
    load_boundaries(store, write(districts_frame(), tmp_path / "d.geojson"), "district")
    return load_boundaries(store, write(divisions_frame(), tmp_path / "v.geojson"), "division")


def test_incidents_are_placed_at_load(store, settings, tmp_path):
    load_set(store, tmp_path)
    ingest_police_uk(store, write_police_csv(tmp_path / "p.csv", POINTS), settings, progress=False)
    assert places(store) == EXPECTED


def test_a_point_far_beyond_the_loaded_districts_is_quarantined(store, settings, tmp_path):
    """With boundaries loaded, the area is the districts and 500 m beyond: a point 21 km out
    (still inside the Kent-and-Medway rectangle) is quarantined with its distance."""
    load_set(store, tmp_path)
    far = [*POINTS[:2], (1.2, 51.1)]
    report = ingest_police_uk(
        store, write_police_csv(tmp_path / "far.csv", far), settings, progress=False
    )
    assert (report.loaded, report.quarantined) == (2, 1)
    (reason,) = store.fetch_rows("SELECT reason FROM quarantine")[0]
    assert "(21.0 km beyond the loaded district boundaries; points up to 500 m beyond" in reason


def test_loading_boundaries_after_incidents_places_them_again(store, settings, tmp_path):
    ingest_police_uk(store, write_police_csv(tmp_path / "p.csv", POINTS), settings, progress=False)
    assert places(store) == [(None, None)] * len(POINTS)
    report = load_set(store, tmp_path)
    assert places(store) == EXPECTED
    assert report.incidents_placed == 7
    assert report.incidents_outside == 1
    # Loading the same divisions again moves nothing; removing them clears every division.
    again = load_boundaries(store, write(divisions_frame(), tmp_path / "v2.geojson"), "division")
    assert again.incidents_moved == 0
    removed = remove_boundaries(store, "division")
    assert removed.incidents_moved == 6
    assert places(store) == [(d, None) for d, _ in EXPECTED]


def test_the_summary_counts_by_district_and_division(store, settings, tmp_path):
    ingest_police_uk(store, write_police_csv(tmp_path / "p.csv", POINTS), settings, progress=False)
    summary = summarize(store, load_themes())
    assert summary["by_district"] == {}
    assert summary["outside"] is None  # no boundaries: nothing is "outside" yet
    load_set(store, tmp_path)
    summary = summarize(store, load_themes())
    assert {c: v["loaded"] for c, v in summary["by_district"].items()} == {
        DISTRICT_A: 4,
        DISTRICT_B: 2,
        MEDWAY: 1,
    }
    assert summary["by_district"][MEDWAY]["name"] == "Medway-like"
    assert {c: (v["loaded"], v["district"]) for c, v in summary["by_division"].items()} == {
        "E58000901": (2, DISTRICT_A),
        "E58000902": (2, DISTRICT_A),
        "E58000903": (1, DISTRICT_B),
        "E58000904": (1, DISTRICT_B),
    }
    assert summary["outside"] == 1
    # Nothing vanishes: districts plus outside make every mapped incident.
    placed = sum(v["loaded"] for v in summary["by_district"].values())
    assert placed + summary["outside"] == summary["loaded"]


def test_summary_json_from_the_command_line(store, settings, tmp_path, capsys):
    load_set(store, tmp_path)
    ingest_police_uk(store, write_police_csv(tmp_path / "p.csv", POINTS), settings, progress=False)
    capsys.readouterr()
    assert main(["--db", str(settings.db_path), "summary", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["by_district"][DISTRICT_A]["loaded"] == 4
    assert data["by_division"]["E58000904"]["loaded"] == 1
    assert data["outside"] == 1


def test_summary_text_has_a_division_section(store, settings, tmp_path, capsys):
    load_set(store, tmp_path)
    ingest_police_uk(store, write_police_csv(tmp_path / "p.csv", POINTS), settings, progress=False)
    capsys.readouterr()
    assert main(["--db", str(settings.db_path), "summary"]) == 0
    text = capsys.readouterr().out
    section = text[text.index("by division") :].splitlines()
    data = summarize(store, load_themes())
    # Each district with divisions is a heading, its divisions two to a line beneath it.
    assert section[1].strip().startswith(DISTRICT_A)
    a_lines = [line for line in section if "E58000901" in line or "E58000902" in line]
    assert len(a_lines) == 1 and a_lines[0].split()[-1] == "2"
    for code, c in data["by_division"].items():
        assert any(code in line for line in section)
        assert c["name"][:22] in text
    # Medway's incident is in a district but in no division.
    assert section[-1].split()[-1] == "1" and "no division" in section[-1]


def test_boundaries_commands(settings, tmp_path, capsys):
    db = str(settings.db_path)
    write(districts_frame(), tmp_path / "d.geojson")
    write(divisions_frame(), tmp_path / "v.geojson")
    assert main(["--db", db, "boundaries", "load", str(tmp_path / "v.geojson"), "--level",
                 "division"]) == 2  # fmt: skip
    assert "load the districts first" in capsys.readouterr().err
    assert main(["--db", db, "boundaries", "load", str(tmp_path / "d.geojson"), "--level",
                 "district", "--source", "Test", "--vintage", "2024"]) == 0  # fmt: skip
    assert "district: 3 areas" in capsys.readouterr().out
    assert main(["--db", db, "boundaries", "load", str(tmp_path / "v.geojson"), "--level",
                 "division", "--approximate", "--format", "json"]) == 0  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert out["levels"] == {"district": 3, "division": 4}
    assert out["note"].startswith("Boundaries approximate (divisions, vintage unknown)")
    assert main(["--db", db, "boundaries", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["level"] for s in listed["sets"]] == ["district", "division"]
    assert main(["--db", db, "boundaries", "remove", "--level", "district"]) == 2
    assert "remove the divisions first" in capsys.readouterr().err


@pytest.mark.parametrize("level", ["county", "district"])
def test_loading_other_levels_keeps_divisions_consistent(store, settings, tmp_path, level):
    load_set(store, tmp_path)
    ingest_police_uk(store, write_police_csv(tmp_path / "p.csv", POINTS), settings, progress=False)
    if level == "district":
        load_boundaries(store, write(districts_frame(), tmp_path / "d2.geojson"), "district")
    else:
        from tests.support.boundaries import county_frame

        load_boundaries(store, write(county_frame(), tmp_path / "c.geojson"), "county")
    assert places(store) == EXPECTED
