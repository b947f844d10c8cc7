"""Gi* hot spots through the store: the study region, a planted cluster, the options."""

from __future__ import annotations

from datetime import date

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest

from geo.errors import ValidationError
from geo.filters import Filters
from geo.grid import study_region
from geo.hexes import filtered_total
from geo.hotspots import COLUMNS, find_hotspots
from geo.store import Store
from geo.themes import load_themes
from tests._synthetic import MAIDSTONE, disk_polygon, insert_area, insert_incidents, points_in_cell
from tests.test_gistar import _esda_z

THEMES = load_themes()
CENTRE = h3i.latlng_to_cell(*MAIDSTONE, 8)
DISTRICT = "E07000110"


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A round district; weapons crimes cluster on seven cells at its centre, drugs are
    spread thinly; one incident sits outside the district's boundary."""
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
    outside = pd.DataFrame([("Drugs", MAIDSTONE[0] + 0.07, MAIDSTONE[1])], columns=frame.columns)
    frame = pd.concat([frame, outside], ignore_index=True)
    insert_incidents(store, frame.assign(month=date(2018, 1, 1), district=DISTRICT))
    yield store
    store.close()


def test_region_has_empty_cells_and_every_cell_with_an_incident(planted):
    region = study_region(planted, "district", DISTRICT, 8)
    result = find_hotspots(planted, Filters(district=DISTRICT), 8, THEMES, permutations=0)
    assert list(result.cells.columns) == list(COLUMNS)
    assert len(result.cells) == region.n
    assert (result.cells["count"] == 0).sum() > 10  # quiet cells take part
    assert result.total == filtered_total(planted, Filters(district=DISTRICT), THEMES)
    outside = h3i.latlng_to_cell(MAIDSTONE[0] + 0.07, MAIDSTONE[1], 8)
    assert np.uint64(outside) in set(result.cells["cell"])
    assert result.notes == ()


def test_planted_cluster_is_the_hottest_and_z_equals_esda(planted):
    filters = Filters(categories=("Possession of weapons",), district=DISTRICT)
    result = find_hotspots(planted, filters, 8, THEMES, permutations=199, seed=3)
    top = result.cells.iloc[0]
    assert h3i.grid_distance(int(top["cell"]), CENTRE) <= 1
    assert top["class"] == "hot_99" and top["gi_p_sim"] == pytest.approx(1 / 200)
    hot = set(result.hot()["cell"].astype(int))
    assert CENTRE in hot
    assert all(h3i.grid_distance(c, CENTRE) <= 3 for c in hot)
    region = study_region(planted, "district", DISTRICT, 8)
    by_cell = result.cells.set_index("cell").loc[region.cells]
    np.testing.assert_allclose(
        by_cell["gi_z"], _esda_z(by_cell["count"].to_numpy(float), region.cells), atol=1e-9
    )


def test_seed_makes_permutations_repeatable_and_class_by_changes_the_driver(planted):
    filters = Filters(categories=("Drugs",), district=DISTRICT)
    a = find_hotspots(planted, filters, 8, THEMES, permutations=99, seed=1)
    b = find_hotspots(planted, filters, 8, THEMES, permutations=99, seed=1)
    pd.testing.assert_frame_equal(a.cells, b.cells)
    by_p = find_hotspots(planted, filters, 8, THEMES, permutations=0, class_by="p")
    by_q = find_hotspots(planted, filters, 8, THEMES, permutations=0, class_by="q")
    # Unadjusted p-values flag at least as many cells as FDR-adjusted ones.
    assert (by_p.cells["class"] != "not_significant").sum() >= (
        by_q.cells["class"] != "not_significant"
    ).sum()
    assert by_q.cells["gi_p_sim"].isna().all()
    with pytest.raises(ValidationError, match="class_by"):
        find_hotspots(planted, filters, 8, THEMES, class_by="z")


def test_no_incidents_and_no_boundary_are_explained(planted):
    result = find_hotspots(planted, Filters(categories=("Robbery",)), 8, THEMES, permutations=0)
    assert any("no incidents match" in n for n in result.notes)
    assert (result.cells["class"] == "not_significant").all()
    nowhere = find_hotspots(planted, Filters(division="E58000720"), 8, THEMES, permutations=0)
    assert any("no boundary is loaded for division E58000720" in n for n in nowhere.notes)
    assert any("study region is empty" in n for n in nowhere.notes)
    assert nowhere.cells.empty
