"""Issue 19, failure 1: another force's crimes never become Kent statistics.

A police.uk file of another force (Essex's, Sussex's: points in Southend, Thurrock, Hastings,
all inside the old Kent-and-Medway rectangle) is refused whole with one line naming the force,
and nothing changes; ``--force-area`` loads it deliberately. Points are checked against the
loaded district boundaries, not a rectangle: one kept 500 m beyond the districts' edge at most
(the documented rule, geo.ingest._area), checked here against an independent distance
computed with geopandas on the real Kent boundaries and the real October 2018 file.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo import Settings, Store, ingest_police_uk
from geo.areas.boundaries import fetch_boundaries
from socmap.cli import EXIT_ERROR, EXIT_QUARANTINED, main
from tests.support.loads import (
    ESSEX_PLACES,
    SUSSEX_PLACES,
    accounts,
    copy_store,
    other_force_file,
    read_rows,
    write_rows,
)

pytestmark = pytest.mark.shared_data

EDGE_M = 500.0


@pytest.fixture(scope="module")
def kent_base(shared_data, tmp_path_factory):
    """The real Kent boundaries and the real November 2018 (October is what the tests load)."""
    db = tmp_path_factory.mktemp("kent") / "socmap.duckdb"
    store = Store(db)
    fetch_boundaries(store, from_dir=shared_data / "boundaries")
    november = shared_data / "police-uk" / "2018-11-kent-street.csv"
    ingest_police_uk(store, november, Settings(db_path=db), progress=False)
    store.close()
    return db


@pytest.mark.parametrize(
    ("force", "places"), [("Essex Police", ESSEX_PLACES), ("Sussex Police", SUSSEX_PLACES)]
)
def test_another_forces_file_is_refused_whole_with_one_line(
    kent_base, tmp_path, capsys, force, places
):
    db = copy_store(kent_base, tmp_path / "s")
    before = db.read_bytes()
    other = other_force_file(tmp_path / "other.csv", force, places, 400, seed=7)
    code = main(["--db", str(db), "ingest", "police-uk", str(other), "--no-progress"])
    err = capsys.readouterr().err
    assert code == EXIT_ERROR
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(other) in lines[0] and force in lines[0] and "400 of its 400 rows" in lines[0]
    assert "--force-area" in lines[0] and "nothing was loaded" in lines[0]
    assert db.read_bytes() == before  # not even a new version of the store


def test_a_kent_file_with_a_row_of_another_force_is_refused(kent_base, shared_data, tmp_path):
    rows = read_rows(shared_data / "police-uk" / "2018-10-kent-street.csv")
    rows[100][2] = rows[100][3] = "Essex Police"
    path = write_rows(tmp_path / "2018-10-kent-street.csv", rows)
    db = copy_store(kent_base, tmp_path / "s")
    with pytest.raises(Exception, match=r"Essex Police \(1 of its 19,396 rows\)"):
        ingest_police_uk(Store(db), path, Settings(db_path=db), progress=False)


def test_british_transport_police_rows_in_kent_are_kent_rows(kent_base, shared_data, tmp_path):
    """Reported by BTP, Falls within Kent Police: a crime at a Kent station, kept."""
    rows = read_rows(shared_data / "police-uk" / "2018-10-kent-street.csv")[:50]
    for r in rows[:10]:
        r[2] = "British Transport Police"
    path = write_rows(tmp_path / "btp.csv", rows)
    db = copy_store(kent_base, tmp_path / "s")
    report = ingest_police_uk(Store(db), path, Settings(db_path=db), progress=False)
    assert report.refused is None and report.loaded + report.unmapped + report.quarantined == 50


def test_force_area_loads_another_forces_file_deliberately_and_checks_its_points(
    kent_base, tmp_path, capsys
):
    db = copy_store(kent_base, tmp_path / "s")
    essex = other_force_file(tmp_path / "essex.csv", "Essex Police", ESSEX_PLACES, 200, seed=3)
    code = main(
        ["--db", str(db), "ingest", "police-uk", str(essex), "--no-progress",
         "--force-area", "essex  police"]
    )  # fmt: skip
    err = capsys.readouterr().err
    # Taken as Essex's, but Southend and Thurrock lie beyond Kent's districts: every row is
    # rejected as outside the loaded area (load Essex's boundaries to keep them).
    assert code != EXIT_QUARANTINED or "refused" not in err
    assert "km beyond the loaded district boundaries" in err


def _distance_beyond_districts(shared_data, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Metres from each point to the real Kent and Medway districts (0 inside), with
    geopandas on the British National Grid: independent of the loader's code."""
    districts = gpd.read_file(
        shared_data / "boundaries" / "kent_medway_districts_lad21_oa_dissolved.geojson"
    ).to_crs(27700)
    outline = districts.union_all()
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(27700)
    return points.distance(outline).to_numpy()


def test_points_are_checked_against_the_districts_not_a_rectangle(kent_base, shared_data, tmp_path):
    """The real October plus points in Southend, Thurrock and Hastings labelled Kent: each
    row is kept in a district, kept outside every district (up to 500 m beyond), or
    quarantined with its distance, exactly as geopandas' distance says."""
    rows = read_rows(shared_data / "police-uk" / "2018-10-kent-street.csv")
    rng = np.random.default_rng(11)
    extra = []
    for i, (lat, lon) in enumerate([*ESSEX_PLACES.values(), *SUSSEX_PLACES.values()] * 25):
        r = list(rows[i])
        r[0] = f"x{i:05d}"
        r[4], r[5] = f"{lon + rng.normal(0, 0.005):.6f}", f"{lat + rng.normal(0, 0.003):.6f}"
        extra.append(r)
    path = write_rows(tmp_path / "2018-10-kent-plus.csv", rows + extra)
    db = copy_store(kent_base, tmp_path / "s")
    # A new row's uid is the largest uid before the load plus its row number (geo.ingest._load).
    (base_uid,) = Store(db).fetch_rows("SELECT max(uid) FROM incidents")[0]
    report = ingest_police_uk(Store(db), path, Settings(db_path=db), progress=False)
    assert report.refused is None

    df = pd.DataFrame(rows + extra, columns=range(12))
    df["row_number"] = np.arange(2, len(df) + 2)
    lat = pd.to_numeric(df[5], errors="coerce").to_numpy()
    lon = pd.to_numeric(df[4], errors="coerce").to_numpy()
    has = np.isfinite(lat) & np.isfinite(lon)
    metres = np.full(len(df), np.nan)
    metres[has] = _distance_beyond_districts(shared_data, lat[has], lon[has])
    # Points within a metre of the 500 m line may fall either way (simplified shapes).
    clear = ~(np.abs(metres - EDGE_M) < 1)
    store = Store(db)
    stored = dict(
        store.fetch_rows(
            "SELECT uid - ?, district IS NOT NULL FROM incidents WHERE batch_id = ?",
            [base_uid, report.batch_id],
        )
    )
    beyond = {
        n for (n,) in store.fetch_rows(
            "SELECT row_number FROM quarantine WHERE batch_id = ? AND reason LIKE "
            "'%km beyond the loaded district boundaries%'", [report.batch_id]
        )
    }  # fmt: skip
    store.close()
    numbers = df["row_number"].to_numpy()
    far = has & (metres > EDGE_M) & clear
    near = has & (metres > 1) & (metres <= EDGE_M) & clear
    inside = has & (metres == 0)
    assert set(numbers[far]) == beyond & set(numbers[clear])
    assert len(beyond) >= 100  # every Southend, Thurrock and Hastings point at least
    assert all(stored.get(n) is False for n in numbers[near])  # kept, outside every district
    assert all(stored.get(n) is True for n in numbers[inside])  # kept, in a district
    # Every row accounted for: the file's rows are stored or quarantined, nothing else.
    assert report.rows_read == len(df) == report.loaded + report.unmapped + report.quarantined
    acc = accounts(db)
    assert acc["live_read"] == acc["stored"] + acc["quarantined"]
