"""Exports of a period with no data loaded: exit 4 with one line naming the months loaded, no
file written, for every kind and both audiences; with ``--allow-empty``, an export that says
"no data loaded" on every figure and no 0 anywhere.

The bug this guards: ``socmap export data --district E07000110 --from 2024-01 --to 2024-03``
on a store of 2018 months wrote October to December 2018 and exited 0. Here the store holds
January to June 2024 and the request is for January to March 2025.
"""

from __future__ import annotations

import csv
import io
import json

import geopandas as gpd
import pytest

from geo.store import Store
from socmap.cli import EXIT_NO_DATA, main
from tests.support.export_check import pdf_text
from tests.support.export_store import DIST_A, fill_export_store

EMPTY = ["--from", "2025-01", "--to", "2025-03"]
KINDS = [
    ("map", "pdf"),
    ("map", "png"),
    ("data", "csv"),
    ("data", "geojson"),
    ("data", "gpkg"),
    ("briefing", "pdf"),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("export-empty") / "socmap.duckdb"
    fill_export_store(Store(path))
    return path


@pytest.mark.parametrize("audience", ["public", "restricted"])
@pytest.mark.parametrize(("kind", "fmt"), KINDS)
def test_an_empty_period_exits_4_and_writes_nothing(db, tmp_path, capsys, kind, fmt, audience):
    out = tmp_path / f"x.{fmt}"
    area = ["--district", DIST_A] if kind != "briefing" else []
    args = ["--db", str(db), "export", kind, *area, *EMPTY, "--audience", audience]
    assert main([*args, "--out", str(out)]) == EXIT_NO_DATA
    assert not out.exists() and not list(tmp_path.iterdir())
    err = capsys.readouterr().err.strip().splitlines()
    line = err[-1]
    assert line.startswith("socmap: no data: ")
    assert "January" in line and "March 2025" in line
    # The months that are loaded, by source.
    assert "2024-01 to 2024-06" in line or "January to June 2024" in line
    assert "--allow-empty" in line


def test_allow_empty_writes_a_table_that_says_no_data_for_every_figure(db, tmp_path, capsys):
    out = tmp_path / "x.csv"
    args = ["--db", str(db), "export", "data", "--district", DIST_A, *EMPTY, "--allow-empty"]
    assert main([*args, "--out", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    data = [r for r in rows if r["layer"] in {"area", "hexagon"}]
    assert data and all(r["count"] == "" and r["count_label"] == "no data loaded" for r in data)
    assert all(r["hotspots_class"] == "no_data" for r in data if r["layer"] == "hexagon")
    assert not any(r["count_label"] == "0" for r in data)
    notes = " ".join(r["name"] for r in rows if r["layer"] == "note")
    assert "(not published)" in notes  # the period line: no figures are published for it
    assert "--allow-empty" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_allow_empty_gis_layers_say_no_data(db, tmp_path, fmt):
    out = tmp_path / f"x.{fmt}"
    args = ["--db", str(db), "export", "data", *EMPTY, "--audience", "restricted"]
    assert main([*args, "--allow-empty", "--out", str(out)]) == 0
    if fmt == "geojson":
        feats = json.loads(out.read_text())["features"]
        props = [f["properties"] for f in feats]
    else:
        props = gpd.read_file(out, layer="hexagons").to_dict("records")
        props += gpd.read_file(out, layer="areas").to_dict("records")
    assert props and all(p["count_label"] == "no data loaded" for p in props)
    assert all(p["count"] is None or p["count"] != p["count"] for p in props)  # None or NaN


def test_allow_empty_map_and_briefing_say_no_data(db, tmp_path):
    out = tmp_path / "map.pdf"
    args = ["--db", str(db), "export", "map", "--district", DIST_A, *EMPTY, "--allow-empty"]
    assert main([*args, "--measure", "hotspots", "--out", str(out)]) == 0
    text = " ".join(pdf_text(out.read_bytes()).split())
    assert "No data loaded (not a count of 0)" in text
    assert "No figures are published for January 2025 to March 2025" in text
    assert "Not significant" not in text
    pack = tmp_path / "pack.pdf"
    args = ["--db", str(db), "export", "briefing", *EMPTY, "--audience", "restricted"]
    assert main([*args, "--allow-empty", "--out", str(pack)]) == 0
    text = " ".join(pdf_text(pack.read_bytes()).split())
    assert "No data loaded for January to March 2025" in text
    assert "no data loaded" in text
    assert "Not significant" not in text
