"""``socmap export``: files written whole, formats checked, the OS user in the audit log."""

from __future__ import annotations

import getpass

import duckdb
import geopandas as gpd
import pytest

from geo.accounts import Accounts
from geo.settings import Settings
from geo.store import Store
from socmap.cli import main
from tests.support.export_check import pdf_info, pdf_text
from tests.support.export_store import DIST_A, PERIOD, fill_export_store

PERIOD_ARGS = ["--from", PERIOD[0], "--to", PERIOD[1]]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("export-cli") / "socmap.duckdb"
    fill_export_store(Store(path))
    return path


def test_export_map_writes_a_pdf_and_audits_the_os_user(db, tmp_path, capsys):
    out = tmp_path / "maps" / "kent.pdf"
    assert main(["--db", str(db), "export", "map", *PERIOD_ARGS, "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert "OFFICIAL: Part 1" in pdf_text(out.read_bytes())
    assert "wrote" in capsys.readouterr().out
    assert not list(out.parent.glob(".*partial"))
    entry = Accounts.from_settings(Settings(db_path=db)).read(event="export", limit=1)[0]
    assert entry.user == getpass.getuser() and entry.client.startswith("cli@")
    assert entry.detail["kind"] == "map" and entry.detail["audience"] == "public"


def test_export_map_png_portrait_for_a_district_and_measure(db, tmp_path):
    out = tmp_path / "district.png"
    args = [
        "--db",
        str(db),
        "export",
        "map",
        "--district",
        DIST_A,
        "--measure",
        "hotspots",
        "--paper",
        "a4-portrait",
        "--dpi",
        "200",
        *PERIOD_ARGS,
        "--out",
        str(out),
    ]
    assert main(args) == 0
    from PIL import Image

    with Image.open(out) as image:
        assert image.height > image.width >= 8.27 * 200 - 2


def test_restricted_layers_say_so_in_the_file_and_on_the_terminal(db, tmp_path, capsys):
    out = tmp_path / "layers.gpkg"
    args = [
        "--db",
        str(db),
        "export",
        "data",
        "--audience",
        "restricted",
        *PERIOD_ARGS,
        "--out",
        str(out),
    ]
    assert main(args) == 0
    assert set(gpd.read_file(out, layer="hexagons")["marking"]) == {"OFFICIAL-SENSITIVE"}
    assert "not for publication" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["map", "--out", "x.txt"], "say --format pdf or png"),
        (["map", "--format", "png", "--out", "x.pdf"], "named .pdf but --format is png"),
        (["data", "--out", "x.xlsx"], "say --format csv or geojson or gpkg"),
        (["briefing", "--out", "x.docx"], "a briefing pack is a PDF"),
    ],
)
def test_wrong_formats_are_refused_with_one_line(db, tmp_path, capsys, args, message):
    args[args.index("--out") + 1] = str(tmp_path / args[args.index("--out") + 1])
    assert main(["--db", str(db), "export", *args]) == 2
    assert message in capsys.readouterr().err


def test_export_briefing_writes_the_pack(db, tmp_path, capsys):
    out = tmp_path / "pack.pdf"
    args = [
        "--db",
        str(db),
        "export",
        "briefing",
        *PERIOD_ARGS,
        "--audience",
        "restricted",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    data = out.read_bytes()
    assert int(pdf_info(data)["Pages"]) >= 10
    assert "OFFICIAL-SENSITIVE" in pdf_text(data, 1)
    assert "district Maidstone" in capsys.readouterr().err  # progress


def test_a_public_export_says_which_published_period_it_shows(db, tmp_path, capsys):
    """Any --from/--to is shown as the published quarter holding its end month, and the
    command says so: on stdout the period it wrote, on stderr that it was snapped."""
    out = tmp_path / "snapped.pdf"
    args = ["--db", str(db), "export", "map", "--from", "2024-05", "--to", "2024-06"]
    assert main([*args, "--category", "Drugs", "--source", "police-uk", "--out", str(out)]) == 0
    said = capsys.readouterr()
    label = "Q1 2024/25 (April to June 2024)"
    assert f"(OFFICIAL, {label}," in said.out
    assert f"May 2024 to June 2024 snapped to {label}" in said.err
    assert "one whole theme at a time, every source: County lines" in said.err
    assert label in " ".join(pdf_text(out.read_bytes()).split())
    exact = ["--db", str(db), "export", "map", *PERIOD_ARGS, "--out", str(tmp_path / "q.pdf")]
    assert main(exact) == 0
    assert "snapped" not in capsys.readouterr().err  # a whole published quarter as asked


def test_a_category_alone_is_what_an_export_counts(db, tmp_path, capsys):
    """`socmap export data --category Burglary` counts burglaries (as `socmap hexes` does),
    not burglaries added to every theme (the dashboard's default view)."""
    import csv
    import io

    out = tmp_path / "b.csv"
    args = ["--db", str(db), "export", "data", *PERIOD_ARGS, "--audience", "restricted"]
    assert main([*args, "--category", "Burglary", "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    county = next(r for r in rows if r["layer"] == "area" and r["level"] == "county")
    with duckdb.connect(str(db), read_only=True) as con:  # a direct count, no socmap query
        (counted,) = con.execute(
            "SELECT count(*) FROM incidents WHERE category = 'Burglary' AND district IS NOT "
            "NULL AND month BETWEEN ? AND ?",
            [f"{PERIOD[0]}-01", f"{PERIOD[1]}-01"],
        ).fetchone()
    assert int(county["count"]) == counted > 0
