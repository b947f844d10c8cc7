"""The synthetic demo: labelled, plausible volumes and places, deterministic per seed, loaded
like any batch, and the planted patterns really are there (counted independently here)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import pytest

from geo import Settings, Store, ValidationError, load_boundaries
from geo.areas import find_place, kent_places
from geo.demo import PLANTED, PLANTED_LINES, PORT_SHARES, QUIET_KM, SOURCE, demo_months, load_demo
from geo.demo._generate import generate
from geo.settings import KENT_MEDWAY_BBOX
from socmap.cli import main

END = "2024-12"
GEOD = pyproj.Geod(ellps="WGS84")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "demo.md"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> tuple[Store, Settings]:
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    settings = Settings(db_path=db)
    store = Store(db)
    report = load_demo(store, settings, seed=2024, months=24, end=END)
    assert report.rows_read == report.loaded + report.unmapped and report.quarantined == 0
    yield store, settings
    store.close()


@pytest.fixture(scope="module")
def rows(demo_store) -> pd.DataFrame:
    store, _ = demo_store
    return store.fetch("SELECT * FROM incidents").to_pandas()


def per_year(frame: pd.DataFrame, category: str) -> float:
    return (frame.category == category).sum() / 2


def distances(frame: pd.DataFrame, lat: float, lon: float) -> np.ndarray:
    n = len(frame)
    return GEOD.inv(np.full(n, lon), np.full(n, lat), frame.longitude.to_numpy(),
                    frame.latitude.to_numpy())[2]  # fmt: skip


def disc_and_ring(frame, lat, lon, radius=500.0, ring=(1500.0, 3000.0)):
    """Counts and densities (per km²) in a disc and in a ring around it."""
    d = distances(frame, lat, lon)
    inner, outer = d <= radius, (d > ring[0]) & (d <= ring[1])
    area_in = np.pi * (radius / 1000) ** 2
    area_ring = np.pi * ((ring[1] / 1000) ** 2 - (ring[0] / 1000) ** 2)
    return inner, outer, inner.sum() / area_in, outer.sum() / area_ring


def test_volumes_are_plausible_for_kent(rows):
    assert 450 <= per_year(rows, "knife_crime") <= 750  # a few hundred a year
    assert 130 <= per_year(rows, "modern_slavery") <= 215  # about 171 a year
    assert 450 <= per_year(rows, "port_event") <= 800
    active = rows[rows.category == "county_lines"].groupby("month").line_name.nunique()
    assert len(active) == 24 and active.mean() >= 24 and active.min() >= 18  # dozens
    assert set(rows.category) == {"knife_crime", "modern_slavery", "county_lines", "port_event"}


def test_every_row_is_labelled_synthetic_and_inside_the_region(rows):
    assert set(rows.source) == {SOURCE}
    assert all(json.loads(a)["synthetic"] is True for a in rows.attributes)
    placed = rows.dropna(subset=["latitude"])
    min_lon, min_lat, max_lon, max_lat = KENT_MEDWAY_BBOX
    assert placed.latitude.between(min_lat, max_lat).all()
    assert placed.longitude.between(min_lon, max_lon).all()
    months = sorted(rows.month.unique())
    assert (months[0], months[-1], len(months)) == (date(2023, 1, 1), date(2024, 12, 1), 24)
    assert (rows.date.dropna() <= date(2024, 12, 31)).all()


def test_the_persistent_hotspot_is_dense_every_month(rows):
    spot = PLANTED["persistent_knife_hotspot"]
    knife = rows[rows.category == "knife_crime"]
    inner, _, dense_in, dense_ring = disc_and_ring(knife, spot.latitude, spot.longitude,
                                                   spot.radius_m)  # fmt: skip
    assert dense_in > 20 * dense_ring
    per_month = knife[inner].groupby("month").size()
    assert len(per_month) == 24 and per_month.min() >= 3
    # Denser than the centre of the next biggest town, which has only background.
    other = find_place("Gillingham", kent_places())
    other_in, _, _, _ = disc_and_ring(knife, other.latitude, other.longitude, spot.radius_m)
    assert inner.sum() >= 5 * other_in.sum()


def test_the_emerging_hotspot_appears_only_in_the_last_months(rows):
    spot = PLANTED["emerging_knife_hotspot"]
    knife = rows[rows.category == "knife_crime"]
    inner, _, _, _ = disc_and_ring(knife, spot.latitude, spot.longitude, spot.radius_m)
    ramp_start = date(2024, 12 - len(spot.ramp) + 1, 1)
    early = (knife.month < ramp_start).to_numpy()
    assert inner[early].sum() / early.sum() < 0.005  # next to nothing before
    assert inner[~early].sum() >= 25
    late = knife[inner & ~early].groupby("month").size()
    assert late.iloc[-3:].sum() > late.iloc[:3].sum()  # rising
    _, _, dense_in, dense_ring = disc_and_ring(knife[~early], spot.latitude, spot.longitude,
                                               spot.radius_m)  # fmt: skip
    assert dense_in > 10 * dense_ring


def test_the_planted_series_are_exact_and_alone_in_their_quiet_zones(rows):
    knife = rows[rows.category == "knife_crime"]
    months = sorted(knife.month.unique())
    for key, spot in PLANTED.items():
        near = knife[distances(knife, spot.latitude, spot.longitude) < QUIET_KM * 1000]
        planted = near.attributes.map(lambda a: json.loads(a).get("planted"))
        assert (planted == key).all(), key  # no background knife crime in the zone
        per_month = near.groupby("month").size().reindex(months, fill_value=0)
        assert per_month.tolist() == [spot.count_in(i, len(months)) for i in range(len(months))]
        assert (distances(near, spot.latitude, spot.longitude) <= spot.radius_m + 1).all()


def test_county_lines_run_from_several_london_boroughs_into_kent_towns(rows):
    lines = rows[rows.category == "county_lines"]
    boroughs = set(lines.origin_code[lines.origin_code.str.startswith("E09")])
    assert len(boroughs) >= 8
    kent_towns = {p.name for p in kent_places()}
    assert set(lines.destination) <= kent_towns
    monthly = lines.groupby(["origin", "destination", "line_name"]).month.nunique()
    for origin, destination, name in PLANTED_LINES:
        assert monthly[(origin, destination, name)] == 24


def test_port_events_are_at_dover_and_folkestone(rows):
    events = rows[rows.category == "port_event"]
    share = events.port.value_counts(normalize=True)
    assert set(share.index) <= set(PORT_SHARES)
    dover_folkestone = share[["dover-eastern-docks", "channel-tunnel-folkestone",
                              "folkestone-harbour", "dover-western-docks"]].sum()  # fmt: skip
    assert dover_folkestone > 0.8
    assert events[events.port == "dover-eastern-docks"].month.nunique() == 24


def test_the_same_seed_gives_the_same_rows_and_another_does_not():
    months = demo_months(24, END)
    first = generate(11, months, KENT_MEDWAY_BBOX)
    assert first.equals(generate(11, months, KENT_MEDWAY_BBOX))
    assert not first.equals(generate(12, months, KENT_MEDWAY_BBOX))


def test_rerun_is_a_no_op_and_another_seed_replaces_everything(tmp_path, capsys):
    settings = Settings(db_path=tmp_path / "d.duckdb")
    store = Store(settings.db_path)
    args = ["--db", str(settings.db_path), "demo", "--end", END]
    assert main(args) == 0
    version = store.data_version()
    assert main(args) == 0
    assert "already loaded" in capsys.readouterr().out
    assert store.data_version() == version
    report = load_demo(store, settings, seed=5, months=30, end=END)
    assert report.replaced > 0
    stored = store.fetch_rows("SELECT count(*), min(month) FROM incidents")[0]
    assert stored == (report.loaded + report.unmapped, date(2022, 7, 1))
    statuses = [s for (s,) in store.fetch_rows("SELECT status FROM batches ORDER BY batch_id")]
    assert statuses == ["superseded", "active"]
    store.close()


def test_the_default_end_is_the_last_complete_month():
    months = demo_months(24, today=date(2025, 3, 14))
    assert (months[0], months[-1]) == (date(2023, 3, 1), date(2025, 2, 1))
    for bad_months, end in ((6, None), (24, datetime.now(UTC).strftime("%Y-%m"))):
        with pytest.raises(ValidationError):
            demo_months(bad_months, end)


def test_with_boundaries_loaded_points_stay_on_land(tmp_path, shared_data):
    settings = Settings(db_path=tmp_path / "b.duckdb")
    store = Store(settings.db_path)
    districts = shared_data / "boundaries" / "kent_medway_districts_lad21_oa_dissolved.geojson"
    load_boundaries(store, districts, "district", approximate=True)
    load_demo(store, settings, seed=3, months=12, end=END)
    counts = store.fetch_rows(
        "SELECT category, count(*) FILTER (WHERE latitude IS NOT NULL AND district IS NULL) "
        "FROM incidents GROUP BY 1"
    )
    assert dict(counts) == dict.fromkeys(
        ("knife_crime", "modern_slavery", "county_lines", "port_event"), 0
    )
    store.close()


def test_the_planted_patterns_are_documented():
    text = DOCS.read_text()
    for key, spot in PLANTED.items():
        assert key in text and f"{spot.latitude}" in text and f"{spot.longitude}" in text
        assert f"{spot.radius_m:.0f} m" in text
    for origin, destination, name in PLANTED_LINES:
        assert f"| {origin} | {destination} | {name} |" in text
    for port, share in PORT_SHARES.items():
        assert f"| {port} | {share:.0%} |" in text
