"""The public view from the store: categories split, restricted ones only by district, one
county-wide tree whatever area is asked for, totals equal to the store's own counts."""

from __future__ import annotations

from datetime import date

import h3.api.basic_int as h3i
import numpy as np
import pytest

from geo.disclosure import DisclosurePolicy, Node, public_counts, split_filters
from geo.filters import Filters
from geo.themes import load_themes

DIST, DIV_A, DIV_B, MEDWAY = "E07000110", "E05000001", "E05000002", "E06000035"
THEMES = load_themes()


@pytest.fixture
def filled(store):
    """A store with many small counts: 3 categories, 3 areas and outside every district,
    cells near Maidstone (each incident's own cell at every resolution, by h3-py)."""
    rng = np.random.default_rng(3)
    rows = []
    categories = ["Drugs", "Possession of weapons", "modern_slavery"]
    places = [(DIST, DIV_A), (DIST, DIV_B), (MEDWAY, None), (DIST, DIV_A), (DIST, DIV_B),
              (MEDWAY, None), (None, None)]  # fmt: skip
    for uid in range(700):
        lat, lon = 51.27 + rng.normal(0, 0.03), 0.52 + rng.normal(0, 0.05)
        district, division = places[uid % 7]
        located = uid % 50 != 0
        cells = [h3i.latlng_to_cell(lat, lon, r) if located else None for r in range(5, 11)]
        category = categories[int(rng.integers(0, 3))]
        rows.append((uid, "test", f"id{uid}", category, date(2024, 1 + uid % 3, 1), lat, lon,
                     *cells, district, division))  # fmt: skip
    with store.writing() as con:
        con.executemany(
            "INSERT INTO incidents (uid, source, incident_id, category, month, latitude, "
            "longitude, cell_5, cell_6, cell_7, cell_8, cell_9, cell, district, division, "
            "batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            rows,
        )
        for level, code, parent in [("district", DIST, None), ("district", MEDWAY, None),
                                    ("division", DIV_A, DIST), ("division", DIV_B, DIST),
                                    ("division", "E05000003", DIST)]:  # fmt: skip
            con.execute(
                "INSERT INTO areas (level, code, name, parent_code, geometry, file_geometry) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [level, code, code, parent, b"\x00", b"\x00"],
            )
    return store


def _count(store, where: str, params=()) -> int:
    return store.fetch_rows(f"SELECT count(*) FROM incidents WHERE {where}", list(params))[0][0]


def test_public_map_leaves_out_restricted_categories_and_counts_like_the_store(filled):
    policy = DisclosurePolicy(k=5, max_res=8)
    result = public_counts(filled, Filters(), THEMES, policy)
    # Whatever is asked, the public figures are one theme's (the first, knife crime, whose
    # police.uk proxy is 'Possession of weapons') for one published quarter.
    block = (date(2024, 1, 1), date(2024, 3, 1))
    assert result.filters == Filters(
        themes=("knife_crime",), month_from=block[0], month_to=block[1]
    )
    assert result.block.label == "Q4 2023/24 (January to March 2024)"
    located_public = "cell IS NOT NULL AND category = 'Possession of weapons'"
    # The county is every district together: incidents in no district are reported apart.
    assert result.map.total.value == _count(filled, f"{located_public} AND district IS NOT NULL")
    outside = _count(filled, f"{located_public} AND district IS NULL")
    assert outside >= 5 and result.outside.value == outside
    assert Node("district", None) not in {c.key for c in result.map.children(Node("county"))}
    division = result.map.area("division", DIV_A)
    assert division.value == (_count(filled, f"{located_public} AND division = ?", [DIV_A]))
    assert result.map.area("division", "E05000003").text == "0"
    by_district = {c.key.area: c for c in result.restricted.children(Node("county"))}
    expected = _count(filled, "cell IS NOT NULL AND category = 'modern_slavery' AND district = ?",
                      [DIST])  # fmt: skip
    assert by_district[DIST].value == expected
    assert all(c.key.level == "district" for c in by_district.values())
    rules = {r.key for r in result.rules}
    assert {"minimum_count", "secondary_suppression", "restricted_categories"} <= rules


def test_every_published_value_is_at_least_k_or_zero(filled):
    policy = DisclosurePolicy(k=5, max_res=8)
    result = public_counts(filled, Filters(month_from=date(2024, 2, 1)), THEMES, policy)
    for c in result.map.pieces(8):
        assert c.value is None or c.value == 0 or c.value >= 5
        assert c.text != "1"
    for res in range(5, 8):  # one public resolution: there is nothing else to difference
        with pytest.raises(ValueError, match="publishes 8 only"):
            result.map.pieces(res)


def test_the_tree_is_county_wide_whatever_area_the_filter_names(filled):
    policy = DisclosurePolicy(k=5, max_res=7)
    whole = public_counts(filled, Filters(), THEMES, policy).map
    narrowed = public_counts(filled, Filters(district=DIST), THEMES, policy).map
    within = Node("district", DIST)
    assert [c.text for c in whole.pieces(7, within)] == [c.text for c in narrowed.pieces(7, within)]
    assert whole.total == narrowed.total


def test_restricted_categories_are_one_table_whatever_is_asked(filled):
    policy = DisclosurePolicy(k=5, max_res=8)
    result = public_counts(filled, Filters(themes=("modern_slavery",)), THEMES, policy)
    assert result.filters.themes == ("knife_crime",)  # a restricted theme is not a public one
    other = public_counts(filled, Filters(themes=("county_lines",), sources=("x",)), THEMES, policy)
    districts = [Node("district", d) for d in (DIST, MEDWAY)]
    assert [result.restricted.count(n) for n in districts] == [
        other.restricted.count(n) for n in districts
    ]
    hidden = DisclosurePolicy(restricted_display="hidden")
    only = Filters(themes=("modern_slavery",))
    assert public_counts(filled, only, THEMES, hidden).restricted is None


def test_overlapping_requests_get_the_same_public_figures(filled):
    """The auditor's difference: Jan-Mar less Feb-Mar would be January. Both requests are
    shown as the same published quarter, so the difference is zero everywhere."""
    policy = DisclosurePolicy(k=5, max_res=8)
    a = public_counts(filled, Filters(month_from=date(2024, 1, 1)), THEMES, policy)
    b = public_counts(
        filled, Filters(month_from=date(2024, 2, 1), categories=("Drugs",)), THEMES, policy
    )
    assert a.filters.month_from == b.filters.month_from == date(2024, 1, 1)
    assert a.filters.themes != b.filters.themes  # knife crime; county lines (Drugs' theme)
    assert [c.text for c in a.map.pieces(8)] == [
        c.text for c in public_counts(filled, Filters(), THEMES, policy).map.pieces(8)
    ]


def test_split_filters():
    policy = DisclosurePolicy(restricted=("modern_slavery", "Drugs"))
    everything = split_filters(Filters(), THEMES, policy)
    assert everything.public.exclude_categories == ("Drugs", "modern_slavery")
    assert everything.restricted.categories == ("Drugs", "modern_slavery")
    mixed = split_filters(Filters(themes=("county_lines", "knife_crime")), THEMES, policy)
    assert set(mixed.public.categories) == {"county_lines", "knife_crime", "Possession of weapons"}
    assert mixed.restricted.categories == ("Drugs",)
    none_restricted = split_filters(Filters(categories=("Robbery",)), THEMES, policy)
    assert none_restricted.restricted is None and none_restricted.withheld == ()
    hidden = DisclosurePolicy(restricted_display="hidden")
    only = split_filters(Filters(categories=("modern_slavery",)), THEMES, hidden)
    assert (only.public, only.restricted, only.withheld) == (None, None, ("modern_slavery",))


def test_excluded_categories_become_sql(filled):
    sql, params = Filters(exclude_categories=("Drugs",)).where(THEMES)
    assert sql == "category NOT IN (?) AND district IS NOT NULL" and params == ["Drugs"]
    assert _count(filled, sql, params) == _count(
        filled, "category <> 'Drugs' AND district IS NOT NULL"
    )
    away, params = Filters(exclude_categories=("Drugs",)).where(THEMES, outside=True)
    assert _count(filled, away, params) == _count(
        filled, "category <> 'Drugs' AND district IS NULL"
    )
    with pytest.raises(ValueError, match="outside every district"):
        Filters(district=DIST).where(THEMES, outside=True)
