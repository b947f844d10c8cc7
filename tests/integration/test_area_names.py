"""Area names read consistently (issue 18): a hexagon's place names a division with its own
district, never "Gravesham Rural (Medway)" (the most common division and the most common
district of a cell's incidents can disagree at a boundary). Every cell with incidents, at
every resolution, checked against the loaded areas."""

from __future__ import annotations

import numpy as np
import pytest

from geo.areas import cells_to_places, place_label
from geo.grid import MIN_RES
from geo.store import Store

pytestmark = pytest.mark.shared_data


@pytest.mark.parametrize("res", [MIN_RES, 7, 8, 9])
def test_every_hexagons_division_is_named_with_its_own_district(dashboard_store, res):
    store = Store(dashboard_store.db_path)
    try:
        parents = dict(
            store.fetch_rows("SELECT code, parent_code FROM areas WHERE level = 'division'")
        )
        names = dict(store.fetch_rows("SELECT code, name FROM areas"))
        cells = np.array(
            [r[0] for r in store.fetch_rows(f"SELECT DISTINCT cell_{res} FROM incidents "
                                             f"WHERE cell_{res} IS NOT NULL")],
            dtype=np.uint64,
        )  # fmt: skip
        places = cells_to_places(store, cells, res)
    finally:
        store.close()
    with_division = places[places["division"].notna()]
    assert len(with_division) > 20
    wrong = with_division[with_division["district"] != with_division["division"].map(parents)]
    assert wrong.empty, wrong.head()
    for _, row in with_division.head(300).iterrows():
        label = place_label(row)
        district = names[parents[row["division"]]]
        assert label.endswith(f"{names[row['division']]} ({district})"), label
