"""Incidents near vulnerable places: counts within a distance against a brute-force geodesic
computation (pyproj's Geod on every pair), grid and ellipsoid agreeing away from the margin,
places open during the period, the Gi* hot spot holding a place, and the command line."""

from __future__ import annotations

import shutil
from datetime import date

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from geo.areas import counts_within, open_during, places_near_incidents
from geo.context import load_register
from geo.errors import ValidationError
from geo.filters import Filters
from geo.store import Store
from geo.themes import load_themes
from socmap.cli import main
from tests.support.rates import build_store
from tests.support.registers import GIAS_HEADER, gias_row, write_register

THEMES = load_themes()
GEOD = Geod(ellps="WGS84")


def _brute(places, points):
    """Every pair's geodesic distance, in metres."""
    plon, plat = places
    qlon, qlat = points
    out = np.empty((len(plon), len(qlon)))
    for i in range(len(plon)):
        _, _, out[i] = GEOD.inv(
            np.full(len(qlon), plon[i]), np.full(len(qlon), plat[i]), qlon, qlat
        )
    return out


def test_counts_within_a_distance_against_every_pair():
    rng = np.random.default_rng(2)
    places = (rng.uniform(0.4, 1.4, 60), rng.uniform(50.95, 51.45, 60))
    points = (rng.uniform(0.4, 1.4, 4000), rng.uniform(50.95, 51.45, 4000))
    distances = _brute(places, points)
    for within in (100.0, 250.0, 1000.0):
        n_geo, nearest_geo = counts_within(places, points, within, method="geodesic")
        assert n_geo.tolist() == (distances <= within).sum(axis=1).tolist()
        assert nearest_geo == pytest.approx(distances.min(axis=1), abs=1e-6)
        n_bng, nearest_bng = counts_within(places, points, within)
        # The grid's scale factor across Kent is within 0.04% of 1: the counts differ only
        # for pairs within that margin of the distance.
        margin = (np.abs(distances - within) < within * 5e-4).sum(axis=1)
        assert np.all(np.abs(n_bng - n_geo) <= margin)
        assert nearest_bng == pytest.approx(distances.min(axis=1), rel=5e-4)


def test_distance_and_method_are_checked():
    with pytest.raises(ValidationError, match="distance 0 m"):
        counts_within(([0.5], [51.1]), ([0.5], [51.1]), 0)
    with pytest.raises(ValidationError, match="method 'taxi'"):
        counts_within(([0.5], [51.1]), ([0.5], [51.1]), 10, method="taxi")
    n, nearest = counts_within(([0.5], [51.1]), (np.array([]), np.array([])), 10)
    assert n.tolist() == [0] and np.isnan(nearest[0])


def test_places_open_during_the_period():
    places = pd.DataFrame(
        {
            "status": ["Open", "Closed", "Closed", "Open", "Proposed to open", "active"],
            "open_date": [None, None, None, date(2019, 1, 1), None, date(2018, 12, 31)],
            "close_date": [None, date(2018, 10, 15), date(2018, 9, 30), None, None, None],
        }
    )
    assert open_during(places, date(2018, 10, 1), date(2018, 12, 1)).tolist() == [
        True, True, False, False, False, True,
    ]  # fmt: skip
    places.loc[1, "close_date"] = None  # closed, date unknown: left out
    assert not open_during(places, date(2018, 10, 1), date(2018, 12, 1))[1]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("near")
    settings = build_store(root)
    s = Store(settings.db_path)
    rows = [
        gias_row(300001, "Next to six", "academy", (0.5205, 51.1003)),  # 6 weapons at 0.52, 51.10
        gias_row(300002, "Next to eight", "pru", (0.8004, 51.1202)),  # 8 at 0.80, 51.12
        gias_row(300003, "Far away", "community", (0.75, 51.19)),
        gias_row(300004, "Opened later", "community", (0.5205, 51.1003), opened="01-09-2019"),
    ]
    load_register(s, "schools", write_register(root / "schools.csv", GIAS_HEADER, rows))
    yield s
    s.close()


def test_places_ranked_by_incidents_within_the_distance(store):
    result = places_near_incidents(store, Filters(themes=("knife_crime",)), THEMES, within=100)
    frame = result.places.set_index("place_id")
    assert list(result.places["place_id"]) == ["300002", "300001", "300003"]
    assert frame["incidents"].to_dict() == {"300002": 8, "300001": 6, "300003": 0}
    assert frame["rank"].to_dict() == {"300002": 1, "300001": 2, "300003": 3}
    # GIAS gives whole metres of the grid, so the school is within a metre of its point.
    assert frame.at["300001", "nearest_m"] == pytest.approx(
        GEOD.inv(0.5205, 51.1003, 0.52, 51.10)[2], abs=1.0
    )
    assert any("1 places not open" in n for n in result.notes)
    district = places_near_incidents(
        store, Filters(themes=("knife_crime",), district="E07000902"), THEMES, within=100
    )
    assert list(district.places["place_id"]) == ["300002", "300003"]


def test_the_hot_spot_holding_a_place_is_the_calibrated_class(store):
    from geo.stats import find_hotspots

    f = Filters(themes=("knife_crime",))
    result = places_near_incidents(store, f, THEMES, within=100, hotspot_res=8)
    cells = find_hotspots(store, f, 8, THEMES).cells.set_index("cell")["class"]
    for row in result.places.itertuples():
        place = store.fetch_rows(
            "SELECT longitude, latitude FROM register_places WHERE place_id = ?", [row.place_id]
        )[0]
        cell = h3i.latlng_to_cell(place[1], place[0], 8)
        want = cells.get(np.uint64(cell), "not_significant")
        assert row.hot_spot == (want if want.startswith("hot_") else "")


def test_the_command_line(store, tmp_path, capsys):
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(store.path, db)
    args = ["--db", str(db), "proximity", "--within", "100", "--theme", "knife_crime"]
    assert main([*args, "--no-hotspots"]) == 0
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert lines[0].startswith("rank,register,place_id,name,kind")
    assert lines[1].startswith("1,schools,300002,GENERATED Next to eight,pupil_referral_unit")
    assert "incidents within 100 m (British National Grid)" in out.err
    assert main([*args, "--from", "2025-01", "--to", "2025-03"]) == 4  # no data: exit 4
    assert "no data loaded for 2025-01 to 2025-03" in capsys.readouterr().err
