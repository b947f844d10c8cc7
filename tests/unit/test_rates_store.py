"""Rates and deprivation from the store, on a small made-up store whose answers are counted by
hand (tests.rates_helpers): numerators placed by area, LSOAs by police.uk's code or point in
polygon, denominators from geo.context, the population year and ages, and the county-wide
statistics behind a district's rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.areas import with_lsoas
from geo.errors import ValidationError
from geo.filters import Filters, parse_month
from geo.stats import (
    OTHER,
    area_rates,
    concentration_curve,
    concentration_index,
    decile_table,
    deprivation,
    share_at,
)
from geo.store import Store
from geo.store.queries.rates import incident_points
from geo.themes import load_themes
from tests.support.boundaries import DISTRICT_A, DISTRICT_B, MEDWAY
from tests.support.context import (
    DIVISION_POP_2018,
    EAST,
    LSOAS,
    NORTH,
    POP_2018,
    SOUTH,
    WEST,
    single_years,
)
from tests.support.rates import build_store

THEMES = load_themes()
KNIFE = Filters(themes=("knife_crime",))
# Counted by hand from tests.support.rates (knife crime: Possession of weapons + partner).
LSOA_KNIFE = dict(zip(LSOAS, [7, 6, 1, 3, 8, 2, 7, 0], strict=True))
DISTRICT_KNIFE = {MEDWAY: 7, DISTRICT_A: 14, DISTRICT_B: 13}
DIVISION_KNIFE = {WEST: 11, EAST: 3, SOUTH: 3, NORTH: 10}
DECILES = dict(zip(LSOAS, [1, 2, 3, 4, 5, 7, 8, 9], strict=True))
COUNTY_POP = sum(POP_2018.values())


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    settings = build_store(tmp_path_factory.mktemp("rates"))
    s = Store(settings.db_path)
    yield s
    s.close()


def test_incidents_take_police_uks_lsoa_code_and_partners_are_placed(store):
    points = with_lsoas(store, incident_points(store, KNIFE, THEMES))
    assert points["lsoa"].value_counts().to_dict() == {k: v for k, v in LSOA_KNIFE.items() if v}
    how = points.groupby(["source", "lsoa_how"]).size().to_dict()
    # 30 police.uk rows with a loaded code; one with an unknown code and 3 partner rows placed
    assert how == {
        ("police-uk", "police.uk code"): 30,
        ("police-uk", "point in polygon"): 1,
        ("partner-x", "point in polygon"): 3,
    }


@pytest.mark.parametrize(
    ("level", "counts", "people"),
    [
        ("district", DISTRICT_KNIFE, {MEDWAY: 1700, DISTRICT_A: 700, DISTRICT_B: 1800}),
        ("division", DIVISION_KNIFE, DIVISION_POP_2018),
        ("lsoa", LSOA_KNIFE, POP_2018),
    ],
)
def test_rates_against_counts_by_hand(store, level, counts, people):
    table = area_rates(store, KNIFE, THEMES, level=level)
    frame = table.frame.set_index("code")
    assert sorted(frame.index) == sorted(people)
    assert frame["count"].to_dict() == {c: counts.get(c, 0) for c in people}
    assert frame["population"].to_dict() == pytest.approx({c: float(p) for c, p in people.items()})
    for code, p in people.items():
        n = counts.get(code, 0)
        assert frame.at[code, "rate"] == pytest.approx(1000 * n / p)
        expected = p * 34 / COUNTY_POP
        assert frame.at[code, "expected"] == pytest.approx(expected)
        assert frame.at[code, "rr"] == pytest.approx(n / expected)
    assert table.reference_count == 34 and table.reference_population == COUNTY_POP
    assert table.population_year == 2018 and table.ages == "all ages"
    assert table.population_label == "mid-2018 residents, all ages"
    assert table.period_label == "2018-10 to 2018-12" and table.days == 92
    assert frame["annual_rate"].to_numpy() == pytest.approx(frame["rate"].to_numpy() * 365.25 / 92)


def test_a_districts_rows_come_from_the_county_wide_statistics(store):
    """The BH family and the EB prior are every area of the level in the county; a district
    shows its own rows of that one table."""
    whole = area_rates(store, KNIFE, THEMES, level="lsoa", smooth=True).frame.set_index("code")
    part = area_rates(store, Filters(themes=("knife_crime",), district=DISTRICT_A), THEMES,
                      level="lsoa", smooth=True).frame.set_index("code")  # fmt: skip
    assert list(part.index) == ["E01000001", "E01000002", "E01000003"]
    pd.testing.assert_frame_equal(part, whole.loc[part.index])
    divisions = area_rates(
        store, Filters(themes=("knife_crime",), district=DISTRICT_B), THEMES, level="division"
    ).frame
    assert list(divisions["code"]) == [SOUTH, NORTH]


def test_age_specific_rates_use_the_single_years_of_mid_2019(store):
    table = area_rates(store, KNIFE, THEMES, level="lsoa", ages=(10, 24))
    years = single_years()
    want = {code: sum(v[10:25]) for code, v in years.items()}
    assert table.frame.set_index("code")["population"].to_dict() == pytest.approx(want)
    assert table.population_year == 2019 and table.ages == "10-24"
    assert table.notes == ()  # mid-2019 is close enough to Oct-Dec 2018 to say nothing


def test_the_population_year_is_printed_and_a_distant_one_said(store):
    later = Filters(themes=("knife_crime",), month_from=parse_month("2018-10"))
    assert area_rates(store, later, THEMES, level="district").population_year == 2018
    with pytest.raises(ValidationError, match="no mid-2017 population"):
        area_rates(store, KNIFE, THEMES, level="district", year=2017)
    with pytest.raises(ValidationError, match="single years of age stop"):
        area_rates(store, KNIFE, THEMES, level="district", ages=(85, 95))


def test_theme_rate_ages_come_from_the_themes_file():
    assert THEMES.theme("knife_crime").rate_ages == (10, 24)
    assert THEMES.theme("county_lines").rate_ages is None


def test_deprivation_by_decile_against_counts_by_hand(store):
    d = deprivation(store, KNIFE, THEMES)
    table = d.table.set_index("decile")
    want = dict.fromkeys(range(1, 11), 0)
    for code, n in LSOA_KNIFE.items():
        want[DECILES[code]] += n
    assert table["incidents"].drop(OTHER).to_dict() == want
    assert table.at[OTHER, "incidents"] == 0
    assert d.total == 34
    assert d.england_shares["10%"][0] == pytest.approx(7 / 34)
    assert d.england_shares["20%"][0] == pytest.approx(13 / 34)
    assert d.england_shares["10%"][1] == pytest.approx(100 / COUNTY_POP)
    # The district's own LSOAs; every incident placed in it lies in one of them.
    a = deprivation(store, Filters(themes=("knife_crime",), district=DISTRICT_A), THEMES)
    assert a.table.set_index("decile")["incidents"].to_dict() == {
        1: 7, 2: 6, 3: 1, **dict.fromkeys(range(4, 11), 0), OTHER: 0,
    }  # fmt: skip
    with pytest.raises(ValueError, match="county or a district"):
        deprivation(store, Filters(division=WEST), THEMES)


def _kakwani(x: np.ndarray, y: np.ndarray) -> float:
    """Kakwani, Wagstaff and van Doorslaer (1997), grouped data: sum_t p_t L_{t+1} - p_{t+1} L_t."""
    return float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


@given(
    st.lists(
        st.tuples(st.integers(0, 50), st.integers(1, 3000), st.integers(1, 32844)),
        min_size=2,
        max_size=40,
        unique_by=lambda t: t[2],
    )
)
def test_concentration_index_equals_the_grouped_formula(groups):
    n = [g[0] for g in groups]
    if sum(n) == 0:
        return
    curve = concentration_curve(n, [g[1] for g in groups], [g[2] for g in groups])
    x, y = curve["residents_share"].to_numpy(), curve["incidents_share"].to_numpy()
    assert concentration_index(curve) == pytest.approx(_kakwani(x, y), abs=1e-12)
    assert -1 <= concentration_index(curve) <= 1


def test_concentration_index_signs_and_shares():
    # Incidents only in the most deprived of ten equal groups: C = -(1 - 1/10).
    curve = concentration_curve([10] + [0] * 9, [100] * 10, range(1, 11))
    assert concentration_index(curve) == pytest.approx(-0.9)
    assert share_at(curve, 0.1) == pytest.approx(1.0)
    assert share_at(curve, 0.05) == pytest.approx(0.5)  # linear within the group
    even = concentration_curve([5] * 10, [100] * 10, range(1, 11))
    assert concentration_index(even) == pytest.approx(0.0)
    least = concentration_curve([0] * 9 + [10], [100] * 10, range(1, 11))
    assert concentration_index(least) == pytest.approx(0.9)


def test_decile_table_shares_and_rates():
    lsoas = pd.DataFrame(
        {"lsoa_code": ["a", "b", "c"], "persons": [100, 300, 600], "imd_decile": [1, 1, 10]}
    )
    table = decile_table(pd.Series({"a": 4, "c": 2}), lsoas, other=2).set_index("decile")
    assert table.at[1, "incidents"] == 4 and table.at[10, "incidents"] == 2
    assert table.at[1, "residents"] == 400 and table.at[1, "lsoas"] == 2
    assert table.at[1, "rate"] == pytest.approx(10.0)
    assert table.at[1, "incident_share"] == pytest.approx(0.5)  # 4 of 8, the 2 outside too
    assert table.at[OTHER, "incidents"] == 2 and np.isnan(table.at[5, "rate"])
