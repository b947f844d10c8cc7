"""Registers in `socmap summary` and proximity as an export (`socmap export proximity`), on a
small made-up store with a GENERATED schools register (tests.support.registers): the summary
says what is loaded, with rows, vintage and load time; the export's figures read back from
the CSV equal the computation at full precision and a direct count; a public request is
refused with one line, writes nothing and records nothing."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from geo.areas import places_near_incidents
from geo.context import load_register
from geo.filters import Filters
from geo.store import Store
from geo.store.queries.rates import register_batches
from geo.themes import load_themes
from socmap.cli import main
from tests.support.rates import POLICE, build_store
from tests.support.registers import GIAS_HEADER, gias_row, write_register

THEMES = load_themes()
ROWS = [
    gias_row(300001, "Next to six", "academy", (0.5205, 51.1003)),
    gias_row(300002, "Next to eight", "pru", (0.8004, 51.1202)),
    gias_row(300003, "Far away", "community", (0.75, 51.19)),
    gias_row(300004, "Opened later", "community", (0.5205, 51.1003), opened="01-09-2019"),
    gias_row(300005, "Postcode only", "free_ap", None, postcode="AA1 2AA"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("regout")
    settings = build_store(root)
    s = Store(settings.db_path)
    load_register(
        s, "schools", write_register(root / "edubasealldata20180901.csv", GIAS_HEADER, ROWS)
    )
    s.close()
    return settings.db_path


@pytest.fixture
def db(built, tmp_path):
    path = tmp_path / "socmap.duckdb"
    shutil.copyfile(built, path)
    return path


def test_summary_lists_the_registers(db, capsys):
    assert main(["--db", str(db), "summary", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (schools,) = data["registers"]
    batch = register_batches(Store(db)).set_index("register").loc["schools"]
    assert schools["register"] == "schools"
    assert schools["rows_read"] == len(ROWS)
    assert schools["loaded"] == len(ROWS)  # all four are in the made-up Kent
    assert schools["by_kind"] == {
        "alternative_provision": 1, "pupil_referral_unit": 1, "school": 3,
    }  # fmt: skip
    assert schools["vintage"] == "2018-09-01"  # from the file's name
    assert schools["loaded_at"] == batch["loaded_at"].isoformat()
    assert main(["--db", str(db), "summary"]) == 0
    text = capsys.readouterr().out
    assert "registers of vulnerable places" in text
    assert (
        "schools        5 (1 alternative provision, 1 pupil referral unit, 3 school)  "
        "vintage 2018-09-01"
    ) in text


def test_summary_without_registers(tmp_path, capsys):
    settings = build_store(tmp_path)
    assert main(["--db", str(settings.db_path), "summary"]) == 0
    assert "registers of vulnerable places: none loaded" in capsys.readouterr().out


def _direct(within: float) -> dict[str, int]:
    """Knife-crime incidents within ``within`` m of each open school (geodesic over every
    pair of the made-up points: police.uk rows and the partner's)."""
    from tests.support.rates import PARTNER

    geod = Geod(ellps="WGS84")
    points = [(lon, lat, n) for lon, lat, _, _, cat, _, n in POLICE if cat != "Drugs"]
    points += [(lon, lat, n) for lon, lat, _, n in PARTNER]
    out = {}
    places = {"300001": (0.5205, 51.1003), "300002": (0.8004, 51.1202), "300003": (0.75, 51.19)}
    for urn, (plon, plat) in places.items():
        out[urn] = sum(n for lon, lat, n in points if geod.inv(plon, plat, lon, lat)[2] <= within)
    return out


def test_export_proximity_reads_back_at_full_precision(db, tmp_path):
    out = tmp_path / "near.csv"
    args = ["--db", str(db), "export", "proximity", "--within", "100", "--theme", "knife_crime",
            "--audience", "restricted", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    table = pd.read_csv(out, encoding="utf-8-sig", dtype={"place_id": str})
    data, notes = table[table["register"] != "note"], table[table["register"] == "note"]
    assert set(table["marking"]) == {"OFFICIAL-SENSITIVE"}
    want = places_near_incidents(
        Store(db), Filters(themes=("knife_crime",)), THEMES, within=100, hotspot_res=8
    ).places
    assert list(data["place_id"]) == list(want["place_id"])
    assert list(data["place_id"])[:2] == ["300002", "300001"]
    assert set(data["place_id"]) == {"300001", "300002", "300003", "300005"}  # open ones
    assert data["incidents"].astype(int).tolist() == want["incidents"].tolist()
    got = dict(zip(data["place_id"], data["incidents"].astype(int), strict=True))
    assert {u: got[u] for u in ("300001", "300002", "300003")} == _direct(100)
    # Distances to the metre's last bit: read back, the same floats.
    assert np.array_equal(data["nearest_m"].astype(float).to_numpy(), want["nearest_m"].to_numpy())
    assert data["rank"].astype(int).tolist() == want["rank"].tolist()
    assert any("British National Grid" in str(n) for n in notes["name"])
    assert any("1 places not open" in str(n) for n in notes["name"])


def test_export_proximity_public_is_refused(db, tmp_path, capsys):
    out = tmp_path / "near.csv"
    first = ["--db", str(db), "export", "proximity", "--within", "100", "--audience",
             "restricted", "--out", str(tmp_path / "allowed.csv")]  # fmt: skip
    assert main(first) == 0
    capsys.readouterr()
    before = _exports(db)
    assert before == 1  # the audit log holds the restricted export
    for audience in ([], ["--audience", "public"]):
        code = main(["--db", str(db), "export", "proximity", "--within", "100",
                     "--theme", "knife_crime", *audience, "--out", str(out)])  # fmt: skip
        assert code != 0
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "Part 2 (exempt) only" in err[0]
        assert not out.exists()
    assert _exports(db) == before


def _exports(db) -> int:
    """Export records in the audit log next to the store (none when it does not exist)."""
    from geo.accounts import Accounts
    from geo.accounts._accounts import accounts_path
    from geo.settings import Settings

    settings = Settings(db_path=db)
    if not accounts_path(settings).exists():
        return 0
    return len(Accounts.from_settings(settings).read(limit=0, event="export"))


# -- the map layer ------------------------------------------------------------------------


def _layer(db, audience, query="?from=2018-10&to=2018-12&theme=knife_crime&layer=places"):
    from dashboard.state import ViewState
    from dashboard.views.context import AppContext
    from dashboard.views.map_view import map_model
    from geo.settings import Settings

    ctx = AppContext.create(Store(db), Settings(db_path=db), audience)
    return map_model(ctx, ViewState.from_query(query), audience)


def _file(built) -> pd.DataFrame:
    """The register as written (pandas over the generated CSV, not through socmap)."""
    return pd.read_csv(
        built.parent / "edubasealldata20180901.csv", dtype=str, keep_default_na=False
    )


def test_places_layer_public_shows_what_the_register_publishes(built, db):
    from geo.disclosure import Audience

    model = _layer(db, Audience.PUBLIC)
    rows = _file(built).set_index("URN")
    # Open in the period and located by the register itself: not the school opened in
    # 2019, not the one the register gives no point for.
    published = ["300001", "300002", "300003"]
    want = {
        f"<b>{rows.at[u, 'EstablishmentName']}</b><br>{rows.at[u, 'TypeOfEstablishment (name)']}"
        "<br>School (DfE Get Information About Schools)"
        for u in published
    }
    assert {p.hover for p in model.places.places} == want
    for p in model.places.places:
        assert "incident" not in p.hover.lower() and "AA1" not in p.hover
    assert any("give no point for are not drawn" in n.text for n in model.notes)
    assert any("vintage 2018-09-01" in n.text for n in model.notes)
    # The register's point (Easting/Northing converted), to the metre.
    from pyproj import Transformer

    to_wgs = Transformer.from_crs(27700, 4326, always_xy=True)
    for p in model.places.places:
        u = next(u for u in published if rows.at[u, "EstablishmentName"] in p.hover)
        lon, lat = to_wgs.transform(float(rows.at[u, "Easting"]), float(rows.at[u, "Northing"]))
        assert p.lonlat == pytest.approx((lon, lat), abs=2e-5)


def test_places_layer_analyst_shows_every_open_place(db):
    from dashboard.figures.map_figure import map_figure
    from geo.disclosure import Audience
    from geo.settings import Settings

    model = _layer(db, Audience.RESTRICTED)
    names = {p.name for p in model.places.places}
    assert names == {
        "GENERATED Next to six", "GENERATED Next to eight", "GENERATED Far away",
        "GENERATED Postcode only",
    }  # fmt: skip
    cards = {p.name: p.hover for p in model.places.places}
    assert "Pupil referral unit or alternative provision" in cards["GENERATED Next to eight"]
    assert "located by postcode centroid" in cards["GENERATED Postcode only"]
    figure = map_figure(model, Settings(db_path=db))
    traces = [t for t in figure["data"] if t.get("name", "").startswith("School (")]
    assert len(traces) == 1 and len(traces[0]["lon"]) == 4
    # A district's view: its places only.
    district = _layer(db, Audience.RESTRICTED, "?from=2018-10&to=2018-12&d=E07000902&layer=places")
    assert {p.name for p in district.places.places} < names
