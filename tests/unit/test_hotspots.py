"""Gi* hot spots through the store: the study region, a planted cluster, the options."""

from __future__ import annotations

from datetime import date

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.stats import false_discovery_control, norm

from geo.errors import ValidationError
from geo.filters import Filters
from geo.grid import study_region
from geo.stats import COLUMNS, find_hotspots, gi_star_exact
from geo.store import Store
from geo.store.queries.counts import filtered_total
from geo.themes import load_themes
from tests.support.reference import esda_z
from tests.support.synthetic import (
    MAIDSTONE,
    disk_polygon,
    insert_area,
    insert_incidents,
    points_in_cell,
)

THEMES = load_themes()
CENTRE = h3i.latlng_to_cell(*MAIDSTONE, 8)
DISTRICT = "E07000110"


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A round district; weapons crimes cluster on seven cells at its centre, drugs are
    spread thinly; one incident sits outside the district's boundary, placed in no district
    (as the loaders place such a point)."""
    rng = np.random.default_rng(6)
    store = Store(tmp_path_factory.mktemp("hot") / "h.duckdb")
    insert_area(store, "district", DISTRICT, "Maidstone", disk_polygon(MAIDSTONE, 5))
    rows = []
    for cell in h3i.grid_disk(CENTRE, 5):
        hot = h3i.grid_distance(cell, CENTRE) <= 1
        for category, rate in (("Possession of weapons", 6 if hot else 0.2), ("Drugs", 0.5)):
            k = rng.poisson(rate)
            if k:
                lat, lon = points_in_cell(h3i.int_to_str(cell), k, rng)
                rows += [(category, a, b) for a, b in zip(lat, lon, strict=True)]
    frame = pd.DataFrame(rows, columns=["category", "latitude", "longitude"])
    frame = frame.assign(district=DISTRICT)
    outside = pd.DataFrame(
        [("Drugs", MAIDSTONE[0] + 0.07, MAIDSTONE[1], None)], columns=frame.columns
    )
    frame = pd.concat([frame, outside], ignore_index=True)
    insert_incidents(store, frame.assign(month=date(2018, 1, 1)))
    yield store
    store.close()


def test_region_is_the_boundary_hexagons_and_counts_only_placed_incidents(planted):
    region = study_region(planted, "district", DISTRICT, 8)
    # Independently: every res-8 cell whose hexagon overlaps the disk with positive area.
    disk = disk_polygon(MAIDSTONE, 5)
    candidates = h3i.grid_disk(CENTRE, 12)
    overlapping = sorted(
        c
        for c in candidates
        if shapely.Polygon([(lo, la) for la, lo in h3i.cell_to_boundary(c)]).intersection(disk).area
        > 0
    )
    assert region.cells.tolist() == overlapping
    for level, code in (("county", None), ("district", DISTRICT)):
        result = find_hotspots(planted, Filters(district=code), 8, THEMES)
        assert list(result.cells.columns) == list(COLUMNS)
        assert len(result.cells) == region.n
        assert (result.cells["count"] == 0).sum() > 10  # quiet cells take part
        # The incident outside every district stays out, at county level too (the county
        # is every district together: Filters.where counts no incident in no district).
        placed = filtered_total(planted, Filters(district=DISTRICT), THEMES)
        stored = planted.fetch_rows("SELECT count(*) FROM incidents")[0][0]
        assert result.total == placed == stored - 1, level
        assert filtered_total(planted, Filters(), THEMES) == placed
        # At most the note on what the test cannot find here.
        assert all(n.startswith("the busiest hexagon holds") for n in result.notes)
    outside = h3i.latlng_to_cell(MAIDSTONE[0] + 0.07, MAIDSTONE[1], 8)
    assert np.uint64(outside) not in set(region.cells)


def test_planted_cluster_is_the_hottest_and_z_equals_esda(planted):
    filters = Filters(categories=("Possession of weapons",), district=DISTRICT)
    result = find_hotspots(planted, filters, 8, THEMES)
    top = result.cells.iloc[0]
    assert h3i.grid_distance(int(top["cell"]), CENTRE) <= 1
    assert top["class"] == "hot_99" and top["gi_q"] < 0.01
    hot = set(result.hot()["cell"].astype(int))
    assert CENTRE in hot
    assert all(h3i.grid_distance(c, CENTRE) <= 2 for c in hot)
    region = study_region(planted, "district", DISTRICT, 8)
    by_cell = result.cells.set_index("cell").loc[region.cells]
    np.testing.assert_allclose(
        by_cell["gi_z"], esda_z(by_cell["count"].to_numpy(float), region.cells), atol=1e-9
    )
    # gi_p is the exact two-sided p, gi_q its Benjamini-Hochberg adjustment (scipy's).
    p, _ = gi_star_exact(by_cell["count"].to_numpy(float), region)
    np.testing.assert_allclose(by_cell["gi_p"], p, rtol=0, atol=0)
    np.testing.assert_allclose(
        result.cells["gi_q"], false_discovery_control(result.cells["gi_p"]), rtol=1e-12
    )


def test_exact_test_is_deterministic_and_the_options_change_the_driver(planted):
    filters = Filters(categories=("Drugs",), district=DISTRICT)
    a = find_hotspots(planted, filters, 8, THEMES)
    b = find_hotspots(planted, filters, 8, THEMES)
    pd.testing.assert_frame_equal(a.cells, b.cells)
    by_p = find_hotspots(planted, filters, 8, THEMES, class_by="p")
    # Unadjusted p-values flag at least as many cells as FDR-adjusted ones.
    assert (by_p.cells["class"] != "not_significant").sum() >= (
        a.cells["class"] != "not_significant"
    ).sum()
    normal = find_hotspots(planted, filters, 8, THEMES, test="normal")
    z = normal.cells["gi_z"].to_numpy()
    np.testing.assert_allclose(normal.cells["gi_p"], 2 * norm.sf(np.abs(z)), rtol=1e-12)
    np.testing.assert_array_equal(normal.cells["gi_z"], a.cells["gi_z"])
    with pytest.raises(ValidationError, match="class_by"):
        find_hotspots(planted, filters, 8, THEMES, class_by="z")
    with pytest.raises(ValidationError, match="test"):
        find_hotspots(planted, filters, 8, THEMES, test="permutation")


def test_no_incidents_and_no_boundary_are_explained(planted):
    result = find_hotspots(planted, Filters(categories=("Robbery",)), 8, THEMES)
    assert any("no incidents match" in n for n in result.notes)
    assert (result.cells["class"] == "not_significant").all()
    nowhere = find_hotspots(planted, Filters(division="E58000720"), 8, THEMES)
    assert any("no boundary is loaded for division E58000720" in n for n in nowhere.notes)
    assert any("study region is empty" in n for n in nowhere.notes)
    assert nowhere.cells.empty
