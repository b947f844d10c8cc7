"""The view state and navigation: URL round trips, forgiving parsing, drill-down rules."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.state import ViewState
from dashboard.views import navigation as nav
from dashboard.views.context import Area, Options
from geo.themes import load_themes

OPTS = Options(
    first_month=date(2022, 1, 1),
    last_month=date(2023, 12, 1),
    sources=("police-uk", "synthetic-demo"),
    categories=("Drugs", "Possession of weapons", "knife_crime"),
    districts=(
        Area("district", "E07000114", "Thanet", None),
        Area("district", "E06000035", "Medway", None),
    ),
    divisions=(Area("division", "E58000720", "Margate", "E07000114"),),
)

_states = st.builds(
    ViewState,
    district=st.sampled_from([None, "E07000114"]),
    division=st.sampled_from([None, "E58000720"]),
    cell=st.sampled_from([None, "8a1948515c57fff"]),
    themes=st.sampled_from([None, (), ("knife_crime",), ("knife_crime", "county_lines")]),
    categories=st.sampled_from([(), ("Drugs",), ("Possession of weapons", "Drugs")]),
    sources=st.sampled_from([(), ("police-uk",)]),
    month_from=st.sampled_from([None, date(2022, 3, 1)]),
    month_to=st.sampled_from([None, date(2023, 3, 1)]),
    measure=st.sampled_from(["count", "hotspots", "change", "emerging"]),
    res=st.sampled_from([None, 5, 9]),
    layers=st.sampled_from([(), ("lines",), ("lines", "ports")]),
    mark=st.sampled_from([None, (51.38735, 1.38459, "CT9 1"), (51.3891, 0.5485, "St Margaret's")]),
)


@given(_states)
def test_the_url_restores_the_state(state):
    assert ViewState.from_query(state.to_query()) == state


def test_malformed_values_are_dropped_not_errors():
    s = ViewState.from_query(
        "?d=DROP TABLE&v=E58000720&cell=zzz&m=bogus&res=42&from=2023-13&layer=x&theme=<script>"
    )
    assert s == ViewState(division="E58000720")


def test_resolve_fills_defaults_and_checks_against_the_data():
    themes = load_themes()
    s = nav.resolve(ViewState.from_query("?v=E58000720&cat=Nope&src=elsewhere"), OPTS, themes)
    assert s.themes == tuple(t.key for t in themes.themes)
    assert (s.month_from, s.month_to) == (date(2023, 1, 1), date(2023, 12, 1))
    assert s.district == "E07000114"  # a division's district comes from the boundaries
    assert (s.categories, s.sources) == ((), ())
    unknown = nav.resolve(ViewState(district="E07000999"), OPTS, themes)
    assert unknown.level == "county"


def test_clicks_drill_down_one_level_at_a_time():
    point = {"customdata": ["8a1948515c57fff", "E58000720", "E07000114"]}
    county = ViewState()
    district = nav.after_map_click(county, OPTS, point)
    assert (district.level, district.district) == ("district", "E07000114")
    division = nav.after_map_click(district, OPTS, point)
    assert (division.level, division.division) == ("division", "E58000720")
    cell = nav.after_map_click(division, OPTS, point)
    assert cell.cell == "8a1948515c57fff"
    assert county.go_to("county", None) == county


# A piece in a district without divisions carries the district's own code as its area, as
# the map sends it (issue 18: the code was read as a division and a click in Medway did
# nothing); older figures sent "" there.
@pytest.mark.parametrize("area", ["E06000035", ""])
def test_a_click_in_a_district_without_divisions_shows_the_hexagon(area):
    point = {"customdata": ["8a1948515c57fff", area, "E06000035"]}
    medway = nav.after_map_click(ViewState(), OPTS, point)
    assert (medway.level, medway.district, medway.cell) == ("district", "E06000035", None)
    detail = nav.after_map_click(medway, OPTS, point)
    assert (detail.level, detail.district, detail.cell) == (
        "district",
        "E06000035",
        "8a1948515c57fff",
    )


def test_a_click_with_unknown_codes_changes_nothing_it_cannot_show():
    county = ViewState()
    assert nav.after_map_click(county, OPTS, {"customdata": ["8a1948515c57fff", "", "E0"]}) == (
        county.__class__(cell="8a1948515c57fff")
    )
    assert nav.after_map_click(county, OPTS, {"customdata": [None, "", ""]}) == county
    assert nav.after_map_click(county, OPTS, None) == county


def test_playback_steps_one_month_and_stops_at_the_end():
    s = ViewState(month_from=date(2023, 10, 1), month_to=date(2023, 12, 1))
    s, done = nav.play_step(s, OPTS)
    assert (s.month_from, s.month_to, done) == (date(2023, 10, 1), date(2023, 10, 1), False)
    s, done = nav.play_step(s, OPTS)
    assert (s.month_from, done) == (date(2023, 11, 1), False)
    s, done = nav.play_step(s, OPTS)
    assert (s.month_from, done) == (date(2023, 12, 1), True)
    _, done = nav.play_step(s, OPTS)
    assert done


def test_controls_change_filters_but_keep_the_area():
    s = ViewState(division="E58000720", district="E07000114")
    after = nav.from_controls(
        s,
        OPTS,
        themes=["knife_crime"],
        categories=["Drugs"],
        sources=[],
        period=[12, 14],
        measure="hotspots",
        res="auto",
        layers=["ports"],
    )
    assert after.division == "E58000720"
    assert (after.month_from, after.month_to) == (date(2023, 1, 1), date(2023, 3, 1))
    assert (after.measure, after.res, after.layers) == ("hotspots", None, ("ports",))


def test_the_area_picker_goes_to_known_areas_only():
    s = ViewState()
    assert nav.after_area_pick(s, OPTS, "division:E58000720").district == "E07000114"
    assert nav.after_area_pick(s, OPTS, "district:E06000035").level == "district"
    assert nav.after_area_pick(s, OPTS, "district:E07009999") == s
    assert nav.after_area_pick(s, OPTS, "nonsense") == s
    assert nav.after_area_pick(ViewState(district="E07000114"), OPTS, "county:").level == "county"


def test_a_place_picked_goes_to_its_division_or_district_and_is_marked():
    picked = nav.place_value(51.38735, 1.38459, "E07000114", "E58000720", "CT9 1")
    s = nav.after_area_pick(ViewState(), OPTS, picked)
    assert (s.district, s.division, s.mark) == (
        "E07000114",
        "E58000720",
        (51.38735, 1.38459, "CT9 1"),
    )
    medway = nav.after_area_pick(
        ViewState(), OPTS, nav.place_value(51.38, 0.54, "E06000035", None, "Gillingham")
    )
    assert (medway.level, medway.district, medway.mark[2]) == (
        "district",
        "E06000035",
        "Gillingham",
    )
    assert medway.go_to("county", None).mark is None  # moving on lets the mark go
    for bad in ("place:x", "place:99,99:E06000035::Nowhere", "place:51.3,0.5:E06000035::<b>"):
        assert nav.after_area_pick(ViewState(), OPTS, bad) == ViewState()


def test_long_incident_ids_are_cut_short_for_the_panel():
    from dashboard.features.panel import _incident_row, short_id

    police_uk = "a" * 64
    assert short_id(police_uk) == "a" * 10 + "…" and short_id("DEMO-KC-001127") == "DEMO-KC-00…"
    assert short_id("CL-12345") == "CL-12345"
    row = _incident_row(("2018-10", "Drugs", police_uk, "On or near X", "police-uk"))
    cell = row.children[2]
    assert cell.children[0].title == police_uk and cell.children[1].children == police_uk
