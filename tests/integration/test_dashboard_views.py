"""The dashboard's view functions as plain functions: every number they show is checked
against the store by an independent query (pandas over the raw incident rows)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import h3
import pandas as pd
import pytest

from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.map_view import map_model
from dashboard.views.panel_view import panel_model
from geo.disclosure import Audience
from geo.store import Store

pytestmark = pytest.mark.shared_data

THANET, MARGATE = "E07000114", None  # Margate's code is looked up below
PERIOD = "from=2025-11&to=2026-10"


@pytest.fixture(scope="module")
def ctx(dashboard_store):
    c = AppContext.create(Store(dashboard_store.db_path), dashboard_store)
    yield c
    c.store.close()


@pytest.fixture(scope="module")
def incidents(ctx) -> pd.DataFrame:
    """Every located incident, straight from the table (no socmap query code)."""
    return ctx.store.fetch(
        "SELECT category, month, district, division, latitude, longitude, incident_id "
        "FROM incidents WHERE cell IS NOT NULL"
    ).to_pandas()


def _own_cells(rows: pd.DataFrame, res: int) -> list[str]:
    """Each incident's own cell at ``res``, by h3-py from its coordinates."""
    return [
        h3.latlng_to_cell(a, b, res)
        for a, b in zip(rows["latitude"], rows["longitude"], strict=True)
    ]


def _soc(df: pd.DataFrame, months: tuple[date, date]) -> pd.DataFrame:
    cats = {"knife_crime", "county_lines", "modern_slavery", "port_event"}
    m = pd.to_datetime(df["month"]).dt.date
    return df[df["category"].isin(cats) & (m >= months[0]) & (m <= months[1])]


def _division_in(ctx, district: str) -> str:
    return ctx.store.fetch_rows(
        "SELECT code FROM areas WHERE level = 'division' AND parent_code = ? ORDER BY code",
        [district],
    )[0][0]


@pytest.mark.parametrize("level", ["county", "district", "division"])
def test_map_pieces_add_up_to_the_area_total_the_store_has(ctx, incidents, level):
    query = {
        "county": "",
        "district": f"d={THANET}&",
        "division": f"v={_division_in(ctx, THANET)}&",
    }[level]
    state = ViewState.from_query(f"?{query}{PERIOD}")
    model = map_model(ctx, state, Audience.RESTRICTED)
    panel = panel_model(ctx, state, Audience.RESTRICTED)
    want = _soc(incidents, (date(2025, 11, 1), date(2026, 10, 1)))
    if level == "district":
        want = want[want["district"] == THANET]
    elif level == "division":
        want = want[want["division"] == state.division]
    assert sum(f.value for f in model.features) == len(want)
    assert panel.total == f"{len(want):,}"
    # Each piece equals the incidents of its division (or district) in its hexagon.
    got = {(f.area, f.cell): f.value for f in model.features if f.value}
    res = model.resolution
    keys = zip(
        want["division"].fillna(want["district"]).where(lambda s: s.notna(), None),
        _own_cells(want, res),
        strict=True,
    )
    expected = pd.Series(list(keys)).value_counts().to_dict()
    assert got == expected


def test_theme_totals_and_change_equal_the_store(ctx, incidents):
    state = ViewState.from_query(f"?d={THANET}&{PERIOD}")
    panel = panel_model(ctx, state, Audience.RESTRICTED)
    now = _soc(incidents, (date(2025, 11, 1), date(2026, 10, 1)))
    before = _soc(incidents, (date(2024, 11, 1), date(2025, 10, 1)))
    labels = {
        "knife_crime": "Knife crime",
        "county_lines": "County lines",
        "modern_slavery": "Modern slavery",
        "port_event": "Port-of-entry events",
    }
    for frame, column in ((now, "current"), (before, "previous")):
        counts = frame[frame["district"] == THANET]["category"].map(labels).value_counts()
        for row in panel.themes:
            assert getattr(row, column) == f"{counts.get(row.label, 0):,}", row


def test_monthly_trend_equals_the_store(ctx, incidents):
    state = ViewState.from_query(f"?d={THANET}&theme=knife_crime&{PERIOD}")
    panel = panel_model(ctx, state, Audience.RESTRICTED)
    kc = incidents[(incidents["category"] == "knife_crime") & (incidents["district"] == THANET)]
    by_month = pd.to_datetime(kc["month"]).dt.date.value_counts()
    assert panel.trend["Knife crime"] == [int(by_month.get(m, 0)) for m in panel.trend_months]
    assert len(panel.trend_months) == 12


def test_public_map_shows_no_small_count_and_no_record(ctx, incidents):
    k = ctx.settings.disclosure_k
    ids = set(incidents["incident_id"].dropna())
    for query in [
        "",
        f"d={THANET}&",
        f"v={_division_in(ctx, THANET)}&",
        "m=change&",
        "layer=lines&layer=ports&",
        "res=10&",
    ]:
        state = ViewState.from_query(f"?{query}{PERIOD}")
        model = map_model(ctx, state, Audience.PUBLIC)
        panel = panel_model(ctx, state, Audience.PUBLIC)
        text = repr(model) + repr(panel)
        for f in model.features:
            assert f.value is None or f.value == 0 or f.value >= k or model.measure != "count"
            for n in re.findall(r"Incidents: ([0-9,]+)", f.hover):
                assert int(n.replace(",", "")) == 0 or int(n.replace(",", "")) >= k
        assert not any(i in text for i in list(ids)[:2000])
        assert model.resolution <= ctx.settings.public_max_res
        assert model.marking == "OFFICIAL"
        for item in model.legend:  # no legend class may suggest a count from 1 to k-1
            first = re.match(r"(\d+)", item.label)
            assert first is None or int(first.group(1)) == 0 or int(first.group(1)) >= k
        assert "Modern slavery" not in model.title


def test_public_points_come_from_the_register_not_the_incidents(ctx):
    """No public point is placed by an incident: no county-lines link (see
    tests/integration/test_public_layers.py for the attack), and the ports where the
    register puts them, each without a count."""
    from geo.store.queries.ports import port_rows

    state = ViewState.from_query(f"?layer=lines&layer=ports&{PERIOD}")
    model = map_model(ctx, state, Audience.PUBLIC)
    assert model.links == ()
    register = {(r[1], (round(r[5], 5), round(r[4], 5))) for r in port_rows(ctx.store)}
    assert register and {(p.name, p.lonlat) for p in model.ports} == register
    assert {p.text for p in model.ports} == {""} and {p.events for p in model.ports} == {1}


def test_restricted_view_is_marked_and_exact(ctx):
    state = ViewState.from_query(f"?d={THANET}&{PERIOD}")
    model = map_model(ctx, state, Audience.RESTRICTED)
    assert model.marking == "OFFICIAL-SENSITIVE"
    assert any(f.value and f.value < ctx.settings.disclosure_k for f in model.features)


def test_every_map_says_what_it_shows(ctx):
    state = ViewState.from_query("?cat=Possession of weapons&theme=none&from=2018-10&to=2018-12")
    assert "proxy" in map_model(ctx, state, Audience.RESTRICTED).title.lower()
    # The public view shows the category's whole theme, and says which part is a proxy.
    model = map_model(ctx, state, Audience.PUBLIC)
    notes = " ".join(n.text for n in model.notes)
    assert model.title.startswith("Knife crime")
    assert model.subtitle.endswith("Q3 2018/19 (October to December 2018)")
    assert "Proxy: police.uk 'Possession of weapons'" in notes
    assert "Boundaries approximate" in notes
    assert "police.uk" in notes
    assert "fewer than" in notes.lower()
    demo = map_model(ctx, ViewState.from_query(f"?{PERIOD}"), Audience.PUBLIC)
    assert any("Synthetic demo data" in n.text and n.warn for n in demo.notes)
    assert not any(n.text.startswith("Proxy") for n in demo.notes)  # no police.uk rows then
    # October 2026 does not complete Q3 2026/27: the latest complete quarter is shown.
    assert demo.subtitle.endswith("Q2 2026/27 (July to September 2026)")
    assert "fixed periods (quarters of the year starting in April" in " ".join(
        n.text for n in demo.notes
    )


def test_a_hexagons_incident_list_is_for_part_2_only(ctx, incidents):
    division = _division_in(ctx, THANET)
    rows = _soc(incidents, (date(2025, 11, 1), date(2026, 10, 1)))
    rows = rows[rows["division"] == division]
    hexes = pd.Series(_own_cells(rows, 9))
    busiest, n = hexes.value_counts().index[0], int(hexes.value_counts().iloc[0])
    state = ViewState.from_query(f"?v={division}&cell={busiest}&{PERIOD}")
    restricted = panel_model(ctx, state, Audience.RESTRICTED).cell
    assert restricted["count"] == str(n)
    assert len(restricted["incidents"]) == n
    public = panel_model(ctx, state, Audience.PUBLIC).cell
    assert public is None or public["incidents"] == []


@pytest.mark.parametrize(
    ("audience", "query", "cats"),
    [
        # Part 2: any categories; many violent crimes are snapped over the edge.
        (
            Audience.RESTRICTED,
            "?src=police-uk&from=2018-10&to=2018-12&cat=Violence+and+sexual+offences",
            {"Possession of weapons", "Drugs", "Violence and sexual offences"},
        ),
        # Part 1: one theme for one block; here only one incident lies outside.
        (Audience.PUBLIC, "?theme=county_lines&from=2018-10&to=2018-12", {"Drugs"}),
    ],
)
def test_incidents_outside_every_boundary_are_counted_not_drawn(
    ctx, incidents, audience, query, cats
):
    """police.uk snaps some incidents to points over the county edge or out at sea: no
    hexagon is drawn outside the boundaries, the notes say how many are left off (in the
    public view, as a suppressed count), and no area, the county included, counts them."""
    state = ViewState.from_query(query)
    model = map_model(ctx, state, audience)
    assert model.features and all(f.area for f in model.features)
    m = pd.to_datetime(incidents["month"]).dt.date
    in_period = (m >= date(2018, 10, 1)) & (m <= date(2018, 12, 1))
    want = incidents[incidents["category"].isin(cats) & in_period]
    outside = int(want["district"].isna().sum())
    assert outside > 0, "the real police.uk months have incidents outside every district"
    notes = " ".join(n.text for n in model.notes)
    if audience is Audience.RESTRICTED:
        assert f"{outside} incidents lie outside every district boundary" in notes
    else:
        assert outside < 5
        assert "Some incidents (fewer than 5) lie outside every district boundary" in notes
    assert "not drawn on the map and not counted in any area, Kent and Medway included" in notes
    assert "the pieces add up to the area totals" in notes
    panel = panel_model(ctx, state, audience)
    assert panel.total == f"{len(want) - outside:,}"
    if audience is Audience.RESTRICTED:
        assert sum(f.value for f in model.features) == len(want) - outside


DOVER = "E07000108"


# Resolution 8 at county level too: the public view publishes that one size at every level.
@pytest.mark.parametrize(("query", "res"), [(f"d={DOVER}&", 8), ("", 8)])
def test_a_hexagons_detail_sums_its_pieces_at_district_and_county_level(ctx, incidents, query, res):
    """A hexagon at district or county level is selected without a division: its count is
    the sum of its pieces in the area, the same figure the busiest-hexagons list gives, and
    the map outlines it."""
    from dashboard.views.public import resolve_view

    # The public view is one theme for one block: take that view, and count it both ways.
    base = resolve_view(ctx, ViewState.from_query(f"?{query}{PERIOD}"), Audience.PUBLIC)
    # The busiest hexagon by exact count (a quarter of one theme may have none to publish).
    top_hex = panel_model(ctx, replace(base, res=res), Audience.RESTRICTED).top_cells[0][0]
    published = {h: t for h, _, t in panel_model(ctx, base, Audience.PUBLIC).top_cells}
    state = replace(base, cell=top_hex)
    cats = {c for t in base.themes for c in ctx.themes.categories_for(t)}
    m = pd.to_datetime(incidents["month"]).dt.date
    rows = incidents[
        incidents["category"].isin(cats) & (m >= base.month_from) & (m <= base.month_to)
    ]
    if query:
        rows = rows[rows["district"] == DOVER]
    rows = rows[rows["district"].notna()]
    hexes = _own_cells(rows, res)
    in_cell = rows[[h == top_hex for h in hexes]]
    restricted = panel_model(ctx, state, Audience.RESTRICTED).cell
    assert restricted["count"] == f"{len(in_cell):,}"
    (district,) = set(in_cell["district"])
    name = ctx.store.fetch_rows("SELECT name FROM areas WHERE code = ?", [district])[0][0]
    assert name in restricted["place"]
    public = panel_model(ctx, state, Audience.PUBLIC).cell
    if in_cell["division"].nunique() == 1 and top_hex in published:
        assert public["count"] == published[top_hex]  # its one piece, as the list says
    else:
        # Withheld, merged into a coarser area, or the exact sum where that adds nothing.
        words = {"not shown separately", "fewer than 5", "suppressed"}
        assert (
            public["count"] in words
            or "not published" in public["count"]
            or (public["count"] == f"{len(in_cell):,}" and len(in_cell) >= 5)
        ), public
    model = map_model(ctx, state, Audience.PUBLIC)
    selected = [o for o in model.outlines if o.level == "selected"]
    assert len(selected) == 1 and len(selected[0].coords[0]) == 7


@pytest.mark.parametrize("measure", ["count", "hotspots", "change"])
@pytest.mark.parametrize("audience", list(Audience))
def test_hover_cards_name_places_not_h3_ids(ctx, measure, audience):
    state = ViewState.from_query(f"?d={THANET}&m={measure}&{PERIOD}")
    model = map_model(ctx, state, audience)
    hovers = [f.hover for f in model.features]
    assert hovers
    assert not [h for h in hovers if re.search(r"\b8[0-9a-f]{14}\b", h)]
    assert all("(Thanet)" in h for h in hovers)
    assert all(re.search(r"Hexagon (in or near|about \d+ km from) [A-Z]", h) for h in hovers)
    assert not [h for h in hovers if "p = 0.000" in h]
    if measure == "hotspots" and audience is Audience.RESTRICTED:
        # Twelve months of every theme (Part 1 is one theme for one quarter: fewer spots).
        assert any("exact p < 0.001, adjusted across the map = 0.0" in h for h in hovers)


def test_hotspot_cards_show_the_exact_p_value_of_their_cell(ctx):
    """Each hexagon card's exact p-value and adjusted value are that cell's, as an
    independent Gi* run computes them, and its class label is the class's words."""
    import h3

    from dashboard.views.measures import p_text
    from geo.stats import CLASS_LABELS, find_hotspots

    state = ViewState.from_query(f"?d={THANET}&m=hotspots&{PERIOD}")
    model = map_model(ctx, state, Audience.RESTRICTED)
    res = h3.get_resolution(model.features[0].cell)
    expected = find_hotspots(ctx.store, state.filters(), res, ctx.themes).cells
    by_cell = {
        c: (p, q, k)
        for c, p, q, k in zip(
            expected["cell_hex"],
            expected["gi_p"],
            expected["gi_q"],
            expected["class"],
            strict=True,
        )
    }
    shown = {}
    for f in model.features:
        found = re.search(
            r"exact p ([=<] [0-9.]+), adjusted across the map ([=<] [0-9.]+)", f.hover
        )
        # A card without a statistic is a cell outside the study region, and says so.
        assert found or ("Gi* z: n/a" in f.hover and f.cell not in by_cell), f.hover
        if found:
            shown[f.cell] = found.groups()
            assert CLASS_LABELS[by_cell[f.cell][2]] in f.hover
    assert shown == {cell: (p_text(by_cell[cell][0]), p_text(by_cell[cell][1])) for cell in shown}
    assert len(set(shown.values())) > 3


@pytest.mark.parametrize("query", ["", f"d={THANET}&", "v={division}&"])
def test_the_public_view_publishes_one_resolution_at_every_level(ctx, query):
    """Part 1 draws the policy's one public resolution at every level, whatever a link asks
    for, and says so; Part 2 keeps the level's own and any chosen size."""
    from dashboard.state import AUTO_RES
    from dashboard.views.public import resolve_view
    from geo.disclosure import DisclosurePolicy

    query = query.format(division=_division_in(ctx, THANET))
    policy = DisclosurePolicy.from_settings(ctx.settings)
    for asked in ("", "res=6&", "res=10&"):
        state = ViewState.from_query(f"?{query}{asked}{PERIOD}")
        public = resolve_view(ctx, state, Audience.PUBLIC)
        assert public.res is None and "res=" not in public.to_query()
        model = map_model(ctx, state, Audience.PUBLIC)
        assert model.resolution == policy.max_res
        assert {f.cell[:2] for f in model.features} <= {f"8{policy.max_res}"}
        assert any("Hexagons are of one size" in n.text for n in model.notes)
    assert map_model(ctx, state, Audience.RESTRICTED).resolution == 10
    plain = ViewState.from_query(f"?{query}{PERIOD}")
    assert map_model(ctx, plain, Audience.RESTRICTED).resolution == AUTO_RES[plain.level]


@pytest.mark.parametrize("audience", list(Audience))
def test_no_empty_hexagon_is_drawn_over_a_neighbouring_division(ctx, audience):
    """A hexagon holding a division's incidents but barely reaching it (a point a hair over
    its edge) is drawn whole only to show the incidents it holds, never as a 0 or a grey laid
    over other divisions' pieces."""
    import shapely
    import shapely.geometry

    from dashboard.views import geometry as geo_view

    leaves = {leaf.code: leaf for leaf in geo_view.leaves(ctx).values()}
    model = map_model(ctx, ViewState.from_query(f"?res=6&{PERIOD}"), audience)
    assert model.resolution == (6 if audience is Audience.RESTRICTED else 8) and model.features
    for f in model.features:
        leaf = leaves[f.area]
        shape = shapely.make_valid(shapely.geometry.shape(f.geometry))
        inside = shape.intersection(shapely.make_valid(leaf.geometry)).area
        if inside < 0.5 * shape.area:
            assert f.value and f.value > 0, (f.area, f.label)


def test_public_hotspot_notes_quote_no_exact_count(ctx):
    """The note saying what the exact test cannot find quotes the busiest hexagon's exact
    count: Part 2 sees it, Part 1 does not (a small busiest count would be a withheld one).
    The restricted map of the same filters shows the figure, so the public omission is the
    protection at work."""
    import h3

    from geo.stats import find_hotspots

    state = ViewState.from_query(f"?m=hotspots&theme=knife_crime&{PERIOD}")
    public = map_model(ctx, state, Audience.PUBLIC)
    restricted = map_model(ctx, state, Audience.RESTRICTED)
    public_text = " ".join(n.text for n in public.notes)
    restricted_text = " ".join(n.text for n in restricted.notes)
    assert "busiest single hexagon is seldom marked" in public_text  # said without figures
    assert not re.search(r"busiest hexagon holds \d+", public_text)
    assert not re.search(r"only \d+ cells hold", public_text)
    res = h3.get_resolution(restricted.features[0].cell)
    result = find_hotspots(ctx.store, state.filters(), res, ctx.themes)
    assert result.figures  # this view's exact test has a figure to quote
    assert re.search(r"busiest hexagon holds \d+|only \d+ cells hold", restricted_text)


def test_public_sparse_note_offers_nothing_the_public_view_cannot_do(ctx):
    """Real weapons over one published quarter at the one public size are sparse, and the
    public hot spot map says so without suggesting coarser hexagons or a longer period:
    Part 1 has one hexagon size and fixed periods."""
    state = ViewState.from_query("?m=hotspots&theme=knife_crime&from=2018-10&to=2018-12")
    text = " ".join(n.text for n in map_model(ctx, state, Audience.PUBLIC).notes).lower()
    assert "few published incidents for this many hexagons (resolution 8" in text
    assert "coarser" not in text and "longer period" not in text


@pytest.mark.parametrize("audience", list(Audience))
def test_emerging_map_with_few_months_warns(ctx, audience):
    """Three months: ArcGIS requires ten. The emerging map says so among the notes read with
    care (exports print the map's notes); twelve months carry no such warning."""
    few = map_model(ctx, ViewState.from_query("?m=emerging&from=2018-10&to=2018-12"), audience)
    if audience is Audience.PUBLIC:
        # Public time steps are published blocks (months are never published): one quarter
        # has no trend at all, and the map says so instead of drawing patterns: every piece
        # "not analysed" (never "no pattern detected", an analysis that found nothing).
        assert any("no trend to analyse, so no pattern is shown" in n.text for n in few.notes)
        assert {f.klass for f in few.features} == {"not_analysed"}
        return
    warned = [n for n in few.notes if "requires at least 10 time steps" in n.text]
    assert len(warned) == 1 and warned[0].warn and warned[0].text.startswith("Only 3 months")
    many = map_model(ctx, ViewState.from_query(f"?m=emerging&{PERIOD}"), Audience.RESTRICTED)
    assert not [n for n in many.notes if "time steps" in n.text]


@pytest.mark.parametrize("measure", ["count", "hotspots", "change", "emerging"])
def test_a_county_map_sends_each_areas_alike_pieces_as_one_feature(ctx, measure):
    """At county level the public map has thousands of resolution-8 pieces; those of one area
    whose cards say the same (class, figure and detail) go to the browser as one feature of
    the same hexagons, so nothing drawn changes and the response stays small."""
    from dashboard.figures.map_figure import _polygons, map_figure

    model = map_model(ctx, ViewState.from_query(f"?m={measure}&{PERIOD}"), Audience.PUBLIC)
    assert len(model.features) > 5000
    figure = map_figure(model, ctx.settings)
    traces = [t for t in figure["data"] if t["type"] == "choroplethmap"]
    sent = [f for t in traces for f in t["geojson"]["features"]]
    assert len(sent) < len(model.features) / 5
    drawn = sorted(str(p) for f in sent for p in _polygons(f["geometry"]))
    assert drawn == sorted(str(p) for f in model.features for p in _polygons(f.geometry))
    by_key = {f.key: f for f in model.features}
    texts = {t: h for tr in traces for t, h in zip(tr["locations"], tr["text"], strict=True)}
    merged = [f for f in sent if f["id"] not in by_key]
    assert merged
    for f in sent:
        if f["id"] in by_key:  # a piece with a card of its own, as the model has it
            assert texts[f["id"]] == by_key[f["id"]].hover
        else:  # every hexagon in it has this card but for its place
            assert "Each hexagon shaded this way" in texts[f["id"]]
            cards = {
                "<br>".join([m.hover.split("<br>")[0], *m.hover.split("<br>")[2:]])
                for m in model.features
                if any(p in f["geometry"]["coordinates"] for p in _polygons(m.geometry))
            }
            assert cards == {texts[f["id"]].replace("<br>Each hexagon shaded this way", "")}
    restricted = map_model(
        ctx, ViewState.from_query(f"?res=8&d={THANET}&{PERIOD}"), Audience.RESTRICTED
    )
    assert len(map_figure(restricted, ctx.settings)["data"][0]["locations"]) == sum(
        f.klass == restricted.legend[0].key for f in restricted.features
    )  # below county level every piece is its own feature
