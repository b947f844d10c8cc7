"""Study regions are fixed by the boundaries: a month's statistics do not move when other data is
loaded (needs SOCMAP_SHARED_DATA).

Before, a region took in every hexagon holding any stored incident (any month, category or
source): loading February moved January's z-scores and changed its classes, and an edge
hexagon's presence said that some record sat in it. Now the region is every hexagon that
overlaps the area's boundary, and county statistics count only incidents placed in a district.
The test loads another month, partner files (knife crimes in edge hexagons outside every
district, and another source and category in the county), and the rest of a month's
categories, and checks that October's hot spots, emerging hot spots and backtest are identical.
It also rebuilds the region by the old rule, to show the loads would have moved it.
"""

from __future__ import annotations

import csv

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import Settings, Store, ingest_incidents, ingest_police_uk
from geo.filters import Filters, parse_month
from geo.grid import area_geometry, study_region
from geo.stats import backtest, emerging_hotspots, find_hotspots
from geo.themes import load_themes
from tests.support.kent import load_kent_areas
from tests.support.partner import CANTERBURY, MAIDSTONE, write_csv

pytestmark = pytest.mark.shared_data
THEMES = load_themes()
WEAPONS = ("Possession of weapons",)
OCT, NOV = parse_month("2018-10"), parse_month("2018-11")
MAIDSTONE_CODE = "E07000110"


def _weapons_only(src, dst) -> None:
    with open(src, newline="") as f_in, open(dst, "w", newline="") as f_out:
        reader = csv.DictReader(f_in)
        writer = csv.DictWriter(f_out, fieldnames=reader.fieldnames)
        writer.writeheader()
        writer.writerows(r for r in reader if r["Crime type"] == WEAPONS[0])


def _statistics(store: Store) -> dict[str, object]:
    october = Filters(categories=WEAPONS, month_from=OCT, month_to=OCT)
    two = Filters(categories=WEAPONS, month_from=OCT, month_to=NOV)
    theme = Filters(themes=("knife_crime",), month_from=OCT, month_to=NOV)
    return {
        "county": find_hotspots(store, october, 8, THEMES),
        "theme": find_hotspots(store, theme, 8, THEMES),
        "district": find_hotspots(
            store,
            Filters(categories=WEAPONS, district=MAIDSTONE_CODE, month_from=OCT, month_to=OCT),
            9,
            THEMES,
        ),
        "normal": find_hotspots(store, october, 8, THEMES, test="normal"),
        "emerging": emerging_hotspots(store, two, 8, THEMES),
        "backtest": backtest(store, two, 8, THEMES, train_months=1),
    }


def _same(before: dict, after: dict) -> None:
    for key in ("county", "theme", "district", "normal"):
        pd.testing.assert_frame_equal(before[key].cells, after[key].cells, check_exact=True)
        assert before[key].notes == after[key].notes and before[key].total == after[key].total
    pd.testing.assert_frame_equal(before["emerging"].cells, after["emerging"].cells)
    np.testing.assert_array_equal(before["emerging"].gi_z, after["emerging"].gi_z)
    pd.testing.assert_frame_equal(before["backtest"].folds, after["backtest"].folds)


def _old_rule_region(store: Store, res: int) -> set[int]:
    """The region as it was built before: hexagons whose centre is in the county, plus every
    hexagon holding any stored incident."""
    with store.reading() as con:
        shape = area_geometry(con, "county", None)
        rows = con.execute("SELECT latitude, longitude FROM incidents WHERE cell IS NOT NULL")
        points = rows.fetchall()
    cells = set()
    for part in shapely.get_parts(shape):
        cells.update(h3i.geo_to_cells(part, res))
    cells.update(h3i.latlng_to_cell(lat, lng, res) for lat, lng in points)
    return cells


def _edge_points(store: Store, count: int) -> list[tuple[float, float]]:
    """Points inside hexagons of the county's region but outside every district: police.uk
    and partners have such points (at sea, over the edge); they are stored as outside."""
    region = study_region(store, "county", None, 8)
    with store.reading() as con:
        shape = area_geometry(con, "county", None)
    out = []
    for cell in region.cells.tolist():
        hexagon = shapely.Polygon([(lng, lat) for lat, lng in h3i.cell_to_boundary(cell)])
        rest = hexagon.difference(shape)
        if rest.area > 0.2 * hexagon.area:
            point = rest.representative_point()
            out.append((point.y, point.x))
        if len(out) == count:
            return out
    raise AssertionError("no edge hexagons found")


def test_a_months_statistics_do_not_move_when_other_data_is_loaded(
    police_uk_files, shared_data, tmp_path
):
    settings = Settings(db_path=tmp_path / "socmap.duckdb")
    store = Store(settings.db_path)
    load_kent_areas(store, shared_data)
    october, november, december = police_uk_files
    for month_file in (october, november):
        _weapons_only(month_file, tmp_path / month_file.name)
        ingest_police_uk(store, tmp_path / month_file.name, settings, progress=False)
    before = _statistics(store)
    old_rule = _old_rule_region(store, 8)
    region_cells = study_region(store, "county", None, 8).cells.tolist()
    assert len(before["county"].cells) == len(region_cells) > 5000

    # Another month.
    ingest_police_uk(store, december, settings, progress=False)
    _same(before, _statistics(store))

    # A partner file of knife crimes in October and November, all in edge hexagons of the
    # county's region but outside every district: stored as outside, so they stay out of
    # county statistics even for the knife crime theme, which they belong to.
    edge = _edge_points(store, 12)
    rows = [[f"E{i}", "knife_crime", f"2018-{10 + i % 2}-05", *p] for i, p in enumerate(edge)]
    report = ingest_incidents(
        store, write_csv(tmp_path / "edge.csv", rows), settings, source="partner", progress=False
    )
    assert report.loaded == len(rows)
    outside = store.fetch_rows(
        "SELECT count(*) FROM incidents WHERE source = 'partner' AND district IS NULL"
    )[0][0]
    assert outside == len(edge)  # stored, and placed in no district
    _same(before, _statistics(store))
    # The attack on the old region: an edge hexagon got a statistic only if a record sat in
    # it. The records are there now, and the region has not moved.
    assert study_region(store, "county", None, 8).cells.tolist() == region_cells
    assert {h3i.latlng_to_cell(lat, lng, 8) for lat, lng in edge} <= set(region_cells)
    assert {h3i.latlng_to_cell(lat, lng, 8) for lat, lng in edge} - old_rule  # would have grown

    # Another partner file: another source and category, in the county.
    rows = [
        [f"S{i}", "modern_slavery", f"2018-{10 + i % 2}-07", *p]
        for i, p in enumerate([MAIDSTONE, CANTERBURY] * 3)
    ]
    report = ingest_incidents(
        store, write_csv(tmp_path / "lines.csv", rows), settings, source="other", progress=False
    )
    assert report.loaded == len(rows)
    _same(before, _statistics(store))

    # The rest of October's categories (the whole file replaces the month's weapons rows,
    # which are the same rows).
    ingest_police_uk(store, october, settings, progress=False)
    _same(before, _statistics(store))

    # The old rule would have moved the region: the loads added hexagons to it.
    assert _old_rule_region(store, 8) - old_rule
    # Every incident placed in the county lies in a region hexagon (h3 on its own point).
    region = set(study_region(store, "county", None, 8).cells.tolist())
    placed = store.fetch_rows(
        "SELECT latitude, longitude FROM incidents WHERE district IS NOT NULL AND cell IS NOT NULL"
    )
    assert all(h3i.latlng_to_cell(lat, lng, 8) in region for lat, lng in placed)
    store.close()
